#pragma once
// repro/linalg.hpp - batch-invariant matrix products (`batch_invariant`,
// `portable`).
//
// The order, for every output element: C[i][j] = c_K with c_0 = +0 and
//   c_{k+1} = fma(A[i][k], B[k][j], c_k),   k = 0, 1, ..., K-1 ascending,
// one fma chain, nothing else. It does not depend on M, on the tile the
// element falls in (leftover rows and columns included), on the path (the
// batch-1 path, the packed path, AVX2 or generic) or on the thread count, so
// row i of C is bitwise the same whatever the other rows are. Threads split
// rows and columns, never k.
//
// Layouts are row-major with leading dimensions equal to the row length:
// matmul: A M x K, B K x N, C M x N; matmul_bt: B given transposed, N x K
// (PyTorch's Linear weight [out x in]); linear: y = x W^T + b.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/parallel.hpp"
#include "fp.hpp"
#include "isa.hpp"
#include "math.hpp"

namespace repro {

namespace detail {

// The definition itself, one element at a time (also the generic path).
template <class T>
void gemm_generic(const T* A, const T* B, std::size_t ldb, T* C, std::size_t rows, std::size_t K,
                  std::size_t col0, std::size_t cols, std::size_t lda, std::size_t ldc) {
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = col0; j < col0 + cols; ++j) {
            T c = T(0);
            for (std::size_t k = 0; k < K; ++k) c = repro::fma(A[i * lda + k], B[k * ldb + j], c);
            C[i * ldc + j] = c;
        }
}

#if REPRO_HAS_AVX2_PATH
template <class T>
struct gemm_avx2;

template <>
struct gemm_avx2<float> {
    using reg = __m256;
    static constexpr int width = 8;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_ps(); }
    REPRO_TARGET_AVX2 static reg load(const float* p) { return _mm256_loadu_ps(p); }
    REPRO_TARGET_AVX2 static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    REPRO_TARGET_AVX2 static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
};

template <>
struct gemm_avx2<double> {
    using reg = __m256d;
    static constexpr int width = 4;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_pd(); }
    REPRO_TARGET_AVX2 static reg load(const double* p) { return _mm256_loadu_pd(p); }
    REPRO_TARGET_AVX2 static void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
    REPRO_TARGET_AVX2 static reg broadcast(const double* p) { return _mm256_broadcast_sd(p); }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
};

// MR rows x NV registers of columns: C tile = the fma chains over all of k.
// B rows are ldb apart (ldb = NV * width for a packed panel).
// Fully unrolled tile loops keep the accumulators in registers (GCC spills
// arrays of vectors otherwise).
#define REPRO_UNROLL _Pragma("GCC unroll 64")

template <class T, int MR, int NV>
REPRO_TARGET_AVX2 void gemm_tile(const T* A, std::size_t lda, const T* B, std::size_t ldb, T* C, std::size_t ldc,
                                 std::size_t K) {
    using V = gemm_avx2<T>;
    typename V::reg acc[MR * NV];
    REPRO_UNROLL for (int r = 0; r < MR * NV; ++r) acc[r] = V::zero();
    for (std::size_t k = 0; k < K; ++k) {
        typename V::reg b[NV];
        REPRO_UNROLL for (int v = 0; v < NV; ++v) b[v] = V::load(B + k * ldb + v * V::width);
        REPRO_UNROLL for (int r = 0; r < MR; ++r) {
            const typename V::reg a = V::broadcast(A + r * lda + k);
            REPRO_UNROLL for (int v = 0; v < NV; ++v) acc[r * NV + v] = V::fma(a, b[v], acc[r * NV + v]);
        }
    }
    REPRO_UNROLL for (int r = 0; r < MR; ++r) {
        REPRO_UNROLL for (int v = 0; v < NV; ++v) V::store(C + r * ldc + v * V::width, acc[r * NV + v]);
    }
}
#undef REPRO_UNROLL

// Rows [0, rows) of a column panel [j, j + NV * width): 6-row tiles, then the
// leftover rows with the same chains.
template <class T, int NV>
REPRO_TARGET_AVX2 void gemm_panel(const T* A, std::size_t lda, const T* B, std::size_t ldb, T* C, std::size_t ldc,
                                  std::size_t rows, std::size_t K) {
    std::size_t i = 0;
    for (; i + 6 <= rows; i += 6) gemm_tile<T, 6, NV>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, K);
    switch (rows - i) {
        case 5: gemm_tile<T, 5, NV>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, K); break;
        case 4: gemm_tile<T, 4, NV>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, K); break;
        case 3: gemm_tile<T, 3, NV>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, K); break;
        case 2: gemm_tile<T, 2, NV>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, K); break;
        case 1: gemm_tile<T, 1, NV>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, K); break;
        default: break;
    }
}
#endif

// Copies columns [j, j + w) of B (K rows, ldb apart) into a K x w panel.
template <class T>
void pack_panel(const T* B, std::size_t ldb, std::size_t j, std::size_t w, std::size_t K, T* panel) {
    for (std::size_t k = 0; k < K; ++k) std::memcpy(panel + k * w, B + k * ldb + j, w * sizeof(T));
}

// Few rows: B is read in place, one wide column block (8 registers) per row
// so that eight chains hide the fma latency. Many rows: each 16-column
// (float; 8 for double) panel of B is packed once and reused by every 6-row
// tile. Both compute the chains defined at the top; the split between them
// (and the thread split) cannot change a bit.
template <class T>
void gemm(const T* A, const T* B, T* C, std::size_t M, std::size_t K, std::size_t N, unsigned thread_count) {
#if REPRO_HAS_AVX2_PATH
    if (active_isa() == isa::avx2) {
        constexpr std::size_t w = gemm_avx2<T>::width;
        constexpr std::size_t wide = 8 * w, narrow = 2 * w;
        constexpr std::size_t packed_min_rows = 6;
        if (M < packed_min_rows) {
            // row by row, B in place: 8 registers of columns per chain block
            const std::size_t blocks = N / wide;
            parallel_for(M * (blocks + 1), thread_count, [&](std::size_t task) {
                const std::size_t i = task / (blocks + 1), b = task % (blocks + 1);
                const T* a = A + i * K;
                T* c = C + i * N;
                if (b < blocks) return gemm_tile<T, 1, 8>(a, K, B + b * wide, N, c + b * wide, N, K);
                std::size_t j = blocks * wide;
                for (; j + w <= N; j += w) gemm_tile<T, 1, 1>(a, K, B + j, N, c + j, N, K);
                gemm_generic(a, B, N, c, 1, K, j, N - j, K, N);
            });
            return;
        }
        const std::size_t panels = N / narrow;
        const std::size_t row_blocks = (M + 47) / 48;  // tasks: panel x 48-row block
        parallel_for(panels, thread_count, [&](std::size_t p) {
            std::vector<T> packed(K * narrow);
            pack_panel(B, N, p * narrow, narrow, K, packed.data());
            for (std::size_t rb = 0; rb < row_blocks; ++rb) {
                const std::size_t i0 = rb * 48, rows = M - i0 < 48 ? M - i0 : 48;
                gemm_panel<T, 2>(A + i0 * K, K, packed.data(), narrow, C + i0 * N + p * narrow, N, rows, K);
            }
        });
        std::size_t j = panels * narrow;
        for (; j + w <= N; j += w) gemm_panel<T, 1>(A, K, B + j, N, C + j, N, M, K);
        gemm_generic(A, B, N, C, M, K, j, N - j, K, N);
        return;
    }
#endif
    parallel_for(M, thread_count, [&](std::size_t i) { gemm_generic(A + i * K, B, N, C + i * N, 1, K, 0, N, K, N); });
}

inline void check_matrix(const void* p, std::size_t rows, std::size_t cols, const char* function, const char* name) {
    if (p == nullptr && rows != 0 && cols != 0)
        throw std::invalid_argument(std::string("repro::") + function + ": " + name + " is a null pointer");
}

inline bool overlaps(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
    const auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
    return a_bytes != 0 && b_bytes != 0 && x < y + b_bytes && y < x + a_bytes;
}

template <class T>
void check_gemm_args(const T* A, const T* B, const T* C, std::size_t M, std::size_t K, std::size_t N,
                     const char* function) {
    check_matrix(A, M, K, function, "A");
    check_matrix(B, K, N, function, "B");
    check_matrix(C, M, N, function, "C");
    const std::size_t c_bytes = M * N * sizeof(T);
    if (overlaps(C, c_bytes, A, M * K * sizeof(T)) || overlaps(C, c_bytes, B, K * N * sizeof(T)))
        throw std::invalid_argument(std::string("repro::") + function + ": C overlaps an input (in-place products are not supported)");
}

}  // namespace detail

// C = A B (A M x K, B K x N, C M x N, row-major). K = 0 gives C = +0.
// Throws std::invalid_argument for null pointers (with non-zero sizes), C
// overlapping A or B, and threads{0}.
template <class T>
void matmul(const T* A, const T* B, T* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "repro::matmul: float or double");
    const unsigned tc = detail::check_threads(t, "matmul");
    detail::check_gemm_args(A, B, C, M, K, N, "matmul");
    if (M == 0 || N == 0) return;
    detail::gemm(A, B, C, M, K, N, tc);
}

}  // namespace repro
