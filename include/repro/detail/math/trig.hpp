#pragma once
// repro/detail/math/trig.hpp - the cores of sin2pi, cos2pi and sincos2pi
// (repro/math.hpp). `portable`: only +, -, *, / and repro::fma, every
// multiply-add explicit; no libm calls.

#include <cmath>
#include <cstdint>

#include "../../fp.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
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
    const double n = (a + two52) - two52;   // nearest integer, |a - n| <= 1/2
    const double v4 = repro::mul_rn(a - n, 4.0);  // exact, in [-2, 2]
    const double k = (v4 + magic) - magic;  // nearest integer to 4v
    const int q = static_cast<int>(k) & 3;  // k in -2..2; two's complement & 3 = k mod 4
    return {repro::mul_rn(v4 - k, 0.25), q};
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
    const double a = repro::fma(h, c2_hi, 1.0);      // in [0.69, 1]
    const double e = repro::fma(h, c2_hi, 1.0 - a);  // rounding error of a (1 - a exact)
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
        case 0:
            sv = sr;
            cv = cr;
            break;
        case 1:
            sv = cr;
            cv = -sr;
            break;
        case 2:
            sv = -sr;
            cv = -cr;
            break;
        default:
            sv = -cr;
            cv = sr;
            break;
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

}  // namespace trig
}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
