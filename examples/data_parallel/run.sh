#!/usr/bin/env bash
# Builds repro's data-parallel demo (installing what is missing), trains it
# in one process and under mpirun -np 1..4, and prints the weights' hashes:
# repro's must be one hash for every rank count (exit 1 otherwise); plain
# MPI_Allreduce's are shown next to it. Arguments go to the demo
# (--quick: 60 steps; --help lists them). DATA_PARALLEL names a built binary.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exe=${DATA_PARALLEL:-}
if [ -z "$exe" ]; then
  bash "$root/.ci/install-deps"
  build="$root/build/examples"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPRO_BUILD_TESTS=OFF \
        -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_INSTALL=OFF -DREPRO_FASHION_MNIST_CUDA=OFF >/dev/null
  cmake --build "$build" --target data_parallel >/dev/null
  exe="$build/examples/data_parallel"
fi
# Open MPI: more ranks than cores, and root (CI) allowed.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
lines=("one process (no mpirun): $("$exe" "$@")")
for ranks in 1 2 3 4; do
  lines+=("mpirun -np $ranks: $(mpirun -np "$ranks" "$exe" "$@")")
done
printf '%s\n' "${lines[@]}"
exact=$(printf '%s\n' "${lines[@]}" | grep -o 'allreduce_exact: weights [0-9a-f]*' | sort -u | wc -l)
plain=$(printf '%s\n' "${lines[@]}" | grep -o 'MPI_SUM): weights [0-9a-f]*' | sort -u | wc -l)
echo "repro::mpi::allreduce_exact: $exact distinct weight hash(es) over 5 runs; MPI_Allreduce(MPI_SUM): $plain"
[ "$exact" -eq 1 ]
