// repro::cuda::nccl::allreduce_exact on 1 and 2 GPUs (label gpu; skipped,
// exit 77, without a GPU): one rank per GPU, each driven by a host thread;
// every rank's output must be the host's exact sum over the ranks, element by
// element (repro::exact_accumulator, the oracle of repro::mpi's tests), for
// float and double, with data that fits the window, data that does not, and
// inf / NaN on one rank only.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime.h>
#include <nccl.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <thread>
#include <vector>

#include <repro/cuda/nccl.cuh>

#include "../support/test_data.hpp"

namespace {

int gpus() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
    return n;
}

// Rank r's array: values over 2^-spread .. 2^spread, specials at fixed places.
template <class T>
std::vector<T> rank_data(std::size_t n, int rank, int spread) {
    repro_test::splitmix64 g(1234 + static_cast<std::uint64_t>(rank));
    using tr = repro::float_traits<T>;
    const int bias = (1 << (tr::exponent_bits - 1)) - 1;
    std::vector<T> x(n);
    for (auto& v : x) v = repro_test::random_finite<T>(g, bias - spread, bias + spread);
    if (n > 300) {
        if (rank == 0) x[100] = std::numeric_limits<T>::quiet_NaN();
        if (rank == 0) x[200] = std::numeric_limits<T>::infinity();
        x[300] = rank == 0 ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
    }
    return x;
}

template <class T>
void run(int ranks, std::size_t n, int spread) {
    std::vector<ncclComm_t> comms(static_cast<std::size_t>(ranks));
    std::vector<int> devices(static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r) devices[static_cast<std::size_t>(r)] = r;
    REQUIRE(ncclCommInitAll(comms.data(), ranks, devices.data()) == ncclSuccess);
    std::vector<std::vector<T>> in(static_cast<std::size_t>(ranks)), out(static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r) in[static_cast<std::size_t>(r)] = rank_data<T>(n, r, spread);
    std::vector<std::thread> threads;
    std::vector<int> failed(static_cast<std::size_t>(ranks), 0);
    for (int r = 0; r < ranks; ++r)
        threads.emplace_back([&, r] {
            const auto i = static_cast<std::size_t>(r);
            try {
                cudaSetDevice(r);
                T* d = nullptr;
                cudaMalloc(&d, n * sizeof(T) + 1);
                cudaMemcpy(d, in[i].data(), n * sizeof(T), cudaMemcpyHostToDevice);
                repro::cuda::nccl::allreduce_exact(d, d, n, comms[i]);  // in place
                out[i].resize(n);
                cudaMemcpy(out[i].data(), d, n * sizeof(T), cudaMemcpyDeviceToHost);
                cudaFree(d);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "rank %d: %s\n", r, e.what());
                failed[i] = 1;
            }
        });
    for (auto& t : threads) t.join();
    for (auto c : comms) ncclCommDestroy(c);
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < n; ++j) {
        repro::exact_accumulator<T> a;
        for (int r = 0; r < ranks; ++r) a.add(in[static_cast<std::size_t>(r)][j]);
        const T want = a.result();
        for (int r = 0; r < ranks; ++r)
            wrong += failed[static_cast<std::size_t>(r)] ||
                     repro::to_bits(out[static_cast<std::size_t>(r)][j]) != repro::to_bits(want);
    }
    CHECK_MESSAGE(wrong == 0, ranks, " GPUs, n ", n, " spread ", spread);
}

}  // namespace

TEST_CASE_TEMPLATE("nccl::allreduce_exact gives the host's exact sums on 1 and 2 GPUs", T, float, double) {
    for (int ranks = 1; ranks <= (gpus() >= 2 ? 2 : 1); ++ranks)
        for (std::size_t n : {1u, 63u, 1000u, 100003u})
            for (int spread : {8, 100}) run<T>(ranks, n, spread);
    if (gpus() < 2) MESSAGE("one GPU: the 2-GPU case was not run");
}

int main(int argc, char** argv) {
    if (gpus() == 0) {
        std::printf("test_gpu_nccl: skipped, no CUDA device\n");
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
