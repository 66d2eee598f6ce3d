#pragma once
// repro/detail/math/arrays.hpp - the array forms' loops. map runs the scalar
// function (with hardware fma where the CPU has it); map_simd runs the
// kernels of float_kernels-inl.hpp (float) and double_kernels-inl.hpp
// (double) on double registers (simd packs: four doubles with AVX2, eight
// with AVX-512), a group of width values at a time: each group whose values
// all take the kernel path (Op::ordinary) there, the others value by value
// through the scalar function. Both give the scalar function's bits.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "../errors.hpp"
#include "../simd/dispatch.hpp"
#include "../simd/pack.hpp"
#include "exp_log.hpp"
#include "rsqrt.hpp"
#include "trig.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {

// (Called on every array call, e.g. once per row of a linear layer's
// activation: the function's name is put together only when it throws.)
// (y is not const: GCC 12 reads a const pointer to an output buffer not yet
// written as a use of uninitialised memory.)
template <class T>
void check_arrays(const T* x, T* y, std::size_t n, const char* name) {
    if (n == 0) return;
    const std::size_t bytes = n * sizeof(T);
    if (x != nullptr && y != nullptr && n <= std::numeric_limits<std::size_t>::max() / sizeof(T) &&
        (x == y || !repro::detail::overlaps(x, bytes, y, bytes)))
        return;
    const std::string function = std::string("math::") + name;
    repro::detail::check_matrix(x, n, 1, function.c_str(), "x");
    repro::detail::check_pointer(y, n, function.c_str(), "y");
    repro::detail::check_in_place_or_apart(x, y, bytes, function.c_str());
}

template <class T, class F>
void map(const T* x, T* y, std::size_t n, const char* name, F f) {
    check_arrays(x, y, n, name);
    repro::detail::simd::with_fma([&] {
        for (std::size_t i = 0; i < n; ++i) y[i] = f(x[i]);
    });
}

// The ops' tags (simd_arrays-inl.hpp specialises them per ISA).
struct exp_op {};
struct expm1_op {};
struct log_op {};
struct log1p_op {};
struct log2_op {};
struct tanh_op {};
struct sigmoid_op {};
struct silu_op {};
struct erf_op {};
struct sin2pi_op {};
struct cos2pi_op {};
struct gelu_tanh_op {};
struct gelu_op {};
struct rsqrt_op {};

#if REPRO_X86_SIMD
REPRO_AVX2_REGION_BEGIN
namespace avx2_arrays {
using V = repro::detail::simd::registers<repro::detail::simd::avx2_tag, double>;
using P = repro::detail::simd::f64x4;
namespace fk = fk_avx2;
#include "simd_arrays-inl.hpp"
}  // namespace avx2_arrays
REPRO_AVX2_REGION_END

REPRO_AVX512_REGION_BEGIN
namespace avx512_arrays {
using V = repro::detail::simd::registers<repro::detail::simd::avx512_tag, double>;
using P = repro::detail::simd::f64x8;
namespace fk = fk_avx512;
#include "simd_arrays-inl.hpp"
}  // namespace avx512_arrays
REPRO_AVX512_REGION_END
#endif

template <class Op, class T, class F>
void map_simd(const T* x, T* y, std::size_t n, F scalar) {
    namespace simd = repro::detail::simd;
    simd::dispatch_among<simd::avx512_tag, simd::avx2_tag>([&](auto tag) {
        using tag_t = decltype(tag);
        if constexpr (std::is_same<tag_t, simd::scalar_tag>::value) {
            for (std::size_t i = 0; i < n; ++i) y[i] = scalar(x[i]);
        } else {
#if REPRO_X86_SIMD
            if constexpr (std::is_same<tag_t, simd::avx512_tag>::value)
                avx512_arrays::map<Op>(x, y, n, scalar);
            else
                avx2_arrays::map<Op>(x, y, n, scalar);
#endif
        }
    });
}

}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
