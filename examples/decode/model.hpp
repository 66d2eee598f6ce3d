#pragma once
// The demo's model: a small decoder-only transformer over bytes, Llama-style
// (pre-norm RMSNorm, rotary positions, grouped-query attention, no biases),
// with a SiLU MLP and an untied LM head. Weights are row-major out x in
// (PyTorch's Linear layout), drawn from repro's keyed random streams, so
// both implementations read the same bits. The LM head's bias is the log
// byte frequency of a sample of English: an untrained model then babbles in
// letters and spaces rather than in control bytes.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <repro/math.hpp>
#include <repro/random.hpp>

namespace decode {

struct model_config {
    std::size_t vocab = 256;  // bytes
    std::size_t d_model = 128;
    std::size_t heads = 4;
    std::size_t kv_heads = 2;
    std::size_t head_dim = 32;
    std::size_t layers = 3;
    std::size_t d_ff = 512;
    float rope_base = 10000.0f;
    float eps = 1e-5f;

    std::size_t q_dim() const { return heads * head_dim; }
    std::size_t kv_dim() const { return kv_heads * head_dim; }
};

inline std::string describe(const model_config& c) {
    return std::to_string(c.layers) + " layers, d_model " + std::to_string(c.d_model) + ", " + std::to_string(c.heads) +
           " query / " + std::to_string(c.kv_heads) + " kv heads of " + std::to_string(c.head_dim) + ", SiLU MLP " +
           std::to_string(c.d_ff) + ", RoPE, RMSNorm, byte vocab " + std::to_string(c.vocab);
}

struct layer_weights {
    std::vector<float> attn_norm, wq, wk, wv, wo;
    std::vector<float> mlp_norm, up, down;
};

struct model_weights {
    model_config config;
    std::vector<float> embedding;  // vocab x d_model
    std::vector<layer_weights> layers;
    std::vector<float> final_norm, lm_head, lm_bias;  // d_model; vocab x d_model; vocab
};

// Matrices N(0, (gain / sqrt(fan_in))^2), norm gains 1 + N(0, 0.1^2), each
// tensor from its own key; the LM bias from the bytes of `english`
// (repro::math::log: the same bits everywhere). Gains above 1 for q, k (sharp
// attention), the attention output and the LM head keep greedy decoding of an
// untrained model from settling on one repeated byte.
inline model_weights make_weights(const model_config& c, std::uint64_t seed, const std::string& english) {
    const repro::random_key root = repro::random_key::from_seed(seed);
    std::uint64_t tag = 0;
    auto normal = [&](std::size_t n, double stddev, double mean) {
        std::vector<float> v(n);
        repro::random_stream(root.fold_in(++tag), 0).fill_normal(v.data(), n);
        for (float& x : v) x = static_cast<float>(mean + stddev * static_cast<double>(x));
        return v;
    };
    auto matrix = [&](std::size_t out, std::size_t in, double gain) {
        return normal(out * in, gain / std::sqrt(double(in)), 0.0);
    };
    auto gains = [&](std::size_t n) { return normal(n, 0.1, 1.0); };
    model_weights w;
    w.config = c;
    w.embedding = normal(c.vocab * c.d_model, 1.0, 0.0);
    for (std::size_t l = 0; l < c.layers; ++l) {
        layer_weights L;
        L.attn_norm = gains(c.d_model);
        L.wq = matrix(c.q_dim(), c.d_model, 3.0);
        L.wk = matrix(c.kv_dim(), c.d_model, 3.0);
        L.wv = matrix(c.kv_dim(), c.d_model, 1.0);
        L.wo = matrix(c.d_model, c.q_dim(), 3.0);
        L.mlp_norm = gains(c.d_model);
        L.up = matrix(c.d_ff, c.d_model, 1.0);
        L.down = matrix(c.d_model, c.d_ff, 1.0);
        w.layers.push_back(std::move(L));
    }
    w.final_norm = gains(c.d_model);
    w.lm_head = matrix(c.vocab, c.d_model, 2.0);
    std::vector<double> counts(c.vocab, 0.1);
    for (const char ch : english) counts[static_cast<unsigned char>(ch) % c.vocab] += 1;
    const double total = double(english.size()) + 0.1 * double(c.vocab);
    for (const double n : counts) w.lm_bias.push_back(static_cast<float>(repro::math::log(n / total)));
    return w;
}

// The tokens of one request that a forward pass runs: `count` tokens that
// follow what `sequence`'s cache holds. wants_logits: return the logits of
// the last of them (a finished prefill or a decode step).
template <class Sequence>
struct segment {
    Sequence* sequence;
    const int* tokens;
    std::size_t count;
    bool wants_logits;
};

}  // namespace decode
