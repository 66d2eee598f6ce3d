#pragma once
// repro/detail/math/rsqrt.hpp - the cores of repro::math::rsqrt: correctly
// rounded for float, a residual-corrected Newton step for double. Only
// IEEE operations (std::sqrt is correctly rounded) and explicit fma.

#include <cmath>
#include <cstdint>

#include "../../fp.hpp"
#include "exp_log.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {

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
    const double xd = static_cast<double>(x);
    const double y = 1.0 / std::sqrt(xd);
    const float f = static_cast<float>(y);
    const std::uint64_t below_float = repro::to_bits(y) & 0x1fffffffu;
    if (below_float - (0x10000000u - 8u) > 16u) return f;
    const double fd = static_cast<double>(f);
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

// Double 1/sqrt(x) for finite x > 0: x is first scaled by 2^-+600 into
// [2^-500, 2^500], then fk::rsqrt_newton (double_kernels-inl.hpp, shared
// with the array forms).
REPRO_HD double rsqrt_d_positive(double x) {
    double scale = 1.0;
    if (x < 0x1p-500) {
        x *= 0x1p600;
        scale = 0x1p300;
    } else if (x > 0x1p500) {
        x *= 0x1p-600;
        scale = 0x1p-300;
    }
    return fk::rsqrt_newton(x) * scale;
}

}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
