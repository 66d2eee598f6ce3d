// repro/math.hpp (cores in detail/math/exp_log.hpp) against MPFR: exp, expm1, log, log1p, log2,
// tanh, sigmoid and silu for float and double. Each function gets its
// special-value rules (C99 Annex F) and >= 10^5 random inputs per type over
// the ranges where it is not trivially constant, plus walks of a few ULPs
// across every threshold of the implementation (overflow, underflow,
// subnormal results, cut-offs to +-1, x, 0), asserting <= 1 ULP from the
// correctly rounded result.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <cstdint>
#include <limits>
#include <repro/math.hpp>
#include <string>
#include <vector>

#include "support/test_data.hpp"

using repro_test::splitmix64;

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

namespace rm = repro::math;

enum class fn { exp, expm1, log, log1p, log2, tanh, sigmoid, silu };

std::string fn_name(fn f) {
    switch (f) {
        case fn::exp:
            return "exp";
        case fn::expm1:
            return "expm1";
        case fn::log:
            return "log";
        case fn::log1p:
            return "log1p";
        case fn::log2:
            return "log2";
        case fn::tanh:
            return "tanh";
        case fn::sigmoid:
            return "sigmoid";
        case fn::silu:
            return "silu";
    }
    return "?";
}

template <class T>
T repro_eval(fn f, T x) {
    switch (f) {
        case fn::exp:
            return rm::exp(x);
        case fn::expm1:
            return rm::expm1(x);
        case fn::log:
            return rm::log(x);
        case fn::log1p:
            return rm::log1p(x);
        case fn::log2:
            return rm::log2(x);
        case fn::tanh:
            return rm::tanh(x);
        case fn::sigmoid:
            return rm::sigmoid(x);
        case fn::silu:
            return rm::silu(x);
    }
    return x;
}

// The correctly rounded result: MPFR at 2 p + 20 bits of T's precision p,
// then one rounding to T (mpfr_get_flt / mpfr_get_d round subnormal results
// correctly too).
template <class T>
struct oracle {
    mpfr_t x, y, t;
    oracle() { mpfr_inits2(2 * repro::float_traits<T>::precision + 20, x, y, t, static_cast<mpfr_ptr>(nullptr)); }
    ~oracle() { mpfr_clears(x, y, t, static_cast<mpfr_ptr>(nullptr)); }
    oracle(const oracle&) = delete;
    oracle& operator=(const oracle&) = delete;

    T eval(fn f, T in) {
        if constexpr (sizeof(T) == 4)
            mpfr_set_flt(x, in, MPFR_RNDN);
        else
            mpfr_set_d(x, in, MPFR_RNDN);
        switch (f) {
            case fn::exp:
                mpfr_exp(y, x, MPFR_RNDN);
                break;
            case fn::expm1:
                mpfr_expm1(y, x, MPFR_RNDN);
                break;
            case fn::log:
                mpfr_log(y, x, MPFR_RNDN);
                break;
            case fn::log1p:
                mpfr_log1p(y, x, MPFR_RNDN);
                break;
            case fn::log2:
                mpfr_log2(y, x, MPFR_RNDN);
                break;
            case fn::tanh:
                mpfr_tanh(y, x, MPFR_RNDN);
                break;
            case fn::sigmoid:
            case fn::silu:
                mpfr_neg(t, x, MPFR_RNDN);
                mpfr_exp(t, t, MPFR_RNDN);
                mpfr_add_ui(t, t, 1, MPFR_RNDN);
                if (f == fn::sigmoid)
                    mpfr_ui_div(y, 1, t, MPFR_RNDN);
                else
                    mpfr_div(y, x, t, MPFR_RNDN);
                break;
        }
        if constexpr (sizeof(T) == 4)
            return mpfr_get_flt(y, MPFR_RNDN);
        else
            return mpfr_get_d(y, MPFR_RNDN);
    }
};

// Uniform-ish value in [lo, hi] from 53 random bits (which inputs are drawn
// does not need to be reproducible across builds, only checked).
template <class T>
T uniform(splitmix64& g, double lo, double hi) {
    const double u = static_cast<double>(g.next() >> 11) * 0x1p-53;
    return static_cast<T>(lo + (hi - lo) * u);
}

// Adds x and the n representable values on each side of it.
template <class T>
void walk(std::vector<T>& v, T x, int n) {
    v.push_back(x);
    T up = x, down = x;
    for (int i = 0; i < n; ++i) {
        up = repro::next_up(up);
        down = repro::next_down(down);
        v.push_back(up);
        v.push_back(down);
    }
}

template <class T>
struct domain {
    double lo, hi;       // uniform part
    int exp_lo, exp_hi;  // log-uniform part (biased exponents), random sign
    bool positive;       // fold the log-uniform part to positive values
};

template <class T>
domain<T> domain_of(fn f) {
    const bool is_float = sizeof(T) == 4;
    const int bias = is_float ? 127 : 1023;
    const int emax = is_float ? 254 : 2046;
    switch (f) {
        case fn::exp:
            return is_float ? domain<T>{-104.0, 89.0, 1, bias + 6, false}
                            : domain<T>{-746.0, 710.0, 1, bias + 9, false};
        case fn::expm1:
            return is_float ? domain<T>{-18.0, 89.0, 1, bias + 6, false} : domain<T>{-38.0, 710.0, 1, bias + 9, false};
        case fn::log:
        case fn::log2:
            return domain<T>{0.25, 4.0, 0, emax, true};
        case fn::log1p:
            return domain<T>{-1.0, 4.0, 0, emax, false};
        case fn::tanh:
            return is_float ? domain<T>{-10.0, 10.0, 1, bias + 4, false} : domain<T>{-20.0, 20.0, 1, bias + 5, false};
        case fn::sigmoid:
            return is_float ? domain<T>{-105.0, 18.0, 1, bias + 7, false} : domain<T>{-746.0, 38.0, 1, bias + 9, false};
        case fn::silu:
            return is_float ? domain<T>{-110.0, 20.0, 1, bias + 7, false} : domain<T>{-760.0, 40.0, 1, bias + 9, false};
    }
    return {};
}

// Thresholds of the implementation and of the format for each function.
template <class T>
std::vector<T> thresholds(fn f) {
    const bool is_float = sizeof(T) == 4;
    std::vector<double> pts;
    switch (f) {
        case fn::exp:
            pts = is_float ? std::vector<double>{88.72283935546875,
                                                 -87.33654022216797,
                                                 -103.27892303466797,
                                                 -103.97207641601562,
                                                 100.0,
                                                 -120.0,
                                                 0.34657359,
                                                 -0.34657359}
                           : std::vector<double>{
                                 709.782712893384, -708.3964185322641, -744.4400719213812, -745.1332191019411, 709.79,
                                 -745.2,           0.34657359027997264};
            break;
        case fn::expm1:
            pts = is_float
                      ? std::vector<double>{88.72283935546875, 0x1p-30,    -0x1p-30,    0x1p-25, -0x1p-25,
                                            -17.32868,         0.34657359, -0.34657359, 100.0,   -120.0}
                      : std::vector<double>{709.782712893384,     40.0,   -38.0, 0x1p-54, -0x1p-54, 0.34657359027997264,
                                            -0.34657359027997264, 709.79, 37.0};
            break;
        case fn::log:
        case fn::log2:
            pts = {1.0, 0.5, 2.0, 1.4142135623730951, 0.7071067811865476, 1.0e-300, 1.0e30};
            if (is_float) pts.push_back(1.0e-40);
            break;
        case fn::log1p:
            pts = is_float
                      ? std::vector<double>{0x1p-29, -0x1p-29, -0.5, -0.29289321881, 0.41421356237, 1.0}
                      : std::vector<double>{0x1p-54, -0x1p-54, -0.5, -0.2928932188134524, 0.41421356237309515, 1.0};
            break;
        case fn::tanh:
            pts = is_float ? std::vector<double>{0x1p-13, -0x1p-13, 9.010913, 10.0, -10.0}
                           : std::vector<double>{0x1p-27, -0x1p-27, 19.061547465398498, 19.1, -19.1};
            break;
        case fn::sigmoid:
            pts = is_float
                      ? std::vector<double>{-103.27892, -87.33654, 16.635532, 17.0, 0.0, -200.0}
                      : std::vector<double>{
                            -700.0, -708.3964185322641, -744.4400719213812, -745.1332191019411, 38.0, 36.7368005696771,
                            0.0};
            break;
        case fn::silu:
            pts = is_float ? std::vector<double>{-200.0, -98.7, -108.6, 17.0, 0.0}
                           : std::vector<double>{-700.0, -800.0, -701.5, -738.0, -745.1, -751.7, 38.0, 0.0};
            break;
    }
    std::vector<T> v;
    for (double p : pts) walk(v, static_cast<T>(p), 40);
    return v;
}

template <class T>
std::vector<T> random_inputs(fn f, int n, std::uint64_t seed) {
    splitmix64 g(seed);
    const domain<T> d = domain_of<T>(f);
    std::vector<T> v;
    v.reserve(static_cast<std::size_t>(n));
    while (static_cast<int>(v.size()) < n) {
        T x;
        if (g.next() & 1) {
            x = uniform<T>(g, d.lo, d.hi);
        } else {
            x = repro_test::random_finite<T>(g, d.exp_lo, d.exp_hi);
            if (d.positive && x < 0) x = -x;
            if (f == fn::log1p && x < T(-1)) x = -x;
        }
        v.push_back(x);
    }
    return v;
}

struct ulp_result {
    std::uint64_t max_ulp = 0;
    long checked = 0;
    double worst_input = 0;
};

template <class T>
ulp_result max_ulp(fn f, const std::vector<T>& xs) {
    oracle<T> o;
    ulp_result r;
    for (T x : xs) {
        const T got = repro_eval(f, x);
        const T want = o.eval(f, x);
        // Both NaN (log of a negative threshold walk) counts as agreement.
        const std::uint64_t d = repro::is_nan(got) && repro::is_nan(want) ? 0 : repro::ulp_distance(got, want);
        ++r.checked;
        if (d > r.max_ulp) {
            r.max_ulp = d;
            r.worst_input = static_cast<double>(x);
        }
    }
    return r;
}

const fn all_fns[] = {fn::exp, fn::expm1, fn::log, fn::log1p, fn::log2, fn::tanh, fn::sigmoid, fn::silu};

template <class T>
void check_accuracy(int n_random) {
    std::uint64_t seed = sizeof(T) == 4 ? 0x5eed0f10a7ull : 0x5eed0d0ab1eull;
    for (fn f : all_fns) {
        std::vector<T> xs = random_inputs<T>(f, n_random, seed++);
        const std::vector<T> th = thresholds<T>(f);
        xs.insert(xs.end(), th.begin(), th.end());
        const ulp_result r = max_ulp(f, xs);
        const std::string name = fn_name(f) + "(" + repro::float_traits<T>::name + ")";
        INFO(name, ": worst input ", r.worst_input);
        MESSAGE(name, ": max ", r.max_ulp, " ULP over ", r.checked, " inputs");
        CHECK(r.max_ulp <= 1);
    }
}

template <class T>
bool same(T a, T b) {
    return repro::bitwise_equal(a, b);
}

template <class T>
bool nan_out(T y) {
    return repro::is_nan(y);
}

}  // namespace

TEST_CASE_TEMPLATE("math exp/log family: special values follow C99 Annex F", T, float, double) {
    const T z = T(0), nz = -T(0), one = T(1), pinf = infinity<T>(), ninf = -infinity<T>();
    const T big = std::numeric_limits<T>::max(), tiny = std::numeric_limits<T>::denorm_min();

    // NaN in -> NaN out, for every function and both NaN kinds of edge_values.
    for (T x : repro_test::edge_values<T>()) {
        if (!repro::is_nan(x)) continue;
        for (fn f : all_fns) {
            INFO(fn_name(f));
            CHECK(nan_out(repro_eval(f, x)));
        }
    }

    // exp
    CHECK(same(rm::exp(z), one));
    CHECK(same(rm::exp(nz), one));
    CHECK(same(rm::exp(pinf), pinf));
    CHECK(same(rm::exp(ninf), z));
    CHECK(same(rm::exp(big), pinf));
    CHECK(same(rm::exp(-big), z));
    CHECK(same(rm::exp(tiny), one));
    // expm1
    CHECK(same(rm::expm1(z), z));
    CHECK(same(rm::expm1(nz), nz));
    CHECK(same(rm::expm1(pinf), pinf));
    CHECK(same(rm::expm1(ninf), -one));
    CHECK(same(rm::expm1(big), pinf));
    CHECK(same(rm::expm1(-big), -one));
    CHECK(same(rm::expm1(tiny), tiny));
    CHECK(same(rm::expm1(-tiny), -tiny));
    // log
    CHECK(same(rm::log(one), z));
    CHECK(same(rm::log(z), ninf));
    CHECK(same(rm::log(nz), ninf));
    CHECK(same(rm::log(pinf), pinf));
    CHECK(nan_out(rm::log(ninf)));
    CHECK(nan_out(rm::log(-one)));
    CHECK(nan_out(rm::log(-tiny)));
    CHECK(rm::log(big) > T(0));
    // log1p
    CHECK(same(rm::log1p(z), z));
    CHECK(same(rm::log1p(nz), nz));
    CHECK(same(rm::log1p(-one), ninf));
    CHECK(same(rm::log1p(pinf), pinf));
    CHECK(nan_out(rm::log1p(ninf)));
    CHECK(nan_out(rm::log1p(T(-2))));
    CHECK(nan_out(rm::log1p(repro::next_down(-one))));
    CHECK(same(rm::log1p(tiny), tiny));
    CHECK(same(rm::log1p(-tiny), -tiny));
    // log2: exact on powers of two
    CHECK(same(rm::log2(one), z));
    CHECK(same(rm::log2(z), ninf));
    CHECK(same(rm::log2(nz), ninf));
    CHECK(same(rm::log2(pinf), pinf));
    CHECK(nan_out(rm::log2(ninf)));
    CHECK(nan_out(rm::log2(-one)));
    CHECK(same(rm::log2(tiny), T(sizeof(T) == 4 ? -149 : -1074)));
    for (int e = -60; e <= 60; ++e) {
        T p = one;
        for (int i = 0; i < (e < 0 ? -e : e); ++i) p = e < 0 ? p / T(2) : p * T(2);
        CHECK(same(rm::log2(p), T(e)));
    }
    // tanh
    CHECK(same(rm::tanh(z), z));
    CHECK(same(rm::tanh(nz), nz));
    CHECK(same(rm::tanh(pinf), one));
    CHECK(same(rm::tanh(ninf), -one));
    CHECK(same(rm::tanh(big), one));
    CHECK(same(rm::tanh(-big), -one));
    CHECK(same(rm::tanh(tiny), tiny));
    CHECK(same(rm::tanh(-tiny), -tiny));
    // sigmoid
    CHECK(same(rm::sigmoid(z), T(0.5)));
    CHECK(same(rm::sigmoid(nz), T(0.5)));
    CHECK(same(rm::sigmoid(pinf), one));
    CHECK(same(rm::sigmoid(ninf), z));
    CHECK(same(rm::sigmoid(big), one));
    CHECK(same(rm::sigmoid(-big), z));
    // silu: the limits x -> +-inf (+inf and -0), signed zeros kept
    CHECK(same(rm::silu(z), z));
    CHECK(same(rm::silu(nz), nz));
    CHECK(same(rm::silu(pinf), pinf));
    CHECK(same(rm::silu(ninf), nz));
    CHECK(same(rm::silu(big), big));
    CHECK(same(rm::silu(-big), nz));
    CHECK(same(rm::silu(tiny), z));  // tiny / 2 rounds to even: +0
}

TEST_CASE_TEMPLATE("math exp/log family: every edge value within 1 ULP of MPFR", T, float, double) {
    oracle<T> o;
    for (T x : repro_test::edge_values<T>()) {
        if (repro::is_nan(x)) continue;
        for (fn f : all_fns) {
            if (f == fn::silu && x == -infinity<T>()) continue;  // MPFR: -inf/inf = NaN; repro gives the limit -0
            const T want = o.eval(f, x);
            const T got = repro_eval(f, x);
            INFO(fn_name(f), "(", static_cast<double>(x), ") = ", static_cast<double>(got), ", MPFR ",
                 static_cast<double>(want));
            if (repro::is_nan(want))
                CHECK(repro::is_nan(got));
            else
                CHECK(repro::ulp_distance(got, want) <= 1);
        }
    }
}

TEST_CASE("math exp/log family (float): <= 1 ULP from MPFR on random and threshold inputs") {
    check_accuracy<float>(100000);
}

TEST_CASE("math exp/log family (double): <= 1 ULP from MPFR on random and threshold inputs") {
    check_accuracy<double>(100000);
}
