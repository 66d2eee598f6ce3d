// repro::matmul against Eigen's and OpenBLAS's float GEMM in the same binary,
// C = A B with A M x K, B K x N (row-major), on 1 and 2 threads (or the
// counts given by --threads=1,2,4,8,16: the scaling figures on a larger
// machine), and repro::linear (B given transposed, N x K) against the same.
// Names:
// matmul_k<K>_n<N>_t<threads>/<implementation>/<M> (linear_... alike); both peers are marked
// peer: and bench/ratios.py reports repro against the faster of them.
// OpenBLAS picks its kernels from the CPU (OPENBLAS_CORETYPE forces one;
// bench/run.sh sets SkylakeX on AVX-512 CPUs) and runs with openblas_set_num_threads(threads); Eigen runs with
// Eigen::setNbThreads(threads) (its GEMM is parallel under OpenMP).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <repro/linalg.hpp>
#include <string>
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

// Transposed: B is given as W = B^T (N x K, PyTorch's Linear layout), the
// layout of repro::linear; Eigen computes A * W.transpose(), OpenBLAS sgemm
// with W transposed.
template <int K, int N, bool Transposed>
void peer_eigen(benchmark::State& state, int threads) {
    Eigen::setNbThreads(threads);
    problem p(state.range(0), K, N);
    const row_major W = p.B.transpose();
    for (auto _ : state) {
        if constexpr (Transposed)
            p.C.noalias() = p.A * W.transpose();
        else
            p.C.noalias() = p.A * p.B;
        benchmark::ClobberMemory();
    }
    flops(state, p);
}

template <int K, int N, bool Transposed>
void peer_openblas(benchmark::State& state, int threads) {
    openblas_set_num_threads(threads);
    problem p(state.range(0), K, N);
    const row_major W = p.B.transpose();
    for (auto _ : state) {
        if constexpr (Transposed)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(p.M), N, K, 1.0f, p.A.data(), K, W.data(), K, 0.0f,
                        p.C.data(), N);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(p.M), N, K, 1.0f, p.A.data(), K, p.B.data(), N,
                        0.0f, p.C.data(), N);
        benchmark::ClobberMemory();
    }
    flops(state, p);
}

// repro::matmul(A, B); repro::linear(A, W) with W as given or stored once as
// repro::linear_weights.
enum class repro_call { matmul, linear, linear_weights };

template <int K, int N, repro_call Call>
void repro_product(benchmark::State& state, int threads) {
    problem p(state.range(0), K, N);
    const row_major W = p.B.transpose();
    const repro::linear_weights<float> stored(W.data(), N, K);
    const std::size_t M = std::size_t(p.M);
    const repro::threads t{static_cast<unsigned>(threads)};
    for (auto _ : state) {
        if constexpr (Call == repro_call::matmul)
            repro::matmul(p.A.data(), p.B.data(), p.C.data(), M, K, N, t);
        else if constexpr (Call == repro_call::linear)
            repro::linear(p.A.data(), W.data(), nullptr, p.C.data(), M, K, N, repro::activation::none, t);
        else
            repro::linear(p.A.data(), stored, nullptr, p.C.data(), M, repro::activation::none, t);
        benchmark::ClobberMemory();
    }
    flops(state, p);
}

template <int K, int N>
void register_matmul(int t) {
    const std::string task = "matmul_k" + std::to_string(K) + "_n" + std::to_string(N) + "_t" + std::to_string(t);
    for (auto* b :
         {benchmark::RegisterBenchmark((task + "/peer:eigen").c_str(), peer_eigen<K, N, false>, t),
          benchmark::RegisterBenchmark((task + "/peer:openblas").c_str(), peer_openblas<K, N, false>, t),
          benchmark::RegisterBenchmark((task + "/repro_matmul").c_str(), repro_product<K, N, repro_call::matmul>, t)})
        b->Arg(1)->Arg(8)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);
}

template <int K, int N>
void register_linear(int t) {
    const std::string task = "linear_k" + std::to_string(K) + "_n" + std::to_string(N) + "_t" + std::to_string(t);
    for (auto* b :
         {benchmark::RegisterBenchmark((task + "/peer:eigen").c_str(), peer_eigen<K, N, true>, t),
          benchmark::RegisterBenchmark((task + "/peer:openblas").c_str(), peer_openblas<K, N, true>, t),
          benchmark::RegisterBenchmark((task + "/repro_linear").c_str(), repro_product<K, N, repro_call::linear>, t),
          benchmark::RegisterBenchmark((task + "/repro_linear_weights").c_str(),
                                       repro_product<K, N, repro_call::linear_weights>, t)})
        b->Arg(1)->Arg(8)->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);
}

// --threads=a,b,...: the thread counts of the matmul benchmarks (default
// 1,2), taken out of argv before Google Benchmark reads its flags.
std::vector<int> thread_counts(int& argc, char** argv) {
    std::vector<int> counts;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) != 0) {
            argv[kept++] = argv[i];
            continue;
        }
        for (const char* p = argv[i] + 10; *p != 0;) {
            char* end = nullptr;
            const long v = std::strtol(p, &end, 10);
            if (end == p || v < 1 || v > 1024) {
                std::fprintf(stderr, "bench_linalg: --threads takes counts like 1,2,4,8,16\n");
                std::exit(2);
            }
            counts.push_back(static_cast<int>(v));
            p = *end == ',' ? end + 1 : end;
        }
    }
    argc = kept;
    return counts.empty() ? std::vector<int>{1, 2} : counts;
}

}  // namespace

int main(int argc, char** argv) {
    for (const int t : thread_counts(argc, argv)) {
        register_matmul<1024, 1024>(t);
        register_matmul<4096, 1024>(t);
        register_matmul<2048, 2048>(t);
    }
    // a classifier head: 10 outputs, less than two registers of columns
    register_matmul<1024, 10>(1);
    register_linear<1024, 1024>(1);
    register_linear<4096, 1024>(1);
    // a small layer: W (256 KiB) stays in cache, so the transposes of W, not
    // its reads from memory, set repro::linear's time at batch 1
    register_linear<256, 256>(1);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
