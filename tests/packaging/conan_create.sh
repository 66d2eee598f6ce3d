#!/usr/bin/env bash
# conan create on a copy of the recipe's sources, with a Conan home of its
# own, so the test needs no remote and leaves the source tree and ~/.conan2 alone.
set -euo pipefail
src=$1 work=$2
conan() {
  if type -P conan >/dev/null; then command conan "$@"
  else python3 -c 'import sys; from conans.conan import run; sys.argv[0] = "conan"; sys.exit(run())' "$@"; fi
}
if ! type -P conan >/dev/null && ! python3 -c 'import conans' 2>/dev/null; then
  echo "SKIPPED: conan is not installed (pip install conan)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work/src/tests/packaging"
cp -r "$src/include" "$src/LICENSE" "$src/conanfile.py" "$src/test_package" "$work/src/"
# consumer.cu: test_package also builds it against repro::cuda when CMake finds a CUDA compiler.
# consumer_mpi.cpp: built against repro::mpi, and run on 2 ranks, where MPI exists (option with_mpi).
cp "$src/tests/packaging/consumer.cpp" "$src/tests/packaging/consumer.cu" "$src/tests/packaging/consumer_mpi.cpp" \
   "$work/src/tests/packaging/"
export CONAN_HOME="$work/home"
conan profile detect --force >/dev/null
options=()
if type -P mpicxx >/dev/null && type -P mpiexec >/dev/null; then
  options=(-o "repro/*:with_mpi=True")
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
fi
conan create "$work/src" --build=missing --no-remote "${options[@]}"
