// The array forms of repro::math give the scalar functions' bits: on the
// AVX-512 and AVX2 paths (eight and four values per kernel call, special
// lanes through the scalar function) and on the generic path, at every length and alignment, in place
// or not.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <repro/math.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_data.hpp"

namespace {

using repro_test::splitmix64;

// Edge values, random bit patterns, and values spread over the ranges where
// the kernels run (so most groups of eight take the SIMD path: positive
// values for the logarithms, and [-6, 6], inside every function's kernel
// range).
template <class T>
std::vector<T> inputs() {
    splitmix64 g(0xa77a75u);
    std::vector<T> x = repro_test::edge_values<T>();
    const int bias = sizeof(T) == 4 ? 127 : 1023;
    for (int i = 0; i < 20000; ++i) x.push_back(repro_test::random_bits<T>(g));
    for (int i = 0; i < 40000; ++i) {
        const double u = static_cast<double>(g.next() >> 11) * 0x1p-53;
        x.push_back(static_cast<T>(-30.0 + 60.0 * u));
    }
    for (int i = 0; i < 20000; ++i) {  // positive, over 120 binades: the logarithms' kernels
        const double u = static_cast<double>(g.next() >> 11) * 0x1p-53;
        x.push_back(static_cast<T>(std::exp2(-60.0 + 120.0 * u)));
    }
    for (int i = 0; i < 20000; ++i) {
        const double u = static_cast<double>(g.next() >> 11) * 0x1p-53;
        x.push_back(static_cast<T>(-6.0 + 12.0 * u));
    }
    for (int i = 0; i < 20000; ++i) x.push_back(repro_test::random_finite<T>(g, bias - 40, bias + 20));
    return x;
}

template <class T, class Array, class Scalar>
void check_matches_scalar(const char* name, Array array, Scalar scalar) {
    static const std::vector<T> x = inputs<T>();
    std::vector<T> expected(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) expected[i] = scalar(x[i]);
    // (On a CPU without AVX-512 its turn runs the AVX2 path again.)
    for (repro::isa path : {repro::isa::avx512, repro::isa::avx2, repro::isa::generic}) {
        repro::limit_isa(path);
        INFO(name << " on ISA level " << static_cast<int>(repro::active_isa()));
        std::vector<T> y(x.size());
        array(x.data(), y.data(), x.size());
        std::size_t bad = 0;
        for (std::size_t i = 0; i < x.size(); ++i) bad += !repro::bitwise_equal(y[i], expected[i]);
        CHECK(bad == 0);
        // all of it in place (the forms that sort values by branch do so a chunk at a time)
        std::vector<T> w = x;
        array(w.data(), w.data(), w.size());
        bad = 0;
        for (std::size_t i = 0; i < x.size(); ++i) bad += !repro::bitwise_equal(w[i], expected[i]);
        CHECK(bad == 0);
        // lengths 0..19 at offsets 0..3 (tails and unaligned groups) among
        // the values in [-6, 6], in place
        const std::size_t at = x.size() - 64;
        for (std::size_t off = 0; off < 4; ++off)
            for (std::size_t n = 0; n < 20; ++n) {
                std::vector<T> z(x.begin() + static_cast<std::ptrdiff_t>(at + off),
                                 x.begin() + static_cast<std::ptrdiff_t>(at + off + n));
                array(z.data(), z.data(), n);
                for (std::size_t i = 0; i < n; ++i) CHECK(repro::bitwise_equal(z[i], expected[at + off + i]));
            }
    }
    repro::limit_isa(repro::isa::avx512);
}

#define REPRO_CHECK_ARRAY_FORM(fn)                                              \
    check_matches_scalar<T>(                                                    \
        #fn, [](const T* a, T* b, std::size_t n) { repro::math::fn(a, b, n); }, \
        [](T v) { return repro::math::fn(v); })

}  // namespace

TEST_CASE_TEMPLATE("math array forms: results are the scalar function's bits on every ISA path", T, float, double) {
    REPRO_CHECK_ARRAY_FORM(exp);
    REPRO_CHECK_ARRAY_FORM(expm1);
    REPRO_CHECK_ARRAY_FORM(log);
    REPRO_CHECK_ARRAY_FORM(log1p);
    REPRO_CHECK_ARRAY_FORM(log2);
    REPRO_CHECK_ARRAY_FORM(tanh);
    REPRO_CHECK_ARRAY_FORM(sigmoid);
    REPRO_CHECK_ARRAY_FORM(silu);
    REPRO_CHECK_ARRAY_FORM(erf);
    REPRO_CHECK_ARRAY_FORM(gelu);
    REPRO_CHECK_ARRAY_FORM(gelu_tanh);
    REPRO_CHECK_ARRAY_FORM(sin2pi);
    REPRO_CHECK_ARRAY_FORM(cos2pi);
    REPRO_CHECK_ARRAY_FORM(rsqrt);
}

TEST_CASE("math array forms: null pointers are rejected with the function's name") {
    float v = 1.0f;
    CHECK_THROWS_WITH_AS(repro::math::exp(static_cast<const float*>(nullptr), &v, 1),
                         "repro::math::exp: x is a null pointer", std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::math::erf(&v, static_cast<float*>(nullptr), 1), "repro::math::erf: y is a null pointer",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::math::gelu(&v, static_cast<float*>(nullptr), 1),
                         "repro::math::gelu: y is a null pointer", std::invalid_argument);
    CHECK_NOTHROW(repro::math::exp(static_cast<const float*>(nullptr), static_cast<float*>(nullptr), 0));
}
