// repro::cuda::attention (float, 8 heads) against the attention a CUDA user
// usually writes with cuBLAS: S = Q K^T by cublasSgemmStridedBatched (one
// GEMM per head), a row softmax kernel with the causal mask, O = P V by a
// second batched GEMM (no reproducibility promise: cuBLAS picks its kernels
// by shape). Prefill of one sequence (causal, lengths 128..2048, head dims 64
// and 128) and one decode step against a cache (contexts 128..8192, head
// dim 128). Times from CUDA events; without a CUDA device the program says
// so and exits 77.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <repro/cuda/attention.cuh>

#include "cuda_timing.hpp"

namespace {

using repro::cuda::detail::check;
constexpr std::size_t heads = 8;

void check_blas(cublasStatus_t s) {
    if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cuBLAS call failed");
}

template <class T>
struct buffer {
    T* p = nullptr;
    explicit buffer(std::size_t n, float value = 0.01f) {
        check(cudaMalloc(&p, (n ? n : 1) * sizeof(T)), "cudaMalloc");
        std::vector<T> h(n ? n : 1);
        for (std::size_t i = 0; i < h.size(); ++i) h[i] = T(value * float(1 + i % 97) / 97.0f);
        check(cudaMemcpy(p, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
    }
    ~buffer() { cudaFree(p); }
};

// Row r of `rows` rows of `cols` scores (rows of queries at positions
// first + r % queries): softmax over the first first + r % queries + 1
// columns, zero beyond (the causal mask).
__global__ void peer_softmax(float* s, std::size_t rows, std::size_t cols, std::size_t queries, std::size_t first,
                             float scale) {
    __shared__ float shared[256];
    for (std::size_t r = blockIdx.x; r < rows; r += gridDim.x) {
        float* row = s + r * cols;
        const std::size_t n = first + r % queries + 1;
        float m = -INFINITY;
        for (std::size_t j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, row[j] * scale);
        shared[threadIdx.x] = m;
        __syncthreads();
        for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
            if (threadIdx.x < w) shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + w]);
            __syncthreads();
        }
        m = shared[0];
        __syncthreads();
        float sum = 0;
        for (std::size_t j = threadIdx.x; j < cols; j += blockDim.x) {
            const float e = j < n ? __expf(row[j] * scale - m) : 0.0f;
            row[j] = e;
            sum += e;
        }
        shared[threadIdx.x] = sum;
        __syncthreads();
        for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
            if (threadIdx.x < w) shared[threadIdx.x] += shared[threadIdx.x + w];
            __syncthreads();
        }
        const float inv = 1.0f / shared[0];
        __syncthreads();
        for (std::size_t j = threadIdx.x; j < n; j += blockDim.x) row[j] *= inv;
    }
}

// The peer for `queries` queries at positions first.. against `keys` keys;
// Q (heads x queries x d), K, V (heads x keys x d), S scratch, O out.
void peer_attention(cublasHandle_t blas, const float* Q, const float* K, const float* V, float* S, float* O,
                    std::size_t queries, std::size_t keys, std::size_t first, std::size_t d) {
    const float one = 1.0f, zero = 0.0f;
    const int q = int(queries), k = int(keys), dd = int(d);
    // column-major view: S^T (keys x queries) = K (keys x d, as d x keys col-major)^T ... per head
    check_blas(cublasSgemmStridedBatched(blas, CUBLAS_OP_T, CUBLAS_OP_N, k, q, dd, &one, K, dd, long(keys * d), Q, dd,
                                         long(queries * d), &zero, S, k, long(queries * keys), int(heads)));
    peer_softmax<<<unsigned(std::min<std::size_t>(heads * queries, 65535)), 256>>>(
        S, heads * queries, keys, queries, first, float(1.0 / std::sqrt(double(d))));
    check_blas(cublasSgemmStridedBatched(blas, CUBLAS_OP_N, CUBLAS_OP_N, dd, q, k, &one, V, dd, long(keys * d), S, k,
                                         long(queries * keys), &zero, O, dd, long(queries * d), int(heads)));
}

repro::attention_config config(std::size_t d) {
    repro::attention_config c;
    c.num_heads = c.num_kv_heads = heads;
    c.head_dim = d;
    return c;
}

void prefill_repro(benchmark::State& state) {
    const std::size_t n = std::size_t(state.range(0)), d = std::size_t(state.range(1));
    buffer<float> q(n * heads * d), k(n * heads * d), v(n * heads * d), out(n * heads * d);
    repro::cuda::kv_cache<float> cache(heads, d, n);
    cache.append(k.p, v.p, n);
    repro_bench::time_with_events(state, [&] { repro::cuda::attention(q.p, cache, n, out.p, config(d)); });
}

void prefill_peer(benchmark::State& state) {
    const std::size_t n = std::size_t(state.range(0)), d = std::size_t(state.range(1));
    buffer<float> q(n * heads * d), k(n * heads * d), v(n * heads * d), s(heads * n * n), out(n * heads * d);
    cublasHandle_t blas;
    check_blas(cublasCreate(&blas));
    repro_bench::time_with_events(state, [&] { peer_attention(blas, q.p, k.p, v.p, s.p, out.p, n, n, 0, d); });
    cublasDestroy(blas);
}

void decode_repro(benchmark::State& state) {
    const std::size_t n = std::size_t(state.range(0)), d = 128;
    buffer<float> q(heads * d), k(n * heads * d), v(n * heads * d), out(heads * d);
    repro::cuda::kv_cache<float> cache(heads, d, n);
    cache.append(k.p, v.p, n);
    repro_bench::time_with_events(state, [&] { repro::cuda::attention(q.p, cache, 1, out.p, config(d)); });
}

void decode_peer(benchmark::State& state) {
    const std::size_t n = std::size_t(state.range(0)), d = 128;
    buffer<float> q(heads * d), k(n * heads * d), v(n * heads * d), s(heads * n), out(heads * d);
    cublasHandle_t blas;
    check_blas(cublasCreate(&blas));
    repro_bench::time_with_events(state, [&] { peer_attention(blas, q.p, k.p, v.p, s.p, out.p, 1, n, n - 1, d); });
    cublasDestroy(blas);
}

void prefill_sizes(benchmark::internal::Benchmark* b) {
    for (const int d : {64, 128})
        for (const int n : {128, 256, 512, 1024, 2048}) b->Args({n, d});
    b->ArgNames({"len", "dim"})->UseManualTime()->Unit(benchmark::kMicrosecond);
}

void decode_sizes(benchmark::internal::Benchmark* b) {
    for (const int n : {128, 512, 2048, 8192}) b->Arg(n);
    b->ArgName("context")->UseManualTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(prefill_repro)->Apply(prefill_sizes);
BENCHMARK(prefill_peer)->Apply(prefill_sizes);
BENCHMARK(decode_repro)->Apply(decode_sizes);
BENCHMARK(decode_peer)->Apply(decode_sizes);

int main(int argc, char** argv) { return repro_bench::run_benchmarks(argc, argv, "bench_cuda_attention"); }
