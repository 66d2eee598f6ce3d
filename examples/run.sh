#!/usr/bin/env bash
# Builds and runs repro's Fashion-MNIST demo, installing what is missing;
# arguments go to the demo (--help lists them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/.ci/install-deps"
build="$root/build/examples"
# The demo's GPU part (--device cuda, nvcc: minutes to compile) is built only when asked for.
cuda=OFF prev=
for a in "$@"; do
  if [ "$prev" = --device ] && [ "$a" = cuda ]; then cuda=ON; fi
  prev=$a
done
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPRO_BUILD_TESTS=OFF -DREPRO_BUILD_EXAMPLES=ON \
      -DREPRO_BUILD_CUDA_CHECKS=OFF -DREPRO_INSTALL=OFF -DREPRO_FASHION_MNIST_CUDA=$cuda >/dev/null
cmake --build "$build" --target batch_drift fashion_mnist >/dev/null
"$build/examples/fashion_mnist" "$@"
