#pragma once
// repro/detail/simd/dispatch.hpp - the one place where a kernel's instruction
// set is chosen at run time. A kernel family has a form per ISA tag (a
// specialisation, or a branch on the tag); simd::dispatch calls the best form
// the active instruction set (repro::active_isa) allows. Every form computes
// the same documented operations, so the choice changes speed, never bits
// (docs/design.md, rules 2 and 10).

#include <atomic>

#include "../../isa.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {

// The instruction-set tags. scalar_tag is the portable definition, compiled
// for whatever the build targets (and for the CUDA device).
struct scalar_tag {
    static constexpr isa level = isa::generic;
};
struct avx2_tag {
    static constexpr isa level = isa::avx2;
};
struct avx512_tag {
    static constexpr isa level = isa::avx512;
};

template <class F>
decltype(auto) dispatch_down(F& f, isa) {
    return f(scalar_tag{});
}

template <class Tag, class... Rest, class F>
decltype(auto) dispatch_down(F& f, isa active) {
    if (active >= Tag::level) return f(Tag{});
    return dispatch_down<Rest...>(f, active);
}

// f(tag) for the first of Tags (best first) that the active instruction set
// reaches, else f(scalar_tag{}). Tags other than scalar_tag are never
// instantiated where the build has no x86 SIMD paths.
template <class... Tags, class F>
decltype(auto) dispatch_among(F&& f) {
#if REPRO_X86_SIMD
    return dispatch_down<Tags...>(f, active_isa());
#else
    return f(scalar_tag{});
#endif
}

// f(tag) for every instruction set repro has kernels for.
template <class F>
decltype(auto) dispatch(F&& f) {
    return dispatch_among<avx512_tag, avx2_tag>(f);
}

// Runs f() compiled for the tag's instruction set, its whole call tree
// inlined (flatten), so that repro::fma in scalar code becomes the fma
// instruction rather than a libm call in builds for baseline x86-64. The
// same IEEE operations either way, so the same bits.
template <class F>
void run_compiled_for(scalar_tag, F& f) {
    f();
}
#if REPRO_X86_SIMD
// (noinline: inlined into a caller built for a wider ISA, e.g. -march=native,
// the function would lose its flatten, and the call tree its inlining.)
template <class F>
REPRO_TARGET_AVX2 __attribute__((flatten, noinline)) void run_compiled_for(avx2_tag, F& f) {
    f();
}
#endif

// f() with hardware fma where the CPU has it.
template <class F>
void with_fma(F f) {
    dispatch_among<avx2_tag>([&](auto tag) { run_compiled_for(tag, f); });
}

// Whether kernels that widen floats to double run their AVX2 form at
// isa::avx512: AMD's family 19h (Zen 4) executes 512-bit operations as two
// 256-bit halves, and its 512-bit float-to-double conversion is slow enough
// that the float exact sum and dot run 10-15% faster in 256-bit registers
// there. A speed choice only (the forms give the same bits); tests set it
// both ways.
inline bool cpu_prefers_256_bit_widening() noexcept {
#if REPRO_X86_SIMD
    __builtin_cpu_init();
    return __builtin_cpu_is("amdfam19h") != 0;
#else
    return false;
#endif
}
inline std::atomic<bool> widen_in_256_bits{cpu_prefers_256_bit_widening()};

}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
