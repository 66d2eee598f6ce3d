#pragma once
// repro/detail/math/trig.hpp - the cores of sin2pi, cos2pi and sincos2pi
// (repro/math.hpp). `portable`: only +, -, *, / and repro::fma, every
// multiply-add explicit; no libm calls.

#include <cmath>
#include <cstdint>

#include "../../fp.hpp"
#include "exp_log.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {
namespace trig {

// Exact reduction of a = |u| (finite, double): a = n + q/4 + r with n an
// integer, q in {0,1,2,3} and |r| <= 1/8, r exact (fk::reduce_quarter; from
// 2^52 on every double is an integer: r = 0, q = 0).
struct quarter_reduced {
    double r;
    int q;
};

REPRO_HD quarter_reduced reduce_quarter(double a) {
    if (!(a < 0x1p52)) return {0.0, 0};
    double k;
    const double r = fk::reduce_quarter(a, k);
    return {r, static_cast<int>(k) & 3};  // k in -2..2; two's complement & 3 = k mod 4
}

// Quadrant assembly: with S = sin(2 pi r), C = cos(2 pi r),
// sin(2 pi (q/4 + r)) = S, C, -S, -C and cos = C, -S, -C, S for q = 0..3.
// Exact zeros (S at r = 0) come out +0 here; the callers fix signs.
template <bool Double>
REPRO_HD void sincos2pi_abs(double a, double* s, double* c) {
    const quarter_reduced red = reduce_quarter(a);
    const double sr = Double ? fk::sin2pi_kernel(red.r) : fk::sin2pi_kernel_f(red.r);
    const double cr = Double ? fk::cos2pi_kernel(red.r) : fk::cos2pi_kernel_f(red.r);
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
