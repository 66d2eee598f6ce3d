#pragma once
// repro/detail/math_trig.hpp - sin2pi, cos2pi, sincos2pi and rsqrt (part of
// repro/math.hpp). `portable`: only +, -, *, /, std::sqrt (correctly rounded
// by IEEE-754) and repro::fma, every multiply-add explicit; no libm calls.

#include "../fp.hpp"

namespace repro {
namespace math {
namespace detail {
namespace trig {

// Taylor coefficients of sin(2 pi r) = sum s_k r^k and cos(2 pi r) =
// sum c_k r^k, (-1)^j (2 pi)^n / n! rounded to double (mpmath, 300 bits).
// On |r| <= 1/8 the first omitted term is below 2^-62 (double) or 2^-37
// (the shorter float polynomials) of the result. s1 and c2 carry a second
// word (the rounding error of the first).
constexpr double s1_hi = 0x1.921fb54442d18p+2, s1_lo = 0x1.1a62633145c07p-52;
constexpr double s3 = -0x1.4abbce625be53p+5, s5 = 0x1.466bc6775aae2p+6, s7 = -0x1.32d2cce62bd86p+6,
                 s9 = 0x1.50783487ee782p+5, s11 = -0x1.e3074fde8871fp+3, s13 = 0x1.e8f434d018d63p+1,
                 s15 = -0x1.6fadb9f155744p-1, s17 = 0x1.aaec32af93359p-4;
constexpr double c2_hi = -0x1.3bd3cc9be45dep+4, c2_lo = -0x1.692b71366cc04p-50;
constexpr double c4 = 0x1.03c1f081b5ac4p+6, c6 = -0x1.55d3c7e3cbffap+6, c8 = 0x1.e1f506891babbp+5,
                 c10 = -0x1.a6d1f2a204a8cp+4, c12 = 0x1.f9d38a3763cc3p+2, c14 = -0x1.b6e24f44b128fp+0,
                 c16 = 0x1.20c62c2f2d7f5p-2, c18 = -0x1.2a0c591af8314p-5;

// Exact reduction of a = |u| (finite, double): a = n + q/4 + r with n an
// integer, q in {0,1,2,3} and |r| <= 1/8, r exact. Rounding to an integer
// adds and subtracts 2^52 (exact for 0 <= a < 2^52; from 2^52 on every
// double is an integer). v = a - n is exact (Sterbenz), so are 4v and 4v - k.
struct quarter_reduced {
    double r;
    int q;
};

REPRO_HD quarter_reduced reduce_quarter(double a) {
    constexpr double two52 = 0x1p52, magic = 0x1.8p52;
    if (!(a < two52)) return {0.0, 0};
    const double n = (a + two52) - two52;          // nearest integer, |a - n| <= 1/2
    const double v4 = (a - n) * 4.0;               // exact, in [-2, 2]
    const double k = (v4 + magic) - magic;         // nearest integer to 4v
    const int q = static_cast<int>(k) & 3;         // k in -2..2; two's complement & 3 = k mod 4
    return {(v4 - k) * 0.25, q};
}

// sin and cos of 2 pi r for |r| <= 1/8, to about 2^-62 before the final
// rounding (double precision). sin: s1 r + r^3 (s3 + ...), the s1 product
// with a two-word s1; error below 0.85 ULP. cos: 1 + c2 r^2 + ..., where
// 1 + c2_hi r2 is rounded once and its rounding error recovered by a second
// fma; error below 0.6 ULP.
REPRO_HD double sin2pi_kernel(double r) {
    const double r2 = repro::mul_rn(r, r);
    double p = repro::fma(r2, s17, s15);
    p = repro::fma(r2, p, s13);
    p = repro::fma(r2, p, s11);
    p = repro::fma(r2, p, s9);
    p = repro::fma(r2, p, s7);
    p = repro::fma(r2, p, s5);
    p = repro::fma(r2, p, s3);
    const double t = repro::fma(r2, p, s1_lo);
    return repro::fma(r, s1_hi, repro::mul_rn(r, t));
}

REPRO_HD double cos2pi_kernel(double r) {
    const repro::exact_pair<double> r2 = repro::two_prod(r, r);
    const double h = r2.value;
    double p = repro::fma(h, c18, c16);
    p = repro::fma(h, p, c14);
    p = repro::fma(h, p, c12);
    p = repro::fma(h, p, c10);
    p = repro::fma(h, p, c8);
    p = repro::fma(h, p, c6);
    p = repro::fma(h, p, c4);
    const double a = repro::fma(h, c2_hi, 1.0);           // in [0.69, 1]
    const double e = repro::fma(h, c2_hi, 1.0 - a);       // rounding error of a (1 - a exact)
    const double corr = repro::fma(h, repro::fma(h, p, c2_lo), repro::mul_rn(r2.error, c2_hi));
    return a + (e + corr);
}

// Shorter polynomials for the float functions, evaluated in double: their
// error (below 2^-36 relative) leaves only the final rounding to float.
REPRO_HD double sin2pi_kernel_f(double r) {
    const double r2 = repro::mul_rn(r, r);
    double p = repro::fma(r2, s11, s9);
    p = repro::fma(r2, p, s7);
    p = repro::fma(r2, p, s5);
    p = repro::fma(r2, p, s3);
    p = repro::fma(r2, p, s1_hi);
    return repro::mul_rn(r, p);
}

REPRO_HD double cos2pi_kernel_f(double r) {
    const double r2 = repro::mul_rn(r, r);
    double p = repro::fma(r2, c12, c10);
    p = repro::fma(r2, p, c8);
    p = repro::fma(r2, p, c6);
    p = repro::fma(r2, p, c4);
    p = repro::fma(r2, p, c2_hi);
    return repro::fma(r2, p, 1.0);
}

// Quadrant assembly: with S = sin(2 pi r), C = cos(2 pi r),
// sin(2 pi (q/4 + r)) = S, C, -S, -C and cos = C, -S, -C, S for q = 0..3.
// Exact zeros (S at r = 0) come out +0 here; the callers fix signs.
template <bool Double>
REPRO_HD void sincos2pi_abs(double a, double* s, double* c) {
    const quarter_reduced red = reduce_quarter(a);
    const double sr = Double ? sin2pi_kernel(red.r) : sin2pi_kernel_f(red.r);
    const double cr = Double ? cos2pi_kernel(red.r) : cos2pi_kernel_f(red.r);
    double sv, cv;
    switch (red.q) {
        case 0: sv = sr; cv = cr; break;
        case 1: sv = cr; cv = -sr; break;
        case 2: sv = -sr; cv = -cr; break;
        default: sv = -cr; cv = sr; break;
    }
    // C23 sinpi/cospi signs of exact zeros: sin(2 pi a) = +0 for a >= 0
    // (the caller negates for u < 0), cos = +0 always.
    if (sv == 0.0) sv = 0.0;
    if (cv == 0.0) cv = 0.0;
    if (s) *s = sv;
    if (c) *c = cv;
}

// Shared driver: NaN and +-inf give NaN; sin is odd, cos is even.
template <class T>
REPRO_HD void sincos2pi_impl(T u, T* s, T* c) {
    constexpr bool is_double = sizeof(T) == 8;
    if (!repro::is_finite(u)) {
        const T nan = u - u;  // quiet NaN (inf - inf, or the NaN itself)
        if (s) *s = nan;
        if (c) *c = nan;
        return;
    }
    const bool neg = repro::sign_bit(u);
    const double a = neg ? -static_cast<double>(u) : static_cast<double>(u);
    double sv = 0.0, cv = 0.0;
    sincos2pi_abs<is_double>(a, s ? &sv : nullptr, c ? &cv : nullptr);
    if (s) *s = static_cast<T>(neg ? -sv : sv);
    if (c) *c = static_cast<T>(cv);
}

// Correctly rounded float 1/sqrt(x) for finite x > 0. y = 1/sqrt(x) in double
// is within 2^-52 of the exact value t; f = float(y) can be wrong only when a
// float midpoint m lies between t and y, and then m is the midpoint next to f
// on y's side. m has 25 bits, so m*m is exact in double, and the sign of
// x*m^2 - 1 (one fma, exact sign) tells on which side of m the exact value
// lies: t > m iff x m^2 < 1. (x m^2 = 1 is impossible: m is not a power of 2.)
// Fast exit: t and y differ by less than 2 double ulps of y, so unless y's 29
// bits below float precision lie within 8 ulps of the midpoint pattern 2^28,
// no midpoint lies between them and f is already right.
REPRO_HD float rsqrt_f_positive(float x) {
    const double xd = x;
    const double y = 1.0 / std::sqrt(xd);
    const float f = static_cast<float>(y);
    const std::uint64_t below_float = repro::to_bits(y) & 0x1fffffffu;
    if (below_float - (0x10000000u - 8u) > 16u) return f;
    const double fd = f;
    if (y > fd) {
        const float up = repro::next_up(f);
        const double m = 0.5 * (fd + static_cast<double>(up));
        if (repro::fma(xd, m * m, -1.0) < 0.0) return up;
    } else if (y < fd) {
        const float down = repro::next_down(f);
        const double m = 0.5 * (fd + static_cast<double>(down));
        if (repro::fma(xd, m * m, -1.0) > 0.0) return down;
    }
    return f;
}

// Double 1/sqrt(x) for finite x > 0: y = 1/sqrt(x) (two roundings, relative
// error below 2^-52), then one Newton step y (1 + r/2 + 3r^2/8) with the
// residual r = 1 - x y^2 computed from exact products (two_prod), rounded
// once by the final fma. x is first scaled by 2^-+600 into [2^-500, 2^500] so
// that y^2 and its error term stay normal.
REPRO_HD double rsqrt_d_positive(double x) {
    double scale = 1.0;
    if (x < 0x1p-500) {
        x *= 0x1p600;
        scale = 0x1p300;
    } else if (x > 0x1p500) {
        x *= 0x1p-600;
        scale = 0x1p-300;
    }
    const double y = 1.0 / std::sqrt(x);
    const repro::exact_pair<double> y2 = repro::two_prod(y, y);
    const repro::exact_pair<double> q = repro::two_prod(x, y2.value);
    // r = 1 - x (y2.value + y2.error); 1 - q.value is exact (q.value ~ 1).
    const double r = ((1.0 - q.value) - q.error) - repro::mul_rn(x, y2.error);
    const double c = repro::mul_rn(r, repro::fma(0.375, r, 0.5));
    return repro::fma(y, c, y) * scale;
}

}  // namespace trig
}  // namespace detail

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
// detail::trig::rsqrt_f_positive; checked on all 2^32 inputs). Double: one Newton
// step with an exact residual after 1/sqrt(x) in double, rounded once; within
// 1 ULP and correctly rounded on every tested input (not proven for all).
// rsqrt(+0) = +inf, rsqrt(-0) = -inf, rsqrt(x < 0) = NaN, rsqrt(+inf) = +0,
// rsqrt(NaN) = NaN.
REPRO_HD float rsqrt(float x) {
    if (repro::is_nan(x)) return x + x;
    if (x == 0.0f) return 1.0f / x;                          // +-inf with the sign of the zero
    if (repro::sign_bit(x)) return (x - x) / (x - x);               // NaN (also for -inf)
    if (repro::is_inf(x)) return 0.0f;
    return detail::trig::rsqrt_f_positive(x);
}

REPRO_HD double rsqrt(double x) {
    if (repro::is_nan(x)) return x + x;
    if (x == 0.0) return 1.0 / x;
    if (repro::sign_bit(x)) return (x - x) / (x - x);
    if (repro::is_inf(x)) return 0.0;
    return detail::trig::rsqrt_d_positive(x);
}

}  // namespace math
}  // namespace repro
