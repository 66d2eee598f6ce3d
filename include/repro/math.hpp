#pragma once
// repro/math.hpp - portable elementwise math (`portable` level): exp, expm1,
// log, log1p, log2, tanh, sigmoid, silu, erf, gelu (erf form), gelu_tanh,
// sin2pi / cos2pi / sincos2pi (of 2 pi u) and rsqrt, for float and double.
//
// Fixed polynomials with explicit repro::fma and range reductions built from
// exact operations: no libm call, nothing the compiler may contract or
// reassociate, so every platform, flag set and the CUDA variants (REPRO_HD)
// give the same bits. Each function's method and measured accuracy is written
// above it; the polynomial cores are in detail/math/.
//
// Array forms, e.g. repro::math::exp(x, y, n) (y may equal x), give the
// scalar form's bits. For float, exp, expm1, log, log1p, log2, tanh,
// sigmoid, silu and erf run four values at a time on AVX2+FMA CPUs: the
// kernels of detail/math/float_kernels-inl.hpp are the very code the scalar
// functions run, instantiated on four lanes (detail/math/arrays.hpp); a group
// of four holding a special value (NaN, inf, a value past a threshold) goes
// through the scalar function. The other array forms are loops over the
// scalar function.

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "detail/math/math.hpp"
#include "fp.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {

// ---------------------------------------------------------------- exp

// exp(float): through double, a four-entry table of 2^(j/4) and a degree-7
// polynomial on |r| <= ln2/8, one final rounding to float. Measured: <= 1
// ULP on all 2^32 inputs, 2 not correctly rounded.
REPRO_HD float exp(float x) {
    if (is_nan(x)) return x + x;
    if (x > 100.0f) return from_bits<float>(0x7f800000u);
    if (x < -120.0f) return 0.0f;
    return static_cast<float>(detail::fk::exp(static_cast<double>(x)));
}

// exp(double): double-double e^r, scaled by 2^k with one rounding.
// Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double exp(double x) {
    if (is_nan(x)) return x + x;
    if (x > 709.79) return from_bits<double>(0x7ff0000000000000ull);
    if (x < -745.2) return 0.0;
    const detail::el_exp_parts ep = detail::el_exp_core(x);
    return detail::el_scale(ep.hi + ep.lo, ep.k);
}

// ---------------------------------------------------------------- expm1

// expm1(float): through double, 2^k (1 + p(r)) - 1 with p(r) = e^r - 1 kept
// relative; |x| < 2^-30 returns x (the exact result rounds to it).
// Measured: <= 1 ULP on all 2^32 inputs.
REPRO_HD float expm1(float x) {
    if (is_nan(x)) return x + x;
    if (x > 100.0f) return from_bits<float>(0x7f800000u);
    if (x < -120.0f) return -1.0f;
    const float ax = x < 0 ? -x : x;
    if (ax < 0x1p-30f) return x;
    return static_cast<float>(detail::fk::expm1(static_cast<double>(x)));
}

// expm1(double): double-double (2^k - 1) + 2^k (e^r - 1), one final rounding.
// Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double expm1(double x) {
    if (is_nan(x)) return x + x;
    if (x > 709.79) return from_bits<double>(0x7ff0000000000000ull);
    if (x > 40.0) return exp(x);
    if (x < -38.0) return -1.0;
    const double ax = x < 0 ? -x : x;
    if (ax < 0x1p-54) return x;
    const auto r = detail::fk::expm1_dd(x);
    return r.value + r.error;
}

// ---------------------------------------------------------------- log

// log(float): through double, x = 2^e m, log(m) = 2 atanh((m-1)/(m+1)) with 6
// series terms, e ln2 + log(m) rounded once to float.
// Measured: <= 1 ULP on all 2^32 inputs.
REPRO_HD float log(float x) {
    if (is_nan(x)) return x + x;
    if (x == 0.0f) return from_bits<float>(0xff800000u);
    if (x < 0.0f) return detail::el_quiet_nanf();
    if (is_inf(x)) return x;
    return static_cast<float>(detail::fk::log(static_cast<double>(x)));
}

// log(double): double-double e ln2 + 2 atanh(s), one final rounding.
// Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double log(double x) {
    if (is_nan(x)) return x + x;
    if (x == 0.0) return from_bits<double>(0xfff0000000000000ull);
    if (x < 0.0) return detail::el_quiet_nan();
    if (is_inf(x)) return x;
    const auto r = detail::el_log_dd(x);
    return r.value + r.error;
}

// ---------------------------------------------------------------- log1p

// log1p(float): through double, where 1 + x is exact for |x| >= 2^-29;
// |x| < 2^-29 returns x. Measured: <= 1 ULP on all 2^32 inputs.
REPRO_HD float log1p(float x) {
    if (is_nan(x)) return x + x;
    if (x == -1.0f) return from_bits<float>(0xff800000u);
    if (x < -1.0f) return detail::el_quiet_nanf();
    if (is_inf(x)) return x;
    const float ax = x < 0 ? -x : x;
    if (ax < 0x1p-29f) return x;
    return static_cast<float>(detail::fk::log(1.0 + static_cast<double>(x)));
}

// log1p(double): u + u_lo = 1 + x exactly (TwoSum), log(u) as a double-double
// plus u_lo / u. Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double log1p(double x) {
    if (is_nan(x)) return x + x;
    if (x == -1.0) return from_bits<double>(0xfff0000000000000ull);
    if (x < -1.0) return detail::el_quiet_nan();
    if (is_inf(x)) return x;
    const double ax = x < 0 ? -x : x;
    if (ax < 0x1p-54) return x;
    return detail::fk::log1p_dd(x);
}

// ---------------------------------------------------------------- log2

// log2(float): through double, e + log(m) / ln2; exact for powers of two.
// Measured: <= 1 ULP on all 2^32 inputs.
REPRO_HD float log2(float x) {
    if (is_nan(x)) return x + x;
    if (x == 0.0f) return from_bits<float>(0xff800000u);
    if (x < 0.0f) return detail::el_quiet_nanf();
    if (is_inf(x)) return x;
    return static_cast<float>(detail::fk::log2(static_cast<double>(x)));
}

// log2(double): e + log(m) * (1/ln2), both factors double-doubles; exact for
// powers of two. Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double log2(double x) {
    if (is_nan(x)) return x + x;
    if (x == 0.0) return from_bits<double>(0xfff0000000000000ull);
    if (x < 0.0) return detail::el_quiet_nan();
    if (is_inf(x)) return x;
    const detail::el_log_split sp = detail::el_split(x);
    return detail::fk::log2_dd(sp.f, static_cast<double>(sp.e));
}

// ---------------------------------------------------------------- tanh

// tanh(float): through double, -E / (E + 2) with E = expm1(-2|x|); |x| < 2^-13
// returns x, |x| > 10 returns +-1.
REPRO_HD float tanh(float x) {
    if (is_nan(x)) return x + x;
    const float ax = x < 0 ? -x : x;
    if (ax < 0x1p-13f) return x;
    const float one = sign_bit(x) ? -1.0f : 1.0f;
    if (ax > 10.0f) return one;
    const float t = static_cast<float>(detail::fk::tanh_positive(static_cast<double>(ax)));
    return sign_bit(x) ? -t : t;
}

// tanh(double): -E / (E + 2) with E = expm1(-2|x|) a double-double and a
// corrected division; |x| < 2^-27 returns x, |x| > 19.1 returns +-1.
// Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double tanh(double x) {
    if (is_nan(x)) return x + x;
    const double ax = x < 0 ? -x : x;
    if (ax < 0x1p-27) return x;
    const double one = sign_bit(x) ? -1.0 : 1.0;
    if (ax > 19.1) return one;
    const double t = detail::fk::tanh_positive_dd(ax);
    return sign_bit(x) ? -t : t;
}

// ---------------------------------------------------------------- sigmoid

// sigmoid(float) = 1 / (1 + exp(-x)): through double, one final rounding.
// Measured: <= 1 ULP on all 2^32 inputs.
REPRO_HD float sigmoid(float x) {
    if (is_nan(x)) return x + x;
    double xd = static_cast<double>(x);
    xd = xd > 200.0 ? 200.0 : (xd < -200.0 ? -200.0 : xd);
    return static_cast<float>(detail::fk::sigmoid(xd));
}

// sigmoid(double): double-double exp(-|x|) and a corrected division; below
// -700 it is exp(x) (the relative difference is under 2^-1000), above 38 it
// is 1. Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double sigmoid(double x) {
    if (is_nan(x)) return x + x;
    if (x > 38.0) return 1.0;
    if (x < -700.0) return exp(x);
    const auto s = detail::fk::sigmoid_dd(x);
    return s.value + s.error;
}

// ---------------------------------------------------------------- silu

// silu(float) = x * sigmoid(x) = x / (1 + exp(-x)): through double.
// silu(-inf) = -0 (the limit), silu(+inf) = +inf.
REPRO_HD float silu(float x) {
    if (is_nan(x)) return x + x;
    if (x < -200.0f) return -0.0f;
    return static_cast<float>(detail::fk::silu(static_cast<double>(x)));
}

// silu(double): x times the double-double sigmoid, fused; below -700 it is
// x e^x formed as x (hi + lo) and scaled by 2^k once. silu(-inf) = -0.
// Measured: max 1 ULP over 10^5 random + threshold inputs.
REPRO_HD double silu(double x) {
    if (is_nan(x)) return x + x;
    if (x > 38.0) return x;
    if (x < -800.0) return -0.0;
    if (x < -700.0) {
        const detail::el_exp_parts ep = detail::el_exp_core(x);
        const double z = fma(x, ep.hi, mul_rn(x, ep.lo));
        return detail::el_scale(z, ep.k);
    }
    return detail::fk::silu_dd(x);
}

// erf(x), float. Evaluated in double: |x| < 0.75: x + x * Q(x^2) (degree 8 in
// x^2); 0.75 <= |x| < 4.25: 7 pieces of width 1/2 (degree 10); beyond, +-1
// (erf rounds to 1 in float from 3.92). Odd; erf(+-0) = +-0, erf(+-inf) = +-1.
// Max error: 0.5 ULP + double rounding (measured: see tests/test_math_erf.cpp).
REPRO_HD float erf(float x) {
    namespace d = detail::erf_impl;
    if (repro::is_nan(x)) return x + x;
    const double a = d::abs_value(static_cast<double>(x));
    double r;
    if (a < 0.75) {
        r = repro::math::detail::fk::erf_small(a);
    } else if (a < 4.25) {
        r = repro::math::detail::fk::erf_mid(a);
    } else {
        r = 1.0;
    }
    const float y = static_cast<float>(r);
    return repro::sign_bit(x) ? -y : y;
}

// erf(x), double. |x| < 0.75: x + x * Q(x^2); 0.75 <= |x| < 6.25: 11 pieces
// of width 1/2, erf(m) carried as hi + lo; beyond, +-1 (erf rounds to 1 from
// 5.92). No exp needed. Odd; erf(+-0) = +-0, erf(+-inf) = +-1.
REPRO_HD double erf(double x) {
    namespace d = detail::erf_impl;
    if (repro::is_nan(x)) return x + x;
    const double a = d::abs_value(x);
    double r;
    if (a < 0.75) {
        r = repro::fma(a, d::erf_small_double(a * a), a);
    } else if (a < 6.25) {
        const int i = static_cast<int>((a - 0.75) * 2.0);
        const d::split_value v = d::erf_mid_double(i, a - repro::fma(0.5, static_cast<double>(i), 1.0));
        r = v.hi + v.rest;
    } else {
        r = 1.0;
    }
    return repro::sign_bit(x) ? -r : r;
}

// gelu(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), float, evaluated in
// double without rounding x / sqrt 2: |x| < 0.5: x/2 + x * (x * G(x^2));
// 0.5 <= x < 6: x * Phi(x) from 11 pieces; x >= 6: x; x <= -0.5:
// x * exp(-x^2/2) * Q(-x) with Q(a) = Phi(-a) exp(a^2/2) from half-binade
// pieces (x^2/2 is exact in double), so large negative x keeps its relative
// accuracy down to the underflow; x <= -16: -0. gelu(+-0) = +-0,
// gelu(+inf) = +inf, gelu(-inf) = -0 (the limit; the formula gives NaN).
REPRO_HD float gelu(float x) {
    namespace d = detail::erf_impl;
    if (repro::is_nan(x)) return x + x;
    const double xd = static_cast<double>(x);
    if (xd >= 6.0 || xd == 0) return x;  // x = +-0 keeps its sign
    if (xd <= -16.0) return -0.0f;       // |result| < 2^-180; -16 itself would index past the last piece
    const double a = d::abs_value(xd);
    // (x^2 in the negative branch is exact: 48 significant bits)
    const double r = a < 0.5  ? detail::fk::gelu_small_branch(xd, a)
                     : xd > 0 ? detail::fk::gelu_positive_branch(xd)
                              : detail::fk::gelu_negative_branch(xd, a);
    return static_cast<float>(r);
}

// gelu(x), double. |x| < 0.5: x/2 + x * (x * G(x^2)); 0.5 <= x < 8.5:
// x * Phi(x) from 16 pieces, the product taken as TwoProd(x, hi) + x * rest;
// x >= 8.5: x; -39 <= x <= -0.5: x * Q(-x) * exp(-x^2/2) with x^2/2 split
// exactly as h + l (exp(-h - l) = exp(-h) (1 - l)) and the products carried
// in double-double, e^-h taken as a double-double 2^k (hi + lo) and scaled
// once at the end; x < -39: -0. Special values as for float.
REPRO_HD double gelu(double x) {
    namespace fk = detail::fk;
    if (repro::is_nan(x)) return x + x;
    if (x >= 8.5 || x == 0) return x;  // x = +-0 keeps its sign
    if (x < -39.0) return -0.0;        // |result| < 2^-1090: rounds to -0
    const double a = detail::erf_impl::abs_value(x);
    if (a < 0.5) {
        const double r = fk::gelu_small_dd(x, a);
        return r == 0 ? 0.5 * x : r;  // a zero result keeps the sign of x (x/2 rounds to -0 for x < 0)
    }
    if (x > 0) return fk::gelu_positive_dd(x);
    double t;
    const double v = fk::gelu_negative_dd(x, a, t);
    // scaled once at the end, so results down to the subnormals keep their accuracy
    return detail::el_scale(v, static_cast<int>(static_cast<std::int32_t>(static_cast<std::uint32_t>(to_bits(t)))));
}

// gelu_tanh(x) = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), float.
// Evaluated in double as x / (1 + exp(-2u)) (the same function: 1 + tanh(u) =
// 2 / (1 + exp(-2u))), 2u = x (k0 + k1 x^2) with x^2 exact, exp by float
// exp's kernel (detail::fk::gelu_tanh).
// gelu_tanh(+-0) = +-0, gelu_tanh(+inf) = +inf, gelu_tanh(-inf) = -0.
REPRO_HD float gelu_tanh(float x) {
    if (repro::is_nan(x)) return x + x;
    if (repro::is_inf(x)) return repro::sign_bit(x) ? -0.0f : x;
    return static_cast<float>(detail::fk::gelu_tanh(static_cast<double>(x)));
}

// gelu_tanh(x), double. 2u = x (k0 + k1 x^2) in double-double (k0, k1 and
// x^2 carried as hi + lo, so exp sees 2u with a relative error near 2^-100);
// with e = exp(-|2u|) (split as exp(-h)(1 - l)), x >= 0: x / (1 + e),
// x < 0: x e / (1 + e), each quotient taken from double-double numerator
// and denominator with one correction step; below 2u = -700, x e scaled once
// (subnormal results). x > 10: x; 2u < -760: -0.
REPRO_HD double gelu_tanh(double x) {
    if (repro::is_nan(x)) return x + x;
    if (x > 10.0 || x == 0) return x;  // x = +-0 keeps its sign
    if (x < -30.0) return -0.0;
    const repro::exact_pair<double> u2 = detail::fk::gelu_tanh_2u_dd(x);
    // e = exp(-|2u|) = 2^k (hi + lo) (1 + l), -|2u| = h + l
    const bool neg = u2.value < 0;
    const double h = neg ? u2.value : -u2.value, l = neg ? u2.error : -u2.error;
    if (h < -760.0) return -0.0;  // x < -21.3: |x| e < 2^-1090 rounds to -0
    if (h < -700.0) {             // 1 + e = 1 to 2^-1000; x e scaled once (subnormal results)
        const repro::math::detail::el_exp_parts ep = repro::math::detail::el_exp_core(h);
        const double m_lo = repro::fma(l, ep.hi, ep.lo);
        const repro::exact_pair<double> p = repro::two_prod(x, ep.hi);
        return repro::math::detail::el_scale(p.value + repro::fma(x, m_lo, p.error), ep.k);
    }
    return detail::fk::gelu_tanh_dd(x, u2);
}

// sin2pi(u) = sin(2 pi u), cos2pi(u) = cos(2 pi u), sincos2pi both at once.
// `portable`. Method: |u| is reduced exactly to |u| = n + q/4 + r, |r| <= 1/8
// (detail::reduce_quarter), sin and cos of 2 pi r come from Taylor
// polynomials in r (coefficients (2 pi)^n / n!, mpmath), and the quadrant q
// picks and signs them; sin is odd, cos even. Float: evaluated in double
// (degree 11 / 12), one rounding to float at the end. Double: degree 17 / 18
// with two-word leading coefficients.
// Special values: NaN and +-inf give NaN; sin2pi(+-0) = +-0, cos2pi(0) = 1;
// exact zeros follow C23 sinpi/cospi: sin2pi(n/2) = +0 for u > 0 and -0 for
// u < 0, cos2pi(n/2 + 1/4) = +0. u = 1/4, 1/2, 3/4 give exactly 1, 0, -1
// (sin) and 0, -1, 0 (cos).
// Measured max error: see tests/test_math_trig.cpp and the report of
// tests/exhaustive/check_float.cpp (float: all 2^32 inputs).
REPRO_HD float sin2pi(float u) {
    float s;
    detail::trig::sincos2pi_impl<float>(u, &s, nullptr);
    return s;
}

REPRO_HD double sin2pi(double u) {
    double s;
    detail::trig::sincos2pi_impl<double>(u, &s, nullptr);
    return s;
}

REPRO_HD float cos2pi(float u) {
    float c;
    detail::trig::sincos2pi_impl<float>(u, nullptr, &c);
    return c;
}

REPRO_HD double cos2pi(double u) {
    double c;
    detail::trig::sincos2pi_impl<double>(u, nullptr, &c);
    return c;
}

// The same bits as sin2pi(u) and cos2pi(u), sharing the reduction.
REPRO_HD void sincos2pi(float u, float& s, float& c) { detail::trig::sincos2pi_impl<float>(u, &s, &c); }

REPRO_HD void sincos2pi(double u, double& s, double& c) { detail::trig::sincos2pi_impl<double>(u, &s, &c); }

// rsqrt(x) = 1 / sqrt(x). `portable`. Float: correctly rounded (proof above
// detail::rsqrt_f_positive; checked on all 2^32 inputs). Double: one Newton
// step with an exact residual after 1/sqrt(x) in double, rounded once; within
// 1 ULP and correctly rounded on every tested input (not proven for all).
// rsqrt(+0) = +inf, rsqrt(-0) = -inf, rsqrt(x < 0) = NaN, rsqrt(+inf) = +0,
// rsqrt(NaN) = NaN.
REPRO_HD float rsqrt(float x) {
    if (repro::is_nan(x)) return x + x;
    if (x == 0.0f) return 1.0f / x;                    // +-inf with the sign of the zero
    if (repro::sign_bit(x)) return (x - x) / (x - x);  // NaN (also for -inf)
    if (repro::is_inf(x)) return 0.0f;
    return detail::rsqrt_f_positive(x);
}

REPRO_HD double rsqrt(double x) {
    if (repro::is_nan(x)) return x + x;
    if (x == 0.0) return 1.0 / x;
    if (repro::sign_bit(x)) return (x - x) / (x - x);
    if (repro::is_inf(x)) return 0.0;
    return detail::rsqrt_d_positive(x);
}

// ---------------------------------------------------------------- array forms

// name(x, y, n): y[i] = name(x[i]) for i < n, y may be x; the scalar
// function's bits. Throws std::invalid_argument for a null x or y with n > 0
// and for a y that overlaps x without being x.
#define REPRO_MATH_ARRAY_FORM(name)                                              \
    template <class T>                                                           \
    void name(const T* x, T* y, std::size_t n) {                                 \
        detail::map(x, y, n, #name, [](T v) { return ::repro::math::name(v); }); \
    }

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type there, which parentheses would break
#define REPRO_MATH_ARRAY_FORM_SIMD_FOR(name, T)                                                   \
    inline void name(const T* x, T* y, std::size_t n) {                                           \
        detail::check_arrays(x, y, n, #name);                                                     \
        detail::map_simd<detail::name##_op>(x, y, n, [](T v) { return ::repro::math::name(v); }); \
    }
// NOLINTEND(bugprone-macro-parentheses)
#define REPRO_MATH_ARRAY_FORM_SIMD(name) \
    REPRO_MATH_ARRAY_FORM(name)          \
    REPRO_MATH_ARRAY_FORM_SIMD_FOR(name, float)
// (double kernels so far: exp, expm1, tanh, sigmoid, silu, the logarithms, sin2pi, cos2pi, gelu, gelu_tanh and rsqrt)
#define REPRO_MATH_ARRAY_FORM_SIMD2(name) \
    REPRO_MATH_ARRAY_FORM_SIMD(name)      \
    REPRO_MATH_ARRAY_FORM_SIMD_FOR(name, double)

REPRO_MATH_ARRAY_FORM_SIMD2(exp)
REPRO_MATH_ARRAY_FORM_SIMD2(expm1)
REPRO_MATH_ARRAY_FORM_SIMD2(log)
REPRO_MATH_ARRAY_FORM_SIMD2(log1p)
REPRO_MATH_ARRAY_FORM_SIMD2(log2)
REPRO_MATH_ARRAY_FORM_SIMD2(tanh)
REPRO_MATH_ARRAY_FORM_SIMD2(sigmoid)
REPRO_MATH_ARRAY_FORM_SIMD2(silu)
REPRO_MATH_ARRAY_FORM_SIMD(erf)
REPRO_MATH_ARRAY_FORM_SIMD2(gelu)
REPRO_MATH_ARRAY_FORM_SIMD2(gelu_tanh)
REPRO_MATH_ARRAY_FORM_SIMD2(sin2pi)
REPRO_MATH_ARRAY_FORM_SIMD2(cos2pi)
REPRO_MATH_ARRAY_FORM_SIMD2(rsqrt)

#undef REPRO_MATH_ARRAY_FORM_SIMD2
#undef REPRO_MATH_ARRAY_FORM_SIMD
#undef REPRO_MATH_ARRAY_FORM_SIMD_FOR
#undef REPRO_MATH_ARRAY_FORM

}  // namespace math
REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
