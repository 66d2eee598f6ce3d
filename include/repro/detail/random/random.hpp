#pragma once
// repro/detail/random/random.hpp - the generators behind repro/random.hpp:
//   cores.hpp                 Philox4x32-10, Threefry2x32-20, Threefry4x32-20 rounds
//   philox_fill.hpp           Philox over a run of counters ...
//   philox_fill-inl.hpp       ... one counter per lane, per ISA

#include "cores.hpp"
#include "philox_fill.hpp"
