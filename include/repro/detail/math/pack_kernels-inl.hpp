// repro/detail/math/pack_kernels-inl.hpp - the math kernels on a simd pack:
// the packs' forms of the helpers the kernels call (their double forms are
// in exp_log.hpp), then the kernels themselves. No include guard on purpose:
// exp_log.hpp includes it into fk_avx2 and fk_avx512, each in its ISA's
// region.

using repro::detail::simd::abs_of;
using repro::detail::simd::coefficient;
using repro::detail::simd::coefficient16;
using repro::detail::simd::half_binade_index;
using repro::detail::simd::if_negative;
using repro::detail::simd::log_split;
using repro::detail::simd::max_of;
using repro::detail::simd::min_of;
using repro::detail::simd::pow2_quarter_shifted;
using repro::detail::simd::pow2_shifted;
using repro::detail::simd::trunc_index;
// (double's first: the float gelu calls its exp)
#include "double_kernels-inl.hpp"
#include "float_kernels-inl.hpp"
#include "trig_kernels-inl.hpp"
