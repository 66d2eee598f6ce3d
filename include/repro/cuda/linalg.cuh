#pragma once
// repro/cuda/linalg.cuh - the matrix products of repro/linalg.hpp on device
// data: repro::cuda::matmul, matmul_bt and linear give the CPU functions'
// bits for every M, K, N (matmul_mode::portable, the default).
//
// Each output is the CPU's chain - c = +0, c = fma(A[i][k], B[k][j], c) for k
// ascending, then for linear + b[j] and the activation - computed by one
// thread of a tiled kernel (detail/kernels/gemm_tile.hpp): tiles split rows
// and columns, never k, so a row's bits do not depend on M, on the tile
// shape, on the GPU or on the stream. T is float or double; the narrow
// overloads take __half / __nv_bfloat16 A and/or B (widened exactly to
// float, as Eigen::half / Eigen::bfloat16 are on the CPU) and write float.
//
// matmul_mode::tensor_core runs the product on tensor cores instead
// (repro/cuda/detail/tensor_core.cuh: float output, batch_invariant but not
// the CPU's bits); bias and activation are then applied as in portable mode.
// It takes float, half or bfloat16 inputs, not double.
//
// All functions return at once (stream-ordered) and take device pointers.
// Bad arguments throw what the CPU function throws, before any CUDA call,
// with messages "repro::cuda::<function>: ..."; CUDA failures throw
// repro::cuda::error.

#include <cuda_runtime.h>

#include <cstddef>
#include <limits>
#include <type_traits>

#include "../detail/gemm/gemm.hpp"
#include "../detail/kernels/gemm_tile.hpp"
#include "../linalg.hpp"
#include "error.cuh"
#include "half.cuh"
#include "memory.cuh"
#include "detail/tensor_core.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {

// portable: the CPU's bits. tensor_core: tensor-core products, batch_invariant
// only (repro/cuda/detail/tensor_core.cuh says which bits).
enum class matmul_mode { portable, tensor_core };

namespace detail {

namespace gk = repro::detail::kernels;

REPRO_CUDA_KERNELS_BEGIN

// One block per tile: blockIdx (x, y, z) + the offsets = (row tile, column
// tile, product of the batch). Each __syncthreads ends a phase of the body.
template <class Shape, class Batch>
__global__ void __launch_bounds__(Shape::threads)
    gemm_tiles(Batch batch, std::size_t i_tile0, std::size_t j_tile0, std::size_t z0) {
    using P = typename Batch::problem_type;
    using tile = gk::gemm_tile<Shape, P>;
    __shared__ typename tile::shared sh;
    const P p = batch.problem(z0 + blockIdx.z);
    const std::size_t i0 = (i_tile0 + blockIdx.x) * Shape::BM, j0 = (j_tile0 + blockIdx.y) * Shape::BN;
    const int tid = static_cast<int>(threadIdx.x);
    typename tile::thread th;
    tile::begin(th);
    const std::size_t phases = tile::phases(p.K);
    for (std::size_t ph = 0; ph < phases; ++ph) {
        tile::phase(p, i0, j0, ph, tid, sh, th);
        __syncthreads();
    }
    tile::finish(p, i0, j0, tid, th);
}

// f(e) for e < n, grid-stride.
template <class F>
__global__ void __launch_bounds__(256) for_elements(F f, std::size_t n) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t e = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < n; e += stride) f(e);
}

REPRO_CUDA_KERNELS_END

template <class F>
void launch_elements(const F& f, std::size_t n, cudaStream_t stream) {
    if (n == 0) return;
    const std::size_t blocks = (n + 255) / 256;
    for_elements<F><<<static_cast<unsigned>(blocks < 65535 ? blocks : 65535), 256, 0, stream>>>(f, n);
    check(cudaGetLastError(), "launch of repro's for_elements kernel");
}

// Every tile of every product of the batch, in grids within CUDA's limits.
template <class Shape, class Batch>
void launch_tiles(const Batch& batch, std::size_t M, std::size_t N, cudaStream_t stream) {
    constexpr std::size_t max_x = 0x7fffffff, max_yz = 65535;
    const std::size_t mt = (M + Shape::BM - 1) / Shape::BM, nt = (N + Shape::BN - 1) / Shape::BN;
    const std::size_t count = batch.count();
    for (std::size_t z = 0; z < count; z += max_yz)
        for (std::size_t j = 0; j < nt; j += max_yz)
            for (std::size_t i = 0; i < mt; i += max_x) {
                const dim3 grid(static_cast<unsigned>(mt - i < max_x ? mt - i : max_x),
                                static_cast<unsigned>(nt - j < max_yz ? nt - j : max_yz),
                                static_cast<unsigned>(count - z < max_yz ? count - z : max_yz));
                gemm_tiles<Shape, Batch><<<grid, Shape::threads, 0, stream>>>(batch, i, j, z);
                check(cudaGetLastError(), "launch of repro's gemm_tiles kernel");
            }
}

// The batch's M x K x N products with the tile shape that suits them
// (gk::tile_for: the shape decides speed only, never a bit).
template <class Batch>
void launch_product(const Batch& batch, std::size_t M, std::size_t N, cudaStream_t stream) {
    using T = typename Batch::problem_type::value_type;
    if (M == 0 || N == 0 || batch.count() == 0) return;
    const gk::tile_kind kind = gk::tile_for<T>(M, N, batch.count());
    if (kind == gk::tile_kind::few_rows) return launch_tiles<gk::tile_few_rows>(batch, M, N, stream);
    if constexpr (sizeof(T) == 4)
        if (kind == gk::tile_kind::large) return launch_tiles<gk::tile_large>(batch, M, N, stream);
    launch_tiles<gk::tile_medium>(batch, M, N, stream);
}

// The input types tensor_core_product takes.
template <class TA, class TB>
inline constexpr bool tensor_core_inputs = std::is_same<TA, TB>::value &&
                                           (std::is_same<TA, float>::value || std::is_same<TA, __half>::value ||
                                            std::is_same<TA, __nv_bfloat16>::value);

// The CPU's argument checks (repro::detail::product, repro::detail::linear),
// then the mode, then that every pointer reaches device memory.
template <class TA, class TB, class T>
void check_product(const TA* A, const TB* B, const T* C, const T* bias, bool is_linear, bool b_transposed,
                   std::size_t M, std::size_t K, std::size_t N, matmul_mode mode, const char* function) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "repro::cuda: float or double products");
    if (is_linear && bias != nullptr && repro::detail::overlaps(C, M * N * sizeof(T), bias, N * sizeof(T)))
        throw_invalid(function, "y overlaps the bias");
    const repro::detail::gemm_arguments& names = is_linear      ? repro::detail::linear_arguments
                                                 : b_transposed ? repro::detail::matmul_bt_arguments
                                                                : repro::detail::matmul_arguments;
    repro::detail::check_gemm_args(A, B, C, M, K, N, function, names);
    if (mode != matmul_mode::portable && mode != matmul_mode::tensor_core)
        throw_invalid(function, "unknown matmul_mode");
    if (mode == matmul_mode::tensor_core && !tensor_core_inputs<TA, TB>)
        throw_invalid(function, "matmul_mode::tensor_core takes float, __half or __nv_bfloat16 inputs of one type");
    check_device_pointer(A, M * K, function, "A");
    check_device_pointer(B, K * N, function, "B");
    check_device_pointer(C, M * N, function, "C");
    if (bias != nullptr) check_device_pointer(bias, N, function, "b");
}

// C = act(A op(B) + bias) (bias null: none) after check_product.
template <bool BTransposed, class TA, class TB, class T>
void product(const TA* A, const TB* B, T* C, const T* bias, std::size_t M, std::size_t K, std::size_t N, activation act,
             matmul_mode mode, cudaStream_t stream) {
    if (M == 0 || N == 0) return;
    if (mode == matmul_mode::tensor_core) {
        if constexpr (tensor_core_inputs<TA, TB>) {  // (check_product refused the others)
            tensor_core_product<BTransposed>(A, B, C, M, K, N, stream);
            if (bias != nullptr || act != activation::none)
                launch_elements(gk::bias_activation<T>{C, C, N, bias, act, M, N}, M * N, stream);
            return;
        }
    }
    using a_src = gk::a_matrix<T, TA>;
    using b_src = std::conditional_t<BTransposed, gk::bt_matrix<T, TB>, gk::b_matrix<T, TB>>;
    using problem = gk::gemm_problem<T, a_src, b_src>;
    const problem p{a_src{A, K}, b_src{B, BTransposed ? K : N}, C, N, bias, act, M, K, N};
    launch_product(gk::single_product<problem>{p}, M, N, stream);
}

template <bool BTransposed, class TA, class TB, class T>
void checked_product(const TA* A, const TB* B, T* C, const T* bias, bool is_linear, std::size_t M, std::size_t K,
                     std::size_t N, activation act, matmul_mode mode, cudaStream_t stream, const char* function) {
    check_product(A, B, C, bias, is_linear, BTransposed, M, K, N, mode, function);
    product<BTransposed>(A, B, C, bias, M, K, N, act, mode, stream);
}

}  // namespace detail

// C = A B (A M x K, B K x N, C M x N, row-major, device memory): the bits of
// repro::matmul. K = 0 gives C = +0.
template <class T>
void matmul(const T* A, const T* B, T* C, std::size_t M, std::size_t K, std::size_t N,
            matmul_mode mode = matmul_mode::portable, cudaStream_t stream = 0) {
    detail::checked_product<false>(A, B, C, static_cast<const T*>(nullptr), false, M, K, N, activation::none, mode,
                                   stream, "cuda::matmul");
}

template <class T>
void matmul(const T* A, const T* B, T* C, std::size_t M, std::size_t K, std::size_t N, cudaStream_t stream) {
    matmul(A, B, C, M, K, N, matmul_mode::portable, stream);
}

// Narrow A and/or B (__half, __nv_bfloat16, with float), float C.
template <class TA, class TB, repro::detail::if_narrow<TA, TB> = 0>
void matmul(const TA* A, const TB* B, float* C, std::size_t M, std::size_t K, std::size_t N,
            matmul_mode mode = matmul_mode::portable, cudaStream_t stream = 0) {
    detail::checked_product<false>(A, B, C, static_cast<const float*>(nullptr), false, M, K, N, activation::none, mode,
                                   stream, "cuda::matmul");
}

template <class TA, class TB, repro::detail::if_narrow<TA, TB> = 0>
void matmul(const TA* A, const TB* B, float* C, std::size_t M, std::size_t K, std::size_t N, cudaStream_t stream) {
    matmul(A, B, C, M, K, N, matmul_mode::portable, stream);
}

// C = A Bt^T with Bt N x K: the bits of repro::matmul_bt (and of matmul).
template <class T>
void matmul_bt(const T* A, const T* Bt, T* C, std::size_t M, std::size_t K, std::size_t N,
               matmul_mode mode = matmul_mode::portable, cudaStream_t stream = 0) {
    detail::checked_product<true>(A, Bt, C, static_cast<const T*>(nullptr), false, M, K, N, activation::none, mode,
                                  stream, "cuda::matmul_bt");
}

template <class T>
void matmul_bt(const T* A, const T* Bt, T* C, std::size_t M, std::size_t K, std::size_t N, cudaStream_t stream) {
    matmul_bt(A, Bt, C, M, K, N, matmul_mode::portable, stream);
}

template <class TA, class TB, repro::detail::if_narrow<TA, TB> = 0>
void matmul_bt(const TA* A, const TB* Bt, float* C, std::size_t M, std::size_t K, std::size_t N,
               matmul_mode mode = matmul_mode::portable, cudaStream_t stream = 0) {
    detail::checked_product<true>(A, Bt, C, static_cast<const float*>(nullptr), false, M, K, N, activation::none, mode,
                                  stream, "cuda::matmul_bt");
}

template <class TA, class TB, repro::detail::if_narrow<TA, TB> = 0>
void matmul_bt(const TA* A, const TB* Bt, float* C, std::size_t M, std::size_t K, std::size_t N, cudaStream_t stream) {
    matmul_bt(A, Bt, C, M, K, N, matmul_mode::portable, stream);
}

// y = act(x W^T + b): x M x in, W out x in (PyTorch layout), b out or null,
// y M x out; the bits of repro::linear (the chain, one addition of b[j],
// the activation through repro::math's scalar cores).
template <class T>
void linear(const T* x, const T* W, const repro::detail::non_deduced<T>* b, T* y, std::size_t M, std::size_t in,
            std::size_t out, activation act = activation::none, matmul_mode mode = matmul_mode::portable,
            cudaStream_t stream = 0) {
    detail::checked_product<true>(x, W, y, b, true, M, in, out, act, mode, stream, "cuda::linear");
}

template <class T>
void linear(const T* x, const T* W, const repro::detail::non_deduced<T>* b, T* y, std::size_t M, std::size_t in,
            std::size_t out, activation act, cudaStream_t stream) {
    linear(x, W, b, y, M, in, out, act, matmul_mode::portable, stream);
}

template <class TX, class TW, repro::detail::if_narrow<TX, TW> = 0>
void linear(const TX* x, const TW* W, const float* b, float* y, std::size_t M, std::size_t in, std::size_t out,
            activation act = activation::none, matmul_mode mode = matmul_mode::portable, cudaStream_t stream = 0) {
    detail::checked_product<true>(x, W, y, b, true, M, in, out, act, mode, stream, "cuda::linear");
}

template <class TX, class TW, repro::detail::if_narrow<TX, TW> = 0>
void linear(const TX* x, const TW* W, const float* b, float* y, std::size_t M, std::size_t in, std::size_t out,
            activation act, cudaStream_t stream) {
    linear(x, W, b, y, M, in, out, act, matmul_mode::portable, stream);
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
