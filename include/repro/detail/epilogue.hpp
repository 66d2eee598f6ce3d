// repro/detail/epilogue.hpp - closes what detail/prologue.hpp opened. (No
// include guard: it is meant to be included once per header.)

#undef REPRO_NAMESPACE_BEGIN
#undef REPRO_NAMESPACE_END
#undef REPRO_HD
#undef REPRO_DEVICE_RN
#undef REPRO_X86_SIMD
#undef REPRO_TARGET_AVX2
#undef REPRO_TARGET_AVX512
#undef REPRO_AVX2_REGION_BEGIN
#undef REPRO_AVX2_REGION_END
#undef REPRO_AVX512_REGION_BEGIN
#undef REPRO_AVX512_REGION_END
#undef REPRO_ALWAYS_INLINE
#undef REPRO_MATH_TABLE
#undef REPRO_PRAGMA
#undef REPRO_UNROLL
