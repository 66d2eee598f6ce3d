#pragma once
// repro/detail/simd/simd.hpp - the SIMD layer (what a kernel family
// includes), one file per concern:
//   dispatch.hpp      ISA tags, simd::dispatch (the run-time choice), with_fma
//   registers.hpp     the register-traits template and its common operations
//   scalar.hpp        registers<scalar_tag, float | double | uint32_t> (width 1)
//   avx2.hpp          registers<avx2_tag, float | double | uint32_t>
//   avx512.hpp        registers<avx512_tag, float | double | uint32_t>
//   pack.hpp          f64x4: an AVX2 register with the operators of a double,
//                     for kernels written as scalar code (the float math kernels)
//   for_each_isa.hpp  compiles a family's -inl.hpp kernels once per ISA

#include "avx2.hpp"
#include "avx512.hpp"
#include "dispatch.hpp"
#include "registers.hpp"
#include "scalar.hpp"
