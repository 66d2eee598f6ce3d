// repro::check_batch_invariance on forward passes that run on the device,
// through repro::cuda::host_forward: a repro::cuda model is bitwise invariant
// and gives the CPU's bits, a cuBLAS model drifts and gets its diagnosis.
// Linked into test_gpu (its main is test_gpu.cu); the suite "arguments" runs
// without a GPU (test_gpu --arguments).
#include <doctest/doctest.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/cuda.cuh>
#include <repro/cuda/invariance.cuh>
#include <repro/cuda/linalg.cuh>
#include <repro/cuda/nn.cuh>
#include <repro/repro.hpp>

#include "../support/test_data.hpp"
#include "device_buffer.hpp"

using repro_test::device_buffer;

namespace {

namespace rc = repro::cuda;

// Values in [-1, 1), from bits.
std::vector<float> values(std::size_t n, std::uint64_t seed) {
    repro_test::splitmix64 g(seed);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(static_cast<std::int64_t>(g.next() >> 40) - (1 << 23)) / float(1 << 23);
    return v;
}

struct stream_guard {
    cudaStream_t s = nullptr;
    stream_guard() { rc::detail::check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate"); }
    stream_guard(const stream_guard&) = delete;
    stream_guard& operator=(const stream_guard&) = delete;
    ~stream_guard() { cudaStreamDestroy(s); }
};

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "no exception";
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("check_batch_invariance on a repro::cuda linear + softmax model: bitwise invariant, the CPU's bits") {
    const stream_guard stream;
    for (const std::size_t in : {1, 31, 257, 1024}) {
        for (const std::size_t out : {2, 10, 33}) {
            const std::size_t n = 67;
            CAPTURE(in);
            CAPTURE(out);
            const std::vector<float> X = values(n * in, 1 + in), W = values(out * in, 2 + out), b = values(out, 3);
            const device_buffer<float> dW(W), db(b), dh(n * out);
            std::size_t calls = 0;
            auto f = rc::host_forward(
                [&](const float* d_x, std::size_t batch, float* d_y) {
                    ++calls;
                    rc::linear(d_x, dW.p, db.p, dh.p, batch, in, out, repro::activation::none,
                               rc::matmul_mode::portable, stream.s);
                    rc::softmax(dh.p, d_y, batch, out, stream.s);
                },
                in, out, stream.s);
            const repro::invariance_report r = repro::check_batch_invariance(f, X.data(), n, in, out);
            INFO(r.table());
            CHECK(r.invariant());
            CHECK(r.bitwise_fraction == 1.0);
            CHECK(r.runs_compared > n);
            CHECK(calls > n);  // every run went through the device forward pass

            // The full batch on the device against repro::linear + repro::softmax on the CPU.
            std::vector<float> logits(n * out), cpu(n * out), gpu(n * out);
            repro::linear(X.data(), W.data(), b.data(), logits.data(), n, in, out);
            repro::softmax(logits.data(), cpu.data(), n, out);
            f(X.data(), n, gpu.data());
            CHECK(same_bits(gpu, cpu));
        }
    }
}

TEST_CASE("host_forward passes the sample ids to a device forward that takes them (repro::cuda::dropout)") {
    const std::size_t n = 45, cols = 129;
    const std::vector<float> X = values(n * cols, 7);
    const repro::random_key key = repro::random_key::from_seed(11);
    auto f = rc::host_forward([&](const float* d_x, const std::uint64_t* d_ids, std::size_t batch,
                                  float* d_y) { rc::dropout(d_x, d_y, batch, cols, 0.25, key, d_ids); },
                              cols, cols);
    const repro::invariance_report r = repro::check_batch_invariance(f, X.data(), n, cols, cols);
    INFO(r.table());
    CHECK(r.invariant());

    // Ids in another order than the rows': each row gets its own id's mask.
    std::vector<std::uint64_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = (i * 17 + 5) % n + 1000;
    std::vector<float> cpu(n * cols), gpu(n * cols);
    repro::dropout(X.data(), cpu.data(), n, cols, 0.25, key, ids.data());
    f(X.data(), ids.data(), n, gpu.data());
    CHECK(same_bits(gpu, cpu));
}

TEST_CASE("the harness still catches a device forward pass that leaves outputs unwritten") {
    // host_forward copies the host output (pre-filled by the harness) to the
    // device first: a stale device buffer cannot hide an unwritten column.
    const std::size_t n = 9, in = 16, out = 4;
    const std::vector<float> X = values(n * in, 5), W = values(out * in, 6);
    const device_buffer<float> dW(W), dh(n * out);
    auto f = rc::host_forward(
        [&](const float* d_x, std::size_t batch, float* d_y) {
            rc::linear(d_x, dW.p, nullptr, dh.p, batch, in, out);
            // every column but the last
            rc::detail::check(cudaMemcpy2D(d_y, out * sizeof(float), dh.p, out * sizeof(float),
                                           (out - 1) * sizeof(float), batch, cudaMemcpyDeviceToDevice),
                              "cudaMemcpy2D");
        },
        in, out);
    std::vector<float> y(n * out, 0.0f);
    f(X.data(), n, y.data());  // the device buffer now holds zeros in the last column
    const std::string e = message_of([&] { repro::check_batch_invariance(f, X.data(), n, in, out); });
    CHECK(e.find("left output row 0, column 3") != std::string::npos);
}

TEST_CASE("check_batch_invariance on a cuBLAS (cublasSgemm) model reports reduction-order drift") {
    // logits = x W^T with K = 4096: cuBLAS picks its kernel (and split of K)
    // from the shape, so a row's sums change with the batch size.
    const std::size_t n = 64, in = 4096, out = 1024;
    const std::vector<float> X = values(n * in, 21), W = values(out * in, 22);
    const device_buffer<float> dW(W);
    const stream_guard stream;
    cublasHandle_t handle = nullptr;
    REQUIRE(cublasCreate(&handle) == CUBLAS_STATUS_SUCCESS);
    REQUIRE(cublasSetStream(handle, stream.s) == CUBLAS_STATUS_SUCCESS);
    auto f = rc::host_forward(
        [&](const float* d_x, std::size_t batch, float* d_y) {
            // Row-major y (batch x out) is column-major y^T = W x^T: W's
            // storage read as column-major is W^T (in x out), hence op T.
            const float one = 1.0f, zero = 0.0f;
            if (cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(out), int(batch), int(in), &one, dW.p, int(in), d_x,
                            int(in), &zero, d_y, int(out)) != CUBLAS_STATUS_SUCCESS)
                throw std::runtime_error("cublasSgemm failed");
        },
        in, out, stream.s);
    repro::invariance_report r;
    try {
        r = repro::check_batch_invariance(f, X.data(), n, in, out);
    } catch (...) {
        cublasDestroy(handle);
        throw;
    }
    // The model is the product it should be, in float: close to the CPU's
    // (sums of 4096 products in [-1, 1), so an absolute tolerance).
    std::vector<float> cpu(n * out), gpu(n * out);
    repro::linear(X.data(), W.data(), nullptr, cpu.data(), n, in, out);
    f(X.data(), n, gpu.data());
    cublasDestroy(handle);
    const repro::compare_report close =
        repro::compare(gpu.data(), cpu.data(), n * out, repro::tolerance::close(1e-4, 1e-3));
    CHECK(close.passed());

    INFO(r.table());
    CHECK_FALSE(r.invariant());
    CHECK(r.cause == repro::invariance_cause::reduction_order);
    CHECK(r.bitwise_fraction < 1.0);
    CHECK(r.max_ulp > 0);
    std::size_t drifting_batches = 0;
    for (const repro::experiment_drift& e : r.experiments) {
        if (e.kind == repro::experiment_kind::batch || e.kind == repro::experiment_kind::full_batch)
            drifting_batches += e.bitwise_equal < e.samples_compared;
        if (e.kind == repro::experiment_kind::repeat) {
            CHECK(e.full_batch_equal == n);  // the same call twice: cuBLAS is run-to-run deterministic
        }
    }
    CHECK(drifting_batches > 0);
}

// Argument errors are raised before any CUDA call: these run without a GPU.
TEST_SUITE("arguments") {
    TEST_CASE("host_forward refuses empty sizes and an empty device forward, naming the argument") {
        auto noop = [](const float*, std::size_t, float*) {};
        CHECK(message_of([&] { rc::host_forward(noop, 0, 3); }) == "repro::cuda::host_forward: in_size = 0");
        CHECK(message_of([&] { rc::host_forward(noop, 3, 0); }) == "repro::cuda::host_forward: out_size = 0");
        const std::function<void(const float*, std::size_t, float*)> empty;
        CHECK(message_of([&] { rc::host_forward(empty, 3, 3); }) == "repro::cuda::host_forward: f_device is empty");
        void (*null_function)(const float*, std::size_t, float*) = nullptr;
        CHECK(message_of([&] { rc::host_forward(null_function, 3, 3); }) ==
              "repro::cuda::host_forward: f_device is empty");
    }

    TEST_CASE("a host_forward call checks its pointers and sizes before any CUDA call") {
        std::size_t calls = 0;
        auto f = rc::host_forward([&](const float*, std::size_t, float*) { ++calls; }, 5, 2);
        CHECK(f.in_size() == 5);
        CHECK(f.out_size() == 2);
        float x[10] = {}, y[4] = {};
        CHECK(message_of([&] { f(static_cast<const float*>(nullptr), 2, y); }) ==
              "repro::cuda::host_forward: in is a null pointer");
        CHECK(message_of([&] { f(x, 2, static_cast<float*>(nullptr)); }) ==
              "repro::cuda::host_forward: out is a null pointer");
        CHECK_THROWS_AS(f(x, std::numeric_limits<std::size_t>::max() / 2, y), std::length_error);
        f(static_cast<const float*>(nullptr), 0, static_cast<float*>(nullptr));  // batch 0: nothing to run
        CHECK(calls == 0);
        CHECK(f.device_bytes() == 0);  // nothing allocated yet

        auto with_ids =
            rc::host_forward([&](const float*, const std::uint64_t*, std::size_t, float*) { ++calls; }, 5, 2);
        CHECK(message_of([&] { with_ids(x, static_cast<const std::uint64_t*>(nullptr), 2, y); }) ==
              "repro::cuda::host_forward: sample_ids is a null pointer");
        // A device forward without ids does not need them.
        CHECK(message_of([&] { f(x, static_cast<const std::uint64_t*>(nullptr), 0, y); }) == "no exception");
        CHECK(calls == 0);
    }

    TEST_CASE("check_batch_invariance's own argument errors come before host_forward runs") {
        std::size_t calls = 0;
        auto f = rc::host_forward([&](const float*, std::size_t, float*) { ++calls; }, 3, 3);
        const float x[6] = {};
        CHECK(message_of([&] { repro::check_batch_invariance(f, x, 0, 3, 3); }) ==
              "repro::check_batch_invariance: n = 0: no samples to run");
        CHECK(calls == 0);
    }
}
