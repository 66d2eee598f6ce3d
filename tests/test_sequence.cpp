// repro/sequence.hpp: embedding and rope. Oracles: the table rows
// themselves, a long-double rotation by the documented angle (accuracy), the
// token's result alone (invariance) and the interleaved layout as a
// permutation of the halves layout (bit for bit).

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/sequence.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/bit_checks.hpp"

using namespace repro_test;

namespace {

template <class F>
std::string message_of(F f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST_CASE("embedding copies the rows of the ids and rejects ids outside the vocabulary") {
    const std::vector<float> table = random_matrix<float>(10, 3, 1);
    const std::int64_t ids[] = {4, 0, 9, 4};
    std::vector<float> out(12);
    repro::embedding(table.data(), 10, 3, ids, 4, out.data());
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t c = 0; c < 3; ++c)
            CHECK(repro::bitwise_equal(out[i * 3 + c], table[static_cast<std::size_t>(ids[i]) * 3 + c]));
    std::vector<float> untouched(12, 5.0f);
    const std::int64_t bad[] = {1, 10};
    CHECK(message_of([&] { repro::embedding(table.data(), 10, 3, bad, 2, untouched.data()); }) ==
          "repro::embedding: ids[1] = 10 is not in [0, vocab = 10)");
    const int negative[] = {-1};
    CHECK(message_of([&] { repro::embedding(table.data(), 10, 3, negative, 1, untouched.data()); }) ==
          "repro::embedding: ids[0] = -1 is not in [0, vocab = 10)");
    CHECK(std::all_of(untouched.begin(), untouched.end(), [](float x) { return x == 5.0f; }));
    CHECK(message_of([&] { repro::embedding(table.data(), 10, 3, static_cast<const int*>(nullptr), 1, out.data()); }) ==
          "repro::embedding: ids is a null pointer");
}

namespace {

std::vector<float> roped(std::vector<float> x, std::size_t tokens, std::size_t heads, std::size_t dim,
                         const std::vector<std::size_t>& pos, repro::rope_pairs pairs = repro::rope_pairs::halves,
                         unsigned threads = 1, float base = 10000.0f) {
    repro::rope(x.data(), tokens, heads, dim, pos.data(), base, pairs, repro::threads{threads});
    return x;
}

}  // namespace

TEST_CASE("rope turns each pair by pos * base^(-2i/d) within 3 ulp of a long-double rotation") {
    const std::size_t heads = 2, dim = 64, tokens = 40;
    std::vector<std::size_t> pos(tokens);
    for (std::size_t t = 0; t < tokens; ++t) pos[t] = t * t * 5 + t;  // up to 7,800
    const std::vector<float> x = random_matrix<float>(tokens, heads * dim, 3, -2, 1);
    const std::vector<float> y = roped(x, tokens, heads, dim, pos);
    double worst = 0;
    for (std::size_t t = 0; t < tokens; ++t)
        for (std::size_t h = 0; h < heads; ++h)
            for (std::size_t i = 0; i < dim / 2; ++i) {
                const std::size_t ia = t * heads * dim + h * dim + i, ib = ia + dim / 2;
                const long double angle =
                    static_cast<long double>(pos[t]) * std::pow(10000.0L, -static_cast<long double>(2 * i) / dim);
                const long double c = std::cos(angle), s = std::sin(angle);
                const long double a = x[ia], b = x[ib];
                const long double ra = a * c - b * s, rb = b * c + a * s;
                // relative to the pair's size: the rotation's cancellation makes one side small
                const double unit = std::ldexp(1.0, std::ilogb(double(std::hypot(a, b))) - 23);
                worst = std::max({worst, double(std::fabs(y[ia] - ra)) / unit, double(std::fabs(y[ib] - rb)) / unit});
            }
    MESSAGE("worst rope error: " << worst << " ulp of the pair's magnitude");
    CHECK(worst <= 3.0);
    // position 0 is no rotation
    const std::vector<float> z = roped(x, 1, heads, dim, {0});
    CHECK(first_difference(z.data(), x.data(), heads * dim) == npos);
}

TEST_CASE("rope gives a token the same bits whatever the other tokens, their positions and the thread count") {
    const std::size_t heads = 3, dim = 16, tokens = 50;
    std::vector<std::size_t> pos(tokens);
    for (std::size_t t = 0; t < tokens; ++t) pos[t] = (t * 37) % 23;  // two padded sequences' positions, shuffled
    const std::vector<float> x = random_matrix<float>(tokens, heads * dim, 8);
    const std::vector<float> all = roped(x, tokens, heads, dim, pos);
    for (unsigned th = 1; th <= 4; ++th)
        CHECK(first_difference(roped(x, tokens, heads, dim, pos, repro::rope_pairs::halves, th), all) == npos);
    for (std::size_t t = 0; t < tokens; t += 7) {
        const std::vector<float> one(x.begin() + t * heads * dim, x.begin() + (t + 1) * heads * dim);
        CHECK(first_difference(roped(one, 1, heads, dim, {pos[t]}).data(), all.data() + t * heads * dim,
                               heads * dim) == npos);
    }
}

TEST_CASE("interleaved rope is the halves rope of the interleaved layout, bit for bit") {
    const std::size_t dim = 10, tokens = 6;
    const std::vector<std::size_t> pos = {0, 1, 2, 100, 5000, 9};
    const std::vector<float> x = random_matrix<float>(tokens, dim, 12);
    std::vector<float> halves(x.size());
    for (std::size_t t = 0; t < tokens; ++t)
        for (std::size_t i = 0; i < dim / 2; ++i) {
            halves[t * dim + i] = x[t * dim + 2 * i];
            halves[t * dim + i + dim / 2] = x[t * dim + 2 * i + 1];
        }
    const std::vector<float> a = roped(x, tokens, 1, dim, pos, repro::rope_pairs::interleaved);
    const std::vector<float> b = roped(halves, tokens, 1, dim, pos);
    for (std::size_t t = 0; t < tokens; ++t)
        for (std::size_t i = 0; i < dim / 2; ++i) {
            CHECK(repro::bitwise_equal(a[t * dim + 2 * i], b[t * dim + i]));
            CHECK(repro::bitwise_equal(a[t * dim + 2 * i + 1], b[t * dim + i + dim / 2]));
        }
}

TEST_CASE("bad rope arguments are rejected with messages naming them") {
    std::vector<float> x(12, 1.0f);
    const std::size_t pos[] = {0, 1};
    CHECK(message_of([&] { repro::rope(x.data(), 2, 2, 3, pos); }) == "repro::rope: head_dim 3 is odd");
    CHECK(message_of([&] { repro::rope(x.data(), 2, 3, 2, pos, 1.0f); }) ==
          "repro::rope: base is not finite and > 1");
    CHECK(message_of([&] { repro::rope(x.data(), 2, 3, 2, nullptr); }) == "repro::rope: positions is a null pointer");
    CHECK(message_of([&] {
              repro::rope(x.data(), 2, 3, 2, pos, 10000.0f, repro::rope_pairs::halves, repro::threads{0});
          }) == "repro::rope: threads{0}");
}
