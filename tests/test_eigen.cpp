// repro/eigen.hpp: half and bfloat16 traits checked against Eigen's own
// conversions to float, and compare() on Eigen dense objects.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <repro/eigen.hpp>
#include <stdexcept>
#include <vector>

#include "support/test_data.hpp"

namespace {

// Every non-NaN value of a 16-bit type, ordered by its float value (Eigen's
// conversion is the oracle); rank[bits] is its position with +0 and -0 merged.
template <class T>
struct ranked_values {
    std::vector<std::uint16_t> sorted;
    std::vector<std::int64_t> rank = std::vector<std::int64_t>(65536, -1);
    ranked_values() {
        for (std::uint32_t b = 0; b < 65536; ++b) {
            const T x = Eigen::numext::bit_cast<T>(static_cast<std::uint16_t>(b));
            if (!(Eigen::numext::isnan)(x)) sorted.push_back(static_cast<std::uint16_t>(b));
        }
        auto value = [](std::uint16_t b) { return static_cast<float>(Eigen::numext::bit_cast<T>(b)); };
        std::stable_sort(sorted.begin(), sorted.end(), [&](auto a, auto b) { return value(a) < value(b); });
        std::int64_t r = -1;
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            if (i == 0 || value(sorted[i]) != value(sorted[i - 1])) ++r;
            rank[sorted[i]] = r;
        }
    }
};

}  // namespace

TEST_CASE_TEMPLATE("16-bit ulp_distance and next_up follow Eigen's value order", T, Eigen::half, Eigen::bfloat16) {
    const ranked_values<T> rv;
    auto at = [](std::uint16_t b) { return Eigen::numext::bit_cast<T>(b); };
    // Consecutive values are one step apart, and next_up walks the order.
    for (std::size_t i = 0; i + 1 < rv.sorted.size(); ++i) {
        const T a = at(rv.sorted[i]), b = at(rv.sorted[i + 1]);
        const std::uint64_t want = std::uint64_t(rv.rank[rv.sorted[i + 1]] - rv.rank[rv.sorted[i]]);
        REQUIRE(repro::ulp_distance(a, b) == want);
        if (want == 1) REQUIRE(repro::ulp_distance(repro::next_up(a), b) == 0);  // -0 and +0 are one point
    }
    repro_test::splitmix64 g(0x5eed0201);
    for (int i = 0; i < 100000; ++i) {
        const auto a = rv.sorted[g.below(rv.sorted.size())], b = rv.sorted[g.below(rv.sorted.size())];
        const std::int64_t d = rv.rank[a] - rv.rank[b];
        REQUIRE(repro::ulp_distance(at(a), at(b)) == std::uint64_t(d < 0 ? -d : d));
    }
    CHECK(repro::ulp_distance(at(1), at(0x8001)) == 2);  // denorm_min to -denorm_min
}

TEST_CASE_TEMPLATE("16-bit classification and widening agree with Eigen", T, Eigen::half, Eigen::bfloat16) {
    for (std::uint32_t b = 0; b < 65536; ++b) {
        const T x = Eigen::numext::bit_cast<T>(static_cast<std::uint16_t>(b));
        const float f = static_cast<float>(x);
        REQUIRE(repro::is_nan(x) == (Eigen::numext::isnan)(x));
        REQUIRE(repro::is_inf(x) == (Eigen::numext::isinf)(x));
        if (!repro::is_nan(x)) REQUIRE(repro::float_traits<T>::to_double(x) == double(f));
        REQUIRE(repro::to_bits(x) == b);
    }
}

TEST_CASE("Eigen matrices compare as rows x cols whatever their storage order") {
    Eigen::MatrixXf expected(3, 4);
    expected << 1, 2, 3, 4,  //
        5, 6, 7, 8,          //
        9, 10, 11, 12;
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> actual = expected;
    actual(1, 2) = repro::next_up(7.0f);
    const auto r = repro::compare(actual, expected);
    CHECK(r.shaped);
    CHECK(r.rows == 3);
    CHECK(r.cols == 4);
    CHECK(r.mismatches == 1);
    CHECK(r.worst_ulp.index == 6);
    CHECK(r.worst[0].row == 1);
    CHECK(r.worst[0].col == 2);
    CHECK(repro::compare(actual, expected, repro::tolerance::ulp(1)).passed());
}

TEST_CASE("Eigen expressions and vectors are accepted") {
    const Eigen::MatrixXd a = Eigen::MatrixXd::Identity(4, 4);
    const Eigen::MatrixXd b = Eigen::MatrixXd::Constant(4, 4, 0.5);
    CHECK(repro::compare(a * b, b).passed());
    const Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(5, 0.0, 1.0);
    Eigen::VectorXd w = v;
    w(3) = -w(3);
    const auto r = repro::compare(w, v);
    CHECK_FALSE(r.shaped);
    CHECK(r.mismatches == 1);
    CHECK(r.worst_abs.index == 3);
}

TEST_CASE("half and bfloat16 use their own close() defaults and print their own digits") {
    using half = Eigen::half;
    Eigen::Matrix<half, 1, 2> e, a;
    e << half(1.0f), half(2.0f);
    a << half(1.0f), repro::next_up(repro::next_up(half(2.0f)));  // 2^-9 relative: above half's rtol 1e-3
    auto r = repro::compare(a, e, repro::tolerance::close());
    CHECK_FALSE(r.passed());
    CHECK(r.tol.rtol == doctest::Approx(1e-3));
    CHECK(r.to_string().find("2.0039 (0x4002)") != std::string::npos);
    using bf16 = Eigen::bfloat16;
    Eigen::Matrix<bf16, 1, 1> eb, ab;
    eb << bf16(1.0f);
    ab << repro::next_up(bf16(1.0f));  // 2^-7 relative: within bfloat16's rtol 1.6e-2
    CHECK(repro::compare(ab, eb, repro::tolerance::close()).passed());
    CHECK(repro::compare(ab, eb).to_string().find("1.008 (0x3f81)") != std::string::npos);
}

TEST_CASE("Eigen objects of different shapes are rejected with both shapes named") {
    const Eigen::MatrixXf a(2, 3), b(3, 2);
    CHECK_THROWS_WITH_AS(repro::compare(a, b), "repro::compare: actual is 2 x 3, expected is 3 x 2",
                         std::invalid_argument);
}

TEST_CASE("row-major blocks with padded rows are read in place, with the right indices") {
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> big =
        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Zero(6, 9);
    auto other = big;
    other(4, 7) = 1.0f;
    const auto r = repro::compare(other.block(2, 3, 3, 5), big.block(2, 3, 3, 5));
    CHECK(r.rows == 3);
    CHECK(r.cols == 5);
    REQUIRE(r.mismatches == 1);
    CHECK(r.worst[0].row == 2);
    CHECK(r.worst[0].col == 4);
    CHECK(r.worst[0].index == 14);
    // A column-major block is copied and gives the same report.
    const Eigen::MatrixXf cm_big = big, cm_other = other;
    const auto c = repro::compare(cm_other.block(2, 3, 3, 5), cm_big.block(2, 3, 3, 5));
    CHECK(c.worst[0].index == 14);
}

TEST_CASE("a vector against a one-column matrix compares as rows x 1") {
    Eigen::VectorXd v = Eigen::VectorXd::Zero(4);
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(4, 1);
    m(2, 0) = 1.0;
    const auto r = repro::compare(m, v);
    CHECK(r.shaped);
    CHECK(r.rows_differing == 1);
    CHECK(r.worst[0].row == 2);
}

TEST_CASE_TEMPLATE("repro::narrow rounds floats to half and bfloat16 as Eigen does", T, Eigen::half, Eigen::bfloat16) {
    auto check = [](float x) {
        const T got = repro::narrow<T>(x), want = T(x);
        if ((Eigen::numext::isnan)(x)) {
            CHECK(repro::is_nan(got));
            CHECK((repro::to_bits(got) & (repro::float_traits<T>::fraction_mask + 1) >> 1) != 0);  // quiet
            return;
        }
        INFO(x);
        CHECK(repro::to_bits(got) == Eigen::numext::bit_cast<std::uint16_t>(want));
    };
    // every 16-bit value, the floats around it and the ties halfway to its neighbour
    for (std::uint32_t b = 0; b < 65536; ++b) {
        const float v = static_cast<float>(Eigen::numext::bit_cast<T>(static_cast<std::uint16_t>(b)));
        if ((Eigen::numext::isnan)(v)) continue;
        const float up = static_cast<float>(Eigen::numext::bit_cast<T>(static_cast<std::uint16_t>(b + 1)));
        for (const float x : {v, std::nextafter(v, 1e30f), std::nextafter(v, -1e30f)}) check(x);
        if (std::isfinite(up) && std::isfinite(v) && (b & 0x7fff) != 0x7fff) {
            const float mid = v + (up - v) / 2;  // exact: one bit below the narrow format's last
            for (const float x : {mid, std::nextafter(mid, 1e30f), std::nextafter(mid, -1e30f)}) check(x);
        }
    }
    // and a sweep over all float bit patterns, NaNs and subnormals included
    for (std::uint64_t b = 0; b < (std::uint64_t(1) << 32); b += 65521) check(repro::from_bits<float>(std::uint32_t(b)));
}
