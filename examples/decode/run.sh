#!/usr/bin/env bash
# Builds and runs repro's decoding demo, installing what is missing;
# arguments go to the demo (--help lists them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/.ci/install-deps"
build="$root/build/examples"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPRO_BUILD_TESTS=OFF \
      -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_INSTALL=OFF -DREPRO_FASHION_MNIST_CUDA=OFF >/dev/null
cmake --build "$build" --target decode >/dev/null
"$build/examples/decode" "$@"
