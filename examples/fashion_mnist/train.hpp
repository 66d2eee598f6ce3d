#pragma once
// Training with backpropagation written out, deterministic on any thread
// count: every product is a repro::matmul or repro::linear (threads split
// output rows and columns, never k), every sum over samples a repro::sum or
// repro::dot of a contiguous column, dropout masks are keyed by (sample id,
// step), and the data order is a repro::permutation keyed by (seed, epoch).
// The threads argument therefore changes the time, never a bit of the weights.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/linalg.hpp>
#include <repro/nn.hpp>
#include <repro/random.hpp>
#include <repro/reduce.hpp>

#include "idx.hpp"
#include "model.hpp"

namespace fashion_mnist {

struct training_options {
    std::size_t batch = 64;
    double learning_rate = 2e-3;  // Adam
    double dropout = 0.1;         // before the dense layer
    double norm_eps = 1e-3;       // BatchNorm's epsilon
    std::uint64_t seed = 2024;
};

template <class T>
struct batch_result {
    T loss = 0;  // mean cross-entropy
    std::size_t samples = 0;
    std::size_t correct = 0;  // argmax of the logits equals the label
};

template <class T>
class trainer {
public:
    trainer(const model_shape& m, parameters<T> initial, const training_options& o, repro::threads t)
        : m_(m),
          o_(o),
          t_(t),
          p_(std::move(initial)),
          adam_m_(zeros_like(p_)),
          adam_v_(zeros_like(p_)),
          grad_(zeros_like(p_)),
          dropout_key_(repro::random_key::from_seed(o.seed).fold_in(0x64726f70u /* "drop" */)) {
        if (o.batch == 0) throw std::invalid_argument("trainer: batch must be >= 1");
        if (!(o.dropout >= 0.0 && o.dropout < 1.0)) throw std::invalid_argument("trainer: dropout must be in [0, 1)");
    }

    const model_shape& shape() const { return m_; }
    const parameters<T>& params() const { return p_; }
    const training_options& options() const { return o_; }
    std::uint32_t steps() const { return step_; }

    // The mean cross-entropy of a batch and its gradient with respect to every
    // parameter, written to grad: BatchNorm on the batch's statistics, dropout
    // keyed by (ids[r], step).
    batch_result<T> gradients(const T* x, const std::uint8_t* labels, const std::uint64_t* ids, std::size_t batch,
                              std::uint32_t step, parameters<T>& grad) {
        const std::size_t B = batch, C = m_.channels(), K = m_.patch(), F = m_.features(), O = m_.classes;
        const std::size_t N = B * m_.spatial();  // BatchNorm's rows: samples x positions
        const T eps = static_cast<T>(o_.norm_eps);
        patches_.resize(N * K);
        h_.resize(N * C);
        z_.resize(N * C);
        logits_.resize(B * O);
        probs_.resize(B * O);
        logp_.resize(B * O);
        mean_.resize(C);
        var_.resize(C);

        im2col(x, B, m_.first, patches_.data());
        repro::linear(patches_.data(), p_.w1.data(), p_.b1.data(), h_.data(), N, K, C, repro::activation::relu, t_);
        repro::batch_norm(h_.data(), z_.data(), N, C, nullptr, nullptr, p_.gamma.data(), p_.beta.data(), eps,
                          repro::batch_norm_mode::batch_statistics, mean_.data(), var_.data(), t_);
        if (o_.dropout > 0) {
            // the mask itself (0 or 1 / (1 - p)), as repro::dropout of ones: the
            // backward pass multiplies by the same mask
            mask_.assign(B * F, T(1));
            repro::dropout(mask_.data(), mask_.data(), B, F, o_.dropout, dropout_key_, ids, step, t_);
            for (std::size_t i = 0; i < B * F; ++i) z_[i] *= mask_[i];
        }
        dense_layer<T>(p_.w2, p_.b2, O, F).forward(z_.data(), B, logits_.data(), t_);
        repro::softmax(logits_.data(), probs_.data(), B, O, t_);
        repro::log_softmax(logits_.data(), logp_.data(), B, O, t_);

        // Loss, and dL = (softmax - onehot) / B in place of the probabilities.
        batch_result<T> r;
        r.samples = B;
        losses_.resize(B);
        for (std::size_t b = 0; b < B; ++b) {
            if (labels[b] >= O) throw std::invalid_argument("trainer: labels[" + std::to_string(b) + "] >= classes");
            T* row = probs_.data() + b * O;
            losses_[b] = -logp_[b * O + labels[b]];
            r.correct += repro::argmax(logits_.data() + b * O, O) == labels[b];
            row[labels[b]] -= T(1);
            for (std::size_t o = 0; o < O; ++o) row[o] /= static_cast<T>(B);
        }
        r.loss = repro::sum(losses_.data(), B) / static_cast<T>(B);
        const T* dl = probs_.data();

        // Dense: dW2 = dL^T Z, db2 = column sums of dL, dZ = dL W2.
        scratch_.resize(O * B);
        transpose(dl, B, O, scratch_.data());
        repro::matmul(scratch_.data(), z_.data(), grad.w2.data(), O, B, F, t_);
        for (std::size_t o = 0; o < O; ++o) grad.b2[o] = repro::sum(scratch_.data() + o * B, B);
        dz_.resize(N * C);
        repro::matmul(dl, p_.w2.data(), dz_.data(), B, O, F, t_);
        if (o_.dropout > 0)
            for (std::size_t i = 0; i < B * F; ++i) dz_[i] *= mask_[i];

        // BatchNorm on batch statistics, per channel c over the N rows, with
        // xhat = (h - mean) / sqrt(var + eps):
        //   dgamma = sum dz xhat, dbeta = sum dz,
        //   dh = gamma / sqrt(var + eps) (dz - dbeta / N - xhat dgamma / N), times relu'(h).
        xhat_.resize(N * C);
        repro::batch_norm(h_.data(), xhat_.data(), N, C, mean_.data(), var_.data(), nullptr, nullptr, eps,
                          repro::batch_norm_mode::inference, nullptr, nullptr, t_);
        column_sums(dz_.data(), xhat_.data(), N, C, grad.beta.data(), grad.gamma.data());
        std::vector<T> scale(C), dbeta_n(C), dgamma_n(C);
        for (std::size_t c = 0; c < C; ++c) {
            scale[c] = p_.gamma[c] / std::sqrt(var_[c] + eps);
            dbeta_n[c] = grad.beta[c] / static_cast<T>(N);
            dgamma_n[c] = grad.gamma[c] / static_cast<T>(N);
        }
        T* dh = dz_.data();
        for (std::size_t n = 0; n < N; ++n)
            for (std::size_t c = 0; c < C; ++c) {
                const std::size_t i = n * C + c;
                const T v = scale[c] * ((dh[i] - dbeta_n[c]) - xhat_[i] * dgamma_n[c]);
                dh[i] = h_[i] > T(0) ? v : T(0);
            }

        // First layer: dW1^T = P^T dH (K x C, products over the N rows), db1 = column sums of dH.
        scratch_.resize(K * N);
        transpose(patches_.data(), N, K, scratch_.data());
        dw1t_.resize(K * C);
        repro::matmul(scratch_.data(), dh, dw1t_.data(), K, N, C, t_);
        transpose(dw1t_.data(), K, C, grad.w1.data());
        column_sums(dh, nullptr, N, C, grad.b1.data(), nullptr);
        return r;
    }

    // gradients(), then one Adam step (beta1 0.9, beta2 0.999, eps 1e-7).
    batch_result<T> step(const T* x, const std::uint8_t* labels, const std::uint64_t* ids, std::size_t batch) {
        const batch_result<T> r = gradients(x, labels, ids, batch, step_, grad_);
        ++step_;
        const T b1 = T(0.9), b2 = T(0.999), lr = static_cast<T>(o_.learning_rate);
        b1_power_ *= b1;
        b2_power_ *= b2;
        const T c1 = T(1) - b1_power_, c2 = T(1) - b2_power_;
        for (std::size_t i = 0; i < 6; ++i) {
            std::vector<T>& w = *p_.tensors()[i];
            std::vector<T>& m = *adam_m_.tensors()[i];
            std::vector<T>& v = *adam_v_.tensors()[i];
            const std::vector<T>& g = *grad_.tensors()[i];
            for (std::size_t j = 0; j < w.size(); ++j) {
                m[j] = b1 * m[j] + (T(1) - b1) * g[j];
                v[j] = b2 * v[j] + (T(1) - b2) * g[j] * g[j];
                w[j] -= lr * (m[j] / c1) / (std::sqrt(v[j] / c2) + T(1e-7));
            }
        }
        return r;
    }

private:
    // sums[c] = repro::sum of column c of x (rows x cols) and, with y,
    // dots[c] = repro::dot of column c of x and of y: the columns are
    // transposed into rows first, so each is one contiguous reduction.
    void column_sums(const T* x, const T* y, std::size_t rows, std::size_t cols, T* sums, T* dots) {
        scratch_.resize(rows * cols);
        columns_.resize(y ? rows * cols : 0);
        transpose(x, rows, cols, scratch_.data());
        if (y) transpose(y, rows, cols, columns_.data());
        for (std::size_t c = 0; c < cols; ++c) {
            sums[c] = repro::sum(scratch_.data() + c * rows, rows, t_);
            if (y) dots[c] = repro::dot(scratch_.data() + c * rows, columns_.data() + c * rows, rows, t_);
        }
    }

    model_shape m_;
    training_options o_;
    repro::threads t_;
    parameters<T> p_, adam_m_, adam_v_, grad_;
    repro::random_key dropout_key_;
    std::uint32_t step_ = 0;
    T b1_power_ = 1, b2_power_ = 1;
    std::vector<T> patches_, h_, z_, logits_, probs_, logp_, losses_, mask_, mean_, var_, dz_, xhat_, dw1t_, scratch_,
        columns_;
};

// Epochs over the data in the order of repro::permutation(count,
// from_seed(seed).fold_in(epoch)), batches of options().batch, the last one
// short; stops after max_steps steps. progress(step, total steps, result)
// after each step.
template <class T>
void fit(trainer<T>& tr, const dataset& data, std::size_t epochs, std::size_t max_steps,
         const std::function<void(std::size_t, std::size_t, const batch_result<T>&)>& progress = {}) {
    const std::size_t B = tr.options().batch, per_epoch = (data.count + B - 1) / B, in = data.image_size();
    if (in != tr.shape().input()) throw std::invalid_argument("fit: the images do not match the model's input size");
    const std::size_t total = std::min(epochs * per_epoch, max_steps);
    std::vector<std::uint64_t> ids(B);
    std::vector<T> x(B * in);
    std::vector<std::uint8_t> labels(B);
    for (std::size_t s = 0; s < total; ++s) {
        const repro::permutation order(data.count,
                                       repro::random_key::from_seed(tr.options().seed).fold_in(s / per_epoch));
        const std::size_t n = order.batch(s % per_epoch, B, ids.data());
        for (std::size_t r = 0; r < n; ++r) {
            std::copy(data.image(ids[r]), data.image(ids[r]) + in, x.begin() + static_cast<std::ptrdiff_t>(r * in));
            labels[r] = data.labels[ids[r]];
        }
        const batch_result<T> res = tr.step(x.data(), labels.data(), ids.data(), n);
        if (progress) progress(s + 1, total, res);
    }
}

// BatchNorm's inference statistics: the exact mean and (biased) variance of
// each channel of the first layer's output over the first `images` images
// (repro::population_statistics: the same bits however the images are
// batched), in two passes.
template <class T>
norm_statistics<T> population_norm_statistics(const model_shape& m, const parameters<T>& p, const dataset& data,
                                              std::size_t images, std::size_t batch, repro::threads t) {
    if (images == 0 || images > data.count || batch == 0)
        throw std::invalid_argument("population_norm_statistics: images must be in [1, count] and batch >= 1");
    repro::population_statistics<T> stats(m.channels());
    std::vector<T> x(batch * m.input()), h(batch * m.spatial() * m.channels());
    for (int pass = 0; pass < 2; ++pass)
        for (std::size_t i0 = 0; i0 < images; i0 += batch) {
            const std::size_t n = std::min(batch, images - i0);
            std::copy(data.image(i0), data.image(i0) + n * m.input(), x.begin());
            first_layer(m, p, x.data(), n, h.data(), t);
            if (pass == 0)
                stats.add(h.data(), n * m.spatial());
            else
                stats.add_deviations(h.data(), n * m.spatial());
        }
    return {stats.mean(), stats.variance()};
}

}  // namespace fashion_mnist
