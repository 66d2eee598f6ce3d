// 10^8 terms: the exact tier against an exact integer oracle, and the
// deterministic tier's thread invariance at a size where every chunk, tree
// level and thread split is exercised.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <repro/reduce.hpp>
#include <vector>

#include "support/test_data.hpp"

namespace {

__extension__ typedef __int128 int128;  // GCC/Clang extension, exact for these sums

// x = m * 2^e with |m| < 2^20 and e in [-8, 8]: every value is an integer
// multiple of 2^-8, so 2^8 * sum is an integer that __int128 holds exactly.
struct integer_terms {
    std::vector<float> x;
    int128 scaled_sum = 0;  // sum * 2^8
    explicit integer_terms(std::size_t n) : x(n) {
        repro_test::splitmix64 g(0x5eed1e8);
        for (auto& v : x) {
            const std::uint64_t r = g.next();
            const std::int64_t m = static_cast<std::int64_t>(r & 0xfffff) * ((r >> 20) & 1 ? -1 : 1);
            const int e = static_cast<int>((r >> 21) % 17) - 8;
            v = std::ldexp(static_cast<float>(m), e);  // exact: |m| < 2^24
            scaled_sum += static_cast<int128>(m) * (static_cast<int128>(1) << (e + 8));
        }
    }
    // The oracle rounded once to float: int64 -> float conversion is
    // correctly rounded, and the scaling by 2^-8 is exact.
    float expected() const {
        const auto s = static_cast<std::int64_t>(scaled_sum);
        REQUIRE(static_cast<int128>(s) == scaled_sum);
        return std::ldexp(static_cast<float>(s), -8);
    }
};

}  // namespace

TEST_CASE("exact_sum of 10^8 floats equals an exact integer oracle, on 1 and 2 threads") {
    const integer_terms t(100000000);
    const float want = t.expected();
    CHECK(repro::bitwise_equal(repro::exact_sum(t.x.data(), t.x.size()), want));
    CHECK(repro::bitwise_equal(repro::exact_sum(t.x.data(), t.x.size(), repro::threads{2}), want));
    repro::exact_accumulator<float> a, b;
    a.add(t.x.data(), t.x.size() / 3);
    b.add(t.x.data() + t.x.size() / 3, t.x.size() - t.x.size() / 3);
    b.merge(a);
    CHECK(b.count() == t.x.size());
    CHECK(repro::bitwise_equal(b.result(), want));
}

TEST_CASE("sum and dot of 10^8 floats are the same on 1 to 4 threads") {
    const integer_terms t(100000000);
    const float s1 = repro::sum(t.x.data(), t.x.size());
    const float d1 = repro::dot(t.x.data(), t.x.data(), t.x.size());
    for (unsigned k = 2; k <= 4; ++k) {
        CHECK(repro::bitwise_equal(repro::sum(t.x.data(), t.x.size(), repro::threads{k}), s1));
        CHECK(repro::bitwise_equal(repro::dot(t.x.data(), t.x.data(), t.x.size(), repro::threads{k}), d1));
    }
}
