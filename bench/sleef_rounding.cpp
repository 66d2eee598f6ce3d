// Where repro's float functions and SLEEF's deterministic ones (finz u10;
// sinpi/cospi u05; for functions SLEEF lacks, the formula its users write,
// as in bench_math.cpp) give different results, which one is correctly
// rounded: MPFR decides (the accuracy checkers' oracle). Inputs: every 256th float bit pattern
// (2^24 values over the whole range, NaNs skipped). Run by hand
// (docs/benchmarks.md): the accuracy side of bench_math's speed ratios.
// Doubles: every 2^42nd bit pattern (2^22 values), SLEEF's double finz.
//   sleef_rounding [function ...]           float
//   sleef_rounding double [function ...]    double
#include <immintrin.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <repro/math.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/mpfr_oracle.hpp"

#define REPRO_SLEEF(fn, u)                                   \
    extern "C" __m256 Sleef_finz_##fn##f8_##u##avx2(__m256); \
    extern "C" __m256d Sleef_finz_##fn##d4_##u##avx2(__m256d);
REPRO_SLEEF(exp, u10)
REPRO_SLEEF(expm1, u10)
REPRO_SLEEF(log, u10)
REPRO_SLEEF(log1p, u10)
REPRO_SLEEF(log2, u10)
REPRO_SLEEF(tanh, u10)
REPRO_SLEEF(erf, u10)
REPRO_SLEEF(sinpi, u05)
REPRO_SLEEF(cospi, u05)
REPRO_SLEEF(sqrt, u05)
#undef REPRO_SLEEF

namespace {

// SLEEF over one AVX2 register (8 floats, 4 doubles; its finz results are
// the same on every ISA), the formulas in GCC's vector arithmetic.
#define REPRO_SLEEF_LANES(T, R, w)                                                                                   \
    __attribute__((target("avx2,fma"))) void sleef_lanes(int f, const T* x, T* y) {                                  \
        R v;                                                                                                         \
        std::memcpy(&v, x, sizeof v);                                                                                \
        const T one = 1, half = 0.5;                                                                                 \
        switch (f) {                                                                                                 \
            case 0:                                                                                                  \
                v = Sleef_finz_exp##w##_u10avx2(v);                                                                  \
                break;                                                                                               \
            case 1:                                                                                                  \
                v = Sleef_finz_expm1##w##_u10avx2(v);                                                                \
                break;                                                                                               \
            case 2:                                                                                                  \
                v = Sleef_finz_log##w##_u10avx2(v);                                                                  \
                break;                                                                                               \
            case 3:                                                                                                  \
                v = Sleef_finz_log1p##w##_u10avx2(v);                                                                \
                break;                                                                                               \
            case 4:                                                                                                  \
                v = Sleef_finz_log2##w##_u10avx2(v);                                                                 \
                break;                                                                                               \
            case 5:                                                                                                  \
                v = Sleef_finz_tanh##w##_u10avx2(v);                                                                 \
                break;                                                                                               \
            case 6:                                                                                                  \
                v = Sleef_finz_erf##w##_u10avx2(v);                                                                  \
                break;                                                                                               \
            case 7:                                                                                                  \
                v = Sleef_finz_sinpi##w##_u05avx2(v + v);                                                            \
                break;                                                                                               \
            case 8:                                                                                                  \
                v = Sleef_finz_cospi##w##_u05avx2(v + v);                                                            \
                break;                                                                                               \
            case 9:                                                                                                  \
                v = one / (one + Sleef_finz_exp##w##_u10avx2(-v));                                                   \
                break;                                                                                               \
            case 10:                                                                                                 \
                v = v / (one + Sleef_finz_exp##w##_u10avx2(-v));                                                     \
                break;                                                                                               \
            case 11:                                                                                                 \
                v = v * half + v * half * Sleef_finz_erf##w##_u10avx2(v * T(0.70710678118654752));                   \
                break;                                                                                               \
            case 12:                                                                                                 \
                v = v * half +                                                                                       \
                    v * half * Sleef_finz_tanh##w##_u10avx2(T(0.79788456080286536) * (v + T(0.044715) * v * v * v)); \
                break;                                                                                               \
            default:                                                                                                 \
                v = one / Sleef_finz_sqrt##w##_u05avx2(v);                                                           \
                break;                                                                                               \
        }                                                                                                            \
        std::memcpy(y, &v, sizeof v);                                                                                \
    }
REPRO_SLEEF_LANES(float, __m256, f8)
REPRO_SLEEF_LANES(double, __m256d, d4)
#undef REPRO_SLEEF_LANES

const char* const names[] = {"exp",    "expm1",  "log",     "log1p", "log2", "tanh",      "erf",
                             "sin2pi", "cos2pi", "sigmoid", "silu",  "gelu", "gelu_tanh", "rsqrt"};
constexpr int functions = 14;

template <class T>
void repro_array(int f, const T* x, T* y, std::size_t n) {
    namespace m = repro::math;
    void (*const fns[])(const T*, T*, std::size_t) = {m::exp,  m::expm1, m::log,       m::log1p,  m::log2,
                                                      m::tanh, m::erf,   m::sin2pi,    m::cos2pi, m::sigmoid,
                                                      m::silu, m::gelu,  m::gelu_tanh, m::rsqrt};
    fns[f](x, y, n);
}

// The correctly rounded result: the accuracy checkers' MPFR oracle at 192
// bits, rounded once to T (mpfr_get_flt / mpfr_get_d, subnormals included).
template <class T>
T correctly_rounded(int f, T xf) {
    namespace t = repro_test;
    static const t::mp_oracle oracles[functions] = {
        t::mp_exp,    t::mp_expm1,  t::mp_log,     t::mp_log1p, t::mp_log2, t::mp_tanh,      t::mp_erf,
        t::mp_sin2pi, t::mp_cos2pi, t::mp_sigmoid, t::mp_silu,  t::mp_gelu, t::mp_gelu_tanh, t::mp_rsqrt};
    thread_local t::mp_scratch scratch(192);
    mpfr_t x, r;
    mpfr_inits2(192, x, r, static_cast<mpfr_ptr>(nullptr));
    if constexpr (sizeof(T) == 4)
        mpfr_set_flt(x, xf, MPFR_RNDN);
    else
        mpfr_set_d(x, xf, MPFR_RNDN);
    oracles[f](r, x, scratch);
    T out;
    if constexpr (sizeof(T) == 4)
        out = mpfr_get_flt(r, MPFR_RNDN);
    else
        out = mpfr_get_d(r, MPFR_RNDN);
    mpfr_clears(x, r, static_cast<mpfr_ptr>(nullptr));
    return out;
}

template <class T>
bool same(T a, T b) {
    return repro::to_bits(a) == repro::to_bits(b) || (a != a && b != b);
}
template <class T>
std::uint64_t ulps(T a, T b) {
    if (a != a || b != b) return a != a && b != b ? 0 : ~0ull;
    return repro::ulp_distance(a, b);
}

struct tally {
    std::uint64_t inputs = 0, differ = 0, sleef_wrong = 0, repro_wrong = 0, sleef_max = 0, repro_max = 0;
};

// Every stride-th bit pattern (2^24 floats, 2^22 doubles), NaNs skipped.
template <class T>
tally run(int f, unsigned t, unsigned threads) {
    using bits_type = repro::bits_t<T>;
    constexpr int count_log2 = sizeof(T) == 4 ? 24 : 22;
    constexpr std::size_t lanes = 32 / sizeof(T);
    constexpr std::uint64_t block = 1 << 12;
    constexpr int stride_log2 = 8 * static_cast<int>(sizeof(T)) - count_log2;
    tally r;
    std::vector<T> x(block), ys(block), yr(block);
    for (std::uint64_t start = t * block; start < (1ull << count_log2); start += threads * block) {
        std::size_t n = 0;
        for (std::uint64_t i = start; i < start + block; ++i) {
            const T v =
                repro::from_bits<T>(static_cast<bits_type>((i << stride_log2) + 37));  // +37: off round patterns
            if (v == v) x[n++] = v;
        }
        const std::size_t padded = (n + lanes - 1) / lanes * lanes;
        std::fill(x.begin() + static_cast<std::ptrdiff_t>(n), x.begin() + static_cast<std::ptrdiff_t>(padded), T(1));
        for (std::size_t i = 0; i < padded; i += lanes) sleef_lanes(f, x.data() + i, ys.data() + i);
        repro_array(f, x.data(), yr.data(), n);
        r.inputs += n;
        for (std::size_t i = 0; i < n; ++i) {
            if (same(ys[i], yr[i])) continue;
            ++r.differ;
            const T c = correctly_rounded(f, x[i]);
            if (!same(ys[i], c)) ++r.sleef_wrong, r.sleef_max = std::max(r.sleef_max, ulps(ys[i], c));
            if (!same(yr[i], c)) ++r.repro_wrong, r.repro_max = std::max(r.repro_max, ulps(yr[i], c));
        }
    }
    return r;
}

template <class T>
void report(int argc, char** argv) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::printf("%s:\n", sizeof(T) == 4 ? "float" : "double");
    std::printf("%-10s %9s %9s %25s %25s\n", "function", "inputs", "differ", "SLEEF not CR (worst ulp)",
                "repro not CR (worst ulp)");
    for (int f = 0; f < functions; ++f) {
        if (argc > 1 && std::find_if(argv + 1, argv + argc,
                                     [&](const char* a) { return names[f] == std::string(a); }) == argv + argc)
            continue;
        std::vector<tally> part(threads);
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back([&, t] { part[t] = run<T>(f, t, threads); });
        for (auto& th : pool) th.join();
        tally s;
        for (const tally& p : part) {
            s.inputs += p.inputs, s.differ += p.differ, s.sleef_wrong += p.sleef_wrong, s.repro_wrong += p.repro_wrong;
            s.sleef_max = std::max(s.sleef_max, p.sleef_max), s.repro_max = std::max(s.repro_max, p.repro_max);
        }
        auto worst = [](std::uint64_t u) {  // ~0: a NaN where a number is due, or the reverse
            return u == ~0ull ? std::string("NaN") : std::to_string(u);
        };
        std::printf("%-10s %9llu %9llu %12llu (%10s) %12llu (%10s)\n", names[f],
                    static_cast<unsigned long long>(s.inputs), static_cast<unsigned long long>(s.differ),
                    static_cast<unsigned long long>(s.sleef_wrong), worst(s.sleef_max).c_str(),
                    static_cast<unsigned long long>(s.repro_wrong), worst(s.repro_max).c_str());
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const bool doubles = argc > 1 && std::string(argv[1]) == "double";
    if (doubles)
        report<double>(argc - 1, argv + 1);
    else
        report<float>(argc, argv);
}
