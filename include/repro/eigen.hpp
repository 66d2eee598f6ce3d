#pragma once
// repro/eigen.hpp - Eigen adapters (optional; needs Eigen 3.4).
// Float traits for Eigen::half and Eigen::bfloat16, so every repro function
// that takes a float type takes them, and compare() for Eigen dense objects.
// Matrices compare as rows x cols with rows as samples, whatever their
// storage order; compile-time vectors compare as flat arrays.

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
    // Evaluate expressions and fix the layout to row-major (one sample per row).
    using row_major = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const row_major a = actual.derived();
    const row_major e = expected.derived();
    const auto rows = static_cast<std::size_t>(a.rows()), cols = static_cast<std::size_t>(a.cols());
    if (DA::IsVectorAtCompileTime) return compare(a.data(), e.data(), rows * cols, tol);
    return compare(a.data(), e.data(), rows, cols, tol);
}

}  // namespace repro
