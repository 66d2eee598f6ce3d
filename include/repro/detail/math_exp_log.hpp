#pragma once
// repro/detail/math_exp_log.hpp - exp, expm1, log, log1p, log2, tanh,
// sigmoid and silu for float and double, `portable`: only +, -, *, / (IEEE,
// correctly rounded), conversions, explicit repro::fma and repro::mul_rn, and
// bit manipulation, so every platform, -O level, -ffp-contract mode, ISA and
// the CUDA device give the same bits.
//
// Method.
// - double: Cody-Waite style reduction x = k ln2 + r, |r| <= ln2/2, with r
//   kept as a double-double (r, r_lo); e^r - 1 by a degree-13 Taylor
//   polynomial (coefficients 1/n! rounded to double, Horner with fma); the
//   result is carried as a double-double and rounded once at the end. log
//   reduces x = 2^e m, m in [sqrt(1/2), sqrt(2)), and uses
//   log(m) = 2 atanh(s), s = (m-1)/(m+1) carried as a double-double, with the
//   odd Taylor series of atanh (11 terms, coefficients 2/(2j+3)).
//   tanh, sigmoid and silu are formed from the double-double exp/expm1 with
//   a corrected division, so the final rounding is the only large one.
// - float: evaluated through double arithmetic (allowed by the rules; each
//   double operation is IEEE correctly rounded, so this is portable too) with
//   shorter polynomials (errors below 2^-32 relative), then rounded once to
//   float by the conversion; that one rounding also gives correctly placed
//   subnormal and overflowing float results.
// Coefficients are exact Taylor coefficients rounded to double (computed with
// mpmath); no other project's code or tables were used.
// Measured errors (against MPFR, see tests/test_math_exp_log.cpp) are given
// above each function.

#include <cstdint>

#include "../fp.hpp"
#include "../isa.hpp"

namespace repro {
namespace math {
namespace detail {

REPRO_HD double el_pow2(int k) {  // 2^k for k in [-1022, 1023]
    return from_bits<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

// v * 2^k for k in [-1100, 1100] with a single rounding: the first factor
// keeps the product normal (exact), the second rounds once.
REPRO_HD double el_scale(double v, int k) {
    const int k1 = k / 2;
    const int k2 = k - k1;
    return (v * el_pow2(k1)) * el_pow2(k2);
}

REPRO_HD double el_quiet_nan() { return from_bits<double>(0x7ff8000000000000ull); }
REPRO_HD float el_quiet_nanf() { return from_bits<float>(0x7fc00000u); }

constexpr double el_shifter = 0x1.8p52;
constexpr double el_inv_ln2 = 0x1.71547652b82fep+0;
constexpr double el_inv_ln2_lo = 0x1.777d0ffda0d24p-56;
constexpr double el_ln2 = 0x1.62e42fefa39efp-1;
constexpr double el_ln2_hi42 = 0x1.62e42fefa3800p-1;  // 42 significant bits: k * hi exact for |k| < 2^11
constexpr double el_ln2_lo42 = 0x1.ef35793c76730p-45;

// k = round(x / ln2) and r = x - k ln2 as a double-double, |x| < 2^50.
struct el_reduced {
    double r;
    double r_lo;
    int k;
};

REPRO_HD el_reduced el_reduce(double x) {
    const double t = fma(x, el_inv_ln2, el_shifter);
    const double kd = t - el_shifter;
    const int k = static_cast<int>(static_cast<std::int32_t>(static_cast<std::uint32_t>(to_bits(t))));
    const double r_hi = fma(-kd, el_ln2_hi42, x);  // exact
    const double c = mul_rn(kd, el_ln2_lo42);
    const auto s = two_sum(r_hi, -c);
    return {s.value, s.error, k};
}

// e^r - 1 for |r| <= 0.35 (plus r_lo) as a double-double; degree-13 Taylor.
REPRO_HD exact_pair<double> el_expm1_small(double r, double r_lo) {
    double q = 0x1.6124613a86d09p-33;     // 1/13!
    q = fma(q, r, 0x1.1eed8eff8d898p-29);  // 1/12!
    q = fma(q, r, 0x1.ae64567f544e4p-26);  // 1/11!
    q = fma(q, r, 0x1.27e4fb7789f5cp-22);  // 1/10!
    q = fma(q, r, 0x1.71de3a556c734p-19);  // 1/9!
    q = fma(q, r, 0x1.a01a01a01a01ap-16);  // 1/8!
    q = fma(q, r, 0x1.a01a01a01a01ap-13);  // 1/7!
    q = fma(q, r, 0x1.6c16c16c16c17p-10);  // 1/6!
    q = fma(q, r, 0x1.1111111111111p-7);   // 1/5!
    q = fma(q, r, 0x1.5555555555555p-5);   // 1/4!
    q = fma(q, r, 0x1.5555555555555p-3);   // 1/3!
    q = fma(q, r, 0.5);
    const double r2 = mul_rn(r, r);
    // r_lo enters as r_lo * (1 + r).
    const double s = fma(r2, q, fma(r_lo, r, r_lo));
    return fast_two_sum(r, s);
}

// e^x = 2^k (hi + lo) for finite |x| < 800.
struct el_exp_parts {
    double hi;
    double lo;
    int k;
};

REPRO_HD el_exp_parts el_exp_core(double x) {
    const el_reduced red = el_reduce(x);
    const auto e = el_expm1_small(red.r, red.r_lo);
    const auto y = fast_two_sum(1.0, e.value);
    return {y.value, y.error + e.error, red.k};
}

// e^x - 1 as a double-double for x in [-40, 40].
REPRO_HD exact_pair<double> el_expm1_dd(double x) {
    const el_reduced red = el_reduce(x);
    const auto e = el_expm1_small(red.r, red.r_lo);
    const double p = el_pow2(red.k);
    const auto u = two_sum(p, -1.0);
    const double t = p * e.value;  // exact
    const double l = p * e.error;
    const auto v = two_sum(u.value, t);
    const double rest = (v.error + u.error) + l;
    return fast_two_sum(v.value, rest);
}

// log(m) for m in [sqrt(1/2), sqrt(2)) as a double-double (f = m - 1 exact).
REPRO_HD exact_pair<double> el_log1p_reduced(double f) {
    const double d = 2.0 + f;
    const double d_lo = (2.0 - d) + f;
    const double s = f / d;
    const double res = fma(-s, d_lo, fma(-s, d, f));
    const double s_lo = res / d;
    const double z = mul_rn(s, s);
    double p = 0x1.642c8590b2164p-4;      // 2/23
    p = fma(p, z, 0x1.8618618618618p-4);  // 2/21
    p = fma(p, z, 0x1.af286bca1af28p-4);  // 2/19
    p = fma(p, z, 0x1.e1e1e1e1e1e1ep-4);  // 2/17
    p = fma(p, z, 0x1.1111111111111p-3);  // 2/15
    p = fma(p, z, 0x1.3b13b13b13b14p-3);  // 2/13
    p = fma(p, z, 0x1.745d1745d1746p-3);  // 2/11
    p = fma(p, z, 0x1.c71c71c71c71cp-3);  // 2/9
    p = fma(p, z, 0x1.2492492492492p-2);  // 2/7
    p = fma(p, z, 0x1.999999999999ap-2);  // 2/5
    p = fma(p, z, 0x1.5555555555555p-1);  // 2/3
    const double sz = mul_rn(s, z);
    // 2 s + 2 s_lo (1 + z) + s^3 p
    const double two_s_lo = 2.0 * s_lo;
    const double lo = fma(sz, p, fma(two_s_lo, z, two_s_lo));
    return fast_two_sum(2.0 * s, lo);
}

// Splits a positive finite normal-or-subnormal x into e and f = m - 1 with
// m in [sqrt(1/2), sqrt(2)).
struct el_log_split {
    double f;
    int e;
};

REPRO_HD el_log_split el_split(double x) {
    int adj = 0;
    std::uint64_t b = to_bits(x);
    if (b < 0x0010000000000000ull) {  // subnormal
        b = to_bits(x * 0x1p54);
        adj = -54;
    }
    int e = static_cast<int>(b >> 52) - 1023 + adj;
    std::uint64_t mb = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    if (mb > 0x3ff6a09e667f3bcdull) {  // m > sqrt(2): use m/2
        mb -= 0x0010000000000000ull;
        e += 1;
    }
    return {from_bits<double>(mb) - 1.0, e};
}

// log(x) as a double-double for positive finite x.
REPRO_HD exact_pair<double> el_log_dd(double x) {
    const el_log_split sp = el_split(x);
    const auto l = el_log1p_reduced(sp.f);
    const double ed = static_cast<double>(sp.e);
    const auto s = two_sum(ed * el_ln2_hi42, l.value);  // the product is exact
    const double lo = s.error + fma(ed, el_ln2_lo42, l.error);
    return fast_two_sum(s.value, lo);
}

// sigmoid(x) as a double-double for x in [-700, 40].
REPRO_HD exact_pair<double> el_sigmoid_dd(double x) {
    const bool neg = x < 0;
    const el_exp_parts ep = el_exp_core(neg ? x : -x);
    const double p = el_pow2(ep.k);
    const double e_hi = ep.hi * p;
    const double e_lo = ep.lo * p;
    const auto d = fast_two_sum(1.0, e_hi);
    const double d_hi = d.value;
    const double d_lo = d.error + e_lo;
    const double n_hi = neg ? e_hi : 1.0;
    const double n_lo = neg ? e_lo : 0.0;
    const double q = n_hi / d_hi;
    const double res = fma(-q, d_lo, n_lo) + fma(-q, d_hi, n_hi);
    return fast_two_sum(q, res / d_hi);
}

// ---- the float functions: detail/math_float_kernels.hpp, on V = double ----

// Coefficient tables are function-local: static on the host (one copy in
// read-only data, addressable by the SIMD gathers), plain locals in CUDA
// device code, where namespace-scope host arrays are not visible.
#if defined(__CUDA_ARCH__)
#define REPRO_MATH_TABLE
#else
#define REPRO_MATH_TABLE static
#endif

template <class V>
struct index_type {
    using type = int;
};
template <class V>
using index_t = typename index_type<V>::type;

// 2^k from t = 0x1.8p52 + k, k in [-1022, 1023].
REPRO_HD double pow2_shifted(double t) { return from_bits<double>((to_bits(t) + 1023u) << 52); }

// x = 2^e m, m in [sqrt(1/2), sqrt(2)), for positive normal x: f = m - 1
// (exact) and e.
REPRO_HD void log_split(double x, double& f, double& e) {
    const el_log_split sp = el_split(x);
    f = sp.f;
    e = static_cast<double>(sp.e);
}

REPRO_HD double max_of(double a, double b) { return a > b ? a : b; }

// trunc(v) for 0 <= v < 2^31, as a double and as a table index.
REPRO_HD double trunc_index(double v, int& i) {
    i = static_cast<int>(v);
    return static_cast<double>(i);
}

REPRO_HD double coefficient(const double* table, int stride, int i, int k) { return table[i * stride + k]; }

namespace fk {
#include "math_float_kernels.hpp"
}  // namespace fk

}  // namespace detail
}  // namespace math
}  // namespace repro

#if REPRO_HAS_AVX2_PATH
#include "simd_f64x4.hpp"

REPRO_AVX2_REGION_BEGIN
namespace repro {
namespace math {
namespace detail {

template <>
struct index_type<repro::detail::vec::f64x4> {
    using type = repro::detail::vec::i32x4;
};

namespace fk_avx2 {
using repro::detail::vec::coefficient;
using repro::detail::vec::log_split;
using repro::detail::vec::max_of;
using repro::detail::vec::pow2_shifted;
using repro::detail::vec::trunc_index;
#include "math_float_kernels.hpp"
}  // namespace fk_avx2

}  // namespace detail
}  // namespace math
}  // namespace repro
REPRO_AVX2_REGION_END
#endif

namespace repro {
namespace math {

// ---------------------------------------------------------------- exp

// exp(float): through double, degree-9 Taylor on |r| <= ln2/2, one final
// rounding to float. Measured: <= 1 ULP on all 2^32 inputs.
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
    const auto r = detail::el_expm1_dd(x);
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
    const auto u = two_sum(1.0, x);
    const auto l = detail::el_log_dd(u.value);
    return l.value + (l.error + u.error / u.value);
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
    const auto l = detail::el_log1p_reduced(sp.f);
    const auto p = two_prod(l.value, detail::el_inv_ln2);
    const double p_lo = p.error + fma(l.error, detail::el_inv_ln2, mul_rn(l.value, detail::el_inv_ln2_lo));
    const auto s = two_sum(static_cast<double>(sp.e), p.value);
    return s.value + (s.error + p_lo);
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
    const auto e = detail::el_expm1_dd(-2.0 * ax);
    const auto d = fast_two_sum(2.0, e.value);
    const double d_lo = d.error + e.error;
    const double q = e.value / d.value;
    const double res = fma(-q, d_lo, e.error) + fma(-q, d.value, e.value);
    const double t = -(q + res / d.value);
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
    const auto s = detail::el_sigmoid_dd(x);
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
    const auto s = detail::el_sigmoid_dd(x);
    return fma(x, s.value, mul_rn(x, s.error));
}

}  // namespace math
}  // namespace repro
