// repro::cuda::matmul_bt (C = A Bt^T, the layout of a linear layer's
// weights) against cuBLAS at K = N = 4096 and M from 1 to 4096, in one binary
// (Google Benchmark, times from CUDA events):
//   repro_portable_f32      portable mode, float (the CPU's bits)
//   repro_portable_bf16     portable mode, bfloat16 inputs, float output
//   repro_tensor_core_tf32  tensor_core mode, float inputs (TF32 MMAs)
//   repro_tensor_core_bf16  tensor_core mode, bfloat16 inputs
//   cublas_sgemm            cublasSgemm, CUBLAS_DEFAULT_MATH (no TF32)
//   cublas_tf32             cublasGemmEx, CUBLAS_COMPUTE_32F_FAST_TF32
//   cublas_bf16             cublasGemmEx, bfloat16 inputs, float accumulation
// Counters: TFLOP/s (2 M N K per call) and, at M = 1 and 8, where the product
// is bound by reading the weights, weight GB/s (N K elements per call).
// bench/cuda_ratios.py prints the ratios per M. Without a CUDA device the
// program says so and exits 77.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <repro/cuda.cuh>
#include <repro/cuda/linalg.cuh>

#include "cuda_timing.hpp"

namespace {

using repro::cuda::matmul_mode;
using repro::cuda::detail::check;

constexpr std::size_t K = 4096, N = 4096, max_m = 4096;

// Values in [-1, 1) from a hash of the index, as float or bfloat16.
template <class T>
__global__ void fill(T* x, std::size_t n, std::uint32_t seed) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        std::uint32_t h = static_cast<std::uint32_t>(i) * 2654435761u ^ seed;
        h ^= h >> 15;
        h *= 2246822519u;
        h ^= h >> 13;
        x[i] = static_cast<T>(static_cast<float>(h >> 8) * (1.0f / 8388608.0f) - 1.0f);
    }
}

template <class T>
T* filled(std::size_t n, std::uint32_t seed) {
    T* p = nullptr;
    check(cudaMalloc(&p, n * sizeof(T)), "cudaMalloc");
    fill<T><<<1024, 256>>>(p, n, seed);
    check(cudaGetLastError(), "fill");
    return p;
}

// The operands, made once: A (max_m x K), Bt (N x K) in float and bfloat16,
// C (max_m x N), and a cuBLAS handle.
struct operands {
    float *a = nullptr, *bt = nullptr, *c = nullptr;
    __nv_bfloat16 *a16 = nullptr, *bt16 = nullptr;
    cublasHandle_t cublas = nullptr;
    operands() {
        a = filled<float>(max_m * K, 1);
        bt = filled<float>(N * K, 2);
        a16 = filled<__nv_bfloat16>(max_m * K, 1);
        bt16 = filled<__nv_bfloat16>(N * K, 2);
        check(cudaMalloc(&c, max_m * N * sizeof(float)), "cudaMalloc");
        check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        if (cublasCreate(&cublas) != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cublasCreate failed");
        if (cublasSetMathMode(cublas, CUBLAS_DEFAULT_MATH) != CUBLAS_STATUS_SUCCESS)
            throw std::runtime_error("cublasSetMathMode failed");
    }
    operands(const operands&) = delete;
    operands& operator=(const operands&) = delete;
    ~operands() {
        cublasDestroy(cublas);
        cudaFree(a), cudaFree(bt), cudaFree(c), cudaFree(a16), cudaFree(bt16);
    }
};

operands& data() {
    static operands d;
    return d;
}

void cublas_check(cublasStatus_t s, const char* call) {
    if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(call) + " failed");
}

// Times f(M) with CUDA events; sets the counters from the measured time. A
// warm-up call that throws skips the benchmark with its message.
template <class F>
void timed(benchmark::State& state, std::size_t weight_bytes, F f) {
    const std::size_t M = static_cast<std::size_t>(state.range(0));
    try {
        f(M);  // warm-up (and the one-time setup of each kernel)
        check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    } catch (const std::exception& e) {  // e.g. tensor_core mode on a GPU older than sm_80
        state.SkipWithError(e.what());
    }
    const double seconds = repro_bench::time_with_events(state, [&] { f(M); });
    check(cudaGetLastError(), "a benchmarked call");
    const double calls = static_cast<double>(state.iterations());
    if (seconds > 0) {
        state.counters["TFLOP/s"] = 2.0 * double(M) * double(N) * double(K) * calls / seconds * 1e-12;
        if (M <= 8) state.counters["weight GB/s"] = double(weight_bytes) * calls / seconds * 1e-9;
    }
}

void repro_portable_f32(benchmark::State& state) {
    operands& d = data();
    timed(state, N * K * sizeof(float), [&](std::size_t M) {
        repro::cuda::matmul_bt(d.a, static_cast<const float*>(d.bt), d.c, M, K, N, matmul_mode::portable);
    });
}

void repro_portable_bf16(benchmark::State& state) {
    operands& d = data();
    timed(state, N * K * sizeof(__nv_bfloat16), [&](std::size_t M) {
        repro::cuda::matmul_bt(d.a16, static_cast<const __nv_bfloat16*>(d.bt16), d.c, M, K, N, matmul_mode::portable);
    });
}

void repro_tensor_core_tf32(benchmark::State& state) {
    operands& d = data();
    timed(state, N * K * sizeof(float), [&](std::size_t M) {
        repro::cuda::matmul_bt(d.a, static_cast<const float*>(d.bt), d.c, M, K, N, matmul_mode::tensor_core);
    });
}

void repro_tensor_core_bf16(benchmark::State& state) {
    operands& d = data();
    timed(state, N * K * sizeof(__nv_bfloat16), [&](std::size_t M) {
        repro::cuda::matmul_bt(d.a16, static_cast<const __nv_bfloat16*>(d.bt16), d.c, M, K, N,
                               matmul_mode::tensor_core);
    });
}

// cuBLAS is column-major: C^T (N x M) = Bt (as K x N, transposed) times A^T (K x M).
void cublas_sgemm(benchmark::State& state) {
    operands& d = data();
    const float one = 1.0f, zero = 0.0f;
    timed(state, N * K * sizeof(float), [&](std::size_t M) {
        cublas_check(cublasSgemm(d.cublas, CUBLAS_OP_T, CUBLAS_OP_N, int(N), int(M), int(K), &one, d.bt, int(K), d.a,
                                 int(K), &zero, d.c, int(N)),
                     "cublasSgemm");
    });
}

template <cudaDataType_t Type, cublasComputeType_t Compute>
void gemm_ex(const operands& d, const void* a, const void* bt, std::size_t M) {
    const float one = 1.0f, zero = 0.0f;
    cublas_check(cublasGemmEx(d.cublas, CUBLAS_OP_T, CUBLAS_OP_N, int(N), int(M), int(K), &one, bt, Type, int(K), a,
                              Type, int(K), &zero, d.c, CUDA_R_32F, int(N), Compute, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx");
}

void cublas_tf32(benchmark::State& state) {
    operands& d = data();
    timed(state, N * K * sizeof(float),
          [&](std::size_t M) { gemm_ex<CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32>(d, d.a, d.bt, M); });
}

void cublas_bf16(benchmark::State& state) {
    operands& d = data();
    timed(state, N * K * sizeof(__nv_bfloat16),
          [&](std::size_t M) { gemm_ex<CUDA_R_16BF, CUBLAS_COMPUTE_32F>(d, d.a16, d.bt16, M); });
}

void batch_sizes(benchmark::internal::Benchmark* b) {
    for (int m : {1, 8, 64, 256, 1024, 4096}) b->Arg(m);
    b->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(repro_portable_f32)->Apply(batch_sizes);
BENCHMARK(repro_portable_bf16)->Apply(batch_sizes);
BENCHMARK(repro_tensor_core_tf32)->Apply(batch_sizes);
BENCHMARK(repro_tensor_core_bf16)->Apply(batch_sizes);
BENCHMARK(cublas_sgemm)->Apply(batch_sizes);
BENCHMARK(cublas_tf32)->Apply(batch_sizes);
BENCHMARK(cublas_bf16)->Apply(batch_sizes);

int main(int argc, char** argv) { return repro_bench::run_benchmarks(argc, argv, "bench_cuda_linalg"); }
