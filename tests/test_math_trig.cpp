// repro::math::sin2pi / cos2pi / sincos2pi / rsqrt (repro/math.hpp; cores in detail/math/trig.hpp, rsqrt.hpp)
// against MPFR (mpfr_sinpi / mpfr_cospi on 2u, mpfr_rec_sqrt) rounded once,
// and the special-value rules. Float is also checked on all 2^32 inputs by
// tests/exhaustive/check_float.cpp.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <cstdint>
#include <limits>
#include <string>
#include <repro/math.hpp>
#include <repro/fp.hpp>

#include "support/test_data.hpp"

using repro_test::splitmix64;

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

template <class T>
bool same_bits(T a, T b) {
    return repro::bitwise_equal(a, b);
}

// MPFR at 256 bits, then one rounding to T.
struct mp_oracle {
    mpfr_t v;
    mp_oracle() { mpfr_init2(v, 256); }
    ~mp_oracle() { mpfr_clear(v); }
    mp_oracle(const mp_oracle&) = delete;
    mp_oracle& operator=(const mp_oracle&) = delete;

    template <class T>
    void set(T x) {
        if constexpr (sizeof(T) == 4)
            mpfr_set_flt(v, x, MPFR_RNDN);
        else
            mpfr_set_d(v, x, MPFR_RNDN);
    }
    template <class T>
    T get() {
        if constexpr (sizeof(T) == 4)
            return mpfr_get_flt(v, MPFR_RNDN);
        else
            return mpfr_get_d(v, MPFR_RNDN);
    }
    template <class T>
    T sin2pi(T u) {
        set(u);
        mpfr_mul_2ui(v, v, 1, MPFR_RNDN);
        mpfr_sinpi(v, v, MPFR_RNDN);
        return get<T>();
    }
    template <class T>
    T cos2pi(T u) {
        set(u);
        mpfr_mul_2ui(v, v, 1, MPFR_RNDN);
        mpfr_cospi(v, v, MPFR_RNDN);
        return get<T>();
    }
    template <class T>
    T rsqrt(T x) {
        set(x);
        mpfr_rec_sqrt(v, v, MPFR_RNDN);
        return get<T>();
    }
};

// Inputs for sin2pi/cos2pi: uniform in [0, 1) (Box-Muller's range), values
// near the quarter points (where sin or cos is near 0 or +-1), small
// magnitudes down to subnormals, and large arguments of both signs.
template <class T>
T trig_input(splitmix64& g, std::uint64_t i) {
    using tr = repro::float_traits<T>;
    constexpr int bias = (1 << (tr::exponent_bits - 1)) - 1;
    switch (i % 5) {
        case 0:
        case 1: {  // uniform multiples of 2^-p in [0, 1)
            const std::uint64_t m = g.next() >> (64 - tr::precision);
            return static_cast<T>(m) * repro::from_bits<T>(static_cast<repro::bits_t<T>>(
                                           static_cast<repro::bits_t<T>>(bias - tr::precision) << tr::fraction_bits));
        }
        case 2: {  // k/8 plus a small offset
            const T base = static_cast<T>(g.below(17)) * T(0.125) - T(1);
            const T off = repro_test::random_finite<T>(g, bias - tr::precision - 10, bias - 4);
            return base + off;
        }
        case 3:  // any magnitude below 1, subnormals included
            return repro_test::random_finite<T>(g, 0, bias - 1);
        default:  // 1 <= |u| < 2^(p+2): the reduction modulo 1
            return repro_test::random_finite<T>(g, bias, bias + tr::precision + 1);
    }
}

template <class T>
struct ulp_stats {
    std::uint64_t max_ulp = 0, not_cr = 0, n = 0;
    T worst{};
    void add(T x, T got, T want) {
        const std::uint64_t d = repro::ulp_distance(got, want);
        ++n;
        if (d) ++not_cr;
        if (d > max_ulp) {
            max_ulp = d;
            worst = x;
        }
    }
};

}  // namespace

TEST_CASE_TEMPLATE("sin2pi and cos2pi special values and exact points", T, float, double) {
    using repro::math::cos2pi;
    using repro::math::sin2pi;
    // zeros: sin2pi is odd and keeps the zero's sign; cos2pi(+-0) = 1
    CHECK(same_bits(sin2pi(T(0)), T(0)));
    CHECK(same_bits(sin2pi(-T(0)), -T(0)));
    CHECK(same_bits(cos2pi(T(0)), T(1)));
    CHECK(same_bits(cos2pi(-T(0)), T(1)));
    // quarter points, exact
    CHECK(same_bits(sin2pi(T(0.25)), T(1)));
    CHECK(same_bits(sin2pi(T(0.5)), T(0)));
    CHECK(same_bits(sin2pi(T(0.75)), T(-1)));
    CHECK(same_bits(cos2pi(T(0.25)), T(0)));
    CHECK(same_bits(cos2pi(T(0.5)), T(-1)));
    CHECK(same_bits(cos2pi(T(0.75)), T(0)));
    CHECK(same_bits(sin2pi(T(-0.25)), T(-1)));
    CHECK(same_bits(sin2pi(T(-0.5)), -T(0)));
    CHECK(same_bits(sin2pi(T(-0.75)), T(1)));
    CHECK(same_bits(cos2pi(T(-0.25)), T(0)));
    CHECK(same_bits(cos2pi(T(-0.5)), T(-1)));
    // C23 sinpi/cospi zero signs: sin2pi(n/2) has the sign of u, cos2pi(n/2 + 1/4) is +0
    CHECK(same_bits(sin2pi(T(1)), T(0)));
    CHECK(same_bits(sin2pi(T(-1)), -T(0)));
    CHECK(same_bits(sin2pi(T(2.5)), T(0)));
    CHECK(same_bits(sin2pi(T(-7.5)), -T(0)));
    CHECK(same_bits(cos2pi(T(1.25)), T(0)));
    CHECK(same_bits(cos2pi(T(-3.75)), T(0)));
    CHECK(same_bits(cos2pi(T(1)), T(1)));
    CHECK(same_bits(cos2pi(T(1.5)), T(-1)));
    CHECK(same_bits(sin2pi(T(1.25)), T(1)));
    CHECK(same_bits(sin2pi(T(-1.25)), T(-1)));
    // huge arguments are integers: sin = +-0, cos = 1
    const T big = std::numeric_limits<T>::max();
    CHECK(same_bits(sin2pi(big), T(0)));
    CHECK(same_bits(sin2pi(-big), -T(0)));
    CHECK(same_bits(cos2pi(big), T(1)));
    const T two_p = repro::from_bits<T>(
        static_cast<repro::bits_t<T>>(static_cast<repro::bits_t<T>>((1 << (repro::float_traits<T>::exponent_bits - 1)) -
                                                                    1 + repro::float_traits<T>::fraction_bits)
                                      << repro::float_traits<T>::fraction_bits));
    CHECK(same_bits(sin2pi(two_p), T(0)));                // 2^(p-1)
    CHECK(same_bits(cos2pi(two_p - T(0.5)), T(-1)));      // 2^(p-1) - 1/2
    CHECK(same_bits(sin2pi(two_p / 4 + T(0.25)), T(1)));  // 2^(p-3) + 1/4
    CHECK(same_bits(cos2pi(two_p / 4 + T(0.25)), T(0)));
    // smallest subnormal: sin2pi(d) = 2 pi d rounds to 6 d
    const T d = repro::from_bits<T>(1);
    CHECK(same_bits(sin2pi(d), 6 * d));
    CHECK(same_bits(sin2pi(-d), -6 * d));
    CHECK(same_bits(cos2pi(d), T(1)));
    // NaN and infinities give NaN
    for (T x : {quiet_nan<T>(), -quiet_nan<T>(), infinity<T>(), -infinity<T>()}) {
        CHECK(repro::is_nan(sin2pi(x)));
        CHECK(repro::is_nan(cos2pi(x)));
        T s = 0, c = 0;
        repro::math::sincos2pi(x, s, c);
        CHECK(repro::is_nan(s));
        CHECK(repro::is_nan(c));
    }
}

TEST_CASE_TEMPLATE("sin2pi and cos2pi against MPFR sinpi/cospi", T, float, double) {
    splitmix64 g(sizeof(T) == 4 ? 0x5151u : 0xC0C0u);
    mp_oracle mp;
    ulp_stats<T> ss, cs;
    std::uint64_t sincos_mismatch = 0;
    constexpr std::uint64_t n = 150000;
    for (std::uint64_t i = 0; i < n; ++i) {
        const T u = trig_input<T>(g, i);
        const T s = repro::math::sin2pi(u), c = repro::math::cos2pi(u);
        ss.add(u, s, mp.sin2pi(u));
        cs.add(u, c, mp.cos2pi(u));
        T s2 = 0, c2 = 0;
        repro::math::sincos2pi(u, s2, c2);
        if (!same_bits(s, s2) || !same_bits(c, c2)) ++sincos_mismatch;
    }
    for (T u : repro_test::edge_values<T>()) {
        if (!repro::is_finite(u)) continue;
        ss.add(u, repro::math::sin2pi(u), mp.sin2pi(u));
        cs.add(u, repro::math::cos2pi(u), mp.cos2pi(u));
    }
    MESSAGE(std::string(repro::float_traits<T>::name), " sin2pi: max ", ss.max_ulp, " ULP at ", ss.worst, ", ",
            ss.not_cr, " of ", ss.n, " not correctly rounded; cos2pi: max ", cs.max_ulp, " ULP at ", cs.worst, ", ",
            cs.not_cr, " not correctly rounded");
    CHECK(ss.max_ulp <= 1);
    CHECK(cs.max_ulp <= 1);
    CHECK(sincos_mismatch == 0);
}

TEST_CASE_TEMPLATE("rsqrt special values", T, float, double) {
    using repro::math::rsqrt;
    CHECK(same_bits(rsqrt(T(0)), infinity<T>()));
    CHECK(same_bits(rsqrt(-T(0)), -infinity<T>()));
    CHECK(same_bits(rsqrt(infinity<T>()), T(0)));
    CHECK(repro::is_nan(rsqrt(-infinity<T>())));
    CHECK(repro::is_nan(rsqrt(T(-1))));
    CHECK(repro::is_nan(rsqrt(-repro::from_bits<T>(1))));
    CHECK(repro::is_nan(rsqrt(quiet_nan<T>())));
    CHECK(same_bits(rsqrt(T(1)), T(1)));
    CHECK(same_bits(rsqrt(T(4)), T(0.5)));
    CHECK(same_bits(rsqrt(T(0.25)), T(2)));
    // the largest power of two and the smallest subnormals
    using tr = repro::float_traits<T>;
    constexpr int bias = (1 << (tr::exponent_bits - 1)) - 1;
    const T max_pow4 = repro::from_bits<T>(
        static_cast<repro::bits_t<T>>(static_cast<repro::bits_t<T>>(2 * bias) << tr::fraction_bits));
    const T min_pow4 = repro::from_bits<T>(static_cast<repro::bits_t<T>>(2));
    mp_oracle mp;
    CHECK(same_bits(rsqrt(max_pow4), mp.rsqrt(max_pow4)));
    CHECK(same_bits(rsqrt(min_pow4), mp.rsqrt(min_pow4)));
    CHECK(same_bits(rsqrt(std::numeric_limits<T>::max()), mp.rsqrt(std::numeric_limits<T>::max())));
    CHECK(same_bits(rsqrt(repro::from_bits<T>(1)), mp.rsqrt(repro::from_bits<T>(1))));
}

// A scan of all 2^31 positive finite floats finds 127 inputs for which
// 1/sqrt(x) in double lands within 8 double ulps of a float midpoint, the
// only ones that take rsqrt's rounding check past its fast exit: significand
// 0x3a18e3 with every even exponent field (x = c 4^k).
TEST_CASE("float rsqrt is correctly rounded where the double estimate lies next to a float midpoint") {
    mp_oracle mp;
    for (std::uint32_t e = 2; e < 255; e += 2) {
        const float x = repro::from_bits<float>(e << 23 | 0x3a18e3u);
        CAPTURE(x);
        CHECK(same_bits(repro::math::rsqrt(x), mp.rsqrt(x)));
    }
}

TEST_CASE_TEMPLATE("rsqrt against MPFR rec_sqrt", T, float, double) {
    using tr = repro::float_traits<T>;
    constexpr int max_exp = (1 << tr::exponent_bits) - 2;
    splitmix64 g(sizeof(T) == 4 ? 0x7777u : 0x8888u);
    mp_oracle mp;
    ulp_stats<T> st;
    for (std::uint64_t i = 0; i < 150000; ++i) {
        T x = repro_test::random_finite<T>(g, i % 4 == 0 ? 0 : 1, max_exp);
        if (repro::sign_bit(x)) x = -x;
        st.add(x, repro::math::rsqrt(x), mp.rsqrt(x));
    }
    // the ends of each binade and of the subnormal range
    for (repro::bits_t<T> b = 1; b < 4096; ++b) {
        const T x = repro::from_bits<T>(b);
        st.add(x, repro::math::rsqrt(x), mp.rsqrt(x));
    }
    for (T x : repro_test::edge_values<T>())
        if (repro::is_finite(x) && x > 0) st.add(x, repro::math::rsqrt(x), mp.rsqrt(x));
    MESSAGE(std::string(tr::name), " rsqrt: max ", st.max_ulp, " ULP at ", st.worst, ", ", st.not_cr, " of ", st.n,
            " not correctly rounded");
    if (sizeof(T) == 4) CHECK(st.not_cr == 0);  // float rsqrt is correctly rounded by construction
    CHECK(st.max_ulp <= 1);
}
