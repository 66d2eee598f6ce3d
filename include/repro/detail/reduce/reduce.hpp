#pragma once
// repro/detail/reduce/reduce.hpp - the reductions behind repro/reduce.hpp:
//   lanes.hpp              the fixed virtual-lane order of sum, dot and their
//                          compensated forms, its chunk tree and dispatch
//   lanes-inl.hpp          those reductions over the register traits, per ISA
//   superaccumulator.hpp   the exact tier's fixed-point state
//   exact_bands.hpp        the exact tier's fast path: error-free bands of doubles
//   bands-inl.hpp          the band kernel and block statistics, per ISA

#include "exact_bands.hpp"
#include "lanes.hpp"
#include "superaccumulator.hpp"
