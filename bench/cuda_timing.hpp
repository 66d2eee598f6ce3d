#pragma once
// What the CUDA benchmarks share: the benchmark loop timed by CUDA events
// (manual time) and a main that skips (exit 77) without a device.

#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <repro/cuda/error.cuh>

namespace repro_bench {

// Runs the benchmark loop; each iteration's time is f()'s on the default
// stream as CUDA events measure it (launch overhead on the host excluded).
// Returns the seconds measured over all iterations.
template <class F>
double time_with_events(benchmark::State& state, F f) {
    using repro::cuda::detail::check;
    cudaEvent_t start, stop;
    check(cudaEventCreate(&start), "cudaEventCreate");
    check(cudaEventCreate(&stop), "cudaEventCreate");
    double seconds = 0;
    for (auto _ : state) {
        cudaEventRecord(start);
        f();
        cudaEventRecord(stop);
        cudaEventSynchronize(stop);
        float ms = 0;
        cudaEventElapsedTime(&ms, start, stop);
        state.SetIterationTime(ms * 1e-3);
        seconds += ms * 1e-3;
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return seconds;
}

// The benchmarks' main: without a CUDA device, says so and exits 77.
inline int run_benchmarks(int argc, char** argv, const char* program) {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("SKIPPED: no CUDA device; %s measures nothing here\n", program);
        return 77;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace repro_bench
