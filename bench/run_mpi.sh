#!/usr/bin/env bash
# Builds bench_mpi (repro::mpi::allreduce_exact against MPI_Allreduce(MPI_SUM))
# and runs it under mpirun -np 2 and -np 4 on this machine, printing the
# ratios (peer time / repro time; below 1 means slower than the plain
# allreduce). Extra arguments go to the benchmark, e.g. --benchmark_filter=float.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/.ci/install-deps"
build="$root/build/bench-default"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPRO_BUILD_TESTS=OFF \
      -DREPRO_BUILD_EXAMPLES=OFF -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" --target bench_mpi >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
for ranks in ${RANKS:-2 4}; do
  out="$build/bench_mpi_np$ranks.json"
  mpirun -np "$ranks" "$build/bench/bench_mpi" --benchmark_out="$out" --benchmark_out_format=json \
         --benchmark_context=repro_flags=default "$@" >/dev/null
  python3 "$root/bench/ratios.py" "$out"
done
