#!/usr/bin/env bash
# Builds and runs repro's Fashion-MNIST demo, installing what is missing;
# arguments go to the demo (--help lists them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/.ci/install-deps"
build="$root/build/examples"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPRO_BUILD_TESTS=OFF \
      -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_INSTALL=OFF >/dev/null
cmake --build "$build" --target batch_drift fashion_mnist >/dev/null
"$build/examples/fashion_mnist" "$@"
