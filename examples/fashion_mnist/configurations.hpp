#pragma once
// The ways of running the trained model on the CPU that the demo compares
// (pipeline.hpp: each stage in the form repro::check_batch_invariance takes).

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <repro/linalg.hpp>
#include <repro/nn.hpp>
#include <repro/random.hpp>

#include "model.hpp"
#include "pipeline.hpp"

namespace fashion_mnist {

namespace detail {

// The first layer (repro::conv2d) with its ReLU.
inline pipeline repro_body(const trained_model& tm, repro::threads t) {
    pipeline p;
    p.body_key = "repro first layer, " + std::to_string(t.count) + " threads";
    p.features = tm.shape.features();
    p.body = [tm, t](const float* x, const std::uint64_t*, std::size_t batch, float* h) {
        first_layer(tm.shape, tm.params, x, batch, h, t);
    };
    return p;
}

// repro's first layer, BatchNorm, `between` on the normalised features, the dense layer.
template <class Between>
pipeline normalized_model(const trained_model& tm, repro::batch_norm_mode mode, repro::threads t, Between between) {
    pipeline p = repro_body(tm, t);
    const dense_layer<float> dense(tm.params.w2, tm.params.b2, tm.shape.classes, tm.shape.features());
    const bool inference = mode == repro::batch_norm_mode::inference;
    p.head = [tm, mode, inference, t, between, dense](const float* h, const std::uint64_t* ids, std::size_t batch,
                                                      float* logits) {
        std::vector<float> z(batch * tm.shape.features());
        repro::batch_norm(h, z.data(), batch * tm.shape.spatial(), tm.shape.channels(),
                          inference ? tm.stats.mean.data() : nullptr, inference ? tm.stats.var.data() : nullptr,
                          tm.params.gamma.data(), tm.params.beta.data(), tm.norm_eps, mode, nullptr, nullptr, t);
        between(z.data(), ids, batch);
        dense.forward(z.data(), batch, logits, t);
    };
    return p;
}

}  // namespace detail

// (a) BatchNorm left in training mode: each batch is normalised with its own
// statistics, so every sample's output depends on the others.
inline pipeline batch_statistics_model(const trained_model& tm, repro::threads t) {
    return detail::normalized_model(tm, repro::batch_norm_mode::batch_statistics, t,
                                    [](float*, const std::uint64_t*, std::size_t) {});
}

// (b) Inference-mode BatchNorm with Eigen: the convolution as im2col and one
// Eigen GEMM, the dense layer as an Eigen product (GEMV for one row, blocked
// GEMM for more).
inline pipeline eigen_model(const trained_model& tm) {
    using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using row = Eigen::RowVectorXf;
    const model_shape& m = tm.shape;
    const std::size_t C = m.channels();
    row scale(C), shift(C);
    for (std::size_t c = 0; c < C; ++c) {
        scale[c] = tm.params.gamma[c] / std::sqrt(tm.stats.var[c] + tm.norm_eps);
        shift[c] = tm.params.beta[c] - tm.stats.mean[c] * scale[c];
    }
    const matrix w1 = Eigen::Map<const matrix>(tm.params.w1.data(), C, m.patch()).transpose();
    const matrix w2 = Eigen::Map<const matrix>(tm.params.w2.data(), m.classes, m.features()).transpose();
    const row b1 = Eigen::Map<const row>(tm.params.b1.data(), C),
              b2 = Eigen::Map<const row>(tm.params.b2.data(), m.classes);
    pipeline p;
    p.body_key = "Eigen first layer";
    p.features = m.features();
    p.body = [m, w1, b1](const float* x, const std::uint64_t*, std::size_t batch, float* h) {
        const Eigen::Index rows = Eigen::Index(batch * m.spatial());
        matrix patches(rows, Eigen::Index(m.patch()));
        im2col(x, batch, m.first, patches.data());
        Eigen::Map<matrix>(h, rows, Eigen::Index(m.channels())) = ((patches * w1).rowwise() + b1).cwiseMax(0.0f);
    };
    p.head = [m, scale, shift, w2, b2](const float* h, const std::uint64_t*, std::size_t batch, float* logits) {
        const Eigen::Index rows = Eigen::Index(batch * m.spatial());
        const matrix z =
            (Eigen::Map<const matrix>(h, rows, Eigen::Index(m.channels())).array().rowwise() * scale.array())
                .rowwise() +
            shift.array();
        Eigen::Map<matrix> y(logits, Eigen::Index(batch), Eigen::Index(m.classes));
        y.noalias() = Eigen::Map<const matrix>(z.data(), Eigen::Index(batch), Eigen::Index(m.features())) * w2;
        y.rowwise() += b2;
    };
    return p;
}

// (c1) Monte-Carlo dropout (kept on at evaluation) as frameworks draw it: one
// random stream, restarted for every call so that a call can be repeated,
// consumed in batch order - row r takes elements [r F, (r + 1) F). A sample's
// mask follows its position in the batch.
inline pipeline stream_dropout_model(const trained_model& tm, double p, repro::random_key key, repro::threads t) {
    const std::size_t F = tm.shape.features();
    const auto threshold = static_cast<std::uint64_t>(p * 4294967296.0);
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    return detail::normalized_model(tm, repro::batch_norm_mode::inference, t,
                                    [=](float* z, const std::uint64_t*, std::size_t batch) {
                                        std::vector<std::uint32_t> bits(batch * F);
                                        repro::random_stream(key, 0).fill_bits(bits.data(), bits.size());
                                        for (std::size_t i = 0; i < bits.size(); ++i)
                                            z[i] *= bits[i] < threshold ? 0.0f : scale;
                                    });
}

// (c2) Monte-Carlo dropout through repro::dropout, keyed by each sample's id:
// a sample's mask is the same at any batch size and position.
inline pipeline keyed_dropout_model(const trained_model& tm, double p, repro::random_key key, repro::threads t) {
    const std::size_t F = tm.shape.features();
    return detail::normalized_model(tm, repro::batch_norm_mode::inference, t,
                                    [=](float* z, const std::uint64_t* ids, std::size_t batch) {
                                        repro::dropout(z, z, batch, F, p, key, ids, 0, t);
                                    });
}

// The dense layer with the BatchNorm before it folded in. BatchNorm is
// z = h s + t per channel (s = gamma / sqrt(var + eps), t = beta - mean s,
// repeated over the positions), so z W^T + b = h W'^T + b' with
//   W' = W diag(s),   b' = b + W t.
// repro::fold_batch_norm folds a BatchNorm into the layer before it (it scales
// the rows of that layer's weight); the rows to scale here are the columns of
// W, so it runs on W^T, with a zero bias that comes back as t.
inline parameters<float> fold_norm_into_dense(const trained_model& tm) {
    const model_shape& m = tm.shape;
    const std::size_t F = m.features(), C = m.channels(), O = m.classes;
    std::vector<float> mean(F), var(F), gamma(F), beta(F);
    for (std::size_t f = 0; f < F; ++f) {
        mean[f] = tm.stats.mean[f % C];
        var[f] = tm.stats.var[f % C];
        gamma[f] = tm.params.gamma[f % C];
        beta[f] = tm.params.beta[f % C];
    }
    std::vector<float> wt(F * O), t(F, 0.0f);
    transpose(tm.params.w2.data(), O, F, wt.data());
    repro::fold_batch_norm(wt.data(), t.data(), F, O, mean.data(), var.data(), gamma.data(), beta.data(), tm.norm_eps);
    parameters<float> folded = tm.params;
    transpose(wt.data(), F, O, folded.w2.data());
    repro::linear(t.data(), tm.params.w2.data(), tm.params.b2.data(), folded.b2.data(), 1, F, O);
    return folded;
}

// (d) repro kernels with BatchNorm folded into the dense layer: no batch
// statistics, no random state, every product one documented fma chain.
inline pipeline folded_model(const trained_model& tm, repro::threads t) {
    pipeline p = detail::repro_body(tm, t);
    const parameters<float> folded = fold_norm_into_dense(tm);
    const dense_layer<float> dense(folded.w2, folded.b2, tm.shape.classes, tm.shape.features());
    p.head = [dense, t](const float* h, const std::uint64_t*, std::size_t batch, float* logits) {
        dense.forward(h, batch, logits, t);
    };
    return p;
}

// (e) The model as trained, on repro's kernels: repro::conv2d with its ReLU,
// repro::batch_norm on the inference statistics, the dense layer
// (repro::linear's bits). The reference of the GPU runs (gpu.cu), which
// compute it with repro::cuda's twins of these functions.
inline pipeline inference_model(const trained_model& tm, repro::threads t) {
    return detail::normalized_model(tm, repro::batch_norm_mode::inference, t,
                                    [](float*, const std::uint64_t*, std::size_t) {});
}

}  // namespace fashion_mnist
