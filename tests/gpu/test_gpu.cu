// Every repro::cuda function on a real device against the CPU function, bit
// for bit (ctest label gpu). Without a CUDA device it prints why and exits 77
// (skipped). This translation unit is also the one the SASS check compiles
// with --fmad=true and --fmad=false (tests/cuda/check_sass.py).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <repro/cuda.cuh>
#include <repro/repro.hpp>

#include "../support/test_data.hpp"
#include "device_buffer.hpp"

using repro_test::device_buffer;
using repro_test::random_data;
using repro_test::same;

namespace {

const std::size_t sizes[] = {0, 1, 2, 3, 31, 32, 33, 1000, 16383, 16384, 16385, 65537, 1000003, (1u << 24) + 1};

template <class T>
void check_all(std::size_t n, std::uint64_t seed) {
    namespace rc = repro::cuda;
    CAPTURE(n);
    const auto x = random_data<T>(n, seed, -12, 12), y = random_data<T>(n, seed + 1, -12, 12);
    const device_buffer<T> dx(x), dy(y);
    CHECK(same(rc::sum(dx.p, n), repro::sum(x.data(), n)));
    CHECK(same(rc::dot(dx.p, dy.p, n), repro::dot(x.data(), y.data(), n)));
    CHECK(same(rc::dot(dx.p, dx.p, n), repro::dot(x.data(), x.data(), n)));
    CHECK(same(rc::mean(dx.p, n), repro::mean(x.data(), n)));
    CHECK(same(rc::nrm2(dx.p, n), repro::nrm2(x.data(), n)));
    CHECK(same(rc::variance(dx.p, n), repro::variance(x.data(), n)));
    CHECK(same(rc::variance(dx.p, n, 1), repro::variance(x.data(), n, 1)));
    CHECK(same(rc::sum_compensated(dx.p, n), repro::sum_compensated(x.data(), n)));
    CHECK(same(rc::dot_compensated(dx.p, dy.p, n), repro::dot_compensated(x.data(), y.data(), n)));
    CHECK(same(rc::exact_sum(dx.p, n), repro::exact_sum(x.data(), n)));
    CHECK(same(rc::exact_dot(dx.p, dy.p, n), repro::exact_dot(x.data(), y.data(), n)));
    if (n > 0) {
        CHECK(rc::argmax(dx.p, n) == repro::argmax(x.data(), n));
        CHECK(rc::argmin(dx.p, n) == repro::argmin(x.data(), n));
    }
    using A = repro::accumulator_t<T>;
    repro::exact_accumulator<A> cpu, cpu_products;
    cpu.add(x.data(), n);
    cpu_products.add_products(x.data(), y.data(), n);
    CHECK(rc::exact_accumulate(dx.p, n).serialize() == cpu.serialize());
    CHECK(rc::exact_accumulate_products(dx.p, dy.p, n).serialize() == cpu_products.serialize());
}

// A user's kernel: keys derived per layer, streams keyed by sample, and
// repro::math, all called in device code (docs/reference/cuda.md).
__host__ __device__ void user_values(std::uint64_t sample, std::uint32_t i, std::uint64_t* out) {
    const repro::random_key key = repro::random_key::from_seed(2026).fold_in(sample % 3);
    const repro::random_stream s(key, sample, 1);
    const float z = s.normal<float>(i);
    out[0] = repro::to_bits(repro::math::silu(z));
    out[1] = repro::to_bits(s.uniform<double>(i));
    out[2] = s.bits(i + 1);
    out[3] = repro::to_bits(repro::math::erf(static_cast<double>(z)));
}

__global__ void user_kernel(std::uint64_t* out, std::uint32_t n) {
    const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) user_values(i / 7, i, out + 4 * i);
}

}  // namespace

TEST_CASE("repro's keys, streams and math in a user's kernel give the host's values") {
    const std::uint32_t n = 100000;
    device_buffer<std::uint64_t> out(4 * std::size_t(n));
    user_kernel<<<(n + 255) / 256, 256>>>(out.p, n);
    REQUIRE(cudaGetLastError() == cudaSuccess);
    const auto device = out.host();
    std::size_t differ = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::uint64_t host[4];
        user_values(i / 7, i, host);
        for (int k = 0; k < 4; ++k) differ += host[k] != device[4 * std::size_t(i) + k];
    }
    CHECK(differ == 0);
}

TEST_CASE_TEMPLATE("every CUDA reduction gives the CPU's bits at every size", T, float, double, __half, __nv_bfloat16) {
    for (std::size_t n : sizes) check_all<T>(n, 17 + n);
}

TEST_CASE("sums of 2^26 floats: deterministic and exact tiers equal the CPU") {
    const std::size_t n = std::size_t(1) << 26;
    const auto x = random_data<float>(n, 99, -20, 20);
    const device_buffer<float> dx(x);
    CHECK(same(repro::cuda::sum(dx.p, n), repro::sum(x.data(), n)));
    CHECK(same(repro::cuda::exact_sum(dx.p, n), repro::exact_sum(x.data(), n)));
}

TEST_CASE_TEMPLATE("row forms equal the CPU function of each row", T, float, double) {
    namespace rc = repro::cuda;
    using A = repro::accumulator_t<T>;
    for (std::size_t cols : {std::size_t(1), std::size_t(100), std::size_t(4096), std::size_t(40000)}) {
        const std::size_t rows = 37;
        CAPTURE(cols);
        const auto x = random_data<T>(rows * cols, cols, -8, 8), y = random_data<T>(rows * cols, cols + 1, -8, 8);
        const device_buffer<T> dx(x), dy(y);
        device_buffer<A> out(rows);
        device_buffer<std::size_t> idx(rows);
        auto each_row = [&](auto cpu) {
            const auto h = out.host();
            std::size_t differ = 0;
            for (std::size_t r = 0; r < rows; ++r) differ += !same(h[r], cpu(x.data() + r * cols, y.data() + r * cols));
            return differ;
        };
        rc::sum_rows(dx.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T*) { return repro::sum(a, cols); }) == 0);
        rc::mean_rows(dx.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T*) { return repro::mean(a, cols); }) == 0);
        rc::dot_rows(dx.p, dy.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T* b) { return repro::dot(a, b, cols); }) == 0);
        rc::nrm2_rows(dx.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T*) { return repro::nrm2(a, cols); }) == 0);
        rc::variance_rows(dx.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T*) { return repro::variance(a, cols); }) == 0);
        rc::sum_compensated_rows(dx.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T*) { return repro::sum_compensated(a, cols); }) == 0);
        rc::exact_sum_rows(dx.p, rows, cols, out.p);
        CHECK(each_row([&](const T* a, const T*) { return repro::exact_sum(a, cols); }) == 0);
        rc::argmax_rows(dx.p, rows, cols, idx.p);
        auto hi = idx.host();
        for (std::size_t r = 0; r < rows; ++r) CHECK(hi[r] == repro::argmax(x.data() + r * cols, cols));
        rc::argmin_rows(dx.p, rows, cols, idx.p);
        hi = idx.host();
        for (std::size_t r = 0; r < rows; ++r) CHECK(hi[r] == repro::argmin(x.data() + r * cols, cols));
    }
}

TEST_CASE("NaN, infinities and edge values reduce as on the CPU") {
    const auto edges = repro_test::edge_values<float>();
    repro_test::splitmix64 g(5);
    for (int trial = 0; trial < 50; ++trial) {
        const std::size_t n = 1 + static_cast<std::size_t>(g.below(50000));
        auto x = random_data<float>(n, 300 + static_cast<std::uint64_t>(trial), -30, 30);
        for (int c = 0; c < 3; ++c) x[g.below(n)] = edges[g.below(edges.size())];
        check_all<float>(n, 0);  // random data
        const device_buffer<float> dx(x);
        CHECK(same(repro::cuda::sum(dx.p, n), repro::sum(x.data(), n)));
        CHECK(same(repro::cuda::nrm2(dx.p, n), repro::nrm2(x.data(), n)));
        CHECK(same(repro::cuda::exact_sum(dx.p, n), repro::exact_sum(x.data(), n)));
        CHECK(same(repro::cuda::variance(dx.p, n), repro::variance(x.data(), n)));
        CHECK(repro::cuda::argmax(dx.p, n) == repro::argmax(x.data(), n));
    }
}

TEST_CASE("concurrent calls on several streams and host threads give the same bits") {
    const std::size_t rows = 64, cols = 50000;
    const auto x = random_data<float>(rows * cols, 7, -10, 10);
    const device_buffer<float> dx(x);
    std::vector<float> expected(rows);
    for (std::size_t r = 0; r < rows; ++r) expected[r] = repro::sum(x.data() + r * cols, cols);
    std::vector<std::thread> workers;
    std::vector<int> bad(8, 0);
    for (int t = 0; t < 8; ++t) {
        workers.emplace_back([&, t] {
            cudaStream_t s;
            cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
            device_buffer<float> out(rows);
            for (int rep = 0; rep < 5; ++rep) {
                repro::cuda::sum_rows(dx.p, rows, cols, out.p, s);
                const float total = repro::cuda::sum(dx.p, rows * cols, s);
                cudaStreamSynchronize(s);
                const auto h = out.host();
                for (std::size_t r = 0; r < rows; ++r) bad[t] += !same(h[r], expected[r]);
                bad[t] += !same(total, repro::sum(x.data(), rows * cols));
            }
            cudaStreamDestroy(s);
        });
    }
    for (auto& w : workers) w.join();
    for (int t = 0; t < 8; ++t) CHECK(bad[t] == 0);
}

TEST_CASE("a caller's workspace replaces the allocation, and a small one is refused") {
    const std::size_t n = 100000;
    const auto x = random_data<double>(n, 3, -5, 5);
    const device_buffer<double> dx(x);
    const std::size_t bytes = repro::cuda::reduce_workspace_size<double>(1, n);
    device_buffer<char> ws(bytes);
    CHECK(same(repro::cuda::exact_sum(dx.p, n, 0, {ws.p, bytes}), repro::exact_sum(x.data(), n)));
    CHECK(same(repro::cuda::variance(dx.p, n, 0, 0, {ws.p, bytes}), repro::variance(x.data(), n)));
    CHECK_THROWS_AS(repro::cuda::exact_sum(dx.p, n, 0, {ws.p, 16}), std::invalid_argument);
}

TEST_CASE_TEMPLATE("random fills, dropout and noise equal the CPU's", T, float, double) {
    const repro::random_key key = repro::random_key::from_seed(11).fold_in(2);
    const repro::random_stream s(key, 987654321, 4);
    for (std::size_t n : {std::size_t(1), std::size_t(5), std::size_t(4099), std::size_t(1) << 22}) {
        for (std::uint64_t first : {0ull, 3ull, (1ull << 33) + 1}) {
            std::vector<T> cpu(n);
            device_buffer<T> out(n);
            s.fill_uniform(cpu.data(), n, first);
            repro::cuda::fill_uniform(s, out.p, n, first);
            CHECK(out.host() == cpu);
            s.fill_normal(cpu.data(), n, first);
            repro::cuda::fill_normal(s, out.p, n, first);
            const auto h = out.host();
            std::size_t differ = 0;
            for (std::size_t i = 0; i < n; ++i) differ += !same(h[i], cpu[i]);
            CHECK(differ == 0);
        }
    }
    const std::size_t rows = 33, cols = 1027;
    const auto x = random_data<T>(rows * cols, 1, -4, 4);
    std::vector<std::uint64_t> ids(rows);
    for (std::size_t r = 0; r < rows; ++r) ids[r] = 7919 * r + 3;
    const device_buffer<T> dx(x);
    const device_buffer<std::uint64_t> dids(ids);
    device_buffer<T> dy(rows * cols);
    std::vector<T> cpu(rows * cols);
    for (double p : {0.0, 0.3, 1.0}) {
        repro::dropout(x.data(), cpu.data(), rows, cols, p, key, ids.data(), 5);
        repro::cuda::dropout(dx.p, dy.p, rows, cols, p, key, dids.p, 5);
        CHECK(dy.host() == cpu);
    }
    repro::add_gaussian_noise(x.data(), cpu.data(), rows, cols, T(0.5), key, ids.data(), 6);
    repro::cuda::add_gaussian_noise(dx.p, dy.p, rows, cols, T(0.5), key, dids.p, 6);
    CHECK(dy.host() == cpu);
    std::vector<std::uint32_t> bits(1000);
    device_buffer<std::uint32_t> dbits(1000);
    s.fill_bits(bits.data(), 1000, 5);
    repro::cuda::fill_bits(s, dbits.p, 1000, 5);
    CHECK(dbits.host() == bits);
}

// Argument errors are raised before any CUDA call, so this suite runs
// without a GPU too (test_gpu --arguments: ctest's cuda_argument_checks).
TEST_SUITE("arguments") {
    TEST_CASE("bad arguments throw what the CPU functions throw, naming the function and the argument") {
        namespace rc = repro::cuda;
        const float* null = nullptr;
        const auto message = [](auto f) { return repro_test::invalid_argument_message(f); };
        CHECK(message([&] { rc::sum(null, 5); }) == "repro::cuda::sum: x is a null pointer");
        CHECK(message([&] { rc::dot(null, null, 1); }) == "repro::cuda::dot: x is a null pointer");
        CHECK(message([&] { rc::exact_sum(null, 3); }) == "repro::cuda::exact_sum: x is a null pointer");
        CHECK(message([&] { rc::exact_accumulate(null, 3); }) == "repro::cuda::exact_accumulate: x is a null pointer");
        CHECK(message([&] { rc::argmax(null, 0); }) == "repro::cuda::argmax: empty input has no extreme");
        CHECK(message([&] { rc::argmin(null, 0); }) == "repro::cuda::argmin: empty input has no extreme");
        CHECK(message([&] { rc::nrm2(null, 7); }) == "repro::cuda::nrm2: x is a null pointer");
        CHECK(message([&] { rc::variance(null, 7); }) == "repro::cuda::variance: x is a null pointer");
        CHECK(message([&] { rc::sum_rows(null, 2, 3, static_cast<float*>(nullptr)); }) ==
              "repro::cuda::sum_rows: x is a null pointer");
        CHECK_THROWS_AS(rc::sum_rows(null, std::size_t(1) << 40, std::size_t(1) << 40, static_cast<float*>(nullptr)),
                        std::length_error);
        CHECK(message([&] { rc::argmax_rows(null, 0, 0, static_cast<std::size_t*>(nullptr)); }) ==
              "no std::invalid_argument");
        const repro::random_key key = repro::random_key::from_seed(1);
        float* out = nullptr;
        CHECK(message([&] { rc::fill_uniform(repro::random_stream(key, 0), out, 4); }) ==
              "repro::cuda::fill_uniform: out is a null pointer");
        CHECK(message([&] { rc::dropout(null, out, 1, 1, 1.5, key, nullptr); }).find("not a probability") !=
              std::string::npos);
        CHECK(message([&] { rc::add_gaussian_noise(null, out, 1, 1, -1.0f, key, nullptr); }).find("stddev") !=
              std::string::npos);
        CHECK(message([&] { rc::dropout(null, out, 2, 2, 0.5, key, nullptr); }) ==
              "repro::cuda::dropout: x is a null pointer");
    }
}

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--arguments") {
            doctest::Context context;
            context.addFilter("test-suite", "arguments");
            return context.run();
        }
    }
    int devices = 0;
    const cudaError_t e = cudaGetDeviceCount(&devices);
    if (e != cudaSuccess || devices == 0) {
        std::printf("SKIPPED: no CUDA device (%s); the GPU tests compiled, nothing ran\n",
                    e != cudaSuccess ? cudaGetErrorString(e) : "device count 0");
        return 77;
    }
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    std::printf("device: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
    doctest::Context context(argc, argv);
    return context.run();
}
