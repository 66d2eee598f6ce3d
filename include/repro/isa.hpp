#pragma once
// repro/isa.hpp - which instruction set repro's hot loops run on.
// Kernels are written once over register traits (detail/simd/) and compiled
// for the portable scalar definition (the "generic" path), AVX2+FMA and
// AVX-512F through GCC/Clang target attributes; the best one the CPU has is
// chosen at run time. Every path follows the same documented order of
// operations, so the choice never changes a bit; it is exposed so that tests
// can prove exactly that. REPRO_ISA=generic or REPRO_ISA=avx2 in the
// environment caps the choice at start-up.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// Ordered: a level includes the ones below it. Code without an AVX-512 form
// runs its AVX2 form at isa::avx512.
enum class isa { generic = 0, avx2 = 1, avx512 = 2 };

namespace detail {

inline isa detect_isa() noexcept {
#if REPRO_X86_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return __builtin_cpu_supports("avx512f") ? isa::avx512 : isa::avx2;
#endif
    return isa::generic;
}

inline isa env_cap() noexcept {
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

// "generic", "avx2" or "avx512": the names REPRO_ISA takes.
inline const char* to_string(isa i) {
    switch (i) {
        case isa::avx512:
            return "avx512";
        case isa::avx2:
            return "avx2";
        case isa::generic:
            break;
    }
    return "generic";
}

// Caps the instruction set at `max` (never above what the CPU has).
inline void limit_isa(isa max) {
    const isa cpu = detail::detect_isa();
    detail::isa_state().store(static_cast<int>(max < cpu ? max : cpu), std::memory_order_relaxed);
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
