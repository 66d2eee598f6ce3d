#!/usr/bin/env bash
# Builds the benchmarks twice (default flags, -march=native), runs them and
# prints each result as a ratio against its peer. Extra arguments go to every
# benchmark binary, e.g. --benchmark_filter=compare.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/.ci/install-deps"
# Debian's OpenBLAS 0.3.21 does not recognise newer AVX-512 CPUs and falls back
# to its SSE3 kernels there; give the peer its AVX-512 (SkylakeX) kernels on
# such CPUs, as its users would. repro does not read this variable.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
echo "OpenBLAS kernels: ${OPENBLAS_CORETYPE:-its own choice}"
for flags in "" "-march=native"; do
  name=${flags:-default}
  build="$root/build/bench-${name#-march=}"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPRO_BUILD_TESTS=OFF \
        -DREPRO_BUILD_EXAMPLES=OFF -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_BUILD_BENCHMARKS=ON \
        "-DREPRO_BENCH_FLAGS=$flags" >/dev/null
  cmake --build "$build" >/dev/null
  for exe in "$build"/bench/bench_*; do
    case "$(basename "$exe")" in
      bench_mpi) continue ;;     # under mpirun: bench/run_mpi.sh
      bench_cuda*) continue ;;   # on a GPU: tests/gpu/run.sh (they exit 77 without one)
    esac
    out="$build/$(basename "$exe").json"
    "$exe" --benchmark_out="$out" --benchmark_out_format=json \
           --benchmark_context=repro_flags="${name#-march=}" "$@" >/dev/null
    python3 "$root/bench/ratios.py" "$out"
  done
done
