#pragma once
// The model on repro: repro::linear on linear_weights for every projection,
// repro::rms_norm, repro::rope, repro::embedding, and repro::attention over
// per-layer repro::kv_cache objects. Every step is per token except
// attention, whose order depends only on the token's position and its own
// sequence, so a token's logits do not depend on how it is served.

#include <algorithm>
#include <cstddef>
#include <vector>

#include <repro/attention.hpp>
#include <repro/kv_cache.hpp>
#include <repro/linalg.hpp>
#include <repro/nn.hpp>
#include <repro/sequence.hpp>

#include "model.hpp"

namespace decode {

class repro_engine {
public:
    struct sequence {
        std::vector<repro::kv_cache<float>> caches;  // one per layer
    };

    repro_engine(const model_weights& w, unsigned threads)
        : c_(w.config),
          t_{threads},
          embedding_(w.embedding),
          final_norm_(w.final_norm),
          lm_bias_(w.lm_bias),
          lm_head_(w.lm_head.data(), c_.vocab, c_.d_model) {
        for (const layer_weights& L : w.layers)
            layers_.push_back({L.attn_norm,
                               L.mlp_norm,
                               {L.wq.data(), c_.q_dim(), c_.d_model},
                               {L.wk.data(), c_.kv_dim(), c_.d_model},
                               {L.wv.data(), c_.kv_dim(), c_.d_model},
                               {L.wo.data(), c_.d_model, c_.q_dim()},
                               {L.up.data(), c_.d_ff, c_.d_model},
                               {L.down.data(), c_.d_model, c_.d_ff}});
        attention_.num_heads = c_.heads;
        attention_.num_kv_heads = c_.kv_heads;
        attention_.head_dim = c_.head_dim;
    }

    static const char* name() { return "repro"; }

    sequence start(std::size_t max_length) const {
        sequence s;
        for (std::size_t l = 0; l < c_.layers; ++l) s.caches.emplace_back(c_.kv_heads, c_.head_dim, max_length);
        return s;
    }

    // All tokens of all segments in one pass; the logits (vocab each) of the
    // segments that want them, in order.
    std::vector<float> forward(const std::vector<segment<sequence>>& batch) {
        std::vector<int> ids;
        std::vector<std::size_t> positions, counts, logit_rows;
        for (const segment<sequence>& s : batch) {
            const std::size_t past = s.sequence->caches[0].length();
            for (std::size_t i = 0; i < s.count; ++i) {
                ids.push_back(s.tokens[i]);
                positions.push_back(past + i);
            }
            counts.push_back(s.count);
            if (s.wants_logits) logit_rows.push_back(ids.size() - 1);
        }
        std::vector<const repro::kv_cache<float>*> caches(batch.size());
        return run(ids, positions, logit_rows,
                   [&](std::size_t l, const float* q, const float* k, const float* v, float* out) {
                       std::size_t row = 0;
                       for (std::size_t b = 0; b < batch.size(); ++b) {
                           repro::kv_cache<float>& cache = batch[b].sequence->caches[l];
                           cache.append(k + row * c_.kv_dim(), v + row * c_.kv_dim(), counts[b]);
                           caches[b] = &cache;
                           row += counts[b];
                       }
                       repro::attention(q, caches.data(), counts.data(), batch.size(), out, attention_, t_);
                   });
    }

    // The prompts as one padded batch (prompt b in rows [b L, b L +
    // length_b), L the longest), through the padded-batch attention; the
    // prompts' keys and values then go to their caches. The logits of each
    // prompt's last token.
    std::vector<float> prefill_padded(const std::vector<sequence*>& seqs,
                                      const std::vector<std::vector<int>>& prompts) {
        std::size_t L = 0;
        for (const std::vector<int>& p : prompts) L = std::max(L, p.size());
        std::vector<int> ids(prompts.size() * L, int(' '));
        std::vector<std::size_t> positions(ids.size()), lengths, logit_rows;
        for (std::size_t b = 0; b < prompts.size(); ++b) {
            for (std::size_t j = 0; j < L; ++j) positions[b * L + j] = j;
            for (std::size_t j = 0; j < prompts[b].size(); ++j) ids[b * L + j] = prompts[b][j];
            lengths.push_back(prompts[b].size());
            logit_rows.push_back(b * L + prompts[b].size() - 1);
        }
        return run(ids, positions, logit_rows,
                   [&](std::size_t l, const float* q, const float* k, const float* v, float* out) {
                       repro::attention(q, k, v, out, prompts.size(), L, lengths.data(), attention_, t_);
                       for (std::size_t b = 0; b < prompts.size(); ++b)
                           seqs[b]->caches[l].append(k + b * L * c_.kv_dim(), v + b * L * c_.kv_dim(), lengths[b]);
                   });
    }

private:
    struct layer {
        std::vector<float> attn_norm, mlp_norm;
        repro::linear_weights<float> wq, wk, wv, wo, up, down;
    };

    // The decoder over token rows; attend(layer, q, k, v, out) is the only
    // step that looks across rows.
    template <class Attend>
    std::vector<float> run(const std::vector<int>& ids, const std::vector<std::size_t>& positions,
                           const std::vector<std::size_t>& logit_rows, Attend attend) {
        const std::size_t n = ids.size(), d = c_.d_model;
        std::vector<float> x(n * d), h(n * d), o(n * d), q(n * c_.q_dim()), a(n * c_.q_dim()), k(n * c_.kv_dim()),
            v(n * c_.kv_dim()), u(n * c_.d_ff);
        repro::embedding(embedding_.data(), c_.vocab, d, ids.data(), n, x.data());
        auto add = [&] {
            for (std::size_t i = 0; i < n * d; ++i) x[i] += o[i];
        };
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            const layer& L = layers_[l];
            repro::rms_norm(x.data(), L.attn_norm.data(), h.data(), n, d, c_.eps, t_);
            repro::linear(h.data(), L.wq, nullptr, q.data(), n, repro::activation::none, t_);
            repro::linear(h.data(), L.wk, nullptr, k.data(), n, repro::activation::none, t_);
            repro::linear(h.data(), L.wv, nullptr, v.data(), n, repro::activation::none, t_);
            repro::rope(q.data(), n, c_.heads, c_.head_dim, positions.data(), c_.rope_base, repro::rope_pairs::halves,
                        t_);
            repro::rope(k.data(), n, c_.kv_heads, c_.head_dim, positions.data(), c_.rope_base,
                        repro::rope_pairs::halves, t_);
            attend(l, q.data(), k.data(), v.data(), a.data());
            repro::linear(a.data(), L.wo, nullptr, o.data(), n, repro::activation::none, t_);
            add();
            repro::rms_norm(x.data(), L.mlp_norm.data(), h.data(), n, d, c_.eps, t_);
            repro::linear(h.data(), L.up, nullptr, u.data(), n, repro::activation::silu, t_);
            repro::linear(u.data(), L.down, nullptr, o.data(), n, repro::activation::none, t_);
            add();
        }
        const std::size_t m = logit_rows.size();
        std::vector<float> z(m * d), logits(m * c_.vocab);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < d; ++j) z[i * d + j] = x[logit_rows[i] * d + j];
        repro::rms_norm(z.data(), final_norm_.data(), z.data(), m, d, c_.eps, t_);
        repro::linear(z.data(), lm_head_, lm_bias_.data(), logits.data(), m, repro::activation::none, t_);
        return logits;
    }

    model_config c_;
    repro::threads t_;
    repro::attention_config attention_;
    std::vector<float> embedding_, final_norm_, lm_bias_;
    repro::linear_weights<float> lm_head_;
    std::vector<layer> layers_;
};

}  // namespace decode
