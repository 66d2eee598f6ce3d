#pragma once
// repro/detail/config.hpp - the version, and the refusal of compiler modes
// under which no bitwise promise can hold. The only macros repro defines for
// its users are the version macros here and the assertions of repro/doctest.hpp;
// everything internal lives between detail/prologue.hpp and detail/epilogue.hpp.

#include <cfloat>

#define REPRO_VERSION_MAJOR 0
#define REPRO_VERSION_MINOR 1
#define REPRO_VERSION_PATCH 0
#define REPRO_VERSION (REPRO_VERSION_MAJOR * 10000 + REPRO_VERSION_MINOR * 100 + REPRO_VERSION_PATCH)

// docs/design.md, rule 7: value-changing optimisation modes are refused. -ffast-math lets the
// compiler reassociate reductions, contract, flush subnormals and assume no
// NaN/Inf, so neither batch invariance nor portability survives it.
#if !defined(REPRO_ALLOW_FAST_MATH)
#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__) || \
    defined(__ASSOCIATIVE_MATH__) || defined(_M_FP_FAST) || defined(__USE_FAST_MATH__)
#error \
    "repro refuses -ffast-math (and -ffinite-math-only, -fassociative-math, /fp:fast, --use_fast_math): \
they let the compiler reorder sums and drop NaN/Inf/signed-zero rules, so repro's results would no longer \
be bitwise reproducible across batch sizes, builds or machines. Build repro code without them, or define \
REPRO_ALLOW_FAST_MATH to accept results that may change from build to build."
#endif
#endif

// Excess precision (x87, FLT_EVAL_METHOD 1 or 2) rounds intermediates
// differently from SSE2, NEON and CUDA; every supported target evaluates in
// the type itself.
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD > 0 && !defined(REPRO_ALLOW_EXCESS_PRECISION)
#error \
    "repro needs FLT_EVAL_METHOD == 0 (no excess precision): on x86 use -mfpmath=sse (the x86-64 default), \
or define REPRO_ALLOW_EXCESS_PRECISION to accept results that differ from other platforms."
#endif
