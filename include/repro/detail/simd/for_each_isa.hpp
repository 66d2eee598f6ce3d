// repro/detail/simd/for_each_isa.hpp - compiles a kernel family once per
// instruction set. The includer defines REPRO_SIMD_KERNELS as the path of
// the family's -inl.hpp file (relative to this folder) and includes this
// file inside namespace repro::detail; the -inl file sees
//   REPRO_SIMD_TAG     the ISA tag it specialises for (simd::avx2_tag, simd::avx512_tag),
//   REPRO_SIMD_TARGET  that ISA's target attribute,
// and reaches the registers as simd::registers<REPRO_SIMD_TAG, T>. With
// REPRO_SIMD_SCALAR defined as well, the family is also compiled for
// simd::scalar_tag (registers of width 1, host and device): its portable
// definition. (No include guard, on purpose.)

#if defined(REPRO_SIMD_SCALAR)
#define REPRO_SIMD_TAG simd::scalar_tag
#if defined(__CUDACC__)
#define REPRO_SIMD_TARGET __host__ __device__
#else
#define REPRO_SIMD_TARGET
#endif
#include REPRO_SIMD_KERNELS
#undef REPRO_SIMD_TAG
#undef REPRO_SIMD_TARGET
#undef REPRO_SIMD_SCALAR
#endif

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
