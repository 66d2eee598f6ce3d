// Non-finite terms in the exact tier (exact_sum, exact_dot, exact_accumulator)
// on every ISA path. The rules of repro/reduce.hpp: any NaN, or both +inf and
// -inf, gives NaN; one infinity (any count of the same sign) gives that
// infinity; for products NaN * x and inf * 0 give NaN, inf * nonzero a signed
// infinity.
//
// The hard case is a NaN or an infinity among zeros. The exact sums scan
// their input in blocks of `block` values (half as many products) and skip a block whose
// terms are all zeros; the block's statistics come from SIMD registers of 4
// to 32 lanes, whose maximum can lose a NaN. Once such a block was skipped on
// the AVX2 path: [NaN, +0 x 7] summed to +0, [+inf, +0 x 7, NaN, +0 ...] to
// +0, and block - 1 zeros, a NaN and ten 1.5s to 15. So a special value (quiet,
// signalling and negative NaNs, +inf, -inf, both infinities, a NaN with an
// infinity) is put at every position of zero blocks of the sizes around the
// block and the register widths (positive, negative and mixed zeros, with
// and without finite values beside), and the result must follow the rules
// whatever the order, split, merge, serialization or thread count.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <repro/fp.hpp>
#include <repro/isa.hpp>
#include <repro/reduce.hpp>

#include "support/bit_checks.hpp"
#include "support/test_data.hpp"

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

// The exact sums' block: inputs per pass of the band kernel.
constexpr std::size_t block = repro::detail::band_block;

using repro_test::every_isa;
using repro_test::isa_name;
using repro_test::isa_restorer;
using repro_test::same;
using repro_test::splitmix64;

// ---- values, from their bits ----

template <class T>
using traits = repro::float_traits<T>;
template <class T>
using bits_of_t = typename traits<T>::bits_type;

template <class T>
T neg_inf() {
    return repro::from_bits<T>(static_cast<bits_of_t<T>>(traits<T>::sign_mask | traits<T>::infinity_bits));
}
template <class T>
T signalling_nan() {  // quiet bit clear, payload 1
    return repro::from_bits<T>(static_cast<bits_of_t<T>>(traits<T>::infinity_bits | 1u));
}
template <class T>
T negative(T x) {
    return repro::from_bits<T>(static_cast<bits_of_t<T>>(repro::to_bits(x) ^ traits<T>::sign_mask));
}
template <class T>
T plus_zero() {
    return repro::from_bits<T>(0);
}
template <class T>
T minus_zero() {
    return repro::from_bits<T>(traits<T>::sign_mask);
}
template <class T>
T one_and_half() {  // 1.5
    return repro::from_bits<T>(static_cast<bits_of_t<T>>(
        (bits_of_t<T>((1 << (traits<T>::exponent_bits - 1)) - 1) << traits<T>::fraction_bits) |
        (bits_of_t<T>(1) << (traits<T>::fraction_bits - 1))));
}

// "value (0xbits)" for messages.
template <class T>
std::string show(T x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g (0x%0*llx)", static_cast<double>(x), traits<T>::hex_digits,
                  static_cast<unsigned long long>(repro::to_bits(x)));
    return buf;
}

// ---- what a result must be ----

enum class want { nan, pos_inf, neg_inf };

const char* show(want w) { return w == want::nan ? "NaN" : w == want::pos_inf ? "+inf" : "-inf"; }

template <class T>
bool follows(T got, want w) {
    switch (w) {
        case want::nan:
            return repro::is_nan(got);
        case want::pos_inf:
            return repro::bitwise_equal(got, infinity<T>());
        case want::neg_inf:
            return repro::bitwise_equal(got, neg_inf<T>());
    }
    return false;
}

// Special values placed at distinct positions of a block of zeros, and the
// result the rules give for them.
template <class T>
struct specials_case {
    const char* name;
    std::vector<T> values;
    want expected;
};

template <class T>
std::vector<specials_case<T>> single_specials() {
    return {
        {"quiet NaN", {quiet_nan<T>()}, want::nan},
        {"signalling NaN", {signalling_nan<T>()}, want::nan},
        {"quiet NaN with the sign bit", {negative(quiet_nan<T>())}, want::nan},
        {"signalling NaN with the sign bit", {negative(signalling_nan<T>())}, want::nan},
        {"+inf", {infinity<T>()}, want::pos_inf},
        {"-inf", {neg_inf<T>()}, want::neg_inf},
    };
}

template <class T>
std::vector<specials_case<T>> paired_specials() {
    return {
        {"+inf and -inf", {infinity<T>(), neg_inf<T>()}, want::nan},
        {"+inf and a quiet NaN", {infinity<T>(), quiet_nan<T>()}, want::nan},
        {"-inf and a signalling NaN with the sign bit", {neg_inf<T>(), negative(signalling_nan<T>())}, want::nan},
        {"two NaNs", {signalling_nan<T>(), negative(quiet_nan<T>())}, want::nan},
        {"+inf twice", {infinity<T>(), infinity<T>()}, want::pos_inf},
        {"-inf twice", {neg_inf<T>(), neg_inf<T>()}, want::neg_inf},
    };
}

template <class T>
std::vector<specials_case<T>> all_specials() {
    auto v = single_specials<T>();
    for (auto& c : paired_specials<T>()) v.push_back(c);
    return v;
}

// ---- blocks of zeros ----

enum class zeros { positive, negative, mixed };
constexpr zeros every_zeros[] = {zeros::positive, zeros::negative, zeros::mixed};
const char* show(zeros z) { return z == zeros::positive ? "+0" : z == zeros::negative ? "-0" : "mixed +-0"; }

// Ten 1.5s (exact sum 15) before or after the block of zeros, or none.
enum class company { none, after, before };
constexpr company every_company[] = {company::none, company::after, company::before};
const char* show(company c) {
    return c == company::none ? "alone" : c == company::after ? "1.5 x 10 after" : "1.5 x 10 before";
}
constexpr std::size_t company_count = 10;

template <class T>
void fill_zeros(T* v, std::size_t n, zeros z, std::uint64_t seed) {
    splitmix64 g(seed);
    for (std::size_t i = 0; i < n; ++i) {
        const bool neg = z == zeros::negative || (z == zeros::mixed && (g.next() & 1) != 0);
        v[i] = neg ? minus_zero<T>() : plus_zero<T>();
    }
}

// n zeros, from v[begin], with the company around them.
template <class T>
struct zero_block {
    std::vector<T> v;
    std::size_t begin = 0;
    zero_block(std::size_t n, zeros z, company c) : v(n + (c == company::none ? 0 : company_count)) {
        begin = c == company::before ? company_count : 0;
        fill_zeros(v.data() + begin, n, z, 0x5eed0000 + n);
        const std::size_t ones = c == company::before ? 0 : n;
        if (c != company::none)
            for (std::size_t i = 0; i < company_count; ++i) v[ones + i] = one_and_half<T>();
    }
};

// ---- positions ----

// Positions of a value in a block of n: every one up to 70; beyond, the first
// and last 24, those within 3 of a multiple of 256 (so of every register
// width), within 33 of a multiple of the block (its boundary) and every
// stride-th.
std::vector<std::size_t> positions_in(std::size_t n, std::size_t stride) {
    std::vector<char> take(n, n <= 70 ? 1 : 0);
    auto mark = [&](std::size_t b, std::size_t before, std::size_t after) {
        for (std::size_t i = b >= before ? b - before : 0; i <= b + after && i < n; ++i) take[i] = 1;
    };
    if (n > 70) {
        mark(0, 0, 23);
        mark(n - 1, 23, 0);
        for (std::size_t b = 256; b < n; b += 256) mark(b, 3, 3);
        for (std::size_t b = block; b < n; b += block) mark(b, 33, 33);
        for (std::size_t i = 0; i < n; i += stride) take[i] = 1;
    }
    std::vector<std::size_t> v;
    for (std::size_t i = 0; i < n; ++i)
        if (take[i]) v.push_back(i);
    return v;
}

// Second positions beside p: all for small blocks, else the neighbours one
// register width or one block away and the ends (rotated by k, `count` of them).
std::vector<std::size_t> partners_of(std::size_t p, std::size_t n, std::size_t k, std::size_t count) {
    std::vector<std::size_t> v;
    if (n <= 17) {
        for (std::size_t q = 0; q < n; ++q)
            if (q != p) v.push_back(q);
        return v;
    }
    std::vector<std::size_t> all;
    for (const std::size_t d :
         {std::size_t(1), std::size_t(3), std::size_t(4), std::size_t(8), std::size_t(16), std::size_t(32), block}) {
        if (p + d < n) all.push_back(p + d);
        if (p >= d) all.push_back(p - d);
    }
    all.push_back(0);
    all.push_back(n - 1);
    all.erase(std::remove(all.begin(), all.end(), p), all.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (std::size_t i = 0; i < count && i < all.size(); ++i) v.push_back(all[(k * count + i) % all.size()]);
    return v;
}

// Failures of one sweep: how many, and the first, described.
struct tally {
    std::size_t runs = 0, bad = 0;
    std::string first;
    template <class T>
    void record(bool ok, T got, want w, const std::string& where) {
        ++runs;
        if (ok || bad++ != 0) return;
        first = where + ": got " + show(got) + ", want " + show(w);
    }
};

const std::size_t block_sizes[] = {1,  2,  3,  4,  5,  7,   8,   9,   15,        16,    17,        31,
                                   32, 33, 63, 64, 65, 255, 256, 257, block - 1, block, block + 1, 2 * block + 3};

// exact_sum of the block with the case's values at `at` (zero-block indices).
template <class T>
T sum_with(zero_block<T>& b, const specials_case<T>& c, const std::vector<std::size_t>& at) {
    std::vector<T> saved;
    for (std::size_t i = 0; i < at.size(); ++i) {
        saved.push_back(b.v[b.begin + at[i]]);
        b.v[b.begin + at[i]] = c.values[i];
    }
    const T got = repro::exact_sum(b.v.data(), b.v.size());
    for (std::size_t i = at.size(); i-- > 0;) b.v[b.begin + at[i]] = saved[i];
    return got;
}

std::string where(std::size_t n, const std::vector<std::size_t>& at, zeros z, company c) {
    std::ostringstream s;
    s << "n = " << n << ", at";
    for (const std::size_t p : at) s << ' ' << p;
    s << ", zeros " << show(z) << ", " << show(c);
    return s.str();
}

// Data with the case's values in blocks that hold only zeros, and ten 1.5s in
// a block of their own: n = 3 blocks + 37, mixed zeros.
template <class T>
std::vector<T> spread_case(const specials_case<T>& c, std::size_t first) {
    std::vector<T> x(3 * block + 37);
    fill_zeros(x.data(), x.size(), zeros::mixed, 0x5eed5eed);
    for (std::size_t i = 0; i < company_count; ++i) x[2 * block + 100 + 7 * i] = one_and_half<T>();
    // A second value 8 further on (the next register of doubles), or mirrored
    // into the other zero block for odd `first`.
    const std::size_t second = first % 2 == 0 ? first + 8 : block + 1000 - first;
    for (std::size_t i = 0; i < c.values.size(); ++i) x[i == 0 ? first : second] = c.values[i];
    return x;
}

template <class T>
void shuffle(std::vector<T>& v, splitmix64& g) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[g.below(i)]);
}

// Random cut points: k pieces of [0, n), some of them empty.
std::vector<std::size_t> random_cuts(std::size_t n, std::size_t k, splitmix64& g) {
    std::vector<std::size_t> cut = {0, n};
    for (std::size_t i = 1; i < k; ++i) cut.push_back(g.below(n + 1));
    std::sort(cut.begin(), cut.end());
    return cut;
}

}  // namespace

// ===========================================================================

TEST_CASE_TEMPLATE("the reported inputs keep their NaN on every ISA path", T, float, double) {
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        {
            std::vector<T> x(8, plus_zero<T>());
            x[0] = quiet_nan<T>();
            CHECK(repro::is_nan(repro::exact_sum(x.data(), x.size())));
        }
        {
            std::vector<T> x(64, plus_zero<T>());
            x[0] = infinity<T>();
            x[8] = quiet_nan<T>();
            CHECK(repro::is_nan(repro::exact_sum(x.data(), x.size())));
            repro::exact_accumulator<T> a;
            a.add(x.data(), x.size());
            CHECK(repro::is_nan(a.result()));
        }
        {
            std::vector<T> x(block + 10, plus_zero<T>());
            x[block - 1] = quiet_nan<T>();
            for (std::size_t i = block; i < x.size(); ++i) x[i] = one_and_half<T>();
            CHECK(repro::is_nan(repro::exact_sum(x.data(), x.size())));
            std::reverse(x.begin(), x.end());
            CHECK(repro::is_nan(repro::exact_sum(x.data(), x.size())));
            x[x.size() - block] = plus_zero<T>();
            CHECK(repro::bitwise_equal(repro::exact_sum(x.data(), x.size()), T(15)));  // the same data without the NaN
        }
    }
}

TEST_CASE_TEMPLATE("zero blocks around the special values sum to +0, or to 15 with ten 1.5s", T, float, double) {
    // The control of the sweeps below: without the special values the
    // results are finite, so a special value lost would show.
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const std::size_t n : block_sizes)
            for (const zeros z : every_zeros)
                for (const company c : every_company) {
                    const zero_block<T> b(n, z, c);
                    const T want = c == company::none ? plus_zero<T>() : T(15);
                    const T got = repro::exact_sum(b.v.data(), b.v.size());
                    CHECK_MESSAGE(repro::bitwise_equal(got, want), where(n, {}, z, c) << ": got " << show(got));
                }
    }
}

TEST_CASE_TEMPLATE("one NaN or infinity among zeros decides exact_sum at every position of a block", T, float, double) {
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const std::size_t n : block_sizes) {
            const auto at = positions_in(n, 29);
            std::vector<zero_block<T>> blocks;
            for (const zeros z : every_zeros)
                for (const company c : every_company) blocks.emplace_back(n, z, c);
            for (const auto& sc : single_specials<T>()) {
                INFO("case " << std::string(sc.name));
                tally t;
                for (std::size_t k = 0; k < at.size(); ++k) {
                    // Small blocks: every zeros and company; large ones: one, in turn.
                    for (std::size_t j = 0; j < blocks.size(); ++j) {
                        if (n > 70 && j != k % blocks.size()) continue;
                        const zeros z = every_zeros[j / 3];
                        const company c = every_company[j % 3];
                        const T got = sum_with(blocks[j], sc, {at[k]});
                        t.record(follows(got, sc.expected), got, sc.expected, where(n, {at[k]}, z, c));
                    }
                }
                CHECK_MESSAGE(t.bad == 0,
                              "n = " << n << ": " << t.bad << " of " << t.runs << " wrong, first " << t.first);
            }
        }
    }
}

TEST_CASE_TEMPLATE("two special values among zeros follow the rules at every pair of positions", T, float, double) {
    // +inf with -inf gives NaN, an infinity with a NaN NaN, one infinity twice
    // that infinity; every pair in small blocks, neighbours a register or a
    // block apart in large ones.
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const std::size_t n : block_sizes) {
            if (n < 2) continue;
            const auto at = positions_in(n, 97);
            std::vector<zero_block<T>> blocks;
            for (const zeros z : every_zeros)
                for (const company c : every_company) blocks.emplace_back(n, z, c);
            for (const auto& sc : paired_specials<T>()) {
                INFO("case " << std::string(sc.name));
                tally t;
                std::size_t k = 0;
                for (const std::size_t p : at) {
                    for (const std::size_t q : partners_of(p, n, k, 2)) {
                        const std::size_t j = k++ % blocks.size();
                        const T got = sum_with(blocks[j], sc, {p, q});
                        t.record(follows(got, sc.expected), got, sc.expected,
                                 where(n, {p, q}, every_zeros[j / 3], every_company[j % 3]));
                    }
                }
                CHECK_MESSAGE(t.bad == 0,
                              "n = " << n << ": " << t.bad << " of " << t.runs << " wrong, first " << t.first);
            }
        }
    }
}

TEST_CASE_TEMPLATE("whole, shuffled, split, merged and serialized feeds of special values give the same bits", T, float,
                   double) {
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const auto& sc : all_specials<T>()) {
            INFO("case " << std::string(sc.name));
            for (const std::size_t first :
                 {std::size_t(0), std::size_t(5), std::size_t(8), std::size_t(1000), block - 1, block + 13}) {
                CAPTURE(first);
                const std::vector<T> x = spread_case(sc, first);
                const std::size_t n = x.size();
                const T whole = repro::exact_sum(x.data(), n);
                CHECK_MESSAGE(follows(whole, sc.expected), "whole: " << show(whole));

                repro::exact_accumulator<T> one_by_one;
                for (const T v : x) one_by_one.add(v);
                CHECK_MESSAGE(same(one_by_one.result(), whole), "one by one: " << show(one_by_one.result()));

                std::vector<T> r(x.rbegin(), x.rend());
                const T reversed = repro::exact_sum(r.data(), n);
                CHECK_MESSAGE(same(reversed, whole), "reversed: " << show(reversed));

                splitmix64 g(0x5eed7000 + first);
                for (int s = 0; s < 3; ++s) {
                    std::vector<T> y = x;
                    shuffle(y, g);
                    const T shuffled = repro::exact_sum(y.data(), n);
                    CHECK_MESSAGE(same(shuffled, whole), "shuffle " << s << ": " << show(shuffled));
                }

                for (int s = 0; s < 4; ++s) {
                    const auto cut = random_cuts(n, 2 + g.below(7), g);
                    std::vector<repro::exact_accumulator<T>> part(cut.size() - 1);
                    for (std::size_t i = 0; i + 1 < cut.size(); ++i)
                        part[i].add(x.data() + cut[i], cut[i + 1] - cut[i]);
                    std::vector<std::size_t> order(part.size());
                    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
                    shuffle(order, g);
                    repro::exact_accumulator<T> merged, restored;
                    for (const std::size_t i : order) {
                        merged.merge(part[i]);
                        restored.merge(repro::exact_accumulator<T>::deserialize(part[i].serialize()));
                    }
                    CHECK(merged.count() == n);
                    CHECK(restored.count() == n);
                    CHECK_MESSAGE(same(merged.result(), whole), "split " << s << ", merged: " << show(merged.result()));
                    CHECK_MESSAGE(same(restored.result(), whole),
                                  "split " << s << ", serialized: " << show(restored.result()));
                    const auto again = repro::exact_accumulator<T>::deserialize(merged.serialize());
                    CHECK_MESSAGE(same(again.result(), whole),
                                  "split " << s << ", merged and serialized: " << show(again.result()));
                }
            }
        }
    }
}

TEST_CASE_TEMPLATE("threads{1..4} carry the special values of zero blocks to the same result", T, float, double) {
    // Four work units of 65536 values and a part one; the special values in
    // zero-only blocks of units 1 and 3, the ten 1.5s in unit 0.
    const std::size_t unit = 65536, n = 4 * unit + 3 * block + 7;
    std::vector<T> base(n), twos(n, T(2));
    fill_zeros(base.data(), n, zeros::mixed, 0x5eed4444);
    for (std::size_t i = 0; i < company_count; ++i) base[100 + 3 * i] = one_and_half<T>();
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const auto& sc : all_specials<T>()) {
            INFO("case " << std::string(sc.name));
            std::vector<T> x = base;
            const std::size_t at[] = {3 * unit + 5 * block, unit + block - 1};
            for (std::size_t i = 0; i < sc.values.size(); ++i) x[at[i]] = sc.values[i];
            const T sum1 = repro::exact_sum(x.data(), n);
            CHECK_MESSAGE(follows(sum1, sc.expected), "exact_sum on 1 thread: " << show(sum1));
            for (unsigned t = 1; t <= 4; ++t) {
                CAPTURE(t);
                const T s = repro::exact_sum(x.data(), n, repro::threads{t});
                CHECK_MESSAGE(same(s, sum1), "exact_sum: " << show(s));
                // The same terms as products with 2 (inf * 2 = inf), in either order.
                const T d = repro::exact_dot(x.data(), twos.data(), n, repro::threads{t});
                CHECK_MESSAGE(follows(d, sc.expected), "exact_dot(x, 2): " << show(d));
                const T e = repro::exact_dot(twos.data(), x.data(), n, repro::threads{t});
                CHECK_MESSAGE(follows(e, sc.expected), "exact_dot(2, x): " << show(e));
            }
        }
    }
}

TEST_CASE_TEMPLATE("exact_dot gives NaN for NaN * 0 and inf * 0 and an infinity for inf * 2 in zero blocks", T, float,
                   double) {
    // One factor special, the other a zero (NaN for every special), 2 (the
    // special itself) or -2 (an infinity of the other sign) at the same
    // position; zeros everywhere else. Both orders of the factors, through
    // exact_dot, add_products and add_product. Product blocks hold block / 2
    // products.
    const std::size_t half = block / 2;
    const std::size_t sizes[] = {1,  2,  7,        8,    9,        15,        16,    17,        31,
                                 32, 33, half - 1, half, half + 1, block - 1, block, block + 1, 2 * block + 3};
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const std::size_t n : sizes) {
            const auto at = positions_in(n, 61);
            std::vector<T> x(n), y(n);
            fill_zeros(x.data(), n, zeros::mixed, 0x5eed1111 + n);
            fill_zeros(y.data(), n, zeros::mixed, 0x5eed2222 + n);
            for (const auto& sc : single_specials<T>()) {
                INFO("case " << std::string(sc.name));
                tally t;
                for (std::size_t k = 0; k < at.size(); ++k) {
                    const std::size_t p = at[k];
                    // Small blocks: every other factor; large ones: one, in turn.
                    for (int f = 0; f < 3; ++f) {
                        if (n > 70 && static_cast<std::size_t>(f) != k % 3) continue;
                        const T other = f == 0 ? (p % 2 ? minus_zero<T>() : plus_zero<T>()) : f == 1 ? T(2) : T(-2);
                        want w = sc.expected;
                        if (f == 0) w = want::nan;  // NaN * 0, inf * 0
                        if (f == 2 && w == want::pos_inf)
                            w = want::neg_inf;
                        else if (f == 2 && w == want::neg_inf)
                            w = want::pos_inf;
                        const T saved_x = x[p], saved_y = y[p];
                        x[p] = sc.values[0];
                        y[p] = other;
                        std::ostringstream place;
                        place << "n = " << n << ", at " << p << ", times " << show(other);
                        const T xy = repro::exact_dot(x.data(), y.data(), n);
                        t.record(follows(xy, w), xy, w, "exact_dot(x, y), " + place.str());
                        const T yx = repro::exact_dot(y.data(), x.data(), n);
                        t.record(follows(yx, w), yx, w, "exact_dot(y, x), " + place.str());
                        repro::exact_accumulator<T> a;
                        a.add_products(x.data(), y.data(), n);
                        t.record(follows(a.result(), w), a.result(), w, "add_products, " + place.str());
                        if (n <= 70 || k % 8 == 0) {
                            repro::exact_accumulator<T> b;
                            for (std::size_t i = 0; i < n; ++i) b.add_product(y[i], x[i]);
                            t.record(follows(b.result(), w), b.result(), w, "add_product, " + place.str());
                        }
                        x[p] = saved_x;
                        y[p] = saved_y;
                    }
                }
                CHECK_MESSAGE(t.bad == 0,
                              "n = " << n << ": " << t.bad << " of " << t.runs << " wrong, first " << t.first);
            }
        }
    }
}

TEST_CASE_TEMPLATE("exact_dot gives NaN for an infinite product of each sign among zero products", T, float, double) {
    // +inf * 2 and inf * -2 (or -inf * 2) at two positions of zero blocks:
    // the products are +inf and -inf.
    const std::size_t sizes[] = {2, 8, 9, 17, 33, block / 2, block / 2 + 1, block + 1};
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(isa_name()));
        for (const std::size_t n : sizes) {
            tally t;
            std::size_t k = 0;
            for (const std::size_t p : positions_in(n, 127))
                for (const std::size_t q : partners_of(p, n, k++, 2)) {
                    std::vector<T> x(n), y(n);
                    fill_zeros(x.data(), n, zeros::mixed, 0x5eed3333 + p);
                    fill_zeros(y.data(), n, zeros::mixed, 0x5eed6666 + q);
                    x[p] = infinity<T>();
                    y[p] = T(2);
                    x[q] = (k % 2) ? infinity<T>() : T(-2);
                    y[q] = (k % 2) ? T(-2) : infinity<T>();
                    std::ostringstream place;
                    place << "n = " << n << ", at " << p << " and " << q;
                    const T got = repro::exact_dot(x.data(), y.data(), n);
                    t.record(follows(got, want::nan), got, want::nan, place.str());
                    x[q] = y[q] = plus_zero<T>();  // then only +inf
                    const T one = repro::exact_dot(x.data(), y.data(), n);
                    t.record(follows(one, want::pos_inf), one, want::pos_inf, place.str() + " (the +inf alone)");
                }
            CHECK_MESSAGE(t.bad == 0, "n = " << n << ": " << t.bad << " of " << t.runs << " wrong, first " << t.first);
        }
    }
}
