// repro::cuda::matmul, matmul_bt, linear and conv2d on a real device against
// the CPU functions, bit for bit (linked into test_gpu, whose main skips
// without a device; the "arguments" suite runs without one).
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <repro/cuda.cuh>
#include <repro/repro.hpp>

#include "../support/test_data.hpp"
#include "../support/conv_shapes.hpp"
#include "device_buffer.hpp"

using repro_test::count_differences;
using repro_test::device_buffer;
using repro_test::same;

namespace {

namespace rc = repro::cuda;
using repro::activation;

// Random values with random signs, exponents in [lo, hi], and some signed zeros.
template <class T>
std::vector<T> matrix(std::size_t n, std::uint64_t seed, int lo = -4, int hi = 4) {
    repro_test::splitmix64 g(seed);
    using tr = repro::float_traits<T>;
    const int bias = (1 << (tr::exponent_bits - 1)) - 1;
    std::vector<T> v(n);
    for (auto& x : v) {
        x = repro_test::random_finite<T>(g, bias + lo, bias + hi);
        const std::uint64_t r = g.next() % 32;
        if (r < 2) x = repro::from_bits<T>(static_cast<repro::bits_t<T>>(r == 0 ? 0 : tr::sign_mask));
    }
    return v;
}

const activation all_activations[] = {activation::none, activation::relu, activation::sigmoid,  activation::tanh,
                                      activation::silu, activation::gelu, activation::gelu_tanh};

// matmul, matmul_bt and linear (all activations, bias or not) of one case.
template <class T, class TA = T, class TB = T>
void check_case(std::size_t M, std::size_t K, std::size_t N, std::uint64_t seed, bool all_acts,
                cudaStream_t stream = 0) {
    CAPTURE(M);
    CAPTURE(K);
    CAPTURE(N);
    const auto A = matrix<TA>(M * K, seed);
    const auto B = matrix<TB>(K * N, seed + 1);
    const auto bias = matrix<T>(N, seed + 2);
    std::vector<TB> Bt(N * K);
    for (std::size_t k = 0; k < K; ++k)
        for (std::size_t j = 0; j < N; ++j) Bt[j * K + k] = B[k * N + j];
    const device_buffer<TA> dA(A);
    const device_buffer<TB> dB(B), dBt(Bt);
    const device_buffer<T> dbias(bias);
    device_buffer<T> dC(M * N);
    std::vector<T> want(M * N);
    repro::matmul(A.data(), B.data(), want.data(), M, K, N);
    rc::matmul(dA.p, dB.p, dC.p, M, K, N, rc::matmul_mode::portable, stream);
    CHECK(count_differences(dC.host(), want) == 0);
    repro::matmul_bt(A.data(), Bt.data(), want.data(), M, K, N);
    rc::matmul_bt(dA.p, dBt.p, dC.p, M, K, N, rc::matmul_mode::portable, stream);
    CHECK(count_differences(dC.host(), want) == 0);
    for (activation act : all_activations) {
        if (!all_acts && act != activation::gelu) continue;
        CAPTURE(static_cast<int>(act));
        repro::linear(A.data(), Bt.data(), bias.data(), want.data(), M, K, N, act);
        rc::linear(dA.p, dBt.p, dbias.p, dC.p, M, K, N, act, rc::matmul_mode::portable, stream);
        CHECK(count_differences(dC.host(), want) == 0);
        repro::linear(A.data(), Bt.data(), nullptr, want.data(), M, K, N, act);
        rc::linear(dA.p, dBt.p, nullptr, dC.p, M, K, N, act, rc::matmul_mode::portable, stream);
        CHECK(count_differences(dC.host(), want) == 0);
    }
}

const std::size_t edge_m[] = {1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 131, 257, 300, 1000};
const std::size_t edge_k[] = {0, 1, 7, 8, 9, 31, 32, 33, 37, 64, 65, 1023};
const std::size_t edge_n[] = {1, 3, 31, 32, 33, 63, 64, 65, 127, 128, 129, 131, 1025};

template <class T, class TA = T, class TB = T>
void sweep(std::uint64_t seed, int cases) {
    repro_test::splitmix64 g(seed);
    for (int c = 0; c < cases; ++c)
        check_case<T, TA, TB>(edge_m[g.next() % std::size(edge_m)], edge_k[g.next() % std::size(edge_k)],
                              edge_n[g.next() % std::size(edge_n)], seed + 31 * c, c % 5 == 0);
}

}  // namespace

TEST_CASE_TEMPLATE("CUDA matmul, matmul_bt and linear give the CPU's bits at every size", T, float, double) {
    for (std::size_t K : {std::size_t(0), std::size_t(1), std::size_t(9), std::size_t(33)})
        check_case<T>(129, K, 65, 3 + K, true);
    sweep<T>(std::is_same<T, float>::value ? 11 : 12, 60);
}

TEST_CASE("CUDA products of __half and __nv_bfloat16 inputs give the CPU's bits") {
    sweep<float, __half, __half>(21, 12);
    sweep<float, __nv_bfloat16, __nv_bfloat16>(22, 12);
    sweep<float, __half, float>(23, 6);
    sweep<float, float, __nv_bfloat16>(24, 6);
    sweep<float, __nv_bfloat16, __half>(25, 6);
}

TEST_CASE("a large CUDA product (4096 x 1024 x 1024) gives the CPU's bits") {
    check_case<float>(4096, 1024, 1024, 31, false);
    check_case<double>(1024, 1024, 1024, 32, false);
}

TEST_CASE("a row's bits do not depend on M on the device") {
    const std::size_t K = 515, N = 333, max_m = 1100;
    const auto A = matrix<float>(max_m * K, 41), W = matrix<float>(N * K, 42), b = matrix<float>(N, 43);
    const device_buffer<float> dA(A), dW(W), db(b);
    device_buffer<float> one(N), all(max_m * N);
    for (std::size_t M : {std::size_t(2), std::size_t(8), std::size_t(9), std::size_t(130), max_m}) {
        CAPTURE(M);
        rc::linear(dA.p, dW.p, db.p, all.p, M, K, N, activation::gelu_tanh);
        const auto h = all.host();
        std::size_t differ = 0;
        for (std::size_t i = 0; i < M; i += 7) {
            rc::linear(dA.p + i * K, dW.p, db.p, one.p, 1, K, N, activation::gelu_tanh);
            const auto r = one.host();
            for (std::size_t j = 0; j < N; ++j) differ += !same(r[j], h[i * N + j]);
        }
        CHECK(differ == 0);
    }
}

TEST_CASE("CUDA products on several streams and host threads give the CPU's bits") {
    const std::size_t M = 700, K = 300, N = 260;
    const auto A = matrix<float>(M * K, 51), B = matrix<float>(K * N, 52);
    std::vector<float> want(M * N);
    repro::matmul(A.data(), B.data(), want.data(), M, K, N);
    const device_buffer<float> dA(A), dB(B);
    std::vector<std::size_t> bad(6, 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < 6; ++t)
        workers.emplace_back([&, t] {
            cudaStream_t s;
            cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
            device_buffer<float> dC(M * N);
            for (int rep = 0; rep < 4; ++rep) {
                rc::matmul(dA.p, dB.p, dC.p, M, K, N, s);
                cudaStreamSynchronize(s);
                bad[t] += count_differences(dC.host(), want);
            }
            cudaStreamDestroy(s);
        });
    for (auto& w : workers) w.join();
    for (int t = 0; t < 6; ++t) CHECK(bad[t] == 0);
}

namespace {

template <class T>
void check_conv(const repro::conv2d_shape& s, std::uint64_t seed, activation act, bool with_bias) {
    CAPTURE(s.n);
    CAPTURE(s.h);
    CAPTURE(s.c_in);
    CAPTURE(s.c_out);
    CAPTURE(s.kh);
    CAPTURE(s.groups);
    const std::size_t K = s.kh * s.kw * (s.c_in / s.groups), P = s.out_h() * s.out_w();
    const auto x = matrix<T>(s.n * s.h * s.w * s.c_in, seed), w = matrix<T>(s.c_out * K, seed + 1),
               b = matrix<T>(s.c_out, seed + 2);
    std::vector<T> want(s.n * P * s.c_out);
    repro::conv2d(x.data(), w.data(), with_bias ? b.data() : nullptr, want.data(), s, act);
    const device_buffer<T> dx(x), dw(w), db(b);
    device_buffer<T> dy(want.size());
    rc::conv2d(dx.p, dw.p, with_bias ? db.p : nullptr, dy.p, s, act);
    CHECK(count_differences(dy.host(), want) == 0);
}

}  // namespace

TEST_CASE_TEMPLATE("CUDA conv2d gives repro::conv2d's bits: strides, padding, dilation, groups", T, float, double) {
    repro_test::splitmix64 g(61);
    for (int c = 0; c < 40; ++c) {
        const repro::conv2d_shape s = repro_test::random_conv2d_shape(g, {4, 9, 40, 29, 29});
        check_conv<T>(s, 700 + c, all_activations[c % 7], c % 3 != 0);
    }
    // a ResNet-like layer: 8 samples of 56 x 56 x 64, 3 x 3, 64 filters
    repro::conv2d_shape s{};
    s.n = 8, s.h = 56, s.w = 56, s.c_in = 64, s.c_out = 64, s.kh = 3, s.kw = 3, s.pad_h = 1, s.pad_w = 1;
    check_conv<T>(s, 800, activation::relu, true);
}

TEST_SUITE("arguments") {
    // The CPU function's message with "repro::" turned into "repro::cuda::".
    template <class F>
    std::string message_of(F f) {
        try {
            f();
        } catch (const std::invalid_argument& e) {
            return std::string("invalid_argument: ") + e.what();
        } catch (const std::length_error& e) {
            return std::string("length_error: ") + e.what();
        }
        return "nothing thrown";
    }

    std::string as_cuda(std::string cpu) {
        const std::string from = "repro::";
        const auto at = cpu.find(from);
        if (at != std::string::npos) cpu.replace(at, from.size(), "repro::cuda::");
        return cpu;
    }

    TEST_CASE("bad matmul, matmul_bt, linear and conv2d arguments throw what the CPU throws") {
        const float* null = nullptr;
        float* out = nullptr;
        std::vector<float> h(64);
        const std::size_t big = std::size_t(1) << 62;
        // null pointers with non-zero sizes
        CHECK(message_of([&] { rc::matmul(null, h.data(), h.data() + 32, 2, 3, 4); }) ==
              "invalid_argument: repro::cuda::matmul: A is a null pointer");
        CHECK(message_of([&] { rc::matmul(null, h.data(), h.data() + 32, 2, 3, 4); }) ==
              as_cuda(message_of([&] { repro::matmul(null, h.data(), h.data() + 32, 2, 3, 4); })));
        CHECK(message_of([&] { rc::matmul_bt(h.data(), null, h.data() + 32, 2, 3, 4); }) ==
              as_cuda(message_of([&] { repro::matmul_bt(h.data(), null, h.data() + 32, 2, 3, 4); })));
        CHECK(message_of([&] { rc::matmul(h.data(), h.data() + 8, out, 2, 3, 4); }) ==
              as_cuda(message_of([&] { repro::matmul(h.data(), h.data() + 8, out, 2, 3, 4); })));
        CHECK(message_of([&] { rc::linear(null, h.data(), null, h.data() + 32, 2, 3, 4); }) ==
              as_cuda(message_of([&] { repro::linear(null, h.data(), null, h.data() + 32, 2, 3, 4); })));
        // sizes whose byte counts overflow
        CHECK(message_of([&] { rc::matmul(null, null, out, big, big, 1); }) ==
              as_cuda(message_of([&] { repro::matmul(null, null, out, big, big, 1); })));
        CHECK(message_of([&] { rc::matmul(null, null, out, big, big, 1); }).rfind("length_error", 0) == 0);
        // C overlapping an input; y overlapping the bias
        CHECK(message_of([&] { rc::matmul(h.data(), h.data() + 40, h.data() + 4, 2, 3, 4); }) ==
              as_cuda(message_of([&] { repro::matmul(h.data(), h.data() + 40, h.data() + 4, 2, 3, 4); })));
        CHECK(message_of([&] { rc::linear(h.data(), h.data() + 8, h.data() + 40, h.data() + 38, 2, 3, 4); }) ==
              "invalid_argument: repro::cuda::linear: y overlaps the bias");
        // narrow inputs
        const __half* hnull = nullptr;
        CHECK(message_of([&] { rc::matmul(hnull, hnull, out, 1, 1, 1); }) ==
              "invalid_argument: repro::cuda::matmul: A is a null pointer");
        // the tensor-core mode takes no double
        const double* dnull = nullptr;
        double* dout = nullptr;
        CHECK(message_of([&] {
                  rc::matmul(dnull, dnull, dout, 0, 0, 0, rc::matmul_mode::tensor_core);
              }).find("tensor_core") != std::string::npos);
        // empty products need no pointers
        CHECK(message_of([&] { rc::matmul(null, null, out, 0, 5, 0); }) == "nothing thrown");
        // conv2d: the CPU's shape errors and null pointers
        repro::conv2d_shape s{};
        s.n = 1, s.h = 4, s.w = 4, s.c_in = 2, s.c_out = 2, s.kh = 3, s.kw = 3;
        auto conv_both = [&](const repro::conv2d_shape& shape, const float* x) {
            const std::string gpu = message_of([&] { rc::conv2d(x, h.data(), null, h.data() + 40, shape); });
            CHECK(gpu == as_cuda(message_of([&] { repro::conv2d(x, h.data(), null, h.data() + 40, shape); })));
            return gpu;
        };
        CHECK(conv_both(s, null) == "invalid_argument: repro::cuda::conv2d: x is a null pointer");
        repro::conv2d_shape bad = s;
        bad.kh = 5;
        CHECK(conv_both(bad, h.data()).find("kernel is larger") != std::string::npos);
        bad = s;
        bad.groups = 3;
        CHECK(conv_both(bad, h.data()).find("divisible by groups") != std::string::npos);
        bad = s;
        bad.stride_w = 0;
        CHECK(conv_both(bad, h.data()).find("must be >= 1") != std::string::npos);
        std::vector<double> hd(64);
        CHECK(message_of([&] {
                  rc::conv2d(hd.data(), hd.data(), nullptr, hd.data() + 40, s, activation::none,
                             rc::matmul_mode::tensor_core);
              }).find("tensor_core") != std::string::npos);
    }
}
