#pragma once
// repro/detail/gemm/gemm.hpp - the matrix-product machinery behind
// repro/linalg.hpp: B as stored (b_rows) or transposed (b_transposed), the
// reference definition (gemm_reference), the tile shapes per ISA, and gemm(),
// which picks the path and the instruction set. Every path computes the
// chains documented in linalg.hpp. The folder: this file, and
// kernels-inl.hpp (the tiled kernels over the register traits, per ISA).

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../../fp.hpp"
#include "../../threads.hpp"
#include "../aligned.hpp"
#include "../errors.hpp"
#include "../meta.hpp"
#include "../parallel/pool.hpp"
#include "../simd/simd.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN

namespace detail {

// B (K x N) as stored: rows of B, or B transposed (N x K, rows of B^T).
// T is the arithmetic type; U the stored one (U = half or bfloat16 is
// widened to T = float on the way, so such a B is always packed).
template <class T, class U = T>
struct b_rows {
    const U* B;
    std::size_t K, N;
    static constexpr bool in_place = std::is_same<T, U>::value;
    T at(std::size_t k, std::size_t j) const { return widen_to<T>((B[k * N + j])); }
    const U* column(std::size_t j) const { return B + j; }
    // `count` panels of W columns side by side from column j: rows [k0, k0 +
    // kk) of each as a kk x W block, one block after the other. B is read row
    // by row (W is a constant so that the copies inline).
    template <std::size_t W>
    void pack(std::size_t k0, std::size_t kk, std::size_t j, std::size_t count, T* out) const {
        for (std::size_t k = 0; k < kk; ++k)
            for (std::size_t p = 0; p < count; ++p) {
                const U* from = B + (k0 + k) * N + j + p * W;
                T* to = out + (p * kk + k) * W;
                if constexpr (in_place)
                    std::memcpy(to, from, W * sizeof(T));
                else
                    for (std::size_t q = 0; q < W; ++q) to[q] = widen_to<T>(from[q]);
            }
    }
};

template <class T, class U = T>
struct b_transposed {
    const U* Bt;
    std::size_t K, N;
    static constexpr bool in_place = false;
    T at(std::size_t k, std::size_t j) const { return widen_to<T>((Bt[j * K + k])); }
    const U* column(std::size_t) const { return nullptr; }
    template <std::size_t W>
    void pack(std::size_t k0, std::size_t kk, std::size_t j, std::size_t count, T* out) const {
        for (std::size_t jj = 0; jj < count * W; ++jj) {
            const U* row = Bt + (j + jj) * K + k0;
            T* panel = out + (jj / W) * kk * W + jj % W;
            for (std::size_t k = 0; k < kk; ++k) panel[k * W] = widen_to<T>((row[k]));
        }
    }
};

// The definition itself, one element at a time: rows [0, rows) of A (lda
// apart), columns [j0, j1) (also the generic path).
template <class T, class Src>
void gemm_reference(const T* A, std::size_t lda, const Src& b, T* C, std::size_t ldc, std::size_t rows, std::size_t j0,
                    std::size_t j1) {
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = j0; j < j1; ++j) {
            T c = T(0);
            for (std::size_t k = 0; k < b.K; ++k) c = repro::fma(A[i * lda + k], b.at(k, j), c);
            C[i * ldc + j] = c;
        }
}

// Blocking constants, chosen by measurement (docs/benchmarks.md); they
// decide speed only, never bits: k blocks of gemm_kc (B in place: a block's
// rows of B are pages apart, so short blocks once B outgrows the caches;
// gemm_kc_few below 4 rows, where B is not re-used and short blocks keep its
// reads to a few sequential streams) or gemm_kc_packed values; packed row
// blocks of gemm_mc.
constexpr std::size_t gemm_kc = 32, gemm_kc_few = 8, gemm_kc_packed = 512, gemm_mc = 96, gemm_nc_bytes = 1024;

// The packed panels' memory: kept by the calling thread from call to call,
// so that a product does not map fresh pages (and, with threads, unmap them
// again while the other cores run) every time. It grows to the largest
// product's need and is freed when the thread ends.
template <class T>
T* gemm_scratch(std::size_t n) {
    thread_local aligned_vector<T> buffer;
    if (buffer.size() < n) {
        buffer.clear();
        buffer.shrink_to_fit();
        buffer.resize(n);
    }
    return buffer.data();
}

// Tile shapes, rows x registers of columns, per instruction set: the
// in-place path's (B read as stored) and the packed path's, each with 12
// accumulators of 16 registers (AVX2) or 16 / 24 of 32 (AVX-512); and the
// registers of columns side by side on the transposed-B path for 1 row and
// for 2-3 rows (AVX-512: one, so 16 rows of B^T stream at a time); and the accumulators of a leftover-columns panel
// (gemm_tail_panel: 12 rows of one register, fewer rows of more). They
// decide speed only.
template <class Tag>
struct gemm_tiles;

template <>
struct gemm_tiles<simd::avx2_tag> {
    static constexpr int in_place_rows = 4, in_place_regs = 3, packed_rows = 6, packed_regs = 2;
    static constexpr int bt_groups_one_row = 4, bt_groups = 2;
    static constexpr int tail_accumulators = 12;
};

template <>
struct gemm_tiles<simd::avx512_tag> {
    static constexpr int in_place_rows = 4, in_place_regs = 4, packed_rows = 6, packed_regs = 4;
    static constexpr int bt_groups_one_row = 1, bt_groups = 1;
    static constexpr int tail_accumulators = 24;
};

// The SIMD kernels (kernels-inl.hpp), one specialisation per ISA tag.
template <class Tag>
struct gemm_kernels;

#define REPRO_SIMD_KERNELS "../gemm/kernels-inl.hpp"
#include "../simd/for_each_isa.hpp"

// Below this many fmas (M N K) a product runs on one thread whatever
// threads{} asks: starting a thread costs more than it saves, and the thread
// count never changes a bit. A build may set its own with
// -DREPRO_GEMM_MIN_THREADED_FMAS=n.
#ifdef REPRO_GEMM_MIN_THREADED_FMAS
inline constexpr std::size_t gemm_min_threaded_fmas = REPRO_GEMM_MIN_THREADED_FMAS;
#else
inline constexpr std::size_t gemm_min_threaded_fmas = std::size_t(1) << 21;
#endif

// Every path computes the chains defined at the top; which path runs, how it
// blocks k and how threads split the columns cannot change a bit.
template <class T, class Src>
void gemm(const T* A, const Src& b, T* C, std::size_t M, unsigned thread_count) {
    const std::size_t K = b.K, N = b.N;
    if (K == 0) {  // empty chains: +0 (and no pointer arithmetic on a null B)
        for (std::size_t i = 0; i < M * N; ++i) C[i] = T(0);
        return;
    }
    // a product this small is done before a second thread would have started
    if (M * N * K < gemm_min_threaded_fmas) thread_count = 1;
    simd::dispatch([&](auto tag) {
        using Kernels = gemm_kernels<decltype(tag)>;
        if constexpr (std::is_same<decltype(tag), simd::scalar_tag>::value) {
            parallel_for(M, thread_count,
                         [&](std::size_t i) { gemm_reference(A + i * K, K, b, C + i * N, N, 1, 0, N); });
        } else {
            if constexpr (Src::in_place)
                if (M < 32) return Kernels::gemm_in_place(A, b, C, M, thread_count);
            if constexpr (std::is_same<Src, b_transposed<T, T>>::value)
                if (M <= 3) return Kernels::gemm_bt_direct(A, b, C, M, thread_count);
            Kernels::gemm_packed(A, b, C, M, thread_count);
        }
    });
}

// A product's arguments as its caller's signature names them, and B's layout.
struct gemm_arguments {
    const char* a;
    const char* b;
    const char* c;
    bool b_transposed;  // B is N x K (matmul_bt, linear's W), not K x N
};
constexpr gemm_arguments matmul_arguments{"A", "B", "C", false};
constexpr gemm_arguments matmul_bt_arguments{"A", "Bt", "C", true};
constexpr gemm_arguments linear_arguments{"x", "W", "y", true};

template <class TA, class TB, class T>
void check_gemm_args(const TA* A, const TB* B, const T* C, std::size_t M, std::size_t K, std::size_t N,
                     const char* function, const gemm_arguments& names) {
    check_matrix(A, M, K, function, names.a);
    if (names.b_transposed)
        check_matrix(B, N, K, function, names.b);
    else
        check_matrix(B, K, N, function, names.b);
    check_matrix(C, M, N, function, names.c);
    const std::size_t c_bytes = M * N * sizeof(T);
    if (overlaps(C, c_bytes, A, M * K * sizeof(TA)) || overlaps(C, c_bytes, B, K * N * sizeof(TB)))
        throw_invalid(function, std::string(names.c) + " overlaps an input (in-place products are not supported)");
}

// Inputs of the narrow overloads: half or bfloat16 (with float), not both float.
template <class TA, class TB>
inline constexpr bool narrow_inputs_v =
    is_widenable_v<TA>&& is_widenable_v<TB> && !(std::is_same<TA, float>::value && std::is_same<TB, float>::value);

template <class TA, class TB>
using if_narrow = std::enable_if_t<narrow_inputs_v<TA, TB>, int>;

// A's rows as T: in place, or widened once into `copy`.
template <class T, class TA>
const T* rows_as(const TA* A, std::size_t n, std::vector<T>& copy) {
    if constexpr (std::is_same<T, TA>::value) {
        return A;
    } else {
        copy.resize(n);
        for (std::size_t i = 0; i < n; ++i) copy[i] = widen_to<T>(A[i]);
        return copy.data();
    }
}

// C = A op(B) for every overload of matmul / matmul_bt.
template <template <class, class> class Source, class TA, class TB, class T>
void product(const TA* A, const TB* B, T* C, std::size_t M, std::size_t K, std::size_t N, threads t,
             const char* function, const gemm_arguments& names) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "repro: float or double products");
    const unsigned tc = check_threads(t, function);
    check_gemm_args(A, B, C, M, K, N, function, names);
    if (M == 0 || N == 0) return;
    std::vector<T> a_copy;
    gemm(rows_as<T>(A, M * K, a_copy), Source<T, TB>{B, K, N}, C, M, tc);
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
