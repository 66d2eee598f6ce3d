// Compiles every public repro header with nvcc and runs the shared REPRO_HD
// cores on the GPU, checking that they give the host's bits.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdint>
#include <vector>

#define DOCTEST_CONFIG_IMPLEMENT  // doctest's runtime, so repro/doctest.hpp links; main is ours
#include <repro/repro.hpp>
#include <repro/eigen.hpp>
#include <repro/doctest.hpp>

#include "../support/test_data.hpp"

namespace {

constexpr int results_per_input = 9;

// Bits of x with every NaN as one pattern: IEEE-754 leaves NaN payloads of
// arithmetic results unspecified, and GPUs return a canonical NaN.
REPRO_HD std::uint64_t canonical(float x) { return repro::is_nan(x) ? 0x7fc00000u : repro::to_bits(x); }

// The same code computes the host reference and the device result.
REPRO_HD void cores(float a, float b, float c, std::uint64_t* out) {
    const auto s = repro::two_sum(a, b);
    const auto p = repro::two_prod(a, b);
    out[0] = repro::ulp_distance(a, b);
    out[1] = canonical(repro::next_up(a));
    out[2] = canonical(repro::next_down(a));
    out[3] = canonical(s.value);
    out[4] = canonical(s.error);
    out[5] = canonical(p.value);
    out[6] = canonical(p.error);
    out[7] = canonical(repro::fma(a, b, c));
    out[8] = repro::bitwise_equal(a, b) + 2u * repro::is_nan(a) + 4u * repro::is_inf(b);
}

__global__ void run_cores(const float* a, const float* b, const float* c, std::uint64_t* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) cores(a[i], b[i], c[i], out + results_per_input * i);
}

#define CUDA_OK(call)                                                                  \
    do {                                                                               \
        cudaError_t err_ = (call);                                                     \
        if (err_ != cudaSuccess) {                                                     \
            std::fprintf(stderr, "%s failed: %s\n", #call, cudaGetErrorString(err_)); \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

}  // namespace

int main() {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("SKIPPED: no CUDA device; the headers compiled for every architecture, nothing ran\n");
        return 77;
    }
    const int n = 1 << 16;
    repro_test::splitmix64 g(42);
    std::vector<float> a(n), b(n), c(n);
    for (int i = 0; i < n; ++i) {
        a[i] = repro_test::random_bits<float>(g);
        b[i] = repro_test::random_bits<float>(g);
        c[i] = repro_test::random_bits<float>(g);
    }
    std::vector<std::uint64_t> host(std::size_t(n) * results_per_input), device(host.size());
    for (int i = 0; i < n; ++i) cores(a[i], b[i], c[i], host.data() + results_per_input * i);

    float *da, *db, *dc;
    std::uint64_t* dout;
    CUDA_OK(cudaMalloc(&da, n * sizeof(float)));
    CUDA_OK(cudaMalloc(&db, n * sizeof(float)));
    CUDA_OK(cudaMalloc(&dc, n * sizeof(float)));
    CUDA_OK(cudaMalloc(&dout, device.size() * sizeof(std::uint64_t)));
    CUDA_OK(cudaMemcpy(da, a.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(db, b.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(dc, c.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    run_cores<<<(n + 255) / 256, 256>>>(da, db, dc, dout, n);
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaMemcpy(device.data(), dout, device.size() * sizeof(std::uint64_t), cudaMemcpyDeviceToHost));
    cudaFree(da);
    cudaFree(db);
    cudaFree(dc);
    cudaFree(dout);

    std::size_t differ = 0;
    for (std::size_t i = 0; i < host.size(); ++i) differ += host[i] != device[i];
    std::printf("device vs host: %zu of %zu results differ\n", differ, host.size());
    return differ == 0 ? 0 : 1;
}
