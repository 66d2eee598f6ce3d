#pragma once
// repro/cuda/detail/tensor_core.cuh - the tensor-core product behind
// matmul_mode::tensor_core (repro/cuda/linalg.cuh): C (M x N, float) = A (M x K)
// times B (K x N, or N x K when BTransposed), row-major, on mma.sync (TF32
// for float inputs, FP16 and BF16 for __half and __nv_bfloat16), accumulated
// in float. Needs compute capability 8.0 or newer.
//
// Its bits are NOT the CPU's (the tensor cores add several products at once,
// with their own internal alignment and rounding, and TF32 drops 13 bits of
// each float input), but they are batch_invariant (docs/design.md, rule 1):
// C[i][j] is a function of row i of A, column j of B and K only. The order,
// for every output element:
//   acc = +0 (all four accumulator registers of a fragment);
//   for k0 = 0, s, 2s, ... while k0 < K (s = 8 for TF32, 16 for FP16/BF16):
//       acc = mma(A[i][k0 .. k0+s), B[k0 .. k0+s)[j], acc)
// with each float input first rounded to TF32 by cvt.rna (nearest, ties
// away), and inputs at k >= K taken as +0. Nothing in that sequence depends
// on M, on where row i falls in a tile, or on the other rows:
//  - one kernel body per input type and one block tile (128 x 128, k-tile
//    fixed per type), whatever M, N and K (its variants for B's layout and
//    for the copy form below only change how values reach shared memory);
//    no split-K, no stream-K, so an output element is one accumulator chain
//    in registers, stored once;
//  - the k-steps of a chain run in ascending order whatever the k-tile and
//    the pipeline depth (a chain never leaves its registers between k-tiles);
//  - an MMA computes each of its 16 x 8 outputs from that output's row of A
//    and column of B alone, so neither the row's position in the 16-row
//    fragment nor the rows beside it (other samples, or the zeros that fill
//    shared memory past row M) enter its arithmetic;
//  - a warp skips the MMAs of its 16-row fragments that lie wholly past row
//    M: they hold no stored output, and the fragments it does compute run
//    the same sequence as at any other M;
//  - the zero padding past K sits at the same k for every row, so it is part
//    of the fixed sequence (invariance rests on that alone). It is meant to
//    leave the value alone too: the padded products are +0 * +0 = +0 (A and
//    B are both zero-filled, so no 0 * inf), and in IEEE arithmetic adding +0
//    changes no sum except -0, which a chain that starts at +0 cannot hold
//    (+0 + -0 = +0; x + -x = +0 in round-to-nearest). The tensor cores' sums
//    are not sequential IEEE additions, so that part is not a promise.
// The global-to-shared copies come in two forms (16-byte cp.async when every
// row start is 16-byte aligned, element loads otherwise); both put the same
// values in shared memory, so the choice, made from the pointers and K or N
// only, cannot change a bit.
//
// The kernel itself: 256 threads (8 warps as 2 x 4, each 64 x 32 outputs as
// 4 x 4 MMA tiles), a 4-stage cp.async pipeline over k-tiles of 64 bytes per
// row (80 KiB of shared memory), fragments loaded with ldmatrix (32-bit
// loads for a float B that is K x N; the addressing is in
// detail/kernels/mma_fragments.hpp, checked on the host against the PTX
// layouts), shared-memory rows padded so those loads are free of bank
// conflicts. mma.sync on every architecture, sm_90 included (no wgmma).
// ptxas (CUDA 13) gives 158-179 registers and no spills on sm_80 and sm_90,
// so one block of 8 warps per SM; asking for two blocks spills.

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../../detail/kernels/mma_fragments.hpp"
#include "../error.cuh"
#include "prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {
namespace detail {
namespace tc {

namespace mma = repro::detail::kernels::mma;

inline constexpr int threads = 256, stages = 4;
using mma::block_m;
using mma::block_n;
using mma::warp_m;
using mma::warp_n;

template <class T>
using shape = mma::tile_shape<static_cast<int>(sizeof(T))>;

// Elements of one pipeline stage (the A tile, then the B tile), and the
// dynamic shared memory of the whole pipeline: 80 KiB or less for every type.
template <class T, bool BTransposed>
struct stage {
    static constexpr int elems = shape<T>::a_elems + (BTransposed ? shape<T>::bt_elems : shape<T>::b_elems);
    static constexpr std::size_t shared_bytes = std::size_t(stages) * elems * sizeof(T);
};

REPRO_CUDA_KERNELS_BEGIN

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800

__device__ __forceinline__ std::uint32_t shared_address(const void* p) {
    return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes from global to shared memory, or 16 zero bytes when !live.
__device__ __forceinline__ void copy16(std::uint32_t dst, const void* src, bool live) {
    const int bytes = live ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes));
}

// Fragment loads from shared addresses. They read what the cp.async copies
// wrote, ordered by the barrier; volatile keeps them after it.
__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], std::uint32_t address) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(address));
}

__device__ __forceinline__ void ldmatrix_x4_trans(std::uint32_t (&r)[4], std::uint32_t address) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(address));
}

__device__ __forceinline__ std::uint32_t load_shared(std::uint32_t address) {
    std::uint32_t r;
    asm volatile("ld.shared.b32 %0, [%1];\n" : "=r"(r) : "r"(address));
    return r;
}

__device__ __forceinline__ std::uint32_t to_tf32(std::uint32_t float_bits) {
    std::uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(__uint_as_float(float_bits)));
    return r;
}

template <class T>
__device__ __forceinline__ void mma(float (&d)[4], const std::uint32_t (&a)[4], const std::uint32_t (&b)[2]) {
    if constexpr (std::is_same<T, float>::value) {
        asm volatile(
            "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    } else if constexpr (std::is_same<T, __half>::value) {
        asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    } else {
        asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
            "{%0, %1, %2, %3};\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
}

// One thread's part of copying tiles of a row-major source (row stride ld)
// into shared rows of Stride elements: the 16-byte chunks c = threadIdx.x +
// i * threads of a tile, at tile row c / ChunksPerRow, column c % ChunksPerRow
// * vec. Successive k-tiles advance along the source's columns (A, Bt) or,
// AlongRows, its rows (a K x N B). Elements outside the source become +0.
template <class T, bool Vectorized, int Rows, int ChunksPerRow, int Stride, bool AlongRows>
struct tile_copy {
    static constexpr int vec = shape<T>::vec, count = Rows * ChunksPerRow / threads;
    static constexpr int row_step = threads / ChunksPerRow;
    static_assert(Rows * ChunksPerRow % threads == 0 && threads % ChunksPerRow == 0, "whole chunks per thread");

    const T* first;  // this thread's first element in k-tile 0
    // Source rows (AlongRows: columns) from `first` on, clipped to the tile,
    // and columns (AlongRows: rows) from `first` on.
    int fixed_left;
    long long moving_left;

    __device__ tile_copy(const T* src, std::size_t ld, std::size_t row0, std::size_t rows, std::size_t col0,
                         std::size_t cols) {
        const std::size_t gr = row0 + static_cast<std::size_t>(row()), gc = col0 + static_cast<std::size_t>(col());
        first = src + (gr < rows && gc < cols ? gr * ld + gc : 0);
        const std::size_t rows_left = gr < rows ? rows - gr : 0, cols_left = gc < cols ? cols - gc : 0;
        const std::size_t fixed = AlongRows ? cols_left : rows_left, moving = AlongRows ? rows_left : cols_left;
        constexpr std::size_t clip = AlongRows ? vec : Rows;
        fixed_left = static_cast<int>(fixed < clip ? fixed : clip);
        moving_left = static_cast<long long>(moving);
    }
    __device__ __forceinline__ static int row() { return static_cast<int>(threadIdx.x) / ChunksPerRow; }
    __device__ __forceinline__ static int col() { return static_cast<int>(threadIdx.x) % ChunksPerRow * vec; }

    // Queues (or, not Vectorized, performs) the copy of the k-tile starting
    // `step` rows or columns on into the tile at shared address `tile`
    // (generic pointer `tile_pointer`).
    __device__ __forceinline__ void operator()(std::uint32_t tile, T* tile_pointer, const T* src, std::size_t ld,
                                               long long step) const {
        REPRO_UNROLL(4)
        for (int i = 0; i < count; ++i) {
            const int r = i * row_step;  // this chunk's row, relative to the thread's first
            const std::size_t offset = AlongRows ? static_cast<std::size_t>(r + step) * ld
                                                 : static_cast<std::size_t>(r) * ld + static_cast<std::size_t>(step);
            const std::uint32_t d =
                static_cast<std::uint32_t>(((row() + r) * Stride + col()) * static_cast<int>(sizeof(T)));
            // Chunk element e is in the source if these hold.
            const auto live_at = [&](int e) {
                return AlongRows ? r + step < moving_left && e < fixed_left : r < fixed_left && step + e < moving_left;
            };
            if constexpr (Vectorized) {
                // All or nothing: the advancing axis is a multiple of vec long here.
                const bool live = live_at(0);
                copy16(tile + d, live ? first + offset : src, live);
            } else {
                T* const out = tile_pointer + d / sizeof(T);
                REPRO_UNROLL(8)
                for (int e = 0; e < vec; ++e)
                    out[e] = live_at(e) ? first[offset + static_cast<std::size_t>(e)] : T(0.0f);
            }
        }
    }
};

#endif

// One 128 x 128 block of C per (blockIdx.x, n block); the n blocks go round
// gridDim.y so that any N fits the grid. The arithmetic is the fixed sequence
// in the header comment.
template <class T, bool BTransposed, bool Vectorized>
__global__ void __launch_bounds__(threads, 1)
    tensor_core_kernel(const T* A, const T* B, float* C, std::size_t M, std::size_t K, std::size_t N) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    using s = shape<T>;
    constexpr int ks_per_tile = s::tile_k / s::k_step;
    constexpr int m_frags = warp_m / 16, n_frags = warp_n / 8;
    extern __shared__ __align__(16) unsigned char tensor_core_shared[];
    T* const shared = reinterpret_cast<T*>(tensor_core_shared);

    const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
    const int wm = warp / (block_n / warp_n) * warp_m, wn = warp % (block_n / warp_n) * warp_n;
    const std::uint32_t shared_base = shared_address(shared);
    constexpr std::uint32_t stage_bytes = stage<T, BTransposed>::elems * s::elem;
    const std::size_t m0 = static_cast<std::size_t>(blockIdx.x) * block_m;
    // This warp's 16-row fragments that hold a row below M.
    const std::size_t rows_here = M - m0 > static_cast<std::size_t>(wm) ? M - m0 - static_cast<std::size_t>(wm) : 0;
    const int live_frags = rows_here >= warp_m ? m_frags : static_cast<int>((rows_here + 15) / 16);
    const std::size_t k_tiles = (K + s::tile_k - 1) / s::tile_k;
    const std::size_t n_blocks = (N + block_n - 1) / block_n;

    for (std::size_t nb = blockIdx.y; nb < n_blocks; nb += gridDim.y) {
        const std::size_t n0 = nb * block_n;
        const tile_copy<T, Vectorized, block_m, s::tile_k / s::vec, s::k_major_stride, false> copy_a(A, K, m0, M, 0, K);
        using b_copy =
            std::conditional_t<BTransposed,
                               tile_copy<T, Vectorized, block_n, s::tile_k / s::vec, s::k_major_stride, false>,
                               tile_copy<T, Vectorized, s::tile_k, block_n / s::vec, s::n_major_stride, true>>;
        const b_copy copy_b = BTransposed ? b_copy(B, K, n0, N, 0, K) : b_copy(B, N, 0, K, n0, N);
        const auto load = [&](std::size_t kt) {
            const std::uint32_t a = shared_base + static_cast<std::uint32_t>(kt % stages) * stage_bytes;
            T* const a_pointer = shared + (kt % stages) * stage<T, BTransposed>::elems;
            const long long k0 = static_cast<long long>(kt * s::tile_k);
            copy_a(a, a_pointer, A, K, k0);
            copy_b(a + s::a_elems * s::elem, a_pointer + s::a_elems, B, BTransposed ? K : N, k0);
        };

        float acc[m_frags][n_frags][4];
        REPRO_UNROLL(4)
        for (int i = 0; i < m_frags; ++i) {
            REPRO_UNROLL(4)
            for (int j = 0; j < n_frags; ++j) {
                REPRO_UNROLL(4)
                for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;
            }
        }

        for (int p = 0; p < stages - 1; ++p) {
            if (static_cast<std::size_t>(p) < k_tiles) load(static_cast<std::size_t>(p));
            asm volatile("cp.async.commit_group;\n" ::);
        }
        for (std::size_t kt = 0; kt < k_tiles; ++kt) {
            // Tile kt has landed once at most stages - 2 younger groups are
            // pending; the barrier also ends every warp's reads of the stage
            // the next load overwrites (the one read in iteration kt - 1).
            asm volatile("cp.async.wait_group %0;\n" ::"n"(stages - 2));
            __syncthreads();
            if (kt + stages - 1 < k_tiles) load(kt + stages - 1);
            asm volatile("cp.async.commit_group;\n" ::);

            // Shared addresses (32-bit) of this stage's tiles, in bytes.
            const std::uint32_t a = shared_base + static_cast<std::uint32_t>(kt % stages) * stage_bytes;
            const std::uint32_t b = a + s::a_elems * s::elem;
            REPRO_UNROLL(4)
            for (int ks = 0; ks < ks_per_tile; ++ks) {
                const int kk = ks * s::k_step;
                std::uint32_t bf[n_frags][2];
                if constexpr (BTransposed) {
                    // Two n fragments per ldmatrix.
                    REPRO_UNROLL(2)
                    for (int j = 0; j < n_frags; j += 2) {
                        std::uint32_t r[4];
                        ldmatrix_x4(r,
                                    b + mma::bt_offset(lane, wn + j * 8, kk, s::k_major_stride, s::k_step) * s::elem);
                        bf[j][0] = r[0], bf[j][1] = r[1], bf[j + 1][0] = r[2], bf[j + 1][1] = r[3];
                    }
                } else if constexpr (std::is_same<T, float>::value) {
                    REPRO_UNROLL(4)
                    for (int j = 0; j < n_frags; ++j) {
                        bf[j][0] = load_shared(b + mma::b_tf32_offset(lane, 0, wn + j * 8, kk, s::n_major_stride) * 4);
                        bf[j][1] = load_shared(b + mma::b_tf32_offset(lane, 1, wn + j * 8, kk, s::n_major_stride) * 4);
                    }
                } else {
                    // K x N tile, transposed on the way; two n fragments per ldmatrix.
                    REPRO_UNROLL(2)
                    for (int j = 0; j < n_frags; j += 2) {
                        std::uint32_t r[4];
                        ldmatrix_x4_trans(r,
                                          b + mma::b_trans_offset(lane, wn + j * 8, kk, s::n_major_stride) * s::elem);
                        bf[j][0] = r[0], bf[j][1] = r[1], bf[j + 1][0] = r[2], bf[j + 1][1] = r[3];
                    }
                }
                if constexpr (std::is_same<T, float>::value) {
                    REPRO_UNROLL(4)
                    for (int j = 0; j < n_frags; ++j) bf[j][0] = to_tf32(bf[j][0]), bf[j][1] = to_tf32(bf[j][1]);
                }
                REPRO_UNROLL(4)
                for (int i = 0; i < m_frags; ++i) {
                    if (i >= live_frags) continue;  // warp-uniform (break leaves acc in local memory on sm_100)
                    std::uint32_t af[4];
                    ldmatrix_x4(af, a + mma::a_offset(lane, wm + i * 16, kk, s::k_major_stride, s::k_step) * s::elem);
                    if constexpr (std::is_same<T, float>::value) {
                        REPRO_UNROLL(4)
                        for (int e = 0; e < 4; ++e) af[e] = to_tf32(af[e]);
                    }
                    REPRO_UNROLL(4)
                    for (int j = 0; j < n_frags; ++j) mma<T>(acc[i][j], af, bf[j]);
                }
            }
        }
        asm volatile("cp.async.wait_group 0;\n" ::);
        __syncthreads();  // the next n block's first loads overwrite stages read above

        REPRO_UNROLL(4)
        for (int i = 0; i < m_frags; ++i) {
            REPRO_UNROLL(4)
            for (int j = 0; j < n_frags; ++j) {
                REPRO_UNROLL(4)
                for (int e = 0; e < 4; ++e) {
                    const std::size_t row = m0 + static_cast<std::size_t>(wm + i * 16 + mma::c_row(lane, e));
                    const std::size_t col = n0 + static_cast<std::size_t>(wn + j * 8 + mma::c_col(lane, e));
                    if (row < M && col < N) C[row * N + col] = acc[i][j][e];
                }
            }
        }
    }
#elif defined(__CUDA_ARCH__)
    // Compiled for a GPU without these MMAs: the host refuses the launch
    // first; a JIT-compiled PTX of an older target would end up here.
    __trap();
#endif
}

REPRO_CUDA_KERNELS_END

template <class T>
constexpr bool mma_input =
    std::is_same<T, float>::value || std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value;

// Launch preparation done once per kernel and device (device ids 0..63
// cached; others redo it each call): the compute-capability check, the
// check that the kernel was compiled for sm_80 or newer, and the opt-in to
// more than 48 KiB of dynamic shared memory.
template <class Kernel>
void prepare(Kernel kernel, std::size_t shared, std::atomic<std::uint64_t>& ready) {
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    const std::uint64_t bit = device < 64 ? std::uint64_t(1) << device : 0;
    if (bit != 0 && (ready.load(std::memory_order_relaxed) & bit) != 0) return;
    int major = 0, minor = 0;
    check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
    check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device), "cudaDeviceGetAttribute");
    if (major < 8)
        throw error(
            ("repro::cuda::matmul in tensor_core mode on a device of compute capability " + std::to_string(major) +
             "." + std::to_string(minor) + " (it needs 8.0 or newer; matmul_mode::portable runs anywhere)")
                .c_str(),
            cudaErrorNotSupported);
    cudaFuncAttributes attributes{};
    check(cudaFuncGetAttributes(&attributes, kernel), "cudaFuncGetAttributes");
    if (attributes.ptxVersion < 80)
        throw error(("repro::cuda::matmul in tensor_core mode from code compiled for compute capability " +
                     std::to_string(attributes.ptxVersion / 10) + "." + std::to_string(attributes.ptxVersion % 10) +
                     " (build with -arch=sm_80 or newer)")
                        .c_str(),
                    cudaErrorNotSupported);
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)),
          "cudaFuncSetAttribute");
    if (bit != 0) ready.fetch_or(bit, std::memory_order_relaxed);
}

template <class T, bool BTransposed, bool Vectorized>
void launch(const T* A, const T* B, float* C, std::size_t M, std::size_t K, std::size_t N, cudaStream_t stream) {
    static std::atomic<std::uint64_t> ready{0};
    constexpr std::size_t shared = stage<T, BTransposed>::shared_bytes;
    const auto kernel = tensor_core_kernel<T, BTransposed, Vectorized>;
    prepare(kernel, shared, ready);
    const std::size_t m_blocks = (M + block_m - 1) / block_m, n_blocks = (N + block_n - 1) / block_n;
    if (m_blocks > 0x7fffffffu)
        throw std::length_error("repro::cuda::matmul: M = " + std::to_string(M) +
                                " rows exceed tensor_core mode's grid");
    const dim3 grid(static_cast<unsigned>(m_blocks), static_cast<unsigned>(n_blocks < 65535 ? n_blocks : 65535));
    kernel<<<grid, threads, shared, stream>>>(A, B, C, M, K, N);
    check(cudaGetLastError(), "launch of repro's tensor_core_kernel");
}

inline bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

}  // namespace tc

// C (M x N, float, row-major) = A (M x K, row-major) times B, where B is
// K x N row-major (BTransposed = false) or N x K row-major (true), on the
// tensor cores: batch_invariant, not the CPU's bits (see the header
// comment). Arguments are checked by the caller (repro/cuda/linalg.cuh).
// Throws std::invalid_argument for input types other than float, __half or
// __nv_bfloat16 (both the same), and repro::cuda::error (code
// cudaErrorNotSupported) on a device older than compute capability 8.0 or
// from code compiled only for one.
template <bool BTransposed, class TA, class TB>
void tensor_core_product(const TA* A, const TB* B, float* C, std::size_t M, std::size_t K, std::size_t N,
                         cudaStream_t stream) {
    if constexpr (!std::is_same<TA, TB>::value || !tc::mma_input<TA>) {
        throw std::invalid_argument(
            "repro::cuda::matmul: tensor_core mode takes float, __half or __nv_bfloat16 inputs of one type");
    } else {
        if (M == 0 || N == 0) return;
        constexpr std::size_t vec = tc::shape<TA>::vec;
        const bool vectorized = tc::aligned16(A) && tc::aligned16(B) && K % vec == 0 && (BTransposed || N % vec == 0);
        if (vectorized)
            tc::launch<TA, BTransposed, true>(A, B, C, M, K, N, stream);
        else
            tc::launch<TA, BTransposed, false>(A, B, C, M, K, N, stream);
    }
}

}  // namespace detail
}  // namespace cuda
REPRO_NAMESPACE_END

#include "epilogue.cuh"
