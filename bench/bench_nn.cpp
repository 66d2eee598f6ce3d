// repro's row-wise layers against the Eigen row-wise expressions a user would
// write (same binary, rows x cols row-major; float, and double for softmax
// and log_softmax). Names: <task>/<implementation>/<rows>; peer: is the
// reference of bench/ratios.py.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdint>
#include <repro/nn.hpp>

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
BENCHMARK_MAIN();
