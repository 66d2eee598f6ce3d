// repro/compare.hpp: match rules of each mode, report fields on hand-computed
// cases, shaped reports, printing, and errors for bad arguments.

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <repro/compare.hpp>
#include <repro/reduce.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_data.hpp"

using repro::tolerance;

namespace {

template <class T>
T up(T x, int k = 1) {
    while (k-- > 0) x = repro::next_up(x);
    return x;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("bitwise mode tells +0 from -0 and NaN payloads apart") {
    const float qnan = std::numeric_limits<float>::quiet_NaN();
    const float other_nan = repro::from_bits<float>(repro::to_bits(qnan) | 1);
    CHECK(repro::compare(1.0f, 1.0f).passed());
    CHECK_FALSE(repro::compare(0.0f, -0.0f).passed());
    CHECK(repro::compare(qnan, qnan).passed());
    const auto r = repro::compare(qnan, other_nan);
    CHECK_FALSE(r.passed());
    CHECK(r.nan_mismatches == 1);
}

TEST_CASE("ulp mode allows max_ulp steps and treats +0 and -0 as one value") {
    CHECK(repro::compare(up(1.0f), 1.0f, tolerance::ulp(1)).passed());
    CHECK_FALSE(repro::compare(up(1.0f, 2), 1.0f, tolerance::ulp(1)).passed());
    CHECK(repro::compare(0.0, -0.0, tolerance::ulp(0)).passed());
    CHECK(repro::compare(std::numeric_limits<double>::max(), std::numeric_limits<double>::infinity(), tolerance::ulp(1))
              .passed());
}

TEST_CASE("NaN matches NaN in ulp and close modes unless nan_equal is off") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(repro::compare(nan, -nan, tolerance::ulp(0)).passed());
    CHECK(repro::compare(nan, nan, tolerance::close()).passed());
    CHECK_FALSE(repro::compare(nan, nan, tolerance::ulp(0).with_nan_equal(false)).passed());
    CHECK_FALSE(repro::compare(nan, nan, tolerance::close().with_nan_equal(false)).passed());
    const auto r = repro::compare(nan, 1.0, tolerance::ulp(1000));
    CHECK_FALSE(r.passed());
    CHECK(r.nan_mismatches == 1);
    CHECK_FALSE(r.worst_ulp.found());  // worst statistics skip NaN pairs
}

TEST_CASE("close mode is |a - e| <= atol + rtol * |e| at the boundary") {
    // All quantities are exact in binary: bound = 0.5 + 0.25 * 1 = 0.75.
    const auto tol = tolerance::close(0.25, 0.5);
    CHECK(repro::compare(1.75f, 1.0f, tol).passed());
    CHECK(repro::compare(0.25f, 1.0f, tol).passed());
    CHECK_FALSE(repro::compare(up(1.75f), 1.0f, tol).passed());
    CHECK_FALSE(repro::compare(-up(-0.25f), 1.0f, tol).passed());
}

TEST_CASE("close mode: infinities match only the same infinity") {
    const float inf = std::numeric_limits<float>::infinity();
    const auto wide = tolerance::close(1e30, 1e30);
    CHECK(repro::compare(inf, inf, wide).passed());
    auto r = repro::compare(inf, -inf, wide);
    CHECK_FALSE(r.passed());
    CHECK(r.inf_mismatches == 1);
    r = repro::compare(std::numeric_limits<float>::max(), inf, wide);
    CHECK_FALSE(r.passed());
    CHECK(r.inf_mismatches == 1);
    CHECK(std::isinf(r.worst_rel.value));
}

TEST_CASE("tolerance::close() uses the compared type's defaults") {
    // float: 1e-5 + 1.3e-6 * 1000 = 1.31e-3; double: 1e-7 + 1e-7 * 1000 = 1.001e-4.
    CHECK(repro::compare(1001.0f, 1000.0f, tolerance::close()).passed() == false);
    CHECK(repro::compare(1000.001f, 1000.0f, tolerance::close()).passed());
    CHECK(repro::compare(1000.0001, 1000.0, tolerance::close()).passed());
    CHECK_FALSE(repro::compare(1000.0002, 1000.0, tolerance::close()).passed());
    const auto r = repro::compare(1.0f, 1.0f, tolerance::close());
    CHECK(r.tol.rtol == doctest::Approx(1.3e-6));
    CHECK(r.tol.atol == doctest::Approx(1e-5));
}

TEST_CASE("tolerance::close rejects negative or non-finite bounds") {
    CHECK_THROWS_AS(tolerance::close(-1.0, 0.0), std::invalid_argument);
    CHECK_THROWS_AS(tolerance::close(0.0, std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK_THROWS_AS(tolerance::close(std::nan(""), 0.0), std::invalid_argument);
}

TEST_CASE("report gives counts and the worst abs, rel and ULP difference with their index") {
    const std::vector<float> expected{1.0f, 2.0f, 100.0f, -3.0f, 0.0f};
    const std::vector<float> actual{1.0f, up(2.0f, 2), 101.0f, -3.0f, 0.001f};
    const auto r = repro::compare(actual, expected);
    CHECK(r.count == 5);
    CHECK(r.mismatches == 3);
    CHECK(r.mismatch_fraction() == doctest::Approx(0.6));
    CHECK(r.worst_abs.index == 2);
    CHECK(r.worst_abs.value == 1.0);
    CHECK(r.worst_rel.index == 4);  // relative to an expected 0
    CHECK(std::isinf(r.worst_rel.value));
    CHECK(r.worst_ulp.index == 4);
    CHECK(r.worst_ulp.value == repro::to_bits(0.001f));  // steps from 0 = the bit pattern
    REQUIRE(r.worst.size() == 3);
    CHECK(r.worst[0].index == 4);
    CHECK(r.worst[1].index == 2);
    CHECK(r.worst[1].ulp == 131072);  // (101 - 100) / 2^-17
    CHECK(r.worst[2].index == 1);
    CHECK(r.worst[2].ulp == 2);
    CHECK(r.worst[2].abs_diff == std::ldexp(1.0, -21));
    CHECK(r.nan_mismatches == 0);
    CHECK(r.inf_mismatches == 0);
}

TEST_CASE("shaped report names (row, col), differing rows, the worst row and argmax flips") {
    // 3 samples x 4 logits.
    const std::vector<float> expected{0.1f, 0.9f, 0.3f,  0.2f,  //
                                      0.5f, 0.1f, 0.2f,  0.3f,  //
                                      0.2f, 0.4f, 0.41f, 0.1f};
    std::vector<float> actual = expected;
    actual[0] = up(actual[0]);  // row 0: one value, argmax kept
    actual[9] = up(0.41f, 1);   // row 2: two values, argmax moves from col 2 to col 1
    actual[10] = 0.4f;
    const auto r = repro::compare(actual, expected, 3, 4);
    CHECK(r.shaped);
    CHECK(r.mismatches == 3);
    CHECK(r.rows_differing == 2);
    CHECK(r.worst_row == 2);
    CHECK(r.worst_row_mismatches == 2);
    REQUIRE(r.argmax_flips.size() == 1);
    CHECK(r.argmax_flips[0] == 2);
    REQUIRE(!r.worst.empty());
    CHECK(r.worst[0].row == 2);
    const std::string text = r.to_string();
    CHECK(contains(text, "(row 2, col 1)"));
    CHECK(contains(text, "2 of 3 differ"));
    CHECK(contains(text, "worst row 2"));
    CHECK(contains(text, "argmax differs in 1 rows: 2"));
}

TEST_CASE("argmax takes the first NaN, else the first maximum") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> expected{1.0f, 5.0f, 5.0f, 2.0f};
    std::vector<float> actual = expected;
    actual[3] = nan;
    CHECK(repro::compare(actual, expected, 1, 4).argmax_flips == std::vector<std::size_t>{0});
    actual = expected;
    actual[2] = 5.0f;  // tie stays at the first maximum
    CHECK(repro::compare(actual, expected, 1, 4, tolerance::ulp(0)).argmax_flips.empty());
}

TEST_CASE("argmax flips use repro::argmax's order: +0 above -0") {
    const std::vector<float> expected{-0.0f, 0.0f}, actual{0.0f, -0.0f};
    CHECK(repro::argmax(expected.data(), 2) == 1);
    CHECK(repro::argmax(actual.data(), 2) == 0);
    // equal under a tolerance, but the predicted class moved
    const repro::compare_report r = repro::compare(actual, expected, 1, 2, tolerance::close(0.0, 0.0));
    CHECK(r.argmax_flips == std::vector<std::size_t>{0});
}

TEST_CASE("the listing keeps the worst mismatches, worst first") {
    std::vector<double> expected(100), actual(100);
    for (int i = 0; i < 100; ++i) {
        expected[i] = 1.0 + i;
        actual[i] = up(expected[i], 1 + (i * 37) % 100);  // distinct ULP distances 1..100
    }
    const auto r = repro::compare(actual, expected);
    CHECK(r.mismatches == 100);
    REQUIRE(r.worst.size() == repro::compare_report::kept);
    for (std::size_t i = 0; i < r.worst.size(); ++i) CHECK(r.worst[i].ulp == 100 - i);
    const std::string text = r.to_string(10);
    CHECK(contains(text, "10 worst of 100 mismatches"));
    CHECK(contains(text, "91 ULP"));
    CHECK_FALSE(contains(text, "90 ULP"));
}

TEST_CASE("a 1-ULP difference prints with round-trip digits and hex bits") {
    const std::string text = repro::compare(up(1.0f), 1.0f).to_string();
    CHECK(contains(text, "actual 1.00000012 (0x3f800001)"));
    CHECK(contains(text, "expected 1 (0x3f800000)"));
    CHECK(contains(text, "1 ULP"));
    CHECK(contains(text, "[0]"));
    const std::string d = repro::compare(up(0.1), 0.1).to_string();
    CHECK(contains(d, "0x3fb999999999999b"));
    CHECK(contains(d, "0.10000000000000002"));
}

TEST_CASE_TEMPLATE("printed values read back to the same bits", T, float, double) {
    repro_test::splitmix64 g(0x5eed0101);
    repro::compare_report r;
    r.digits = repro::float_traits<T>::max_digits10;
    r.hex_digits = repro::float_traits<T>::hex_digits;
    for (int i = 0; i < 20000; ++i) {
        const T x = repro_test::random_bits<T>(g);
        if (!std::isfinite(x)) continue;
        const std::string s = r.format_value(double(x), repro::to_bits(x));
        const T back = static_cast<T>(std::strtod(s.c_str(), nullptr));
        CAPTURE(s);
        REQUIRE(repro::bitwise_equal(back, x));
    }
}

TEST_CASE("property: one perturbed element is found at any size and position") {
    repro_test::splitmix64 g(0x5eed0102);
    for (std::size_t n : {1u, 2u, 3u, 7u, 8u, 15u, 16u, 17u, 31u, 32u, 33u, 127u, 128u, 129u, 1000u}) {
        std::vector<float> expected(n);
        for (auto& x : expected) x = repro_test::random_finite<float>(g, 100, 150);
        for (int trial = 0; trial < 5; ++trial) {
            std::vector<float> actual = expected;
            const std::size_t at = g.below(n);
            const int k = 1 + static_cast<int>(g.below(1000));
            actual[at] = up(actual[at], k);
            const auto r = repro::compare(actual, expected);
            CAPTURE(n);
            REQUIRE(r.mismatches == 1);
            REQUIRE(r.worst_ulp.index == at);
            REQUIRE(r.worst_ulp.value == std::uint64_t(k));
            REQUIRE(repro::compare(expected, expected).passed());
        }
    }
}

TEST_CASE("empty input compares equal") {
    const std::vector<float> empty;
    const auto r = repro::compare(empty, empty);
    CHECK(r.passed());
    CHECK(r.count == 0);
    CHECK(r.mismatch_fraction() == 0.0);
    CHECK(repro::compare(static_cast<const float*>(nullptr), static_cast<const float*>(nullptr), 0).passed());
}

TEST_CASE("containers, C arrays, views and pointers give the same report") {
    const std::array<double, 3> a{1.0, 2.0, 3.0};
    const double e[3] = {1.0, 2.0, 3.5};
    const std::vector<double> ev(e, e + 3);
    CHECK(repro::compare(a, e).mismatches == 1);
    CHECK(repro::compare(a, ev).mismatches == 1);
    CHECK(repro::compare(a.data(), e, 3).mismatches == 1);
    CHECK(repro::compare(repro::view(a.data(), 3), repro::view(e, 3)).mismatches == 1);
    CHECK(repro::compare(repro::view(a.data(), 1, 3), repro::view(e, 1, 3)).rows_differing == 1);
}

TEST_CASE("bad arguments throw with a message naming them") {
    const std::vector<float> three(3), four(4);
    CHECK_THROWS_WITH_AS(repro::compare(three, four), "repro::compare: actual has 3 values, expected has 4",
                         std::invalid_argument);
    CHECK_THROWS_AS(repro::compare(three, three, 2, 2), std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::compare(static_cast<const float*>(nullptr), three.data(), 3),
                         "repro::compare: actual is a null pointer", std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::compare(three.data(), static_cast<const float*>(nullptr), 3),
                         "repro::compare: expected is a null pointer", std::invalid_argument);
    CHECK_THROWS_AS(repro::compare(repro::view(three.data(), 3), repro::view(three.data(), 1, 3)),
                    std::invalid_argument);
    CHECK_THROWS_AS(repro::compare(repro::view(four.data(), 2, 2), repro::view(four.data(), 1, 4)),
                    std::invalid_argument);
    const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
    CHECK_THROWS_AS(repro::compare(three.data(), three.data(), huge, 3), std::length_error);
}

TEST_CASE("views with padded rows compare only the rows' first cols values") {
    // 2 rows of 3 values, stored 5 apart; the padding differs and is ignored.
    const float a[10] = {1, 2, 3, 99, 99, 4, 5, 6, 99, 99};
    const float e[10] = {1, 2, 3, -1, -1, 4, 5, 7, -1, -1};
    const auto r = repro::compare(repro::view(a, 2, 3, 5), repro::view(e, 2, 3, 5));
    CHECK(r.mismatches == 1);
    CHECK(r.worst[0].index == 5);
    CHECK(r.worst[0].row == 1);
    CHECK(r.worst[0].col == 2);
    CHECK_THROWS_AS(repro::view(a, 2, 3, 2), std::invalid_argument);
}
