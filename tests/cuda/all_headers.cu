// Compiles every public repro header with nvcc and runs the shared
// host/device cores on the GPU, checking that they give the host's bits.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdint>
#include <vector>

#define DOCTEST_CONFIG_IMPLEMENT  // doctest's runtime, so repro/doctest.hpp links; main is ours
#include <repro/cuda.cuh>
#include <repro/repro.hpp>
#include <repro/eigen.hpp>
#include <repro/doctest.hpp>

#include "../support/test_data.hpp"

// repro keeps its own host/device marker to itself (detail/prologue.hpp).
#define HD __host__ __device__ inline

namespace {

constexpr int results_per_input = 9;

// Bits of x with every NaN as one pattern: IEEE-754 leaves NaN payloads of
// arithmetic results unspecified, and GPUs return a canonical NaN.
HD std::uint64_t canonical(float x) { return repro::is_nan(x) ? 0x7fc00000u : repro::to_bits(x); }

// The same code computes the host reference and the device result.
HD void cores(float a, float b, float c, std::uint64_t* out) {
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

// Reduction cores over the first m values: the deterministic lane order
// (sum, dot, compensated) and the exact state rounded to float.
constexpr int reduction_results = 5;

HD void reduction_cores(const float* a, const float* b, int m, std::uint64_t* out) {
    using namespace repro::detail;
    using lanes = lane_kernels<simd::scalar_tag>;  // the scalar form of the lane reductions
    out[0] = repro::to_bits(lanes::sum_chunk<float>(a, m));
    out[1] = repro::to_bits(lanes::dot_chunk<float>(a, b, m));
    out[2] = repro::to_bits(compensated_sum<float>::finish(lanes::sum2_chunk<float>(a, m)));
    superaccumulator<-416, 28> acc;
    for (int i = 0; i < m; ++i)
        if (repro::is_finite(a[i]) && repro::is_finite(b[i])) acc.add(a[i]), acc.add_product(a[i], b[i]);
    const auto mag = magnitude_of(acc);
    out[3] = repro::to_bits(round_digits<float>(mag.digit, -416, mag.negative, false));
    out[4] = static_cast<std::uint64_t>(m);
}

__global__ void run_reductions(const float* a, const float* b, std::uint64_t* out, int count) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t < count) reduction_cores(a, b, 1 + 37 * t, out + reduction_results * t);
}

// Math and random cores (finite inputs): repro::math in float and double,
// Philox words and a Box-Muller pair.
constexpr int math_results = 16;

HD void math_cores(float x, std::uint32_t i, std::uint64_t* out) {
    namespace m = repro::math;
    const double d = x;
    out[0] = canonical(m::exp(x));
    out[1] = canonical(m::log(x));
    out[2] = canonical(m::tanh(x));
    out[3] = canonical(m::erf(x));
    out[4] = canonical(m::gelu(x));
    out[5] = canonical(m::silu(x));
    out[6] = canonical(m::sin2pi(x));
    out[7] = canonical(m::rsqrt(x));
    out[8] = repro::to_bits(m::exp(d));
    out[9] = repro::to_bits(m::log1p(d));
    out[10] = repro::to_bits(m::gelu_tanh(d));
    out[11] = repro::to_bits(m::cos2pi(d));
    std::uint32_t w[4] = {repro::to_bits(x), i, 0, 7};
    repro::detail::philox4x32_10_core(w, 0x12345678u, 0x9abcdef0u);
    out[12] = (std::uint64_t(w[0]) << 32) | w[1];
    out[13] = (std::uint64_t(w[2]) << 32) | w[3];
    float z0, z1;
    repro::detail::box_muller(repro::detail::u01_open_float(w[0]), repro::detail::u01_float(w[1]), z0, z1);
    out[14] = canonical(z0);
    out[15] = canonical(z1);
}

__global__ void run_math(const float* x, std::uint64_t* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) math_cores(x[i], static_cast<std::uint32_t>(i), out + math_results * i);
}

#define CUDA_OK(call)                                                                 \
    do {                                                                              \
        cudaError_t err_ = (call);                                                    \
        if (err_ != cudaSuccess) {                                                    \
            std::fprintf(stderr, "%s failed: %s\n", #call, cudaGetErrorString(err_)); \
            return 1;                                                                 \
        }                                                                             \
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
    std::printf("fp cores, device vs host: %zu of %zu results differ\n", differ, host.size());

    // Reductions of finite values (NaN payloads are not part of the promise).
    const int count = 64;
    std::vector<float> ra(n), rb(n);
    for (int i = 0; i < n; ++i) {
        ra[i] = repro_test::random_finite<float>(g, 100, 150);
        rb[i] = repro_test::random_finite<float>(g, 100, 150);
    }
    std::vector<std::uint64_t> rhost(std::size_t(count) * reduction_results), rdevice(rhost.size());
    for (int t = 0; t < count; ++t)
        reduction_cores(ra.data(), rb.data(), 1 + 37 * t, rhost.data() + reduction_results * t);
    CUDA_OK(cudaMalloc(&da, n * sizeof(float)));
    CUDA_OK(cudaMalloc(&db, n * sizeof(float)));
    CUDA_OK(cudaMalloc(&dout, rdevice.size() * sizeof(std::uint64_t)));
    CUDA_OK(cudaMemcpy(da, ra.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(db, rb.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    run_reductions<<<1, count>>>(da, db, dout, count);
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaMemcpy(rdevice.data(), dout, rdevice.size() * sizeof(std::uint64_t), cudaMemcpyDeviceToHost));
    cudaFree(da);
    cudaFree(db);
    cudaFree(dout);
    std::size_t rdiffer = 0;
    for (std::size_t i = 0; i < rhost.size(); ++i) rdiffer += rhost[i] != rdevice[i];
    std::printf("reduction cores, device vs host: %zu of %zu results differ\n", rdiffer, rhost.size());

    std::vector<float> mx(n);
    for (int i = 0; i < n; ++i) mx[i] = repro_test::random_finite<float>(g, 100, 140);
    std::vector<std::uint64_t> mhost(std::size_t(n) * math_results), mdevice(mhost.size());
    for (int i = 0; i < n; ++i) math_cores(mx[i], static_cast<std::uint32_t>(i), mhost.data() + math_results * i);
    CUDA_OK(cudaMalloc(&da, n * sizeof(float)));
    CUDA_OK(cudaMalloc(&dout, mdevice.size() * sizeof(std::uint64_t)));
    CUDA_OK(cudaMemcpy(da, mx.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    run_math<<<(n + 255) / 256, 256>>>(da, dout, n);
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaMemcpy(mdevice.data(), dout, mdevice.size() * sizeof(std::uint64_t), cudaMemcpyDeviceToHost));
    cudaFree(da);
    cudaFree(dout);
    std::size_t mdiffer = 0;
    for (std::size_t i = 0; i < mhost.size(); ++i) mdiffer += mhost[i] != mdevice[i];
    std::printf("math and random cores, device vs host: %zu of %zu results differ\n", mdiffer, mhost.size());
    return differ == 0 && rdiffer == 0 && mdiffer == 0 ? 0 : 1;
}
