// check_double - accuracy of the double-precision repro::math functions on
// 10^7 inputs each (edge cases, threshold walks and seeded random inputs)
// against the correctly rounded result computed with MPFR.
//
// Build (no CMake needed; from the repository root):
//   g++ -std=c++17 -O2 -march=native -I include -I tests tests/exhaustive/check_double.cpp -lmpfr -lgmp -pthread -o
//   /tmp/check_double
//
// Usage:
//   check_double [function|all] [--count N] [--threads T]   defaults: all, N = 10^7, T = 1
//
// Prints one line per function: the inputs checked, the largest ULP distance
// (repro::ulp_distance) to the correctly rounded result and the first input
// where it occurs, the number of results that are not correctly rounded (+0
// and -0 count as the same value there), of zeros of the wrong sign, of NaN
// rule violations (NaN input must give NaN, a NaN reference such as log(-1)
// must give NaN, a non-NaN reference must not give NaN), and the elapsed
// time; below it, the first such input of each failing kind. Exit status 0
// when every result is within 1 ULP and no NaN rule is broken, 1 otherwise.
//
// Inputs. Input i of a function depends on i only, so the result does not
// depend on the thread count (threads split the index range). Indices below E
// are the edge inputs, sorted by bit pattern without repeats: the values of
// repro_test::edge_values (+-0, +-denorm_min, the largest subnormals, the
// smallest normals, +-1, +-max, infinities, NaNs) and walks of kWalk steps of
// next_up and next_down around 0, +-2^-1022, +-max and each threshold of the
// function (where the implementation switches method, or the result
// overflows, becomes subnormal, underflows or rounds to its limit). Index
// i >= E is random, from word 8i on of the function's splitmix64 stream
// (seeded with a hash of its name): any bit pattern (1/8), random bits with
// an exponent in the function's range (3/8), uniform in its main interval
// (3/8) or in a second interval (1/8).
//
// Reference. The formulas of tests/support/mpfr_oracle.hpp at 256 bits,
// rounded once to double (to_double). The 256-bit value is within about
// 2^-240 (relative) of the exact one, and the double rounding boundaries are
// never that close: the hardest-to-round cases of the elementary functions in
// double need about 120 bits, and the chance that any of 10^7 inputs of a
// function comes within 2^-240 of a boundary is about 2^-160. Exactly
// representable results (exp(0), log2(2^k), rsqrt(4^k), sin2pi(1/4), ...)
// are exact in MPFR too.

#include <mpfr.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <repro/fp.hpp>
#include <repro/math.hpp>

#include "../support/mpfr_oracle.hpp"
#include "../support/test_data.hpp"

namespace {

constexpr mpfr_prec_t kPrec = 256;
constexpr int kWalk = 256;
constexpr std::uint64_t kDefaultCount = 10000000;
constexpr std::uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // splitmix64's state increment
constexpr double kMax = std::numeric_limits<double>::max();

// The correctly rounded double of v. mpfr_get_d rounds once in the normal
// range (and overflows to +-inf above max + ulp/2). Subnormal results are
// not left to its denormal handling: n = v 2^1074 rounded to an integer
// (ties to even, exact at kPrec bits) gives the double n 2^-1074 exactly,
// the same single rounding of v to the subnormal grid; its zeros keep v's
// sign.
double to_double(mpfr_srcptr v, mpfr_ptr tmp) {
    if (mpfr_regular_p(v) && mpfr_get_exp(v) <= -1022) {  // |v| < 2^-1022
        mpfr_mul_2si(tmp, v, 1074, MPFR_RNDN);
        mpfr_rint(tmp, tmp, MPFR_RNDN);
        return std::ldexp(mpfr_get_d(tmp, MPFR_RNDN), -1074);
    }
    return mpfr_get_d(v, MPFR_RNDN);
}

// ---------------------------------------------------------------------------
// Inputs

struct input_domain {
    int exp_lo, exp_hi;  // random-bits values: |x| in [2^exp_lo, 2^(exp_hi+1)); -1023 = subnormals
    bool positive;       // random-bits values made positive
    double main_lo, main_hi;
    double second_lo, second_hi;
    std::vector<double> thresholds;
};

struct function_entry {
    const char* name;
    double (*f)(double);
    repro_test::mp_oracle oracle;
    input_domain domain;
};

void add_walk(std::vector<double>& v, double t) {
    v.push_back(t);
    double up = t, down = t;
    for (int k = 0; k < kWalk; ++k) {
        up = repro::next_up(up);
        down = repro::next_down(down);
        v.push_back(up);
        v.push_back(down);
    }
}

std::vector<double> edge_inputs(const input_domain& d) {
    std::vector<double> v = repro_test::edge_values<double>();
    for (double t : {0.0, 0x1p-1022, -0x1p-1022, kMax, -kMax}) add_walk(v, t);
    for (double t : d.thresholds) add_walk(v, t);
    std::vector<std::uint64_t> bits;
    for (double x : v) bits.push_back(repro::to_bits(x));
    std::sort(bits.begin(), bits.end());
    bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
    v.clear();
    for (std::uint64_t b : bits) v.push_back(repro::from_bits<double>(b));
    return v;
}

// Uniform in [lo, hi]; one explicit fma, so no compiler flag changes it.
double uniform(repro_test::splitmix64& g, double lo, double hi) {
    const double t = static_cast<double>(g.next() >> 11) * 0x1p-53;  // exact, [0, 1)
    return repro::fma(hi - lo, t, lo);
}

double random_input(const input_domain& d, std::uint64_t seed, std::uint64_t i) {
    repro_test::splitmix64 g(seed + 8 * i * kGamma);  // at most 5 words per input
    const std::uint64_t pick = g.below(8);
    if (pick == 0) return repro_test::random_bits<double>(g);
    if (pick <= 3) {
        const double x = repro_test::random_finite<double>(g, d.exp_lo + 1023, d.exp_hi + 1023);
        return d.positive ? std::fabs(x) : x;
    }
    if (pick <= 6) return uniform(g, d.main_lo, d.main_hi);
    return uniform(g, d.second_lo, d.second_hi);
}

std::uint64_t name_seed(const char* name) {  // FNV-1a
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char* p = name; *p; ++p) h = (h ^ static_cast<unsigned char>(*p)) * 0x100000001b3ull;
    return h;
}

// ---------------------------------------------------------------------------
// Functions, their input domains and thresholds (decimal values are the
// nearest doubles of the exact thresholds, computed with mpmath).

std::vector<double> symmetric(std::initializer_list<double> ts) {
    std::vector<double> v;
    for (double t : ts) {
        v.push_back(t);
        v.push_back(-t);
    }
    return v;
}

std::vector<double> concat(std::vector<double> a, std::initializer_list<double> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Around 1, the reduction split sqrt(2) and powers of two (exact log2).
std::vector<double> log_thresholds() {
    std::vector<double> v = {1.0, 0x1.6a09e667f3bcdp+0, 0x1.6a09e667f3bcdp-1};
    for (int k : {-1074, -1073, -1021, -1000, -500, -54, -1, 1, 2, 53, 500, 1023}) v.push_back(std::ldexp(1.0, k));
    return v;
}

std::vector<function_entry> make_functions() {
    constexpr double ln2_half = 0.34657359027997264;        // exp's reduction switches k
    constexpr double exp_overflow = 709.78271289338397;     // exp(x) > max + ulp/2
    constexpr double exp_subnormal = -708.39641853226408;   // exp(x) < 2^-1022
    constexpr double exp_denorm_min = -744.44007192138122;  // exp(x) = 2^-1074
    constexpr double exp_zero = -745.13321910194122;        // exp(x) < 2^-1075
    constexpr double saturate_54 = 37.429947750237048;      // 54 ln 2: e^-x below half an ulp of 1

    const std::vector<double> exp_t = concat(symmetric({0x1p-54, 0x1p-53, ln2_half, 1.0}),
                                             {exp_overflow, 709.79, exp_subnormal, exp_denorm_min, exp_zero, -745.2});
    const std::vector<double> expm1_t =
        concat(symmetric({0x1p-54, 0x1p-53, ln2_half, 1.0}), {-saturate_54, -38.0, 40.0, exp_overflow, 709.79});
    const std::vector<double> log1p_t =
        concat(symmetric({0x1p-54, 0x1p-53}), {-1.0, -0.5, 0.41421356237309503, -0.29289321881345248,  // sqrt(2) - 1,
                                               1.0, 0x1p53, 0x1p54});                                  // sqrt(1/2) - 1
    const std::vector<double> tanh_t = symmetric({0x1p-28, 0x1p-27, 0x1p-26, 1.0, 19.1, 20.0,
                                                  0.17328679513998632,   // ln2 / 4: the reduction of 2|x| switches k
                                                  0.54930614433405489,   // atanh(1/2)
                                                  19.061547465398498});  // tanh(x) rounds to 1
    const std::vector<double> sigmoid_t =
        concat(symmetric({0x1p-54, 1.0}), {36.736800569677101, saturate_54, 38.0,  // 53 ln 2, 54 ln 2
                                           -700.0, exp_subnormal, exp_denorm_min, exp_zero, -745.2});
    const std::vector<double> silu_t =
        concat(symmetric({0x1p-54, 1.0}), {saturate_54, 38.0, -700.0, exp_subnormal, exp_zero, -800.0,
                                           -714.96865723796645,     // x e^x < 2^-1022
                                           -751.75563041352382});   // |x e^x| < 2^-1075
    std::vector<double> erf_t = symmetric({5.9215871957945074});    // erfc(x) = 2^-54: erf rounds to 1
    for (int k = 0; k <= 11; ++k) erf_t.push_back(0.75 + 0.5 * k);  // piece boundaries, up to 6.25
    for (int k = 0; k <= 11; ++k) erf_t.push_back(-0.75 - 0.5 * k);
    std::vector<double> gelu_t = {-0.5,
                                  8.5,
                                  -38.5,
                                  -38.75,
                                  -39.0,
                                  -40.0,
                                  8.2923610758135951,                                   // x Phi(x) rounds to x
                                  -37.615868313955993,                                  // |x Phi(x)| < 2^-1022
                                  -38.580140223782358};                                 // |x Phi(x)| < 2^-1075
    for (int k = 1; k <= 16; ++k) gelu_t.push_back(0.5 * k);                            // pieces of x > 0
    for (double m : {0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0})  // half-binades of x < 0
        gelu_t.push_back(-m);
    const std::vector<double> gelu_tanh_t = concat(symmetric({0.5, 1.0, 6.6, 4.7290443011496928}),  // 0.044715 x^2 = 1
                                                   {10.0, -21.3, -30.0,
                                                    7.1450658744370408,     // the result rounds to x
                                                    -21.058920632101241,    // 2u = -700
                                                    -21.176880251785221,    // |result| < 2^-1022
                                                    -21.547075410436022,    // |result| < 2^-1075
                                                    -21.663277117199243});  // 2u = -760
    const std::vector<double> trig_t = symmetric(
        {0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 2.0, 3.0, 10.25, 0x1p40 + 0.25, 0x1p51, 0x1p52, 0x1p53});
    const std::vector<double> rsqrt_t = {0x1p-1074, 0x1p-1073, 0x1p-1021, 0x1p-1000, 0x1p-501, 0x1p-500,
                                         0x1p-499,  0.25,      0.5,       1.0,       2.0,      3.0,
                                         4.0,       0x1p499,   0x1p500,   0x1p501,   0x1p1000, 0x1p1023};

    // name, function, oracle, {exp_lo, exp_hi, positive, main interval, second interval, thresholds}
    return {
        {"exp",
         [](double x) { return repro::math::exp(x); },
         repro_test::mp_exp,
         {-60, 10, false, -750.0, 710.0, -1.0, 1.0, exp_t}},
        {"expm1",
         [](double x) { return repro::math::expm1(x); },
         repro_test::mp_expm1,
         {-60, 10, false, -40.0, 710.0, -1.0, 1.0, expm1_t}},
        {"log",
         [](double x) { return repro::math::log(x); },
         repro_test::mp_log,
         {-1023, 1023, true, 0.25, 4.0, 0.999, 1.001, log_thresholds()}},
        {"log1p",
         [](double x) { return repro::math::log1p(x); },
         repro_test::mp_log1p,
         {-60, 60, false, -1.0, 4.0, -0.01, 0.01, log1p_t}},
        {"log2",
         [](double x) { return repro::math::log2(x); },
         repro_test::mp_log2,
         {-1023, 1023, true, 0.25, 4.0, 0.999, 1.001, log_thresholds()}},
        {"tanh",
         [](double x) { return repro::math::tanh(x); },
         repro_test::mp_tanh,
         {-40, 5, false, -20.0, 20.0, -1.0, 1.0, tanh_t}},
        {"sigmoid",
         [](double x) { return repro::math::sigmoid(x); },
         repro_test::mp_sigmoid,
         {-60, 10, false, -750.0, 40.0, -40.0, 40.0, sigmoid_t}},
        {"silu",
         [](double x) { return repro::math::silu(x); },
         repro_test::mp_silu,
         {-60, 10, false, -760.0, 40.0, -40.0, 40.0, silu_t}},
        {"erf",
         [](double x) { return repro::math::erf(x); },
         repro_test::mp_erf,
         {-60, 3, false, -6.5, 6.5, -1.0, 1.0, erf_t}},
        {"gelu",
         [](double x) { return repro::math::gelu(x); },
         repro_test::mp_gelu,
         {-60, 6, false, -40.0, 10.0, -3.0, 3.0, gelu_t}},
        {"gelu_tanh",
         [](double x) { return repro::math::gelu_tanh(x); },
         repro_test::mp_gelu_tanh,
         {-60, 6, false, -30.0, 10.0, -3.0, 3.0, gelu_tanh_t}},
        {"sin2pi",
         [](double x) { return repro::math::sin2pi(x); },
         repro_test::mp_sin2pi,
         {-60, 60, false, 0.0, 1.0, -4.0, 4.0, trig_t}},
        {"cos2pi",
         [](double x) { return repro::math::cos2pi(x); },
         repro_test::mp_cos2pi,
         {-60, 60, false, 0.0, 1.0, -4.0, 4.0, trig_t}},
        {"rsqrt",
         [](double x) { return repro::math::rsqrt(x); },
         repro_test::mp_rsqrt,
         {-1023, 1023, true, 0.25, 4.0, 1e-310, 1e-300, rsqrt_t}},
    };
}

// ---------------------------------------------------------------------------
// Statistics

struct witness {
    std::uint64_t index = 0;
    double arg = 0, got = 0, want = 0;
};

struct stats {
    std::uint64_t count = 0;
    std::uint64_t max_ulp = 0;
    witness max_at;           // first input with max_ulp
    std::uint64_t wrong = 0;  // not correctly rounded
    std::uint64_t over1 = 0;  // more than 1 ULP
    std::uint64_t zero_sign = 0;
    witness zero_sign_at;
    std::uint64_t nan_bad = 0;
    witness nan_at;

    static void first(std::uint64_t n, witness& w, const witness& o) {
        if (n == 0 || o.index < w.index) w = o;
    }

    void record(std::uint64_t i, double x, double got, double want) {
        ++count;
        const witness w{i, x, got, want};
        const bool gn = repro::is_nan(got), wn = repro::is_nan(want);
        if (gn || wn) {
            if (gn != wn) first(nan_bad++, nan_at, w);
            return;
        }
        const std::uint64_t d = repro::ulp_distance(got, want);
        if (d == 0) {
            if (!repro::bitwise_equal(got, want)) first(zero_sign++, zero_sign_at, w);
            return;
        }
        ++wrong;
        if (d > 1) ++over1;
        if (d > max_ulp || (d == max_ulp && i < max_at.index)) {
            max_ulp = d;
            max_at = w;
        }
    }

    void merge(const stats& o) {
        if (o.max_ulp > max_ulp || (o.max_ulp == max_ulp && o.max_ulp > 0 && o.max_at.index < max_at.index)) {
            max_ulp = o.max_ulp;
            max_at = o.max_at;
        }
        if (o.zero_sign) first(zero_sign, zero_sign_at, o.zero_sign_at);
        if (o.nan_bad) first(nan_bad, nan_at, o.nan_at);
        count += o.count;
        wrong += o.wrong;
        over1 += o.over1;
        zero_sign += o.zero_sign;
        nan_bad += o.nan_bad;
    }
};

stats check_range(const function_entry& fn, const std::vector<double>& edges, std::uint64_t seed, std::uint64_t lo,
                  std::uint64_t hi) {
    repro_test::mp_scratch s(kPrec);
    mpfr_t x_mp, r, tmp;
    mpfr_inits2(kPrec, x_mp, r, tmp, static_cast<mpfr_ptr>(nullptr));
    stats st;
    for (std::uint64_t i = lo; i < hi; ++i) {
        const double x = i < edges.size() ? edges[i] : random_input(fn.domain, seed, i);
        const double got = fn.f(x);
        mpfr_set_d(x_mp, x, MPFR_RNDN);  // exact
        fn.oracle(r, x_mp, s);
        st.record(i, x, got, to_double(r, tmp));
    }
    mpfr_clears(x_mp, r, tmp, static_cast<mpfr_ptr>(nullptr));
    return st;
}

void print_witness(const char* name, const char* what, const witness& w) {
    std::printf("  %s: %s at input %" PRIu64 ", x = %a (%.17g): got %a, correctly rounded %a\n", name, what, w.index,
                w.arg, w.arg, w.got, w.want);
}

// Checks one function; returns true when it passes.
bool run(const function_entry& fn, std::uint64_t count, unsigned threads) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<double> edges = edge_inputs(fn.domain);
    const std::uint64_t seed = name_seed(fn.name);
    std::vector<stats> parts(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        const std::uint64_t lo = count * t / threads, hi = count * (t + 1) / threads;
        pool.emplace_back([&, t, lo, hi] { parts[t] = check_range(fn, edges, seed, lo, hi); });
    }
    for (auto& th : pool) th.join();
    stats total;
    for (const stats& p : parts) total.merge(p);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("%-10s %9" PRIu64 " %8" PRIu64, fn.name, total.count, total.max_ulp);
    if (total.max_ulp)
        std::printf("  %-24a %-24.17g", total.max_at.arg, total.max_at.arg);
    else
        std::printf("  %-24s %-24s", "-", "-");
    std::printf(" %8" PRIu64 " %7" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8.1f\n", total.wrong, total.over1,
                total.zero_sign, total.nan_bad, secs);
    if (total.max_ulp > 1) print_witness(fn.name, "largest error", total.max_at);
    if (total.zero_sign) print_witness(fn.name, "first zero of the wrong sign", total.zero_sign_at);
    if (total.nan_bad) print_witness(fn.name, "first NaN rule violation", total.nan_at);
    std::fflush(stdout);
    return total.over1 == 0 && total.nan_bad == 0;
}

int usage(const std::vector<function_entry>& fns) {
    std::fprintf(stderr, "usage: check_double [function|all] [--count N] [--threads T]\nfunctions:");
    for (const auto& f : fns) std::fprintf(stderr, " %s", f.name);
    std::fprintf(stderr, "\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<function_entry> fns = make_functions();
    std::string name = "all";
    std::uint64_t count = kDefaultCount;
    std::uint64_t threads = 1;
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        if ((arg == "--count" || arg == "--threads") && a + 1 < argc) {
            char* end = nullptr;
            const unsigned long long v = std::strtoull(argv[++a], &end, 10);
            if (*end != '\0' || v == 0) return usage(fns);
            (arg == "--count" ? count : threads) = v;
        } else if (arg.rfind("--", 0) != 0 && a == 1) {
            name = arg;
        } else {
            return usage(fns);
        }
    }
    if (threads > 1 && !mpfr_buildopt_tls_p()) {
        std::fprintf(stderr, "check_double: this MPFR is not thread-safe; using 1 thread\n");
        threads = 1;
    }
    const bool all = name == "all";
    if (!all && std::none_of(fns.begin(), fns.end(), [&](const function_entry& f) { return name == f.name; })) {
        std::fprintf(stderr, "check_double: unknown function '%s'\n", name.c_str());
        return usage(fns);
    }

    std::printf("check_double: %" PRIu64 " inputs per function, %" PRIu64 " thread%s, MPFR %s at %d bits\n", count,
                threads, threads == 1 ? "" : "s", mpfr_get_version(), static_cast<int>(kPrec));
    std::printf("%-10s %9s %8s  %-24s %-24s %8s %7s %9s %8s %8s\n", "function", "inputs", "max_ulp", "at (hex)",
                "at (decimal)", "not_cr", ">1_ulp", "zero_sign", "nan_rule", "seconds");
    bool ok = true;
    for (const auto& f : fns)
        if (all || name == f.name) ok = run(f, count, static_cast<unsigned>(threads)) && ok;
    return ok ? 0 : 1;
}
