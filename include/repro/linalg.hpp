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

#include "detail/aligned.hpp"
#include "detail/gemm_regs.hpp"
#include "detail/parallel.hpp"
#include "fp.hpp"
#include "isa.hpp"
#include "math.hpp"

namespace repro {

namespace detail {

template <class U>
auto widen_or_same(U x) {
    if constexpr (std::is_same<U, double>::value)
        return x;
    else
        return repro::widen(x);
}

// B (K x N) as stored: rows of B, or B transposed (N x K, rows of B^T).
// T is the arithmetic type; U the stored one (U = half or bfloat16 is
// widened to T = float on the way, so such a B is always packed).
template <class T, class U = T>
struct b_rows {
    const U* B;
    std::size_t K, N;
    static constexpr bool in_place = std::is_same<T, U>::value;
    T at(std::size_t k, std::size_t j) const { return T(widen_or_same(B[k * N + j])); }
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
                    for (std::size_t q = 0; q < W; ++q) to[q] = repro::widen(from[q]);
            }
    }
};

template <class T, class U = T>
struct b_transposed {
    const U* Bt;
    std::size_t K, N;
    static constexpr bool in_place = false;
    T at(std::size_t k, std::size_t j) const { return T(widen_or_same(Bt[j * K + k])); }
    const U* column(std::size_t) const { return nullptr; }
    template <std::size_t W>
    void pack(std::size_t k0, std::size_t kk, std::size_t j, std::size_t count, T* out) const {
        for (std::size_t jj = 0; jj < count * W; ++jj) {
            const U* row = Bt + (j + jj) * K + k0;
            T* panel = out + (jj / W) * kk * W + jj % W;
            for (std::size_t k = 0; k < kk; ++k) panel[k * W] = T(widen_or_same(row[k]));
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
// Blocking constants (they decide speed only, never bits): k blocks of
// gemm_kc (B in place: a block's rows of B are pages apart, and 32 rows ran
// faster than 128 once B outgrew the caches; gemm_kc_few below 4 rows, where B is not
// re-used and short blocks keep its reads to a few sequential streams) or
// gemm_kc_packed values (also for AVX-512's 4-register panels: 128 ran no
// faster); packed row blocks of gemm_mc.
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

}  // namespace detail
}  // namespace repro

#define REPRO_GEMM_ISA avx2_kernels
#define REPRO_GEMM_TARGET REPRO_TARGET_AVX2
#define REPRO_GEMM_REGS gemm_avx2
#include "detail/gemm_kernels.hpp"
#undef REPRO_GEMM_ISA
#undef REPRO_GEMM_TARGET
#undef REPRO_GEMM_REGS
#define REPRO_GEMM_ISA avx512_kernels
#define REPRO_GEMM_TARGET REPRO_TARGET_AVX512
#define REPRO_GEMM_REGS gemm_avx512
#include "detail/gemm_kernels.hpp"
#undef REPRO_GEMM_ISA
#undef REPRO_GEMM_TARGET
#undef REPRO_GEMM_REGS

namespace repro {
namespace detail {

#endif

// Below this many fmas (M N K; about 50 us of work on one core) a product
// runs on one thread whatever threads{} asks: starting a thread costs more
// than it saves, and the thread count never changes a bit.
#ifndef REPRO_GEMM_MIN_THREADED_FMAS
#define REPRO_GEMM_MIN_THREADED_FMAS (std::size_t(1) << 21)
#endif
inline constexpr std::size_t gemm_min_threaded_fmas = REPRO_GEMM_MIN_THREADED_FMAS;

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
#if REPRO_HAS_AVX2_PATH
    if (active_isa() >= isa::avx2) {
        if constexpr (Src::in_place) {
            if (M < 32)
                return active_isa() >= isa::avx512 ? avx512_kernels::gemm_in_place(A, b, C, M, thread_count)
                                                   : avx2_kernels::gemm_in_place(A, b, C, M, thread_count);
        }
        if constexpr (std::is_same<Src, b_transposed<T, T>>::value) {
            if (M <= 3)
                return active_isa() >= isa::avx512 ? avx512_kernels::gemm_bt_direct(A, b, C, M, thread_count)
                                                   : avx2_kernels::gemm_bt_direct(A, b, C, M, thread_count);
        }
        return active_isa() >= isa::avx512 ? avx512_kernels::gemm_packed(A, b, C, M, thread_count)
                                           : avx2_kernels::gemm_packed(A, b, C, M, thread_count);
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

template <class TA, class TB, class T>
void check_gemm_args(const TA* A, const TB* B, const T* C, std::size_t M, std::size_t K, std::size_t N,
                     const char* function) {
    check_matrix(A, M, K, function, "A");
    check_matrix(B, K, N, function, "B");
    check_matrix(C, M, N, function, "C");
    const std::size_t c_bytes = M * N * sizeof(T);
    if (overlaps(C, c_bytes, A, M * K * sizeof(TA)) || overlaps(C, c_bytes, B, K * N * sizeof(TB)))
        throw std::invalid_argument(std::string("repro::") + function + ": C overlaps an input (in-place products are not supported)");
}

// Inputs of the narrow overloads: half or bfloat16 (with float), not both float.
template <class TA, class TB>
inline constexpr bool narrow_inputs_v =
    is_widenable_v<TA> && is_widenable_v<TB> && !(std::is_same<TA, float>::value && std::is_same<TB, float>::value);

template <class TA, class TB>
using if_narrow = std::enable_if_t<narrow_inputs_v<TA, TB>, int>;

// A's rows as T: in place, or widened once into `copy`.
template <class T, class TA>
const T* rows_as(const TA* A, std::size_t n, std::vector<T>& copy) {
    if constexpr (std::is_same<T, TA>::value) {
        return A;
    } else {
        copy.resize(n);
        for (std::size_t i = 0; i < n; ++i) copy[i] = repro::widen(A[i]);
        return copy.data();
    }
}

// C = A op(B) for every overload of matmul / matmul_bt.
template <template <class, class> class Source, class TA, class TB, class T>
void product(const TA* A, const TB* B, T* C, std::size_t M, std::size_t K, std::size_t N, threads t,
             const char* function) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "repro: float or double products");
    const unsigned tc = check_threads(t, function);
    check_gemm_args(A, B, C, M, K, N, function);
    if (M == 0 || N == 0) return;
    std::vector<T> a_copy;
    gemm(rows_as<T>(A, M * K, a_copy), Source<T, TB>{B, K, N}, C, M, tc);
}

}  // namespace detail

// C = A B (A M x K, B K x N, C M x N, row-major). K = 0 gives C = +0.
// Throws std::invalid_argument for null pointers (with non-zero sizes), C
// overlapping A or B, and threads{0}.
template <class T>
void matmul(const T* A, const T* B, T* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    detail::product<detail::b_rows>(A, B, C, M, K, N, t, "matmul");
}

// Narrow inputs: A and/or B in half or bfloat16 (Eigen::half and
// Eigen::bfloat16 with repro/eigen.hpp, or any type whose float_traits has
// those layouts), widened exactly to float (repro::widen); C is float and
// gets the same chains, so the result is bitwise matmul of the widened
// matrices. The same holds for matmul_bt and linear below.
template <class TA, class TB, detail::if_narrow<TA, TB> = 0>
void matmul(const TA* A, const TB* B, float* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    detail::product<detail::b_rows>(A, B, C, M, K, N, t, "matmul");
}

// C = A Bt^T with Bt N x K (row-major): PyTorch's Linear weight layout. The
// same chains as matmul(A, B) with B = Bt^T, so the two agree bitwise.
template <class T>
void matmul_bt(const T* A, const T* Bt, T* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    detail::product<detail::b_transposed>(A, Bt, C, M, K, N, t, "matmul_bt");
}

template <class TA, class TB, detail::if_narrow<TA, TB> = 0>
void matmul_bt(const TA* A, const TB* Bt, float* C, std::size_t M, std::size_t K, std::size_t N,
               threads t = threads{}) {
    detail::product<detail::b_transposed>(A, Bt, C, M, K, N, t, "matmul_bt");
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

namespace detail {

// W as Source stores it: out x in (b_transposed) or in x out (b_rows).
template <template <class, class> class Source = b_transposed, class TX, class TW, class T>
void linear(const TX* x, const TW* W, const T* b, T* y, std::size_t M, std::size_t in, std::size_t out,
            activation act, threads t) {
    if (b != nullptr && overlaps(y, M * out * sizeof(T), b, out * sizeof(T)))
        throw std::invalid_argument("repro::linear: y overlaps the bias");
    product<Source>(x, W, y, M, in, out, t, "linear");
    if (b == nullptr && act == activation::none) return;
    parallel_for(M, t.count, [&](std::size_t i) {
        T* row = y + i * out;
        if (b != nullptr)
            for (std::size_t j = 0; j < out; ++j) row[j] = row[j] + b[j];
        activate(row, out, act);
    });
}

}  // namespace detail

// y = act(x W^T + b): x M x in, W out x in (PyTorch layout), b out (or null
// for no bias), y M x out. Each y[i][j] is the matmul chain, then one
// addition of b[j], then the activation (repro::math, portable).
template <class T>
void linear(const T* x, const T* W, const typename std::enable_if<true, T>::type* b, T* y, std::size_t M, std::size_t in,
            std::size_t out, activation act = activation::none, threads t = threads{}) {
    detail::linear(x, W, b, y, M, in, out, act, t);
}

// Narrow x and/or W (see matmul): float bias and output.
template <class TX, class TW, detail::if_narrow<TX, TW> = 0>
void linear(const TX* x, const TW* W, const float* b, float* y, std::size_t M, std::size_t in, std::size_t out,
            activation act = activation::none, threads t = threads{}) {
    detail::linear(x, W, b, y, M, in, out, act, t);
}

// A linear layer's weights W (out x in, PyTorch layout; float, double, or
// half / bfloat16 widened to float) stored once as W^T (in x out), the layout
// the kernels read in place. linear(x, W, ...) has to transpose W into panels
// on every call, which at batch 1 costs more than the product itself; with
// linear_weights that work is done once, for weights that serve many calls.
// The results are bitwise those of linear(x, W, ...).
template <class T>
class linear_weights {
public:
    template <class U>
    linear_weights(const U* W, std::size_t out, std::size_t in) : in_(in), out_(out), wt_(in * out) {
        static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                      "repro::linear_weights: float or double");
        static_assert(std::is_same<U, T>::value || detail::narrow_inputs_v<U, T>,
                      "repro::linear_weights: W is T, or half / bfloat16 for T = float");
        detail::check_matrix(W, out, in, "linear_weights", "W");
        if (W == nullptr) return;  // empty
        constexpr std::size_t tile = 32;  // transposed tile by tile, both sides in cache
        for (std::size_t o0 = 0; o0 < out; o0 += tile)
            for (std::size_t i0 = 0; i0 < in; i0 += tile)
                for (std::size_t o = o0; o < out && o < o0 + tile; ++o)
                    for (std::size_t i = i0; i < in && i < i0 + tile; ++i)
                        wt_[i * out + o] = T(detail::widen_or_same(W[o * in + i]));
    }
    std::size_t in() const { return in_; }
    std::size_t out() const { return out_; }
    const T* transposed() const { return wt_.data(); }  // in x out, row-major

private:
    std::size_t in_, out_;
    detail::aligned_vector<T> wt_;
};

// y = act(x W^T + b) as linear above, x M x W.in(), y M x W.out().
template <class TX, class T>
void linear(const TX* x, const linear_weights<T>& W, const typename std::enable_if<true, T>::type* b, T* y,
            std::size_t M, activation act = activation::none, threads t = threads{}) {
    static_assert(std::is_same<TX, T>::value || detail::narrow_inputs_v<TX, T>,
                  "repro::linear: x is T, or half / bfloat16 with float weights");
    detail::linear<detail::b_rows>(x, W.transposed(), b, y, M, W.in(), W.out(), act, t);
}

}  // namespace repro
