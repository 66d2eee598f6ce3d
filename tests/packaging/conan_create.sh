#!/usr/bin/env bash
# conan create on a copy of the recipe's sources, with a Conan home of its
# own, so the test needs no remote and leaves the source tree and ~/.conan2 alone.
set -euo pipefail
src=$1 work=$2
if ! command -v conan >/dev/null; then
  echo "SKIPPED: conan is not installed (pip install conan)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/src/tests/packaging"
cp -r "$src/include" "$src/LICENSE" "$src/conanfile.py" "$src/test_package" "$work/src/"
cp "$src/tests/packaging/consumer.cpp" "$work/src/tests/packaging/"
export CONAN_HOME="$work/home"
conan profile detect --force >/dev/null
conan create "$work/src" --build=missing --no-remote
