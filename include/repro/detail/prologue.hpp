// repro/detail/prologue.hpp - opens the internal macros of a repro header.
// Each header includes everything it needs first, then this file, then its
// body, then detail/epilogue.hpp, which undefines every macro defined here:
// none escapes to the code that includes repro. (No include guard: it is
// meant to be included once per header.)

#include "config.hpp"

// The namespace of everything repro defines: repro, with an inline namespace
// named after the version, so that the templates of two repro versions in
// one program cannot silently be taken for one another.
#define REPRO_NAMESPACE_BEGIN \
    namespace repro {         \
    inline namespace v0 {
#define REPRO_NAMESPACE_END \
    }                       \
    }

// Arithmetic cores shared by the CPU and the CUDA variants: under nvcc they
// are compiled for both sides, so the CPU result is the reference for the
// GPU's (docs/design.md, rule 8).
#if defined(__CUDACC__)
#define REPRO_HD __host__ __device__ inline
#else
#define REPRO_HD inline
#endif

// The body of an operation rounded to nearest by an explicit CUDA intrinsic
// on the device (float or double by sizeof(T)), which nvcc may neither fuse
// (--fmad) nor approximate (-prec-div, -prec-sqrt), and `host` elsewhere.
#if defined(__CUDA_ARCH__)
#define REPRO_DEVICE_RN(f32, f64, host) \
    if constexpr (sizeof(T) == 4)       \
        return f32;                     \
    else                                \
        return f64;
#else
#define REPRO_DEVICE_RN(f32, f64, host) return host;
#endif

// x86-64 SIMD paths (AVX2+FMA, AVX-512F), compiled through GCC/Clang target
// attributes into any build and chosen at run time (detail/simd/dispatch.hpp).
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && \
    !defined(REPRO_NO_SIMD)
#define REPRO_X86_SIMD 1
#include <immintrin.h>
#define REPRO_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define REPRO_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
// Functions defined between these two are compiled for AVX2+FMA (AVX-512F),
// so that templates instantiated there on AVX2 (AVX-512) registers inline
// their intrinsics.
#if defined(__clang__)
#define REPRO_AVX2_REGION_BEGIN \
    _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define REPRO_AVX2_REGION_END _Pragma("clang attribute pop")
#define REPRO_AVX512_REGION_BEGIN \
    _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx2,fma\"))), apply_to = function)")
#define REPRO_AVX512_REGION_END _Pragma("clang attribute pop")
#else
#define REPRO_AVX2_REGION_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define REPRO_AVX2_REGION_END _Pragma("GCC pop_options")
#define REPRO_AVX512_REGION_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx2,fma\")")
#define REPRO_AVX512_REGION_END _Pragma("GCC pop_options")
#endif
#else
#define REPRO_X86_SIMD 0
#endif

// Helpers that take or return registers: out of line, every call stores and
// reloads them.
#if defined(__GNUC__) || defined(__clang__)
#define REPRO_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define REPRO_ALWAYS_INLINE inline
#endif

// Coefficient tables are function-local: static on the host (one copy in
// read-only data, addressable by the SIMD gathers), plain locals in CUDA
// device code, where namespace-scope host arrays are not visible.
#if defined(__CUDA_ARCH__)
#define REPRO_MATH_TABLE
#else
#define REPRO_MATH_TABLE static
#endif

// REPRO_UNROLL(n): unroll the next loop n times (GCC, Clang and nvcc
// spellings); on its own line before the loop.
#define REPRO_PRAGMA(x) _Pragma(#x)
#if defined(__CUDACC__)
#define REPRO_UNROLL(n) REPRO_PRAGMA(unroll n)
#else
#define REPRO_UNROLL(n) REPRO_PRAGMA(GCC unroll n)
#endif
