#pragma once
// repro/cuda/random.cuh - random fills and the noise layers of repro on
// device memory, with the CPU's values: repro::cuda::fill_uniform(s, d_out,
// n, first, stream) writes what s.fill_uniform(out, n, first) writes, and
// repro::cuda::dropout / add_gaussian_noise give repro::dropout's and
// repro::add_gaussian_noise's outputs and masks for the same key, sample ids
// and step. All return at once (stream-ordered); sample_ids is a device array.
//
// Inside your own kernels, random_key, random_stream's element functions
// (bits, uniform, uniform_open, normal), philox4x32_10 / threefry*, and
// repro::math are callable directly: they are host-and-device code.

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "../detail/kernels/random_fill.hpp"
#include "../nn.hpp"
#include "../random.hpp"
#include "error.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {
namespace detail {

namespace rk = repro::detail::kernels;

REPRO_CUDA_KERNELS_BEGIN

// f(row, block) for every block of every row, grid-stride.
template <class F>
__global__ void __launch_bounds__(256) for_row_blocks(F f, std::size_t rows) {
    const std::uint64_t per_row = f.blocks_per_row(), total = rows * per_row;
    const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
    for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride)
        f(static_cast<std::size_t>(i / per_row), i % per_row);
}

REPRO_CUDA_KERNELS_END

template <class F>
void launch_row_blocks(const F& f, std::size_t rows, cudaStream_t stream) {
    const std::uint64_t total = rows * f.blocks_per_row();
    if (total == 0) return;
    const std::uint64_t blocks = (total + 255) / 256;
    for_row_blocks<F><<<static_cast<unsigned>(blocks < 65535 ? blocks : 65535), 256, 0, stream>>>(f, rows);
    check(cudaGetLastError(), "launch of repro's for_row_blocks kernel");
}

template <class T, rk::draw What>
void fill(const random_stream& s, T* out, std::size_t n, std::uint64_t first, cudaStream_t stream,
          const char* function) {
    check_device_pointer(out, n, function, "out");
    repro::detail::check_stream_range<T>(first, n, function);
    launch_row_blocks(rk::fill_rows<T, What>{s, out, n, first}, 1, stream);
}

template <class T>
void check_noise_rows(const T* x, const T* y, const std::uint64_t* ids, std::size_t rows, std::size_t cols,
                      const char* function) {
    const std::size_t n = repro::detail::checked_mul(rows, cols, function, "rows * cols");
    check_device_pointer(x, n, function, "x");
    check_device_pointer(y, n, function, "y");
    check_device_pointer(ids, rows, function, "sample_ids");
}

}  // namespace detail

// out[k] = s.bits(first + k), k < n.
inline void fill_bits(const random_stream& s, std::uint32_t* out, std::size_t n, std::uint64_t first = 0,
                      cudaStream_t stream = 0) {
    detail::fill<std::uint32_t, detail::rk::draw::bits>(s, out, n, first, stream, "cuda::fill_bits");
}

// out[k] = s.uniform<T>(first + k): s.fill_uniform's values.
template <class T>
void fill_uniform(const random_stream& s, T* out, std::size_t n, std::uint64_t first = 0, cudaStream_t stream = 0) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "fill_uniform: float or double");
    detail::fill<T, detail::rk::draw::uniform>(s, out, n, first, stream, "cuda::fill_uniform");
}

// out[k] = s.normal<T>(first + k): s.fill_normal's values.
template <class T>
void fill_normal(const random_stream& s, T* out, std::size_t n, std::uint64_t first = 0, cudaStream_t stream = 0) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "fill_normal: float or double");
    detail::fill<T, detail::rk::draw::normal>(s, out, n, first, stream, "cuda::fill_normal");
}

// repro::dropout on device memory: the same kept/dropped units and outputs
// for the same key, sample ids and step. y may be x.
template <class T>
void dropout(const T* x, T* y, std::size_t rows, std::size_t cols, double p, random_key key,
             const std::uint64_t* sample_ids, std::uint32_t step = 0, cudaStream_t stream = 0) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "dropout: float or double");
    const std::uint64_t threshold = repro::detail::bernoulli_threshold(p, "cuda::dropout");
    detail::check_noise_rows(x, y, sample_ids, rows, cols, "cuda::dropout");
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    detail::launch_row_blocks(detail::rk::dropout_rows<T>{x, y, cols, threshold, scale, key, sample_ids, step}, rows,
                              stream);
}

// repro::add_gaussian_noise on device memory. y may be x.
template <class T>
void add_gaussian_noise(const T* x, T* y, std::size_t rows, std::size_t cols, T stddev, random_key key,
                        const std::uint64_t* sample_ids, std::uint32_t step = 0, cudaStream_t stream = 0) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "add_gaussian_noise: float or double");
    if (!(stddev >= T(0) && is_finite(stddev)))
        throw std::invalid_argument("repro::cuda::add_gaussian_noise: stddev = " + std::to_string(stddev) +
                                    " is not finite and >= 0");
    detail::check_noise_rows(x, y, sample_ids, rows, cols, "cuda::add_gaussian_noise");
    detail::launch_row_blocks(detail::rk::noise_rows<T>{x, y, cols, stddev, key, sample_ids, step}, rows, stream);
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
