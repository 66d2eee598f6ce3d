#pragma once
// The same model as a C++ user writes it with Eigen: activations are
// Eigen::MatrixXf with one row per token, every linear layer one product over
// all tokens of the pass (Eigen picks GEMM, or GEMV when the pass has one
// token), attention per head as Q K^T and P V products with a row softmax on
// std::exp, RMSNorm as loops, RoPE on std::sin / std::cos, the KV cache a
// pair of preallocated matrices per layer.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "model.hpp"

namespace decode {

class eigen_engine {
public:
    using matrix = Eigen::MatrixXf;
    using index = Eigen::Index;

    struct cache {
        matrix k, v;  // max_length x kv_dim, the first `length` rows used
        index length = 0;
    };
    struct sequence {
        std::vector<cache> caches;  // one per layer
    };

    explicit eigen_engine(const model_weights& w)
        : c_(w.config),
          embedding_(as_in_x_out(w.embedding, c_.vocab, c_.d_model)),
          final_norm_(vector(w.final_norm)),
          lm_head_(as_in_x_out(w.lm_head, c_.vocab, c_.d_model)),
          lm_bias_(vector(w.lm_bias).transpose()) {
        for (const layer_weights& L : w.layers)
            layers_.push_back({vector(L.attn_norm), vector(L.mlp_norm), as_in_x_out(L.wq, c_.q_dim(), c_.d_model),
                               as_in_x_out(L.wk, c_.kv_dim(), c_.d_model), as_in_x_out(L.wv, c_.kv_dim(), c_.d_model),
                               as_in_x_out(L.wo, c_.d_model, c_.q_dim()), as_in_x_out(L.up, c_.d_ff, c_.d_model),
                               as_in_x_out(L.down, c_.d_model, c_.d_ff)});
    }

    static const char* name() { return "Eigen"; }

    sequence start(std::size_t max_length) const {
        const index rows = index(max_length), cols = index(c_.kv_dim());
        return sequence{std::vector<cache>(c_.layers, cache{matrix(rows, cols), matrix(rows, cols), 0})};
    }

    std::vector<float> forward(const std::vector<segment<sequence>>& batch) {
        std::vector<int> ids;
        std::vector<std::size_t> positions, logit_rows;
        for (const segment<sequence>& s : batch) {
            const std::size_t past = std::size_t(s.sequence->caches[0].length);
            for (std::size_t i = 0; i < s.count; ++i) {
                ids.push_back(s.tokens[i]);
                positions.push_back(past + i);
            }
            if (s.wants_logits) logit_rows.push_back(ids.size() - 1);
        }
        return run(ids, positions, logit_rows,
                   [&](std::size_t l, const matrix& q, const matrix& k, const matrix& v, matrix& out) {
                       index row = 0;
                       for (const segment<sequence>& s : batch) {
                           cache& kv = s.sequence->caches[l];
                           const index count = index(s.count), past = kv.length;
                           kv.k.middleRows(past, count) = k.middleRows(row, count);
                           kv.v.middleRows(past, count) = v.middleRows(row, count);
                           kv.length += count;
                           attend(q, row, count, kv.k.topRows(kv.length), kv.v.topRows(kv.length), past, kv.length,
                                  out);
                           row += count;
                       }
                   });
    }

    // The prompts padded to the longest (L) in one pass: attention per
    // prompt over its L x L scores, causal and padding keys masked.
    std::vector<float> prefill_padded(const std::vector<sequence*>& seqs,
                                      const std::vector<std::vector<int>>& prompts) {
        std::size_t L = 0;
        for (const std::vector<int>& p : prompts) L = std::max(L, p.size());
        std::vector<int> ids(prompts.size() * L, int(' '));
        std::vector<std::size_t> positions(ids.size()), logit_rows;
        for (std::size_t b = 0; b < prompts.size(); ++b) {
            for (std::size_t j = 0; j < L; ++j) positions[b * L + j] = j;
            std::copy(prompts[b].begin(), prompts[b].end(), ids.begin() + std::ptrdiff_t(b * L));
            logit_rows.push_back(b * L + prompts[b].size() - 1);
        }
        const index n = index(L);
        return run(ids, positions, logit_rows,
                   [&](std::size_t l, const matrix& q, const matrix& k, const matrix& v, matrix& out) {
                       for (std::size_t b = 0; b < prompts.size(); ++b) {
                           const index row = index(b) * n, length = index(prompts[b].size());
                           attend(q, row, n, k.middleRows(row, n), v.middleRows(row, n), 0, length, out);
                           cache& kv = seqs[b]->caches[l];
                           kv.k.topRows(length) = k.middleRows(row, length);
                           kv.v.topRows(length) = v.middleRows(row, length);
                           kv.length = length;
                       }
                   });
    }

private:
    struct layer {
        Eigen::VectorXf attn_norm, mlp_norm;
        matrix wq, wk, wv, wo, up, down;  // in x out: y = x W
    };

    // W (out x in, row-major) is W^T (in x out) column-major: the same bytes.
    static matrix as_in_x_out(const std::vector<float>& w, std::size_t out, std::size_t in) {
        return Eigen::Map<const matrix>(w.data(), index(in), index(out));
    }
    static Eigen::VectorXf vector(const std::vector<float>& v) {
        return Eigen::Map<const Eigen::VectorXf>(v.data(), index(v.size()));
    }

    matrix rms_norm(const matrix& x, const Eigen::VectorXf& gain) const {
        matrix y(x.rows(), x.cols());
        for (index i = 0; i < x.rows(); ++i) {
            float squares = 0;
            for (index j = 0; j < x.cols(); ++j) squares += x(i, j) * x(i, j);
            const float inv = 1.0f / std::sqrt(squares / float(x.cols()) + c_.eps);
            for (index j = 0; j < x.cols(); ++j) y(i, j) = x(i, j) * inv * gain(j);
        }
        return y;
    }

    void rope(matrix& x, const std::vector<std::size_t>& positions, std::size_t heads) const {
        const std::size_t d = c_.head_dim, half = d / 2;
        for (index i = 0; i < x.rows(); ++i)
            for (std::size_t j = 0; j < half; ++j) {
                const float inv_freq = 1.0f / std::pow(c_.rope_base, float(2 * j) / float(d));
                const float angle = float(positions[std::size_t(i)]) * inv_freq;
                const float cs = std::cos(angle), sn = std::sin(angle);
                for (std::size_t h = 0; h < heads; ++h) {
                    const index a = index(h * d + j), b = a + index(half);
                    const float xa = x(i, a), xb = x(i, b);
                    x(i, a) = xa * cs - xb * sn;
                    x(i, b) = xa * sn + xb * cs;
                }
            }
    }

    // Queries rows [row, row + count) of q, at positions past, past + 1, ...,
    // against keys K and values V (their first `visible` rows unmasked).
    template <class KeyBlock>
    void attend(const matrix& q, index row, index count, const KeyBlock& K, const KeyBlock& V, index past,
                index visible, matrix& out) const {
        const index d = index(c_.head_dim), group = index(c_.heads / c_.kv_heads);
        const float scale = 1.0f / std::sqrt(float(d)), masked = -std::numeric_limits<float>::infinity();
        for (index h = 0; h < index(c_.heads); ++h) {
            const index kv = h / group;
            matrix s = (q.block(row, h * d, count, d) * K.middleCols(kv * d, d).transpose()) * scale;
            for (index i = 0; i < count; ++i) {
                for (index j = 0; j < s.cols(); ++j)
                    if (j > past + i || j >= visible) s(i, j) = masked;
                const float m = s.row(i).maxCoeff();
                float sum = 0;
                for (index j = 0; j < s.cols(); ++j) {
                    s(i, j) = std::exp(s(i, j) - m);
                    sum += s(i, j);
                }
                s.row(i) /= sum;
            }
            out.block(row, h * d, count, d) = s * V.middleCols(kv * d, d);
        }
    }

    template <class Attend>
    std::vector<float> run(const std::vector<int>& ids, const std::vector<std::size_t>& positions,
                           const std::vector<std::size_t>& logit_rows, Attend attend_all) {
        const index n = index(ids.size());
        auto silu = [](float v) { return v / (1.0f + std::exp(-v)); };
        matrix x(n, index(c_.d_model));
        for (index i = 0; i < n; ++i) x.row(i) = embedding_.col(ids[std::size_t(i)]).transpose();
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            const layer& L = layers_[l];
            matrix h = rms_norm(x, L.attn_norm);
            matrix q = h * L.wq, k = h * L.wk, v = h * L.wv, a(n, index(c_.q_dim()));
            rope(q, positions, c_.heads);
            rope(k, positions, c_.kv_heads);
            attend_all(l, q, k, v, a);
            x += a * L.wo;
            h = rms_norm(x, L.mlp_norm);
            x += (h * L.up).unaryExpr(silu) * L.down;
        }
        matrix z(index(logit_rows.size()), x.cols());
        for (std::size_t i = 0; i < logit_rows.size(); ++i) z.row(index(i)) = x.row(index(logit_rows[i]));
        matrix logits = rms_norm(z, final_norm_) * lm_head_;
        logits.rowwise() += lm_bias_;
        std::vector<float> out(logit_rows.size() * c_.vocab);
        Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(out.data(), logits.rows(),
                                                                                          logits.cols()) = logits;
        return out;
    }

    model_config c_;
    matrix embedding_;  // d_model x vocab: column t is token t's vector
    Eigen::VectorXf final_norm_;
    matrix lm_head_;
    Eigen::RowVectorXf lm_bias_;
    std::vector<layer> layers_;
};

}  // namespace decode
