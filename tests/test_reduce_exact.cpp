// The exact tier of repro/reduce.hpp (exact_sum, exact_dot, exact_accumulator)
// against outside oracles: MPFR (the exact sum, dot or mean held at a
// precision where every addition is exact, then rounded once) and Python's
// math.fsum (tests/data/fsum_vectors.txt, made by make_fsum_vectors.py).
// Also the NaN/Inf/zero/overflow rules of the contract, order invariance
// (permutations, splits and merges, serialization, thread counts, alignment,
// ISA) and the refusal of bad input.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <repro/eigen.hpp>
#include <repro/reduce.hpp>

#include "support/bit_checks.hpp"
#include "support/test_data.hpp"

#ifndef REPRO_TEST_DATA_DIR
#error "REPRO_TEST_DATA_DIR must name the folder of fsum_vectors.txt"
#endif

using repro_test::splitmix64;

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

template <class T>
T max_finite() {
    return std::numeric_limits<T>::max();
}

template <class T>
T denorm_min() {
    return std::numeric_limits<T>::denorm_min();
}

template <class T>
T pow2(int e) {
    return std::ldexp(T(1), e);  // exact for every e used here
}

template <class T>
constexpr int precision() {
    return std::numeric_limits<T>::digits;
}

template <class T>
constexpr int bias() {
    return std::numeric_limits<T>::max_exponent - 1;
}

// "value (0xbits)" for failure messages.
template <class T>
std::string describe(T x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g (0x%0*llx)", repro::float_traits<T>::max_digits10, static_cast<double>(x),
                  repro::float_traits<T>::hex_digits, static_cast<unsigned long long>(repro::to_bits(x)));
    return buf;
}

// A NaN is expected as any NaN (payloads are not promised); anything else as
// the same bits.
template <class T>
bool same_result(T got, T want) {
    return std::isnan(want) ? std::isnan(got) : repro::bitwise_equal(got, want);
}

#define REQUIRE_SAME(got, want)                                   \
    do {                                                          \
        const auto got_ = (got);                                  \
        const auto want_ = (want);                                \
        INFO("got ", describe(got_), ", want ", describe(want_)); \
        REQUIRE(same_result(got_, want_));                        \
    } while (0)

// ---------------------------------------------------------------------------
// MPFR oracle. Precisions cover every sum of up to 2^24 terms exactly:
// double products span 2^-2148..2^2048 (4196 bits + 24 for the count), float
// products 2^-298..2^256. mpfr_add/mpfr_mul report any rounding, so exactness
// is checked rather than assumed.

template <class T>
constexpr mpfr_prec_t exact_bits() {
    return std::is_same<T, float>::value ? 1200 : 4600;
}

// Quotients are rounded to this many bits before the final rounding to T.
// The sum s is a multiple of denorm_min = 2^q and T's midpoints are odd
// multiples of 2^(q-1), so a quotient s/n that is not a midpoint is at least
// 2^(q-1)/n from every one: far more than the 2^-5000 relative error of the
// first rounding, which therefore never changes the second.
constexpr mpfr_prec_t quotient_bits = 5000;

void mp_set(mpfr_t r, float x) { mpfr_set_flt(r, x, MPFR_RNDN); }
void mp_set(mpfr_t r, double x) { mpfr_set_d(r, x, MPFR_RNDN); }

// Rounds once to T; an exact zero is +0 as the contract says.
template <class T>
T mp_round(const mpfr_t v) {
    if (mpfr_zero_p(v)) return T(0);
    if constexpr (std::is_same<T, float>::value)
        return mpfr_get_flt(v, MPFR_RNDN);
    else
        return mpfr_get_d(v, MPFR_RNDN);
}

template <class T>
class mp_exact {
public:
    mp_exact() {
        mpfr_inits2(exact_bits<T>(), acc_, product_, static_cast<mpfr_ptr>(nullptr));
        mpfr_inits2(precision<T>(), a_, b_, static_cast<mpfr_ptr>(nullptr));
        mpfr_set_zero(acc_, 1);
    }
    ~mp_exact() { mpfr_clears(acc_, product_, a_, b_, static_cast<mpfr_ptr>(nullptr)); }
    mp_exact(const mp_exact&) = delete;
    mp_exact& operator=(const mp_exact&) = delete;

    void add(T x) {
        mp_set(a_, x);
        inexact_ |= mpfr_add(acc_, acc_, a_, MPFR_RNDN) != 0;
        ++count_;
    }
    void add_product(T x, T y) {
        mp_set(a_, x);
        mp_set(b_, y);
        inexact_ |= mpfr_mul(product_, a_, b_, MPFR_RNDN) != 0;
        inexact_ |= mpfr_add(acc_, acc_, product_, MPFR_RNDN) != 0;
        ++count_;
    }
    // Adds k * 2^e exactly (for oracles that pre-sum in integers).
    void add_scaled(long long k, long e) {
        mpfr_t t;
        mpfr_init2(t, 64);
        mpfr_set_si(t, static_cast<long>(k), MPFR_RNDN);
        mpfr_mul_2si(t, t, e, MPFR_RNDN);
        inexact_ |= mpfr_add(acc_, acc_, t, MPFR_RNDN) != 0;
        mpfr_clear(t);
    }
    T sum() const {
        REQUIRE_FALSE(inexact_);
        return mp_round<T>(acc_);
    }
    T mean() const {
        REQUIRE_FALSE(inexact_);
        if (count_ == 0) return quiet_nan<T>();
        mpfr_t q;
        mpfr_init2(q, quotient_bits);
        mpfr_div_ui(q, acc_, static_cast<unsigned long>(count_), MPFR_RNDN);
        const T r = mp_round<T>(q);
        mpfr_clear(q);
        return r;
    }

private:
    mpfr_t acc_, product_, a_, b_;
    bool inexact_ = false;
    std::uint64_t count_ = 0;
};

template <class T>
T oracle_sum(const std::vector<T>& x) {
    mp_exact<T> m;
    for (T v : x) m.add(v);
    return m.sum();
}

template <class T>
T oracle_dot(const std::vector<T>& x, const std::vector<T>& y) {
    mp_exact<T> m;
    for (std::size_t i = 0; i < x.size(); ++i) m.add_product(x[i], y[i]);
    return m.sum();
}

template <class T>
T oracle_mean(const std::vector<T>& x) {
    mp_exact<T> m;
    for (T v : x) m.add(v);
    return m.mean();
}

// ---------------------------------------------------------------------------
// Inputs, built from integer bits.

// A value with a random sign and fraction whose leading bit is 2^e; below the
// normal range it is the subnormal with those bits shifted down (never 0 for
// e >= min exponent - fraction bits).
template <class T>
T random_scaled(splitmix64& g, int e_lo, int e_hi) {
    using tr = repro::float_traits<T>;
    using bits = typename tr::bits_type;
    const int e = e_lo + static_cast<int>(g.below(static_cast<std::uint64_t>(e_hi - e_lo + 1)));
    if (e >= 1 - bias<T>()) return repro_test::random_finite<T>(g, e + bias<T>(), e + bias<T>());
    const int shift = (1 - bias<T>()) - e;
    const auto mag =
        static_cast<bits>(((bits(1) << tr::fraction_bits) | static_cast<bits>(g.next() & tr::fraction_mask)) >> shift);
    const auto sign = static_cast<bits>((g.next() & 1) ? tr::sign_mask : 0);
    return repro::from_bits<T>(static_cast<bits>(sign | mag));
}

template <class T>
T random_finite_bits(splitmix64& g) {
    for (;;) {
        const T x = repro_test::random_bits<T>(g);
        if (std::isfinite(x)) return x;
    }
}

template <class T>
T random_subnormal(splitmix64& g) {
    using tr = repro::float_traits<T>;
    using bits = typename tr::bits_type;
    bits mag = static_cast<bits>(g.next() & tr::fraction_mask);
    if (mag == 0) mag = 1;
    return repro::from_bits<T>(static_cast<bits>(mag | ((g.next() & 1) ? tr::sign_mask : 0)));
}

// The wide mixtures: 2^-140..2^120 for float, 2^-1000..2^1000 for double.
template <class T>
int wide_lo() {
    return std::is_same<T, float>::value ? -140 : -1000;
}
template <class T>
int wide_hi() {
    return std::is_same<T, float>::value ? 120 : 1000;
}

enum class dist { binade, finite_bits, wide_mix, cancelling, narrow_cancelling, tiny_products };

const char* dist_name(dist d) {
    switch (d) {
        case dist::binade:
            return "uniform in 2^-8..2^8";
        case dist::finite_bits:
            return "random finite bit patterns";
        case dist::wide_mix:
            return "wide mixture with zeros and negated repeats";
        case dist::cancelling:
            return "pairs x, -x plus tiny terms";
        case dist::narrow_cancelling:
            return "pairs x, -x from 100 binades plus terms from their bottom";
        default:
            return "products below the smallest normal";
    }
}

template <class T>
void shuffle(std::vector<T>& v, splitmix64& g) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[g.below(i)]);
}

template <class T>
std::vector<T> make_values(dist d, std::size_t n, splitmix64& g) {
    std::vector<T> v;
    v.reserve(n);
    switch (d) {
        case dist::binade:
            for (std::size_t i = 0; i < n; ++i) v.push_back(random_scaled<T>(g, -8, 8));
            break;
        case dist::finite_bits:
            for (std::size_t i = 0; i < n; ++i) v.push_back(random_finite_bits<T>(g));
            break;
        case dist::wide_mix:
            for (std::size_t i = 0; i < n; ++i) {
                const auto pick = g.below(8);
                if (pick == 0)
                    v.push_back((g.next() & 1) ? T(0) : -T(0));
                else if (pick == 1 && !v.empty())
                    v.push_back(-v[g.below(v.size())]);
                else
                    v.push_back(random_scaled<T>(g, wide_lo<T>(), wide_hi<T>()));
            }
            break;
        case dist::cancelling: {
            // The sum is exactly that of the one to three tiny terms.
            const std::size_t tiny = std::min<std::size_t>(n, n % 2 == 0 ? 2 : 3);
            for (std::size_t i = 0; i < (n - tiny) / 2; ++i) {
                const T x = random_scaled<T>(g, wide_lo<T>() / 2, wide_hi<T>());
                v.push_back(x);
                v.push_back(-x);
            }
            while (v.size() < n) v.push_back(random_scaled<T>(g, wide_lo<T>(), wide_lo<T>() + 20));
            shuffle(v, g);
            break;
        }
        case dist::narrow_cancelling: {
            // As cancelling, but within 100 binades: a chunk then spans few
            // enough bits for a split-into-bands fast path, and the exact
            // result (the last terms) is small enough to show any rounding
            // inside it.
            const int lo = std::is_same<T, float>::value ? -50 : 0;
            const std::size_t tail = std::min<std::size_t>(n, n % 2 == 0 ? 2 : 3);
            for (std::size_t i = 0; i < (n - tail) / 2; ++i) {
                const T x = random_scaled<T>(g, lo, lo + 100);
                v.push_back(x);
                v.push_back(-x);
            }
            while (v.size() < n) v.push_back(random_scaled<T>(g, lo, lo + 3));
            shuffle(v, g);
            break;
        }
        case dist::tiny_products: {
            // Two factors whose product lies around the bottom of the range.
            const int lo = std::is_same<T, float>::value ? -85 : -560;
            const int hi = std::is_same<T, float>::value ? -55 : -480;
            for (std::size_t i = 0; i < n; ++i) v.push_back(random_scaled<T>(g, lo, hi));
            break;
        }
    }
    return v;
}

const std::size_t sweep_sizes[] = {0,  1,  2,  3,   7,   8,   15,   16,   17,   31,   32,    33,
                                   63, 64, 65, 127, 128, 129, 1000, 4095, 4096, 4097, 10007, 65537};

// ---------------------------------------------------------------------------
// The result of every exact route for one vector: exact_sum, the threads
// overload, an accumulator fed as one block and one fed a term at a time.

template <class T>
void require_exact_sum(const std::vector<T>& x, T want) {
    CAPTURE(x.size());
    REQUIRE_SAME(repro::exact_sum(x.data(), x.size()), want);
    REQUIRE_SAME(repro::exact_sum(x.data(), x.size(), repro::threads{2}), want);
    repro::exact_accumulator<T> block, single;
    block.add(x.data(), x.size());
    for (T v : x) single.add(v);
    REQUIRE_SAME(block.result(), want);
    REQUIRE_SAME(single.result(), want);
    REQUIRE(block.count() == x.size());
    REQUIRE(single.count() == x.size());
}

template <class T>
void check_sum(const std::vector<T>& x) {
    require_exact_sum(x, oracle_sum(x));
}

// Checks against a literal expectation and against MPFR.
template <class T>
void check_sum(const std::vector<T>& x, T want) {
    REQUIRE_SAME(oracle_sum(x), want);  // the literal itself is right
    require_exact_sum(x, want);
}

template <class T>
void require_exact_dot(const std::vector<T>& x, const std::vector<T>& y, T want) {
    CAPTURE(x.size());
    REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), x.size()), want);
    REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), x.size(), repro::threads{2}), want);
    repro::exact_accumulator<T> acc;
    for (std::size_t i = 0; i < x.size(); ++i) acc.add_product(x[i], y[i]);
    REQUIRE_SAME(acc.result(), want);
    REQUIRE(acc.count() == x.size());
}

template <class T>
void check_dot(const std::vector<T>& x, const std::vector<T>& y) {
    require_exact_dot(x, y, oracle_dot(x, y));
}

template <class T>
void check_dot(const std::vector<T>& x, const std::vector<T>& y, T want) {
    REQUIRE_SAME(oracle_dot(x, y), want);
    require_exact_dot(x, y, want);
}

// Every ordering of x (std::next_permutation over the bit patterns).
template <class T>
void check_sum_all_orders(std::vector<T> x, T want) {
    std::sort(x.begin(), x.end(), [](T a, T b) { return repro::to_bits(a) < repro::to_bits(b); });
    do {
        require_exact_sum(x, want);
    } while (std::next_permutation(x.begin(), x.end(), [](T a, T b) { return repro::to_bits(a) < repro::to_bits(b); }));
}

}  // namespace

// ===========================================================================
// Adversarial sets

TEST_CASE_TEMPLATE("exact_sum survives catastrophic cancellation", T, float, double) {
    const T big = max_finite<T>() / 4;
    check_sum_all_orders<T>({big, T(1), -big}, T(1));
    check_sum<T>({T(1), big, T(1), -big}, T(2));
    check_sum<T>({max_finite<T>(), denorm_min<T>(), -max_finite<T>()}, denorm_min<T>());
    check_sum<T>({pow2<T>(bias<T>()), T(-3), -pow2<T>(bias<T>()), T(0.5)}, T(-2.5));
    // Many cancelling large terms around a small residue.
    std::vector<T> v;
    for (int i = 0; i < 5000; ++i) {
        v.push_back(max_finite<T>() / T(8));
        v.push_back(T(1) / T(1024));
        v.push_back(-max_finite<T>() / T(8));
    }
    check_sum(v, T(5000) / T(1024));
    if constexpr (std::is_same<T, double>::value) check_sum_all_orders<double>({1e308, 1.0, -1e308}, 1.0);
}

TEST_CASE_TEMPLATE("exact_sum keeps every bit across the whole exponent range", T, float, double) {
    const int top = bias<T>();
    const int bottom = 1 - bias<T>() - (precision<T>() - 1);  // exponent of denorm_min
    check_sum<T>({pow2<T>(top), pow2<T>(bottom), -pow2<T>(top)}, pow2<T>(bottom));
    // One term per binade: the sum has every bit from denorm_min up set, so
    // it is above every tie and rounds up: 2^top - denorm_min to 2^top, and
    // 2^(top+1) - denorm_min past the largest finite value to +inf.
    std::vector<T> v;
    for (int e = bottom; e < top; ++e) v.push_back(pow2<T>(e));
    check_sum(v, pow2<T>(top));
    v.push_back(pow2<T>(top));
    check_sum(v, infinity<T>());
    std::vector<T> alternating;
    for (int e = bottom; e <= top; ++e) alternating.push_back((e % 2) ? pow2<T>(e) : -pow2<T>(e));
    check_sum(alternating);
    splitmix64 g(0x5eed1001);
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<T> x;
        const std::size_t n = 1 + g.below(40);
        for (std::size_t i = 0; i < n; ++i) {
            switch (g.below(4)) {
                case 0:
                    x.push_back((g.next() & 1) ? max_finite<T>() : -max_finite<T>());
                    break;
                case 1:
                    x.push_back((g.next() & 1) ? denorm_min<T>() : -denorm_min<T>());
                    break;
                case 2:
                    x.push_back((g.next() & 1) ? T(1) : T(-1));
                    break;
                default:
                    x.push_back(random_scaled<T>(g, bottom, top));
            }
        }
        check_sum(x);
    }
}

TEST_CASE_TEMPLATE("exact_sum of subnormal-only inputs", T, float, double) {
    const T dmin = denorm_min<T>();
    const T smallest_normal = std::numeric_limits<T>::min();
    const T largest_subnormal = repro::next_down(smallest_normal);
    check_sum<T>({dmin, dmin, dmin}, T(3) * dmin);
    check_sum<T>({dmin, -dmin, dmin}, dmin);
    check_sum<T>({largest_subnormal, dmin}, smallest_normal);  // carries into the normal range
    check_sum<T>({largest_subnormal, largest_subnormal, -largest_subnormal}, largest_subnormal);
    check_sum(std::vector<T>(std::size_t(1) << 20, dmin));
    splitmix64 g(0x5eed1002);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<T> x(1 + g.below(300));
        for (T& v : x) v = random_subnormal<T>(g);
        check_sum(x);
    }
}

TEST_CASE_TEMPLATE("exact_sum of subnormals mixed with normal values", T, float, double) {
    const T dmin = denorm_min<T>();
    const T smallest_normal = std::numeric_limits<T>::min();
    check_sum<T>({smallest_normal, -dmin}, repro::next_down(smallest_normal));
    check_sum<T>({smallest_normal, dmin, -smallest_normal}, dmin);
    check_sum<T>({T(1), dmin, T(-1)}, dmin);
    check_sum<T>({T(-1), T(1), -dmin, T(0)}, -dmin);
    splitmix64 g(0x5eed1003);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<T> x(1 + g.below(200));
        for (T& v : x) {
            const auto pick = g.below(3);
            v = pick == 0 ? random_subnormal<T>(g) : random_scaled<T>(g, 1 - bias<T>(), pick == 1 ? 4 - bias<T>() : 10);
        }
        check_sum(x);
    }
}

TEST_CASE_TEMPLATE("only the final rounding of exact_sum may overflow", T, float, double) {
    const T mx = max_finite<T>();
    // The exponent of half an ulp of the largest finite value (2^103, 2^970).
    const T half_ulp = pow2<T>(bias<T>() - precision<T>());
    check_sum_all_orders<T>({mx, mx, -mx}, mx);
    check_sum_all_orders<T>({-mx, -mx, mx}, -mx);
    check_sum<T>({mx, mx}, infinity<T>());
    check_sum<T>({-mx, -mx}, -infinity<T>());
    check_sum<T>({mx, half_ulp}, infinity<T>());         // tie, max is odd: rounds up to 2^(emax+1)
    check_sum<T>({mx, half_ulp, -denorm_min<T>()}, mx);  // just below the tie
    check_sum<T>({mx, half_ulp / T(2)}, mx);
    check_sum<T>({-mx, -half_ulp}, -infinity<T>());
    check_sum<T>({mx, mx / T(2), mx / T(2), -mx}, mx);
    std::vector<T> v(1000, mx);
    v.insert(v.end(), 999, -mx);
    check_sum(v, mx);
    v.push_back(-mx);
    v.push_back(-mx);
    check_sum(v, -mx);
    if constexpr (std::is_same<T, float>::value) {
        check_sum_all_orders<float>({FLT_MAX, FLT_MAX, -FLT_MAX}, FLT_MAX);
    } else {
        check_sum_all_orders<double>({DBL_MAX, DBL_MAX, -DBL_MAX}, DBL_MAX);
    }
}

TEST_CASE_TEMPLATE("exact_sum rounds ties to even", T, float, double) {
    const int p = precision<T>();
    const T half = pow2<T>(-p);             // half an ulp of 1
    const T one_up = repro::next_up(T(1));  // odd last bit
    const T dmin = denorm_min<T>();
    check_sum_all_orders<T>({T(1), half}, T(1));
    check_sum_all_orders<T>({one_up, half}, repro::next_up(one_up));
    check_sum_all_orders<T>({T(1), half, dmin}, one_up);  // the sticky bit is denorm_min, far below
    check_sum_all_orders<T>({T(1), half, -dmin}, T(1));
    check_sum_all_orders<T>({one_up, half, -dmin}, one_up);
    check_sum_all_orders<T>({T(-1), -half}, T(-1));
    check_sum_all_orders<T>({-one_up, -half}, -repro::next_up(one_up));
    // Integers past 2^p: 2^p + 1 is a tie.
    const T two_p = pow2<T>(p);
    check_sum<T>({two_p, T(1)}, two_p);
    check_sum<T>({two_p + T(2), T(1)}, two_p + T(4));
    check_sum<T>({two_p, T(1), T(1)}, two_p + T(2));
    // The half ulp split over 2^k small terms.
    for (int k = 1; k <= 10; ++k) {
        std::vector<T> x(std::size_t(1) << k, pow2<T>(-p - k));
        x.push_back(T(1));
        check_sum(x, T(1));
        x.push_back(pow2<T>(-p - k));
        check_sum(x, one_up);
        x.pop_back();
        x.push_back(-dmin);
        check_sum(x, T(1));
    }
    // 1 + 1.5 ulp: between 1 + ulp (odd) and 1 + 2 ulp (even).
    check_sum<T>({T(1), pow2<T>(1 - p), half}, repro::next_up(one_up));
    // Random ties: a value plus half its ulp in pieces, nudged or not.
    splitmix64 g(0x5eed1004);
    for (int trial = 0; trial < 500; ++trial) {
        const T a = random_scaled<T>(g, -20, 20);
        const int e = std::ilogb(a) - (p - 1);  // exponent of a's ulp
        const int k = static_cast<int>(g.below(5));
        std::vector<T> x(std::size_t(1) << k, std::copysign(pow2<T>(e - 1 - k), a));
        x.push_back(a);
        switch (g.below(3)) {
            case 0:
                x.push_back(pow2<T>(e - 30));
                break;
            case 1:
                x.push_back(-pow2<T>(e - 30));
                break;
            default:
                break;
        }
        shuffle(x, g);
        check_sum(x);
    }
}

// ===========================================================================
// Property sweeps against MPFR

TEST_CASE_TEMPLATE("exact_sum equals the correctly rounded MPFR sum over sizes and distributions", T, float, double) {
    splitmix64 g(std::is_same<T, float>::value ? 0x5eed2001 : 0x5eed2002);
    for (dist d : {dist::binade, dist::finite_bits, dist::wide_mix, dist::cancelling, dist::narrow_cancelling}) {
        CAPTURE(dist_name(d));
        for (std::size_t n : sweep_sizes) {
            const std::vector<T> x = make_values<T>(d, n, g);
            const T want = oracle_sum(x);
            CAPTURE(n);
            REQUIRE_SAME(repro::exact_sum(x.data(), n), want);
            REQUIRE_SAME(repro::exact_sum(x.data(), n, repro::threads{3}), want);
            repro::exact_accumulator<T> acc;
            acc.add(x.data(), n);
            REQUIRE_SAME(acc.result(), want);
            REQUIRE(acc.count() == n);
        }
    }
}

TEST_CASE_TEMPLATE("exact_dot equals the correctly rounded MPFR dot over sizes and distributions", T, float, double) {
    splitmix64 g(std::is_same<T, float>::value ? 0x5eed2003 : 0x5eed2004);
    for (dist d : {dist::binade, dist::finite_bits, dist::wide_mix, dist::cancelling, dist::narrow_cancelling,
                   dist::tiny_products}) {
        CAPTURE(dist_name(d));
        for (std::size_t n : sweep_sizes) {
            const std::vector<T> x = make_values<T>(d, n, g);
            // For the pair distributions a constant y keeps the products
            // cancelling in pairs; otherwise y is drawn like x.
            const bool pairs = d == dist::cancelling || d == dist::narrow_cancelling;
            std::vector<T> y = pairs ? std::vector<T>(n, T(3)) : make_values<T>(d, n, g);
            const T want = oracle_dot(x, y);
            CAPTURE(n);
            REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), n), want);
            REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), n, repro::threads{3}), want);
            repro::exact_accumulator<T> acc;
            for (std::size_t i = 0; i < n; ++i) acc.add_product(x[i], y[i]);
            REQUIRE_SAME(acc.result(), want);
            REQUIRE(acc.count() == n);
        }
    }
}

// Inputs made of runs whose scale changes from run to run: a run that leaves
// the bands the runs before it opened (larger, finer, or much wider) must be
// taken back and added another way, and runs of one scale pass the lanes'
// capacity. Run lengths are not multiples of the blocks, so changes also fall
// inside blocks.
template <class T>
std::vector<T> runs_of_scales(splitmix64& g, const std::vector<std::array<int, 3>>& runs) {
    std::vector<T> v;
    for (const auto& r : runs)  // {length, lowest exponent, highest exponent}
        for (int i = 0; i < r[0]; ++i) v.push_back(random_scaled<T>(g, r[1], r[2]));
    return v;
}

TEST_CASE_TEMPLATE("exact_sum and exact_dot stay exact when the scale changes between blocks", T, float, double) {
    splitmix64 g(std::is_same<T, float>::value ? 0x5eed2101 : 0x5eed2102);
    const int lo = std::is_same<T, float>::value ? -140 : -1060;
    const int hi = std::is_same<T, float>::value ? 120 : 1000;
    std::vector<std::vector<std::array<int, 3>>> cases = {
        {{3000, -2, 0}, {2500, 8, 10}, {2100, 30, 31}, {4000, 60, 61}},                  // growing
        {{5000, 0, 1}, {1, -80, -80}, {5000, 0, 1}, {1, lo + 5, lo + 5}, {3000, 0, 1}},  // finer terms among coarse
        {{40000, -3, 0}},                                                                // past the lanes' capacity
        {{4096, 0, 0}, {4096, -100, 100}, {4096, 0, 0}},                                 // a much wider stretch
        {{2048, lo, lo + 5}, {2048, 0, 3}, {2048, hi - 3, hi}, {2048, lo, hi}},          // the ends of the range
    };
    for (int c = 0; c < 20; ++c) {  // random runs
        std::vector<std::array<int, 3>> runs;
        for (int r = 0; r < 12; ++r) {
            const int len = 1 + static_cast<int>(g.below(3000));
            const int e = -60 + static_cast<int>(g.below(121));
            runs.push_back({len, e - static_cast<int>(g.below(70)), e});
        }
        cases.push_back(runs);
    }
    for (std::size_t c = 0; c < cases.size(); ++c) {
        CAPTURE(c);
        const std::vector<T> x = runs_of_scales<T>(g, cases[c]);
        std::vector<T> y = x;
        shuffle(y, g);  // the products' scales change too
        REQUIRE_SAME(repro::exact_sum(x.data(), x.size()), oracle_sum(x));
        REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), x.size()), oracle_dot(x, y));
        std::vector<T> ones(x.size(), T(1));
        REQUIRE_SAME(repro::exact_dot(x.data(), ones.data(), x.size()), oracle_sum(x));
    }
}

TEST_CASE("exact_sum of doubles equals Python's math.fsum on adversarial vectors") {
    const std::string path = std::string(REPRO_TEST_DATA_DIR) + "/fsum_vectors.txt";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open ", path);
    std::string line;
    int vectors = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        CAPTURE(line);
        std::istringstream words(line);
        std::vector<double> x;
        double want = 0;
        bool seen_equals = false;
        std::string w;
        while (words >> w) {
            if (w == "=") {
                seen_equals = true;
                continue;
            }
            REQUIRE(w.size() == 16);
            const double v = repro::from_bits<double>(std::stoull(w, nullptr, 16));
            if (seen_equals)
                want = v;
            else
                x.push_back(v);
        }
        REQUIRE(seen_equals);
        require_exact_sum(x, want);
        std::reverse(x.begin(), x.end());
        require_exact_sum(x, want);
        ++vectors;
    }
    CHECK(vectors >= 50);  // the whole file was read
}

// ===========================================================================
// NaN, Inf and zero rules

TEST_CASE_TEMPLATE("exact_sum follows the NaN and infinity rules", T, float, double) {
    const T nan = quiet_nan<T>(), snan = std::numeric_limits<T>::signaling_NaN(), pinf = infinity<T>(),
            mx = max_finite<T>();
    require_exact_sum<T>({nan}, nan);
    require_exact_sum<T>({snan}, nan);
    require_exact_sum<T>({T(1), nan, T(2)}, nan);
    require_exact_sum<T>({-nan}, nan);
    require_exact_sum<T>({nan, pinf}, nan);
    require_exact_sum<T>({-pinf, nan}, nan);
    require_exact_sum<T>({pinf, -pinf}, nan);
    require_exact_sum<T>({pinf, T(1), -pinf, T(2)}, nan);
    require_exact_sum<T>({pinf, pinf, -pinf}, nan);
    require_exact_sum<T>({pinf}, pinf);
    require_exact_sum<T>({pinf, T(1)}, pinf);
    require_exact_sum<T>({T(-5), -pinf}, -pinf);
    require_exact_sum<T>({pinf, pinf}, pinf);
    // The infinity decides even when the finite terms alone would overflow the other way.
    require_exact_sum<T>({-pinf, mx, mx}, -pinf);
    require_exact_sum<T>({mx, pinf, -mx, -mx, -mx}, pinf);
    // A special value anywhere in a long input, across chunk and lane boundaries.
    splitmix64 g(0x5eed3001);
    std::vector<T> base = make_values<T>(dist::wide_mix, 10007, g);
    for (std::size_t pos : {std::size_t(0), std::size_t(1), std::size_t(31), std::size_t(4095), std::size_t(4096),
                            std::size_t(8191), std::size_t(10006)}) {
        CAPTURE(pos);
        std::vector<T> x = base;
        x[pos] = nan;
        require_exact_sum(x, nan);
        x[pos] = pinf;
        require_exact_sum(x, pinf);
        x[pos] = -pinf;
        require_exact_sum(x, -pinf);
        x[10006 - pos] = pinf;  // and +inf at the mirrored position
        require_exact_sum(x, nan);
    }
}

TEST_CASE_TEMPLATE("exact_accumulator merges apply the NaN and infinity rules", T, float, double) {
    auto acc_of = [](std::vector<T> v) {
        repro::exact_accumulator<T> a;
        a.add(v.data(), v.size());
        return a;
    };
    const T pinf = infinity<T>();
    {
        auto a = acc_of({pinf, T(1)});
        a.merge(acc_of({-pinf}));
        REQUIRE_SAME(a.result(), quiet_nan<T>());
    }
    {
        auto a = acc_of({T(2)});
        a.merge(acc_of({-pinf, T(3)}));
        REQUIRE_SAME(a.result(), -pinf);
        REQUIRE(a.count() == 3);
    }
    {
        auto a = acc_of({pinf});
        a.merge(acc_of({quiet_nan<T>()}));
        REQUIRE_SAME(a.result(), quiet_nan<T>());
        auto b = acc_of({T(1)});
        b.merge(a);
        REQUIRE_SAME(b.result(), quiet_nan<T>());
    }
    {
        // Finite overflow in one part and -inf in another: -inf.
        auto a = acc_of({max_finite<T>(), max_finite<T>()});
        REQUIRE_SAME(a.result(), pinf);
        a.merge(acc_of({-pinf}));
        REQUIRE_SAME(a.result(), -pinf);
    }
}

TEST_CASE_TEMPLATE("an exact zero is +0 and no terms sum to +0", T, float, double) {
    const T pz = T(0), nz = -T(0);
    REQUIRE_SAME(repro::exact_sum(static_cast<const T*>(nullptr), 0), pz);
    REQUIRE_SAME(repro::exact_sum(static_cast<const T*>(nullptr), 0, repro::threads{2}), pz);
    REQUIRE_SAME(repro::exact_dot(static_cast<const T*>(nullptr), static_cast<const T*>(nullptr), 0), pz);
    require_exact_sum<T>({}, pz);
    require_exact_sum<T>({nz}, pz);
    require_exact_sum<T>({nz, nz, nz}, pz);
    require_exact_sum<T>({T(1), T(-1)}, pz);
    require_exact_sum<T>({T(-1), T(1)}, pz);
    require_exact_sum<T>({-denorm_min<T>(), nz, denorm_min<T>()}, pz);
    require_exact_sum(std::vector<T>(5000, nz), pz);
    require_exact_dot<T>({nz}, {T(1)}, pz);
    require_exact_dot<T>({T(-1)}, {pz}, pz);
    require_exact_dot<T>({T(2), T(-1)}, {T(1), T(2)}, pz);
    repro::exact_accumulator<T> empty;
    REQUIRE_SAME(empty.result(), pz);
    REQUIRE(empty.count() == 0);
}

TEST_CASE_TEMPLATE("exact_dot follows the NaN and infinity rules on the products", T, float, double) {
    const T pinf = infinity<T>(), nan = quiet_nan<T>();
    check_dot<T>({pinf}, {T(0)}, nan);  // inf * 0
    check_dot<T>({T(0), T(1)}, {-pinf, T(1)}, nan);
    check_dot<T>({pinf, pinf}, {T(1), T(-1)}, nan);
    check_dot<T>({T(1), nan}, {T(1), T(1)}, nan);
    check_dot<T>({T(1), T(1)}, {T(1), nan}, nan);
    check_dot<T>({pinf}, {T(-2)}, -pinf);
    check_dot<T>({-pinf, T(3)}, {-pinf, T(4)}, pinf);
    check_dot<T>({pinf, max_finite<T>()}, {T(1), T(-4)}, pinf);
}

// ===========================================================================
// exact_dot specifics

TEST_CASE_TEMPLATE("exact_dot keeps products beyond the format's range exact", T, float, double) {
    const T mx = max_finite<T>();
    const T dmin = denorm_min<T>();
    // Products above max that cancel: no intermediate overflow.
    check_dot<T>({mx, mx}, {T(2), T(-2)}, T(0));
    check_dot<T>({mx, mx, T(1)}, {T(4), T(-4), T(7)}, T(7));
    check_dot<T>({mx, mx}, {mx, -mx}, T(0));
    check_dot<T>({mx, mx, mx}, {T(2), T(-1), T(-0.5)}, mx / T(2));
    check_dot<T>({mx, mx}, {T(1), T(1)}, infinity<T>());  // the final rounding overflows
    // Products below denorm_min that add up to something representable.
    check_dot<T>({dmin, dmin}, {T(0.5), T(0.5)}, dmin);
    check_dot<T>({dmin}, {T(0.5)}, T(0));                       // a tie between 0 and denorm_min: to even
    check_dot<T>({dmin}, {T(1.5)}, T(2) * dmin);                // 1.5 denorm_min: to even
    check_dot<T>({dmin, dmin}, {T(0.5), pow2<T>(-40)}, dmin);   // just above the tie
    check_dot<T>({dmin, -dmin}, {T(0.5), pow2<T>(-40)}, T(0));  // just below it
    check_dot<T>({dmin, dmin}, {dmin, mx}, dmin * mx);          // denorm_min^2 only a sticky bit far below
    check_dot<T>({-dmin, dmin}, {dmin, T(0.5)}, T(0));          // just below the tie: rounds to +0
    // A negative exact value that rounds to zero keeps its sign (it is not an exact zero).
    check_dot<T>({-dmin}, {T(0.5)}, -T(0));
    check_dot<T>({dmin, -dmin}, {dmin, T(0.5)}, -T(0));
    std::vector<T> many(1 << 12, dmin), halves(1 << 12, pow2<T>(-12));
    check_dot(many, halves, dmin);  // 4096 products of denorm_min / 4096
}

TEST_CASE_TEMPLATE("exact_dot and add_product are exact for factors of any two exponents", T, float, double) {
    // Every pair of binades on a grid from denorm_min to the top, each as
    // a*b - a*next_up(b) = -a*ulp(b): only an exact product gives it.
    const int lo = 2 - bias<T>() - precision<T>();  // exponent of denorm_min
    const int hi = bias<T>();
    const int step = std::is_same<T, float>::value ? 5 : 37;
    splitmix64 g(0x5eed4002);
    for (int ea = lo; ea <= hi; ea += step) {
        for (int eb = lo; eb <= hi; eb += step) {
            CAPTURE(ea);
            CAPTURE(eb);
            const T a = random_scaled<T>(g, ea, ea), b = random_scaled<T>(g, eb, eb);
            check_dot<T>({a}, {b});
            check_dot<T>({a, -a}, {b, repro::next_up(b)});
        }
    }
}

TEST_CASE_TEMPLATE("exact_dot survives cancellation", T, float, double) {
    const T big = pow2<T>(bias<T>() / 2);
    check_dot<T>({big, T(1), big}, {big, T(1), -big}, T(1));
    check_dot<T>({T(1), T(1), T(1)}, {big, denorm_min<T>(), -big}, denorm_min<T>());
    // a*b - a*b' where b and b' differ in the last bit: the rounded products would cancel to a
    // multiple of an ulp of a*b, the exact ones leave a*ulp(b).
    splitmix64 g(0x5eed4001);
    for (int trial = 0; trial < 2000; ++trial) {
        const T a = random_scaled<T>(g, -30, 30), b = random_scaled<T>(g, -30, 30);
        const T c = random_scaled<T>(g, -30, 30);
        check_dot<T>({a, -a, c}, {b, repro::next_up(b), c});
    }
    // The same near the bottom of the range, where a product's low half
    // (TwoProd's error term) falls below denorm_min.
    const int lo = std::is_same<T, float>::value ? -80 : -540;
    const int hi = std::is_same<T, float>::value ? -60 : -480;
    for (int trial = 0; trial < 2000; ++trial) {
        const T a = random_scaled<T>(g, lo, hi), b = random_scaled<T>(g, lo, hi);
        const T c = random_scaled<T>(g, lo, hi), d = random_scaled<T>(g, lo, hi);
        check_dot<T>({a, -a, c}, {b, repro::next_up(b), d});
    }
}

// ===========================================================================
// mean

TEST_CASE_TEMPLATE("exact_accumulator::mean is the correctly rounded sum / count", T, float, double) {
    auto mean_of = [](const std::vector<T>& v) {
        repro::exact_accumulator<T> a;
        a.add(v.data(), v.size());
        return a.mean();
    };
    auto check_mean = [&](const std::vector<T>& v, T want) {
        REQUIRE_SAME(oracle_mean(v), want);
        REQUIRE_SAME(mean_of(v), want);
    };
    REQUIRE_SAME(repro::exact_accumulator<T>().mean(), quiet_nan<T>());
    check_mean({T(1), T(2)}, T(1.5));
    check_mean({-T(0)}, T(0));
    // The sum overflows, the mean does not.
    check_mean({max_finite<T>(), max_finite<T>()}, max_finite<T>());
    check_mean({max_finite<T>(), max_finite<T>(), max_finite<T>()}, max_finite<T>());
    check_mean({-max_finite<T>(), -max_finite<T>(), max_finite<T>() / T(2)}, -max_finite<T>() / T(2));
    // Subnormal quotients: 0.5 denorm_min -> 0, 1.5 denorm_min -> 2 denorm_min (ties to even).
    check_mean({denorm_min<T>(), T(0)}, T(0));
    check_mean({T(3) * denorm_min<T>(), T(0)}, T(2) * denorm_min<T>());
    check_mean({T(5) * denorm_min<T>(), T(0)}, T(2) * denorm_min<T>());
    check_mean({-denorm_min<T>(), T(0)}, -T(0));  // -0.5 denorm_min rounds to -0, not an exact zero
    // 1/3 needs the quotient of the exact sum, not sum() / 3 rounded twice.
    check_mean({T(1), T(0), T(0)}, T(1) / T(3));
    check_mean({infinity<T>(), T(1)}, infinity<T>());
    check_mean({quiet_nan<T>(), T(1)}, quiet_nan<T>());
    // A product counts as one term.
    repro::exact_accumulator<T> p;
    p.add_product(T(3), T(4));
    p.add(T(0));
    REQUIRE(p.count() == 2);
    REQUIRE_SAME(p.mean(), T(6));
    splitmix64 g(std::is_same<T, float>::value ? 0x5eed5001 : 0x5eed5002);
    for (dist d : {dist::binade, dist::finite_bits, dist::wide_mix, dist::cancelling}) {
        CAPTURE(dist_name(d));
        for (std::size_t n : sweep_sizes) {
            if (n > 10007) continue;
            const std::vector<T> x = make_values<T>(d, n, g);
            CAPTURE(n);
            REQUIRE_SAME(mean_of(x), oracle_mean(x));
        }
    }
    // Subnormal inputs whose mean is a tie or near one.
    for (int trial = 0; trial < 500; ++trial) {
        std::vector<T> x(1 + g.below(9));
        for (T& v : x) v = random_subnormal<T>(g);
        REQUIRE_SAME(mean_of(x), oracle_mean(x));
    }
}

// ===========================================================================
// Order invariance

TEST_CASE_TEMPLATE("exact_sum and exact_dot give the same bits for every permutation", T, float, double) {
    splitmix64 g(0x5eed6001);
    for (dist d : {dist::wide_mix, dist::cancelling, dist::narrow_cancelling, dist::finite_bits}) {
        CAPTURE(dist_name(d));
        std::vector<T> x = make_values<T>(d, 5000, g);
        std::vector<T> y = make_values<T>(dist::binade, 5000, g);
        const T want_sum = oracle_sum(x), want_dot = oracle_dot(x, y);
        for (int trial = 0; trial < 20; ++trial) {
            // Permute x and y together.
            for (std::size_t i = x.size(); i > 1; --i) {
                const std::size_t j = g.below(i);
                std::swap(x[i - 1], x[j]);
                std::swap(y[i - 1], y[j]);
            }
            REQUIRE_SAME(repro::exact_sum(x.data(), x.size()), want_sum);
            REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), x.size()), want_dot);
        }
    }
}

TEST_CASE_TEMPLATE("accumulators over random splits merged in random orders equal exact_sum", T, float, double) {
    splitmix64 g(std::is_same<T, float>::value ? 0x5eed6002 : 0x5eed6003);
    for (int trial = 0; trial < 60; ++trial) {
        const dist kinds[] = {dist::wide_mix, dist::cancelling, dist::narrow_cancelling, dist::finite_bits};
        const dist d = kinds[trial % 4];
        const std::size_t n = g.below(20000);
        const std::vector<T> x = make_values<T>(d, n, g);
        const std::vector<T> y = make_values<T>(dist::binade, n, g);
        const T want = repro::exact_sum(x.data(), n);
        const T want_dot = repro::exact_dot(x.data(), y.data(), n);
        REQUIRE_SAME(want, oracle_sum(x));
        CAPTURE(trial);
        // Cut points, then one accumulator per piece, fed as a block, term by
        // term, or (for the dot) by products.
        const std::size_t pieces = 1 + g.below(12);
        std::vector<std::size_t> cuts{0, n};
        for (std::size_t i = 1; i < pieces; ++i) cuts.push_back(g.below(n + 1));
        std::sort(cuts.begin(), cuts.end());
        std::vector<repro::exact_accumulator<T>> accs, dot_accs;
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
            repro::exact_accumulator<T> a, b;
            const std::size_t lo = cuts[i], hi = cuts[i + 1];
            if (g.next() & 1) {
                a.add(x.data() + lo, hi - lo);
            } else {
                for (std::size_t k = lo; k < hi; ++k) a.add(x[k]);
            }
            for (std::size_t k = lo; k < hi; ++k) b.add_product(x[k], y[k]);
            // Some pieces travel through bytes before they are merged.
            if (g.below(3) == 0) a = repro::exact_accumulator<T>::deserialize(a.serialize());
            if (g.below(3) == 0) b = repro::exact_accumulator<T>::deserialize(b.serialize());
            accs.push_back(a);
            dot_accs.push_back(b);
        }
        auto merge_randomly = [&g](std::vector<repro::exact_accumulator<T>> v) {
            while (v.size() > 1) {
                const std::size_t i = g.below(v.size());
                std::size_t j = g.below(v.size() - 1);
                if (j >= i) ++j;
                v[i].merge(v[j]);
                v.erase(v.begin() + static_cast<std::ptrdiff_t>(j));
            }
            return v.front();
        };
        const auto total = merge_randomly(accs);
        REQUIRE_SAME(total.result(), want);
        REQUIRE(total.count() == n);
        const auto total_dot = merge_randomly(dot_accs);
        REQUIRE_SAME(total_dot.result(), want_dot);
        REQUIRE(total_dot.count() == n);
        // The same pieces merged in a second random order.
        REQUIRE_SAME(merge_randomly(accs).result(), want);
    }
}

TEST_CASE_TEMPLATE("threads{1..4} and more threads than terms give identical bits", T, float, double) {
    splitmix64 g(0x5eed6004);
    // Sizes past 2^16 and 3 * 2^16 so that several threads get work; every
    // term of these distributions shows in the result, so a thread that lost
    // or repeated a block would be seen.
    for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(2), std::size_t(3), std::size_t(4097),
                          std::size_t(65537), std::size_t(196613)}) {
        const std::vector<T> x = make_values<T>(dist::narrow_cancelling, n, g);
        const std::vector<T> y = make_values<T>(dist::binade, n, g);
        const T want = oracle_sum(x), want_dot = oracle_dot(x, y);
        CAPTURE(n);
        for (unsigned k : {1u, 2u, 3u, 4u, 7u}) {
            CAPTURE(k);
            REQUIRE_SAME(repro::exact_sum(x.data(), n, repro::threads{k}), want);
            REQUIRE_SAME(repro::exact_dot(x.data(), y.data(), n, repro::threads{k}), want_dot);
        }
    }
}

TEST_CASE_TEMPLATE("unaligned data gives the same bits as an aligned copy", T, float, double) {
    splitmix64 g(0x5eed6005);
    for (std::size_t n : {std::size_t(1), std::size_t(7), std::size_t(33), std::size_t(4097), std::size_t(65537)}) {
        const std::vector<T> x = make_values<T>(dist::narrow_cancelling, n, g);
        const std::vector<T> y = make_values<T>(dist::binade, n, g);
        const T want = repro::exact_sum(x.data(), n), want_dot = repro::exact_dot(x.data(), y.data(), n);
        REQUIRE_SAME(want, oracle_sum(x));
        REQUIRE_SAME(want_dot, oracle_dot(x, y));
        for (std::size_t offset : {1, 3, 5}) {
            CAPTURE(n);
            CAPTURE(offset);
            std::vector<T> bx(n + 8, T(99)), by(n + 8, T(-77));  // the padding must not be read
            std::copy(x.begin(), x.end(), bx.begin() + static_cast<std::ptrdiff_t>(offset));
            std::copy(y.begin(), y.end(), by.begin() + static_cast<std::ptrdiff_t>(offset + 2));
            const T* px = bx.data() + offset;
            const T* py = by.data() + offset + 2;
            REQUIRE_SAME(repro::exact_sum(px, n), want);
            REQUIRE_SAME(repro::exact_sum(px, n, repro::threads{2}), want);
            REQUIRE_SAME(repro::exact_dot(px, py, n), want_dot);
            REQUIRE_SAME(repro::exact_dot(px, py, n, repro::threads{3}), want_dot);
            repro::exact_accumulator<T> a;
            a.add(px, n);
            REQUIRE_SAME(a.result(), want);
        }
    }
}

TEST_CASE_TEMPLATE("every code path gives the oracle's bits", T, float, double) {
    // The ISA forms measure blocks differently (AVX2 takes the doubles'
    // maxima and minima over 32-bit halves) and group their lanes
    // differently, so each runs data with zeros, narrow and wide blocks
    // against the MPFR oracle.
    splitmix64 g(0x5eed6006);
    std::vector<std::vector<T>> xs, ys;
    for (dist d : {dist::binade, dist::narrow_cancelling, dist::wide_mix}) {
        for (std::size_t n : {std::size_t(5), std::size_t(4097), std::size_t(65537)}) {
            xs.push_back(make_values<T>(d, n, g));
            ys.push_back(d == dist::narrow_cancelling ? std::vector<T>(n, T(3)) : make_values<T>(d, n, g));
            if (d == dist::binade)  // zeros among the terms: the smallest nonzero one must skip them
                for (std::size_t i = 0; i < n; i += 3) xs.back()[i] = T(0);
        }
    }
    std::vector<T> sums, dots;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        sums.push_back(oracle_sum(xs[i]));
        dots.push_back(oracle_dot(xs[i], ys[i]));
    }
    const repro_test::isa_restorer restore;
    for (const repro::isa cap : repro_test::every_isa()) {
        repro::limit_isa(cap);
        INFO("ISA " << std::string(repro::to_string(repro::active_isa())));
        for (std::size_t i = 0; i < xs.size(); ++i) {
            CAPTURE(i);
            CHECK(same_result(repro::exact_sum(xs[i].data(), xs[i].size()), sums[i]));
            CHECK(same_result(repro::exact_dot(xs[i].data(), ys[i].data(), xs[i].size()), dots[i]));
        }
    }
}

TEST_CASE("float sums and dots widened in 256-bit or 512-bit registers give the same bits") {
    // On AVX-512 CPUs that double-pump 512-bit operations the float sum and
    // dot widen in 256-bit registers; both forms must give the oracle's bits.
    splitmix64 g(0x5eed6007);
    if (repro::active_isa() != repro::isa::avx512) MESSAGE("no AVX-512 here: both settings run the same form");
    const bool before = repro::detail::simd::widen_in_256_bits.load();
    for (dist d : {dist::binade, dist::narrow_cancelling, dist::wide_mix}) {
        for (std::size_t n : {std::size_t(31), std::size_t(4097), std::size_t(65537)}) {
            const std::vector<float> x = make_values<float>(d, n, g), y = make_values<float>(d, n, g);
            const float sum = oracle_sum(x), dot = oracle_dot(x, y);
            CAPTURE(n);
            for (bool in_256 : {false, true}) {
                repro::detail::simd::widen_in_256_bits.store(in_256);
                CHECK(same_result(repro::exact_sum(x.data(), n), sum));
                CHECK(same_result(repro::exact_dot(x.data(), y.data(), n), dot));
            }
        }
    }
    repro::detail::simd::widen_in_256_bits.store(before);
}

// ===========================================================================
// Serialization

namespace {

template <class T>
repro::exact_accumulator<T> filled_accumulator(std::uint64_t seed, std::size_t n) {
    splitmix64 g(seed);
    const std::vector<T> x = make_values<T>(dist::wide_mix, n, g);
    repro::exact_accumulator<T> a;
    a.add(x.data(), x.size());
    return a;
}

}  // namespace

TEST_CASE_TEMPLATE("serialize and deserialize round-trip the accumulator", T, float, double) {
    std::vector<repro::exact_accumulator<T>> cases;
    cases.emplace_back();
    cases.push_back(filled_accumulator<T>(0x5eed7001, 1));
    cases.push_back(filled_accumulator<T>(0x5eed7002, 10007));
    for (std::vector<T> v :
         {std::vector<T>{infinity<T>()}, std::vector<T>{-infinity<T>(), T(1)},
          std::vector<T>{infinity<T>(), -infinity<T>()}, std::vector<T>{quiet_nan<T>()},
          std::vector<T>{max_finite<T>(), max_finite<T>()}, std::vector<T>{denorm_min<T>(), -T(0)}}) {
        repro::exact_accumulator<T> a;
        a.add(v.data(), v.size());
        cases.push_back(a);
    }
    // max^2 + denorm_min^2 - max^2 + denorm_min/2: half of denorm_min plus a
    // term far below it, so the result is denorm_min only while that term is
    // kept exactly (without it the tie would round to +0).
    repro::exact_accumulator<T> products;
    products.add_product(max_finite<T>(), max_finite<T>());
    products.add_product(denorm_min<T>(), denorm_min<T>());
    products.add_product(-max_finite<T>(), max_finite<T>());
    products.add_product(denorm_min<T>(), T(0.5));
    REQUIRE_SAME(products.result(), denorm_min<T>());
    cases.push_back(products);
    for (const auto& a : cases) {
        const std::vector<std::uint8_t> bytes = a.serialize();
        CAPTURE(bytes.size());
        const auto b = repro::exact_accumulator<T>::deserialize(bytes);
        const auto c = repro::exact_accumulator<T>::deserialize(bytes.data(), bytes.size());
        REQUIRE_SAME(b.result(), a.result());
        REQUIRE_SAME(c.result(), a.result());
        REQUIRE_SAME(b.mean(), a.mean());
        REQUIRE(b.count() == a.count());
        REQUIRE(b.serialize() == bytes);
        REQUIRE(c.serialize() == bytes);
    }
    // A deserialized accumulator keeps accumulating exactly.
    auto a = filled_accumulator<T>(0x5eed7003, 3000);
    auto b = filled_accumulator<T>(0x5eed7004, 5000);
    auto restored = repro::exact_accumulator<T>::deserialize(a.serialize());
    restored.merge(repro::exact_accumulator<T>::deserialize(b.serialize()));
    a.merge(b);
    REQUIRE_SAME(restored.result(), a.result());
    REQUIRE(restored.count() == 8000);
    REQUIRE(restored.serialize() == a.serialize());
}

TEST_CASE_TEMPLATE("deserialize rejects truncated and corrupted bytes", T, float, double) {
    const auto a = filled_accumulator<T>(0x5eed7005, 777);
    const std::vector<std::uint8_t> bytes = a.serialize();
    // The documented header: "RPXA", version 1, sizeof(T), then the count as a little-endian u64 at 8.
    REQUIRE(bytes.size() >= 20);
    CHECK(std::string(bytes.begin(), bytes.begin() + 4) == "RPXA");
    CHECK(bytes[4] == 1);
    CHECK(bytes[5] == sizeof(T));
    std::uint64_t count = 0;
    for (int i = 0; i < 8; ++i) count |= std::uint64_t(bytes[8 + static_cast<std::size_t>(i)]) << (8 * i);
    CHECK(count == 777);
    for (std::size_t k = 0; k < bytes.size(); ++k) {
        CAPTURE(k);
        REQUIRE_THROWS_AS(repro::exact_accumulator<T>::deserialize(bytes.data(), k), std::invalid_argument);
        REQUIRE_THROWS_AS(repro::exact_accumulator<T>::deserialize(
                              std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(k))),
                          std::invalid_argument);
    }
    std::vector<std::uint8_t> bad_magic = bytes;
    bad_magic[0] ^= 0x5a;
    REQUIRE_THROWS_AS(repro::exact_accumulator<T>::deserialize(bad_magic), std::invalid_argument);
    std::vector<std::uint8_t> bad_version = bytes;
    bad_version[4] ^= 0x7f;  // "RPXA", then the version byte (reduce.hpp's documented format)
    REQUIRE_THROWS_AS(repro::exact_accumulator<T>::deserialize(bad_version), std::invalid_argument);
    bad_version[4] = 2;
    REQUIRE_THROWS_WITH(repro::exact_accumulator<T>::deserialize(bad_version),
                        doctest::Contains("format version 2; this build reads version 1"));
    // Bytes of the other element type.
    using other = std::conditional_t<std::is_same<T, float>::value, double, float>;
    const std::vector<std::uint8_t> foreign = filled_accumulator<other>(0x5eed7006, 777).serialize();
    REQUIRE_THROWS_AS(repro::exact_accumulator<T>::deserialize(foreign), std::invalid_argument);
    REQUIRE_THROWS_WITH(
        repro::exact_accumulator<T>::deserialize(foreign),
        doctest::Contains(std::is_same<T, float>::value ? "the bytes hold an exact_accumulator<double>, not <float>"
                                                        : "the bytes hold an exact_accumulator<float>, not <double>"));
    REQUIRE_THROWS_AS(repro::exact_accumulator<T>::deserialize(repro::exact_accumulator<other>().serialize()),
                      std::invalid_argument);
}

// The byte offsets of the documented format: limbs from 20, 8 bytes each, the count at 8.
void set_u64(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i) bytes[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
template <class T>
std::size_t top_limb_offset() {
    return 20 + 8 * static_cast<std::size_t>(repro::exact_accumulator<T>::state_type::limbs - 1);
}

// Found by tests/fuzz/fuzz_deserialize: a top limb near the int64 limit was
// accepted, and merging the state with itself overflowed a signed integer.
TEST_CASE_TEMPLATE("deserialize rejects a top limb beyond any accumulator's range", T, float, double) {
    std::vector<std::uint8_t> bytes = filled_accumulator<T>(0x5eed7007, 99).serialize();
    for (const std::uint64_t top : {0x9500000000000000ull, 0x7fffffffffffffffull, 1ull, 0xfffffffffffffffeull}) {
        CAPTURE(top);
        set_u64(bytes, top_limb_offset<T>(), top);
        try {
            (void)repro::exact_accumulator<T>::deserialize(bytes);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find("beyond the accumulator's range") != std::string::npos);
        }
    }
    // 0 and -1 (the sign) are what real states hold there.
    set_u64(bytes, top_limb_offset<T>(), ~0ull);
    CHECK(repro::exact_accumulator<T>::deserialize(bytes).result() < T(0));
}

TEST_CASE_TEMPLATE("merge refuses to pass 2^64 - 1 terms or the state's range, and changes nothing", T, float, double) {
    repro::exact_accumulator<T> one;
    one.add(T(1));
    // Count 2^64 - 1.
    std::vector<std::uint8_t> full = one.serialize();
    set_u64(full, 8, ~0ull);
    auto a = repro::exact_accumulator<T>::deserialize(full);
    CHECK_THROWS_AS(a.merge(one), std::overflow_error);
    CHECK(a.count() == ~0ull);
    CHECK(a.result() == T(1));
    // The largest value deserialize accepts: every limb below the top all ones.
    std::vector<std::uint8_t> big = repro::exact_accumulator<T>().serialize();
    for (std::size_t at = 20; at < top_limb_offset<T>(); at += 8) set_u64(big, at, 0xffffffffull);
    auto b = repro::exact_accumulator<T>::deserialize(big);
    const std::vector<std::uint8_t> before = b.serialize();
    CHECK_THROWS_AS(b.merge(b), std::overflow_error);
    CHECK(b.serialize() == before);
    CHECK(b.result() == std::numeric_limits<T>::infinity());
    // One below the range's middle merges with itself.
    for (std::size_t at = 20; at < top_limb_offset<T>(); at += 8) set_u64(big, at, 0);
    set_u64(big, top_limb_offset<T>() - 8, 0x7fffffffull);
    auto c = repro::exact_accumulator<T>::deserialize(big);
    c.merge(c);
    CHECK(c.serialize() != big);
}

// ===========================================================================
// Bad input

TEST_CASE_TEMPLATE("null pointers with n > 0 and threads{0} are refused", T, float, double) {
    const T data[4] = {T(1), T(2), T(3), T(4)};
    const T* null = nullptr;
    CHECK_THROWS_AS(repro::exact_sum(null, 1), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_sum(null, 3, repro::threads{2}), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_dot(null, data, 4), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_dot(data, null, 4), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_dot(null, data, 4, repro::threads{2}), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_dot(data, null, 4, repro::threads{2}), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_sum(data, 4, repro::threads{0}), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_sum(data, 0, repro::threads{0}), std::invalid_argument);
    CHECK_THROWS_AS(repro::exact_dot(data, data, 4, repro::threads{0}), std::invalid_argument);
    repro::exact_accumulator<T> a;
    CHECK_THROWS_AS(a.add(null, 2), std::invalid_argument);
    a.add(null, 0);
    CHECK(a.count() == 0);
    CHECK(repro::bitwise_equal(repro::exact_sum(data, 4), T(10)));
}

// ===========================================================================
// 10^7 terms

TEST_CASE("exact_sum of 10^7 floats equals an integer-bucket oracle rounded by MPFR") {
    // Each float is sign * m * 2^(e - 150) with m < 2^24 and e the biased
    // exponent (1 for subnormals); per exponent, 10^7 such m fit in an int64.
    constexpr std::size_t n = 10000000;
    splitmix64 g(0x5eed8001);
    // 80% pairs x, -x from 2^-40..2^40, the rest small terms and subnormals,
    // shuffled: the sum is small, so a large term lost or counted twice shows.
    std::vector<float> x;
    x.reserve(n);
    while (x.size() < n * 8 / 10) {
        const float v = random_scaled<float>(g, -40, 40);
        x.push_back(v);
        x.push_back(-v);
    }
    while (x.size() < n) x.push_back(g.below(4) == 0 ? random_subnormal<float>(g) : random_scaled<float>(g, -60, -20));
    shuffle(x, g);
    std::vector<long long> buckets(256, 0);
    for (float v : x) {
        const std::uint32_t b = repro::to_bits(v);
        const std::uint32_t e = (b >> 23) & 0xff;
        const long long m = static_cast<long long>((b & 0x7fffff) | (e != 0 ? 0x800000u : 0u));
        buckets[e == 0 ? 1 : e] += (b >> 31) ? -m : m;
    }
    mp_exact<float> oracle;
    for (int e = 1; e < 255; ++e) oracle.add_scaled(buckets[static_cast<std::size_t>(e)], e - 150);
    const float want = oracle.sum();
    oracle.add(-x[0]);
    const float want_tail = oracle.sum();  // without the first term
    REQUIRE_SAME(repro::exact_sum(x.data(), n), want);
    REQUIRE_SAME(repro::exact_sum(x.data(), n, repro::threads{2}), want);
    REQUIRE_SAME(repro::exact_sum(x.data() + 1, n - 1, repro::threads{4}), want_tail);
    // Ten pieces accumulated separately and merged back to front.
    std::vector<repro::exact_accumulator<float>> pieces(10);
    for (std::size_t p = 0; p < 10; ++p) pieces[p].add(x.data() + p * (n / 10), n / 10);
    for (std::size_t p = 9; p > 0; --p) pieces[p - 1].merge(pieces[p]);
    REQUIRE_SAME(pieces[0].result(), want);
    REQUIRE(pieces[0].count() == n);
}

// ---------------------------------------------------------------------------
// Eigen::half and Eigen::bfloat16 inputs widen exactly to float.

TEST_CASE("exact_sum of every finite half equals an exact integer oracle") {
    // A finite half is a multiple of 2^-24 below 2^16: 2^24 x is an integer,
    // and 65536 of them sum exactly in int64; int64 -> float rounds once.
    std::vector<Eigen::half> all;
    std::int64_t scaled = 0;
    for (std::uint32_t b = 0; b < 65536; ++b) {
        const Eigen::half h = Eigen::numext::bit_cast<Eigen::half>(static_cast<std::uint16_t>(b));
        if (!(Eigen::numext::isfinite)(h)) continue;
        // Positive values only, so that the sum does not cancel to zero.
        if (b & 0x8000u) continue;
        all.push_back(h);
        scaled += static_cast<std::int64_t>(std::ldexp(static_cast<double>(static_cast<float>(h)), 24));
    }
    const float want = std::ldexp(static_cast<float>(scaled), -24);
    CHECK(repro::bitwise_equal(repro::exact_sum(all.data(), all.size()), want));
    CHECK(repro::bitwise_equal(repro::exact_sum(all.data(), all.size(), repro::threads{3}), want));
}

TEST_CASE_TEMPLATE("exact_sum and exact_dot of 16-bit inputs equal those of their float widenings", T, Eigen::half,
                   Eigen::bfloat16) {
    repro_test::splitmix64 g(0x5eed16);
    for (const std::size_t n : {0u, 1u, 7u, 100u, 4097u, 20000u}) {
        std::vector<T> x(n), y(n);
        std::vector<float> xf(n), yf(n);
        for (std::size_t i = 0; i < n; ++i) {
            do x[i] = Eigen::numext::bit_cast<T>(static_cast<std::uint16_t>(g.next()));
            while (!(Eigen::numext::isfinite)(x[i]));
            do y[i] = Eigen::numext::bit_cast<T>(static_cast<std::uint16_t>(g.next()));
            while (!(Eigen::numext::isfinite)(y[i]));
            xf[i] = static_cast<float>(x[i]);
            yf[i] = static_cast<float>(y[i]);
        }
        CAPTURE(n);
        CHECK(repro::bitwise_equal(repro::exact_sum(x.data(), n), repro::exact_sum(xf.data(), n)));
        CHECK(repro::bitwise_equal(repro::exact_dot(x.data(), y.data(), n), repro::exact_dot(xf.data(), yf.data(), n)));
        repro::exact_accumulator<float> acc;
        acc.add(x.data(), n);
        CHECK(repro::bitwise_equal(acc.result(), repro::exact_sum(xf.data(), n)));
    }
}
