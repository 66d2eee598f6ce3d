// Where repro's float functions and SLEEF's deterministic ones (finz u10;
// sinpi/cospi u05; for functions SLEEF lacks, the formula its users write,
// as in bench_math.cpp) give different results, which one is correctly
// rounded: MPFR decides (the accuracy checkers' oracle). Inputs: every 256th float bit pattern
// (2^24 values over the whole range, NaNs skipped). Run by hand
// (docs/benchmarks.md): the accuracy side of bench_math's speed ratios.
//   sleef_rounding [function ...]
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

#define REPRO_SLEEF(fn, u) extern "C" __m256 Sleef_finz_##fn##f8_##u##avx2(__m256);
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

// SLEEF over 8 floats (its finz results are the same on every ISA), with
// the formulas in GCC's vector arithmetic.
__attribute__((target("avx2,fma"))) void sleef8(int f, const float* x, float* y) {
    __m256 v;
    std::memcpy(&v, x, sizeof v);
    const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
    switch (f) {
        case 0:
            v = Sleef_finz_expf8_u10avx2(v);
            break;
        case 1:
            v = Sleef_finz_expm1f8_u10avx2(v);
            break;
        case 2:
            v = Sleef_finz_logf8_u10avx2(v);
            break;
        case 3:
            v = Sleef_finz_log1pf8_u10avx2(v);
            break;
        case 4:
            v = Sleef_finz_log2f8_u10avx2(v);
            break;
        case 5:
            v = Sleef_finz_tanhf8_u10avx2(v);
            break;
        case 6:
            v = Sleef_finz_erff8_u10avx2(v);
            break;
        case 7:
            v = Sleef_finz_sinpif8_u05avx2(v + v);
            break;
        case 8:
            v = Sleef_finz_cospif8_u05avx2(v + v);
            break;
        case 9:
            v = one / (one + Sleef_finz_expf8_u10avx2(-v));
            break;
        case 10:
            v = v / (one + Sleef_finz_expf8_u10avx2(-v));
            break;
        case 11:
            v = v * half + v * half * Sleef_finz_erff8_u10avx2(v * _mm256_set1_ps(0.70710678118654752f));
            break;
        case 12:
            v = v * half + v * half *
                               Sleef_finz_tanhf8_u10avx2(_mm256_set1_ps(0.79788456080286536f) *
                                                         (v + _mm256_set1_ps(0.044715f) * v * v * v));
            break;
        default:
            v = one / Sleef_finz_sqrtf8_u05avx2(v);
            break;
    }
    std::memcpy(y, &v, sizeof v);
}

const char* const names[] = {"exp",    "expm1",  "log",     "log1p", "log2", "tanh",      "erf",
                             "sin2pi", "cos2pi", "sigmoid", "silu",  "gelu", "gelu_tanh", "rsqrt"};
constexpr int functions = 14;

void repro_array(int f, const float* x, float* y, std::size_t n) {
    namespace m = repro::math;
    void (*const fns[])(const float*, float*, std::size_t) = {m::exp,  m::expm1, m::log,       m::log1p,  m::log2,
                                                              m::tanh, m::erf,   m::sin2pi,    m::cos2pi, m::sigmoid,
                                                              m::silu, m::gelu,  m::gelu_tanh, m::rsqrt};
    fns[f](x, y, n);
}

// The correctly rounded float result: the accuracy checkers' MPFR oracle at
// 192 bits, rounded once to float (mpfr_get_flt, subnormals included).
float correctly_rounded(int f, float xf) {
    namespace t = repro_test;
    static const t::mp_oracle oracles[functions] = {
        t::mp_exp,    t::mp_expm1,  t::mp_log,     t::mp_log1p, t::mp_log2, t::mp_tanh,      t::mp_erf,
        t::mp_sin2pi, t::mp_cos2pi, t::mp_sigmoid, t::mp_silu,  t::mp_gelu, t::mp_gelu_tanh, t::mp_rsqrt};
    thread_local t::mp_scratch scratch(192);
    mpfr_t x, r;
    mpfr_inits2(192, x, r, static_cast<mpfr_ptr>(nullptr));
    mpfr_set_flt(x, xf, MPFR_RNDN);
    oracles[f](r, x, scratch);
    const float out = mpfr_get_flt(r, MPFR_RNDN);
    mpfr_clears(x, r, static_cast<mpfr_ptr>(nullptr));
    return out;
}

std::uint32_t bits(float v) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
}
bool same(float a, float b) { return bits(a) == bits(b) || (a != a && b != b); }
std::uint64_t ulps(float a, float b) {
    if (a != a || b != b) return a != a && b != b ? 0 : ~0ull;
    auto key = [](float v) {
        const std::int64_t m = bits(v) & 0x7fffffff;
        return bits(v) >> 31 ? -m : m;
    };
    const std::int64_t d = key(a) - key(b);
    return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

struct tally {
    std::uint64_t inputs = 0, differ = 0, sleef_wrong = 0, repro_wrong = 0, sleef_max = 0, repro_max = 0;
};

tally run(int f, unsigned t, unsigned threads) {
    tally r;
    constexpr std::uint64_t stride = 256, block = 1 << 12;
    std::vector<float> x(block), ys(block), yr(block);
    for (std::uint64_t start = t * block; start < (1ull << 24); start += threads * block) {
        std::size_t n = 0;
        for (std::uint64_t i = start; i < start + block; ++i) {
            const auto b = static_cast<std::uint32_t>(i * stride + 37);  // +37: away from round patterns
            float v;
            std::memcpy(&v, &b, 4);
            if (v == v) x[n++] = v;
        }
        const std::size_t padded = (n + 7) / 8 * 8;
        std::fill(x.begin() + static_cast<std::ptrdiff_t>(n), x.begin() + static_cast<std::ptrdiff_t>(padded), 1.0f);
        for (std::size_t i = 0; i < padded; i += 8) sleef8(f, x.data() + i, ys.data() + i);
        repro_array(f, x.data(), yr.data(), n);
        r.inputs += n;
        for (std::size_t i = 0; i < n; ++i) {
            if (same(ys[i], yr[i])) continue;
            ++r.differ;
            const float c = correctly_rounded(f, x[i]);
            if (!same(ys[i], c)) ++r.sleef_wrong, r.sleef_max = std::max(r.sleef_max, ulps(ys[i], c));
            if (!same(yr[i], c)) ++r.repro_wrong, r.repro_max = std::max(r.repro_max, ulps(yr[i], c));
        }
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::printf("%-10s %9s %9s %25s %25s\n", "function", "inputs", "differ", "SLEEF not CR (worst ulp)",
                "repro not CR (worst ulp)");
    for (int f = 0; f < functions; ++f) {
        if (argc > 1 && std::find_if(argv + 1, argv + argc,
                                     [&](const char* a) { return names[f] == std::string(a); }) == argv + argc)
            continue;
        std::vector<tally> part(threads);
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back([&, t] { part[t] = run(f, t, threads); });
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
    }
}
