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

// B (K x N) as stored: rows of B, or B transposed (N x K, rows of B^T).
template <class T>
struct b_rows {
    const T* B;
    std::size_t K, N;
    static constexpr bool in_place = true;
    T at(std::size_t k, std::size_t j) const { return B[k * N + j]; }
    const T* column(std::size_t j) const { return B + j; }
    // columns [j, j + w) as a K x w panel
    void pack(std::size_t j, std::size_t w, T* panel) const {
        for (std::size_t k = 0; k < K; ++k) std::memcpy(panel + k * w, B + k * N + j, w * sizeof(T));
    }
};

template <class T>
struct b_transposed {
    const T* Bt;
    std::size_t K, N;
    static constexpr bool in_place = false;
    T at(std::size_t k, std::size_t j) const { return Bt[j * K + k]; }
    const T* column(std::size_t) const { return nullptr; }
    void pack(std::size_t j, std::size_t w, T* panel) const {
        for (std::size_t jj = 0; jj < w; ++jj) {
            const T* row = Bt + (j + jj) * K;
            for (std::size_t k = 0; k < K; ++k) panel[k * w + jj] = row[k];
        }
    }
};

// The definition itself, one element at a time: rows [0, rows) of A (lda
// apart), columns [j0, j1) (also the generic path).
template <class T, class Src>
void gemm_reference(const T* A, std::size_t lda, const Src& b, T* C, std::size_t ldc, std::size_t rows,
                    std::size_t j0, std::size_t j1) {
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = j0; j < j1; ++j) {
            T c = T(0);
            for (std::size_t k = 0; k < b.K; ++k) c = repro::fma(A[i * lda + k], b.at(k, j), c);
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

// Few rows: each row runs over wide column blocks (8 registers: eight
// chains hide the fma latency), B read in place when it is stored by rows,
// else from packed panels. Many rows: each 16-column (float; 8 for double)
// panel of B is packed once and reused by every 6-row tile. Leftover columns:
// one-register panels, then the reference loop. Every path computes the chains
// defined at the top; the split between them (and the thread split) cannot
// change a bit.
template <class T, class Src>
void gemm(const T* A, const Src& b, T* C, std::size_t M, unsigned thread_count) {
    const std::size_t K = b.K, N = b.N;
    if (K == 0) {  // empty chains: +0 (and no pointer arithmetic on a null B)
        for (std::size_t i = 0; i < M * N; ++i) C[i] = T(0);
        return;
    }
#if REPRO_HAS_AVX2_PATH
    if (active_isa() == isa::avx2) {
        constexpr std::size_t w = gemm_avx2<T>::width;
        const bool few = M < 6;
        if (!few && M < 32 && Src::in_place) {
            // mid-size batches: B in place, 4-row x 3-register tiles (B read M/4 times, never packed)
            constexpr std::size_t mw = 3 * w;
            const std::size_t mpanels = N / mw;
            parallel_for(mpanels, thread_count, [&](std::size_t p) {
                const std::size_t j = p * mw;
                std::size_t i = 0;
                for (; i + 4 <= M; i += 4) gemm_tile<T, 4, 3>(A + i * K, K, b.column(j), N, C + i * N + j, N, K);
                for (; i < M; ++i) gemm_tile<T, 1, 3>(A + i * K, K, b.column(j), N, C + i * N + j, N, K);
            });
            std::size_t j = mpanels * mw;
            for (; j + w <= N; j += w)
                for (std::size_t i = 0; i < M; ++i) gemm_tile<T, 1, 1>(A + i * K, K, b.column(j), N, C + i * N + j, N, K);
            gemm_reference(A, K, b, C, N, M, j, N);
            return;
        }
        const std::size_t pw = few ? 8 * w : 2 * w;  // panel width
        const std::size_t panels = N / pw;
        const std::size_t row_blocks = (M + 47) / 48;
        parallel_for(panels, thread_count, [&](std::size_t p) {
            const std::size_t j = p * pw;
            std::vector<T> packed;
            const T* panel;
            std::size_t ld;
            if (few && Src::in_place) {
                panel = b.column(j);
                ld = N;
            } else {
                packed.resize(K * pw);
                b.pack(j, pw, packed.data());
                panel = packed.data();
                ld = pw;
            }
            if (few) {
                for (std::size_t i = 0; i < M; ++i) gemm_tile<T, 1, 8>(A + i * K, K, panel, ld, C + i * N + j, N, K);
                return;
            }
            for (std::size_t rb = 0; rb < row_blocks; ++rb) {
                const std::size_t i0 = rb * 48, rows = M - i0 < 48 ? M - i0 : 48;
                gemm_panel<T, 2>(A + i0 * K, K, panel, ld, C + i0 * N + j, N, rows, K);
            }
        });
        std::size_t j = panels * pw;
        std::vector<T> packed(K * w);
        for (; j + w <= N; j += w) {
            b.pack(j, w, packed.data());
            gemm_panel<T, 1>(A, K, packed.data(), w, C + j, N, M, K);
        }
        gemm_reference(A, K, b, C, N, M, j, N);
        return;
    }
#endif
    parallel_for(M, thread_count, [&](std::size_t i) { gemm_reference(A + i * K, K, b, C + i * N, N, 1, 0, N); });
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
    detail::gemm(A, detail::b_rows<T>{B, K, N}, C, M, tc);
}

// C = A Bt^T with Bt N x K (row-major): PyTorch's Linear weight layout. The
// same chains as matmul(A, B) with B = Bt^T, so the two agree bitwise.
template <class T>
void matmul_bt(const T* A, const T* Bt, T* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "repro::matmul_bt: float or double");
    const unsigned tc = detail::check_threads(t, "matmul_bt");
    detail::check_gemm_args(A, Bt, C, M, K, N, "matmul_bt");
    if (M == 0 || N == 0) return;
    detail::gemm(A, detail::b_transposed<T>{Bt, K, N}, C, M, tc);
}

enum class activation { none, relu, sigmoid, tanh, silu, gelu, gelu_tanh };

namespace detail {

// relu(x) = x for x > 0 or NaN, else +0.
template <class T>
T relu(T x) {
    return x > T(0) || x != x ? x : T(0);
}

template <class T>
void activate(T* y, std::size_t n, activation a) {
    switch (a) {
        case activation::none: return;
        case activation::relu:
            for (std::size_t i = 0; i < n; ++i) y[i] = relu(y[i]);
            return;
        case activation::sigmoid: return math::sigmoid(y, y, n);
        case activation::tanh: return math::tanh(y, y, n);
        case activation::silu: return math::silu(y, y, n);
        case activation::gelu: return math::gelu(y, y, n);
        case activation::gelu_tanh: return math::gelu_tanh(y, y, n);
    }
}

}  // namespace detail

// y = act(x W^T + b): x M x in, W out x in (PyTorch layout), b out (or null
// for no bias), y M x out. Each y[i][j] is the matmul chain, then one
// addition of b[j], then the activation (repro::math, portable).
template <class T>
void linear(const T* x, const T* W, const typename std::enable_if<true, T>::type* b, T* y, std::size_t M, std::size_t in, std::size_t out,
            activation act = activation::none, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "linear");
    detail::check_gemm_args(x, W, y, M, in, out, "linear");
    if (b != nullptr && detail::overlaps(y, M * out * sizeof(T), b, out * sizeof(T)))
        throw std::invalid_argument("repro::linear: y overlaps the bias");
    if (M == 0 || out == 0) return;
    detail::gemm(x, detail::b_transposed<T>{W, in, out}, y, M, tc);
    detail::parallel_for(M, tc, [&](std::size_t i) {
        T* row = y + i * out;
        if (b != nullptr)
            for (std::size_t j = 0; j < out; ++j) row[j] = row[j] + b[j];
        detail::activate(row, out, act);
    });
}

}  // namespace repro
