// repro::matmul against Eigen's and OpenBLAS's float GEMM in the same binary,
// C = A B with A M x K, B K x N (row-major), single thread. Names:
// <task>/<implementation>/<M>; peer: is the reference of bench/ratios.py
// (the target is the faster of Eigen and OpenBLAS; both are listed).
// OpenBLAS picks its kernels from the CPU (set OPENBLAS_CORETYPE to force
// one) and runs with openblas_set_num_threads(1).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <Eigen/Core>
#include <cstdint>
#include <repro/linalg.hpp>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct problem {
    std::int64_t M, K, N;
    row_major A, B, C;
    problem(std::int64_t m, std::int64_t k, std::int64_t n) : M(m), K(k), N(n), A(m, k), B(k, n), C(m, n) {
        std::uint32_t s = 7;
        auto next = [&] {
            s = s * 1664525u + 1013904223u;
            return static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
        };
        for (std::int64_t i = 0; i < A.size(); ++i) A.data()[i] = next();
        for (std::int64_t i = 0; i < B.size(); ++i) B.data()[i] = next();
    }
};

void flops(benchmark::State& state, const problem& p) {
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(p.M * p.K * p.N) * double(state.iterations()),
                                                   benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

template <int K, int N>
void peer_eigen(benchmark::State& state) {
    Eigen::setNbThreads(1);
    problem p(state.range(0), K, N);
    for (auto _ : state) {
        p.C.noalias() = p.A * p.B;
        benchmark::ClobberMemory();
    }
    flops(state, p);
}

template <int K, int N>
void peer_openblas(benchmark::State& state) {
    openblas_set_num_threads(1);
    problem p(state.range(0), K, N);
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(p.M), N, K, 1.0f, p.A.data(), K, p.B.data(), N, 0.0f,
                    p.C.data(), N);
        benchmark::ClobberMemory();
    }
    flops(state, p);
}

template <int K, int N>
void repro_matmul(benchmark::State& state) {
    problem p(state.range(0), K, N);
    for (auto _ : state) {
        repro::matmul(p.A.data(), p.B.data(), p.C.data(), std::size_t(p.M), K, N);
        benchmark::ClobberMemory();
    }
    flops(state, p);
}

}  // namespace

#define MS Arg(1)->Arg(8)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond)
BENCHMARK(peer_eigen<1024, 1024>)->Name("matmul_k1024_n1024/peer:eigen")->MS;
BENCHMARK(peer_openblas<1024, 1024>)->Name("matmul_k1024_n1024/openblas")->MS;
BENCHMARK(repro_matmul<1024, 1024>)->Name("matmul_k1024_n1024/repro_matmul")->MS;
BENCHMARK(peer_eigen<4096, 1024>)->Name("matmul_k4096_n1024/peer:eigen")->MS;
BENCHMARK(peer_openblas<4096, 1024>)->Name("matmul_k4096_n1024/openblas")->MS;
BENCHMARK(repro_matmul<4096, 1024>)->Name("matmul_k4096_n1024/repro_matmul")->MS;
BENCHMARK_MAIN();
