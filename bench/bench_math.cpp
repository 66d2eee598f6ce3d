// repro::math array forms against glibc's scalar functions (expf, logf,
// tanhf, erff and their double versions) over the same arrays. Names:
// <task>/<implementation>/<n>; the peer: implementation is the reference of
// bench/ratios.py.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <repro/math.hpp>
#include <vector>

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

// glibc through a plain loop, as user code calls it.
template <class T, T (*libm)(T)>
void libm_loop(const T* x, T* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = libm(x[i]);
}

float c_expf(float x) { return std::exp(x); }
float c_logf(float x) { return std::log(x); }
float c_tanhf(float x) { return std::tanh(x); }
float c_erff(float x) { return std::erf(x); }
double c_exp(double x) { return std::exp(x); }
double c_log(double x) { return std::log(x); }
double c_tanh(double x) { return std::tanh(x); }
double c_erf(double x) { return std::erf(x); }

#define REPRO_BENCH_FN(fn, T, lo, hi, log_scale)                                                            \
    void peer_##fn##_##T(benchmark::State& s) { run<T>(s, lo, hi, log_scale, libm_loop<T, c_##fn##_##T>); } \
    void repro_##fn##_##T(benchmark::State& s) {                                                            \
        run<T>(s, lo, hi, log_scale, [](const T* x, T* y, std::size_t n) { repro::math::fn(x, y, n); });    \
    }

// c_<fn>_<T> names for the macro
#define c_exp_float c_expf
#define c_log_float c_logf
#define c_tanh_float c_tanhf
#define c_erf_float c_erff
#define c_exp_double c_exp
#define c_log_double c_log
#define c_tanh_double c_tanh
#define c_erf_double c_erf

REPRO_BENCH_FN(exp, float, -20.0, 20.0, false)
REPRO_BENCH_FN(log, float, -20.0, 20.0, true)
REPRO_BENCH_FN(tanh, float, -6.0, 6.0, false)
REPRO_BENCH_FN(erf, float, -4.0, 4.0, false)
REPRO_BENCH_FN(exp, double, -20.0, 20.0, false)
REPRO_BENCH_FN(log, double, -20.0, 20.0, true)
REPRO_BENCH_FN(tanh, double, -6.0, 6.0, false)
REPRO_BENCH_FN(erf, double, -4.0, 4.0, false)

}  // namespace

#define REPRO_REGISTER(fn, T)                                                              \
    BENCHMARK(peer_##fn##_##T)->Name(#fn "_" #T "/peer:glibc_" #fn "_loop")->Arg(1 << 12); \
    BENCHMARK(repro_##fn##_##T)->Name(#fn "_" #T "/repro_math_" #fn "_array")->Arg(1 << 12);

REPRO_REGISTER(exp, float)
REPRO_REGISTER(log, float)
REPRO_REGISTER(tanh, float)
REPRO_REGISTER(erf, float)
REPRO_REGISTER(exp, double)
REPRO_REGISTER(log, double)
REPRO_REGISTER(tanh, double)
REPRO_REGISTER(erf, double)

BENCHMARK_MAIN();
