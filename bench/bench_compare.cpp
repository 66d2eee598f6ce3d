// repro::compare against what a test would otherwise run over an array:
// Eigen's isApprox (one relative norm, no report) and a hand-written
// allclose loop (a count, no report). Names: <task>/<implementation>; the
// implementation marked peer: is the reference of bench/ratios.py.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <repro/compare.hpp>
#include <repro/eigen.hpp>
#include <vector>

namespace {

struct data {
    Eigen::VectorXf actual, expected;
    explicit data(std::int64_t n) : actual(n), expected(n) {
        std::uint32_t s = 1;
        for (std::int64_t i = 0; i < n; ++i) {
            s = s * 1664525u + 1013904223u;
            expected[i] = static_cast<float>(s >> 8) * (1.0f / 16777216.0f);
            actual[i] = (i % 97 == 0) ? repro::next_up(expected[i]) : expected[i];
        }
    }
};

void report_bytes(benchmark::State& state) {
    state.SetBytesProcessed(state.iterations() * state.range(0) * 2 * std::int64_t(sizeof(float)));
}

void peer_eigen_isApprox(benchmark::State& state) {
    const data d(state.range(0));
    for (auto _ : state) benchmark::DoNotOptimize(d.actual.isApprox(d.expected, 1.3e-6f));
    report_bytes(state);
}

void peer_hand_allclose(benchmark::State& state) {
    const data d(state.range(0));
    for (auto _ : state) {
        std::int64_t bad = 0;
        for (std::int64_t i = 0; i < d.actual.size(); ++i)
            bad += !(std::fabs(d.actual[i] - d.expected[i]) <= 1e-5f + 1.3e-6f * std::fabs(d.expected[i]));
        benchmark::DoNotOptimize(bad);
    }
    report_bytes(state);
}

template <int Mode>
void repro_compare(benchmark::State& state) {
    const data d(state.range(0));
    const repro::tolerance tol = Mode == 0   ? repro::tolerance::bitwise()
                                 : Mode == 1 ? repro::tolerance::ulp(1)
                                             : repro::tolerance::close();
    for (auto _ : state) benchmark::DoNotOptimize(repro::compare(d.actual, d.expected, tol).mismatches);
    report_bytes(state);
}

}  // namespace

#define SIZES RangeMultiplier(32)->Range(1 << 10, 1 << 20)
BENCHMARK(peer_eigen_isApprox)->Name("compare/peer:eigen_isApprox")->SIZES;
BENCHMARK(peer_hand_allclose)->Name("compare/hand_allclose_loop")->SIZES;
BENCHMARK(repro_compare<0>)->Name("compare/repro_compare_bitwise")->SIZES;
BENCHMARK(repro_compare<1>)->Name("compare/repro_compare_ulp")->SIZES;
BENCHMARK(repro_compare<2>)->Name("compare/repro_compare_close")->SIZES;
BENCHMARK_MAIN();
