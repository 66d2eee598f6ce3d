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
#include "detail/errors.hpp"
#include "detail/gemm/gemm.hpp"
#include "detail/meta.hpp"
#include "detail/parallel/pool.hpp"
#include "fp.hpp"
#include "math.hpp"
#include "threads.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// C = A B (A M x K, B K x N, C M x N, row-major). K = 0 gives C = +0.
// Throws std::invalid_argument for null pointers (with non-zero sizes), C
// overlapping A or B, and threads{0}.
template <class T>
void matmul(const T* A, const T* B, T* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    detail::product<detail::b_rows>(A, B, C, M, K, N, t, "matmul", detail::matmul_arguments);
}

// Narrow inputs: A and/or B in half or bfloat16 (Eigen::half and
// Eigen::bfloat16 with repro/eigen.hpp, or any type whose float_traits has
// those layouts), widened exactly to float (repro::widen); C is float and
// gets the same chains, so the result is bitwise matmul of the widened
// matrices. The same holds for matmul_bt and linear below.
template <class TA, class TB, detail::if_narrow<TA, TB> = 0>
void matmul(const TA* A, const TB* B, float* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    detail::product<detail::b_rows>(A, B, C, M, K, N, t, "matmul", detail::matmul_arguments);
}

// C = A Bt^T with Bt N x K (row-major): PyTorch's Linear weight layout. The
// same chains as matmul(A, B) with B = Bt^T, so the two agree bitwise.
template <class T>
void matmul_bt(const T* A, const T* Bt, T* C, std::size_t M, std::size_t K, std::size_t N, threads t = threads{}) {
    detail::product<detail::b_transposed>(A, Bt, C, M, K, N, t, "matmul_bt", detail::matmul_bt_arguments);
}

template <class TA, class TB, detail::if_narrow<TA, TB> = 0>
void matmul_bt(const TA* A, const TB* Bt, float* C, std::size_t M, std::size_t K, std::size_t N,
               threads t = threads{}) {
    detail::product<detail::b_transposed>(A, Bt, C, M, K, N, t, "matmul_bt", detail::matmul_bt_arguments);
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
        case activation::none:
            return;
        case activation::relu:
            for (std::size_t i = 0; i < n; ++i) y[i] = relu(y[i]);
            return;
        case activation::sigmoid:
            return math::sigmoid(y, y, n);
        case activation::tanh:
            return math::tanh(y, y, n);
        case activation::silu:
            return math::silu(y, y, n);
        case activation::gelu:
            return math::gelu(y, y, n);
        case activation::gelu_tanh:
            return math::gelu_tanh(y, y, n);
    }
}

// W as Source stores it: out x in (b_transposed) or in x out (b_rows).
template <template <class, class> class Source = b_transposed, class TX, class TW, class T>
void linear(const TX* x, const TW* W, const T* b, T* y, std::size_t M, std::size_t in, std::size_t out, activation act,
            threads t) {
    if (b != nullptr && overlaps(y, M * out * sizeof(T), b, out * sizeof(T)))
        throw_invalid("linear", "y overlaps the bias");
    product<Source>(x, W, y, M, in, out, t, "linear", linear_arguments);
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
void linear(const T* x, const T* W, const detail::non_deduced<T>* b, T* y, std::size_t M, std::size_t in,
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
        if (W == nullptr) return;         // empty
        constexpr std::size_t tile = 32;  // transposed tile by tile, both sides in cache
        for (std::size_t o0 = 0; o0 < out; o0 += tile)
            for (std::size_t i0 = 0; i0 < in; i0 += tile)
                for (std::size_t o = o0; o < out && o < o0 + tile; ++o)
                    for (std::size_t i = i0; i < in && i < i0 + tile; ++i)
                        wt_[i * out + o] = detail::widen_to<T>(W[o * in + i]);
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
void linear(const TX* x, const linear_weights<T>& W, const detail::non_deduced<T>* b, T* y, std::size_t M,
            activation act = activation::none, threads t = threads{}) {
    static_assert(std::is_same<TX, T>::value || detail::narrow_inputs_v<TX, T>,
                  "repro::linear: x is T, or half / bfloat16 with float weights");
    detail::linear<detail::b_rows>(x, W.transposed(), b, y, M, W.in(), W.out(), act, t);
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
