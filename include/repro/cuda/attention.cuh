#pragma once
// repro/cuda/attention.cuh - repro::attention and repro::kv_cache on device
// memory, with the CPU's bits: repro::cuda::attention(d_q, caches, counts,
// batch, d_out, config, stream) writes what repro::attention(q, caches,
// counts, batch, out, config) writes for the same keys and values (NaN
// payloads aside), in every serving mode: padded batches, chunked prefill,
// decode and continuous batching.
//
// How: one block of 128 threads per (query token, head), in the phases of
// detail/kernels/attention_rows.hpp (scores, max, exponentials, the sum in
// repro::sum's lanes and trees, the weighted values), each a function of the
// token's position and its sequence's keys and values only. Keys and values
// are float, __half or __nv_bfloat16, widened exactly. Every call returns at
// once (stream-ordered).

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../attention.hpp"
#include "../detail/kernels/attention_rows.hpp"
#include "error.cuh"
#include "half.cuh"
#include "linalg.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {

// One sequence's keys and values in device memory, laid out as
// repro::kv_cache's (head h: length() rows of head_dim values, contiguous).
// Move-only; fork() copies.
template <class KV = float>
class kv_cache {
    static_assert(is_widenable_v<KV>, "repro::cuda::kv_cache: KV is float, __half or __nv_bfloat16");

public:
    kv_cache(std::size_t num_kv_heads, std::size_t head_dim, std::size_t max_length)
        : heads_(num_kv_heads), dim_(head_dim), max_length_(max_length) {
        repro::detail::check_kv_cache_shape(num_kv_heads, head_dim, max_length, sizeof(KV), "cuda::kv_cache");
    }
    kv_cache(kv_cache&& o) noexcept { swap(o); }
    kv_cache& operator=(kv_cache&& o) noexcept {
        swap(o);
        return *this;
    }
    kv_cache(const kv_cache&) = delete;
    kv_cache& operator=(const kv_cache&) = delete;
    ~kv_cache() {
        cudaFree(keys_);  // nothing to report from a destructor
        cudaFree(values_);
    }

    std::size_t num_kv_heads() const { return heads_; }
    std::size_t head_dim() const { return dim_; }
    std::size_t max_length() const { return max_length_; }
    std::size_t length() const { return length_; }
    std::size_t capacity() const { return capacity_; }

    // Appends `tokens` tokens of device keys and values, tokens x num_kv_heads
    // x head_dim (KV, or float rounded by repro::narrow), on `stream`.
    template <class U>
    void append(const U* k, const U* v, std::size_t tokens, cudaStream_t stream = 0);

    void truncate(std::size_t length) {
        repro::detail::check_kv_truncate(length, length_, "cuda::kv_cache::truncate");
        length_ = length;
    }
    void clear() { length_ = 0; }

    // An independent device copy, made on `stream`.
    kv_cache fork(cudaStream_t stream = 0) const {
        kv_cache c(heads_, dim_, max_length_);
        c.grow(length_, stream);
        c.length_ = length_;
        copy_tokens(c, stream);
        return c;
    }

    void reserve(std::size_t length, cudaStream_t stream = 0) { grow(length, stream); }

    const KV* keys(std::size_t h) const { return keys_ + checked_head(h, "cuda::kv_cache::keys") * capacity_ * dim_; }
    const KV* values(std::size_t h) const {
        return values_ + checked_head(h, "cuda::kv_cache::values") * capacity_ * dim_;
    }

private:
    void swap(kv_cache& o) noexcept {
        std::swap(heads_, o.heads_), std::swap(dim_, o.dim_), std::swap(max_length_, o.max_length_);
        std::swap(length_, o.length_), std::swap(capacity_, o.capacity_);
        std::swap(keys_, o.keys_), std::swap(values_, o.values_);
    }
    std::size_t checked_head(std::size_t h, const char* function) const {
        return repro::detail::check_kv_head(h, heads_, function);
    }
    // Copies this cache's tokens into `to` (same heads, capacity >= length).
    void copy_tokens(kv_cache& to, cudaStream_t stream) const {
        if (length_ == 0) return;
        const std::size_t row = length_ * dim_ * sizeof(KV);
        detail::check(cudaMemcpy2DAsync(to.keys_, to.capacity_ * dim_ * sizeof(KV), keys_,
                                        capacity_ * dim_ * sizeof(KV), row, heads_, cudaMemcpyDeviceToDevice, stream),
                      "cudaMemcpy2DAsync");
        detail::check(cudaMemcpy2DAsync(to.values_, to.capacity_ * dim_ * sizeof(KV), values_,
                                        capacity_ * dim_ * sizeof(KV), row, heads_, cudaMemcpyDeviceToDevice, stream),
                      "cudaMemcpy2DAsync");
    }
    void grow(std::size_t length, cudaStream_t stream) {
        if (length <= capacity_) return;
        const std::size_t cap =
            repro::detail::kv_capacity_for(length, capacity_, max_length_, "cuda::kv_cache::reserve");
        kv_cache bigger(heads_, dim_, max_length_);
        const std::size_t bytes = heads_ * cap * dim_ * sizeof(KV);
        detail::check(cudaMalloc(&bigger.keys_, bytes), "cudaMalloc");
        detail::check(cudaMalloc(&bigger.values_, bytes), "cudaMalloc");
        bigger.capacity_ = cap;
        bigger.length_ = length_;
        copy_tokens(bigger, stream);
        detail::check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");  // before the old buffers go
        swap(bigger);
    }

    std::size_t heads_ = 0, dim_ = 0, max_length_ = 0, length_ = 0, capacity_ = 0;
    KV* keys_ = nullptr;
    KV* values_ = nullptr;
};

namespace detail {

namespace ak = repro::detail::kernels;

constexpr unsigned attention_threads = 128;
constexpr std::size_t attention_max_blocks = 1024;
constexpr std::size_t attention_max_head_dim = 1024;

REPRO_CUDA_KERNELS_BEGIN

// The phases of ak::attention_rows for items blockIdx.x, + gridDim.x, ...;
// scratch: each block's score row and lane partials, `per_block` floats.
template <class KV>
__global__ void __launch_bounds__(attention_threads)
    attention_kernel(ak::attention_rows<KV> k, float* scratch, std::size_t per_block, std::size_t row_floats) {
    extern __shared__ float qs[];
    __shared__ float maxes[attention_threads];
    __shared__ float total;
    const unsigned t = threadIdx.x, threads = blockDim.x;
    float* s = scratch + blockIdx.x * per_block;
    float* partials = s + row_floats;
    for (std::size_t item = blockIdx.x; item < k.count; item += gridDim.x) {
        const ak::attention_item<KV> it = k.items[item];
        k.scale_query(it, qs, t, threads);
        __syncthreads();
        k.scores(it, qs, s, t, threads);
        __syncthreads();
        maxes[t] = k.max_part(it, s, t, threads);
        __syncthreads();
        if (t == 0) {
            float m = maxes[0];
            for (unsigned i = 1; i < threads; ++i) m = ak::attention_rows<KV>::max_of(m, maxes[i]);
            maxes[0] = m;
        }
        __syncthreads();
        k.exps(it, s, maxes[0], t, threads);
        __syncthreads();
        if (t < 32) k.sum_lanes(it, s, partials, t);
        __syncthreads();
        if (t == 0) total = k.sum_finish(it, partials);
        __syncthreads();
        k.weighted_values(it, s, total, t, threads);
        __syncthreads();
    }
}

REPRO_CUDA_KERNELS_END

inline void check_device_memory(const void* p, std::size_t n, const char* function, const char* argument) {
    check_device_pointer(p, n, function, argument);
}

template <class KV>
void launch_attention(const std::vector<ak::attention_item<KV>>& items, std::size_t head_dim, float scale,
                      cudaStream_t stream, const char* function) {
    if (items.empty()) return;
    if (head_dim > attention_max_head_dim)
        repro::detail::throw_invalid(
            function, "head_dim " + std::to_string(head_dim) + " is above " + std::to_string(attention_max_head_dim));
    std::size_t max_keys = 0;
    for (const auto& it : items) max_keys = it.n > max_keys ? it.n : max_keys;
    const std::size_t blocks = items.size() < attention_max_blocks ? items.size() : attention_max_blocks;
    const std::size_t row_floats = (max_keys + 31) / 32 * 32, per_block = ak::attention_scratch_floats(max_keys);
    layout l;
    const std::size_t at_items = l.add<ak::attention_item<KV>>(items.size(), function);
    const std::size_t at_scratch =
        l.add<float>(repro::detail::checked_mul(blocks, per_block, function, "scratch"), function);
    scratch mem(l.bytes(), workspace{}, stream, function);
    auto* d_items = mem.at<ak::attention_item<KV>>(at_items);
    check(cudaMemcpyAsync(d_items, items.data(), items.size() * sizeof(items[0]), cudaMemcpyHostToDevice, stream),
          "cudaMemcpyAsync");
    attention_kernel<KV><<<static_cast<unsigned>(blocks), attention_threads, head_dim * sizeof(float), stream>>>(
        ak::attention_rows<KV>{d_items, items.size(), head_dim, scale}, mem.at<float>(at_scratch), per_block,
        row_floats);
    check(cudaGetLastError(), "launch of repro's attention kernel");
}

}  // namespace detail

template <class KV>
template <class U>
void kv_cache<KV>::append(const U* k, const U* v, std::size_t tokens, cudaStream_t stream) {
    static_assert(std::is_same<U, KV>::value || std::is_same<U, float>::value,
                  "repro::cuda::kv_cache::append: k and v are KV or float");
    const char* fn = "cuda::kv_cache::append";
    const std::size_t n = repro::detail::checked_mul(tokens, heads_ * dim_, fn, "tokens");
    detail::check_device_pointer(k, n, fn, "k");
    detail::check_device_pointer(v, n, fn, "v");
    repro::detail::check_kv_append(tokens, length_, max_length_, fn);
    if (n == 0) return;
    grow(length_ + tokens, stream);
    const repro::detail::kv_scatter<KV, U> scatter{k, v, keys_, values_, heads_, dim_, capacity_, length_};
    detail::launch_elements(scatter, n, stream);
    length_ += tokens;
}

// repro::attention over a padded batch, on device memory (q, k, v, out on the
// device; lengths a host array, or null for max_length each). Padding rows of
// out are set to +0.
template <class KV>
void attention(const float* q, const KV* k, const KV* v, float* out, std::size_t batch, std::size_t max_length,
               const std::size_t* lengths, const attention_config& c, cudaStream_t stream = 0) {
    static_assert(is_widenable_v<KV>, "repro::cuda::attention: k and v are float, __half or __nv_bfloat16");
    const char* fn = "cuda::attention";
    const repro::detail::padded_attention_args a = repro::detail::check_padded_attention(
        q, k, v, out, batch, max_length, lengths, c, fn, detail::check_device_memory);
    const std::size_t q_row = c.num_heads * c.head_dim;
    for (std::size_t b = 0; b < batch; ++b)
        if (a.lengths[b] < max_length)
            detail::check(cudaMemsetAsync(out + (b * max_length + a.lengths[b]) * q_row, 0,
                                          (max_length - a.lengths[b]) * q_row * sizeof(float), stream),
                          "cudaMemsetAsync");
    detail::launch_attention(detail::ak::padded_items(q, k, v, out, batch, max_length, a.lengths.data(), c.num_heads,
                                                      c.num_kv_heads, c.head_dim, c.causal),
                             c.head_dim, a.scale, stream, fn);
}

// repro::attention against device caches: sequence b's query_counts[b]
// queries (host array) are the last tokens of *caches[b]; d_q and d_out hold
// the sequences' queries in order.
template <class KV>
void attention(const float* q, const kv_cache<KV>* const* caches, const std::size_t* query_counts, std::size_t batch,
               float* out, const attention_config& c, cudaStream_t stream = 0) {
    const char* fn = "cuda::attention";
    const repro::detail::cache_attention_args a =
        repro::detail::check_cache_attention(q, caches, query_counts, batch, out, c, fn, detail::check_device_memory);
    detail::launch_attention(detail::ak::cache_items<KV>(q, out, caches, query_counts, batch, c.num_heads,
                                                         c.num_kv_heads, c.head_dim, c.causal),
                             c.head_dim, a.scale, stream, fn);
}

template <class KV>
void attention(const float* q, const kv_cache<KV>& cache, std::size_t queries, float* out, const attention_config& c,
               cudaStream_t stream = 0) {
    const kv_cache<KV>* one = &cache;
    attention(q, &one, &queries, 1, out, c, stream);
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
