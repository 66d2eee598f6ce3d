#pragma once
// repro/attention.hpp - scaled dot-product attention for sequence models
// (`batch_invariant`, `portable`), over padded batches or over
// repro::kv_cache (prefill, chunked prefill, decode, continuous batching).
//
// The order, for query token p of a sequence (its position, counted from the
// sequence's first token) and one head, with keys and values k_j, v_j:
//   keys    j = 0 .. n-1: n = p + 1 when causal, else the sequence's length
//   q'      = q * scale, one rounding per element (scale 1/sqrt(head_dim)
//             unless given)
//   s_j     = the matmul chain over i = 0 .. head_dim-1 of fma(q'_i, k_j,i)
//   e_j     = repro::math::exp(s_j - m), m = repro::max(s_0 .. s_{n-1})
//   l       = repro::sum(e_0 .. e_{n-1})
//   o       = one fma chain over j = 0 .. n-1 ascending: c = fma(e_j, v_j, c)
//             from c = +0, per output element
//   out     = o / l (one division)
// Every step depends on p, the sequence's keys and values and nothing else:
// not on how many queries are computed at once (whole prompt, chunks of any
// size, one token per decode step), on other sequences in the batch, on
// padding (positions past a sequence's length are never read), or on the
// thread count. So a token gets the same bits in all of these. Queries are
// computed in tiles of 64 rows; a tile's leading keys (those every row of the
// tile sees) go through repro's matmul kernels and the chains are continued
// row by row over the rest, which is the same chain.
//
// Layouts: token-major, head after head: q and out rows of num_heads x
// head_dim, keys and values rows of num_kv_heads x head_dim. Grouped-query
// attention: query head h reads kv head h / (num_heads / num_kv_heads).
// Queries and outputs are float; keys and values float, half or bfloat16
// (widened exactly).

#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/aligned.hpp"
#include "detail/errors.hpp"
#include "detail/gemm/gemm.hpp"
#include "detail/parallel/pool.hpp"
#include "detail/simd/dispatch.hpp"
#include "fp.hpp"
#include "kv_cache.hpp"
#include "nn.hpp"
#include "threads.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

struct attention_config {
    std::size_t num_heads = 1;
    std::size_t num_kv_heads = 1;  // divides num_heads; equal to it for multi-head attention
    std::size_t head_dim = 0;
    bool causal = true;  // false: every query sees every key of its sequence
    float scale = 0;     // 0: 1 / sqrt(head_dim), rounded once to float
};

namespace detail {

constexpr std::size_t attention_query_tile = 64;
constexpr std::size_t attention_min_threaded_fmas = std::size_t(1) << 17;

inline float check_attention_config(const attention_config& c, const char* function) {
    if (c.num_heads == 0) throw_invalid(function, "config.num_heads is 0");
    if (c.num_kv_heads == 0) throw_invalid(function, "config.num_kv_heads is 0");
    if (c.head_dim == 0) throw_invalid(function, "config.head_dim is 0");
    if (c.num_heads % c.num_kv_heads != 0)
        throw_invalid(function, "config.num_kv_heads (" + std::to_string(c.num_kv_heads) +
                                    ") does not divide config.num_heads (" + std::to_string(c.num_heads) + ")");
    if (!is_finite(c.scale) || c.scale < 0) throw_invalid(function, "config.scale is not finite and >= 0");
    checked_mul(c.num_heads, c.head_dim, function, "config.num_heads x config.head_dim");
    return c.scale != 0 ? c.scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim)));
}

// The checks of the two entry points, shared with repro::cuda::attention;
// check_memory(p, n, function, argument) checks a pointer argument.
struct padded_attention_args {
    float scale;
    std::vector<std::size_t> lengths;  // every sequence's
};

template <class KV, class CheckMemory>
padded_attention_args check_padded_attention(const float* q, const KV* k, const KV* v, const float* out,
                                             std::size_t batch, std::size_t max_length, const std::size_t* lengths,
                                             const attention_config& c, const char* fn, CheckMemory check_memory) {
    padded_attention_args a{check_attention_config(c, fn), {}};
    const std::size_t tokens = checked_mul(batch, max_length, fn, "batch x max_length");
    a.lengths.assign(batch, max_length);
    const std::size_t q_size = checked_mul(tokens, c.num_heads * c.head_dim, fn, "q"),
                      kv_size = checked_mul(tokens, c.num_kv_heads * c.head_dim, fn, "k");
    check_memory(q, q_size, fn, "q");
    check_memory(k, kv_size, fn, "k");
    check_memory(v, kv_size, fn, "v");
    check_memory(out, q_size, fn, "out");
    const std::size_t q_bytes = q_size * sizeof(float), kv_bytes = kv_size * sizeof(KV);
    if ((out != q && overlaps(out, q_bytes, q, q_bytes)) || overlaps(out, q_bytes, k, kv_bytes) ||
        overlaps(out, q_bytes, v, kv_bytes))
        throw_invalid(fn, "out overlaps k, v or part of q");
    if (lengths != nullptr)
        for (std::size_t b = 0; b < batch; ++b) {
            if (lengths[b] > max_length)
                throw_invalid(fn, "lengths[" + std::to_string(b) + "] = " + std::to_string(lengths[b]) +
                                      " is above max_length " + std::to_string(max_length));
            a.lengths[b] = lengths[b];
        }
    return a;
}

struct cache_attention_args {
    float scale;
    std::vector<std::size_t> offsets;  // sequence b's queries are rows [offsets[b], offsets[b + 1])
};

template <class Cache, class CheckMemory>
cache_attention_args check_cache_attention(const float* q, const Cache* const* caches, const std::size_t* query_counts,
                                           std::size_t batch, const float* out, const attention_config& c,
                                           const char* fn, CheckMemory check_memory) {
    cache_attention_args a{check_attention_config(c, fn), std::vector<std::size_t>(batch + 1, 0)};
    check_pointer(caches, batch, fn, "caches");
    check_pointer(query_counts, batch, fn, "query_counts");
    for (std::size_t b = 0; b < batch; ++b) {
        const std::string which = "caches[" + std::to_string(b) + "]";
        if (caches[b] == nullptr) throw_invalid(fn, which + " is a null pointer");
        const Cache& cache = *caches[b];
        if (cache.num_kv_heads() != c.num_kv_heads || cache.head_dim() != c.head_dim)
            throw_invalid(fn, which + " has " + std::to_string(cache.num_kv_heads()) + " kv heads of " +
                                  std::to_string(cache.head_dim()) + " values, the config " +
                                  std::to_string(c.num_kv_heads) + " of " + std::to_string(c.head_dim));
        if (query_counts[b] > cache.length())
            throw_invalid(fn, "query_counts[" + std::to_string(b) + "] = " + std::to_string(query_counts[b]) +
                                  " is above " + which + "'s length " + std::to_string(cache.length()));
        a.offsets[b + 1] = a.offsets[b] + query_counts[b];
    }
    const std::size_t q_size = checked_mul(a.offsets[batch], c.num_heads * c.head_dim, fn, "q");
    check_memory(q, q_size, fn, "q");
    check_memory(out, q_size, fn, "out");
    if (out != q && overlaps(out, q_size * sizeof(float), q, q_size * sizeof(float)))
        throw_invalid(fn, "out overlaps part of q");
    return a;
}

// Query rows [pos0, pos0 + rows) of one sequence and one head (q rows
// q_stride apart, out rows out_stride apart) against the sequence's keys and
// values K, V (n_keys x d each, contiguous). Causal: pos0 + rows <= n_keys.
template <class KV>
void attend_rows(const float* q, std::size_t q_stride, std::size_t rows, std::size_t pos0, const KV* K, const KV* V,
                 std::size_t n_keys, std::size_t d, bool causal, float scale, float* out, std::size_t out_stride) {
    thread_local aligned_vector<float> qs, s, leading, o;
    thread_local std::vector<float> l;
    // keys the tile needs, and the leading ones every row of it sees
    const std::size_t needed = causal ? pos0 + rows : n_keys, shared = causal ? pos0 : n_keys;
    qs.resize(rows * d);
    s.resize(rows * needed);
    o.resize(rows * d);
    l.resize(rows);
    for (std::size_t t = 0; t < rows; ++t)
        for (std::size_t i = 0; i < d; ++i) qs[t * d + i] = q[t * q_stride + i] * scale;
    gemm(qs.data(), b_transposed<float, KV>{K, d, needed}, s.data(), rows, 1);
    for (std::size_t t = 0; t < rows; ++t) {
        const std::size_t n = causal ? pos0 + t + 1 : n_keys;
        float* e = s.data() + t * needed;
        l[t] = exp_shifted_sum(e, e, n);
    }
    const float* p = s.data();
    if (shared != needed) {
        leading.resize(rows * shared);
        for (std::size_t t = 0; t < rows; ++t)
            for (std::size_t j = 0; j < shared; ++j) leading[t * shared + j] = s[t * needed + j];
        p = leading.data();
    }
    gemm(p, b_rows<float, KV>{V, shared, d}, o.data(), rows, 1);
    simd::with_fma([&] {
        for (std::size_t t = 0; t < rows; ++t) {
            const std::size_t n = causal ? pos0 + t + 1 : n_keys;
            float* ot = o.data() + t * d;
            for (std::size_t j = shared; j < n; ++j) {
                const float e = s[t * needed + j];
                const KV* v = V + j * d;
                for (std::size_t i = 0; i < d; ++i) ot[i] = repro::fma(e, widen(v[i]), ot[i]);
            }
            for (std::size_t i = 0; i < d; ++i) out[t * out_stride + i] = ot[i] / l[t];
        }
    });
}

// The work of one call: sequence b's queries [first, first + count) (its
// positions pos0 + ...), in tiles, for every head.
struct attention_task {
    std::size_t sequence, head, first, count;
};

// work(b, count) estimates a task's fmas: below attention_min_threaded_fmas
// in all, the call runs on one thread (starting a second costs more; the
// count never changes a bit). Lower than the products' threshold: a decode
// step streams its whole cache, and two cores' caches and bandwidth pay off
// from contexts of about 128 tokens (docs/benchmarks.md).
template <class Work, class F>
void for_attention_tiles(std::size_t batch, const std::size_t* query_counts, std::size_t heads, unsigned tc, Work work,
                         F f) {
    std::vector<attention_task> tasks;
    std::size_t fmas = 0;
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t h = 0; h < heads; ++h)
            for (std::size_t first = 0; first < query_counts[b]; first += attention_query_tile) {
                tasks.push_back({b, h, first, std::min(attention_query_tile, query_counts[b] - first)});
                fmas += work(b, tasks.back().count);
            }
    if (fmas < attention_min_threaded_fmas) tc = 1;
    parallel_for(tasks.size(), tc, [&](std::size_t i) { f(tasks[i]); });
}

}  // namespace detail

// Self-attention over a padded batch: sequence b holds lengths[b] tokens
// (lengths null: all max_length), then padding up to max_length. q and out:
// batch x max_length x num_heads x head_dim; k, v: batch x max_length x
// num_kv_heads x head_dim. Padding tokens are never read, and their output
// rows are set to +0. out may be q (no other overlap). Throws
// std::invalid_argument for a bad config, a length above max_length, null
// pointers, overlaps and threads{0}.
template <class KV>
void attention(const float* q, const KV* k, const KV* v, float* out, std::size_t batch, std::size_t max_length,
               const std::size_t* lengths, const attention_config& c, threads t = threads{}) {
    static_assert(is_widenable_v<KV>, "repro::attention: k and v are float, half or bfloat16");
    const unsigned tc = detail::check_threads(t, "attention");
    const detail::padded_attention_args a =
        detail::check_padded_attention(q, k, v, out, batch, max_length, lengths, c, "attention", detail::check_pointer);
    const float scale = a.scale;
    const std::vector<std::size_t>& len = a.lengths;
    const std::size_t q_row = c.num_heads * c.head_dim;
    if (batch * max_length == 0) return;
    // Each (sequence, kv head)'s keys and values, gathered contiguous.
    const std::size_t d = c.head_dim, block = max_length * d;
    // (kept by the calling thread from call to call: no fresh pages per call)
    // (a thread_local named in the lambdas would be each worker's own: they get pointers)
    thread_local detail::aligned_vector<KV> key_buffer, value_buffer;
    if (key_buffer.size() < batch * c.num_kv_heads * block) {
        key_buffer.resize(batch * c.num_kv_heads * block);
        value_buffer.resize(key_buffer.size());
    }
    KV* const keys = key_buffer.data();
    KV* const values = value_buffer.data();
    detail::parallel_for(batch * c.num_kv_heads, tc, [&](std::size_t task) {
        const std::size_t b = task / c.num_kv_heads, h = task % c.num_kv_heads;
        for (std::size_t j = 0; j < len[b]; ++j)
            for (std::size_t i = 0; i < d; ++i) {
                const std::size_t from = ((b * max_length + j) * c.num_kv_heads + h) * d + i;
                keys[task * block + j * d + i] = k[from];
                values[task * block + j * d + i] = v[from];
            }
    });
    const std::size_t group = c.num_heads / c.num_kv_heads;
    const auto work = [&](std::size_t b, std::size_t rows) { return 2 * rows * len[b] * d; };
    detail::for_attention_tiles(batch, len.data(), c.num_heads, tc, work, [&](const detail::attention_task& w) {
        const std::size_t kv = w.sequence * c.num_kv_heads + w.head / group;
        const std::size_t row = (w.sequence * max_length + w.first) * q_row + w.head * d;
        detail::attend_rows(q + row, q_row, w.count, w.first, keys + kv * block, values + kv * block, len[w.sequence],
                            d, c.causal, scale, out + row, q_row);
    });
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t i = (b * max_length + len[b]) * q_row; i < (b + 1) * max_length * q_row; ++i) out[i] = 0.0f;
}

// Attention of new tokens against their sequences' caches: sequence b's
// query_counts[b] queries are the last query_counts[b] tokens of caches[b]
// (append their keys and values first). q and out hold the queries of
// sequence 0, then of sequence 1, ... (sum of query_counts rows of num_heads
// x head_dim). One call serves chunked prefill, decode steps and continuous
// batching; a token's output is the same as in any other call (see the top).
// Throws std::invalid_argument for a bad config, a cache whose heads or
// head_dim differ from it, a null cache, more queries than a cache holds,
// null pointers, out overlapping part of q, and threads{0}.
template <class KV>
void attention(const float* q, const kv_cache<KV>* const* caches, const std::size_t* query_counts, std::size_t batch,
               float* out, const attention_config& c, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "attention");
    const detail::cache_attention_args a =
        detail::check_cache_attention(q, caches, query_counts, batch, out, c, "attention", detail::check_pointer);
    const float scale = a.scale;
    const std::vector<std::size_t>& offset = a.offsets;
    const std::size_t q_row = c.num_heads * c.head_dim;
    const std::size_t group = c.num_heads / c.num_kv_heads;
    const auto work = [&](std::size_t b, std::size_t rows) { return 2 * rows * caches[b]->length() * c.head_dim; };
    detail::for_attention_tiles(batch, query_counts, c.num_heads, tc, work, [&](const detail::attention_task& w) {
        const kv_cache<KV>& cache = *caches[w.sequence];
        const std::size_t h = w.head / group, pos0 = cache.length() - query_counts[w.sequence] + w.first;
        const std::size_t row = (offset[w.sequence] + w.first) * q_row + w.head * c.head_dim;
        detail::attend_rows(q + row, q_row, w.count, pos0, cache.keys(h), cache.values(h), cache.length(), c.head_dim,
                            c.causal, scale, out + row, q_row);
    });
}

// One sequence: its last `queries` cache tokens.
template <class KV>
void attention(const float* q, const kv_cache<KV>& cache, std::size_t queries, float* out, const attention_config& c,
               threads t = threads{}) {
    const kv_cache<KV>* one = &cache;
    attention(q, &one, &queries, 1, out, c, t);
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
