// repro::cuda reductions against CUB's DeviceReduce::Sum and the bandwidth of
// a device-to-device copy, in one binary (Google Benchmark, times from CUDA
// events). The installed CCCL has no deterministic (gpu_to_gpu) reduce to
// compare the exact tier with; CUB's Sum is the peer for both tiers. Without
// a CUDA device the program says so and exits 77.
#include <benchmark/benchmark.h>
#include <cub/device/device_reduce.cuh>
#include <cuda_runtime.h>

#include <cstdio>
#include <vector>

#include <repro/cuda.cuh>

#include "cuda_timing.hpp"

namespace {

using repro::cuda::detail::check;

struct buffers {
    float* x = nullptr;
    float* y = nullptr;
    float* out = nullptr;
    void* ws = nullptr;
    std::size_t ws_bytes = 0;
    std::size_t n = 0;
    explicit buffers(std::size_t count) : n(count) {
        check(cudaMalloc(&x, n * sizeof(float)), "cudaMalloc");
        check(cudaMalloc(&y, n * sizeof(float)), "cudaMalloc");
        check(cudaMalloc(&out, sizeof(float) * 2), "cudaMalloc");
        std::vector<float> h(n);
        for (std::size_t i = 0; i < n; ++i) h[i] = static_cast<float>((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
        check(cudaMemcpy(x, h.data(), n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
        check(cudaMemcpy(y, h.data(), n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
        std::size_t cub_bytes = 0;
        cub::DeviceReduce::Sum(nullptr, cub_bytes, x, out, static_cast<int>(n));
        ws_bytes = std::max(cub_bytes, repro::cuda::reduce_workspace_size<float>(1, n));
        check(cudaMalloc(&ws, ws_bytes), "cudaMalloc");
    }
    ~buffers() {
        cudaFree(x);
        cudaFree(y);
        cudaFree(out);
        cudaFree(ws);
    }
};

// Times f() with CUDA events, reports bytes read per second.
template <class F>
void timed(benchmark::State& state, std::size_t bytes, F f) {
    f();  // warm-up
    repro_bench::time_with_events(state, f);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}

void sum_repro(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)));
    const repro::cuda::workspace ws{b.ws, b.ws_bytes};
    timed(state, b.n * sizeof(float), [&] { repro::cuda::sum_rows(b.x, 1, b.n, b.out, 0, ws); });
}

void sum_cub(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)));
    timed(state, b.n * sizeof(float),
          [&] { cub::DeviceReduce::Sum(b.ws, b.ws_bytes, b.x, b.out, static_cast<int>(b.n)); });
}

void exact_sum_repro(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)));
    const repro::cuda::workspace ws{b.ws, b.ws_bytes};
    timed(state, b.n * sizeof(float), [&] { repro::cuda::exact_sum_rows(b.x, 1, b.n, b.out, 0, ws); });
}

void dot_repro(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)));
    const repro::cuda::workspace ws{b.ws, b.ws_bytes};
    timed(state, 2 * b.n * sizeof(float), [&] { repro::cuda::dot_rows(b.x, b.y, 1, b.n, b.out, 0, ws); });
}

void copy_device_to_device(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)));
    timed(state, b.n * sizeof(float),
          [&] { cudaMemcpyAsync(b.y, b.x, b.n * sizeof(float), cudaMemcpyDeviceToDevice); });
}

void sizes(benchmark::internal::Benchmark* b) {
    for (int log2n : {20, 24, 26, 28}) b->Arg(std::int64_t(1) << log2n);
    b->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(sum_repro)->Apply(sizes);
BENCHMARK(sum_cub)->Apply(sizes);
BENCHMARK(exact_sum_repro)->Apply(sizes);
BENCHMARK(dot_repro)->Apply(sizes);
BENCHMARK(copy_device_to_device)->Apply(sizes);

int main(int argc, char** argv) { return repro_bench::run_benchmarks(argc, argv, "bench_cuda"); }
