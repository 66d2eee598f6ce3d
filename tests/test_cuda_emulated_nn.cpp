// The CUDA layers' kernel bodies (detail/kernels/row_layers.hpp) through the
// host grid emulator, composed as repro/cuda/nn.cuh composes them, against
// repro/nn.hpp bit for bit: rows of one chunk (the fused kernel's order) and
// of several, NaN and infinite rows, in place, float and double, and half /
// bfloat16 against the float layer on the widened input, rounded once.
#include <doctest/doctest.h>

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <repro/eigen.hpp>
#include <repro/linalg.hpp>
#include <repro/nn.hpp>

#include "support/bit_checks.hpp"
#include "support/row_layer_oracle.hpp"
#include "support/layer_emulator.hpp"

namespace k = repro::detail::kernels;
using repro_test::emulate_elements;
using repro_test::first_difference;
using repro_test::npos;

namespace {

// A row layer as nn.cuh runs it: through shared memory (cached_rows: rows of
// one chunk that fit it) or read by each pass (fused_rows, and the
// reductions plus element kernel of longer rows).
template <class A, class Make>
void emulate_layer(bool cached, std::size_t rows, std::size_t cols, std::size_t blocks, Make make) {
    if (cached)
        repro_test::emulate_cached_layer<A>(rows, cols, make);
    else
        repro_test::emulate_layer<A>(rows, cols, blocks, make);
}

using repro_test::name_of;
using repro_test::row_layer;
using repro_test::row_layers;

// Random rows with, from three rows on, a NaN in row 1, +inf in row 2 and
// -inf in row 3 (each at a random column).
template <class T>
std::vector<T> layer_input(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    auto x = repro_test::random_matrix<T>(rows, cols, seed, -4, 6);
    repro_test::splitmix64 g(seed ^ 0x5eed);
    if (rows >= 3) x[1 * cols + g.below(cols)] = std::numeric_limits<T>::quiet_NaN();
    if (rows >= 3) x[2 * cols + g.below(cols)] = std::numeric_limits<T>::infinity();
    if (rows >= 4) x[3 * cols + g.below(cols)] = -std::numeric_limits<T>::infinity();
    return x;
}

// The layer's parameters (A values) and both runs.
template <class A>
struct params : repro_test::row_layer_params<A> {
    using repro_test::row_layer_params<A>::row_layer_params;
    using repro_test::row_layer_params<A>::gamma;
    using repro_test::row_layer_params<A>::beta;
    using repro_test::row_layer_params<A>::eps;

    // The kernel bodies on T data (y may be x).
    template <class T>
    void emulated(row_layer l, const T* x, T* y, std::size_t rows, std::size_t cols, std::size_t blocks,
                  bool cached) const {
        switch (l) {
            case row_layer::softmax:
            case row_layer::log_softmax:
                return emulate_layer<A>(cached, rows, cols, blocks, [&](A* s1, A* s2) {
                    return k::softmax_layer(x, y, cols, s1, s2, l == row_layer::log_softmax);
                });
            case row_layer::rms_norm:
            case row_layer::rms_norm_unweighted:
                return emulate_layer<A>(cached, rows, cols, blocks, [&](A* s1, A* s2) {
                    return k::rms_norm_layer<T>(x, l == row_layer::rms_norm ? gamma.data() : nullptr, y, cols, eps, s1,
                                                s2);
                });
            case row_layer::layer_norm:
            case row_layer::layer_norm_plain: {
                const bool p = l == row_layer::layer_norm;
                return emulate_layer<A>(cached, rows, cols, blocks, [&](A* s1, A* s2) {
                    return k::layer_norm_layer<T>(x, p ? gamma.data() : nullptr, p ? beta.data() : nullptr, y, cols,
                                                  eps, s1, s2);
                });
            }
        }
    }
};

const std::size_t widths[] = {1, 2, 3, 5, 31, 32, 33, 63, 64, 65, 127, 255, 257, 1000, 1023, 1024, 1025, 4099};
const std::size_t batch[] = {1, 2, 3, 4, 7, 13, 64, 97, 300};

}  // namespace

TEST_CASE_TEMPLATE("emulated softmax, log_softmax, rms_norm and layer_norm equal the CPU layers bit for bit", T, float,
                   double) {
    for (std::size_t cols : widths)
        for (std::size_t rows : batch) {
            if (rows * cols > 200000) continue;
            CAPTURE(rows);
            CAPTURE(cols);
            const auto x = layer_input<T>(rows, cols, 1000 * rows + cols);
            const params<T> p(cols, 77 + cols);
            for (const row_layer l : row_layers) {
                CAPTURE(name_of(l));
                const auto cpu = p.cpu(l, x, rows, cols);
                for (bool cached : {false, true}) {
                    CAPTURE(cached);
                    std::vector<T> y(x.size());
                    p.emulated(l, x.data(), y.data(), rows, cols, rows % 5 + 1, cached);
                    REQUIRE(first_difference(y, cpu) == npos);
                }
            }
        }
}

TEST_CASE_TEMPLATE("emulated row layers at chunk boundaries and over several chunks equal the CPU, in place too", T,
                   float, double) {
    for (std::size_t cols :
         {std::size_t(16383), std::size_t(16384), std::size_t(16385), std::size_t(3 * 16384 + 7), std::size_t(65536)}) {
        for (std::size_t rows : {std::size_t(1), std::size_t(4)}) {
            CAPTURE(rows);
            CAPTURE(cols);
            const auto x = layer_input<T>(rows, cols, cols + rows);
            const params<T> p(cols, 5 + cols);
            for (const row_layer l : row_layers) {
                CAPTURE(name_of(l));
                const auto cpu = p.cpu(l, x, rows, cols);
                for (bool cached : {false, true}) {
                    if (cached && cols > 16384) continue;  // several chunks: never cached
                    CAPTURE(cached);
                    auto y = x;
                    p.emulated(l, y.data(), y.data(), rows, cols, 2, cached);
                    REQUIRE(first_difference(y, cpu) == npos);
                }
            }
        }
    }
}

TEST_CASE_TEMPLATE("emulated group_norm gathers each group as the CPU does", T, float, double) {
    struct shape {
        std::size_t n, spatial, channels, groups;
    };
    for (const shape s : {shape{1, 1, 1, 1}, shape{2, 7, 6, 3}, shape{3, 33, 64, 32}, shape{2, 5, 12, 1},
                          shape{2, 1000, 40, 4}, shape{1, 4100, 16, 2}, shape{2, 3, 8, 8}}) {
        CAPTURE(s.n);
        CAPTURE(s.spatial);
        CAPTURE(s.channels);
        CAPTURE(s.groups);
        const std::size_t cols = s.spatial * s.channels;
        const auto x = layer_input<T>(s.n, cols, cols + s.groups);
        const params<T> p(s.channels, 9);
        for (bool affine : {true, false})
            for (bool cached : {false, true}) {
                const std::size_t len = s.spatial * (s.channels / s.groups);
                if (cached && len > 16384) continue;
                const T* gamma = affine ? p.gamma.data() : nullptr;
                const T* beta = affine ? p.beta.data() : nullptr;
                std::vector<T> cpu(x.size()), y(x.size());
                repro::group_norm(x.data(), gamma, beta, cpu.data(), s.n, s.spatial, s.channels, s.groups, p.eps);
                emulate_layer<T>(cached, s.n * s.groups, s.spatial * (s.channels / s.groups), 3, [&](T* s1, T* s2) {
                    return k::group_norm_layer<T>(x.data(), gamma, beta, y.data(), s.spatial, s.channels, s.groups,
                                                  p.eps, s1, s2);
                });
                CHECK(first_difference(y, cpu) == npos);
            }
    }
}

TEST_CASE_TEMPLATE("emulated batch_norm, fold_batch_norm and pool2d equal the CPU", T, float, double) {
    const std::size_t rows = 37, cols = 61;
    const auto x = layer_input<T>(rows, cols, 3);
    const params<T> p(cols, 4);
    auto var = repro_test::random_matrix<T>(1, cols, 6, -3, 3);
    for (auto& v : var) v = v < T(0) ? -v : v;
    var[5] = T(0);
    const auto mean = repro_test::random_matrix<T>(1, cols, 7, -2, 2);
    for (bool affine : {true, false}) {
        const T* gamma = affine ? p.gamma.data() : nullptr;
        const T* beta = affine ? p.beta.data() : nullptr;
        std::vector<T> cpu(x.size()), y(x.size()), scale(cols), shift(cols);
        repro::batch_norm(x.data(), cpu.data(), rows, cols, mean.data(), var.data(), gamma, beta, p.eps,
                          repro::batch_norm_mode::inference);
        emulate_elements(
            k::batch_norm_params<T>{mean.data(), var.data(), gamma, beta, p.eps, scale.data(), shift.data()}, 1, cols);
        emulate_elements(k::batch_norm_elements<T>{x.data(), y.data(), cols, scale.data(), shift.data()}, rows, cols);
        CHECK(first_difference(y, cpu) == npos);

        // fold: W is cols x 29 (out = cols), b random
        const std::size_t in = 29;
        auto W = repro_test::random_matrix<T>(cols, in, 11, -3, 3), b = repro_test::random_matrix<T>(1, cols, 12);
        auto W2 = W, b2 = b;
        repro::fold_batch_norm(W.data(), b.data(), cols, in, mean.data(), var.data(), gamma, beta, p.eps);
        emulate_elements(k::fold_elements<T>{W2.data(), b2.data(), in, mean.data(), var.data(), gamma, beta, p.eps},
                         cols, in + 1);
        CHECK(first_difference(W2, W) == npos);
        CHECK(first_difference(b2, b) == npos);
    }

    struct window {
        std::size_t n, h, w, c, kh, kw, stride, pad;
    };
    for (const window s :
         {window{2, 7, 5, 3, 3, 3, 2, 1}, window{1, 1, 1, 1, 1, 1, 1, 0}, window{3, 8, 8, 16, 2, 2, 2, 0},
          window{1, 9, 11, 5, 3, 2, 1, 1}, window{2, 0, 3, 2, 2, 2, 1, 1}}) {
        const std::size_t oh = (s.h + 2 * s.pad - s.kh) / s.stride + 1, ow = (s.w + 2 * s.pad - s.kw) / s.stride + 1;
        auto in = layer_input<T>(1, s.n * s.h * s.w * s.c + 1, s.h * 31 + s.c);
        if (in.size() > 20) in[17] = std::numeric_limits<T>::quiet_NaN();
        for (const repro::pooling kind : {repro::pooling::max, repro::pooling::mean}) {
            std::vector<T> cpu(s.n * oh * ow * s.c), y(cpu.size());
            repro::pool2d(in.data(), cpu.data(), s.n, s.h, s.w, s.c, s.kh, s.kw, s.stride, s.pad, kind);
            emulate_elements(k::pool_elements<T>{in.data(),
                                                 y.data(),
                                                 {s.h, s.w, s.c, s.kh, s.kw, s.stride, s.pad, oh, ow},
                                                 kind == repro::pooling::max},
                             s.n, oh * ow * s.c);
            CHECK(first_difference(y, cpu) == npos);
        }
    }
}

TEST_CASE_TEMPLATE("emulated activations and leaky_relu equal the CPU's", T, float, double) {
    auto x = layer_input<T>(1, 5000, 21);
    x[0] = T(0);
    x[1] = -T(0);
    x[2] = std::numeric_limits<T>::quiet_NaN();
    x[3] = -std::numeric_limits<T>::infinity();
    for (const repro::activation a :
         {repro::activation::none, repro::activation::relu, repro::activation::sigmoid, repro::activation::tanh,
          repro::activation::silu, repro::activation::gelu, repro::activation::gelu_tanh}) {
        CAPTURE(static_cast<int>(a));
        auto cpu = x;
        repro::detail::activate(cpu.data(), cpu.size(), a);
        std::vector<T> y(x.size());
        emulate_elements(k::activation_elements<T>{x.data(), y.data(), a}, 1, x.size());
        CHECK(first_difference(y, cpu) == npos);
    }
    std::vector<T> cpu(x.size()), y(x.size());
    repro::leaky_relu(x.data(), cpu.data(), x.size(), T(0.125));
    emulate_elements(k::leaky_relu_elements<T>{x.data(), y.data(), T(0.125)}, 1, x.size());
    CHECK(first_difference(y, cpu) == npos);
}

// ---- half and bfloat16 ----

TEST_CASE_TEMPLATE("narrow_to rounds float to half and bfloat16 as Eigen does", H, Eigen::half, Eigen::bfloat16) {
    std::size_t differ = 0;
    auto check_one = [&](std::uint32_t bits) {
        const float f = repro::from_bits<float>(bits);
        const H mine = k::narrow_to<H>(f), eigen = H(f);
        if (repro::is_nan(f))
            differ += !repro::is_nan(mine);
        else
            differ += repro::to_bits(mine) != repro::to_bits(eigen);
    };
    for (std::uint64_t b = 0; b < (std::uint64_t(1) << 32); b += 997) check_one(static_cast<std::uint32_t>(b));
    // every rounding boundary of the narrow format, and its neighbours
    for (std::uint32_t h = 0; h < 0x10000u; ++h) {
        const float v = repro::widen(repro::from_bits<H>(static_cast<std::uint16_t>(h)));
        const std::uint32_t b = repro::to_bits(v);
        const std::uint32_t step = std::is_same<H, Eigen::half>::value ? 0x1000u : 0x8000u;
        for (std::uint32_t d : {0u, 1u, step - 1, step, step + 1}) check_one(b + d), check_one(b - d);
    }
    CHECK(differ == 0);
}

TEST_CASE_TEMPLATE("emulated half and bfloat16 row layers equal the float layer on the widened input, rounded", H,
                   Eigen::half, Eigen::bfloat16) {
    for (std::size_t cols : {std::size_t(1), std::size_t(33), std::size_t(1000), std::size_t(16385)}) {
        for (std::size_t rows : {std::size_t(1), std::size_t(5)}) {
            CAPTURE(rows);
            CAPTURE(cols);
            const auto xf0 = layer_input<float>(rows, cols, 40 + cols);
            std::vector<H> x(xf0.size());
            std::vector<float> xf(x.size());
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = H(xf0[i] * 0.125f), xf[i] = repro::widen(x[i]);
            const params<float> p(cols, 3);
            for (const row_layer l : row_layers) {
                CAPTURE(name_of(l));
                const auto cpu = p.cpu(l, xf, rows, cols);
                for (bool cached : {false, true}) {
                    std::vector<H> y(x.size());
                    p.emulated(l, x.data(), y.data(), rows, cols, 2, cached && cols <= 16384);
                    std::size_t differ = 0;
                    for (std::size_t i = 0; i < y.size(); ++i) differ += !repro_test::same(y[i], H(cpu[i]));
                    CHECK(differ == 0);
                }
            }
            // activations and leaky_relu
            std::vector<H> y(x.size());
            auto cpu = xf;
            repro::detail::activate(cpu.data(), cpu.size(), repro::activation::gelu);
            emulate_elements(k::activation_elements<H>{x.data(), y.data(), repro::activation::gelu}, 1, x.size());
            std::size_t differ = 0;
            for (std::size_t i = 0; i < y.size(); ++i) differ += !repro_test::same(y[i], H(cpu[i]));
            repro::leaky_relu(xf.data(), cpu.data(), xf.size(), 0.2f);
            emulate_elements(k::leaky_relu_elements<H>{x.data(), y.data(), 0.2f}, 1, x.size());
            for (std::size_t i = 0; i < y.size(); ++i) differ += !repro_test::same(y[i], H(cpu[i]));
            CHECK(differ == 0);
        }
    }
    // group_norm
    const std::size_t n = 2, spatial = 300, channels = 24, groups = 6;
    const auto xf0 = layer_input<float>(n, spatial * channels, 8);
    std::vector<H> x(xf0.size()), y(x.size());
    std::vector<float> xf(x.size()), cpu(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = H(xf0[i]), xf[i] = repro::widen(x[i]);
    const params<float> p(channels, 1);
    repro::group_norm(xf.data(), p.gamma.data(), p.beta.data(), cpu.data(), n, spatial, channels, groups, p.eps);
    for (bool cached : {false, true}) {
        emulate_layer<float>(cached, n * groups, spatial * (channels / groups), 2, [&](float* s1, float* s2) {
            return k::group_norm_layer<H>(x.data(), p.gamma.data(), p.beta.data(), y.data(), spatial, channels, groups,
                                          p.eps, s1, s2);
        });
        std::size_t differ = 0;
        for (std::size_t i = 0; i < y.size(); ++i) differ += !repro_test::same(y[i], H(cpu[i]));
        CHECK(differ == 0);
    }
}
