#pragma once
// repro/detail/nn/scale_row.hpp - y = (x * s) * w, rms_norm's last step
// (its kernel over the register traits: scale_row-inl.hpp).

#include <cstddef>
#include <type_traits>

#include "../simd/simd.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

template <class Tag>
struct scale_kernels;

#define REPRO_SIMD_KERNELS "../nn/scale_row-inl.hpp"
#define REPRO_SIMD_SCALAR
#include "../simd/for_each_isa.hpp"

// y[c] = (x[c] * s) * w[c], or x[c] * s when w is null. Elementwise, so any
// vector width gives the same bits; y may be x.
template <class Tag, class T>
std::size_t scale_steps(const T* x, T s, const T* w, T* y, std::size_t n) {
    using K = scale_kernels<Tag>;
    return w ? K::template scale_steps<true>(x, s, w, y, n) : K::template scale_steps<false>(x, s, w, y, n);
}

// y[c] = (x[c] * s) * w[c], or x[c] * s when w is null: whole registers of
// the active instruction set, the rest one value at a time (the scalar
// form). Elementwise, so any vector width gives the same bits; y may be x.
template <class T>
void scale_row(const T* x, T s, const T* w, T* y, std::size_t n) {
    const std::size_t c = simd::dispatch([&](auto tag) { return scale_steps<decltype(tag)>(x, s, w, y, n); });
    scale_steps<simd::scalar_tag>(x + c, s, w ? w + c : nullptr, y + c, n - c);
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
