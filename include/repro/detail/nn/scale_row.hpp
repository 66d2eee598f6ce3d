#pragma once
// repro/detail/nn/scale_row.hpp - y = (x * s) * w, rms_norm's last step.

#include <cstddef>
#include <type_traits>

#include "../simd/avx512.hpp"
#include "../simd/dispatch.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

template <class Tag>
struct scale_kernels;

#define REPRO_SIMD_KERNELS "../nn/scale_row-inl.hpp"
#include "../simd/for_each_isa.hpp"

// y[c] = (x[c] * s) * w[c], or x[c] * s when w is null. Elementwise, so any
// vector width gives the same bits; y may be x.
template <class T>
void scale_row(const T* x, T s, const T* w, T* y, std::size_t n) {
    const std::size_t c0 = simd::dispatch([&](auto tag) -> std::size_t {
        using K = scale_kernels<decltype(tag)>;
        if constexpr (std::is_same<decltype(tag), simd::scalar_tag>::value)
            return 0;
        else
            return w ? K::template scale_steps<true>(x, s, w, y, n) : K::template scale_steps<false>(x, s, w, y, n);
    });
    if (w)
        for (std::size_t c = c0; c < n; ++c) y[c] = (x[c] * s) * w[c];
    else
        for (std::size_t c = c0; c < n; ++c) y[c] = x[c] * s;
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
