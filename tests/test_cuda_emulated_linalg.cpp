// The CUDA matrix products' kernel bodies (detail/kernels/gemm_tile.hpp) run
// on the host through the tile emulator (support/gemm_emulator.hpp) and are
// compared bit for bit with repro::matmul, matmul_bt, linear and conv2d:
// every tile shape, sizes around the tile edges (1, tile - 1, tile, tile + 1,
// primes), K = 0 and short last slices, float, double, half and bfloat16
// inputs, every activation, signed zeros and special values.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <repro/eigen.hpp>
#include <repro/linalg.hpp>
#include <repro/nn.hpp>

#include "support/bit_checks.hpp"
#include "support/conv_shapes.hpp"
#include "support/gemm_emulator.hpp"

namespace k = repro::detail::kernels;
using repro::activation;
using repro_test::first_difference;
using repro_test::npos;

namespace {

const activation all_activations[] = {activation::none, activation::relu, activation::sigmoid,  activation::tanh,
                                      activation::silu, activation::gelu, activation::gelu_tanh};

// Random values with some exact zeros of either sign, so that chains start
// at -0 products (the +0 seed is then visible) and padding meets -0.
template <class T>
std::vector<T> values(std::size_t n, std::uint64_t seed, int lo = -4, int hi = 4) {
    std::vector<T> v = repro_test::random_matrix<T>(1, n, seed, lo, hi);
    repro_test::splitmix64 g(seed ^ 0x9e3779b97f4a7c15ull);
    for (auto& x : v) {
        const std::uint64_t r = g.next() % 16;
        if (r == 0) x = T(0.0f);
        if (r == 1) x = T(-0.0f);
    }
    return v;
}

// The device's C = act(A op(B) + bias) through the emulator, tile shape
// Shape (or the launcher's choice with Shape = void).
template <class Shape, bool BT, class T, class TA, class TB>
std::vector<T> emulated(const std::vector<TA>& A, const std::vector<TB>& B, const T* bias, std::size_t M, std::size_t K,
                        std::size_t N, activation act = activation::none) {
    using a_src = k::a_matrix<T, TA>;
    using b_src = std::conditional_t<BT, k::bt_matrix<T, TB>, k::b_matrix<T, TB>>;
    using problem = k::gemm_problem<T, a_src, b_src>;
    // NaN-filled: an output the kernel does not write shows
    std::vector<T> C(M * N, std::numeric_limits<T>::quiet_NaN());
    const problem p{a_src{A.data(), K}, b_src{B.data(), BT ? K : N}, C.data(), N, bias, act, M, K, N};
    if constexpr (std::is_void<Shape>::value)
        repro_test::emulate_product(k::single_product<problem>{p});
    else
        repro_test::emulate_gemm<Shape>(k::single_product<problem>{p});
    return C;
}

// matmul, matmul_bt and linear (with bias, and without bias and with relu)
// of one M x K x N case in tile shape Shape, against the CPU; with all_acts
// (in the launcher's shape) linear with every activation too.
template <class T, class TA, class TB, class Shape>
void check_shape(const std::vector<TA>& A, const std::vector<TB>& B, const std::vector<TB>& Bt,
                 const std::vector<T>& bias, std::size_t M, std::size_t K, std::size_t N, bool all_acts) {
    std::vector<T> want(M * N);
    repro::matmul(A.data(), B.data(), want.data(), M, K, N);
    CHECK(first_difference(emulated<Shape, false, T>(A, B, nullptr, M, K, N), want) == npos);
    repro::matmul_bt(A.data(), Bt.data(), want.data(), M, K, N);
    CHECK(first_difference(emulated<Shape, true, T>(A, Bt, nullptr, M, K, N), want) == npos);
    repro::linear(A.data(), Bt.data(), nullptr, want.data(), M, K, N, activation::relu);
    CHECK(first_difference(emulated<Shape, true, T>(A, Bt, nullptr, M, K, N, activation::relu), want) == npos);
    for (activation act : all_activations) {
        if (!all_acts && act != activation::none) continue;
        CAPTURE(static_cast<int>(act));
        repro::linear(A.data(), Bt.data(), bias.data(), want.data(), M, K, N, act);
        CHECK(first_difference(emulated<Shape, true, T>(A, Bt, bias.data(), M, K, N, act), want) == npos);
    }
}

template <class T, class TA = T, class TB = T>
void check_products(std::size_t M, std::size_t K, std::size_t N, std::uint64_t seed, bool all_acts = false) {
    CAPTURE(M);
    CAPTURE(K);
    CAPTURE(N);
    const auto A = values<TA>(M * K, seed);
    const auto B = values<TB>(K * N, seed + 1);
    std::vector<TB> Bt(N * K);
    for (std::size_t kk = 0; kk < K; ++kk)
        for (std::size_t j = 0; j < N; ++j) Bt[j * K + kk] = B[kk * N + j];
    const auto bias = values<T>(N, seed + 2);
    check_shape<T, TA, TB, k::tile_few_rows>(A, B, Bt, bias, M, K, N, false);
    check_shape<T, TA, TB, k::tile_medium>(A, B, Bt, bias, M, K, N, false);
    if (M * N <= 20000) check_shape<T, TA, TB, k::tile_large>(A, B, Bt, bias, M, K, N, false);
    if (all_acts) check_shape<T, TA, TB, void>(A, B, Bt, bias, M, K, N, true);
}

// Edges of the tiles (8, 32, 64, 128 and the 8 / 32 slices) and primes.
const std::size_t edge_m[] = {1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 131, 257, 300};
const std::size_t edge_k[] = {0, 1, 7, 8, 9, 31, 32, 33, 37, 64, 65};
const std::size_t edge_n[] = {1, 3, 31, 32, 33, 63, 64, 65, 127, 128, 129, 131};

template <class T, class TA = T, class TB = T>
void sweep(std::uint64_t seed, int cases) {
    repro_test::splitmix64 g(seed);
    for (int c = 0; c < cases; ++c) {
        const std::size_t M = edge_m[g.next() % std::size(edge_m)], K = edge_k[g.next() % std::size(edge_k)],
                          N = edge_n[g.next() % std::size(edge_n)];
        check_products<T, TA, TB>(M, K, N, seed + 97 * c, c % 4 == 0);
    }
}

}  // namespace

TEST_CASE_TEMPLATE("emulated products equal the CPU's bitwise in every tile shape at the tile edges", T, float,
                   double) {
    for (std::size_t K : {std::size_t(0), std::size_t(1), std::size_t(8), std::size_t(9), std::size_t(33)})
        check_products<T>(129, K, 65, 10 + K, K == 0 || K == 9);
    check_products<T>(1, 37, 131, 5, true);
    check_products<T>(8, 32, 33, 6);
    check_products<T>(300, 13, 17, 7);
    sweep<T>(std::is_same<T, float>::value ? 100 : 200, 6);
}

TEST_CASE("emulated products of half and bfloat16 inputs widen as the CPU widens Eigen's types") {
    using H = Eigen::half;
    using BF = Eigen::bfloat16;
    sweep<float, H, H>(300, 2);
    sweep<float, BF, BF>(301, 2);
    sweep<float, H, float>(302, 1);
    sweep<float, float, BF>(303, 1);
    sweep<float, BF, H>(304, 1);
    check_products<float, H, H>(65, 33, 129, 305);
}

TEST_CASE("the separate epilogue (tensor-core mode) adds the bias and activates as repro::linear does") {
    const std::size_t M = 37, K = 19, N = 41;
    const auto A = values<float>(M * K, 61), Bt = values<float>(N * K, 62), bias = values<float>(N, 63);
    for (activation act : all_activations) {
        CAPTURE(static_cast<int>(act));
        for (const float* b : {bias.data(), static_cast<const float*>(nullptr)}) {
            std::vector<float> C(M * N), want(M * N);
            repro::matmul_bt(A.data(), Bt.data(), C.data(), M, K, N);
            repro_test::emulate_elements(k::bias_activation<float>{C.data(), C.data(), N, b, act, M, N}, M * N);
            repro::linear(A.data(), Bt.data(), b, want.data(), M, K, N, act);
            CHECK(first_difference(C, want) == npos);
        }
    }
}

TEST_CASE("emulated products with the launcher's shape: a row's bits do not depend on M") {
    const std::size_t K = 45, N = 70;
    const std::size_t Ms[] = {1, 2, 3, 8, 9, 17, 64, 65, 128, 131, 300};
    const std::size_t max_m = 300;
    const auto A = values<float>(max_m * K, 41), Bt = values<float>(N * K, 42), bias = values<float>(N, 43);
    // the row alone: one-row product
    std::vector<std::vector<float>> alone(max_m);
    for (std::size_t i = 0; i < max_m; ++i) {
        const std::vector<float> row(A.begin() + i * K, A.begin() + (i + 1) * K);
        alone[i] = emulated<void, true, float>(row, Bt, bias.data(), 1, K, N, activation::silu);
    }
    for (std::size_t M : Ms) {
        CAPTURE(M);
        const auto all = emulated<void, true, float>(A, Bt, bias.data(), M, K, N, activation::silu);
        std::size_t differ = 0;
        for (std::size_t i = 0; i < M; ++i) differ += first_difference(all.data() + i * N, alone[i].data(), N) != npos;
        CHECK(differ == 0);
    }
    // and the one-row product is the CPU's
    std::vector<float> want(N);
    repro::linear(A.data(), Bt.data(), bias.data(), want.data(), 1, K, N, activation::silu);
    CHECK(first_difference(alone[0], want) == npos);
}

TEST_CASE_TEMPLATE("emulated products carry NaN, infinities and signed zeros as the CPU does", T, float, double) {
    const std::size_t M = 19, K = 11, N = 23;
    auto A = values<T>(M * K, 51), B = values<T>(K * N, 52);
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    A[3] = inf;
    A[40] = -inf;
    A[77] = nan;
    B[5] = inf;
    B[90] = T(0);
    B[91] = std::numeric_limits<T>::max();
    for (std::size_t j = 0; j < N; ++j) B[j] = T(-0.0);  // k = 0 products are signed zeros where A is finite
    std::vector<T> want(M * N);
    repro::matmul(A.data(), B.data(), want.data(), M, K, N);
    CHECK(first_difference(emulated<k::tile_medium, false, T>(A, B, nullptr, M, K, N), want) == npos);
    CHECK(first_difference(emulated<k::tile_few_rows, false, T>(A, B, nullptr, M, K, N), want) == npos);
    // one term: c = fma(a, b, +0), whose sign the +0 seed decides
    const std::size_t M1 = 9, N1 = 9;
    const std::vector<T> a1 = {T(1), T(-1), T(0), T(-0.0), T(2), T(-2), inf, T(-0.0), T(0)};
    const std::vector<T> b1 = {T(0), T(-0.0), T(3), T(-3), T(-0.0), T(0), T(1), T(0), T(-0.0)};
    std::vector<T> want1(M1 * N1);
    repro::matmul(a1.data(), b1.data(), want1.data(), M1, 1, N1);
    CHECK(first_difference(emulated<k::tile_medium, false, T>(a1, b1, nullptr, M1, 1, N1), want1) == npos);
    CHECK(first_difference(emulated<void, false, T>(a1, b1, nullptr, M1, 1, N1), want1) == npos);
    // chains that end at -0 (products below the smallest subnormal): a short
    // last slice must not run past K, where fma(0, 0, -0) would give +0
    const T tiny = std::ldexp(T(1), std::numeric_limits<T>::min_exponent / 2 - 40);  // normal; tiny^2 rounds to 0
    for (std::size_t K2 : {std::size_t(1), std::size_t(3), std::size_t(9), std::size_t(33)}) {
        CAPTURE(K2);
        std::vector<T> a2(M1 * K2, -tiny), b2(K2 * N1, tiny);
        std::vector<T> want2(M1 * N1);
        repro::matmul(a2.data(), b2.data(), want2.data(), M1, K2, N1);
        REQUIRE(repro::bitwise_equal(want2[0], T(-0.0)));
        CHECK(first_difference(emulated<k::tile_medium, false, T>(a2, b2, nullptr, M1, K2, N1), want2) == npos);
        CHECK(first_difference(emulated<k::tile_few_rows, false, T>(a2, b2, nullptr, M1, K2, N1), want2) == npos);
    }
}

namespace {

template <class T>
void check_conv(const repro::conv2d_shape& s, std::uint64_t seed, activation act, bool with_bias) {
    CAPTURE(s.n);
    CAPTURE(s.h);
    CAPTURE(s.w);
    CAPTURE(s.c_in);
    CAPTURE(s.c_out);
    CAPTURE(s.kh);
    CAPTURE(s.kw);
    CAPTURE(s.stride_h);
    CAPTURE(s.pad_h);
    CAPTURE(s.dilation_w);
    CAPTURE(s.groups);
    const std::size_t oh = s.out_h(), ow = s.out_w(), cg = s.c_in / s.groups, og = s.c_out / s.groups;
    const std::size_t K = s.kh * s.kw * cg, P = oh * ow;
    const auto x = values<T>(s.n * s.h * s.w * s.c_in, seed), w = values<T>(s.c_out * K, seed + 1),
               b = values<T>(s.c_out, seed + 2);
    const T* bias = with_bias ? b.data() : nullptr;
    std::vector<T> want(s.n * P * s.c_out), got(want.size(), std::numeric_limits<T>::quiet_NaN());
    repro::conv2d(x.data(), w.data(), bias, want.data(), s, act);
    const k::conv_geometry geo{s.h,        s.w,        s.c_in,  cg,      s.kw,         ow,
                               s.stride_h, s.stride_w, s.pad_h, s.pad_w, s.dilation_h, s.dilation_w};
    const k::conv_batch<T> batch{x.data(), w.data(), bias, got.data(), geo, s.n, s.groups, s.c_out, og, P, K, act};
    repro_test::emulate_product(batch);
    CHECK(first_difference(got, want) == npos);
    std::fill(got.begin(), got.end(), std::numeric_limits<T>::quiet_NaN());
    repro_test::emulate_gemm<k::tile_medium>(batch);
    CHECK(first_difference(got, want) == npos);
    // the tensor-core mode's explicit im2col: each group's rows as the implicit loader reads them
    std::vector<T> cols(s.n * P * K);
    for (std::size_t g = 0; g < s.groups; ++g) {
        repro_test::emulate_elements(k::conv_im2col<T>{x.data(), cols.data(), geo, g, P, K}, cols.size());
        std::size_t differ = 0;
        for (std::size_t row = 0; row < s.n * P; ++row) {
            const k::conv_rows<T> rows{x.data() + row / P * s.h * s.w * s.c_in + g * cg, geo};
            for (std::size_t kk = 0; kk < K; ++kk)
                differ += !repro_test::same(cols[row * K + kk], rows.at(row % P, kk));
        }
        CHECK(differ == 0);
    }
}

}  // namespace

TEST_CASE_TEMPLATE("emulated conv2d equals repro::conv2d: strides, padding, dilation, groups", T, float, double) {
    repro_test::splitmix64 g(77);
    for (int c = 0; c < 24; ++c) {
        const repro::conv2d_shape s = repro_test::random_conv2d_shape(g, {3, 5, 9, 12, 10});
        check_conv<T>(s, 900 + c, all_activations[c % 7], c % 3 != 0);
    }
    // a larger layer: several 64-pixel tiles, a 3x3 kernel over 20 channels (K = 180, short last slice)
    repro::conv2d_shape s{};
    s.n = 2, s.h = 13, s.w = 11, s.c_in = 20, s.c_out = 33, s.kh = 3, s.kw = 3, s.pad_h = 1, s.pad_w = 1;
    check_conv<T>(s, 1000, activation::relu, true);
}
