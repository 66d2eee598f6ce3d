// repro/detail/simd/for_each_isa.hpp - compiles a kernel family once per x86
// instruction set. The includer defines REPRO_SIMD_KERNELS as the path of
// the family's -inl.hpp file (relative to this folder) and includes this
// file inside namespace repro::detail; the -inl file sees
//   REPRO_SIMD_TAG     the ISA tag it specialises for (simd::avx2_tag, simd::avx512_tag),
//   REPRO_SIMD_TARGET  that ISA's target attribute,
// and reaches the registers as simd::registers<REPRO_SIMD_TAG, T>. (No
// include guard, on purpose.)

#if REPRO_X86_SIMD
#define REPRO_SIMD_TAG simd::avx2_tag
#define REPRO_SIMD_TARGET REPRO_TARGET_AVX2
#include REPRO_SIMD_KERNELS
#undef REPRO_SIMD_TAG
#undef REPRO_SIMD_TARGET
#define REPRO_SIMD_TAG simd::avx512_tag
#define REPRO_SIMD_TARGET REPRO_TARGET_AVX512
#include REPRO_SIMD_KERNELS
#undef REPRO_SIMD_TAG
#undef REPRO_SIMD_TARGET
#endif
#undef REPRO_SIMD_KERNELS
