// repro's row-wise layers against the Eigen row-wise expressions a user would
// write (same binary, rows x cols row-major; float, and double for softmax
// and log_softmax), the activations (repro::math's array forms, which
// repro::linear and conv2d apply to their rows) against Eigen's array
// expressions, and add_gaussian_noise against Random123's Philox and
// Box-Muller added to the rows. Names: <task>/<implementation>/<rows>;
// peer: is the reference of bench/ratios.py.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <Random123/boxmuller.hpp>
#include <Random123/philox.h>
#include <cstdint>
#include <repro/math.hpp>
#include <repro/nn.hpp>
#include <unsupported/Eigen/SpecialFunctions>
#include <vector>

namespace {

template <class T>
using matrix_of = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using matrix = matrix_of<float>;
constexpr Eigen::Index cols = 1024;

template <class T = float>
matrix_of<T> data(Eigen::Index rows) {
    matrix_of<T> x(rows, cols);
    std::uint32_t s = 3;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
        s = s * 1664525u + 1013904223u;
        x.data()[i] = static_cast<T>(static_cast<float>(s >> 8) * (8.0f / 16777216.0f) - 4.0f);
    }
    return x;
}

void items(benchmark::State& state) { state.SetItemsProcessed(state.iterations() * state.range(0) * cols); }

template <class T>
void peer_softmax(benchmark::State& state) {
    const matrix_of<T> x = data<T>(state.range(0));
    matrix_of<T> y(x.rows(), x.cols());
    for (auto _ : state) {
        y = (x.colwise() - x.rowwise().maxCoeff()).array().exp().matrix();
        y = y.array().colwise() / y.rowwise().sum().array();
        benchmark::ClobberMemory();
    }
    items(state);
}

template <class T>
void repro_softmax(benchmark::State& state) {
    const matrix_of<T> x = data<T>(state.range(0));
    matrix_of<T> y(x.rows(), x.cols());
    for (auto _ : state) {
        repro::softmax(x.data(), y.data(), std::size_t(x.rows()), std::size_t(cols));
        benchmark::ClobberMemory();
    }
    items(state);
}

template <class T>
void peer_log_softmax(benchmark::State& state) {
    const matrix_of<T> x = data<T>(state.range(0));
    matrix_of<T> y(x.rows(), x.cols());
    for (auto _ : state) {
        y = x.colwise() - x.rowwise().maxCoeff();
        y = y.colwise() - y.array().exp().rowwise().sum().log().matrix();
        benchmark::ClobberMemory();
    }
    items(state);
}

template <class T>
void repro_log_softmax(benchmark::State& state) {
    const matrix_of<T> x = data<T>(state.range(0));
    matrix_of<T> y(x.rows(), x.cols());
    for (auto _ : state) {
        repro::log_softmax(x.data(), y.data(), std::size_t(x.rows()), std::size_t(cols));
        benchmark::ClobberMemory();
    }
    items(state);
}

void peer_rms_norm(benchmark::State& state) {
    const matrix x = data(state.range(0));
    matrix y(x.rows(), x.cols());
    for (auto _ : state) {
        y = x.array().colwise() * ((x.rowwise().squaredNorm().array() / float(cols)) + 1e-6f).rsqrt();
        benchmark::ClobberMemory();
    }
    items(state);
}

void repro_rms_norm(benchmark::State& state) {
    const matrix x = data(state.range(0));
    matrix y(x.rows(), x.cols());
    for (auto _ : state) {
        repro::rms_norm(x.data(), nullptr, y.data(), std::size_t(x.rows()), std::size_t(cols), 1e-6f);
        benchmark::ClobberMemory();
    }
    items(state);
}

void peer_layer_norm(benchmark::State& state) {
    const matrix x = data(state.range(0));
    matrix y(x.rows(), x.cols());
    for (auto _ : state) {
        y = x.colwise() - x.rowwise().mean();
        y = y.array().colwise() * ((y.rowwise().squaredNorm().array() / float(cols)) + 1e-5f).rsqrt();
        benchmark::ClobberMemory();
    }
    items(state);
}

void repro_layer_norm(benchmark::State& state) {
    const matrix x = data(state.range(0));
    matrix y(x.rows(), x.cols());
    for (auto _ : state) {
        repro::layer_norm(x.data(), nullptr, nullptr, y.data(), std::size_t(x.rows()), std::size_t(cols), 1e-5f);
        benchmark::ClobberMemory();
    }
    items(state);
}

// ---- activations: y = f(x) over the whole matrix ----

enum class act { gelu, gelu_tanh, silu };

template <class T, act A>
void peer_activation(benchmark::State& state) {
    const matrix_of<T> x = data<T>(state.range(0));
    matrix_of<T> y(x.rows(), x.cols());
    const T half = T(0.5), one = T(1), rsqrt2 = T(0.70710678118654752440), c0 = T(0.79788456080286535588),
            c1 = T(0.044715);
    for (auto _ : state) {
        const auto a = x.array();
        if constexpr (A == act::gelu)
            y.array() = half * a * (one + (a * rsqrt2).erf());
        else if constexpr (A == act::gelu_tanh)
            y.array() = half * a * (one + (c0 * (a + c1 * a * a * a)).tanh());
        else
            y.array() = a / (one + (-a).exp());
        benchmark::ClobberMemory();
    }
    items(state);
}

template <class T, act A>
void repro_activation(benchmark::State& state) {
    const matrix_of<T> x = data<T>(state.range(0));
    matrix_of<T> y(x.rows(), x.cols());
    const std::size_t n = static_cast<std::size_t>(x.size());
    for (auto _ : state) {
        if constexpr (A == act::gelu)
            repro::math::gelu(x.data(), y.data(), n);
        else if constexpr (A == act::gelu_tanh)
            repro::math::gelu_tanh(x.data(), y.data(), n);
        else
            repro::math::silu(x.data(), y.data(), n);
        benchmark::ClobberMemory();
    }
    items(state);
}

// ---- additive Gaussian noise, one stream per row (sample) ----

void peer_noise(benchmark::State& state) {
    const matrix x = data(state.range(0));
    matrix y(x.rows(), x.cols());
    const r123::Philox4x32::key_type key = {{0xdeadbeef, 0x12345678}};
    const float stddev = 0.1f;
    r123::Philox4x32 philox;
    for (auto _ : state) {
        for (Eigen::Index r = 0; r < x.rows(); ++r) {
            for (Eigen::Index c = 0; c < cols; c += 4) {
                const r123::Philox4x32::ctr_type ctr = {
                    {static_cast<std::uint32_t>(c / 4), static_cast<std::uint32_t>(r), 0, 0}};
                const auto w = philox(ctr, key);
                const r123::float2 z0 = r123::boxmuller(w.v[0], w.v[1]), z1 = r123::boxmuller(w.v[2], w.v[3]);
                y(r, c) = x(r, c) + stddev * z0.x;
                y(r, c + 1) = x(r, c + 1) + stddev * z0.y;
                y(r, c + 2) = x(r, c + 2) + stddev * z1.x;
                y(r, c + 3) = x(r, c + 3) + stddev * z1.y;
            }
        }
        benchmark::ClobberMemory();
    }
    items(state);
}

void repro_noise(benchmark::State& state) {
    const matrix x = data(state.range(0));
    matrix y(x.rows(), x.cols());
    std::vector<std::uint64_t> ids(static_cast<std::size_t>(x.rows()));
    for (std::size_t r = 0; r < ids.size(); ++r) ids[r] = r;
    const repro::random_key key{{0xdeadbeef, 0x12345678}};
    for (auto _ : state) {
        repro::add_gaussian_noise(x.data(), y.data(), ids.size(), std::size_t(cols), 0.1f, key, ids.data(), 0,
                                  repro::threads{1});
        benchmark::ClobberMemory();
    }
    items(state);
}

}  // namespace

#define ROWS Arg(1)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond)
BENCHMARK(peer_softmax<float>)->Name("softmax/peer:eigen_rowwise")->ROWS;
BENCHMARK(repro_softmax<float>)->Name("softmax/repro_softmax")->ROWS;
BENCHMARK(peer_softmax<double>)->Name("softmax_double/peer:eigen_rowwise")->ROWS;
BENCHMARK(repro_softmax<double>)->Name("softmax_double/repro_softmax")->ROWS;
BENCHMARK(peer_log_softmax<float>)->Name("log_softmax/peer:eigen_rowwise")->ROWS;
BENCHMARK(repro_log_softmax<float>)->Name("log_softmax/repro_log_softmax")->ROWS;
BENCHMARK(peer_log_softmax<double>)->Name("log_softmax_double/peer:eigen_rowwise")->ROWS;
BENCHMARK(repro_log_softmax<double>)->Name("log_softmax_double/repro_log_softmax")->ROWS;
BENCHMARK(peer_rms_norm)->Name("rms_norm/peer:eigen_rowwise")->ROWS;
BENCHMARK(repro_rms_norm)->Name("rms_norm/repro_rms_norm")->ROWS;
BENCHMARK(peer_layer_norm)->Name("layer_norm/peer:eigen_rowwise")->ROWS;
BENCHMARK(repro_layer_norm)->Name("layer_norm/repro_layer_norm")->ROWS;
BENCHMARK(peer_activation<float, act::gelu>)->Name("gelu/peer:eigen_erf")->ROWS;
BENCHMARK(repro_activation<float, act::gelu>)->Name("gelu/repro_gelu")->ROWS;
BENCHMARK(peer_activation<double, act::gelu>)->Name("gelu_double/peer:eigen_erf")->ROWS;
BENCHMARK(repro_activation<double, act::gelu>)->Name("gelu_double/repro_gelu")->ROWS;
BENCHMARK(peer_activation<float, act::gelu_tanh>)->Name("gelu_tanh/peer:eigen_tanh")->ROWS;
BENCHMARK(repro_activation<float, act::gelu_tanh>)->Name("gelu_tanh/repro_gelu_tanh")->ROWS;
BENCHMARK(peer_activation<double, act::gelu_tanh>)->Name("gelu_tanh_double/peer:eigen_tanh")->ROWS;
BENCHMARK(repro_activation<double, act::gelu_tanh>)->Name("gelu_tanh_double/repro_gelu_tanh")->ROWS;
BENCHMARK(peer_activation<float, act::silu>)->Name("silu/peer:eigen_exp")->ROWS;
BENCHMARK(repro_activation<float, act::silu>)->Name("silu/repro_silu")->ROWS;
BENCHMARK(peer_activation<double, act::silu>)->Name("silu_double/peer:eigen_exp")->ROWS;
BENCHMARK(repro_activation<double, act::silu>)->Name("silu_double/repro_silu")->ROWS;
BENCHMARK(peer_noise)->Name("gaussian_noise/peer:random123_boxmuller")->ROWS;
BENCHMARK(repro_noise)->Name("gaussian_noise/repro_add_gaussian_noise")->ROWS;
BENCHMARK_MAIN();
