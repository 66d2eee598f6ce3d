#pragma once
// repro/detail/simd/pack.hpp - f64x4 and f64x8: four doubles of the AVX2
// register traits and eight of the AVX-512 ones, with the operators and
// functions of a double, so that a kernel written once as scalar code on
// `double` (the float math kernels, detail/math/float_kernels-inl.hpp) also
// runs on a register. Each operator is one operation of the traits per lane
// (products unfused), so a register gives the scalar code's bits lane by
// lane. Each is defined in its ISA's region, so that kernels instantiated on
// it inline the intrinsics.

#include "../../fp.hpp"
#include "avx2.hpp"
#include "avx512.hpp"
#include "../prologue.hpp"

#if REPRO_X86_SIMD
REPRO_AVX2_REGION_BEGIN
REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {
using repro::exact_pair;
#define REPRO_PACK f64x4
#define REPRO_PACK_TAG avx2_tag
#include "pack-inl.hpp"
}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END
REPRO_AVX2_REGION_END

REPRO_AVX512_REGION_BEGIN
REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {
using repro::exact_pair;
#define REPRO_PACK f64x8
#define REPRO_PACK_TAG avx512_tag
#include "pack-inl.hpp"
}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END
REPRO_AVX512_REGION_END
#endif

#include "../epilogue.hpp"
