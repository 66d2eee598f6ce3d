// repro's reductions (sum, dot: deterministic, compensated and exact tiers)
// against what a user would otherwise run over an array. Names:
// <task>/<implementation>/<n>; the implementation marked peer: is the
// reference of bench/ratios.py. The peer is a hand-written AVX2 loop with 4
// independent accumulators (FMA for dot), compiled for AVX2 + FMA through a
// target attribute so that it is the same code in the default-flags build and
// in the -march=native build: the speed of light the other rows are measured
// against. Also: a plain sequential loop in the element type, Eigen's
// sum() / dot(), and for float dots the hand loop with the inputs widened
// to double (the cost of widening alone).
//
// Data: uniform in [-1, 1) from a fixed-seed integer LCG (x and, for dot, y
// with another seed), 64-byte aligned, generated once per element type and
// shared by all benchmarks of that type (the first n values of the largest
// array generated so far), outside the timing loop. Counters: bytes/s (the
// bytes of every input read once) and ns_per_elem (real time per element, in
// ns; the console prints it with an "s" suffix, the unit of inverted rates).
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <repro/reduce.hpp>

namespace {

// ---------------------------------------------------------------- data

struct free_deleter {
    void operator()(void* p) const { std::free(p); }
};

template <class T>
std::unique_ptr<T[], free_deleter> aligned_array(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return std::unique_ptr<T[], free_deleter>(static_cast<T*>(p));
}

// Uniform in [-1, 1): 24 random bits for float, 53 for double, exact.
void fill(float* v, std::size_t n, std::uint32_t seed) {
    std::uint32_t s = seed;
    for (std::size_t i = 0; i < n; ++i) {
        s = s * 1664525u + 1013904223u;
        v[i] = static_cast<float>(static_cast<std::int32_t>(s >> 8) - (1 << 23)) * (1.0f / 8388608.0f);
    }
}
void fill(double* v, std::size_t n, std::uint32_t seed) {
    std::uint64_t s = seed;
    for (std::size_t i = 0; i < n; ++i) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        v[i] = static_cast<double>(static_cast<std::int64_t>(s >> 11) - (std::int64_t(1) << 52)) *
               (1.0 / 4503599627370496.0);
    }
}

// x and y with at least n values; a larger request regenerates both (same
// seeds, so the prefix is the same data).
template <class T>
struct dataset {
    std::unique_ptr<T[], free_deleter> x, y;
    std::size_t size = 0;

    static dataset& get(std::size_t n) {
        static dataset d;
        if (d.size < n) {
            d.x.reset();
            d.y.reset();
            d.x = aligned_array<T>(n);
            d.y = aligned_array<T>(n);
            fill(d.x.get(), n, 12345u);
            fill(d.y.get(), n, 67890u);
            d.size = n;
        }
        return d;
    }
};

void report(benchmark::State& state, int inputs, std::size_t elem_bytes) {
    const std::int64_t n = state.range(0);
    state.SetBytesProcessed(state.iterations() * n * inputs * static_cast<std::int64_t>(elem_bytes));
    // (n * 1e-9 * iterations / seconds)^-1 = ns per element.
    state.counters["ns_per_elem"] = benchmark::Counter(
        static_cast<double>(n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---------------------------------------------------------------- peer: hand AVX2, 4 accumulators

__attribute__((target("avx2,fma"))) float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_hadd_ps(s, s);
    s = _mm_hadd_ps(s, s);
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) double hsum(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

__attribute__((target("avx2,fma"))) float hand_sum(const float* x, std::size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    float s = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; ++i) s += x[i];
    return s;
}

__attribute__((target("avx2,fma"))) double hand_sum(const double* x, std::size_t n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_add_pd(a0, _mm256_loadu_pd(x + i));
        a1 = _mm256_add_pd(a1, _mm256_loadu_pd(x + i + 4));
        a2 = _mm256_add_pd(a2, _mm256_loadu_pd(x + i + 8));
        a3 = _mm256_add_pd(a3, _mm256_loadu_pd(x + i + 12));
    }
    double s = hsum(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
    for (; i < n; ++i) s += x[i];
    return s;
}

__attribute__((target("avx2,fma"))) float hand_dot(const float* x, const float* y, std::size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), a3);
    }
    float s = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; ++i) s += x[i] * y[i];
    return s;
}

__attribute__((target("avx2,fma"))) double hand_dot(const double* x, const double* y, std::size_t n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i), a0);
        a1 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4), a1);
        a2 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 8), _mm256_loadu_pd(y + i + 8), a2);
        a3 = _mm256_fmadd_pd(_mm256_loadu_pd(x + i + 12), _mm256_loadu_pd(y + i + 12), a3);
    }
    double s = hsum(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
    for (; i < n; ++i) s += x[i] * y[i];
    return s;
}

// Floats widened to double and multiplied there (exact products, summed in
// double): not a peer, the first step of the exact float dot on its own, so
// that the cost of the widening can be told from that of the rest.
__attribute__((target("avx2,fma"))) double hand_dot_widened(const float* x, const float* y, std::size_t n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), _mm256_cvtps_pd(_mm_loadu_ps(y + i)), a0);
        a1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)), _mm256_cvtps_pd(_mm_loadu_ps(y + i + 4)), a1);
        a2 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)), _mm256_cvtps_pd(_mm_loadu_ps(y + i + 8)), a2);
        a3 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 12)), _mm256_cvtps_pd(_mm_loadu_ps(y + i + 12)), a3);
    }
    double s = hsum(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
    for (; i < n; ++i) s += static_cast<double>(x[i]) * y[i];
    return s;
}

// ---------------------------------------------------------------- the other implementations

template <class T>
T plain_sum(const T* x, std::size_t n) {
    T s = 0;
    for (std::size_t i = 0; i < n; ++i) s += x[i];
    return s;
}

template <class T>
T plain_dot(const T* x, const T* y, std::size_t n) {
    T s = 0;
    for (std::size_t i = 0; i < n; ++i) s += x[i] * y[i];
    return s;
}

template <class T>
using eigen_vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <class T>
T eigen_sum(const T* x, std::size_t n) {
    return Eigen::Map<const eigen_vector<T>>(x, static_cast<Eigen::Index>(n)).sum();
}

template <class T>
T eigen_dot(const T* x, const T* y, std::size_t n) {
    const auto m = static_cast<Eigen::Index>(n);
    return Eigen::Map<const eigen_vector<T>>(x, m).dot(Eigen::Map<const eigen_vector<T>>(y, m));
}

enum class impl { peer, plain, widened, eigen, repro, repro_compensated, repro_exact };

template <class T, impl I>
void bench_sum(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const T* x = dataset<T>::get(n).x.get();
    for (auto _ : state) {
        if constexpr (I == impl::peer) benchmark::DoNotOptimize(hand_sum(x, n));
        if constexpr (I == impl::plain) benchmark::DoNotOptimize(plain_sum(x, n));
        if constexpr (I == impl::eigen) benchmark::DoNotOptimize(eigen_sum(x, n));
        if constexpr (I == impl::repro) benchmark::DoNotOptimize(repro::sum(x, n));
        if constexpr (I == impl::repro_compensated) benchmark::DoNotOptimize(repro::sum_compensated(x, n));
        if constexpr (I == impl::repro_exact) benchmark::DoNotOptimize(repro::exact_sum(x, n));
    }
    report(state, 1, sizeof(T));
}

template <class T, impl I>
void bench_dot(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const dataset<T>& d = dataset<T>::get(n);
    const T* x = d.x.get();
    const T* y = d.y.get();
    for (auto _ : state) {
        if constexpr (I == impl::peer) benchmark::DoNotOptimize(hand_dot(x, y, n));
        if constexpr (I == impl::plain) benchmark::DoNotOptimize(plain_dot(x, y, n));
        if constexpr (I == impl::widened) benchmark::DoNotOptimize(hand_dot_widened(x, y, n));
        if constexpr (I == impl::eigen) benchmark::DoNotOptimize(eigen_dot(x, y, n));
        if constexpr (I == impl::repro) benchmark::DoNotOptimize(repro::dot(x, y, n));
        if constexpr (I == impl::repro_compensated) benchmark::DoNotOptimize(repro::dot_compensated(x, y, n));
        if constexpr (I == impl::repro_exact) benchmark::DoNotOptimize(repro::exact_dot(x, y, n));
    }
    report(state, 2, sizeof(T));
}

}  // namespace

// n = 2^10 (L1), 2^14 (L1/L2), 2^20 (L2/L3 or memory), 2^26 (memory); at
// least 0.2 s per benchmark so that the binary stays at about a minute.
#define SIZES Arg(1 << 10)->Arg(1 << 14)->Arg(1 << 20)->Arg(1 << 26)->MinTime(0.2)->UseRealTime()

#define REDUCE_BENCHMARKS(T)                                                                           \
    BENCHMARK(bench_sum<T, impl::peer>)->Name("sum_" #T "/peer:hand_avx2_4acc")->SIZES;                \
    BENCHMARK(bench_sum<T, impl::plain>)->Name("sum_" #T "/plain_loop")->SIZES;                        \
    BENCHMARK(bench_sum<T, impl::eigen>)->Name("sum_" #T "/eigen_sum")->SIZES;                         \
    BENCHMARK(bench_sum<T, impl::repro>)->Name("sum_" #T "/repro_sum")->SIZES;                         \
    BENCHMARK(bench_sum<T, impl::repro_compensated>)->Name("sum_" #T "/repro_sum_compensated")->SIZES; \
    BENCHMARK(bench_sum<T, impl::repro_exact>)->Name("sum_" #T "/repro_exact_sum")->SIZES;             \
    BENCHMARK(bench_dot<T, impl::peer>)->Name("dot_" #T "/peer:hand_avx2_4acc_fma")->SIZES;            \
    BENCHMARK(bench_dot<T, impl::plain>)->Name("dot_" #T "/plain_loop")->SIZES;                        \
    BENCHMARK(bench_dot<T, impl::eigen>)->Name("dot_" #T "/eigen_dot")->SIZES;                         \
    BENCHMARK(bench_dot<T, impl::repro>)->Name("dot_" #T "/repro_dot")->SIZES;                         \
    BENCHMARK(bench_dot<T, impl::repro_compensated>)->Name("dot_" #T "/repro_dot_compensated")->SIZES; \
    BENCHMARK(bench_dot<T, impl::repro_exact>)->Name("dot_" #T "/repro_exact_dot")->SIZES

REDUCE_BENCHMARKS(float);
BENCHMARK(bench_dot<float, impl::widened>)->Name("dot_float/hand_avx2_widened_to_double")->SIZES;
REDUCE_BENCHMARKS(double);
BENCHMARK_MAIN();
