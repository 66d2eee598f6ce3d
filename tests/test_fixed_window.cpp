// The fixed-point window behind repro::mpi::allreduce_exact and the NCCL
// variant (detail/reduce/fixed_window.hpp), without MPI: terms dealt to
// simulated ranks, each rank's window summed alone, the ranks' limbs added
// as MPI_SUM on doubles would; the result must be MPFR's correctly rounded
// exact sum whenever every term fits, and a term that does not fit must be
// reported, never dropped.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <cstdint>
#include <limits>
#include <vector>

#include <repro/detail/reduce/fixed_window.hpp>

#include "support/test_data.hpp"

using repro_test::splitmix64;

namespace {

template <class T>
T mpfr_sum(const std::vector<T>& x) {
    mpfr_t s, t;
    mpfr_init2(s, 2400);  // wider than any sum of these terms: every addition is exact
    mpfr_init2(t, 2400);
    mpfr_set_zero(s, 1);
    for (T v : x) {
        if (sizeof(T) == 4)
            mpfr_set_flt(t, static_cast<float>(v), MPFR_RNDN);
        else
            mpfr_set_d(t, static_cast<double>(v), MPFR_RNDN);
        mpfr_add(s, s, t, MPFR_RNDN);
    }
    // Round once to T, with T's exponent range (subnormals, overflow).
    using lim = std::numeric_limits<T>;
    const auto emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_emin(lim::min_exponent - lim::digits + 1);
    mpfr_set_emax(lim::max_exponent);
    mpfr_t r;
    mpfr_init2(r, lim::digits);
    const int inexact = mpfr_set(r, s, MPFR_RNDN);
    mpfr_subnormalize(r, inexact, MPFR_RNDN);
    const T out = sizeof(T) == 4 ? static_cast<T>(mpfr_get_flt(r, MPFR_RNDN)) : static_cast<T>(mpfr_get_d(r, MPFR_RNDN));
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clears(s, t, r, static_cast<mpfr_ptr>(nullptr));
    return out == T(0) ? T(0) : out;  // an exact zero is +0
}

// The window protocol of allreduce_exact for one element: largest key,
// quantum from the term count, per-rank windows, limbs added.
template <class T>
struct outcome {
    bool fits = true;
    T sum = 0;
};

template <class T>
outcome<T> window_sum(const std::vector<T>& x, int ranks) {
    using w = repro::detail::fixed_window<T>;
    unsigned key = 0;
    for (T v : x) key = w::key(v) > key ? w::key(v) : key;
    outcome<T> o;
    const int bits = w::magnitude_bits(x.size());
    double total[2] = {0, 0};
    for (int r = 0; r < ranks; ++r) {
        double limb[2] = {0, 0};
        for (std::size_t i = static_cast<std::size_t>(r); i < x.size(); i += static_cast<std::size_t>(ranks))
            o.fits = w::add(x[i], key, bits, limb) && o.fits;
        for (int l = 0; l < w::limbs; ++l) total[l] += limb[l];
    }
    o.sum = w::result(total, key, bits);
    return o;
}

template <class T>
bool same_bits(T a, T b) {
    return repro::to_bits(a) == repro::to_bits(b);
}

}  // namespace

TEST_CASE_TEMPLATE("the window sum of terms that fit is MPFR's correctly rounded sum, for any rank count", T, float,
                   double) {
    using tr = repro::float_traits<T>;
    const int max_e = (1 << tr::exponent_bits) - 2;
    splitmix64 g(7);
    int fitted = 0;
    for (std::size_t n : {1u, 2u, 3u, 7u, 31u, 32u, 33u, 64u, 127u, 1000u}) {
        // Centre exponents over the whole range, subnormals and the top binade
        // included; spreads from one binade to about the window's width.
        for (int trial = 0; trial < 60; ++trial) {
            const int spread = static_cast<int>(g.below(sizeof(T) == 4 ? 28 : 32));
            const int centre = 1 + static_cast<int>(g.below(static_cast<std::uint64_t>(max_e)));
            const int lo = centre - spread < 1 ? 1 : centre - spread, hi = centre > max_e ? max_e : centre;
            std::vector<T> x(n);
            for (auto& v : x) v = repro_test::random_finite<T>(g, lo, hi);
            if (trial % 5 == 0 && n > 1) x[n / 2] = -x[0];  // cancellation
            if (trial % 7 == 0) x[0] = std::numeric_limits<T>::denorm_min();
            const T expected = mpfr_sum(x);
            for (int ranks : {1, 2, 3, 4}) {
                const auto o = window_sum(x, ranks);
                if (!o.fits) continue;
                ++fitted;
                CHECK_MESSAGE(same_bits(o.sum, expected), "n=", n, " ranks=", ranks, " spread=", spread,
                              " got ", o.sum, " want ", expected);
            }
        }
    }
    CHECK(fitted > 1500);  // the sweep exercises the fast path, not just the fallback
}

TEST_CASE_TEMPLATE("sums that round to the overflow or subnormal boundary are correctly rounded", T, float, double) {
    using lim = std::numeric_limits<T>;
    const T big = lim::max();
    const std::vector<std::vector<T>> cases = {
        {big, big},                                   // overflows to inf
        {big, -big, big},                             // max
        {big, std::nextafter(big, T(0)) / T(1 << 20)},  // rounds within the top binade
        {lim::denorm_min(), lim::denorm_min()},
        {lim::min(), -lim::denorm_min()},             // the largest subnormal
        {lim::min(), -lim::min()},                    // exact zero: +0
        {-lim::denorm_min(), -lim::denorm_min(), -lim::denorm_min()},
        {T(1), lim::epsilon() / T(2)},                // tie: to even
        {T(1), lim::epsilon() / T(2), lim::denorm_min() * T(1 << 20)},
    };
    for (const auto& x : cases) {
        const auto o = window_sum(x, 2);
        if (!o.fits) continue;
        CHECK_MESSAGE(same_bits(o.sum, mpfr_sum(x)), x[0], " + ", x[1], " -> ", o.sum);
    }
}

TEST_CASE_TEMPLATE("a term far below the largest is reported as not fitting, never truncated", T, float, double) {
    using w = repro::detail::fixed_window<T>;
    const std::vector<T> x = {T(1), std::ldexp(T(1), -100) * T(1.5)};
    CHECK_FALSE(window_sum(x, 1).fits);
    const std::vector<T> y = {T(1), std::ldexp(T(1), -20)};
    CHECK(window_sum(y, 1).fits);
    // Far below, down to the smallest subnormal, and on either side of 1.
    for (T tiny : {std::numeric_limits<T>::denorm_min(), -std::numeric_limits<T>::denorm_min(),
                   std::numeric_limits<T>::min(), std::ldexp(T(1), -100), -std::ldexp(T(1), -100)})
        for (T big : {T(1), T(-1), std::numeric_limits<T>::max(), T(1e10)}) {
            const std::vector<T> z = {big, tiny};
            CHECK_MESSAGE(!window_sum(z, 2).fits, big, " + ", tiny);
        }
    CHECK(w::key(T(0)) == 0u);
    CHECK(w::key(-T(0)) == 0u);
    CHECK(w::key(std::numeric_limits<T>::denorm_min()) == 1u);
    CHECK(w::key(std::numeric_limits<T>::infinity()) == w::non_finite_key);
    CHECK(w::key(std::numeric_limits<T>::quiet_NaN()) == w::non_finite_key);
}
