// repro::cuda's rms_norm, layer_norm and softmax (float) against a
// straightforward CUDA kernel for each (one block per row, shared-memory
// tree, __expf / rsqrtf: what a hand-written layer usually is, with no
// reproducibility promise) and against a device-to-device copy of the same
// bytes. Google Benchmark, times from CUDA events; bytes/s counts x read
// once and y written once for every variant, the copy included. Without a
// CUDA device the program says so and exits 77.
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include <repro/cuda/nn.cuh>

#include "cuda_timing.hpp"

namespace {

using repro::cuda::detail::check;

enum class layer { rms_norm, layer_norm, softmax };

constexpr int peer_threads = 256;

// The block's sum (Max = false) or max of v, by a shared-memory tree.
template <bool Max>
__device__ float block_reduce(float v, float* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = peer_threads / 2; s > 0; s /= 2) {
        if (static_cast<int>(threadIdx.x) < s)
            shared[threadIdx.x] = Max ? fmaxf(shared[threadIdx.x], shared[threadIdx.x + s])
                                      : shared[threadIdx.x] + shared[threadIdx.x + s];
        __syncthreads();
    }
    const float r = shared[0];
    __syncthreads();
    return r;
}

template <layer L>
__global__ void __launch_bounds__(peer_threads)
    peer_rows(const float* x, float* y, const float* gamma, const float* beta, int cols, float eps) {
    __shared__ float shared[peer_threads];
    const float* xr = x + static_cast<std::size_t>(blockIdx.x) * cols;
    float* yr = y + static_cast<std::size_t>(blockIdx.x) * cols;
    if (L == layer::softmax) {
        float m = -INFINITY;
        for (int c = threadIdx.x; c < cols; c += peer_threads) m = fmaxf(m, xr[c]);
        m = block_reduce<true>(m, shared);
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += peer_threads) s += __expf(xr[c] - m);
        s = block_reduce<false>(s, shared);
        const float inv = 1.0f / s;
        for (int c = threadIdx.x; c < cols; c += peer_threads) yr[c] = __expf(xr[c] - m) * inv;
    } else if (L == layer::rms_norm) {
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += peer_threads) s += xr[c] * xr[c];
        s = block_reduce<false>(s, shared);
        const float inv = rsqrtf(s / cols + eps);
        for (int c = threadIdx.x; c < cols; c += peer_threads) yr[c] = xr[c] * inv * gamma[c];
    } else {
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += peer_threads) s += xr[c];
        const float m = block_reduce<false>(s, shared) / cols;
        float v = 0.0f;
        for (int c = threadIdx.x; c < cols; c += peer_threads) v += (xr[c] - m) * (xr[c] - m);
        const float inv = rsqrtf(block_reduce<false>(v, shared) / cols + eps);
        for (int c = threadIdx.x; c < cols; c += peer_threads) yr[c] = (xr[c] - m) * inv * gamma[c] + beta[c];
    }
}

struct buffers {
    float* x = nullptr;
    float* y = nullptr;
    float* gamma = nullptr;
    float* beta = nullptr;
    void* ws = nullptr;
    std::size_t ws_bytes = 0;
    std::size_t rows, cols, n;
    buffers(std::size_t r, std::size_t c) : rows(r), cols(c), n(r * c) {
        check(cudaMalloc(&x, n * sizeof(float)), "cudaMalloc");
        check(cudaMalloc(&y, n * sizeof(float)), "cudaMalloc");
        check(cudaMalloc(&gamma, cols * sizeof(float)), "cudaMalloc");
        check(cudaMalloc(&beta, cols * sizeof(float)), "cudaMalloc");
        std::vector<float> h(n);
        for (std::size_t i = 0; i < n; ++i) h[i] = static_cast<float>((i * 2654435761u) % 1000) * 4e-3f - 2.0f;
        check(cudaMemcpy(x, h.data(), n * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
        check(cudaMemcpy(gamma, h.data(), cols * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
        check(cudaMemcpy(beta, h.data() + 1, cols * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
        ws_bytes = repro::cuda::layer_workspace_size<float>(rows, cols);
        check(cudaMalloc(&ws, ws_bytes), "cudaMalloc");
    }
    ~buffers() {
        cudaFree(x);
        cudaFree(y);
        cudaFree(gamma);
        cudaFree(beta);
        cudaFree(ws);
    }
};

// Times f() with CUDA events; bytes/s for x read and y written once.
template <class F>
void timed(benchmark::State& state, const buffers& b, F f) {
    f();  // warm-up
    check(cudaDeviceSynchronize(), "warm-up");
    repro_bench::time_with_events(state, f);
    check(cudaGetLastError(), "benchmark");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * b.n * sizeof(float)));
}

template <layer L>
void repro_layer(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    const repro::cuda::workspace ws{b.ws, b.ws_bytes};
    timed(state, b, [&] {
        if (L == layer::softmax)
            repro::cuda::softmax(b.x, b.y, b.rows, b.cols, 0, ws);
        else if (L == layer::rms_norm)
            repro::cuda::rms_norm(b.x, b.gamma, b.y, b.rows, b.cols, 1e-6f, 0, ws);
        else
            repro::cuda::layer_norm(b.x, b.gamma, b.beta, b.y, b.rows, b.cols, 1e-5f, 0, ws);
    });
}

template <layer L>
void peer_layer(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    timed(state, b, [&] {
        peer_rows<L><<<static_cast<unsigned>(b.rows), peer_threads>>>(b.x, b.y, b.gamma, b.beta,
                                                                      static_cast<int>(b.cols), 1e-5f);
    });
}

void copy_device_to_device(benchmark::State& state) {
    buffers b(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
    timed(state, b, [&] { cudaMemcpyAsync(b.y, b.x, b.n * sizeof(float), cudaMemcpyDeviceToDevice); });
}

void shapes(benchmark::internal::Benchmark* b) {
    b->Args({4096, 4096})->Args({16384, 1024})->Args({1024, 65536});
    b->ArgNames({"rows", "cols"})->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(repro_layer<layer::rms_norm>)->Name("rms_norm_repro")->Apply(shapes);
BENCHMARK(peer_layer<layer::rms_norm>)->Name("rms_norm_peer")->Apply(shapes);
BENCHMARK(repro_layer<layer::layer_norm>)->Name("layer_norm_repro")->Apply(shapes);
BENCHMARK(peer_layer<layer::layer_norm>)->Name("layer_norm_peer")->Apply(shapes);
BENCHMARK(repro_layer<layer::softmax>)->Name("softmax_repro")->Apply(shapes);
BENCHMARK(peer_layer<layer::softmax>)->Name("softmax_peer")->Apply(shapes);
BENCHMARK(copy_device_to_device)->Apply(shapes);

int main(int argc, char** argv) { return repro_bench::run_benchmarks(argc, argv, "bench_cuda_nn"); }
