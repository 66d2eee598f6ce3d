#pragma once
// repro/repro.hpp - umbrella header: every core header of repro.
// Optional adapters are included on their own: repro/eigen.hpp (needs
// Eigen), repro/doctest.hpp (needs doctest).

#include "attention.hpp"
#include "compare.hpp"
#include "fp.hpp"
#include "invariance.hpp"
#include "isa.hpp"
#include "kv_cache.hpp"
#include "math.hpp"
#include "nn.hpp"
#include "random.hpp"
#include "reduce.hpp"
#include "sequence.hpp"
#include "sequence_invariance.hpp"
#include "threads.hpp"
