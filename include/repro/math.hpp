#pragma once
// repro/math.hpp - portable elementwise math (`portable` level): exp, expm1,
// log, log1p, log2, tanh, sigmoid, silu, erf, gelu (erf form), gelu_tanh,
// sin2pi / cos2pi / sincos2pi (of 2 pi u) and rsqrt, for float and double.
//
// Fixed polynomials with explicit repro::fma and range reductions built from
// exact operations: no libm call, nothing the compiler may contract or
// reassociate, so every platform, flag set and the CUDA variants (REPRO_HD)
// give the same bits. Each function's method and measured accuracy is written
// above it in detail/math_exp_log.hpp, detail/math_erf.hpp and
// detail/math_trig.hpp.
//
// Array forms, e.g. repro::math::exp(x, y, n), apply the scalar function
// element by element (y may equal x), so they give the scalar form's bits.

#include <cstddef>
#include <stdexcept>
#include <string>

#include "detail/math_erf.hpp"
#include "detail/math_exp_log.hpp"
#include "detail/math_trig.hpp"

namespace repro {
namespace math {
namespace detail {

template <class T, class F>
void map(const T* x, T* y, std::size_t n, const char* name, F f) {
    if (n != 0 && (x == nullptr || y == nullptr))
        throw std::invalid_argument(std::string("repro::math::") + name + ": " + (x ? "y" : "x") +
                                    " is a null pointer");
    for (std::size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace detail

#define REPRO_MATH_ARRAY_FORM(name)                                              \
    template <class T>                                                           \
    void name(const T* x, T* y, std::size_t n) {                                 \
        detail::map(x, y, n, #name, [](T v) { return ::repro::math::name(v); }); \
    }

REPRO_MATH_ARRAY_FORM(exp)
REPRO_MATH_ARRAY_FORM(expm1)
REPRO_MATH_ARRAY_FORM(log)
REPRO_MATH_ARRAY_FORM(log1p)
REPRO_MATH_ARRAY_FORM(log2)
REPRO_MATH_ARRAY_FORM(tanh)
REPRO_MATH_ARRAY_FORM(sigmoid)
REPRO_MATH_ARRAY_FORM(silu)
REPRO_MATH_ARRAY_FORM(erf)
REPRO_MATH_ARRAY_FORM(gelu)
REPRO_MATH_ARRAY_FORM(gelu_tanh)
REPRO_MATH_ARRAY_FORM(sin2pi)
REPRO_MATH_ARRAY_FORM(cos2pi)
REPRO_MATH_ARRAY_FORM(rsqrt)

#undef REPRO_MATH_ARRAY_FORM

}  // namespace math
}  // namespace repro
