// The CUDA program the packaging tests build against an installed or
// Conan-packaged repro (target repro::cuda): it must compile with nvcc and only
// repro's include path and the CUDA runtime, and repro::cuda::sum on device
// data must give repro::sum's bits on the host. Exits 77 (skipped) when there
// is no usable CUDA device (no GPU, or no driver).
#include <cuda_runtime.h>

#include <cstdio>
#include <exception>
#include <vector>

#include <repro/cuda.cuh>

int main() {
    int devices = 0;
    const cudaError_t probe = cudaGetDeviceCount(&devices);
    if (probe != cudaSuccess || devices == 0) {
        std::printf("repro cuda consumer: skipped, no CUDA device (%s)\n",
                    probe != cudaSuccess ? cudaGetErrorName(probe) : "0 devices");
        return 77;
    }
    std::vector<float> x(1000);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = (i % 7 == 0 ? -1.0f : 1.0f) / static_cast<float>(i + 1) + 1e-3f * static_cast<float>(i % 13);
    const auto check = [](cudaError_t code, const char* call) {
        if (code != cudaSuccess) throw repro::cuda::error(call, code);
    };
    try {
        float* d_x = nullptr;
        check(cudaMalloc(&d_x, x.size() * sizeof(float)), "cudaMalloc");
        check(cudaMemcpy(d_x, x.data(), x.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy");
        const float device = repro::cuda::sum(d_x, x.size());
        check(cudaFree(d_x), "cudaFree");
        const float host = repro::sum(x.data(), x.size());
        const bool ok = repro::bitwise_equal(device, host);
        std::printf("repro %d.%d.%d cuda consumer: device sum %a, host sum %a: %s\n", REPRO_VERSION_MAJOR,
                    REPRO_VERSION_MINOR, REPRO_VERSION_PATCH, device, host, ok ? "ok" : "WRONG");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::printf("repro cuda consumer: %s\n", e.what());
        return 1;
    }
}
