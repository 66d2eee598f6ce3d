// repro::math array forms against the functions a user would otherwise call
// on the same arrays: SLEEF's deterministic functions (Sleef_finz_*_u10, at
// most 1 ULP and the same bits on every ISA: the peer repro must beat),
// glibc's vector math (libmvec: faster, no promise of identical bits) and
// glibc's scalar functions, each in its AVX2 and AVX-512 forms. Names:
// <task>/<implementation>/<n>; bench/ratios.py prints repro against every
// peer. REPRO_ISA=avx2 in the environment holds repro to its AVX2 path, for
// the AVX2 comparison on an AVX-512 machine.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <repro/math.hpp>
#include <vector>

// glibc's vector ABI (x86_64 libmvec: d = AVX2, e = AVX-512) and SLEEF's
// finz u10 functions, declared here: sleef.h declares its AVX forms only
// where the whole file is compiled for AVX.
#define REPRO_MVEC(fn)                                         \
    extern "C" __m256 _ZGVdN8v_##fn##f(__m256);                \
    extern "C" __m512 _ZGVeN16v_##fn##f(__m512);               \
    extern "C" __m256d _ZGVdN4v_##fn(__m256d);                 \
    extern "C" __m512d _ZGVeN8v_##fn(__m512d);                 \
    extern "C" __m256 Sleef_finz_##fn##f8_u10avx2(__m256);     \
    extern "C" __m512 Sleef_finz_##fn##f16_u10avx512f(__m512); \
    extern "C" __m256d Sleef_finz_##fn##d4_u10avx2(__m256d);   \
    extern "C" __m512d Sleef_finz_##fn##d8_u10avx512f(__m512d);
REPRO_MVEC(exp)
REPRO_MVEC(expm1)
REPRO_MVEC(log)
REPRO_MVEC(log1p)
REPRO_MVEC(log2)
REPRO_MVEC(tanh)
REPRO_MVEC(erf)
#undef REPRO_MVEC
// sin(pi x) and cos(pi x): sin2pi(u) is sinpi(2u), the doubling exact; sqrt
// for rsqrt's formula.
#define REPRO_SLEEF_U05(fn)                                    \
    extern "C" __m256 Sleef_finz_##fn##f8_u05avx2(__m256);     \
    extern "C" __m512 Sleef_finz_##fn##f16_u05avx512f(__m512); \
    extern "C" __m256d Sleef_finz_##fn##d4_u05avx2(__m256d);   \
    extern "C" __m512d Sleef_finz_##fn##d8_u05avx512f(__m512d);
REPRO_SLEEF_U05(sinpi)
REPRO_SLEEF_U05(cospi)
REPRO_SLEEF_U05(sqrt)
#undef REPRO_SLEEF_U05

namespace {

// Inputs spread over the range a network feeds the function: softmax and
// activations see |x| up to ~20, log sees positive values over many binades.
template <class T>
std::vector<T> inputs(std::int64_t n, double lo, double hi, bool log_scale) {
    std::vector<T> x(static_cast<std::size_t>(n));
    std::uint64_t s = 0x9e3779b97f4a7c15ull;
    for (auto& v : x) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const double u = static_cast<double>(s >> 11) * 0x1p-53;
        v = static_cast<T>(log_scale ? std::exp2(lo + (hi - lo) * u) : lo + (hi - lo) * u);
    }
    return x;
}

template <class T, class F>
void run(benchmark::State& state, double lo, double hi, bool log_scale, F f) {
    const std::vector<T> x = inputs<T>(state.range(0), lo, hi, log_scale);
    std::vector<T> y(x.size());
    for (auto _ : state) {
        f(x.data(), y.data(), x.size());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

// A vector function over an array, the tail through a zero-padded register;
// one body, compiled for AVX2 and for AVX-512 (the vector ABI needs the
// caller compiled for the register width).
#define REPRO_VECTOR_LOOP(name, isa)                                          \
    template <class T, class R, R (*f)(R)>                                    \
    __attribute__((target(isa))) void name(const T* x, T* y, std::size_t n) { \
        constexpr std::size_t w = sizeof(R) / sizeof(T);                      \
        std::size_t i = 0;                                                    \
        R v;                                                                  \
        for (; i + w <= n; i += w) {                                          \
            std::memcpy(&v, x + i, sizeof v);                                 \
            v = f(v);                                                         \
            std::memcpy(y + i, &v, sizeof v);                                 \
        }                                                                     \
        if (i < n) {                                                          \
            T buffer[w] = {};                                                 \
            std::memcpy(buffer, x + i, (n - i) * sizeof(T));                  \
            std::memcpy(&v, buffer, sizeof v);                                \
            v = f(v);                                                         \
            std::memcpy(y + i, &v, (n - i) * sizeof(T));                      \
        }                                                                     \
    }
REPRO_VECTOR_LOOP(avx2_loop, "avx2,fma")
REPRO_VECTOR_LOOP(avx512_loop, "avx512f,avx2,fma")
#undef REPRO_VECTOR_LOOP

// glibc through a plain loop, as user code calls it.
template <class T, T (*libm)(T)>
void libm_loop(const T* x, T* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = libm(x[i]);
}

template <class T, void (*loop)(const T*, T*, std::size_t)>
void peer_avx512(benchmark::State& s, double lo, double hi, bool log_scale) {
    if (!__builtin_cpu_supports("avx512f")) {
        s.SkipWithError("no AVX-512F on this CPU");
        return;
    }
    run<T>(s, lo, hi, log_scale, loop);
}

// One task per function and type: glibc scalar, libmvec and SLEEF finz u10
// (AVX2 and AVX-512) and repro's array form.
#define REPRO_BENCH_FN(fn, lo, hi, log_scale)                                                                        \
    float c_##fn##f(float v) { return std::fn(v); }                                                                  \
    double c_##fn(double v) { return std::fn(v); }                                                                   \
    void glibc_##fn##_float(benchmark::State& s) { run<float>(s, lo, hi, log_scale, libm_loop<float, c_##fn##f>); }  \
    void glibc_##fn##_double(benchmark::State& s) { run<double>(s, lo, hi, log_scale, libm_loop<double, c_##fn>); }  \
    void mvec_avx2_##fn##_float(benchmark::State& s) {                                                               \
        run<float>(s, lo, hi, log_scale, avx2_loop<float, __m256, _ZGVdN8v_##fn##f>);                                \
    }                                                                                                                \
    void mvec_avx2_##fn##_double(benchmark::State& s) {                                                              \
        run<double>(s, lo, hi, log_scale, avx2_loop<double, __m256d, _ZGVdN4v_##fn>);                                \
    }                                                                                                                \
    void mvec_avx512_##fn##_float(benchmark::State& s) {                                                             \
        peer_avx512<float, avx512_loop<float, __m512, _ZGVeN16v_##fn##f>>(s, lo, hi, log_scale);                     \
    }                                                                                                                \
    void mvec_avx512_##fn##_double(benchmark::State& s) {                                                            \
        peer_avx512<double, avx512_loop<double, __m512d, _ZGVeN8v_##fn>>(s, lo, hi, log_scale);                      \
    }                                                                                                                \
    void sleef_avx2_##fn##_float(benchmark::State& s) {                                                              \
        run<float>(s, lo, hi, log_scale, avx2_loop<float, __m256, Sleef_finz_##fn##f8_u10avx2>);                     \
    }                                                                                                                \
    void sleef_avx2_##fn##_double(benchmark::State& s) {                                                             \
        run<double>(s, lo, hi, log_scale, avx2_loop<double, __m256d, Sleef_finz_##fn##d4_u10avx2>);                  \
    }                                                                                                                \
    void sleef_avx512_##fn##_float(benchmark::State& s) {                                                            \
        peer_avx512<float, avx512_loop<float, __m512, Sleef_finz_##fn##f16_u10avx512f>>(s, lo, hi, log_scale);       \
    }                                                                                                                \
    void sleef_avx512_##fn##_double(benchmark::State& s) {                                                           \
        peer_avx512<double, avx512_loop<double, __m512d, Sleef_finz_##fn##d8_u10avx512f>>(s, lo, hi, log_scale);     \
    }                                                                                                                \
    void repro_##fn##_float(benchmark::State& s) {                                                                   \
        run<float>(s, lo, hi, log_scale, [](const float* x, float* y, std::size_t n) { repro::math::fn(x, y, n); }); \
    }                                                                                                                \
    void repro_##fn##_double(benchmark::State& s) {                                                                  \
        run<double>(s, lo, hi, log_scale,                                                                            \
                    [](const double* x, double* y, std::size_t n) { repro::math::fn(x, y, n); });                    \
    }

REPRO_BENCH_FN(exp, -20.0, 20.0, false)
REPRO_BENCH_FN(expm1, -5.0, 5.0, false)
REPRO_BENCH_FN(log, -20.0, 20.0, true)
REPRO_BENCH_FN(log1p, -0.5, 20.0, false)
REPRO_BENCH_FN(log2, -20.0, 20.0, true)
REPRO_BENCH_FN(tanh, -6.0, 6.0, false)
REPRO_BENCH_FN(erf, -4.0, 4.0, false)

// sin2pi / cos2pi: SLEEF's sinpi / cospi of 2u, and glibc's sin / cos of
// 2 pi u (what a user would write; not the same function: 2 pi u rounds).
#define REPRO_BENCH_TRIG(fn, pi_fn, libm_fn)                                         \
    __attribute__((target("avx2,fma"))) __m256 sleef_##fn##_f8(__m256 v) {           \
        return Sleef_finz_##pi_fn##f8_u05avx2(_mm256_add_ps(v, v));                  \
    }                                                                                \
    __attribute__((target("avx2,fma"))) __m256d sleef_##fn##_d4(__m256d v) {         \
        return Sleef_finz_##pi_fn##d4_u05avx2(_mm256_add_pd(v, v));                  \
    }                                                                                \
    __attribute__((target("avx512f,avx2,fma"))) __m512 sleef_##fn##_f16(__m512 v) {  \
        return Sleef_finz_##pi_fn##f16_u05avx512f(_mm512_add_ps(v, v));              \
    }                                                                                \
    __attribute__((target("avx512f,avx2,fma"))) __m512d sleef_##fn##_d8(__m512d v) { \
        return Sleef_finz_##pi_fn##d8_u05avx512f(_mm512_add_pd(v, v));               \
    }                                                                                \
    float c_##fn##_float(float v) { return std::libm_fn(6.283185307179586f * v); }   \
    double c_##fn##_double(double v) { return std::libm_fn(6.283185307179586 * v); } \
    REPRO_BENCH_TRIG_T(fn, float, __m256, __m512, f8, f16)                           \
    REPRO_BENCH_TRIG_T(fn, double, __m256d, __m512d, d4, d8)
#define REPRO_BENCH_TRIG_T(fn, T, R4, R8, w4, w8)                                                           \
    void fn##_##T##_glibc(benchmark::State& s) { run<T>(s, -4.0, 4.0, false, libm_loop<T, c_##fn##_##T>); } \
    void fn##_##T##_sleef_avx2(benchmark::State& s) {                                                       \
        run<T>(s, -4.0, 4.0, false, avx2_loop<T, R4, sleef_##fn##_##w4>);                                   \
    }                                                                                                       \
    void fn##_##T##_sleef_avx512(benchmark::State& s) {                                                     \
        peer_avx512<T, avx512_loop<T, R8, sleef_##fn##_##w8>>(s, -4.0, 4.0, false);                         \
    }                                                                                                       \
    void fn##_##T##_repro(benchmark::State& s) {                                                            \
        run<T>(s, -4.0, 4.0, false, [](const T* x, T* y, std::size_t n) { repro::math::fn(x, y, n); });     \
    }
REPRO_BENCH_TRIG(sin2pi, sinpi, sin)
REPRO_BENCH_TRIG(cos2pi, cospi, cos)

// The functions SLEEF has no entry for, as its users (and glibc's) would
// write them: gelu 0.5 x (1 + erf(x / sqrt 2)), gelu_tanh 0.5 x (1 +
// tanh(sqrt(2/pi) (x + 0.044715 x^3))), sigmoid 1 / (1 + e^-x), silu x / (1 +
// e^-x), rsqrt 1 / sqrt(x). GCC's vector extensions give the arithmetic.
#define REPRO_SLEEF_FORMULAS(R, S, w, isa, flags)                                                                  \
    __attribute__((target(flags))) R sleef_gelu_##w(R x) {                                                         \
        const R h = x * S(0.5);                                                                                    \
        return h + h * Sleef_finz_erf##w##_u10##isa(x * S(0.70710678118654752));                                   \
    }                                                                                                              \
    __attribute__((target(flags))) R sleef_gelu_tanh_##w(R x) {                                                    \
        const R h = x * S(0.5);                                                                                    \
        return h + h * Sleef_finz_tanh##w##_u10##isa(S(0.79788456080286536) * (x + S(0.044715) * x * x * x));      \
    }                                                                                                              \
    __attribute__((target(flags))) R sleef_sigmoid_##w(R x) {                                                      \
        return S(1) / (S(1) + Sleef_finz_exp##w##_u10##isa(-x));                                                   \
    }                                                                                                              \
    __attribute__((target(flags))) R sleef_silu_##w(R x) { return x / (S(1) + Sleef_finz_exp##w##_u10##isa(-x)); } \
    __attribute__((target(flags))) R sleef_rsqrt_##w(R x) { return S(1) / Sleef_finz_sqrt##w##_u05##isa(x); }
REPRO_SLEEF_FORMULAS(__m256, float, f8, avx2, "avx2,fma")
REPRO_SLEEF_FORMULAS(__m512, float, f16, avx512f, "avx512f,avx2,fma")
REPRO_SLEEF_FORMULAS(__m256d, double, d4, avx2, "avx2,fma")
REPRO_SLEEF_FORMULAS(__m512d, double, d8, avx512f, "avx512f,avx2,fma")
#undef REPRO_SLEEF_FORMULAS

template <class T>
T c_gelu(T x) {
    return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752)));
}
template <class T>
T c_gelu_tanh(T x) {
    return T(0.5) * x * (T(1) + std::tanh(T(0.79788456080286536) * (x + T(0.044715) * x * x * x)));
}
template <class T>
T c_sigmoid(T x) {
    return T(1) / (T(1) + std::exp(-x));
}
template <class T>
T c_silu(T x) {
    return x / (T(1) + std::exp(-x));
}
template <class T>
T c_rsqrt(T x) {
    return T(1) / std::sqrt(x);
}

#define REPRO_BENCH_FORMULA_T(fn, T, R4, R8, w4, w8, lo, hi, log_scale)                                   \
    void fn##_##T##_glibc(benchmark::State& s) { run<T>(s, lo, hi, log_scale, libm_loop<T, c_##fn<T>>); } \
    void fn##_##T##_sleef_avx2(benchmark::State& s) {                                                     \
        run<T>(s, lo, hi, log_scale, avx2_loop<T, R4, sleef_##fn##_##w4>);                                \
    }                                                                                                     \
    void fn##_##T##_sleef_avx512(benchmark::State& s) {                                                   \
        peer_avx512<T, avx512_loop<T, R8, sleef_##fn##_##w8>>(s, lo, hi, log_scale);                      \
    }                                                                                                     \
    void fn##_##T##_repro(benchmark::State& s) {                                                          \
        run<T>(s, lo, hi, log_scale, [](const T* x, T* y, std::size_t n) { repro::math::fn(x, y, n); });  \
    }
#define REPRO_BENCH_FORMULA(fn, lo, hi, log_scale)                               \
    REPRO_BENCH_FORMULA_T(fn, float, __m256, __m512, f8, f16, lo, hi, log_scale) \
    REPRO_BENCH_FORMULA_T(fn, double, __m256d, __m512d, d4, d8, lo, hi, log_scale)
REPRO_BENCH_FORMULA(gelu, -6.0, 6.0, false)
REPRO_BENCH_FORMULA(gelu_tanh, -6.0, 6.0, false)
REPRO_BENCH_FORMULA(sigmoid, -20.0, 20.0, false)
REPRO_BENCH_FORMULA(silu, -20.0, 20.0, false)
REPRO_BENCH_FORMULA(rsqrt, -40.0, 40.0, true)

}  // namespace

#define REPRO_REGISTER_FORMULA_T(fn, T)                                                                        \
    BENCHMARK(fn##_##T##_sleef_avx2)->Name(#fn "_" #T "/peer:sleef_finz_u10_formula_avx2")->Arg(1 << 12);      \
    BENCHMARK(fn##_##T##_sleef_avx512)->Name(#fn "_" #T "/peer:sleef_finz_u10_formula_avx512f")->Arg(1 << 12); \
    BENCHMARK(fn##_##T##_glibc)->Name(#fn "_" #T "/peer:glibc_scalar_formula_loop")->Arg(1 << 12);             \
    BENCHMARK(fn##_##T##_repro)->Name(#fn "_" #T "/repro_math_" #fn "_array")->Arg(1 << 12);
REPRO_REGISTER_FORMULA_T(gelu, float)
REPRO_REGISTER_FORMULA_T(gelu, double)
REPRO_REGISTER_FORMULA_T(gelu_tanh, float)
REPRO_REGISTER_FORMULA_T(gelu_tanh, double)
REPRO_REGISTER_FORMULA_T(sigmoid, float)
REPRO_REGISTER_FORMULA_T(sigmoid, double)
REPRO_REGISTER_FORMULA_T(silu, float)
REPRO_REGISTER_FORMULA_T(silu, double)
REPRO_REGISTER_FORMULA_T(rsqrt, float)
REPRO_REGISTER_FORMULA_T(rsqrt, double)

#define REPRO_REGISTER_TRIG_T(fn, T)                                                                      \
    BENCHMARK(fn##_##T##_sleef_avx2)->Name(#fn "_" #T "/peer:sleef_finz_pi_u05_avx2")->Arg(1 << 12);      \
    BENCHMARK(fn##_##T##_sleef_avx512)->Name(#fn "_" #T "/peer:sleef_finz_pi_u05_avx512f")->Arg(1 << 12); \
    BENCHMARK(fn##_##T##_glibc)->Name(#fn "_" #T "/peer:glibc_scalar_2pi_loop")->Arg(1 << 12);            \
    BENCHMARK(fn##_##T##_repro)->Name(#fn "_" #T "/repro_math_" #fn "_array")->Arg(1 << 12);
REPRO_REGISTER_TRIG_T(sin2pi, float)
REPRO_REGISTER_TRIG_T(sin2pi, double)
REPRO_REGISTER_TRIG_T(cos2pi, float)
REPRO_REGISTER_TRIG_T(cos2pi, double)

#define REPRO_REGISTER_T(fn, T)                                                                        \
    BENCHMARK(sleef_avx2_##fn##_##T)->Name(#fn "_" #T "/peer:sleef_finz_u10_avx2")->Arg(1 << 12);      \
    BENCHMARK(sleef_avx512_##fn##_##T)->Name(#fn "_" #T "/peer:sleef_finz_u10_avx512f")->Arg(1 << 12); \
    BENCHMARK(mvec_avx2_##fn##_##T)->Name(#fn "_" #T "/peer:libmvec_avx2")->Arg(1 << 12);              \
    BENCHMARK(mvec_avx512_##fn##_##T)->Name(#fn "_" #T "/peer:libmvec_avx512")->Arg(1 << 12);          \
    BENCHMARK(glibc_##fn##_##T)->Name(#fn "_" #T "/peer:glibc_scalar_loop")->Arg(1 << 12);             \
    BENCHMARK(repro_##fn##_##T)->Name(#fn "_" #T "/repro_math_" #fn "_array")->Arg(1 << 12);
#define REPRO_REGISTER(fn)      \
    REPRO_REGISTER_T(fn, float) \
    REPRO_REGISTER_T(fn, double)

REPRO_REGISTER(exp)
REPRO_REGISTER(expm1)
REPRO_REGISTER(log)
REPRO_REGISTER(log1p)
REPRO_REGISTER(log2)
REPRO_REGISTER(tanh)
REPRO_REGISTER(erf)

BENCHMARK_MAIN();
