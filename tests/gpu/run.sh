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
# One object per file, built side by side (the machine has the cores).
objects=()
pids=()
for f in test_gpu test_gpu_linalg test_gpu_tensor_core test_gpu_nn test_gpu_invariance test_gpu_attention; do
  "$nvcc" "${flags[@]}" -c "$root/tests/gpu/$f.cu" -o "$out/$f.o" & pids+=($!)
  objects+=("$out/$f.o")
done
for p in "${pids[@]}"; do wait "$p" || { echo "FAILED: build of test_gpu"; exit 1; }; done
"$nvcc" "${flags[@]}" "${objects[@]}" -o "$out/test_gpu" -lcublas || { echo "FAILED: link of test_gpu"; exit 1; }
# repro::cuda::nccl on 1 and 2 GPUs, where NCCL is installed.
nccl=0
"$nvcc" "${flags[@]}" "$root/tests/gpu/test_gpu_nccl.cu" -o "$out/test_gpu_nccl" -lnccl && nccl=1 ||
  echo "test_gpu_nccl not built (NCCL missing?)"
benches=()
if [ "${BENCH:-1}" = 1 ]; then
  echo "=== building the benchmarks"
  bflags=()
  [ -n "${BENCHMARK_PREFIX:-}" ] && bflags+=(-I"$BENCHMARK_PREFIX/include" -L"$BENCHMARK_PREFIX/lib")
  pids=()
  for b in bench_cuda bench_cuda_linalg bench_cuda_nn bench_cuda_attention; do
    "$nvcc" "${flags[@]}" "${bflags[@]}" "$root/bench/$b.cu" -o "$out/$b" -lbenchmark -lpthread -lcublas & pids+=($!)
  done
  i=0
  for b in bench_cuda bench_cuda_linalg bench_cuda_nn bench_cuda_attention; do
    if wait "${pids[$i]}"; then benches+=("$b"); else echo "$b not built (Google Benchmark missing?)"; fi
    i=$((i + 1))
  done
fi
echo "=== built in $((SECONDS - start)) s"

echo "=== test_gpu"
"$out/test_gpu"
tests=$?
if ((nccl)); then
  echo "=== test_gpu_nccl"
  "$out/test_gpu_nccl"
  status=$?
  ((status)) && tests=$status
fi
bench=skipped
for b in "${benches[@]}"; do
  echo "=== $b"
  "$out/$b" --benchmark_min_time=0.2s --benchmark_counters_tabular=true | tee "$out/$b.txt"
  status=$?
  [ "$bench" = skipped ] && bench=0
  ((status)) && bench=$status
done
if [ -f "$out/bench_cuda.txt" ]; then
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
if [ -f "$out/bench_cuda_linalg.txt" ]; then python3 "$root/bench/cuda_ratios.py" "$out/bench_cuda_linalg.txt"; fi
if [ -f "$out/bench_cuda_nn.txt" ]; then
  # against a straightforward kernel, and against a copy of the same bytes
  python3 "$root/bench/cuda_ratios.py" "$out/bench_cuda_nn.txt" --arg rows/cols \
    --pair rms_norm_repro=rms_norm_peer --pair layer_norm_repro=layer_norm_peer --pair softmax_repro=softmax_peer \
    --pair rms_norm_repro=copy_device_to_device --pair layer_norm_repro=copy_device_to_device \
    --pair softmax_repro=copy_device_to_device
fi
if [ -f "$out/bench_cuda_attention.txt" ]; then
  python3 "$root/bench/cuda_ratios.py" "$out/bench_cuda_attention.txt" --arg len/dim --pair prefill_repro=prefill_peer
  python3 "$root/bench/cuda_ratios.py" "$out/bench_cuda_attention.txt" --arg context --pair decode_repro=decode_peer
fi
echo "=== summary: test_gpu exit $tests, bench_cuda ${bench}, $((SECONDS - start)) s"
exit $tests
