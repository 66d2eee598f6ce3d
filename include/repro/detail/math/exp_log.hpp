#pragma once
// repro/detail/math/exp_log.hpp - the cores of exp, expm1, log, log1p, log2,
// tanh, sigmoid and silu (repro/math.hpp) for float and double, `portable`: only +, -, *, / (IEEE,
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
//   shorter polynomials (errors below 2^-32 relative; exp reduces by ln2/4
//   with a four-entry table of 2^(j/4)), then rounded once to float by the
//   conversion; that one rounding also gives correctly placed subnormal and
//   overflowing float results.
// Coefficients are exact Taylor coefficients rounded to double, float exp's a
// Chebyshev fit (both computed with mpmath); no other project's code or
// tables were used.
// Measured errors (against MPFR, see tests/test_math_exp_log.cpp) are given
// above each function.

#include <cmath>
#include <cstdint>

#include "../../fp.hpp"
#include "../simd/pack.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
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

// ---- the kernels (float_kernels-inl.hpp, double_kernels-inl.hpp) on V = double ----

template <class V>
struct index_type {
    using type = int;
};
template <class V>
using index_t = typename index_type<V>::type;

// 2^k from t = 0x1.8p52 + k, k in [-1022, 1023].
REPRO_HD double pow2_shifted(double t) { return from_bits<double>((to_bits(t) + 1023u) << 52); }

// table[k mod 4] + k 2^50 as a double, from t = 0x1.8p52 + k (float exp's
// scale: see fk::exp).
REPRO_HD double pow2_quarter_shifted(const std::uint64_t* table, double t) {
    const std::uint64_t b = to_bits(t);
    return from_bits<double>(table[b & 3u] + (b << 50));
}

// x = 2^e m, m in [sqrt(1/2), sqrt(2)), for positive normal x: f = m - 1
// (exact) and e.
REPRO_HD void log_split(double x, double& f, double& e) {
    const el_log_split sp = el_split(x);
    f = sp.f;
    e = static_cast<double>(sp.e);
}

REPRO_HD double max_of(double a, double b) { return a > b ? a : b; }
REPRO_HD double min_of(double a, double b) { return a < b ? a : b; }
REPRO_HD double sqrt_of(double x) { return std::sqrt(x); }

// trunc(v) for 0 <= v < 2^31, as a double and as a table index.
REPRO_HD double trunc_index(double v, int& i) {
    i = static_cast<int>(v);
    return static_cast<double>(i);
}

REPRO_HD double coefficient(const double* column, int i) { return column[i]; }
REPRO_HD double abs_of(double x) { return from_bits<double>(to_bits(x) & ~(std::uint64_t(1) << 63)); }
REPRO_HD double if_negative(double x, double a, double b) { return x < 0 ? a : b; }
REPRO_HD double coefficient16(const double* column, int i) { return column[i]; }

// The half-binade of a in [0.5, 2^k) as the index 2e + h ([0.5, 0.75) -> 0,
// [0.75, 1) -> 1, [1, 1.5) -> 2, ...; e = a's exponent + 1, h = its first
// fraction bit), as a double; m = the half-binade's centre, exact (a's
// exponent and sign, fraction 0.25 or 0.75).
REPRO_HD double half_binade_index(double a, double& m) {
    const std::uint64_t b = to_bits(a);
    m = from_bits<double>((b & 0xfff8000000000000ull) | 0x0004000000000000ull);
    return static_cast<double>(static_cast<int>(b >> 51) - 2044);
}

namespace fk {
#include "double_kernels-inl.hpp"
#include "float_kernels-inl.hpp"
#include "trig_kernels-inl.hpp"
}  // namespace fk

// k = round(x / ln2) and r = x - k ln2 as a double-double, |x| < 2^50.
struct el_reduced {
    double r;
    double r_lo;
    int k;
};

REPRO_HD el_reduced el_reduce(double x) {
    double t, r_lo;
    const double r = fk::reduce_ln2_dd(x, t, r_lo);
    return {r, r_lo, static_cast<int>(static_cast<std::int32_t>(static_cast<std::uint32_t>(to_bits(t))))};
}

// e^x = 2^k (hi + lo) for finite |x| < 800.
struct el_exp_parts {
    double hi;
    double lo;
    int k;
};

REPRO_HD el_exp_parts el_exp_core(double x) {
    double t;
    const auto e = fk::exp_parts(x, t);
    return {e.value, e.error, static_cast<int>(static_cast<std::int32_t>(static_cast<std::uint32_t>(to_bits(t))))};
}

// log(x) as a double-double for positive finite x.
REPRO_HD exact_pair<double> el_log_dd(double x) {
    const el_log_split sp = el_split(x);
    return fk::log_dd(sp.f, static_cast<double>(sp.e));
}

}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#if REPRO_X86_SIMD
REPRO_AVX2_REGION_BEGIN
REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {

template <>
struct index_type<repro::detail::simd::f64x4> {
    using type = repro::detail::simd::f64x4::index;
};

// The same kernels on four double lanes.
namespace fk_avx2 {
#include "pack_kernels-inl.hpp"
}  // namespace fk_avx2

}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END
REPRO_AVX2_REGION_END

REPRO_AVX512_REGION_BEGIN
REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {

template <>
struct index_type<repro::detail::simd::f64x8> {
    using type = repro::detail::simd::f64x8::index;
};

// And on eight.
namespace fk_avx512 {
#include "pack_kernels-inl.hpp"
}  // namespace fk_avx512

}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END
REPRO_AVX512_REGION_END
#endif

#include "../epilogue.hpp"
