#pragma once
// repro/eigen.hpp - Eigen adapters (optional; needs Eigen 3.4).
// Float traits for Eigen::half and Eigen::bfloat16, so every repro function
// that takes a float type takes them, and compare() for Eigen dense objects.
// Matrices compare as rows x cols with rows as samples, whatever their
// storage order (row-major data and vectors are read in place, column-major
// data is copied once); two compile-time vectors compare as flat arrays.

#include <Eigen/Core>

#include "compare.hpp"
#include "fp.hpp"

namespace repro {

template <>
struct float_traits<Eigen::half> : detail::binary_format<std::uint16_t, 5, 10> {
    static constexpr const char* name = "half";
    static constexpr int max_digits10 = 5;
    static constexpr double default_rtol = 1e-3;
    static constexpr double default_atol = 1e-5;
    static double to_double(Eigen::half x) { return static_cast<float>(x); }
};

template <>
struct float_traits<Eigen::bfloat16> : detail::binary_format<std::uint16_t, 8, 7> {
    static constexpr const char* name = "bfloat16";
    static constexpr int max_digits10 = 4;
    static constexpr double default_rtol = 1.6e-2;
    static constexpr double default_atol = 1e-5;
    static double to_double(Eigen::bfloat16 x) { return static_cast<float>(x); }
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
                                    std::to_string(actual.cols()) + ", expected is " +
                                    std::to_string(expected.rows()) + " x " + std::to_string(expected.cols()));
    }
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> tmp_a, tmp_e;
    const bool flat = DA::IsVectorAtCompileTime && DE::IsVectorAtCompileTime;
    return detail::compare_views(detail::eigen_view(actual, tmp_a, flat), detail::eigen_view(expected, tmp_e, flat),
                                 tol);
}

}  // namespace repro
