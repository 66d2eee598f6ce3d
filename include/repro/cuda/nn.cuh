#pragma once
// repro/cuda/nn.cuh - the layers of repro/nn.hpp on device data, with the
// CPU functions' bits: repro::cuda::softmax(d_x, d_y, rows, cols, stream)
// writes what repro::softmax(x, y, rows, cols) writes (NaN payloads aside).
// All take device pointers, return at once (stream-ordered), and check their
// arguments before any work, throwing what the CPU function throws.
//
// Row layers (softmax, log_softmax, rms_norm, layer_norm, group_norm) and the
// activations also take __half / __nv_bfloat16 x and y: widened exactly to
// float, computed as the float layer (float gamma, beta, weight) and rounded
// once to nearest-even, i.e. the CPU's float layer on the widened input,
// rounded.
//
// How: each row statistic is a row reduction in the CPU's order
// (detail/kernels/row_layers.hpp on top of row_reduce.hpp), the elements are
// the CPU's steps. Rows that fit one chunk (cols <= 16384) run fused: one
// group of 32 float / 16 double lanes per row takes the statistics (the lane
// order and shuffle-down tree of the reductions) and then writes the row;
// rows whose values fit 48 KiB of shared memory per block (float up to 12288
// columns, double up to 3072) are read from global memory once and kept
// there (cached_rows), longer ones are read again by each pass (fused_rows).
// Rows of several chunks run the statistics as reductions (items, then chunk
// trees) into per-row scratch, then an element kernel. All give the same
// bits: the order is the row's, not the launch's.

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../detail/kernels/row_layers.hpp"
#include "../nn.hpp"
#include "half.cuh"
#include "launch.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {
namespace detail {

namespace lk = repro::detail::kernels;

REPRO_CUDA_KERNELS_BEGIN

// f(row, col) for every element, a block of block_threads columns at a time.
template <class F>
__global__ void __launch_bounds__(block_threads) for_rows(F f, std::size_t rows, std::size_t cols) {
    const std::size_t per_row = (cols + block_threads - 1) / block_threads, items = rows * per_row;
    for (std::size_t item = blockIdx.x; item < items; item += gridDim.x) {
        const std::size_t row = item / per_row, col = item % per_row * block_threads + threadIdx.x;
        if (col < cols) f(row, col);
    }
}

// One statistic of one row by its group of D::lanes threads (the whole warp
// calls it, so every shuffle has all 32 lanes): the lanes and shuffle-down
// tree of reduce_items, for a row of one chunk. Lane 0 stores the result; the
// group reads it after __syncwarp.
template <class D>
__device__ void row_stat(const D& d, const row_chunks& g, std::size_t row, bool live, int lane,
                         typename D::result* out) {
    typename D::op::partial p = live ? lane_partial(d, g, row, lane) : D::op::zero();
    for (int s = D::lanes / 2; s >= 1; s /= 2) p = D::op::combine(p, shuffle_down(p, s, D::lanes));
    if (live && lane == 0) out[row] = d.finish(p, row, g.cols);
    __syncwarp();
}

// Rows of one chunk: a group per row takes its statistics, then writes it.
template <class D1, class D2, class E>
__global__ void __launch_bounds__(block_threads)
    fused_rows(D1 d1, typename D1::result* s1, D2 d2, typename D2::result* s2, E e, row_chunks g) {
    constexpr int group = D1::lanes, per_warp = 32 / group;
    static_assert(D2::lanes == group, "a layer's statistics share their lanes");
    const std::size_t warp = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
    const std::size_t warps = static_cast<std::size_t>(gridDim.x) * blockDim.x / 32;
    const int lane = static_cast<int>(threadIdx.x % group), sub = static_cast<int>(threadIdx.x % 32 / group);
    for (std::size_t w = warp; w * per_warp < g.rows; w += warps) {
        const std::size_t row = w * per_warp + static_cast<std::size_t>(sub);
        const bool live = row < g.rows;
        row_stat(d1, g, row, live, lane, s1);
        if constexpr (lk::is_stat<D2>) row_stat(d2, g, row, live, lane, s2);
        if (live)
            for (std::size_t col = static_cast<std::size_t>(lane); col < g.cols; col += group) e(row, col);
    }
}

// One statistic of a row held in shared memory (cache[col] = the row's
// value at col): lane j takes columns j, j + lanes, ... as lane_partial does.
template <class D>
__device__ void cached_row_stat(const D& d, const typename D::result* cache, std::size_t cols, std::size_t row,
                                bool live, int lane, typename D::result* out) {
    typename D::op::partial p = D::op::zero();
    if (live)
        for (std::size_t col = static_cast<std::size_t>(lane); col < cols; col += D::lanes) d.add(p, row, cache[col]);
    for (int s = D::lanes / 2; s >= 1; s /= 2) p = D::op::combine(p, shuffle_down(p, s, D::lanes));
    if (live && lane == 0) out[row] = d.finish(p, row, cols);
    __syncwarp();
}

// fused_rows with the row read from global memory once: each group keeps
// its row in shared memory (cols values per group; a lane only ever touches
// the columns it owns, so the cache needs no barrier).
template <class D1, class D2, class E>
__global__ void __launch_bounds__(block_threads)
    cached_rows(D1 d1, typename D1::result* s1, D2 d2, typename D2::result* s2, E e, row_chunks g) {
    using A = typename D1::result;
    constexpr int group = D1::lanes;
    static_assert(D2::lanes == group, "a layer's statistics share their lanes");
    extern __shared__ __align__(16) unsigned char cache_bytes[];
    const std::size_t per_block = blockDim.x / group;
    const int lane = static_cast<int>(threadIdx.x % group);
    A* cache = reinterpret_cast<A*>(cache_bytes) + (threadIdx.x / group) * g.cols;
    // Whole blocks iterate together, so every shuffle has all 32 lanes.
    for (std::size_t first = blockIdx.x * per_block; first < g.rows; first += gridDim.x * per_block) {
        const std::size_t row = first + threadIdx.x / group;
        const bool live = row < g.rows;
        if (live)
            for (std::size_t col = static_cast<std::size_t>(lane); col < g.cols; col += group)
                cache[col] = e.load(row, col);
        cached_row_stat(d1, cache, g.cols, row, live, lane, s1);
        if constexpr (lk::is_stat<D2>) cached_row_stat(d2, cache, g.cols, row, live, lane, s2);
        if (live)
            for (std::size_t col = static_cast<std::size_t>(lane); col < g.cols; col += group)
                e.put(row, col, cache[col]);
    }
}

REPRO_CUDA_KERNELS_END

// Shared memory a cached_rows block may take: the default limit, no opt-in.
inline constexpr std::size_t cache_bytes_per_block = 48 * 1024;

template <class F>
void launch_elements(const F& f, std::size_t rows, std::size_t cols, cudaStream_t stream) {
    const std::size_t items = rows * ((cols + block_threads - 1) / block_threads);
    if (items == 0) return;
    const unsigned grid = static_cast<unsigned>(items < (1u << 20) ? items : (1u << 20));
    for_rows<F><<<grid, block_threads, 0, stream>>>(f, rows, cols);
    check(cudaGetLastError(), "launch of repro's for_rows kernel");
}

// Scratch of a row layer: both statistics per row, and the chunk partials of
// rows longer than a chunk.
template <class A>
std::size_t layer_bytes(std::size_t rows, std::size_t cols, const char* function) {
    layout l;
    l.add<A>(rows, function);
    l.add<A>(rows, function);
    l.add<A>(cols > repro::detail::chunk_size ? partial_count(rows, cols) : 0, function);
    return l.bytes();
}

// A row layer (row_layers.hpp): make(s1, s2) builds it around the scratch
// arrays of its two statistics.
template <class A, class Make>
void run_layer(std::size_t rows, std::size_t cols, workspace ws, cudaStream_t stream, const char* function, Make make) {
    if (rows == 0 || cols == 0) return;
    layout l;
    const std::size_t o1 = l.add<A>(rows, function), o2 = l.add<A>(rows, function);
    const std::size_t op = l.add<A>(cols > repro::detail::chunk_size ? partial_count(rows, cols) : 0, function);
    const scratch s(l.bytes(), ws, stream, function);
    A* s1 = s.at<A>(o1);
    A* s2 = s.at<A>(o2);
    const auto layer = make(s1, s2);
    using L = std::decay_t<decltype(layer)>;
    using D1 = decltype(L::stat1);
    using D2 = decltype(L::stat2);
    const row_chunks g = lk::make_row_chunks(rows, cols);
    // Groups per cached_rows block: as many rows as fit the shared memory,
    // in whole warps.
    const std::size_t per_warp = 32 / D1::lanes;
    std::size_t warps = cache_bytes_per_block / (per_warp * cols * sizeof(A));
    warps = warps < block_threads / 32 ? warps : block_threads / 32;
    if (g.per_row == 1 && warps > 0) {
        const std::size_t per_block = warps * per_warp, blocks = (rows + per_block - 1) / per_block;
        cached_rows<D1, D2, decltype(L::elements)>
            <<<static_cast<unsigned>(blocks < 65535 ? blocks : 65535), static_cast<unsigned>(warps * 32),
               per_block * cols * sizeof(A), stream>>>(layer.stat1, s1, layer.stat2, s2, layer.elements, g);
        check(cudaGetLastError(), "launch of repro's cached_rows kernel");
        return;
    }
    if (g.per_row == 1) {
        fused_rows<D1, D2, decltype(L::elements)><<<grid_for(rows, D1::lanes), block_threads, 0, stream>>>(
            layer.stat1, s1, layer.stat2, s2, layer.elements, g);
        check(cudaGetLastError(), "launch of repro's fused_rows kernel");
        return;
    }
    A* partials = s.at<A>(op);
    launch_rows(layer.stat1, rows, cols, partials, s1, stream);
    if constexpr (lk::is_stat<D2>) launch_rows(layer.stat2, rows, cols, partials, s2, stream);
    launch_elements(layer.elements, rows, cols, stream);
}

template <class T>
inline constexpr bool is_layer_type = std::is_same<T, float>::value || std::is_same<T, double>::value ||
                                      std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value;

template <class T>
std::size_t check_layer(const T* x, const T* y, std::size_t rows, std::size_t cols, const char* function) {
    static_assert(is_layer_type<T>, "float, double, __half or __nv_bfloat16");
    const std::size_t n = repro::detail::checked_mul(rows, cols, function, "rows * cols");
    check_device_pointer(x, n, function, "x");
    check_device_pointer(y, n, function, "y");
    return n;
}

// An optional (nullable) parameter array.
inline void check_optional(const void* p, std::size_t n, const char* function, const char* argument) {
    if (p != nullptr) check_device_pointer(p, n, function, argument);
}

template <class A>
void check_eps(A eps, const char* function) {
    if (!(eps >= A(0))) throw_invalid(function, "eps must be >= 0");
}

}  // namespace detail

// Scratch bytes that suffice for a row layer over rows x cols (group_norm:
// rows = n * groups, cols = spatial * channels / groups), for callers that
// pass a workspace.
template <class T>
std::size_t layer_workspace_size(std::size_t rows, std::size_t cols) {
    return detail::layer_bytes<accumulator_t<T>>(rows, cols, "layer_workspace_size");
}

// repro::softmax on device data. y may be x.
template <class T>
void softmax(const T* x, T* y, std::size_t rows, std::size_t cols, cudaStream_t stream = 0, workspace ws = {}) {
    using A = accumulator_t<T>;
    namespace lk = detail::lk;
    detail::check_layer(x, y, rows, cols, "cuda::softmax");
    detail::run_layer<A>(rows, cols, ws, stream, "cuda::softmax",
                         [&](A* s1, A* s2) { return lk::softmax_layer(x, y, cols, s1, s2, false); });
}

// repro::log_softmax on device data. y may be x.
template <class T>
void log_softmax(const T* x, T* y, std::size_t rows, std::size_t cols, cudaStream_t stream = 0, workspace ws = {}) {
    using A = accumulator_t<T>;
    namespace lk = detail::lk;
    detail::check_layer(x, y, rows, cols, "cuda::log_softmax");
    detail::run_layer<A>(rows, cols, ws, stream, "cuda::log_softmax",
                         [&](A* s1, A* s2) { return lk::softmax_layer(x, y, cols, s1, s2, true); });
}

// repro::rms_norm on device data (weight: cols values or null). y may be x.
template <class T>
void rms_norm(const T* x, const repro::detail::non_deduced<accumulator_t<T>>* weight, T* y, std::size_t rows,
              std::size_t cols, repro::detail::non_deduced<accumulator_t<T>> eps = accumulator_t<T>(1e-6),
              cudaStream_t stream = 0, workspace ws = {}) {
    using A = accumulator_t<T>;
    namespace lk = detail::lk;
    detail::check_layer(x, y, rows, cols, "cuda::rms_norm");
    detail::check_eps(eps, "cuda::rms_norm");
    detail::check_optional(weight, cols, "cuda::rms_norm", "weight");
    detail::run_layer<A>(rows, cols, ws, stream, "cuda::rms_norm",
                         [&](A* s1, A* s2) { return lk::rms_norm_layer<T>(x, weight, y, cols, eps, s1, s2); });
}

// repro::layer_norm on device data (gamma, beta: cols values or null). y may be x.
template <class T>
void layer_norm(const T* x, const repro::detail::non_deduced<accumulator_t<T>>* gamma,
                const repro::detail::non_deduced<accumulator_t<T>>* beta, T* y, std::size_t rows, std::size_t cols,
                repro::detail::non_deduced<accumulator_t<T>> eps = accumulator_t<T>(1e-5), cudaStream_t stream = 0,
                workspace ws = {}) {
    using A = accumulator_t<T>;
    namespace lk = detail::lk;
    detail::check_layer(x, y, rows, cols, "cuda::layer_norm");
    detail::check_eps(eps, "cuda::layer_norm");
    detail::check_optional(gamma, cols, "cuda::layer_norm", "gamma");
    detail::check_optional(beta, cols, "cuda::layer_norm", "beta");
    detail::run_layer<A>(rows, cols, ws, stream, "cuda::layer_norm",
                         [&](A* s1, A* s2) { return lk::layer_norm_layer<T>(x, gamma, beta, y, cols, eps, s1, s2); });
}

// repro::group_norm on device data: NHWC, x n x spatial x channels, gamma
// and beta channels values or null. y may be x.
template <class T>
void group_norm(const T* x, const repro::detail::non_deduced<accumulator_t<T>>* gamma,
                const repro::detail::non_deduced<accumulator_t<T>>* beta, T* y, std::size_t n, std::size_t spatial,
                std::size_t channels, std::size_t groups,
                repro::detail::non_deduced<accumulator_t<T>> eps = accumulator_t<T>(1e-5), cudaStream_t stream = 0,
                workspace ws = {}) {
    using A = accumulator_t<T>;
    namespace lk = detail::lk;
    const char* f = "cuda::group_norm";
    detail::check_layer(x, y, n, repro::detail::checked_mul(spatial, channels, f, "spatial * channels"), f);
    if (groups == 0 || channels % groups != 0) detail::throw_invalid(f, "channels must be a multiple of groups >= 1");
    detail::check_eps(eps, f);
    detail::check_optional(gamma, channels, f, "gamma");
    detail::check_optional(beta, channels, f, "beta");
    detail::run_layer<A>(n * groups, spatial * (channels / groups), ws, stream, f, [&](A* s1, A* s2) {
        return lk::group_norm_layer<T>(x, gamma, beta, y, spatial, channels, groups, eps, s1, s2);
    });
}

// repro::batch_norm in inference mode on device data (mean, var: cols
// values; gamma, beta: cols values or null). y may be x. Scratch: two
// arrays of cols values.
template <class T>
void batch_norm(const T* x, T* y, std::size_t rows, std::size_t cols, const repro::detail::non_deduced<T>* mean,
                const repro::detail::non_deduced<T>* var, const repro::detail::non_deduced<T>* gamma,
                const repro::detail::non_deduced<T>* beta, repro::detail::non_deduced<T> eps, cudaStream_t stream = 0,
                workspace ws = {}) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    const char* f = "cuda::batch_norm";
    detail::check_layer(x, y, rows, cols, f);
    detail::check_eps(eps, f);
    detail::check_device_pointer(mean, cols, f, "mean");
    detail::check_device_pointer(var, cols, f, "var");
    detail::check_optional(gamma, cols, f, "gamma");
    detail::check_optional(beta, cols, f, "beta");
    if (cols == 0) return;
    detail::layout l;
    const std::size_t at_scale = l.add<T>(cols, f), at_shift = l.add<T>(cols, f);
    const detail::scratch s(l.bytes(), ws, stream, f);
    T* scale = s.at<T>(at_scale);
    T* shift = s.at<T>(at_shift);
    detail::launch_elements(detail::lk::batch_norm_params<T>{mean, var, gamma, beta, eps, scale, shift}, 1, cols,
                            stream);
    detail::launch_elements(detail::lk::batch_norm_elements<T>{x, y, cols, scale, shift}, rows, cols, stream);
}

// repro::fold_batch_norm on device data: W (out x in) and b (out) in place.
template <class T>
void fold_batch_norm(T* W, T* b, std::size_t out, std::size_t in, const T* mean, const T* var,
                     const repro::detail::non_deduced<T>* gamma, const repro::detail::non_deduced<T>* beta, T eps,
                     cudaStream_t stream = 0) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    const char* f = "cuda::fold_batch_norm";
    detail::check_device_pointer(W, repro::detail::checked_mul(out, in, f, "out * in"), f, "W");
    detail::check_device_pointer(b, out, f, "b");
    detail::check_device_pointer(mean, out, f, "mean");
    detail::check_device_pointer(var, out, f, "var");
    detail::check_optional(gamma, out, f, "gamma");
    detail::check_optional(beta, out, f, "beta");
    // one element kernel: columns [0, in) of row o are W's, column in is b_o
    detail::launch_elements(detail::lk::fold_elements<T>{W, b, in, mean, var, gamma, beta, eps}, out, in + 1, stream);
}

// repro::pool2d on device data (NHWC).
template <class T>
void pool2d(const T* x, T* y, std::size_t n, std::size_t h, std::size_t w, std::size_t c, std::size_t kh,
            std::size_t kw, std::size_t stride, std::size_t pad, pooling kind, cudaStream_t stream = 0) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    const char* f = "cuda::pool2d";
    if (kh == 0 || kw == 0 || stride == 0 || h + 2 * pad < kh || w + 2 * pad < kw || pad >= kh || pad >= kw)
        detail::throw_invalid(f, "bad window (kernel, stride >= 1, pad < kernel <= padded input)");
    const std::size_t oh = (h + 2 * pad - kh) / stride + 1, ow = (w + 2 * pad - kw) / stride + 1;
    using repro::detail::checked_mul;
    detail::check_device_pointer(x, checked_mul(checked_mul(n, h * w, f, "n * h * w"), c, f, "x size"), f, "x");
    const std::size_t out_cols = checked_mul(oh * ow, c, f, "y size");
    detail::check_device_pointer(y, checked_mul(n, out_cols, f, "y size"), f, "y");
    detail::launch_elements(
        detail::lk::pool_elements<T>{x, y, {h, w, c, kh, kw, stride, pad, oh, ow}, kind == pooling::max}, n, out_cols,
        stream);
}

// y[i] = the activation of x[i] (repro::activation; linear's epilogue and
// the CPU's detail::activate). y may be x.
template <class T>
void activate(const T* x, T* y, std::size_t n, activation a, cudaStream_t stream = 0) {
    static_assert(detail::is_layer_type<T>, "float, double, __half or __nv_bfloat16");
    detail::check_device_pointer(x, n, "cuda::activate", "x");
    detail::check_device_pointer(y, n, "cuda::activate", "y");
    detail::launch_elements(detail::lk::activation_elements<T>{x, y, a}, 1, n, stream);
}

// repro::leaky_relu on device data. y may be x.
template <class T>
void leaky_relu(const T* x, T* y, std::size_t n, repro::detail::non_deduced<accumulator_t<T>> slope,
                cudaStream_t stream = 0) {
    static_assert(detail::is_layer_type<T>, "float, double, __half or __nv_bfloat16");
    if (!is_finite(slope)) detail::throw_invalid("cuda::leaky_relu", "slope must be finite");
    detail::check_device_pointer(x, n, "cuda::leaky_relu", "x");
    detail::check_device_pointer(y, n, "cuda::leaky_relu", "y");
    detail::launch_elements(detail::lk::leaky_relu_elements<T>{x, y, slope}, 1, n, stream);
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
