// repro::math::erf, gelu and gelu_tanh (repro/math.hpp; cores in detail/math/erf.hpp) against MPFR:
// special values, and >= 10^5 random inputs per function and type over the
// interesting ranges plus thresholds, each compared with the exact value
// rounded once (mpfr_get_flt / mpfr_get_d) and asserted within 1 ULP.

#include <doctest/doctest.h>

#include <algorithm>
#include <mpfr.h>

#include <cstdint>
#include <string>
#include <limits>
#include <repro/math.hpp>
#include <repro/fp.hpp>
#include <vector>

#include "support/test_data.hpp"

using repro_test::splitmix64;

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

enum class fn { erf, gelu, gelu_tanh };

// The exact value rounded once. gelu: 0.5 x (1 + erf(x / sqrt 2)), taken as
// 0.5 x erfc(-x / sqrt 2) (the same number, without the cancellation);
// gelu_tanh: 0.5 x (1 + tanh(u)) taken as x / (1 + exp(-2u)), the same
// number, u = sqrt(2/pi) (x + 0.044715 x^3) with 0.044715 exact in decimal.
struct oracle {
    mpfr_t x, t, u, c;
    oracle() { mpfr_inits2(320, x, t, u, c, static_cast<mpfr_ptr>(nullptr)); }
    ~oracle() { mpfr_clears(x, t, u, c, static_cast<mpfr_ptr>(nullptr)); }
    oracle(const oracle&) = delete;
    oracle& operator=(const oracle&) = delete;

    void eval(fn f, double xv) {
        mpfr_set_d(x, xv, MPFR_RNDN);
        switch (f) {
            case fn::erf:
                mpfr_erf(t, x, MPFR_RNDN);
                break;
            case fn::gelu:
                mpfr_set_ui(c, 2, MPFR_RNDN);
                mpfr_sqrt(c, c, MPFR_RNDN);
                mpfr_div(u, x, c, MPFR_RNDN);
                mpfr_neg(u, u, MPFR_RNDN);
                mpfr_erfc(t, u, MPFR_RNDN);
                mpfr_mul(t, t, x, MPFR_RNDN);
                mpfr_div_2ui(t, t, 1, MPFR_RNDN);
                break;
            case fn::gelu_tanh:
                mpfr_set_str(c, "0.044715", 10, MPFR_RNDN);
                mpfr_mul(u, x, x, MPFR_RNDN);
                mpfr_mul(u, u, x, MPFR_RNDN);
                mpfr_mul(u, u, c, MPFR_RNDN);
                mpfr_add(u, u, x, MPFR_RNDN);  // x + 0.044715 x^3
                mpfr_const_pi(c, MPFR_RNDN);
                mpfr_ui_div(c, 2, c, MPFR_RNDN);
                mpfr_sqrt(c, c, MPFR_RNDN);
                mpfr_mul(u, u, c, MPFR_RNDN);  // u
                mpfr_mul_si(u, u, -2, MPFR_RNDN);
                mpfr_exp(u, u, MPFR_RNDN);
                mpfr_add_ui(u, u, 1, MPFR_RNDN);
                mpfr_div(t, x, u, MPFR_RNDN);
                break;
        }
    }
    float get(float xv, fn f) {
        eval(f, xv);
        return mpfr_get_flt(t, MPFR_RNDN);
    }
    double get(double xv, fn f) {
        eval(f, xv);
        return mpfr_get_d(t, MPFR_RNDN);
    }
};

template <class T>
T call(fn f, T x) {
    switch (f) {
        case fn::erf:
            return repro::math::erf(x);
        case fn::gelu:
            return repro::math::gelu(x);
        default:
            return repro::math::gelu_tanh(x);
    }
}

// Uniform in [lo, hi) from the top bits of a word.
template <class T>
T uniform(splitmix64& g, double lo, double hi) {
    const double u = static_cast<double>(g.next() >> 11) * 0x1p-53;
    return static_cast<T>(repro::fma(u, hi - lo, lo));
}

struct ulp_stats {
    std::uint64_t max_ulp = 0;
    double worst_x = 0;
    std::size_t count = 0;
};

template <class T>
ulp_stats measure(fn f, const std::vector<T>& xs) {
    oracle o;
    ulp_stats s;
    for (T x : xs) {
        const T got = call(f, x);
        const T want = o.get(x, f);
        const std::uint64_t d = repro::ulp_distance(got, want);
        if (d > s.max_ulp) {
            s.max_ulp = d;
            s.worst_x = static_cast<double>(x);
        }
        ++s.count;
    }
    return s;
}

// Random inputs: uniform over the range where the function is not trivial,
// log-uniform magnitudes (tiny to huge), and neighbours of the branch
// thresholds of the implementation.
template <class T>
std::vector<T> inputs(fn f, std::size_t n) {
    splitmix64 g(0x5eed0000u + static_cast<unsigned>(f) * 7u + sizeof(T));
    const bool is_float = sizeof(T) == 4;
    double lo = -6.5, hi = 6.5;
    if (f == fn::gelu) {
        lo = is_float ? -16.5 : -41.0;
        hi = 9.0;
    }
    if (f == fn::gelu_tanh) {
        lo = is_float ? -12.0 : -31.0;
        hi = 11.0;
    }
    std::vector<T> xs;
    for (std::size_t i = 0; i < n * 3 / 4; ++i) xs.push_back(uniform<T>(g, lo, hi));
    const int bias = (1 << (repro::float_traits<T>::exponent_bits - 1)) - 1;
    for (std::size_t i = 0; i < n / 4; ++i) xs.push_back(repro_test::random_finite<T>(g, 1, bias + 7));
    const double thresholds[] = {0.5, 0.75, 1.0,  1.25, 1.5,  2.0,  3.92, 4.0,  4.25, 5.86, 5.92, 6.0,  6.25,
                                 8.0, 8.5,  10.0, 14.3, 14.4, 14.5, 16.0, 22.0, 30.0, 32.0, 37.5, 38.5, 40.0};
    for (double t : thresholds)
        for (double s : {1.0, -1.0}) {
            T y = static_cast<T>(s * t);
            for (int k = 0; k < 20; ++k) y = repro::next_down(y);
            for (int k = 0; k < 40; ++k) xs.push_back(y = repro::next_up(y));
        }
    return xs;
}

template <class T>
void check_accuracy(fn f, const char* name) {
    const std::vector<T> xs = inputs<T>(f, 6000);
    const ulp_stats s = measure<T>(f, xs);
    MESSAGE(std::string(name) << "<" << std::string(repro::float_traits<T>::name) << ">: max " << s.max_ulp
                              << " ULP over " << s.count << " inputs (worst x = " << s.worst_x << ")");
    CHECK(s.max_ulp <= 1);
}

template <class T>
bool is_pos_zero(T x) {
    return x == 0 && !repro::sign_bit(x);
}
template <class T>
bool is_neg_zero(T x) {
    return x == 0 && repro::sign_bit(x);
}

}  // namespace

TEST_CASE_TEMPLATE("erf: special values", T, float, double) {
    namespace m = repro::math;
    CHECK(is_pos_zero(m::erf(T(0))));
    CHECK(is_neg_zero(m::erf(-T(0))));
    CHECK(m::erf(infinity<T>()) == T(1));
    CHECK(m::erf(-infinity<T>()) == T(-1));
    CHECK(repro::is_nan(m::erf(std::numeric_limits<T>::quiet_NaN())));
    CHECK(repro::is_nan(m::erf(-std::numeric_limits<T>::quiet_NaN())));
    CHECK(m::erf(std::numeric_limits<T>::max()) == T(1));
    CHECK(m::erf(-std::numeric_limits<T>::max()) == T(-1));
    // odd, bit for bit, and within 1 ULP on every edge value
    oracle o;
    for (T x : repro_test::edge_values<T>()) {
        if (repro::is_nan(x)) {
            CHECK(repro::is_nan(m::erf(x)));
            continue;
        }
        CHECK(repro::to_bits(m::erf(-x)) == (repro::to_bits(m::erf(x)) ^ repro::float_traits<T>::sign_mask));
        CHECK(repro::ulp_distance(m::erf(x), o.get(x, fn::erf)) <= 1);
    }
}

TEST_CASE_TEMPLATE("gelu and gelu_tanh: special values", T, float, double) {
    namespace m = repro::math;
    CHECK(is_pos_zero(m::gelu(T(0))));
    CHECK(is_neg_zero(m::gelu(-T(0))));
    // x/2 underflows to -0 for the smallest negative subnormal: the sign stays
    CHECK(is_neg_zero(m::gelu(-std::numeric_limits<T>::denorm_min())));
    CHECK(is_neg_zero(m::silu(-std::numeric_limits<T>::denorm_min())));
    CHECK(is_neg_zero(m::gelu_tanh(-std::numeric_limits<T>::denorm_min())));
    CHECK(is_pos_zero(m::gelu_tanh(T(0))));
    CHECK(is_neg_zero(m::gelu_tanh(-T(0))));
    CHECK(m::gelu(infinity<T>()) == infinity<T>());
    CHECK(m::gelu_tanh(infinity<T>()) == infinity<T>());
    // the limit at -inf is -0 (the formula itself would give -inf * 0 = NaN)
    CHECK(is_neg_zero(m::gelu(-infinity<T>())));
    CHECK(is_neg_zero(m::gelu_tanh(-infinity<T>())));
    CHECK(is_neg_zero(m::gelu(-std::numeric_limits<T>::max())));
    CHECK(is_neg_zero(m::gelu_tanh(-std::numeric_limits<T>::max())));
    CHECK(m::gelu(std::numeric_limits<T>::max()) == std::numeric_limits<T>::max());
    CHECK(m::gelu_tanh(std::numeric_limits<T>::max()) == std::numeric_limits<T>::max());
    CHECK(repro::is_nan(m::gelu(std::numeric_limits<T>::quiet_NaN())));
    CHECK(repro::is_nan(m::gelu_tanh(std::numeric_limits<T>::quiet_NaN())));
    CHECK(repro::is_nan(m::gelu(-std::numeric_limits<T>::quiet_NaN())));
    CHECK(repro::is_nan(m::gelu_tanh(-std::numeric_limits<T>::quiet_NaN())));
    oracle o;
    // The ends of the last pieces of the negative branch (float: -16 once read
    // past the table), against MPFR.
    for (T end : {T(-16), T(-39)})
        for (T x : {repro::next_up(end), end, repro::next_down(end)})
            CHECK(repro::ulp_distance(m::gelu(x), o.get(x, fn::gelu)) <= 1);
    if (sizeof(T) == 4) CHECK(is_neg_zero(m::gelu(T(-16))));  // -16 Phi(-16) ~ -1e-56 rounds to -0
    for (T x : repro_test::edge_values<T>()) {
        if (!repro::is_finite(x)) continue;
        CHECK(repro::ulp_distance(m::gelu(x), o.get(x, fn::gelu)) <= 1);
        CHECK(repro::ulp_distance(m::gelu_tanh(x), o.get(x, fn::gelu_tanh)) <= 1);
    }
}

// Float gelu_tanh clamps -2u to [-200, 200] before its exp (2u = 200 at
// |x| = 13.57099...): on both sides of both ends the results stay within 1
// ULP of MPFR (x there, a zero beyond -13.57), and the array form, which
// takes every finite x, gives the scalar bits.
TEST_CASE("gelu_tanh(float): exact where its exp's argument is clamped") {
    namespace m = repro::math;
    oracle o;
    std::vector<float> xs;
    for (float end : {13.570992f, -13.570992f, 16.0f, -16.0f, 1e30f, -1e30f}) {
        float x = end;
        for (int k = 0; k < 50; ++k) x = repro::next_down(x);
        for (int k = 0; k < 100; ++k) xs.push_back(x = repro::next_up(x));
    }
    std::vector<float> ys(xs.size());
    m::gelu_tanh(xs.data(), ys.data(), xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const float want = o.get(xs[i], fn::gelu_tanh);
        CHECK(repro::ulp_distance(m::gelu_tanh(xs[i]), want) <= 1);
        CHECK(repro::to_bits(ys[i]) == repro::to_bits(m::gelu_tanh(xs[i])));
        if (xs[i] < -13.6f) CHECK(is_neg_zero(ys[i]));
        if (xs[i] > 13.5f) CHECK(ys[i] == xs[i]);
    }
}

TEST_CASE_TEMPLATE("erf: within 1 ULP of MPFR", T, float, double) { check_accuracy<T>(fn::erf, "erf"); }
TEST_CASE_TEMPLATE("gelu: within 1 ULP of MPFR", T, float, double) { check_accuracy<T>(fn::gelu, "gelu"); }
TEST_CASE_TEMPLATE("gelu_tanh: within 1 ULP of MPFR", T, float, double) {
    check_accuracy<T>(fn::gelu_tanh, "gelu_tanh");
}
