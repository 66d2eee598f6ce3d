#pragma once
// repro/eigen.hpp - Eigen adapters (optional; needs Eigen 3.4).
// Float traits for Eigen::half and Eigen::bfloat16, so every repro function
// that takes a float type takes them, and compare() for Eigen dense objects.
// Matrices compare as rows x cols with rows as samples, whatever their
// storage order (row-major data and vectors are read in place, column-major
// data is copied once); two compile-time vectors compare as flat arrays.
// matmul / matmul_bt / linear for Eigen matrices and Ref/Map views of either
// storage order: the same kernels and bits as the pointer forms (row-major
// operands are read in place, others copied once).

#include <Eigen/Core>

#include "compare.hpp"
#include "detail/errors.hpp"
#include "fp.hpp"
#include "linalg.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

template <>
struct float_traits<Eigen::half> : detail::half_format {
    static constexpr const char* name = "half";
    static double to_double(Eigen::half x) { return static_cast<double>(static_cast<float>(x)); }
};

template <>
struct float_traits<Eigen::bfloat16> : detail::bfloat16_format {
    static constexpr const char* name = "bfloat16";
    static double to_double(Eigen::bfloat16 x) { return static_cast<double>(static_cast<float>(x)); }
};

namespace detail {

// A flat or rows x cols view of an Eigen object: its own memory when that
// holds rows of contiguous values (row-major, or a vector), else a row-major
// copy in tmp.
template <class Derived, class Tmp>
array_view<typename Derived::Scalar> eigen_view(const Eigen::DenseBase<Derived>& x, Tmp& tmp, bool flat) {
    const auto rows = static_cast<std::size_t>(x.rows()), cols = static_cast<std::size_t>(x.cols());
    const typename Derived::Scalar* data = nullptr;
    std::size_t stride = cols;
    if constexpr ((Derived::Flags & Eigen::DirectAccessBit) != 0) {
        const auto& d = x.derived();
        if (d.innerStride() == 1 && Derived::IsVectorAtCompileTime) data = d.data();
        if (d.innerStride() == 1 && !Derived::IsVectorAtCompileTime && Derived::IsRowMajor) {
            data = d.data();
            stride = static_cast<std::size_t>(d.outerStride());
        }
    }
    if (data == nullptr) {
        tmp = x.derived();
        data = tmp.data();
    }
    return flat ? view(data, rows * cols) : view(data, rows, cols, stride);
}

}  // namespace detail

template <class DA, class DE>
compare_report compare(const Eigen::DenseBase<DA>& actual, const Eigen::DenseBase<DE>& expected,
                       tolerance tol = tolerance::bitwise()) {
    using T = typename DA::Scalar;
    static_assert(std::is_same<T, typename DE::Scalar>::value,
                  "repro::compare: actual and expected must have the same scalar type");
    if (actual.rows() != expected.rows() || actual.cols() != expected.cols()) {
        throw std::invalid_argument("repro::compare: actual is " + std::to_string(actual.rows()) + " x " +
                                    std::to_string(actual.cols()) + ", expected is " + std::to_string(expected.rows()) +
                                    " x " + std::to_string(expected.cols()));
    }
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> tmp_a, tmp_e;
    const bool flat = DA::IsVectorAtCompileTime && DE::IsVectorAtCompileTime;
    return detail::compare_views(detail::eigen_view(actual, tmp_a, flat), detail::eigen_view(expected, tmp_e, flat),
                                 tol);
}

namespace detail {

template <class T>
using eigen_row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A pointer to x as a dense row-major array: x itself when its storage is
// that already, else a copy in tmp.
template <class Derived>
const typename Derived::Scalar* row_major_data(const Eigen::MatrixBase<Derived>& x,
                                               eigen_row_major<typename Derived::Scalar>& tmp) {
    constexpr bool row_major = (int(Derived::Flags) & Eigen::RowMajorBit) != 0 || Derived::ColsAtCompileTime == 1 ||
                               Derived::RowsAtCompileTime == 1;
    if constexpr (row_major && bool(int(Derived::Flags) & Eigen::DirectAccessBit)) {
        if (x.innerStride() == 1 && (x.rows() <= 1 || x.cols() <= 1 || x.outerStride() == x.cols()))
            return x.derived().data();
    }
    tmp = x;
    return tmp.data();
}

template <class Derived, class Src>
void assign_result(const Eigen::MatrixBase<Derived>& out, const Src& value) {
    const_cast<Eigen::MatrixBase<Derived>&>(out) = value;  // Eigen's idiom for output arguments
}

}  // namespace detail

// C = A B for Eigen operands (any storage order, Ref, Map, blocks); C is
// resized if it is a resizable matrix. Same bits as repro::matmul.
template <class DA, class DB, class DC>
void matmul(const Eigen::MatrixBase<DA>& A, const Eigen::MatrixBase<DB>& B, const Eigen::MatrixBase<DC>& C,
            threads t = threads{}) {
    using T = typename DA::Scalar;
    if (A.cols() != B.rows())
        detail::throw_invalid("matmul", "A is " + std::to_string(A.rows()) + "x" + std::to_string(A.cols()) +
                                            ", B is " + std::to_string(B.rows()) + "x" + std::to_string(B.cols()));
    detail::eigen_row_major<T> ta, tb, tc(A.rows(), B.cols());
    matmul(detail::row_major_data(A, ta), detail::row_major_data(B, tb), tc.data(), std::size_t(A.rows()),
           std::size_t(A.cols()), std::size_t(B.cols()), t);
    detail::assign_result(C, tc);
}

// C = A Bt^T for Eigen operands, Bt N x K (PyTorch's Linear weight layout).
// Same bits as repro::matmul_bt, and as matmul(A, Bt.transpose()).
template <class DA, class DB, class DC>
void matmul_bt(const Eigen::MatrixBase<DA>& A, const Eigen::MatrixBase<DB>& Bt, const Eigen::MatrixBase<DC>& C,
               threads t = threads{}) {
    using T = typename DA::Scalar;
    if (A.cols() != Bt.cols())
        detail::throw_invalid("matmul_bt", "A is " + std::to_string(A.rows()) + "x" + std::to_string(A.cols()) +
                                               ", Bt is " + std::to_string(Bt.rows()) + "x" +
                                               std::to_string(Bt.cols()));
    detail::eigen_row_major<T> ta, tb, tc(A.rows(), Bt.rows());
    matmul_bt(detail::row_major_data(A, ta), detail::row_major_data(Bt, tb), tc.data(), std::size_t(A.rows()),
              std::size_t(A.cols()), std::size_t(Bt.rows()), t);
    detail::assign_result(C, tc);
}

// y = act(x W^T + b) for Eigen operands: W out x in (PyTorch layout), b a
// vector of out (or an empty vector for no bias).
template <class DX, class DW, class DB, class DY>
void linear(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DW>& W, const Eigen::MatrixBase<DB>& b,
            const Eigen::MatrixBase<DY>& y, activation act = activation::none, threads t = threads{}) {
    using T = typename DX::Scalar;
    if (x.cols() != W.cols() || (b.size() != 0 && b.size() != W.rows()))
        detail::throw_invalid("linear", "x is " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                                            ", W is " + std::to_string(W.rows()) + "x" + std::to_string(W.cols()) +
                                            ", b has " + std::to_string(b.size()));
    detail::eigen_row_major<T> tx, tw, tb, ty(x.rows(), W.rows());
    const T* bias = b.size() ? detail::row_major_data(b, tb) : nullptr;
    linear(detail::row_major_data(x, tx), detail::row_major_data(W, tw), bias, ty.data(), std::size_t(x.rows()),
           std::size_t(x.cols()), std::size_t(W.rows()), act, t);
    detail::assign_result(y, ty);
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
