#!/usr/bin/env bash
# Static analysis of repro's headers: clang-tidy (the checks of .clang-tidy,
# warnings as errors) and cppcheck (warning, performance, portability) over a
# translation unit that includes every host header. Exits non-zero on any
# finding. Suppressions carry their reason where they are (NOLINT comments
# in the headers, the cppcheck list below).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/.ci/install-deps"
mpi_include=$(mpicxx --showme:incdirs 2>/dev/null | awk '{print $1}')
includes=(-I"$root/include" -isystem /usr/include/eigen3 ${mpi_include:+-isystem "$mpi_include"})

echo "clang-tidy $(clang-tidy --version | sed -n 's/.*version \([0-9.]*\).*/\1/p')"
clang-tidy --quiet "$root/tests/static/all_headers.cpp" -- -std=c++17 "${includes[@]}"
echo "clang-tidy: clean"

# cppcheck's false positives, one line each with the reason:
suppressions=(
  # float_traits<float> and <double> are specialisations, not derived from the primary template
  --suppress=duplInheritedMember:"$root/include/repro/fp.hpp"
  # random_key is two 32-bit words: cheaper by value than by reference
  --suppress=passedByValue:"$root/include/repro/random.hpp"
  # cppcheck 2.10 misreads hexadecimal floating literals (-0x1p62) in a range test
  --suppress=incorrectLogicOperator:"$root/include/repro/detail/reduce/fixed_window.hpp"
  # information only: the 12 #ifdef configurations it checks include the x86 SIMD and plain ones
  --suppress=toomanyconfigs
)
cppcheck --std=c++17 --language=c++ --enable=warning,performance,portability --error-exitcode=1 --quiet \
  --suppress=missingIncludeSystem --inline-suppr "${suppressions[@]}" -I "$root/include" \
  "$root/tests/static/all_headers.cpp"
echo "cppcheck $(cppcheck --version | awk '{print $2}'): clean"
