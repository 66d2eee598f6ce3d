#pragma once
// repro/isa.hpp - which instruction set repro's hot loops run on.
// Kernels are written once as a portable scalar definition (the "generic"
// path) and once with AVX2+FMA intrinsics compiled through GCC/Clang target
// attributes (the matrix products, the reductions and rms_norm's scaling
// also with AVX-512), selected at run time from the CPU. Every path follows
// the same documented order of operations, so the choice never changes a
// bit; it is exposed so that tests can prove exactly that. REPRO_ISA=generic or REPRO_ISA=avx2 in the environment caps
// the choice at start-up.

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "detail/config.hpp"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(__CUDACC__) && !defined(REPRO_NO_SIMD)
#define REPRO_HAS_AVX2_PATH 1
#include <immintrin.h>
#define REPRO_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define REPRO_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))
#else
#define REPRO_HAS_AVX2_PATH 0
#endif

namespace repro {

// Ordered: a level includes the ones below it. Code without an AVX-512 form
// runs its AVX2 form at isa::avx512.
enum class isa { generic = 0, avx2 = 1, avx512 = 2 };

namespace detail {

inline isa detect_isa() {
#if REPRO_HAS_AVX2_PATH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return __builtin_cpu_supports("avx512f") ? isa::avx512 : isa::avx2;
#endif
    return isa::generic;
}

inline isa env_cap() {
    const char* v = std::getenv("REPRO_ISA");
    if (v != nullptr && std::strcmp(v, "generic") == 0) return isa::generic;
    if (v != nullptr && std::strcmp(v, "avx2") == 0) return isa::avx2;
    return isa::avx512;
}

// Initialised before main (no guard on the hot path); limit_isa stores to it.
inline std::atomic<int> isa_state_value{static_cast<int>(detect_isa() < env_cap() ? detect_isa() : env_cap())};

inline std::atomic<int>& isa_state() { return isa_state_value; }

}  // namespace detail

// The instruction set the kernels use now.
inline isa active_isa() { return static_cast<isa>(detail::isa_state().load(std::memory_order_relaxed)); }

// Caps the instruction set at `max` (never above what the CPU has).
inline void limit_isa(isa max) {
    const isa cpu = detail::detect_isa();
    detail::isa_state().store(static_cast<int>(max < cpu ? max : cpu), std::memory_order_relaxed);
}

namespace detail {

#if REPRO_HAS_AVX2_PATH
template <class F>
REPRO_TARGET_AVX2 __attribute__((flatten)) void call_flat_avx2(F& f) {
    f();
}
#endif

// Calls f() with its whole call tree inlined into an AVX2+FMA function when
// the CPU has one: repro::fma becomes the fma instruction rather than a libm
// call in builds for baseline x86-64. The same IEEE operations either way,
// so the same bits.
template <class F>
void call_with_fma(F f) {
#if REPRO_HAS_AVX2_PATH
    if (active_isa() >= isa::avx2) return call_flat_avx2(f);
#endif
    f();
}

}  // namespace detail

}  // namespace repro
