#pragma once
// Kernel bodies of the CUDA attention (repro/cuda/attention.cuh), run on the
// host by the emulator test. One block computes one (query token, head)
// item in the order of repro/attention.hpp, in phases separated by
// __syncthreads:
//   1. q' = q * scale into shared memory (threads over the head's values)
//   2. scores s_j: thread t takes keys t, t + threads, ...; each score is one
//      fma chain over the values, from +0
//   3. m = max(s): each thread's strided maximum, then thread 0 combines the
//      block's (max is the same value in any order: +0 above -0, NaN wins)
//   4. e_j = math::exp(s_j - m)
//   5. l = repro::sum(e): threads 0..31 are the 32 lanes of every 16384-chunk
//      (lane j: elements j, j + 32, ... ascending from +0), thread 0 runs the
//      halving tree of each chunk and the pairwise tree of the chunks
//   6. out_i = (fma chain over j ascending of e_j v_j,i, from +0) / l
//      (threads over the head's values)
// so a token's output is the CPU's bits.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../../fp.hpp"
#include "../../math.hpp"
#include "../reduce/lanes.hpp"
#include "row_reduce.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {

// One query token of one head: its q row and out row, its sequence's keys
// and values for its kv head (row j at k + j * kv_stride), and n, the keys
// it sees.
template <class KV>
struct attention_item {
    const float* q;
    float* out;
    const KV* k;
    const KV* v;
    std::size_t kv_stride;
    std::size_t n;
};

template <class KV>
struct attention_rows {
    const attention_item<KV>* items;
    std::size_t count;
    std::size_t head_dim;
    float scale;

    REPRO_HD void scale_query(const attention_item<KV>& it, float* qs, unsigned t, unsigned threads) const {
        for (std::size_t i = t; i < head_dim; i += threads) qs[i] = mul_rn(it.q[i], scale);
    }

    REPRO_HD void scores(const attention_item<KV>& it, const float* qs, float* s, unsigned t, unsigned threads) const {
        for (std::size_t j = t; j < it.n; j += threads) {
            const KV* key = it.k + j * it.kv_stride;
            float c = 0.0f;
            for (std::size_t i = 0; i < head_dim; ++i) c = repro::fma(qs[i], widen(key[i]), c);
            s[j] = c;
        }
    }

    static REPRO_HD float max_of(float a, float b) {
        if (is_nan(a)) return a;
        if (is_nan(b)) return b;
        return order_key(b) > order_key(a) ? b : a;
    }

    // Thread t's maximum of s[t], s[t + threads], ... (-inf when it has none).
    REPRO_HD float max_part(const attention_item<KV>& it, const float* s, unsigned t, unsigned threads) const {
        float m = from_bits<float>(0xff800000u);  // -inf
        for (std::size_t j = t; j < it.n; j += threads) m = max_of(m, s[j]);
        return m;
    }

    REPRO_HD void exps(const attention_item<KV>& it, float* s, float m, unsigned t, unsigned threads) const {
        for (std::size_t j = t; j < it.n; j += threads) s[j] = math::exp(s[j] - m);
    }

    static REPRO_HD std::size_t chunks(std::size_t n) { return make_row_chunks(1, n).per_row; }

    // Lane `lane` (< 32) of every chunk of e: partials[c * 32 + lane].
    REPRO_HD void sum_lanes(const attention_item<KV>& it, const float* e, float* partials, unsigned lane) const {
        const row_chunks g = make_row_chunks(1, it.n);
        const sum_of<float, float> d{e};
        for (std::size_t c = 0; c < g.per_row; ++c) partials[c * 32 + lane] = lane_partial(d, g, c, int(lane));
    }

    // The lanes' halving tree per chunk, then the chunks' pairwise tree.
    REPRO_HD float sum_finish(const attention_item<KV>& it, float* partials) const {
        const std::size_t n_chunks = chunks(it.n);
        for (std::size_t c = 0; c < n_chunks; ++c) {
            float* lane = partials + c * 32;
            for (unsigned w = 16; w >= 1; w /= 2)
                for (unsigned j = 0; j < w; ++j) lane[j] = lane[j] + lane[j + w];
            partials[c] = lane[0];  // chunk c's result, packed in front (c <= c * 32)
        }
        for (std::size_t stride = 1; stride < n_chunks; stride *= 2)
            for (std::size_t i = 0; i < n_chunks; i += 2 * stride)
                tree_pair<plain_sum<float>>(partials, n_chunks, stride, i);
        return partials[0];
    }

    REPRO_HD void weighted_values(const attention_item<KV>& it, const float* e, float l, unsigned t,
                                  unsigned threads) const {
        for (std::size_t i = t; i < head_dim; i += threads) {
            float o = 0.0f;
            for (std::size_t j = 0; j < it.n; ++j) o = repro::fma(e[j], widen(it.v[j * it.kv_stride + i]), o);
            it.out[i] = div_rn(o, l);
        }
    }
};


// The items of a padded batch (q, out: batch x max_length x heads x d; k, v:
// batch x max_length x kv_heads x d, token-major): every (token, head) of
// every sequence's first lengths[b] tokens. Host code, pointers as given.
template <class KV>
std::vector<attention_item<KV>> padded_items(const float* q, const KV* k, const KV* v, float* out,
                                             std::size_t batch, std::size_t max_length, const std::size_t* lengths,
                                             std::size_t heads, std::size_t kv_heads, std::size_t d, bool causal) {
    std::vector<attention_item<KV>> items;
    const std::size_t group = heads / kv_heads;
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t p = 0; p < lengths[b]; ++p)
            for (std::size_t h = 0; h < heads; ++h) {
                const std::size_t row = ((b * max_length + p) * heads + h) * d;
                const std::size_t kv = (b * max_length * kv_heads + h / group) * d;
                items.push_back({q + row, out + row, k + kv, v + kv, kv_heads * d, causal ? p + 1 : lengths[b]});
            }
    return items;
}

// The items of queries against caches (any type with length(), keys(h) and
// values(h), head h's rows d apart): sequence b's counts[b] queries are its
// cache's last tokens; q and out hold the sequences' queries in order.
template <class KV, class Cache>
std::vector<attention_item<KV>> cache_items(const float* q, float* out, const Cache* const* caches,
                                            const std::size_t* counts, std::size_t batch, std::size_t heads,
                                            std::size_t kv_heads, std::size_t d, bool causal) {
    std::vector<attention_item<KV>> items;
    const std::size_t group = heads / kv_heads;
    std::size_t row = 0;
    for (std::size_t b = 0; b < batch; ++b) {
        const std::size_t length = caches[b]->length();
        for (std::size_t i = 0; i < counts[b]; ++i, ++row) {
            const std::size_t p = length - counts[b] + i;
            for (std::size_t h = 0; h < heads; ++h)
                items.push_back({q + (row * heads + h) * d, out + (row * heads + h) * d,
                                 caches[b]->keys(h / group), caches[b]->values(h / group), d,
                                 causal ? p + 1 : length});
        }
    }
    return items;
}

// Scratch floats per block: a score row of max_keys and its lanes' partials.
inline std::size_t attention_scratch_floats(std::size_t max_keys) {
    return (max_keys + 31) / 32 * 32 + make_row_chunks(1, max_keys).per_row * 32;
}

}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
