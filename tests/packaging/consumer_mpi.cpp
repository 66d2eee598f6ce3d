// A consumer of repro::mpi: every rank adds 0.1 ten times; the exact sum over
// R ranks is the correctly rounded 0.1 * 10 R (as one process would get it).
#include <repro/mpi.hpp>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const std::vector<double> mine(10, 0.1);
    const std::vector<double> all(10 * static_cast<std::size_t>(size), 0.1);
    const double got = repro::mpi::exact_sum(mine.data(), mine.size(), MPI_COMM_WORLD);
    const int ok = got == repro::exact_sum(all.data(), all.size());
    std::printf("repro::mpi::exact_sum over %d ranks: %.17g (%s)\n", size, got, ok ? "ok" : "WRONG");
    MPI_Finalize();
    return ok ? 0 : 1;
}
