// repro/fp.hpp against outside oracles: std::nextafter walks, Boost.Math's
// float_distance, closed-form counts of representable values, std::isnan &
// co., and MPFR for the error-free transformations and fma.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <boost/math/special_functions/next.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <repro/fp.hpp>
#include <repro/threads.hpp>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "support/test_data.hpp"

using repro_test::splitmix64;

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

constexpr std::uint64_t nan_distance = ~std::uint64_t(0);

// Walks k steps up from x with std::nextafter and checks every prefix.
template <class T>
void check_walk(T x, int steps) {
    T y = x;
    for (int k = 1; k <= steps && std::isfinite(y); ++k) {
        y = std::nextafter(y, infinity<T>());
        REQUIRE(repro::ulp_distance(x, y) == std::uint64_t(k));
        REQUIRE(repro::ulp_distance(y, x) == std::uint64_t(k));
    }
}

}  // namespace

TEST_CASE_TEMPLATE("float_traits describe the IEEE-754 binary formats", T, float, double) {
    using tr = repro::float_traits<T>;
    CHECK(tr::precision == std::numeric_limits<T>::digits);
    CHECK(tr::max_digits10 == std::numeric_limits<T>::max_digits10);
    CHECK(repro::to_bits(infinity<T>()) == tr::infinity_bits);
    CHECK(repro::to_bits(-T(0)) == tr::sign_mask);
    CHECK(repro::to_bits(std::numeric_limits<T>::denorm_min()) == 1);
    CHECK(repro::to_bits(std::numeric_limits<T>::min()) == tr::fraction_mask + 1);
    CHECK(repro::to_bits(std::numeric_limits<T>::max()) == tr::infinity_bits - 1);
    CHECK(sizeof(typename tr::bits_type) == sizeof(T));
}

TEST_CASE("ulp_distance follows the contract on the named edge cases") {
    const float dmin = std::numeric_limits<float>::denorm_min();
    CHECK(repro::ulp_distance(0.0f, -0.0f) == 0);
    CHECK(repro::ulp_distance(-0.0f, 0.0f) == 0);
    CHECK(repro::ulp_distance(dmin, -dmin) == 2);
    CHECK(repro::ulp_distance(0.0f, dmin) == 1);
    CHECK(repro::ulp_distance(-0.0f, dmin) == 1);
    CHECK(repro::ulp_distance(std::numeric_limits<float>::max(), infinity<float>()) == 1);
    CHECK(repro::ulp_distance(-std::numeric_limits<double>::max(), -infinity<double>()) == 1);
    CHECK(repro::ulp_distance(infinity<float>(), infinity<float>()) == 0);
    CHECK(repro::ulp_distance(1.0f, 1.0f) == 0);
    const float qnan = std::numeric_limits<float>::quiet_NaN();
    CHECK(repro::ulp_distance(qnan, 1.0f) == nan_distance);
    CHECK(repro::ulp_distance(1.0f, qnan) == nan_distance);
    CHECK(repro::ulp_distance(qnan, qnan) == nan_distance);
    CHECK(repro::ulp_distance(std::numeric_limits<double>::signaling_NaN(), 0.0) == nan_distance);
}

TEST_CASE("ulp_distance matches closed-form counts of representable values") {
    // 2^p-1 values per binade; 2^p-1 subnormals below the smallest normal.
    CHECK(repro::ulp_distance(1.0f, 2.0f) == (std::uint64_t(1) << 23));
    CHECK(repro::ulp_distance(1.0, 2.0) == (std::uint64_t(1) << 52));
    CHECK(repro::ulp_distance(0.0f, std::numeric_limits<float>::min()) == (std::uint64_t(1) << 23));
    CHECK(repro::ulp_distance(0.0, std::numeric_limits<double>::min()) == (std::uint64_t(1) << 52));
    // 0 to 1: 127 binades (126 normal + the subnormal range) of 2^23 values.
    CHECK(repro::ulp_distance(-1.0f, 1.0f) == 2 * 127 * (std::uint64_t(1) << 23));
    // 0 to inf: 255 exponent values of 2^23 (or 2047 of 2^52) each.
    CHECK(repro::ulp_distance(-infinity<float>(), infinity<float>()) == 2 * 255 * (std::uint64_t(1) << 23));
    CHECK(repro::ulp_distance(-infinity<double>(), infinity<double>()) == 2 * 2047 * (std::uint64_t(1) << 52));
    CHECK(repro::ulp_distance(infinity<double>(), -infinity<double>()) == 2 * 2047 * (std::uint64_t(1) << 52));
}

TEST_CASE_TEMPLATE("ulp_distance counts std::nextafter steps from every edge value", T, float, double) {
    for (T x : repro_test::edge_values<T>()) {
        if (std::isnan(x)) continue;
        CAPTURE(x);
        check_walk(x, 70);
    }
    splitmix64 g(0x5eed0001);
    for (int i = 0; i < 2000; ++i) {
        const T x = repro_test::random_bits<T>(g);
        if (std::isnan(x)) continue;
        CAPTURE(x);
        check_walk(x, 1 + static_cast<int>(g.below(40)));
    }
}

TEST_CASE_TEMPLATE("ulp_distance agrees with Boost.Math float_distance on random finite pairs", T, float, double) {
    splitmix64 g(0x5eed0002);
    const int exact_limit = std::numeric_limits<T>::digits;  // Boost returns T: exact below 2^digits
    int checked = 0;
    for (int i = 0; i < 200000; ++i) {
        // Nearby exponents keep most distances below 2^digits.
        const T a = repro_test::random_bits<T>(g);
        if (!std::isfinite(a)) continue;
        auto bb =
            repro::to_bits(a) ^ static_cast<repro::bits_t<T>>(g.next() & ((std::uint64_t(1) << (exact_limit - 2)) - 1));
        if (g.below(8) == 0) bb ^= repro::float_traits<T>::sign_mask;
        const T b = repro::from_bits<T>(bb);
        if (!std::isfinite(b)) continue;
        const T d = boost::math::float_distance(a, b);
        if (std::fabs(d) >= std::ldexp(T(1), exact_limit)) continue;
        CAPTURE(a);
        CAPTURE(b);
        REQUIRE(repro::ulp_distance(a, b) == static_cast<std::uint64_t>(std::fabs(d)));
        ++checked;
    }
    CHECK(checked > 100000);
}

TEST_CASE_TEMPLATE("bitwise_equal compares bits, not values", T, float, double) {
    CHECK(repro::bitwise_equal(T(1), T(1)));
    CHECK_FALSE(repro::bitwise_equal(T(0), -T(0)));
    CHECK_FALSE(repro::bitwise_equal(T(1), std::nextafter(T(1), T(2))));
    const T qnan = std::numeric_limits<T>::quiet_NaN();
    CHECK(repro::bitwise_equal(qnan, qnan));
    CHECK_FALSE(repro::bitwise_equal(qnan, -qnan));
    const T other_payload = repro::from_bits<T>(repro::to_bits(qnan) | 1);
    CHECK(std::isnan(other_payload));
    CHECK_FALSE(repro::bitwise_equal(qnan, other_payload));
    splitmix64 g(0x5eed0003);
    for (int i = 0; i < 10000; ++i) {
        const T a = repro_test::random_bits<T>(g), b = repro_test::random_bits<T>(g);
        REQUIRE(repro::bitwise_equal(a, a));
        REQUIRE(repro::bitwise_equal(a, b) == (repro::to_bits(a) == repro::to_bits(b)));
    }
}

TEST_CASE_TEMPLATE("classification agrees with the standard library", T, float, double) {
    splitmix64 g(0x5eed0004);
    auto check = [](T x) {
        CAPTURE(x);
        REQUIRE(repro::is_nan(x) == std::isnan(x));
        REQUIRE(repro::is_inf(x) == std::isinf(x));
        REQUIRE(repro::is_finite(x) == std::isfinite(x));
        REQUIRE(repro::sign_bit(x) == std::signbit(x));
    };
    for (T x : repro_test::edge_values<T>()) check(x);
    for (int i = 0; i < 100000; ++i) check(repro_test::random_bits<T>(g));
}

TEST_CASE_TEMPLATE("next_up and next_down agree with std::nextafter", T, float, double) {
    splitmix64 g(0x5eed0005);
    auto check = [](T x) {
        CAPTURE(x);
        if (std::isnan(x)) {
            REQUIRE(repro::bitwise_equal(repro::next_up(x), x));
            REQUIRE(repro::bitwise_equal(repro::next_down(x), x));
            return;
        }
        REQUIRE(repro::bitwise_equal(repro::next_up(x), std::nextafter(x, infinity<T>())));
        REQUIRE(repro::bitwise_equal(repro::next_down(x), std::nextafter(x, -infinity<T>())));
    };
    for (T x : repro_test::edge_values<T>()) check(x);
    for (int i = 0; i < 100000; ++i) check(repro_test::random_bits<T>(g));
    CHECK(repro::bitwise_equal(repro::next_up(-T(0)), std::numeric_limits<T>::denorm_min()));
    CHECK(repro::bitwise_equal(repro::next_down(T(0)), -std::numeric_limits<T>::denorm_min()));
    CHECK(repro::bitwise_equal(repro::next_up(infinity<T>()), infinity<T>()));
    CHECK(repro::bitwise_equal(repro::next_up(-infinity<T>()), -std::numeric_limits<T>::max()));
}

namespace {

// Exact value of x (enough precision for any sum or product of two values).
struct exact {
    mpfr_t v;
    exact() { mpfr_init2(v, 2400); }
    ~exact() { mpfr_clear(v); }
    exact(const exact&) = delete;
    exact& operator=(const exact&) = delete;
};

void set(exact& e, float x) { mpfr_set_flt(e.v, x, MPFR_RNDN); }
void set(exact& e, double x) { mpfr_set_d(e.v, x, MPFR_RNDN); }

// The exact value rounded once to T (subnormal results included).
template <class T>
T round_to(const exact& e) {
    if constexpr (std::is_same<T, float>::value)
        return mpfr_get_flt(e.v, MPFR_RNDN);
    else
        return mpfr_get_d(e.v, MPFR_RNDN);
}

// Checks value == RN(op(a, b)) and value + error == op(a, b) exactly.
template <class T, class Op>
void check_error_free(T a, T b, repro::exact_pair<T> got, Op op) {
    exact ea, eb, truth, value, error, sum;
    set(ea, a);
    set(eb, b);
    op(truth.v, ea.v, eb.v, MPFR_RNDN);  // exact at 2400 bits
    set(value, got.value);
    set(error, got.error);
    mpfr_add(sum.v, value.v, error.v, MPFR_RNDN);
    CAPTURE(a);
    CAPTURE(b);
    REQUIRE(repro::bitwise_equal(got.value, round_to<T>(truth)));
    REQUIRE(mpfr_equal_p(sum.v, truth.v) != 0);
}

template <class T>
int exponent_span() {
    return std::is_same<T, float>::value ? 40 : 400;
}

}  // namespace

TEST_CASE_TEMPLATE("two_sum and fast_two_sum are error-free (MPFR oracle)", T, float, double) {
    splitmix64 g(0x5eed0006);
    const int bias = std::numeric_limits<T>::max_exponent - 1;
    for (int i = 0; i < 50000; ++i) {
        T a, b;
        switch (i % 4) {
            case 0:  // any magnitudes that cannot overflow
                a = repro_test::random_finite<T>(g, 1, 2 * bias - 1);
                b = repro_test::random_finite<T>(g, 1, 2 * bias - 1);
                break;
            case 1:  // cancellation: b close to -a
                a = repro_test::random_finite<T>(g, bias - exponent_span<T>(), bias + exponent_span<T>());
                b = -repro::from_bits<T>(static_cast<repro::bits_t<T>>(repro::to_bits(a) ^ (g.next() & 0xff)));
                break;
            case 2:  // subnormals and the smallest normals
                a = repro::from_bits<T>(
                    static_cast<repro::bits_t<T>>(g.next() & (repro::float_traits<T>::fraction_mask * 2 + 1)));
                b = -repro::from_bits<T>(
                    static_cast<repro::bits_t<T>>(g.next() & repro::float_traits<T>::fraction_mask));
                break;
            default:  // nearby magnitudes
                a = repro_test::random_finite<T>(g, bias - 3, bias + 3);
                b = repro_test::random_finite<T>(g, bias - 3 - static_cast<int>(g.below(30)), bias + 3);
        }
        if (!std::isfinite(a + b)) continue;
        check_error_free(a, b, repro::two_sum(a, b), mpfr_add);
        if (std::fabs(a) < std::fabs(b)) std::swap(a, b);
        check_error_free(a, b, repro::fast_two_sum(a, b), mpfr_add);
    }
}

TEST_CASE_TEMPLATE("two_prod is error-free away from underflow (MPFR oracle)", T, float, double) {
    splitmix64 g(0x5eed0007);
    const int bias = std::numeric_limits<T>::max_exponent - 1;
    for (int i = 0; i < 50000; ++i) {
        const T a = repro_test::random_finite<T>(g, bias - exponent_span<T>(), bias + exponent_span<T>());
        const T b = repro_test::random_finite<T>(g, bias - exponent_span<T>(), bias + exponent_span<T>());
        check_error_free(a, b, repro::two_prod(a, b), mpfr_mul);
    }
}

TEST_CASE_TEMPLATE("repro::fma rounds once (MPFR oracle)", T, float, double) {
    splitmix64 g(0x5eed0008);
    const int bias = std::numeric_limits<T>::max_exponent - 1;
    for (int i = 0; i < 50000; ++i) {
        const T a = repro_test::random_finite<T>(g, bias - exponent_span<T>(), bias + exponent_span<T>());
        const T b = repro_test::random_finite<T>(g, bias - exponent_span<T>(), bias + exponent_span<T>());
        // c near -a*b makes the single rounding visible.
        const T c = (i % 2) ? -(a * b) : repro_test::random_finite<T>(g, 1, 2 * bias - 1);
        exact ea, eb, ec, truth;
        set(ea, a);
        set(eb, b);
        set(ec, c);
        mpfr_fma(truth.v, ea.v, eb.v, ec.v, MPFR_RNDN);
        const T want = round_to<T>(truth);
        if (!std::isfinite(want)) continue;
        CAPTURE(a);
        CAPTURE(b);
        CAPTURE(c);
        REQUIRE(repro::bitwise_equal(repro::fma(a, b, c), want));
    }
}

TEST_CASE("repro's names carry its version: the inline namespace repro::v0") {
    static_assert(std::is_same<repro::v0::threads, repro::threads>::value, "repro::threads is repro::v0::threads");
    static_assert(std::is_same<repro::v0::float_traits<float>, repro::float_traits<float>>::value);
    // in the mangled names, so two versions' templates cannot be taken for one another at link time
    CHECK(std::string(typeid(repro::threads).name()).find("2v0") != std::string::npos);
}
