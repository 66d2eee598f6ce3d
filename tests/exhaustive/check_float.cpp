// check_float - exhaustive accuracy check of a repro::math float function on
// all 2^32 float inputs against the correctly rounded result.
//
// Build (no CMake needed; from the repository root):
//   g++ -std=c++17 -O2 -march=native -I include tests/exhaustive/check_float.cpp -lmpfr -lgmp -pthread -o
//   /tmp/check_float
// Headers of repro::math that do not exist yet are skipped (__has_include);
// -DCHECK_FLOAT_NO_EXP_LOG, -DCHECK_FLOAT_NO_ERF, -DCHECK_FLOAT_NO_TRIG skip
// one that exists but does not compile.
//
// Usage:
//   check_float <function> [threads] [first_bits last_bits]   exhaustive (or a bit range, hex)
//   check_float <function> --crosscheck N [threads]           validates the reference itself:
//                                                             N random + edge inputs, fast reference vs MPFR only
//   check_float --list
//
// Prints per function: the largest ULP distance to the correctly rounded
// result and the first (lowest bit pattern) argument where it occurs, the
// number of results that are not correctly rounded (+0 and -0 count as the
// same value there; wrong-signed zeros are counted separately), NaN rule
// violations, how many inputs needed the MPFR fallback, and the elapsed time.
// Exit status 0 when every result is within 1 ULP, 1 otherwise.
//
// The reference. MPFR for 2^32 inputs would take hours, so each function has
// a double-precision reference (glibc's double functions, whose documented
// error is a few double ULP, or short compositions of them with no
// cancellation). Its relative error is far below kMargin = 2^-36. Let r be
// that reference and f = (float)r. When r is farther than kMargin*|r| from
// both float rounding boundaries around f (the midpoints to f's neighbours,
// and 2^128 - 2^103 for overflow), the exact value lies on the same side of
// them, so f is the correctly rounded result. Otherwise (about 2^-11 of the
// inputs at most) the value is recomputed with MPFR at 192 bits (the formulas
// of tests/support/mpfr_oracle.hpp) and rounded once with mpfr_get_flt; 192
// bits is far beyond the 24 + 32 + a few bits that the hardest float cases
// need. `--crosscheck` compares the two paths.

#include <mpfr.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <repro/fp.hpp>

#include "../support/mpfr_oracle.hpp"

#include <repro/math.hpp>
#if !defined(CHECK_FLOAT_NO_EXP_LOG)
#define CHECK_FLOAT_HAVE_EXP_LOG 1
#endif
#if !defined(CHECK_FLOAT_NO_ERF)
#define CHECK_FLOAT_HAVE_ERF 1
#endif
#if !defined(CHECK_FLOAT_NO_TRIG)
#define CHECK_FLOAT_HAVE_TRIG 1
#endif

namespace {

constexpr double kMargin = 0x1p-36;
constexpr mpfr_prec_t kPrec = 192;

// ---------------------------------------------------------------------------
// Double references (fast path). Special inputs whose double formula would
// give the wrong limit (-inf * 0) are handled explicitly.

double ref_sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_silu_d(double x) {
    if (std::isinf(x)) return x > 0 ? x : -0.0;
    return x / (1.0 + std::exp(-x));
}
// 0.5 x (1 + erf(x / sqrt 2)) = 0.5 x erfc(-x / sqrt 2): no cancellation for x < 0.
double ref_gelu_d(double x) {
    if (std::isinf(x)) return x > 0 ? x : -0.0;
    return 0.5 * x * std::erfc(-x * 0.70710678118654752440);
}
// 0.5 x (1 + tanh(y)) = x / (1 + exp(-2y)), y = sqrt(2/pi) (x + 0.044715 x^3).
double ref_gelu_tanh_d(double x) {
    if (std::isinf(x)) return x > 0 ? x : -0.0;
    const double y = 0.79788456080286535588 * (x + 0.044715 * x * x * x);
    return x / (1.0 + std::exp(-2.0 * y));
}

// sin(2 pi u) and cos(2 pi u): the argument is reduced exactly (|u| mod 1,
// then Sterbenz-exact reflections to [0, 1/8]) before one multiplication by
// 2 pi, so the reference is good to a few double ULP everywhere. Exact zeros
// follow C23 sinpi/cospi: sin has the sign of u, cos is +0.
double sin2pi_core(double t) { return std::sin(6.28318530717958647692 * t); }
double cos2pi_core(double t) { return std::cos(6.28318530717958647692 * t); }

double ref_sin2pi_d(double u) {
    if (!std::isfinite(u)) return std::numeric_limits<double>::quiet_NaN();
    const double neg = std::signbit(u) ? -1.0 : 1.0;
    double v = std::fabs(u);
    v = v - std::floor(v);  // exact: a float >= 1 has no bits below 2^-23
    double s = 1.0;
    if (v >= 0.5) {
        s = -1.0;
        v -= 0.5;
    }
    if (v > 0.25) v = 0.5 - v;
    double r = v > 0.125 ? cos2pi_core(0.25 - v) : sin2pi_core(v);
    if (r == 0.0) return neg * 0.0;
    return neg * s * r;
}

double ref_cos2pi_d(double u) {
    if (!std::isfinite(u)) return std::numeric_limits<double>::quiet_NaN();
    double v = std::fabs(u);
    v = v - std::floor(v);
    if (v >= 0.5) v = 1.0 - v;
    double s = 1.0;
    if (v > 0.25) {
        s = -1.0;
        v = 0.5 - v;
    }
    double r = v > 0.125 ? sin2pi_core(0.25 - v) : cos2pi_core(v);
    if (r == 0.0) return 0.0;
    return s * r;
}

double ref_rsqrt_d(double x) { return 1.0 / std::sqrt(x); }

// ---------------------------------------------------------------------------
// MPFR references (slow path), at kPrec bits: tests/support/mpfr_oracle.hpp.

using mp_fn = repro_test::mp_oracle;
using repro_test::mp_exp, repro_test::mp_expm1, repro_test::mp_log, repro_test::mp_log1p, repro_test::mp_log2,
    repro_test::mp_tanh, repro_test::mp_sigmoid, repro_test::mp_silu, repro_test::mp_erf, repro_test::mp_gelu,
    repro_test::mp_gelu_tanh, repro_test::mp_sin2pi, repro_test::mp_cos2pi, repro_test::mp_rsqrt;
using repro_test::mp_scratch;

// The oracle at a float input, unrounded in r.
void eval_mp(mp_fn ref_mp, mpfr_t r, float x, mp_scratch& s) {
    mpfr_set_flt(r, x, MPFR_RNDN);  // exact
    ref_mp(r, r, s);
}

// ---------------------------------------------------------------------------

// True when r may round differently from the exact value it approximates.
bool near_boundary(double r) {
    if (std::isnan(r) || std::isinf(r)) return false;
    constexpr double overflow_boundary = 0x1.ffffffp127;  // FLT_MAX + half its ulp
    const float f = static_cast<float>(r);
    const double margin = kMargin * std::fabs(r);
    if (std::isinf(f)) return std::fabs(std::fabs(r) - overflow_boundary) <= margin;
    const float up = repro::next_up(f), down = repro::next_down(f);
    const double upd = std::isinf(up) ? overflow_boundary : 0.5 * (double(f) + double(up));
    const double downd = std::isinf(down) ? -overflow_boundary : 0.5 * (double(f) + double(down));
    return std::fabs(r - upd) <= margin || std::fabs(r - downd) <= margin;
}

// The correctly rounded float result; counts MPFR fallbacks.
template <class RefD>
float reference(float x, RefD ref_d, mp_fn ref_mp, mp_scratch& s, mpfr_t tmp, std::uint64_t& fallbacks) {
    const double r = ref_d(static_cast<double>(x));
    if (!near_boundary(r)) return static_cast<float>(r);
    ++fallbacks;
    eval_mp(ref_mp, tmp, x, s);
    return mpfr_get_flt(tmp, MPFR_RNDN);
}

float mp_only(float x, double (*ref_d)(double), mp_fn ref_mp, mp_scratch& s, mpfr_t tmp) {
    if (!std::isfinite(x) || x == 0) return static_cast<float>(ref_d(x));  // specials: the double rule
    eval_mp(ref_mp, tmp, x, s);
    return mpfr_get_flt(tmp, MPFR_RNDN);
}

struct stats {
    std::uint64_t max_ulp = 0;
    std::uint32_t max_arg = 0;    // lowest bit pattern with max_ulp
    std::uint64_t wrong = 0;      // not correctly rounded (ulp_distance > 0)
    std::uint64_t over1 = 0;      // more than 1 ULP
    std::uint64_t zero_sign = 0;  // right value but zero of the wrong sign
    std::uint32_t zero_sign_arg = 0;
    std::uint64_t nan_bad = 0;  // NaN where a number is due, or the reverse
    std::uint32_t nan_arg = 0;
    std::uint64_t fallbacks = 0;
    std::uint64_t count = 0;

    void merge(const stats& o) {
        if (o.max_ulp > max_ulp || (o.max_ulp == max_ulp && o.max_ulp > 0 && o.max_arg < max_arg)) {
            max_ulp = o.max_ulp;
            max_arg = o.max_arg;
        }
        if (o.zero_sign && (!zero_sign || o.zero_sign_arg < zero_sign_arg)) zero_sign_arg = o.zero_sign_arg;
        if (o.nan_bad && (!nan_bad || o.nan_arg < nan_arg)) nan_arg = o.nan_arg;
        wrong += o.wrong;
        over1 += o.over1;
        zero_sign += o.zero_sign;
        nan_bad += o.nan_bad;
        fallbacks += o.fallbacks;
        count += o.count;
    }

    void record(std::uint32_t bits, float got, float want) {
        ++count;
        const bool gn = repro::is_nan(got), wn = repro::is_nan(want);
        if (gn || wn) {
            if (gn != wn) {
                if (!nan_bad || bits < nan_arg) nan_arg = bits;
                ++nan_bad;
            }
            return;
        }
        const std::uint64_t d = repro::ulp_distance(got, want);
        if (d == 0) {
            if (!repro::bitwise_equal(got, want)) {
                if (!zero_sign || bits < zero_sign_arg) zero_sign_arg = bits;
                ++zero_sign;
            }
            return;
        }
        ++wrong;
        if (d > 1) ++over1;
        if (d > max_ulp || (d == max_ulp && bits < max_arg)) {
            max_ulp = d;
            max_arg = bits;
        }
    }
};

void print_arg(const char* what, std::uint32_t bits) {
    float x;
    std::memcpy(&x, &bits, sizeof x);
    std::printf("%s %a (%.9g, bits 0x%08" PRIx32 ")", what, static_cast<double>(x), static_cast<double>(x), bits);
}

template <class F, class RefD>
int run_exhaustive(const char* name, F f, RefD ref_d, mp_fn ref_mp, unsigned threads, std::uint64_t first,
                   std::uint64_t last) {
    const auto t0 = std::chrono::steady_clock::now();
    constexpr std::uint64_t chunk = 1u << 20;
    std::atomic<std::uint64_t> next{first};
    std::mutex m;
    stats total;
    auto worker = [&] {
        mp_scratch s(kPrec);
        mpfr_t tmp;
        mpfr_init2(tmp, kPrec);
        stats st;
        for (;;) {
            const std::uint64_t lo = next.fetch_add(chunk);
            if (lo > last) break;
            const std::uint64_t hi = std::min(last, lo + chunk - 1);
            for (std::uint64_t b = lo; b <= hi; ++b) {
                const auto bits = static_cast<std::uint32_t>(b);
                const float x = repro::from_bits<float>(bits);
                const float got = f(x);
                const float want = reference(x, ref_d, ref_mp, s, tmp, st.fallbacks);
                st.record(bits, got, want);
            }
        }
        mpfr_clear(tmp);
        std::lock_guard<std::mutex> lock(m);
        total.merge(st);
    };
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("%s: %" PRIu64 " inputs (bits 0x%08" PRIx64 "..0x%08" PRIx64 "), %u threads, %.1f s\n", name,
                total.count, first, last, threads, secs);
    std::printf("  max ULP error: %" PRIu64, total.max_ulp);
    if (total.max_ulp) {
        print_arg(" at", total.max_arg);
        const float x = repro::from_bits<float>(total.max_arg);
        mp_scratch s(kPrec);
        mpfr_t tmp;
        mpfr_init2(tmp, kPrec);
        std::uint64_t fb = 0;
        std::printf(": got %a, correctly rounded %a", static_cast<double>(f(x)),
                    static_cast<double>(reference(x, ref_d, ref_mp, s, tmp, fb)));
        mpfr_clear(tmp);
    }
    std::printf("\n  not correctly rounded: %" PRIu64 " (%.3g%%), of them > 1 ULP: %" PRIu64 "\n", total.wrong,
                100.0 * double(total.wrong) / double(total.count ? total.count : 1), total.over1);
    std::printf("  zero of the wrong sign: %" PRIu64, total.zero_sign);
    if (total.zero_sign) print_arg(", first at", total.zero_sign_arg);
    std::printf("\n  NaN mismatches: %" PRIu64, total.nan_bad);
    if (total.nan_bad) print_arg(", first at", total.nan_arg);
    std::printf("\n  MPFR fallbacks: %" PRIu64 "\n", total.fallbacks);
    std::fflush(stdout);
    return (total.over1 == 0 && total.nan_bad == 0) ? 0 : 1;
}

// Fast reference vs MPFR-only reference on random and edge inputs.
template <class RefD>
int run_crosscheck(const char* name, RefD ref_d, mp_fn ref_mp, std::uint64_t n) {
    mp_scratch s(kPrec);
    mpfr_t tmp;
    mpfr_init2(tmp, kPrec);
    std::uint64_t state = 0x1234567887654321ull, bad = 0, fb = 0;
    auto next = [&] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
        std::uint32_t bits;
        if (i < 4096) {
            // edges: small magnitudes, around 1, around the binade of each exponent
            bits = static_cast<std::uint32_t>((i & 1) << 31) |
                   static_cast<std::uint32_t>(((i >> 1) * 0x00100000u + (i >> 1)) & 0x7fffffffu);
        } else if (i % 2) {
            bits = static_cast<std::uint32_t>(next());
        } else {
            // moderate magnitudes, where most functions are not constant
            const std::uint32_t e = 100 + static_cast<std::uint32_t>(next() % 40);
            bits = static_cast<std::uint32_t>((next() & 0x807fffffu) | (e << 23));
        }
        const float x = repro::from_bits<float>(bits);
        const float a = reference(x, ref_d, ref_mp, s, tmp, fb);
        const float b = mp_only(x, ref_d, ref_mp, s, tmp);
        const bool same = repro::bitwise_equal(a, b) || (repro::is_nan(a) && repro::is_nan(b));
        if (!same) {
            if (bad < 10) {
                print_arg("  reference mismatch at", bits);
                std::printf(": fast %a, MPFR %a\n", static_cast<double>(a), static_cast<double>(b));
            }
            ++bad;
        }
    }
    mpfr_clear(tmp);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s crosscheck: %" PRIu64 " inputs, %" PRIu64
                " mismatches between the fast reference and MPFR, %" PRIu64 " fallbacks, %.1f s\n",
                name, n, bad, fb, secs);
    return bad ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Deliberately wrong functions that prove the checker catches errors.

// Two roundings (sqrt, then division) in float: up to about 1 ULP off.
float selftest_rsqrt_naive(float x) { return 1.0f / std::sqrt(x); }
// Correctly rounded (through double, then a float rounding that is checked
// by the reference) except one ULP up on inputs whose low 12 bits are 0x5a5.
float selftest_rsqrt_off1(float x) {
    float r = static_cast<float>(1.0 / std::sqrt(static_cast<double>(x)));
    if ((repro::to_bits(x) & 0xfffu) == 0x5a5u && std::isfinite(r) && r > 0) r = repro::next_up(r);
    return r;
}
// sin2pi through float sinf of a rounded product: large errors near multiples of 1/2.
float selftest_sin2pi_naive(float u) { return std::sin(6.2831853f * u); }

struct entry {
    const char* name;
    int (*run)(const char* name, unsigned threads, std::uint64_t first, std::uint64_t last);
};

#define CHECK_FLOAT_ENTRY(NAME, CALL, REF_D, REF_MP)                                   \
    entry {                                                                            \
        NAME, [](const char* n, unsigned t, std::uint64_t a, std::uint64_t b) -> int { \
            return run_exhaustive(                                                     \
                n, [](float x) -> float { return CALL; }, REF_D, REF_MP, t, a, b);     \
        }                                                                              \
    }

double d_exp(double x) { return std::exp(x); }
double d_expm1(double x) { return std::expm1(x); }
double d_log(double x) { return std::log(x); }
double d_log1p(double x) { return std::log1p(x); }
double d_log2(double x) { return std::log2(x); }
double d_tanh(double x) { return std::tanh(x); }
double d_erf(double x) { return std::erf(x); }

// The references of every known function, for --crosscheck (available
// whether or not the function's header exists).
struct ref_entry {
    const char* name;
    double (*ref_d)(double);
    mp_fn ref_mp;
};

const ref_entry refs[] = {
    {"exp", d_exp, mp_exp},
    {"expm1", d_expm1, mp_expm1},
    {"log", d_log, mp_log},
    {"log1p", d_log1p, mp_log1p},
    {"log2", d_log2, mp_log2},
    {"tanh", d_tanh, mp_tanh},
    {"sigmoid", ref_sigmoid_d, mp_sigmoid},
    {"silu", ref_silu_d, mp_silu},
    {"erf", d_erf, mp_erf},
    {"gelu", ref_gelu_d, mp_gelu},
    {"gelu_tanh", ref_gelu_tanh_d, mp_gelu_tanh},
    {"sin2pi", ref_sin2pi_d, mp_sin2pi},
    {"cos2pi", ref_cos2pi_d, mp_cos2pi},
    {"rsqrt", ref_rsqrt_d, mp_rsqrt},
};

#ifdef CHECK_FLOAT_HAVE_TRIG
inline float sincos_sin(float x) {
    float s, c;
    repro::math::sincos2pi(x, s, c);
    return s;
}
inline float sincos_cos(float x) {
    float s, c;
    repro::math::sincos2pi(x, s, c);
    return c;
}
#endif

const entry entries[] = {
#ifdef CHECK_FLOAT_HAVE_EXP_LOG
    CHECK_FLOAT_ENTRY("exp", repro::math::exp(x), d_exp, mp_exp),
    CHECK_FLOAT_ENTRY("expm1", repro::math::expm1(x), d_expm1, mp_expm1),
    CHECK_FLOAT_ENTRY("log", repro::math::log(x), d_log, mp_log),
    CHECK_FLOAT_ENTRY("log1p", repro::math::log1p(x), d_log1p, mp_log1p),
    CHECK_FLOAT_ENTRY("log2", repro::math::log2(x), d_log2, mp_log2),
    CHECK_FLOAT_ENTRY("tanh", repro::math::tanh(x), d_tanh, mp_tanh),
    CHECK_FLOAT_ENTRY("sigmoid", repro::math::sigmoid(x), ref_sigmoid_d, mp_sigmoid),
    CHECK_FLOAT_ENTRY("silu", repro::math::silu(x), ref_silu_d, mp_silu),
#endif
#ifdef CHECK_FLOAT_HAVE_ERF
    CHECK_FLOAT_ENTRY("erf", repro::math::erf(x), d_erf, mp_erf),
    CHECK_FLOAT_ENTRY("gelu", repro::math::gelu(x), ref_gelu_d, mp_gelu),
    CHECK_FLOAT_ENTRY("gelu_tanh", repro::math::gelu_tanh(x), ref_gelu_tanh_d, mp_gelu_tanh),
#endif
#ifdef CHECK_FLOAT_HAVE_TRIG
    CHECK_FLOAT_ENTRY("sin2pi", repro::math::sin2pi(x), ref_sin2pi_d, mp_sin2pi),
    CHECK_FLOAT_ENTRY("cos2pi", repro::math::cos2pi(x), ref_cos2pi_d, mp_cos2pi),
    CHECK_FLOAT_ENTRY("sincos2pi_sin", sincos_sin(x), ref_sin2pi_d, mp_sin2pi),
    CHECK_FLOAT_ENTRY("sincos2pi_cos", sincos_cos(x), ref_cos2pi_d, mp_cos2pi),
    CHECK_FLOAT_ENTRY("rsqrt", repro::math::rsqrt(x), ref_rsqrt_d, mp_rsqrt),
#endif
    // Reference-only entries (the reference checked against itself must give 0 errors)
    // and deliberately wrong functions (must report errors).
    CHECK_FLOAT_ENTRY("selftest_rsqrt_naive", selftest_rsqrt_naive(x), ref_rsqrt_d, mp_rsqrt),
    CHECK_FLOAT_ENTRY("selftest_rsqrt_off1", selftest_rsqrt_off1(x), ref_rsqrt_d, mp_rsqrt),
    CHECK_FLOAT_ENTRY("selftest_sin2pi_naive", selftest_sin2pi_naive(x), ref_sin2pi_d, mp_sin2pi),
};

#undef CHECK_FLOAT_ENTRY

int usage() {
    std::fprintf(stderr,
                 "usage: check_float <function> [threads] [first_bits last_bits]\n"
                 "       check_float <function> --crosscheck N [threads]\n"
                 "       check_float --list\nfunctions:");
    for (const auto& e : entries) std::fprintf(stderr, " %s", e.name);
    std::fprintf(stderr, "\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string name = argv[1];
    if (name == "--list") {
        for (const auto& e : entries) std::printf("%s\n", e.name);
        return 0;
    }
    if (!mpfr_buildopt_tls_p()) {
        std::fprintf(stderr, "check_float: this MPFR is not thread-safe; use 1 thread\n");
    }
    unsigned threads = 2;
    std::uint64_t first = 0, last = 0xffffffffull, crosscheck = 0;
    if (argc >= 4 && std::string(argv[2]) == "--crosscheck") {
        crosscheck = std::strtoull(argv[3], nullptr, 10);
        if (crosscheck == 0) return usage();
    } else {
        if (argc >= 3) threads = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));
        if (argc >= 5) {
            first = std::strtoull(argv[3], nullptr, 16);
            last = std::strtoull(argv[4], nullptr, 16);
        }
        if (threads == 0 || first > last || last > 0xffffffffull) return usage();
        if (!mpfr_buildopt_tls_p()) threads = 1;
    }
    if (crosscheck) {
        for (const auto& r : refs)
            if (name == r.name) return run_crosscheck(r.name, r.ref_d, r.ref_mp, crosscheck);
        std::fprintf(stderr, "check_float: no reference for '%s'\n", name.c_str());
        return usage();
    }
    for (const auto& e : entries)
        if (name == e.name) return e.run(e.name, threads, first, last);
    std::fprintf(stderr, "check_float: unknown or unavailable function '%s'\n", name.c_str());
    return usage();
}
