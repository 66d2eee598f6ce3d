// repro/random.hpp. Oracles from outside the code under test: Random123's
// published known-answer vectors (tests/data/random_kat.txt) and Random123
// itself (the reference implementation, compiled into this file beside
// repro); the documented derivations of keys, streams, distributions and the
// permutation recomputed from Random123's output; Philox inverted by hand to
// build streams that produce chosen words (so the exact ends of every range
// can be reached through the public API); Boost.Math's chi-square and normal
// quantiles for the statistical thresholds; counting for bijections.

#include <doctest/doctest.h>

// Random123 comes first on purpose: its function-like macros philox4x32(c, k),
// threefry2x32(c, k) and threefry4x32(c, k) are then defined while
// repro/random.hpp is read, so this file compiling proves repro's names do not
// collide with them.
#include <Random123/philox.h>
#include <Random123/threefry.h>

#if !defined(philox4x32) || !defined(threefry2x32) || !defined(threefry4x32)
#error "Random123's function-like macros should be defined here"
#endif

#include <algorithm>
#include <array>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <repro/fp.hpp>
#include <repro/isa.hpp>
#include <repro/random.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/bit_checks.hpp"
#include "support/random_kat.hpp"
#include "support/test_data.hpp"

using repro::u32x2;
using repro::u32x4;
using repro_test::splitmix64;

namespace {

// ---- Random123, the reference implementation ----

// The macro forms take Random123's default round counts; these are the ones
// repro's names promise.
static_assert(philox4x32_rounds == 10, "Random123's default Philox4x32 has 10 rounds");
static_assert(threefry2x32_rounds == 20 && threefry4x32_rounds == 20, "Random123's default Threefry has 20 rounds");

u32x4 r123_philox(u32x4 c, u32x2 k) {
    const philox4x32_ctr_t rc = {{c[0], c[1], c[2], c[3]}};
    const philox4x32_key_t rk = {{k[0], k[1]}};
    const philox4x32_ctr_t r = philox4x32(rc, rk);
    return {r.v[0], r.v[1], r.v[2], r.v[3]};
}

u32x2 r123_threefry2(u32x2 c, u32x2 k) {
    const threefry2x32_ctr_t rc = {{c[0], c[1]}};
    const threefry2x32_key_t rk = {{k[0], k[1]}};
    const threefry2x32_ctr_t r = threefry2x32(rc, rk);
    return {r.v[0], r.v[1]};
}

u32x4 r123_threefry4(u32x4 c, u32x4 k) {
    const threefry4x32_ctr_t rc = {{c[0], c[1], c[2], c[3]}};
    const threefry4x32_key_t rk = {{k[0], k[1], k[2], k[3]}};
    const threefry4x32_ctr_t r = threefry4x32(rc, rk);
    return {r.v[0], r.v[1], r.v[2], r.v[3]};
}

// ---- helpers ----

std::string hex(std::uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}

template <std::size_t N>
std::string hex(const std::array<std::uint32_t, N>& a) {
    std::string s = "{";
    for (std::size_t i = 0; i < N; ++i) s += (i ? ", " : "") + hex(a[i]);
    return s + "}";
}

std::uint32_t word32(splitmix64& g) { return static_cast<std::uint32_t>(g.next()); }

template <class T>
std::uint64_t bits_of(T x) {
    return static_cast<std::uint64_t>(repro::to_bits(x));
}

// Counts failures in a long loop and reports the first few with their
// context, so a broken loop says where without flooding the output.
class mismatch_counter {
public:
    template <class Context>
    void expect(bool ok, Context context) {
        if (!ok && ++count_ <= 5) FAIL_CHECK(context());
    }
    std::size_t count() const { return count_; }

private:
    std::size_t count_ = 0;
};

using repro_test::isa_name;
using repro_test::isa_restorer;

// generic, and avx2 where the CPU has it.
std::vector<repro::isa> available_isas() {
    isa_restorer restore;
    std::vector<repro::isa> v = {repro::isa::generic};
    repro::limit_isa(repro::isa::avx2);
    if (repro::active_isa() == repro::isa::avx2)
        v.push_back(repro::isa::avx2);
    else
        MESSAGE("this CPU has no AVX2: only the generic path is tested");
    return v;
}

// ---- Philox inverted by hand ----

// The inverse of an odd number modulo 2^32 (Newton's iteration doubles the
// correct low bits each step: 3, 6, 12, 24, 48).
std::uint32_t inverse_odd(std::uint32_t m) {
    std::uint32_t x = m;
    for (int i = 0; i < 5; ++i) x *= 2u - m * x;
    return x;
}

std::uint32_t mul_hi(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(a) * b) >> 32);
}

// The counter whose Philox4x32-10 output under `key` is y, from Salmon et
// al.'s round (multipliers 0xD2511F53, 0xCD9E8D57; key schedule 0x9E3779B9,
// 0xBB67AE85): y0 = hi(m1 x2) ^ x1 ^ k0, y1 = lo(m1 x2), y2 = hi(m0 x0) ^ x3 ^ k1,
// y3 = lo(m0 x0), undone from the last round back. Callers check the result
// with Random123.
u32x4 philox_inverse(u32x4 y, u32x2 key) {
    const std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
    const std::uint32_t i0 = inverse_odd(m0), i1 = inverse_odd(m1);
    for (std::uint32_t r = 10; r-- > 0;) {
        const std::uint32_t k0 = key[0] + r * 0x9E3779B9u, k1 = key[1] + r * 0xBB67AE85u;
        const std::uint32_t x0 = y[3] * i0, x2 = y[1] * i1;
        y = {x0, y[0] ^ mul_hi(m1, x2) ^ k0, x2, y[2] ^ mul_hi(m0, x0) ^ k1};
    }
    return y;
}

// A stream whose block at element `first` (a multiple of 4) is `words`: any
// Philox counter is some stream's block ({block, sample low, sample high,
// step}), so inverting Philox finds the stream.
struct crafted_stream {
    repro::random_stream stream;
    std::uint64_t first;  // elements first .. first + 3 are words[0 .. 3]
};

crafted_stream stream_with_block(u32x4 words, repro::random_key key) {
    const u32x4 c = philox_inverse(words, key.words);
    REQUIRE_MESSAGE(r123_philox(c, key.words) == words, "Philox inversion failed for " << hex(words));
    const std::uint64_t sample = (static_cast<std::uint64_t>(c[2]) << 32) | c[1];
    return {repro::random_stream(key, sample, c[3]), static_cast<std::uint64_t>(c[0]) * 4};
}

// ---- the documented stream layout, through Random123 ----

struct stream_params {
    repro::random_key key;
    std::uint64_t sample;
    std::uint32_t step;
};

std::vector<stream_params> some_streams() {
    splitmix64 g(0x5eed0001);
    std::vector<stream_params> v = {
        {repro::random_key::from_seed(0), 0, 0},
        {repro::random_key::from_seed(~std::uint64_t(0)), ~std::uint64_t(0), 0xffffffffu},
        {repro::random_key::from_seed(42), 7, 0},
    };
    for (int i = 0; i < 5; ++i) v.push_back({repro::random_key::from_seed(g.next()), g.next(), word32(g)});
    return v;
}

// Element i: word i % 4 of Philox4x32-10({i / 4, sample low, sample high, step}, key).
std::uint32_t ref_bits(const stream_params& s, std::uint64_t i) {
    const u32x4 ctr = {static_cast<std::uint32_t>(i >> 2), static_cast<std::uint32_t>(s.sample),
                       static_cast<std::uint32_t>(s.sample >> 32), s.step};
    return r123_philox(ctr, s.key.words)[i & 3];
}

// u64 of double element i: elements 2i + 1 (high) and 2i (low).
std::uint64_t ref_u64(const stream_params& s, std::uint64_t i) {
    return (static_cast<std::uint64_t>(ref_bits(s, 2 * i + 1)) << 32) | ref_bits(s, 2 * i);
}

float ref_u01_float(std::uint32_t w) { return std::ldexp(static_cast<float>(w >> 8), -24); }
float ref_open_float(std::uint32_t w) { return std::ldexp(static_cast<float>(2 * (w >> 9) + 1), -24); }
double ref_u01_double(std::uint64_t u) { return std::ldexp(static_cast<double>(u >> 11), -53); }
double ref_open_double(std::uint64_t u) { return std::ldexp(static_cast<double>(2 * (u >> 12) + 1), -53); }

template <class T>
T ref_uniform(const stream_params& s, std::uint64_t i) {
    if constexpr (sizeof(T) == 4)
        return ref_u01_float(ref_bits(s, i));
    else
        return ref_u01_double(ref_u64(s, i));
}

template <class T>
T ref_uniform_open(const stream_params& s, std::uint64_t i) {
    if constexpr (sizeof(T) == 4)
        return ref_open_float(ref_bits(s, i));
    else
        return ref_open_double(ref_u64(s, i));
}

// Box-Muller on pair p = i / 2 as documented: r = sqrt(-2 log u1), cos
// output for even i, sin for odd, with repro::math's log, sin2pi, cos2pi.
template <class T>
T ref_normal(const stream_params& s, std::uint64_t i) {
    const std::uint64_t p = i / 2;
    T u1, u2;
    if constexpr (sizeof(T) == 4) {
        u1 = ref_open_float(ref_bits(s, 2 * p));
        u2 = ref_u01_float(ref_bits(s, 2 * p + 1));
    } else {
        u1 = ref_open_double(ref_u64(s, 2 * p));
        u2 = ref_u01_double(ref_u64(s, 2 * p + 1));
    }
    const T r = std::sqrt(T(-2) * repro::math::log(u1));
    return (i & 1) ? r * repro::math::sin2pi(u2) : r * repro::math::cos2pi(u2);
}

repro::random_stream make_stream(const stream_params& s) { return repro::random_stream(s.key, s.sample, s.step); }

// ---- statistics ----

// Quantiles of the chi-square distribution (Boost.Math).
double chi2_upper(double dof, double p) {
    return boost::math::quantile(boost::math::complement(boost::math::chi_squared_distribution<double>(dof), p));
}
double chi2_lower(double dof, double p) {
    return boost::math::quantile(boost::math::chi_squared_distribution<double>(dof), p);
}

// Pearson's statistic for observed counts against expected counts.
double chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
    double x = 0;
    for (std::size_t k = 0; k < observed.size(); ++k) {
        const double d = observed[k] - expected[k];
        x += d * d / expected[k];
    }
    return x;
}

// Every statistical check uses a fixed seed, so it either always passes or
// always fails; the thresholds are set where a correct generator would fail
// with probability 1e-6 (two-sided chi-square, both tails: too uneven and
// too even), or at 6 standard errors (about 2e-9), so that a pass is
// expected for any seed and a failure means a real defect.
constexpr double chi2_tail = 1e-6;

}  // namespace

// ============================================================ known answers

// Compile time: one published vector per generator, and the stream layout
// through the all-zero and pi vectors (a stream's block b is the Philox counter
// {b, sample low, sample high, step} under its key).
namespace {
constexpr bool same4(const u32x4& a, const u32x4& b) {
    return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}
constexpr bool same2(const u32x2& a, const u32x2& b) { return a[0] == b[0] && a[1] == b[1]; }

static_assert(same4(repro::philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                                         {0xa4093822u, 0x299f31d0u}),
                    {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}),
              "Philox4x32-10 pi vector at compile time");
static_assert(same2(repro::threefry2x32_20({0x243f6a88u, 0x85a308d3u}, {0x13198a2eu, 0x03707344u}),
                    {0xc4923a9cu, 0x483df7a0u}),
              "Threefry2x32-20 pi vector at compile time");
static_assert(same4(repro::threefry4x32_20({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                                           {0xa4093822u, 0x299f31d0u, 0x082efa98u, 0xec4e6c89u}),
                    {0x59cd1dbbu, 0xb8879579u, 0x86b5d00cu, 0xac8b6d84u}),
              "Threefry4x32-20 pi vector at compile time");

constexpr repro::random_stream zero_stream(repro::random_key::from_seed(0), 0, 0);
static_assert(zero_stream.bits(0) == 0x6627e8d5u && zero_stream.bits(3) == 0x9b00dbd8u,
              "stream block 0 of sample 0, step 0 under the zero key is Philox's all-zero vector");
constexpr repro::random_stream pi_stream(repro::random_key::from_seed(0x299f31d0a4093822u), 0x13198a2e85a308d3u,
                                         0x03707344u);
static_assert(pi_stream.bits(4 * std::uint64_t(0x243f6a88u)) == 0xd16cfe09u &&
                  pi_stream.bits(4 * std::uint64_t(0x243f6a88u) + 2) == 0x5001e420u,
              "stream counter layout {block, sample low, sample high, step} on Philox's pi vector");
static_assert(repro::random_key::from_seed(0x0123456789abcdefu).words[0] == 0x89abcdefu &&
                  repro::random_key::from_seed(0x0123456789abcdefu).words[1] == 0x01234567u,
              "from_seed: {low 32 bits, high 32 bits}");
constexpr repro::random_key folded = repro::random_key::from_seed(1).fold_in(2);
constexpr auto children = repro::random_key::from_seed(1).split();
static_assert(folded != children[0] && children[0] != children[1], "fold_in and split are constexpr");
}  // namespace

TEST_CASE("the known-answer file holds Random123's vectors for every generator, and Random123 agrees") {
    const auto kats = repro_test::random_kat_vectors();
    std::map<std::string, int> per_name;
    for (const auto& v : kats) ++per_name[v.name];
    CHECK(kats.size() == 9);
    CHECK(per_name["philox4x32"] == 3);
    CHECK(per_name["threefry2x32"] == 3);
    CHECK(per_name["threefry4x32"] == 3);
    // The file itself against the installed reference implementation.
    for (const auto& v : kats) {
        INFO("line " << v.line << ": " << v.name);
        if (v.name == "philox4x32") {
            REQUIRE(v.rounds == 10);
            const u32x4 r = r123_philox({v.ctr[0], v.ctr[1], v.ctr[2], v.ctr[3]}, {v.key[0], v.key[1]});
            CHECK(hex(r) == hex(u32x4{v.expected[0], v.expected[1], v.expected[2], v.expected[3]}));
        } else if (v.name == "threefry2x32") {
            REQUIRE(v.rounds == 20);
            const u32x2 r = r123_threefry2({v.ctr[0], v.ctr[1]}, {v.key[0], v.key[1]});
            CHECK(hex(r) == hex(u32x2{v.expected[0], v.expected[1]}));
        } else {
            REQUIRE(v.rounds == 20);
            const u32x4 r =
                r123_threefry4({v.ctr[0], v.ctr[1], v.ctr[2], v.ctr[3]}, {v.key[0], v.key[1], v.key[2], v.key[3]});
            CHECK(hex(r) == hex(u32x4{v.expected[0], v.expected[1], v.expected[2], v.expected[3]}));
        }
    }
}

TEST_CASE("the known-answer reader refuses malformed files") {
    const std::string path = "random_kat_reader_test.txt";
    auto refused = [&](const std::string& text) {
        {
            std::ofstream f(path);
            f << text;
        }
        bool threw = false;
        try {
            repro_test::read_random_kat(path);
        } catch (const std::runtime_error&) {
            threw = true;
        }
        std::remove(path.c_str());
        return threw;
    };
    CHECK(refused("philox4x64 10 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"));
    CHECK(refused("threefry2x32 20 00000000 00000000 00000000 00000000 6b200159\n"));
    CHECK(refused("threefry2x32 20 00000000 00000000 00000000 0000000 6b200159 99ba4efe\n"));
    CHECK(refused("threefry2x32 20 00000000 00000000 00000000 0000000g 6b200159 99ba4efe\n"));
    CHECK(refused("threefry2x32 x 00000000 00000000 00000000 00000000 6b200159 99ba4efe\n"));
    CHECK_FALSE(refused("# comment\n\nthreefry2x32 20 00000000 00000000 00000000 00000000 6b200159 99ba4efe\n"));
    CHECK_THROWS_AS(repro_test::read_random_kat("no/such/file.txt"), std::runtime_error);
}

TEST_CASE("philox4x32_10, threefry2x32_20 and threefry4x32_20 reproduce Random123's known answers") {
    const auto kats = repro_test::random_kat_vectors();
    REQUIRE(!kats.empty());
    for (const auto& v : kats) {
        INFO("line " << v.line << ": " << v.name << " " << v.rounds);
        if (v.name == "philox4x32") {
            REQUIRE(v.rounds == 10);
            const u32x4 r = repro::philox4x32_10({v.ctr[0], v.ctr[1], v.ctr[2], v.ctr[3]}, {v.key[0], v.key[1]});
            CHECK(hex(r) == hex(u32x4{v.expected[0], v.expected[1], v.expected[2], v.expected[3]}));
            // The bulk form on every path, as one block.
            isa_restorer restore;
            for (const repro::isa i : available_isas()) {
                repro::limit_isa(i);
                u32x4 bulk{};
                repro::philox4x32_10_fill({v.ctr[0], v.ctr[1], v.ctr[2], v.ctr[3]}, {v.key[0], v.key[1]}, bulk.data(),
                                          1);
                CHECK_MESSAGE(hex(bulk) == hex(r), isa_name(i));
            }
        } else if (v.name == "threefry2x32") {
            REQUIRE(v.rounds == 20);
            const u32x2 r = repro::threefry2x32_20({v.ctr[0], v.ctr[1]}, {v.key[0], v.key[1]});
            CHECK(hex(r) == hex(u32x2{v.expected[0], v.expected[1]}));
        } else {
            REQUIRE(v.name == "threefry4x32");
            REQUIRE(v.rounds == 20);
            const u32x4 r = repro::threefry4x32_20({v.ctr[0], v.ctr[1], v.ctr[2], v.ctr[3]},
                                                   {v.key[0], v.key[1], v.key[2], v.key[3]});
            CHECK(hex(r) == hex(u32x4{v.expected[0], v.expected[1], v.expected[2], v.expected[3]}));
        }
    }
}

// ============================================================ Random123 cross-check

TEST_CASE("the generators equal Random123's on 10^5 random counters and keys and on every one-bit input") {
    constexpr int n = 100000;
    splitmix64 g(0xc0ffee);
    mismatch_counter bad;
    for (int t = 0; t < n; ++t) {
        const u32x4 c = {word32(g), word32(g), word32(g), word32(g)};
        const u32x4 k = {word32(g), word32(g), word32(g), word32(g)};
        const u32x2 c2 = {c[0], c[1]}, k2 = {k[0], k[1]};
        bad.expect(repro::philox4x32_10(c, k2) == r123_philox(c, k2),
                   [&] { return "philox4x32_10 " + hex(c) + " " + hex(k2); });
        bad.expect(repro::threefry2x32_20(c2, k2) == r123_threefry2(c2, k2),
                   [&] { return "threefry2x32_20 " + hex(c2) + " " + hex(k2); });
        bad.expect(repro::threefry4x32_20(c, k) == r123_threefry4(c, k),
                   [&] { return "threefry4x32_20 " + hex(c) + " " + hex(k); });
    }
    // One set bit anywhere in counter or key (carries and rotations at word edges).
    for (int b = 0; b < 256; ++b) {
        u32x4 c{}, k{};
        (b < 128 ? c : k)[static_cast<std::size_t>((b % 128) / 32)] = 1u << (b % 32);
        const u32x2 c2 = {c[0], c[1]}, k2 = {k[0], k[1]};
        bad.expect(repro::philox4x32_10(c, k2) == r123_philox(c, k2),
                   [&] { return "philox bit " + std::to_string(b); });
        bad.expect(repro::threefry2x32_20(c2, k2) == r123_threefry2(c2, k2),
                   [&] { return "threefry2x32 bit " + std::to_string(b); });
        bad.expect(repro::threefry4x32_20(c, k) == r123_threefry4(c, k),
                   [&] { return "threefry4x32 bit " + std::to_string(b); });
    }
    CHECK(bad.count() == 0);
}

// ============================================================ bulk Philox

TEST_CASE("philox4x32_10_fill: AVX2 and generic give the scalar bits, with counter word 0 wrapping") {
    isa_restorer restore;
    const std::size_t counts[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 1000};
    splitmix64 g(0xf111);
    const std::uint32_t word0s[] = {0, 5, word32(g), 0xffffffffu - 3, 0xfffffff8u, 0xffffffffu, 0xffffffffu - 500};
    const u32x2 key = {word32(g), word32(g)};
    const u32x4 rest = {0, word32(g), word32(g), word32(g)};
    constexpr std::uint32_t canary = 0xdeadbeefu;
    const auto isas = available_isas();
    for (const std::size_t blocks : counts)
        for (const std::uint32_t w0 : word0s) {
            const u32x4 ctr = {w0, rest[1], rest[2], rest[3]};
            std::vector<std::vector<std::uint32_t>> per_isa;
            for (const repro::isa i : isas) {
                repro::limit_isa(i);
                REQUIRE(repro::active_isa() == i);
                // One word of offset (unaligned stores) and canaries on both sides.
                std::vector<std::uint32_t> buf(4 * blocks + 10, canary);
                repro::philox4x32_10_fill(ctr, key, buf.data() + 1, blocks);
                INFO(isa_name(i) << ", " << blocks << " blocks from word 0 = " << hex(w0));
                CHECK(buf[0] == canary);
                for (std::size_t k = 4 * blocks + 1; k < buf.size(); ++k) CHECK(buf[k] == canary);
                mismatch_counter bad;
                for (std::size_t b = 0; b < blocks; ++b) {
                    // Word 0 wraps modulo 2^32 with no carry into word 1.
                    const u32x4 cb = {static_cast<std::uint32_t>(w0 + b), ctr[1], ctr[2], ctr[3]};
                    const u32x4 scalar = repro::philox4x32_10(cb, key);
                    const u32x4 r123 = r123_philox(cb, key);
                    const u32x4 got = {buf[1 + 4 * b], buf[2 + 4 * b], buf[3 + 4 * b], buf[4 + 4 * b]};
                    bad.expect(got == scalar && got == r123, [&] { return "block " + std::to_string(b); });
                }
                CHECK(bad.count() == 0);
                per_isa.emplace_back(buf.begin() + 1, buf.end());
            }
            for (std::size_t i = 1; i < per_isa.size(); ++i) CHECK(per_isa[i] == per_isa[0]);
        }
}

TEST_CASE("philox4x32_10_fill refuses a null output only when there is something to write") {
    CHECK_NOTHROW(repro::philox4x32_10_fill({0, 0, 0, 0}, {0, 0}, nullptr, 0));
    CHECK_THROWS_AS(repro::philox4x32_10_fill({0, 0, 0, 0}, {0, 0}, nullptr, 1), std::invalid_argument);
}

// ============================================================ keys

TEST_CASE("random_key: from_seed, fold_in and split follow their documented Threefry4x32 derivations") {
    splitmix64 g(0x4b4559);
    mismatch_counter bad;
    for (int t = 0; t < 2000; ++t) {
        const std::uint64_t seed = t < 3 ? (t == 0 ? 0 : t == 1 ? ~std::uint64_t(0) : 1) : g.next();
        const repro::random_key k = repro::random_key::from_seed(seed);
        bad.expect(
            k.words[0] == static_cast<std::uint32_t>(seed) && k.words[1] == static_cast<std::uint32_t>(seed >> 32),
            [&] { return "from_seed " + hex(seed); });
        const std::uint64_t tag = (t % 4 == 0) ? static_cast<std::uint64_t>(t) : g.next();
        // fold_in(tag) = words 0-1 of threefry4x32_20({tag lo, tag hi, 0, 0}, {k0, k1, "fold", 0}).
        const u32x4 f = r123_threefry4({static_cast<std::uint32_t>(tag), static_cast<std::uint32_t>(tag >> 32), 0, 0},
                                       {k.words[0], k.words[1], 0x666f6c64u, 0});
        const repro::random_key folded_key = k.fold_in(tag);
        bad.expect(folded_key.words[0] == f[0] && folded_key.words[1] == f[1],
                   [&] { return "fold_in seed " + hex(seed) + " tag " + hex(tag); });
        // split() = {words 0-1, words 2-3} of threefry4x32_20({0, 0, 0, 0}, {k0, k1, "splt", 0}).
        const u32x4 s = r123_threefry4({0, 0, 0, 0}, {k.words[0], k.words[1], 0x73706c74u, 0});
        const auto kids = k.split();
        bad.expect(kids[0].words[0] == s[0] && kids[0].words[1] == s[1] && kids[1].words[0] == s[2] &&
                       kids[1].words[1] == s[3],
                   [&] { return "split seed " + hex(seed); });
    }
    CHECK(bad.count() == 0);
}

TEST_CASE("random_key: different tags fold to different keys; children differ from each other and the parent") {
    for (const std::uint64_t seed : {std::uint64_t(0), std::uint64_t(1), std::uint64_t(0xfeedfacecafebeefu)}) {
        const repro::random_key k = repro::random_key::from_seed(seed);
        std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
        // Small tags (layer ids) and tags that differ only in the high word.
        for (std::uint64_t tag = 0; tag < 20000; ++tag) {
            const auto f = k.fold_in(tag);
            seen.insert({f.words[0], f.words[1]});
        }
        for (std::uint64_t hi = 1; hi <= 1000; ++hi) {
            const auto f = k.fold_in(hi << 32);
            seen.insert({f.words[0], f.words[1]});
        }
        CHECK(seen.size() == 21000);
        CHECK(k.fold_in(1) != k);
        CHECK(k.fold_in(1) == k.fold_in(1));
        const auto kids = k.split();
        CHECK(kids[0] != kids[1]);
        CHECK(kids[0] != k);
        CHECK(kids[1] != k);
        CHECK(kids[0] != k.fold_in(0));
    }
    CHECK(repro::random_key::from_seed(1).fold_in(5) != repro::random_key::from_seed(2).fold_in(5));
}

// ============================================================ streams

TEST_CASE("random_stream element forms equal the documented formulas on Random123's Philox output") {
    splitmix64 g(0x57e4);
    for (const auto& sp : some_streams()) {
        const repro::random_stream s = make_stream(sp);
        CHECK(s.key() == sp.key);
        CHECK(s.sample() == sp.sample);
        CHECK(s.step() == sp.step);
        std::vector<std::uint64_t> idx;
        for (std::uint64_t i = 0; i < 200; ++i) idx.push_back(i);
        for (int t = 0; t < 300; ++t) idx.push_back(g.next() >> 31);  // < 2^33: every form's block index fits
        idx.push_back((std::uint64_t(1) << 33) - 1);
        mismatch_counter bad;
        for (const std::uint64_t i : idx) {
            auto where = [&] { return "sample " + hex(sp.sample) + " element " + hex(i); };
            bad.expect(s.bits(i) == ref_bits(sp, i), where);
            bad.expect(bits_of(s.uniform<float>(i)) == bits_of(ref_uniform<float>(sp, i)), where);
            bad.expect(bits_of(s.uniform<double>(i)) == bits_of(ref_uniform<double>(sp, i)), where);
            bad.expect(bits_of(s.uniform_open<float>(i)) == bits_of(ref_uniform_open<float>(sp, i)), where);
            bad.expect(bits_of(s.uniform_open<double>(i)) == bits_of(ref_uniform_open<double>(sp, i)), where);
            bad.expect(bits_of(s.normal<float>(i)) == bits_of(ref_normal<float>(sp, i)), where);
            bad.expect(bits_of(s.normal<double>(i)) == bits_of(ref_normal<double>(sp, i)), where);
        }
        // The last elements of the block range of bits(): i < 2^34.
        for (std::uint64_t i = (std::uint64_t(1) << 34) - 8; i < (std::uint64_t(1) << 34); ++i)
            bad.expect(s.bits(i) == ref_bits(sp, i), [&] { return "element " + hex(i); });
        CHECK(bad.count() == 0);
    }
}

TEST_CASE("normal() is Box-Muller: it matches sqrt(-2 ln u1) cos/sin(2 pi u2) in long double") {
    // Independent of repro::math: libm in long double. The bound covers a few
    // ulps of error in log, sqrt and the trigonometric factor times r <= 8.6.
    const stream_params sp = {repro::random_key::from_seed(77), 3, 1};
    const repro::random_stream s = make_stream(sp);
    const long double two_pi = 6.283185307179586476925286766559L;
    double worst_f = 0, worst_d = 0;
    for (std::uint64_t i = 0; i < 20000; ++i) {
        const std::uint64_t p = i / 2;
        {
            const long double u1 = ref_open_float(ref_bits(sp, 2 * p)), u2 = ref_u01_float(ref_bits(sp, 2 * p + 1));
            const long double r = std::sqrt(-2 * std::log(u1));
            const long double z = (i & 1) ? r * std::sin(two_pi * u2) : r * std::cos(two_pi * u2);
            worst_f = std::max(worst_f, static_cast<double>(std::fabs(s.normal<float>(i) - z) / (1 + r)));
        }
        {
            const long double u1 = ref_open_double(ref_u64(sp, 2 * p)), u2 = ref_u01_double(ref_u64(sp, 2 * p + 1));
            const long double r = std::sqrt(-2 * std::log(u1));
            const long double z = (i & 1) ? r * std::sin(two_pi * u2) : r * std::cos(two_pi * u2);
            worst_d = std::max(worst_d, static_cast<double>(std::fabs(s.normal<double>(i) - z) / (1 + r)));
        }
    }
    CHECK(worst_f < 8 * 0x1p-24);
    CHECK(worst_d < 8 * 0x1p-53);
}

TEST_CASE("fill_bits, fill_uniform and fill_normal equal the element forms for every offset and length") {
    isa_restorer restore;
    const auto streams = some_streams();
    for (const repro::isa path_isa : available_isas()) {
        repro::limit_isa(path_isa);
        for (std::size_t si = 0; si < 3; ++si) {
            const repro::random_stream s = make_stream(streams[si + 3]);
            struct span_case {
                std::uint64_t first;
                std::size_t n;
            };
            std::vector<span_case> cases;
            for (std::uint64_t first = 0; first < 10; ++first)
                for (std::size_t n = 0; n <= 70; ++n) cases.push_back({first, n});
            // Long: several of fill_groups' 512-group buffers, with an odd start.
            cases.push_back({3, 5000});
            // Far out: near the end of the block range of the double forms (i < 2^33).
            cases.push_back({(std::uint64_t(1) << 33) - 3000, 2990});
            mismatch_counter bad;
            constexpr std::uint32_t canary = 0xa5a5a5a5u;
            for (const auto& c : cases) {
                auto where = [&] {
                    return std::string(isa_name(path_isa)) + " first " + std::to_string(c.first) + " n " +
                           std::to_string(c.n);
                };
                std::vector<std::uint32_t> w(c.n + 1, canary);
                s.fill_bits(w.data(), c.n, c.first);
                std::vector<float> uf(c.n + 1, -1.0f), nf(c.n + 1, -1e30f);
                std::vector<double> ud(c.n + 1, -1.0), nd(c.n + 1, -1e300);
                s.fill_uniform(uf.data(), c.n, c.first);
                s.fill_uniform(ud.data(), c.n, c.first);
                s.fill_normal(nf.data(), c.n, c.first);
                s.fill_normal(nd.data(), c.n, c.first);
                for (std::size_t k = 0; k < c.n; ++k) {
                    const std::uint64_t i = c.first + k;
                    bad.expect(w[k] == s.bits(i), where);
                    bad.expect(bits_of(uf[k]) == bits_of(s.uniform<float>(i)), where);
                    bad.expect(bits_of(ud[k]) == bits_of(s.uniform<double>(i)), where);
                    bad.expect(bits_of(nf[k]) == bits_of(s.normal<float>(i)), where);
                    bad.expect(bits_of(nd[k]) == bits_of(s.normal<double>(i)), where);
                }
                bad.expect(
                    w[c.n] == canary && uf[c.n] == -1.0f && ud[c.n] == -1.0 && nf[c.n] == -1e30f && nd[c.n] == -1e300,
                    [&] { return where() + ": wrote past the end"; });
            }
            CHECK(bad.count() == 0);
        }
    }
    const repro::random_stream s = make_stream(streams[0]);
    CHECK_NOTHROW(s.fill_bits(nullptr, 0, 5));
    CHECK_NOTHROW(s.fill_uniform(static_cast<float*>(nullptr), 0));
    CHECK_NOTHROW(s.fill_normal(static_cast<double*>(nullptr), 0));
    CHECK_THROWS_AS(s.fill_bits(nullptr, 1), std::invalid_argument);
    CHECK_THROWS_AS(s.fill_uniform(static_cast<float*>(nullptr), 1), std::invalid_argument);
    CHECK_THROWS_AS(s.fill_uniform(static_cast<double*>(nullptr), 1), std::invalid_argument);
    CHECK_THROWS_AS(s.fill_normal(static_cast<float*>(nullptr), 2), std::invalid_argument);
    CHECK_THROWS_AS(s.fill_normal(static_cast<double*>(nullptr), 2), std::invalid_argument);
}

TEST_CASE("inverting Philox by hand round-trips through Random123 (the tool the range tests use)") {
    splitmix64 g(0x1a7e);
    for (int t = 0; t < 1000; ++t) {
        const u32x4 y = {word32(g), word32(g), word32(g), word32(g)};
        const u32x2 k = {word32(g), word32(g)};
        const u32x4 c = philox_inverse(y, k);
        REQUIRE(r123_philox(c, k) == y);
        REQUIRE(philox_inverse(r123_philox(y, k), k) == y);
    }
}

TEST_CASE("uniform and uniform_open reach exactly the ends of their ranges and never 0 or 1 when open") {
    const repro::random_key key = repro::random_key::from_seed(0xabcdef);
    SUBCASE("float: word 0 gives 0, 0xffffffff gives 1 - 2^-24; open: 2^-24 and 1 - 2^-24") {
        const auto c = stream_with_block({0x00000000u, 0xffffffffu, 0x000000ffu, 0x00000100u}, key);
        const auto& s = c.stream;
        CHECK(s.bits(c.first + 1) == 0xffffffffu);
        CHECK(bits_of(s.uniform<float>(c.first)) == bits_of(0.0f));
        CHECK(s.uniform<float>(c.first + 1) == 1.0f - 0x1p-24f);
        CHECK(s.uniform<float>(c.first + 1) < 1.0f);
        CHECK(s.uniform<float>(c.first + 2) == 0.0f);      // the low 8 bits are dropped
        CHECK(s.uniform<float>(c.first + 3) == 0x1p-24f);  // 0x100 >> 8 = 1
        CHECK(s.uniform_open<float>(c.first) == 0x1p-24f);
        CHECK(s.uniform_open<float>(c.first + 1) == 1.0f - 0x1p-24f);
        CHECK(s.uniform_open<float>(c.first + 2) == 0x1p-24f);
        CHECK(s.uniform_open<float>(c.first + 3) == 0x1p-24f);  // 0x100 >> 9 = 0
        std::array<float, 4> f{};
        s.fill_uniform(f.data(), 4, c.first);
        CHECK(f == std::array<float, 4>{0.0f, 1.0f - 0x1p-24f, 0.0f, 0x1p-24f});
        // Box-Muller at the extremes: u1 = 2^-24 gives r = sqrt(48 ln 2) = 5.768...,
        // u2 = 1 - 2^-24 a factor cos ~ 1; finite, the largest |z| a float stream makes.
        const float z0 = s.normal<float>(c.first), z1 = s.normal<float>(c.first + 1);
        CHECK(std::isfinite(z0));
        CHECK(std::fabs(z0 - std::sqrt(48 * std::log(2.0))) < 1e-5);
        CHECK(z1 < 0.0f);  // sin(2 pi (1 - 2^-24)) < 0, tiny
        CHECK(z1 > -1e-5f);
    }
    SUBCASE("float Box-Muller with u1 = 1 - 2^-24 and u2 = 0: small positive r, sin output +0") {
        const auto c = stream_with_block({0xffffffffu, 0x00000000u, 0x12345678u, 0x9abcdef0u}, key);
        const float z0 = c.stream.normal<float>(c.first), z1 = c.stream.normal<float>(c.first + 1);
        // r = sqrt(-2 ln(1 - 2^-24)) ~ 2^-11.5.
        CHECK(z0 > 3.4e-4f);
        CHECK(z0 < 3.5e-4f);
        CHECK(bits_of(z1) == bits_of(0.0f));
    }
    SUBCASE("double: u64 0 gives 0, all ones gives 1 - 2^-53; open: 2^-53 and 1 - 2^-53") {
        const auto c = stream_with_block({0x00000000u, 0x00000000u, 0xffffffffu, 0xffffffffu}, key);
        const std::uint64_t d = c.first / 2;  // double element d uses words 2d, 2d + 1
        const auto& s = c.stream;
        CHECK(bits_of(s.uniform<double>(d)) == bits_of(0.0));
        CHECK(s.uniform<double>(d + 1) == 1.0 - 0x1p-53);
        CHECK(s.uniform<double>(d + 1) < 1.0);
        CHECK(s.uniform_open<double>(d) == 0x1p-53);
        CHECK(s.uniform_open<double>(d + 1) == 1.0 - 0x1p-53);
        std::array<double, 2> u{};
        s.fill_uniform(u.data(), 2, d);
        CHECK(u == std::array<double, 2>{0.0, 1.0 - 0x1p-53});
        // normal<double> pair d / 2 takes the whole block: u1 = 2^-53, u2 = 1 - 2^-53;
        // r = sqrt(106 ln 2) = 8.5717...
        const double z0 = s.normal<double>(d);
        CHECK(std::isfinite(z0));
        CHECK(std::fabs(z0 - std::sqrt(106 * std::log(2.0))) < 1e-12);
    }
    SUBCASE("open forms stay inside (0, 1) on a long stretch of ordinary words") {
        const repro::random_stream s(key, 99, 3);
        bool inside = true;
        for (std::uint64_t i = 0; i < 100000; ++i) {
            const float f = s.uniform_open<float>(i);
            const double d = s.uniform_open<double>(i);
            const float h = s.uniform<float>(i);
            const double e = s.uniform<double>(i);
            inside = inside && f > 0 && f < 1 && d > 0 && d < 1 && h >= 0 && h < 1 && e >= 0 && e < 1;
        }
        CHECK(inside);
    }
}

TEST_CASE("bernoulli(i, p) is bits < floor(p 2^32): exact at the edges") {
    const repro::random_key key = repro::random_key::from_seed(0xbe);
    const auto c = stream_with_block({0x00000000u, 0xffffffffu, 0x000000ffu, 0xfffffffeu}, key);
    const auto& s = c.stream;
    const std::uint64_t i0 = c.first, i1 = c.first + 1, i2 = c.first + 2, i3 = c.first + 3;
    CHECK_FALSE(s.bernoulli(i0, 0.0));
    CHECK(s.bernoulli(i0, 0x1p-32));              // threshold 1
    CHECK_FALSE(s.bernoulli(i0, 0x1p-33));        // threshold floor(0.5) = 0
    CHECK(s.bernoulli(i1, 1.0));                  // threshold 2^32: always
    CHECK_FALSE(s.bernoulli(i1, 1.0 - 0x1p-32));  // threshold 2^32 - 1
    CHECK_FALSE(s.bernoulli(i1, 1.0 - 0x1p-33));  // floor(2^32 - 1/2)
    CHECK(s.bernoulli(i3, 1.0 - 0x1p-32));
    CHECK(s.bernoulli(i2, 256 * 0x1p-32));
    CHECK_FALSE(s.bernoulli(i2, 255 * 0x1p-32));
    for (const double p : {-0.1, 1.1, -0.0 - 1e-300, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::infinity()}) {
        CAPTURE(p);
        CHECK_THROWS_AS((void)s.bernoulli(i0, p), std::invalid_argument);
    }
    CHECK_NOTHROW((void)s.bernoulli(i0, -0.0));
}

// ============================================================ statistics

TEST_CASE("10^6 float and double uniforms pass a 256-bin chi-square test") {
    // 255 degrees of freedom; both tails at p = 1e-6 (Boost.Math quantiles:
    // about 377 above and 162 below).
    constexpr std::size_t n = 1000000, bins = 256;
    const double hi = chi2_upper(bins - 1, chi2_tail), lo = chi2_lower(bins - 1, chi2_tail);
    CHECK(hi > 370);
    CHECK(hi < 385);
    const repro::random_stream s(repro::random_key::from_seed(20240601), 5, 0);
    std::vector<float> f(n);
    std::vector<double> d(n);
    s.fill_uniform(f.data(), n);
    s.fill_uniform(d.data(), n, 17);
    std::vector<double> of(bins, 0), od(bins, 0), ol(bins, 0);
    const std::vector<double> expected(bins, static_cast<double>(n) / bins);
    for (std::size_t k = 0; k < n; ++k) {
        of[static_cast<std::size_t>(f[k] * bins)] += 1;  // exact: f = m 2^-24
        od[static_cast<std::size_t>(d[k] * bins)] += 1;
        ol[s.bits(k + 3) & 0xff] += 1;  // the low 8 bits of the words, which float drops
    }
    for (const auto* o : {&of, &od, &ol}) {
        const double x = chi_square(*o, expected);
        CAPTURE(x);
        CHECK(x < hi);
        CHECK(x > lo);
    }
}

TEST_CASE_TEMPLATE("10^6 normals have mean 0, variance 1, skewness 0 and kurtosis 3 within 6 standard errors", T, float,
                   double) {
    // Standard errors of the sample moments of a normal sample of size n:
    // mean 1/sqrt(n), variance sqrt(2/n), skewness sqrt(6/n), kurtosis
    // sqrt(24/n). 6 of them: a correct generator fails with p ~ 2e-9.
    // (Box-Muller with u1 >= 2^-24 cuts the float tails at |z| = 5.77, a
    // mass of 8e-9: invisible at this size.)
    constexpr std::size_t n = 1000000;
    const repro::random_stream s(repro::random_key::from_seed(31337), 12345, 2);
    std::vector<T> z(n);
    s.fill_normal(z.data(), n, 1);
    long double s1 = 0;
    for (const T v : z) s1 += v;
    const long double mean = s1 / n;
    long double m2 = 0, m3 = 0, m4 = 0;
    for (const T v : z) {
        const long double d = v - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    const double var = static_cast<double>(m2), skew = static_cast<double>(m3 / std::pow(m2, 1.5L)),
                 kurt = static_cast<double>(m4 / (m2 * m2));
    const double rn = std::sqrt(static_cast<double>(n));
    CAPTURE(mean);
    CAPTURE(var);
    CAPTURE(skew);
    CAPTURE(kurt);
    CHECK(std::fabs(static_cast<double>(mean)) < 6 / rn);
    CHECK(std::fabs(var - 1) < 6 * std::sqrt(2.0) / rn);
    CHECK(std::fabs(skew) < 6 * std::sqrt(6.0) / rn);
    CHECK(std::fabs(kurt - 3) < 6 * std::sqrt(24.0) / rn);

    // The shape, not only the moments: 100 equiprobable bins between normal
    // quantiles (Boost.Math), chi-square with 99 dof at p = 1e-6 both tails.
    constexpr std::size_t bins = 100;
    const boost::math::normal_distribution<double> nd;
    std::vector<double> edges;
    for (std::size_t k = 1; k < bins; ++k) edges.push_back(boost::math::quantile(nd, static_cast<double>(k) / bins));
    std::vector<double> observed(bins, 0);
    for (const T v : z)
        observed[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), static_cast<double>(v)) -
                                          edges.begin())] += 1;
    const double x = chi_square(observed, std::vector<double>(bins, static_cast<double>(n) / bins));
    CAPTURE(x);
    CHECK(x < chi2_upper(bins - 1, chi2_tail));
    CHECK(x > chi2_lower(bins - 1, chi2_tail));
}

TEST_CASE("bernoulli frequencies match floor(p 2^32) / 2^32 within 6 standard errors") {
    constexpr std::uint64_t n = 1000000;
    const repro::random_stream s(repro::random_key::from_seed(8), 1, 0);
    for (const double p : {0.001, 0.1, 0.5, 0.9, 0.999}) {
        std::uint64_t hits = 0;
        for (std::uint64_t i = 0; i < n; ++i) hits += s.bernoulli(i, p) ? 1 : 0;
        const double q = std::floor(p * 4294967296.0) / 4294967296.0;
        const double sd = std::sqrt(n * q * (1 - q));
        CAPTURE(p);
        CAPTURE(hits);
        CHECK(std::fabs(static_cast<double>(hits) - n * q) < 6 * sd);
    }
    std::uint64_t never = 0, always = 0;
    for (std::uint64_t i = 0; i < 10000; ++i) {
        never += s.bernoulli(i, 0.0) ? 1 : 0;
        always += s.bernoulli(i, 1.0) ? 1 : 0;
    }
    CHECK(never == 0);
    CHECK(always == 10000);
}

// Lemire's multiply-and-reject, written from its description, on the
// stream's element form: returns the value and advances `pos`.
std::uint32_t ref_uniform_int(const repro::random_stream& s, std::uint64_t& pos, std::uint32_t n) {
    const std::uint32_t reject_below = static_cast<std::uint32_t>((std::uint64_t(1) << 32) % n);
    for (;;) {
        const std::uint64_t m = static_cast<std::uint64_t>(s.bits(pos++)) * n;
        if (static_cast<std::uint32_t>(m) >= reject_below) return static_cast<std::uint32_t>(m >> 32);
    }
}

TEST_CASE("uniform_int(n): in range, the documented Lemire draws, unbiased, and n = 0 refused") {
    constexpr std::uint64_t draws = 200000;
    const std::uint32_t ns[] = {1, 2, 3, 7, 1000, 0x80000001u, 0xffffffffu};
    for (const std::uint32_t n : ns) {
        CAPTURE(n);
        repro::random_stream s(repro::random_key::from_seed(n), 4, 0);
        s.seek(11);
        std::uint64_t ref_pos = 11;
        bool in_range = true, same = true;
        std::vector<double> observed(n <= 1000 ? n : 64, 0);
        for (std::uint64_t d = 0; d < draws; ++d) {
            const std::uint32_t v = s.uniform_int(n);
            in_range = in_range && v < n;
            same = same && v == ref_uniform_int(s, ref_pos, n) && s.position() == ref_pos;
            if (n <= 1000)
                observed[v] += 1;
            else
                observed[static_cast<std::size_t>(static_cast<std::uint64_t>(v) * 64 / n)] += 1;
        }
        CHECK(in_range);
        CHECK(same);
        // Words used: each is accepted with probability q = (2^32 - 2^32 mod n) / 2^32, so
        // draws / q are expected, with standard deviation sqrt(draws (1 - q)) / q.
        const double two32 = 4294967296.0;
        const double q = (two32 - static_cast<double>((std::uint64_t(1) << 32) % n)) / two32;
        const double used = static_cast<double>(s.position() - 11);
        CAPTURE(used);
        CHECK(std::fabs(used - draws / q) <= 6 * std::sqrt(draws * (1 - q)) / q + 1e-9);
        if (n == 0x80000001u) CHECK(used > 1.9 * draws);  // about half the words are rejected
        if (n > 1) {
            // Equiprobable values (n <= 1000) or 64 ranges of values of
            // exactly known sizes; chi-square at p = 1e-6 both tails.
            std::vector<double> expected(observed.size());
            for (std::size_t k = 0; k < expected.size(); ++k) {
                const std::uint64_t b = observed.size();
                const std::uint64_t lo = (k * static_cast<std::uint64_t>(n) + b - 1) / b,
                                    hi = ((k + 1) * static_cast<std::uint64_t>(n) + b - 1) / b;
                expected[k] = draws * static_cast<double>(hi - lo) / n;
            }
            const double x = chi_square(observed, expected);
            const double dof = static_cast<double>(observed.size() - 1);
            CAPTURE(x);
            CHECK(x < chi2_upper(dof, chi2_tail));
            CHECK(x > chi2_lower(dof, chi2_tail));
        }
    }
    repro::random_stream s(repro::random_key::from_seed(1), 0, 0);
    s.seek(5);
    CHECK_THROWS_AS(s.uniform_int(0), std::invalid_argument);
    CHECK(s.position() == 5);
}

TEST_CASE("uniform_int rejects exactly the words Lemire's method rejects") {
    const repro::random_key key = repro::random_key::from_seed(0x1e);
    {
        // n = 3: 2^32 mod 3 = 1, so only words w with w * 3 = 0 mod 2^32 (w = 0) are rejected.
        const auto c = stream_with_block({0u, 0u, 5u, 0x80000000u}, key);
        repro::random_stream s = c.stream;
        s.seek(c.first);
        CHECK(s.uniform_int(3) == 0);  // 0, 0 rejected; 5 * 3 >> 32 = 0
        CHECK(s.position() == c.first + 3);
        CHECK(s.uniform_int(2) == 1);  // 2^31 * 2 >> 32 = 1, nothing rejected for a power of two
        CHECK(s.position() == c.first + 4);
    }
    {
        // n = 2^32 - 1: word 0 rejected; 0xffffffff gives the largest value n - 1.
        const auto c = stream_with_block({0u, 0xffffffffu, 0u, 0u}, key);
        repro::random_stream s = c.stream;
        s.seek(c.first);
        CHECK(s.uniform_int(0xffffffffu) == 0xfffffffeu);
        CHECK(s.position() == c.first + 2);
    }
    {
        // n = 2^31 + 1: 2^32 mod n = 2^31 - 1; word 2 has low product 2 (rejected),
        // word 1 has low product 2^31 + 1 (accepted, value 0).
        const auto c = stream_with_block({2u, 1u, 0xffffffffu, 0u}, key);
        repro::random_stream s = c.stream;
        s.seek(c.first);
        CHECK(s.uniform_int(0x80000001u) == 0);
        CHECK(s.position() == c.first + 2);
        CHECK(s.uniform_int(0x80000001u) == 0x80000000u);  // 0xffffffff: low product 2^31 - 1, accepted
        CHECK(s.position() == c.first + 3);
    }
}

// ============================================================ state strings

TEST_CASE("to_string writes the documented fields; from_string restores them") {
    repro::random_stream s(repro::random_key{{0x01234567u, 0x89abcdefu}}, 0x0011223344556677u, 0xdeadbeefu);
    s.seek(0xabc);
    const std::string text = "repro.stream.v1:0123456789abcdef0011223344556677deadbeef0000000000000abc";
    CHECK(s.to_string() == text);
    const auto r = repro::random_stream::from_string(text);
    CHECK(r == s);
    CHECK(r.key().words[0] == 0x01234567u);
    CHECK(r.key().words[1] == 0x89abcdefu);
    CHECK(r.sample() == 0x0011223344556677u);
    CHECK(r.step() == 0xdeadbeefu);
    CHECK(r.position() == 0xabc);
    repro::random_stream m(repro::random_key::from_seed(~std::uint64_t(0)), ~std::uint64_t(0), 0xffffffffu);
    m.seek(~std::uint64_t(0));
    CHECK(m.to_string() == "repro.stream.v1:" + std::string(56, 'f'));
    CHECK(repro::random_stream::from_string(m.to_string()) == m);
    CHECK(repro::random_stream::from_string("repro.stream.v1:" + std::string(56, '0')) ==
          repro::random_stream(repro::random_key{}, 0, 0));
}

TEST_CASE("a state captured after some draws reproduces the next 1000 draws bit for bit") {
    repro::random_stream s(repro::random_key::from_seed(2718).fold_in(3), 0x1234567890u, 9);
    for (int d = 0; d < 37; ++d) (void)s.uniform_int(0x80000001u);  // odd positions, rejections
    (void)s.next_bits();
    const std::string saved = s.to_string();
    repro::random_stream r = repro::random_stream::from_string(saved);
    CHECK(r == s);
    CHECK(r.to_string() == saved);
    std::vector<std::uint64_t> a, b;
    auto draw = [](repro::random_stream& t, std::vector<std::uint64_t>& out) {
        for (int d = 0; d < 1000; ++d) {
            switch (d % 4) {
                case 0:
                    out.push_back(t.next_bits());
                    break;
                case 1:
                    out.push_back(t.uniform_int(7));
                    break;
                case 2:
                    out.push_back(t.uniform_int(0x80000001u));
                    break;
                default:
                    out.push_back(bits_of(t.uniform<double>(t.position())));
                    break;
            }
        }
        out.push_back(t.position());
    };
    draw(s, a);
    draw(r, b);
    CHECK(a == b);
    // The state really is the position: one word later gives other draws.
    repro::random_stream later = repro::random_stream::from_string(saved);
    (void)later.next_bits();
    std::vector<std::uint64_t> c;
    draw(later, c);
    CHECK(c != a);
}

TEST_CASE("from_string refuses malformed states") {
    const std::string good = "repro.stream.v1:0123456789abcdef0011223344556677deadbeef0000000000000abc";
    REQUIRE_NOTHROW(repro::random_stream::from_string(good));
    std::vector<std::string> bad = {
        "",
        "repro.stream.v1:",
        "repro.stream.v2:0123456789abcdef0011223344556677deadbeef0000000000000abc",  // wrong prefix
        "Repro.stream.v1:0123456789abcdef0011223344556677deadbeef0000000000000abc",
        "repro.stream.v1 0123456789abcdef0011223344556677deadbeef0000000000000abc",
        good.substr(0, good.size() - 1),  // one short
        good + "0",                       // one long
        " " + good,
        "repro.stream.v1:0123456789ABCDEF0011223344556677deadbeef0000000000000abc",  // uppercase
        "repro.stream.v1:0123456789abcdef0011223344556677deadbeef0000000000000abC",
        "repro.stream.v1:0123456789abcdeg0011223344556677deadbeef0000000000000abc",  // not hex
        "repro.stream.v1:-123456789abcdef0011223344556677deadbeef0000000000000abc",
        "repro.stream.v1:0123456789abcdef0011223344556677deadbeef000000000000 abc",
        "repro.stream.v1:0x23456789abcdef0011223344556677deadbeef0000000000000abc",
    };
    std::string nul = good;
    nul[30] = '\0';
    bad.push_back(nul);
    for (const auto& b : bad) {
        CAPTURE(b);
        CHECK_THROWS_AS(repro::random_stream::from_string(b), std::invalid_argument);
    }
    // The message says what was wrong.
    CHECK_THROWS_WITH(repro::random_stream::from_string("repro.stream.v2:" + good.substr(16)),
                      doctest::Contains("another format version; this build reads repro.stream.v1"));
    CHECK_THROWS_WITH(repro::random_stream::from_string(good.substr(0, 40)), doctest::Contains("56 hex digits"));
    CHECK_THROWS_WITH(
        repro::random_stream::from_string("repro.stream.v1:0123456789abcdeg0011223344556677deadbeef0000000000000abc"),
        doctest::Contains("bad hex digit at 31"));
    // Long input is cut to its first 100 characters in the message.
    try {
        (void)repro::random_stream::from_string(std::string(5000, 'q'));
        FAIL("accepted");
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        CHECK(what.find(std::string(100, 'q') + "...") != std::string::npos);
        CHECK(what.find(std::string(101, 'q')) == std::string::npos);
    }
}

// ============================================================ permutation

namespace {

// The documented construction, with Random123: the smallest even 2h >=
// bits(n - 1) (h >= 1), left = high h bits, right = low h bits, 8 rounds of
// (left, right) <- (right, left ^ F(right, r)), F = word 0 of Philox4x32-10
// ({right, r, 0, 0}, key.fold_in("perm")) masked to h bits, cycle walking
// until the value is < n.
std::uint64_t documented_permutation(std::uint64_t n, repro::random_key key, std::uint64_t i) {
    int bits = 0;
    while (bits < 64 && ((n - 1) >> bits) != 0) ++bits;
    const int h = std::max(1, (bits + 1) / 2);
    const std::uint64_t mask = (std::uint64_t(1) << h) - 1;
    const u32x4 f = r123_threefry4({0x7065726du, 0, 0, 0}, {key.words[0], key.words[1], 0x666f6c64u, 0});
    const u32x2 pk = {f[0], f[1]};
    auto feistel = [&](std::uint64_t v) {
        std::uint64_t left = v >> h, right = v & mask;
        for (std::uint32_t r = 0; r < 8; ++r) {
            const std::uint64_t next = left ^ (r123_philox({static_cast<std::uint32_t>(right), r, 0, 0}, pk)[0] & mask);
            left = right;
            right = next;
        }
        return (left << h) | right;
    };
    std::uint64_t y = feistel(i);
    while (y >= n) y = feistel(y);
    return y;
}

const std::uint64_t perm_sizes[] = {1,  2,  3,  4,  5,   7,   8,   9,    15,    16,
                                    17, 31, 32, 33, 127, 128, 129, 1000, 65537, 1000000};

}  // namespace

TEST_CASE("permutation is a bijection on [0, n) for sizes around every power of two") {
    const repro::random_key key = repro::random_key::from_seed(555).fold_in(1);
    for (const std::uint64_t n : perm_sizes) {
        CAPTURE(n);
        const repro::permutation p(n, key);
        CHECK(p.size() == n);
        std::vector<bool> hit(n, false);
        bool ok = true;
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t v = p(i);
            ok = ok && v < n && !hit[v];
            if (v < n) hit[v] = true;
        }
        CHECK(ok);
        CHECK(std::find(hit.begin(), hit.end(), false) == hit.end());
    }
    const repro::permutation empty(0, key);
    CHECK(empty.size() == 0);
    CHECK_THROWS_AS(empty(0), std::out_of_range);
    CHECK(empty.batch(0, 4).empty());
}

TEST_CASE("permutation follows the documented Feistel construction (recomputed with Random123)") {
    splitmix64 g(0xfe15);
    mismatch_counter bad;
    const repro::random_key key = repro::random_key::from_seed(g.next());
    for (const std::uint64_t n : {2u, 3u, 5u, 17u, 1000u, 65537u}) {
        const repro::permutation p(n, key);
        for (std::uint64_t i = 0; i < n; ++i)
            bad.expect(p(i) == documented_permutation(n, key, i),
                       [&] { return "n " + std::to_string(n) + " i " + std::to_string(i); });
    }
    // Sizes too large to enumerate, up to 2h = 64.
    for (const std::uint64_t n : {(std::uint64_t(1) << 40) + 3, (std::uint64_t(1) << 63) + 5, ~std::uint64_t(0)}) {
        const repro::permutation p(n, key);
        for (int t = 0; t < 200; ++t) {
            const std::uint64_t i = g.next() % n;
            bad.expect(p(i) == documented_permutation(n, key, i), [&] { return "n " + hex(n) + " i " + hex(i); });
        }
        CHECK_THROWS_AS(p(n), std::out_of_range);
    }
    CHECK(bad.count() == 0);
}

TEST_CASE("different keys give different orders, and none is close to the identity") {
    constexpr std::uint64_t n = 1000;
    std::vector<std::vector<std::uint64_t>> orders;
    for (std::uint64_t seed = 1; seed <= 4; ++seed)
        for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
            const repro::permutation p(n, repro::random_key::from_seed(seed).fold_in(epoch));
            orders.push_back(p.batch(0, n));
        }
    for (std::size_t a = 0; a < orders.size(); ++a) {
        // A random permutation of 1000 has 1 fixed point on average; 20 has
        // probability below 1e-18.
        std::size_t fixed = 0;
        for (std::uint64_t i = 0; i < n; ++i) fixed += orders[a][i] == i ? 1 : 0;
        CHECK(fixed < 20);
        for (std::size_t b = a + 1; b < orders.size(); ++b) {
            std::size_t same = 0;
            for (std::uint64_t i = 0; i < n; ++i) same += orders[a][i] == orders[b][i] ? 1 : 0;
            CHECK(same < 20);
        }
    }
}

TEST_CASE("batches concatenate to the permutation; every sample keeps its position at any batch size") {
    const repro::random_key key = repro::random_key::from_seed(99).fold_in(7);
    for (const std::uint64_t n : perm_sizes) {
        CAPTURE(n);
        const repro::permutation p(n, key);
        std::vector<std::uint64_t> order(n);
        for (std::uint64_t i = 0; i < n; ++i) order[i] = p(i);
        std::vector<std::uint64_t> position_at_1;
        for (const std::size_t bs : {std::size_t(1), std::size_t(3), std::size_t(64), static_cast<std::size_t>(n)}) {
            CAPTURE(bs);
            std::vector<std::uint64_t> all;
            std::uint64_t b = 0;
            bool sizes_ok = true;  // full batches, then the remainder
            for (;; ++b) {
                const auto part = p.batch(b, bs);
                if (part.empty()) break;
                sizes_ok = sizes_ok && part.size() == std::min<std::uint64_t>(bs, n - b * bs);
                all.insert(all.end(), part.begin(), part.end());
            }
            CHECK(sizes_ok);
            CHECK(b == (n + bs - 1) / bs);
            CHECK(all == order);
            // The position of each sample in the epoch, from this batching.
            std::vector<std::uint64_t> position(n);
            for (std::uint64_t i = 0; i < all.size() && i < n; ++i)
                if (all[i] < n) position[all[i]] = i;
            if (position_at_1.empty())
                position_at_1 = position;
            else
                CHECK(position == position_at_1);
        }
    }
}

TEST_CASE("permutation refuses out-of-range positions and a null batch buffer; far batches are empty") {
    const repro::permutation p(10, repro::random_key::from_seed(3));
    CHECK_NOTHROW((void)p(9));
    CHECK_THROWS_AS((void)p(10), std::out_of_range);
    CHECK_THROWS_AS((void)p(~std::uint64_t(0)), std::out_of_range);
    CHECK_THROWS_AS(p.batch(0, 4, nullptr), std::invalid_argument);
    CHECK(p.batch(0, 0, nullptr) == 0);
    CHECK(p.batch(3, 4).empty());
    CHECK(p.batch(2, 4).size() == 2);
    // Batch indices whose first position overflows 64 bits are past the end too.
    CHECK(p.batch(std::uint64_t(1) << 63, 2).empty());
    CHECK(p.batch(~std::uint64_t(0), 3).empty());
    CHECK(p.batch(std::uint64_t(1) << 62, 8).empty());
}
