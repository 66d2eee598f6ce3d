// repro/cuda/nn.cuh on a real device against repro/nn.hpp, bit for bit
// (NaN payloads aside): every layer at widths across the fused (one chunk)
// and the composed (several chunks) paths, in place, with and without
// parameters, half and bfloat16 against the float layer on the widened
// input, several streams at once. Linked into test_gpu (its main skips
// without a device); the "arguments" suite runs without one.
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <repro/cuda/nn.cuh>
#include <repro/repro.hpp>

#include "../support/test_data.hpp"
#include "../support/row_layer_oracle.hpp"
#include "device_buffer.hpp"

using repro_test::count_differences;
using repro_test::device_buffer;
using repro_test::random_data;
using repro_test::row_layer;
using repro_test::row_layers;
using repro_test::same;

namespace {

namespace rc = repro::cuda;

// Random rows; from four rows on, row 1 holds a NaN, row 2 +inf, row 3 -inf.
template <class T>
std::vector<T> layer_input(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    auto x = random_data<T>(rows * cols, seed, -4, 6);
    repro_test::splitmix64 g(seed ^ 0x5eed);
    if (rows >= 4 && cols > 0) {
        x[1 * cols + g.below(cols)] = std::numeric_limits<T>::quiet_NaN();
        x[2 * cols + g.below(cols)] = std::numeric_limits<T>::infinity();
        x[3 * cols + g.below(cols)] = -std::numeric_limits<T>::infinity();
    }
    return x;
}

// f rounded to nearest-even by CUDA's own conversions (the oracle's rounding).
template <class H>
H rounded(float f) {
    if constexpr (std::is_same<H, __half>::value)
        return __float2half_rn(f);
    else
        return __float2bfloat16_rn(f);
}

// One row layer on the CPU (A data) or on the device (T data, A parameters).
template <class A>
struct layer_runner : repro_test::row_layer_params<A> {
    device_buffer<A> d_gamma, d_beta;
    explicit layer_runner(std::size_t cols, std::uint64_t seed)
        : repro_test::row_layer_params<A>(cols, seed), d_gamma(this->gamma), d_beta(this->beta) {}

    template <class T>
    void device(row_layer l, const T* x, T* y, std::size_t rows, std::size_t cols, cudaStream_t stream = 0,
                rc::workspace ws = {}) const {
        const A* none = nullptr;
        switch (l) {
            case row_layer::softmax:
                return rc::softmax(x, y, rows, cols, stream, ws);
            case row_layer::log_softmax:
                return rc::log_softmax(x, y, rows, cols, stream, ws);
            case row_layer::rms_norm:
                return rc::rms_norm(x, d_gamma.p, y, rows, cols, this->eps, stream, ws);
            case row_layer::rms_norm_unweighted:
                return rc::rms_norm(x, none, y, rows, cols, this->eps, stream, ws);
            case row_layer::layer_norm:
                return rc::layer_norm(x, d_gamma.p, d_beta.p, y, rows, cols, this->eps, stream, ws);
            case row_layer::layer_norm_plain:
                return rc::layer_norm(x, none, none, y, rows, cols, this->eps, stream, ws);
        }
    }
};

struct shape {
    std::size_t rows, cols;
};
const shape shapes[] = {{1, 1},      {7, 1},     {300, 2},    {97, 31},   {64, 32},   {33, 33},   {5, 1000},
                        {211, 1024}, {16, 4096}, {4, 16383},  {9, 16384}, {4, 16385}, {3, 65537}, {2, 70001},
                        {1, 200003}, {1000, 7},  {4096, 128}, {0, 5},     {5, 0}};

}  // namespace

TEST_CASE_TEMPLATE("CUDA row layers give the CPU's bits at every width, fused and composed, in place too", T, float,
                   double) {
    for (const shape s : shapes) {
        CAPTURE(s.rows);
        CAPTURE(s.cols);
        const auto x = layer_input<T>(s.rows, s.cols, s.rows * 7919 + s.cols);
        const layer_runner<T> run(s.cols, s.cols + 3);
        const device_buffer<T> dx(x);
        device_buffer<T> dy(x.size());
        for (const row_layer l : row_layers) {
            CAPTURE(static_cast<int>(l));
            const auto cpu = run.cpu(l, x, s.rows, s.cols);
            run.device(l, dx.p, dy.p, s.rows, s.cols);
            CHECK(count_differences(dy.host(), cpu) == 0);
            device_buffer<T> in_place(x);
            run.device(l, in_place.p, in_place.p, s.rows, s.cols);
            CHECK(count_differences(in_place.host(), cpu) == 0);
        }
    }
}

TEST_CASE_TEMPLATE("CUDA half and bfloat16 row layers are the float layer on the widened input, rounded once", H,
                   __half, __nv_bfloat16) {
    for (const shape s : {shape{1, 1}, shape{37, 100}, shape{8, 4096}, shape{3, 16385}, shape{2, 65536}}) {
        CAPTURE(s.rows);
        CAPTURE(s.cols);
        const auto x0 = layer_input<float>(s.rows, s.cols, s.cols + 11);
        std::vector<H> x(x0.size());
        std::vector<float> xf(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = rounded<H>(std::is_same<H, __half>::value ? x0[i] * 0.125f : x0[i]);
            xf[i] = repro::widen(x[i]);
        }
        auto round = [](const std::vector<float>& v) {
            std::vector<H> r(v.size());
            for (std::size_t i = 0; i < v.size(); ++i) r[i] = rounded<H>(v[i]);
            return r;
        };
        const layer_runner<float> run(s.cols, 5);
        const device_buffer<H> dx(x);
        device_buffer<H> dy(x.size());
        for (const row_layer l : row_layers) {
            CAPTURE(static_cast<int>(l));
            run.device(l, dx.p, dy.p, s.rows, s.cols);
            CHECK(count_differences(dy.host(), round(run.cpu(l, xf, s.rows, s.cols))) == 0);
        }
        auto cpu = xf;
        repro::detail::activate(cpu.data(), cpu.size(), repro::activation::silu);
        rc::activate(dx.p, dy.p, x.size(), repro::activation::silu);
        CHECK(count_differences(dy.host(), round(cpu)) == 0);
        repro::leaky_relu(xf.data(), cpu.data(), xf.size(), 0.01f);
        rc::leaky_relu(dx.p, dy.p, x.size(), 0.01f);
        CHECK(count_differences(dy.host(), round(cpu)) == 0);
    }
}

TEST_CASE_TEMPLATE("CUDA group_norm gathers each group as the CPU does", T, float, double) {
    struct gshape {
        std::size_t n, spatial, channels, groups;
    };
    for (const gshape s : {gshape{1, 1, 1, 1}, gshape{2, 7, 6, 3}, gshape{3, 33, 64, 32}, gshape{4, 1024, 64, 8},
                           gshape{2, 4100, 16, 2}, gshape{1, 3, 8, 8}, gshape{64, 49, 256, 32}}) {
        CAPTURE(s.n);
        CAPTURE(s.spatial);
        CAPTURE(s.channels);
        CAPTURE(s.groups);
        const auto x = layer_input<T>(s.n, s.spatial * s.channels, s.spatial + s.channels);
        const layer_runner<T> run(s.channels, 9);
        const device_buffer<T> dx(x);
        device_buffer<T> dy(x.size());
        for (bool affine : {true, false}) {
            std::vector<T> cpu(x.size());
            repro::group_norm(x.data(), affine ? run.gamma.data() : nullptr, affine ? run.beta.data() : nullptr,
                              cpu.data(), s.n, s.spatial, s.channels, s.groups, run.eps);
            rc::group_norm(dx.p, affine ? run.d_gamma.p : nullptr, affine ? run.d_beta.p : nullptr, dy.p, s.n,
                           s.spatial, s.channels, s.groups, run.eps);
            CHECK(count_differences(dy.host(), cpu) == 0);
        }
    }
}

TEST_CASE_TEMPLATE("CUDA batch_norm, fold_batch_norm, pool2d, activate and leaky_relu equal the CPU", T, float,
                   double) {
    const std::size_t rows = 1000, cols = 257;
    const auto x = layer_input<T>(rows, cols, 3);
    auto var = random_data<T>(cols, 6, -3, 3);
    for (auto& v : var) v = v < T(0) ? -v : v;
    var[5] = T(0);
    const auto mean = random_data<T>(cols, 7, -2, 2), gamma = random_data<T>(cols, 8, -1, 1),
               beta = random_data<T>(cols, 9, -1, 1);
    const device_buffer<T> dx(x), dmean(mean), dvar(var), dgamma(gamma), dbeta(beta);
    device_buffer<T> dy(x.size());
    const T eps = T(1e-3);
    for (bool affine : {true, false}) {
        std::vector<T> cpu(x.size());
        repro::batch_norm(x.data(), cpu.data(), rows, cols, mean.data(), var.data(), affine ? gamma.data() : nullptr,
                          affine ? beta.data() : nullptr, eps, repro::batch_norm_mode::inference);
        rc::batch_norm(dx.p, dy.p, rows, cols, dmean.p, dvar.p, affine ? dgamma.p : nullptr, affine ? dbeta.p : nullptr,
                       eps);
        CHECK(count_differences(dy.host(), cpu) == 0);

        const std::size_t in = 300;
        auto W = random_data<T>(cols * in, 11, -3, 3), b = random_data<T>(cols, 12, -3, 3);
        device_buffer<T> dW(W), db(b);
        repro::fold_batch_norm(W.data(), b.data(), cols, in, mean.data(), var.data(), affine ? gamma.data() : nullptr,
                               affine ? beta.data() : nullptr, eps);
        rc::fold_batch_norm(dW.p, db.p, cols, in, dmean.p, dvar.p, affine ? dgamma.p : nullptr,
                            affine ? dbeta.p : nullptr, eps);
        CHECK(count_differences(dW.host(), W) == 0);
        CHECK(count_differences(db.host(), b) == 0);
    }

    struct window {
        std::size_t n, h, w, c, kh, kw, stride, pad;
    };
    for (const window s :
         {window{2, 7, 5, 3, 3, 3, 2, 1}, window{1, 1, 1, 1, 1, 1, 1, 0}, window{8, 32, 32, 64, 2, 2, 2, 0},
          window{3, 9, 11, 5, 3, 2, 1, 1}, window{2, 0, 3, 2, 2, 2, 1, 1}}) {
        const std::size_t oh = (s.h + 2 * s.pad - s.kh) / s.stride + 1, ow = (s.w + 2 * s.pad - s.kw) / s.stride + 1;
        auto in = layer_input<T>(1, s.n * s.h * s.w * s.c + 1, s.h * 31 + s.c);
        if (in.size() > 20) in[17] = std::numeric_limits<T>::quiet_NaN();
        const device_buffer<T> din(in);
        device_buffer<T> dout(s.n * oh * ow * s.c);
        for (const repro::pooling kind : {repro::pooling::max, repro::pooling::mean}) {
            std::vector<T> cpu(dout.n);
            repro::pool2d(in.data(), cpu.data(), s.n, s.h, s.w, s.c, s.kh, s.kw, s.stride, s.pad, kind);
            rc::pool2d(din.p, dout.p, s.n, s.h, s.w, s.c, s.kh, s.kw, s.stride, s.pad, kind);
            CHECK(count_differences(dout.host(), cpu) == 0);
        }
    }

    for (const repro::activation a :
         {repro::activation::none, repro::activation::relu, repro::activation::sigmoid, repro::activation::tanh,
          repro::activation::silu, repro::activation::gelu, repro::activation::gelu_tanh}) {
        CAPTURE(static_cast<int>(a));
        auto cpu = x;
        repro::detail::activate(cpu.data(), cpu.size(), a);
        rc::activate(dx.p, dy.p, x.size(), a);
        CHECK(count_differences(dy.host(), cpu) == 0);
    }
    std::vector<T> cpu(x.size());
    repro::leaky_relu(x.data(), cpu.data(), x.size(), T(0.01));
    rc::leaky_relu(dx.p, dy.p, x.size(), T(0.01));
    CHECK(count_differences(dy.host(), cpu) == 0);
}

TEST_CASE("CUDA row layers on several streams at once, with and without a workspace, give the same bits") {
    const std::size_t rows = 256, cols = 3000, streams = 4;
    std::vector<std::vector<float>> x, expected;
    std::vector<cudaStream_t> s(streams);
    const layer_runner<float> run(cols, 1);
    for (std::size_t k = 0; k < streams; ++k) {
        x.push_back(layer_input<float>(rows, cols, 50 + k));
        expected.push_back(run.cpu(k % 2 ? row_layer::layer_norm : row_layer::softmax, x[k], rows, cols));
        REQUIRE(cudaStreamCreateWithFlags(&s[k], cudaStreamNonBlocking) == cudaSuccess);
    }
    std::vector<std::unique_ptr<device_buffer<float>>> dx, dy;
    const std::size_t bytes = rc::layer_workspace_size<float>(rows, cols);
    device_buffer<char> ws(bytes * streams);
    for (std::size_t k = 0; k < streams; ++k) {
        dx.push_back(std::make_unique<device_buffer<float>>(x[k]));
        dy.push_back(std::make_unique<device_buffer<float>>(x[k].size()));
    }
    for (int round = 0; round < 3; ++round)
        for (std::size_t k = 0; k < streams; ++k) {
            const rc::workspace w = round == 1 ? rc::workspace{ws.p + k * bytes, bytes} : rc::workspace{};
            run.device(k % 2 ? row_layer::layer_norm : row_layer::softmax, dx[k]->p, dy[k]->p, rows, cols, s[k], w);
        }
    for (std::size_t k = 0; k < streams; ++k) {
        REQUIRE(cudaStreamSynchronize(s[k]) == cudaSuccess);
        CHECK(count_differences(dy[k]->host(), expected[k]) == 0);
        cudaStreamDestroy(s[k]);
    }
    // a long row (composed path) through the workspace
    const std::size_t long_cols = 100000;
    const auto xl = layer_input<float>(3, long_cols, 2);
    const device_buffer<float> dxl(xl);
    device_buffer<float> dyl(xl.size());
    device_buffer<char> wl(rc::layer_workspace_size<float>(3, long_cols));
    rc::softmax(dxl.p, dyl.p, 3, long_cols, 0, rc::workspace{wl.p, wl.n});
    CHECK(count_differences(dyl.host(), run.cpu(row_layer::softmax, xl, 3, long_cols)) == 0);
}

TEST_SUITE("arguments") {
    TEST_CASE("bad arguments of the CUDA layers throw what the CPU layers throw, naming the function") {
        const auto message = [](auto f) { return repro_test::invalid_argument_message(f); };
        const float* null = nullptr;
        float* out = nullptr;
        const float* no_params = nullptr;
        CHECK(message([&] { rc::softmax(null, out, 2, 3); }) == "repro::cuda::softmax: x is a null pointer");
        CHECK(message([&] { rc::log_softmax(null, out, 2, 3); }) == "repro::cuda::log_softmax: x is a null pointer");
        CHECK(message([&] { rc::rms_norm(null, no_params, out, 2, 3); }) ==
              "repro::cuda::rms_norm: x is a null pointer");
        CHECK(message([&] { rc::layer_norm(null, no_params, no_params, out, 2, 3); }) ==
              "repro::cuda::layer_norm: x is a null pointer");
        CHECK(message([&] { rc::group_norm(null, no_params, no_params, out, 1, 2, 4, 2); }) ==
              "repro::cuda::group_norm: x is a null pointer");
        CHECK(message([&] { rc::batch_norm(null, out, 2, 3, no_params, no_params, no_params, no_params, 1e-5f); }) ==
              "repro::cuda::batch_norm: x is a null pointer");
        CHECK(message([&] { rc::fold_batch_norm(out, out, 2, 3, null, null, no_params, no_params, 1e-5f); }) ==
              "repro::cuda::fold_batch_norm: W is a null pointer");
        CHECK(message([&] { rc::activate(null, out, 3, repro::activation::relu); }) ==
              "repro::cuda::activate: x is a null pointer");
        CHECK(message([&] { rc::leaky_relu(null, out, 3, 0.1f); }) == "repro::cuda::leaky_relu: x is a null pointer");
        // the checks the CPU makes after the pointers, met with empty shapes (no device pointer needed)
        CHECK(message([&] { rc::rms_norm(null, no_params, out, 0, 0, -1.0f); }) ==
              "repro::cuda::rms_norm: eps must be >= 0");
        CHECK(message([&] { rc::layer_norm(null, no_params, no_params, out, 0, 0, -1.0f); }) ==
              "repro::cuda::layer_norm: eps must be >= 0");
        CHECK(message([&] { rc::batch_norm(null, out, 0, 0, no_params, no_params, no_params, no_params, -1.0f); }) ==
              "repro::cuda::batch_norm: eps must be >= 0");
        CHECK(message([&] { rc::group_norm(null, no_params, no_params, out, 0, 0, 6, 4); }) ==
              "repro::cuda::group_norm: channels must be a multiple of groups >= 1");
        CHECK(message([&] { rc::group_norm(null, no_params, no_params, out, 0, 0, 6, 0); }) ==
              "repro::cuda::group_norm: channels must be a multiple of groups >= 1");
        CHECK(message([&] { rc::group_norm(null, no_params, no_params, out, 0, 0, 6, 3, -1.0f); }) ==
              "repro::cuda::group_norm: eps must be >= 0");
        CHECK(message([&] { rc::pool2d(null, out, 1, 4, 4, 1, 2, 2, 0, 0, repro::pooling::max); }) ==
              "repro::cuda::pool2d: bad window (kernel, stride >= 1, pad < kernel <= padded input)");
        CHECK(message([&] { rc::pool2d(null, out, 1, 4, 4, 1, 2, 2, 1, 2, repro::pooling::mean); }) ==
              "repro::cuda::pool2d: bad window (kernel, stride >= 1, pad < kernel <= padded input)");
        CHECK(message([&] { rc::leaky_relu(null, out, 0, std::numeric_limits<float>::infinity()); }) ==
              "repro::cuda::leaky_relu: slope must be finite");
        CHECK_THROWS_AS(rc::softmax(null, out, std::size_t(1) << 40, std::size_t(1) << 40), std::length_error);
        // the same conditions as the CPU functions: the CPU throws the same kind for each
        CHECK_THROWS_AS(repro::rms_norm(null, no_params, out, 0, 0, -1.0f), std::invalid_argument);
        CHECK_THROWS_AS(repro::group_norm(null, no_params, no_params, out, 0, 0, 6, 4), std::invalid_argument);
        CHECK_THROWS_AS(repro::pool2d(null, out, 1, 4, 4, 1, 2, 2, 1, 2, repro::pooling::mean), std::invalid_argument);
        CHECK_THROWS_AS(repro::leaky_relu(null, out, 0, std::numeric_limits<float>::infinity()), std::invalid_argument);
        // empty shapes are no-ops that accept null pointers, as on the CPU
        CHECK(message([&] { rc::softmax(null, out, 0, 7); }) == "no std::invalid_argument");
        CHECK(message([&] { rc::layer_norm(null, no_params, no_params, out, 5, 0); }) == "no std::invalid_argument");
        CHECK(message([&] { rc::activate(null, out, 0, repro::activation::gelu); }) == "no std::invalid_argument");
    }
}
