#!/usr/bin/env bash
# Builds and runs repro's GPU tests and GPU benchmark on a machine with an
# NVIDIA GPU and nvcc, then prints a summary. Builds for the GPU it finds
# (nvidia-smi's compute capability; override with ARCH=90), straight with
# nvcc, so it needs no CMake configure: about 2-3 minutes in all.
#   bash tests/gpu/run.sh            tests, then the benchmark
#   BENCH=0 bash tests/gpu/run.sh    tests only
# Needs doctest's header (doctest-dev) and, for the benchmark, Google
# Benchmark (libbenchmark-dev); DOCTEST_INCLUDE / BENCHMARK_PREFIX point at
# other copies. Exits 77 when there is no GPU.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT_DIR:-$root/build/gpu}
mkdir -p "$out"
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIPPED: no NVIDIA GPU on this machine (nvidia-smi finds none)"
  exit 77
fi
arch=${ARCH:-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)}
nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader
"$nvcc" --version | tail -1
flags=(-std=c++17 -O3 -arch="sm_$arch" -Werror all-warnings -I"$root/include" -I"$root/tests")
[ -n "${DOCTEST_INCLUDE:-}" ] && flags+=(-I"$DOCTEST_INCLUDE")

start=$SECONDS
echo "=== building test_gpu (sm_$arch)"
"$nvcc" "${flags[@]}" "$root/tests/gpu/test_gpu.cu" -o "$out/test_gpu" || { echo "FAILED: build of test_gpu"; exit 1; }
bench_built=0
if [ "${BENCH:-1}" = 1 ]; then
  echo "=== building bench_cuda"
  bflags=()
  [ -n "${BENCHMARK_PREFIX:-}" ] && bflags+=(-I"$BENCHMARK_PREFIX/include" -L"$BENCHMARK_PREFIX/lib")
  if "$nvcc" "${flags[@]}" "${bflags[@]}" "$root/bench/bench_cuda.cu" -o "$out/bench_cuda" -lbenchmark -lpthread; then
    bench_built=1
  else
    echo "bench_cuda not built (Google Benchmark missing?)"
  fi
fi
echo "=== built in $((SECONDS - start)) s"

echo "=== test_gpu"
"$out/test_gpu"
tests=$?
bench=skipped
if ((bench_built)); then
  echo "=== bench_cuda"
  "$out/bench_cuda" --benchmark_min_time=0.2s --benchmark_counters_tabular=true | tee "$out/bench_cuda.txt"
  bench=$?
  # Ratios against CUB's DeviceReduce::Sum and the copy, per size.
  python3 - "$out/bench_cuda.txt" <<'PY' || true
import re, sys
t = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\w+)/(\d+)/manual_time\s+([\d.]+) us", line)
    if m: t[(m.group(1), int(m.group(2)))] = float(m.group(3))
for n in sorted({k[1] for k in t}):
    cub = t.get(("sum_cub", n)); cp = t.get(("copy_device_to_device", n))
    row = [f"n = 2^{n.bit_length() - 1}:"]
    for name in ("sum_repro", "exact_sum_repro"):
        if cub and (name, n) in t: row.append(f"{name} {cub / t[(name, n)]:.2f}x CUB")
    if cp and ("sum_repro", n) in t: row.append(f"sum_repro {cp / t[('sum_repro', n)]:.2f}x copy")
    print("  ".join(row))
PY
fi
echo "=== summary: test_gpu exit $tests, bench_cuda ${bench}, $((SECONDS - start)) s"
exit $tests
