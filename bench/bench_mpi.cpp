// repro::mpi::allreduce_exact against MPI_Allreduce(MPI_SUM) of the same
// floats or doubles, n = 10^3 .. 10^7 elements per rank, under
// mpirun -np R (bench/run_mpi.sh runs R = 2 and 4). Every rank runs the
// same fixed number of iterations (a collective cannot let each rank pick
// its own); the time of an iteration is the slowest rank's, after a
// barrier. Rank 0 reports; ratios.py turns its JSON into ratios.

#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <repro/mpi.hpp>
#include <repro/random.hpp>

namespace {

// Gradient-like values: normal, scaled by a per-element power of two over 2^-8 .. 2^8.
template <class T>
std::vector<T> values(std::size_t n, int rank) {
    std::vector<T> x(n);
    const repro::random_stream s(repro::random_key::from_seed(2024).fold_in(static_cast<std::uint64_t>(rank)), 0);
    s.fill_normal(x.data(), n);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::ldexp(x[i], static_cast<int>(i % 17) - 8);
    return x;
}

template <class T>
MPI_Datatype mpi_type() {
    return sizeof(T) == 4 ? MPI_FLOAT : MPI_DOUBLE;
}

template <class T, bool Exact>
void allreduce(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const auto x = values<T>(n, rank);
    std::vector<T> out(n);
    for (auto _ : state) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        if (Exact)
            repro::mpi::allreduce_exact(x.data(), out.data(), n, MPI_COMM_WORLD);
        else
            MPI_Allreduce(x.data(), out.data(), static_cast<int>(n), mpi_type<T>(), MPI_SUM, MPI_COMM_WORLD);
        double t = MPI_Wtime() - t0, slowest = 0;
        MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        state.SetIterationTime(slowest);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * sizeof(T)));
}

class silent : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>&) override {}
};

template <class T, bool Exact>
void add(const std::string& task, const char* impl) {
    for (std::int64_t n = 1000; n <= 10000000; n *= 10) {
        // about 2 * 10^7 elements in all per size, at least 5 iterations
        const auto iterations = std::max<std::int64_t>(5, 20000000 / n);
        benchmark::RegisterBenchmark((task + "/" + impl + "/" + std::to_string(n)).c_str(), allreduce<T, Exact>)
            ->Arg(n)
            ->Iterations(iterations)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const std::string ranks = "_np" + std::to_string(size);
    add<float, false>("allreduce_float" + ranks, "peer:MPI_Allreduce");
    add<float, true>("allreduce_float" + ranks, "repro::mpi::allreduce_exact");
    add<double, false>("allreduce_double" + ranks, "peer:MPI_Allreduce");
    add<double, true>("allreduce_double" + ranks, "repro::mpi::allreduce_exact");
    // Rank 0 reports (console and --benchmark_out); the others run the same
    // iterations silently and write no file.
    std::vector<char*> args(argv, argv + argc);
    if (rank != 0)
        args.erase(std::remove_if(args.begin() + 1, args.end(),
                                  [](const char* a) { return std::string(a).rfind("--benchmark_out", 0) == 0; }),
                   args.end());
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    if (rank == 0) {
        benchmark::RunSpecifiedBenchmarks();
    } else {
        silent quiet;
        benchmark::RunSpecifiedBenchmarks(&quiet);
    }
    benchmark::Shutdown();
    MPI_Finalize();
    return 0;
}
