#!/usr/bin/env bash
# Builds and runs repro's test suite with ctest, installing what is missing.
#   bash tests/run.sh              C++17: unit, example, header, portability, packaging and CUDA-compile tests
#   bash tests/run.sh --std 20     the same unit tests as C++20 (the others skipped)
#   bash tests/run.sh --sanitize   the unit tests under AddressSanitizer + UBSan (the others skipped)
#   bash tests/run.sh --std 20 --sanitize   both: what CI runs after the first command
#   bash tests/run.sh --fuzz [SECONDS]     the libFuzzer targets (clang), SECONDS each (default 30)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
std=17
sanitize=0
fuzz=""
while (($#)); do
  case "$1" in
    --std) std=$2; shift 2 ;;
    --sanitize) sanitize=1; shift ;;
    --fuzz) fuzz=30; shift; if (($#)) && [[ $1 =~ ^[0-9]+$ ]]; then fuzz=$1; shift; fi ;;
    *) echo "usage: $0 [--std 17|20] [--sanitize] | --fuzz [SECONDS]" >&2; exit 2 ;;
  esac
done
bash "$root/.ci/install-deps"

if [ -n "$fuzz" ]; then
  build="$root/build/tests-fuzz"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release \
        -DREPRO_BUILD_TESTS=OFF -DREPRO_BUILD_EXAMPLES=OFF -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_INSTALL=OFF \
        -DREPRO_BUILD_FUZZERS=ON -DREPRO_FUZZ_SECONDS="$fuzz" >/dev/null
  cmake --build "$build" -j"$(nproc)"
  exec ctest --test-dir "$build" -L fuzz -j"$(nproc)" --output-on-failure
fi

build="$root/build/tests-cxx$std"
options=(-DCMAKE_CXX_STANDARD="$std" -DREPRO_WERROR=ON)
ctest_filter=()
if ((sanitize)); then
  build="$build-sanitize"
  # -g1: line numbers in reports, without the full debug info that doubled the build time;
  # -O0 builds the instrumented tests in half of -O1's time; the tests that
  # run long unoptimised take -O1 or -O2 (tests/CMakeLists.txt)
  options+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O0 -g1 -DNDEBUG" -DREPRO_SANITIZE=address,undefined)
else
  options+=(-DCMAKE_BUILD_TYPE=Release)
fi
# The full set only in the C++17 build; the other two run the unit tests.
if ((sanitize)) || [ "$std" != 17 ]; then
  options+=(-DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_BUILD_PORTABILITY_TEST=OFF -DREPRO_BUILD_ACCURACY_CHECKS=OFF -DREPRO_BUILD_TOOLS=OFF
            -DREPRO_BUILD_EXAMPLES=OFF -DREPRO_BUILD_HEADER_CHECKS=OFF)
  ctest_filter=(-LE packaging)
else
  options+=(-DREPRO_BUILD_EXAMPLES=ON)
  # The CUDA tests build for this machine's GPU, or, without one, as
  # unoptimised compute_90 PTX (they compile and skip; the packaging tests and
  # the SASS checks cover the other architectures and the optimised device
  # code): every further architecture costs minutes.
  if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
    options+=(-DCMAKE_CUDA_ARCHITECTURES=native -DREPRO_CUDA_TESTS_COMPILE_ONLY=OFF)
  else
    options+=(-DCMAKE_CUDA_ARCHITECTURES=90 -DREPRO_CUDA_TESTS_COMPILE_ONLY=ON)
  fi
fi

cmake -S "$root" -B "$build" -G Ninja "${options[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "${ctest_filter[@]}"
