#pragma once
// repro/detail/simd/registers.hpp - the register-traits template. A kernel
// written over V = simd::registers<Tag, T> sees one register type and the
// operations below, one IEEE operation per lane each:
//
//   reg, width                       the register and its lanes of T
//   zero, load, store, broadcast     (masked: load/store(p, v, mask(n)), the first n lanes)
//   add, sub, mul, fma, neg          mul is an unfused product: never contracted
//                                    into a later add (docs/design.md, rule 4)
//   tree(reg)                        the lane tree inside one register: lanes
//                                    [0, w/2) += [w/2, w), halving down to lane 0
//   rows_in_lanes, transpose_in_lanes   the two steps of a register transpose (gemm)
//
// and, where a kernel family needs them, comparisons, integer and widening
// steps (see each ISA's file). Specialised in avx2.hpp and avx512.hpp; the
// scalar definition of each kernel is plain C++ on T.

#include "dispatch.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {

template <class Tag, class T>
struct registers;

}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
