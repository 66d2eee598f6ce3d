#pragma once
// repro/detail/math/erf.hpp - the cores of repro::math::erf, gelu (erf
// form) and gelu_tanh for float and double: `portable` - fixed polynomials
// evaluated with explicit repro::fma, only +, -, *, / and the exp of
// exp_log.hpp, so every platform and
// build mode gives the same bits. No libm call.
//
// Coefficients: Chebyshev interpolants fitted with mpmath at 60 digits
// (tools of this implementation, not copied from any library) and rounded
// to double; each table's comment gives its degree and the largest relative
// fitting error measured with the rounded coefficients.
//
// The float functions are evaluated in double arithmetic (double ops are
// IEEE-754 and correctly rounded everywhere) and rounded once to float.
//
// Piecewise evaluation: on a piece with centre m, f(m + t) is hi + rest with
// hi = f(m) rounded to double and rest = lo + t * g(t) (lo = f(m) - hi, g a
// polynomial in t evaluated by Horner); t = x - m is exact (Sterbenz: every
// piece lies within [m/2, 2m]).

#include <cstdint>

#include "../../fp.hpp"
#include "exp_log.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {
namespace erf_impl {

struct split_value {
    double hi;    // f(m) rounded to double
    double rest;  // the rest of f(m + t), small against hi
};

template <int N>
REPRO_HD double horner(const double* c, double t) {
    double r = c[N - 1];
    for (int k = N - 2; k >= 0; --k) r = repro::fma(r, t, c[k]);
    return r;
}

// c = {hi, lo, g0, g1, ...}: f(m + t) = hi + (lo + t * g(t)).
template <int W>
REPRO_HD split_value piece(const double* c, double t) {
    const double g = horner<W - 2>(c + 2, t);
    return {c[0], repro::fma(t, g, c[1])};
}

REPRO_HD double abs_value(double x) { return repro::from_bits<double>(repro::to_bits(x) & ~(std::uint64_t(1) << 63)); }

// erf_small: erf(x) = x + x * Q(x^2) for |x| < 0.75, Q(s) = erf(sqrt s)/sqrt s - 1.
// erf_mid: erf on [0.75 + k/2, 1.25 + k/2), centre 1 + k/2.
// (The double gelu's tables are in double_kernels-inl.hpp, stored by
// coefficient for its SIMD form.)
// erf_small: degree 10 in s, max rel err 2.7e-17
REPRO_HD double erf_small_double(double s) {
    REPRO_MATH_TABLE constexpr double c[11] = {0x1.06eba8214db69p-3,   -0x1.812746b0379e0p-2,  0x1.ce2f21a0424c3p-4,
                                               -0x1.b82ce31257412p-6,  0x1.565bcd03657c0p-8,   -0x1.c02db1220cfe6p-11,
                                               0x1.f9a2afa3a8f86p-14,  -0x1.f4c5debf1228ap-17, 0x1.b90ecd4aeec12p-20,
                                               -0x1.564f71bbc0d35p-23, 0x1.8a312cb07e6ccp-27};
    return horner<11>(c, s);
}
// erf_mid: 11 pieces, degree 13, max rel fit err 5.41e-17
REPRO_HD split_value erf_mid_double(int i, double t) {
    REPRO_MATH_TABLE constexpr double c[11][16] = {
        {0x1.af767a741088bp-1, -0x1.c97f778122797p-56, 0x1.a911f096fbc26p-2, -0x1.a911f096fbc26p-2,
         0x1.1b614b0f528a1p-3, 0x1.1b614b0f52883p-4, -0x1.1b614b0f63857p-4, 0x1.2e45a56543c5fp-8, 0x1.f096fda347eb4p-7,
         -0x1.39114693fdc27p-8, -0x1.ee3122b669cdcp-10, 0x1.4176a7e8ac725p-10, 0x1.672249751d480p-14,
         -0x1.a37701463edaep-13, 0x1.265117dc5aca8p-16, 0x1.86295a477b53fp-16},
        {0x1.eea5557137ae0p-1, -0x1.385e445f2c96dp-55, 0x1.e723726b824a9p-4, -0x1.6d5a95d0a1b21p-3,
         0x1.1c2a02beb6ab4p-3, -0x1.6d5a95d0cad48p-5, -0x1.e723726b7bfadp-7, 0x1.3ca3d7556aeb1p-6,
         -0x1.36d73a6830facp-8, -0x1.35ae94d32f58bp-9, 0x1.c03811b0122f7p-10, -0x1.84ca1fcea47eep-14,
         -0x1.0ad1461537e63p-12, 0x1.3a02ea84bcf85p-14, 0x1.2f20b49aa9edap-16, 0x0.0p+0},
        {0x1.fd9ae142795e3p-1, 0x1.972801904b9a3p-56, 0x1.529b9e8cf9a1ep-6, -0x1.529b9e8cf9a86p-5, 0x1.8b0ae3a478909p-5,
         -0x1.1a2c59756f53bp-5, 0x1.ace7404c36b0ap-7, 0x1.e1935bce27d06p-12, -0x1.bae0abb4abd4fp-9,
         0x1.a1145b58048edp-10, -0x1.a46b1a085d664p-15, -0x1.13a1d35dea568p-12, 0x1.b32917e5d7ef2p-14,
         0x1.93a7ac130c0a9p-18, -0x1.0d39041541806p-16, 0x0.0p+0},
        {0x1.ffcaa8f4c9beap-1, 0x1.b0cee160116f9p-55, 0x1.1d83170fbf6fbp-9, -0x1.64e3dcd3af4eap-8, 0x1.119da0c46ccf7p-7,
         -0x1.1a89b97ce830ap-7, 0x1.90e81283eb77ap-8, -0x1.6ecdbf6cef708p-9, 0x1.1c610c0876a85p-11,
         0x1.115526b3ab1d0p-12, -0x1.067192dd70cf3p-12, 0x1.4a80b1a0099d3p-14, 0x1.596b0d8e8dfb2p-18,
         -0x1.d70f5cff88762p-17, 0x1.321815b3da8a9p-18, 0x0.0p+0},
        {0x1.fffd1ac4135f9p-1, 0x1.eeafa1ecd6cefp-55, 0x1.2408e9ba3327fp-13, -0x1.b60d5e974c58dp-12,
         0x1.9db74b1d1dbc2p-11, -0x1.11c85b1ebb4e1p-10, 0x1.0a7b5546c49b4p-10, -0x1.82f23584f90dep-11,
         0x1.998b47a745cf7p-12, -0x1.1aa6075b9da9cp-13, 0x1.d2a411d53cc8bp-17, 0x1.061e292bd5ea0p-16,
         -0x1.6a42bb27e73a9p-17, 0x1.8a687a8a83d42p-19, 0x1.50727ff6302b7p-23, 0x0.0p+0},
        {0x1.ffffe710d565ep-1, 0x1.c9ea52d76dc04p-55, 0x1.6a597219abc79p-18, -0x1.3d0e43d67446ap-16,
         0x1.62ccea625d750p-15, -0x1.1c07721a912d6p-14, 0x1.586bb04f00d7ap-14, -0x1.46153fe186182p-14,
         0x1.e827b3e877cf9p-15, -0x1.1f62ef85e283ap-15, 0x1.014646c205abbp-16, -0x1.3788b1694e58cp-18,
         0x1.a0a2f7a8e35fdp-22, 0x1.eee341896429fp-22, 0x0.0p+0, 0x0.0p+0},
        {0x1.ffffff7b91176p-1, 0x1.0b2865615db40p-56, 0x1.10b1488aeb235p-23, -0x1.10b14895e920bp-21,
         0x1.603a5309881f4p-20, -0x1.4980dee302de9p-19, 0x1.da5f10624913cp-19, -0x1.1050ed719cd79p-18,
         0x1.fd7c9040c67eep-19, -0x1.889ba764c2f0dp-19, 0x1.f41818e8f2529p-20, -0x1.09f8f4ad56605p-20,
         0x1.b1710eaeed40cp-22, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.fffffffe4fa30p-1, 0x1.d166bcb681c7bp-57, 0x1.f1e35379b6eabp-30, -0x1.180fde5481e3dp-27,
         0x1.99b828270e0aap-26, -0x1.b598bc4ba2fc0p-25, 0x1.6b2372a4705d9p-24, -0x1.e654a1191fc8bp-24,
         0x1.0cba269700d34p-23, -0x1.f54bca4374328p-24, 0x1.a5ccb7012c446p-24, -0x1.1821689f19a10p-24, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.fffffffffc9e8p-1, -0x1.a759f7738935fp-56, 0x1.13af4f04f9998p-36, -0x1.5899f7c26fc85p-34,
         0x1.196d6c92e2173p-32, -0x1.518c5280610d1p-31, 0x1.3c5ca6a00a39ap-30, -0x1.debb1e0d38828p-30,
         0x1.3190639f4e72fp-29, -0x1.7070a4073f3f0p-29, 0x1.4eab7328c1f95p-29, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {0x1.fffffffffffbep-1, -0x1.182b326b228dcp-55, 0x1.7258610b3b233p-44, -0x1.fe21928241723p-42,
         0x1.cb4f1f16d70fep-40, -0x1.29ce828038cbfp-38, 0x1.3a8bfa369580cp-37, -0x1.47ba4775c6ac5p-36,
         0x1.bf7b24a33d251p-36, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.0000000000000p+0, -0x1.8cf81557d20b6p-56, 0x1.11a00679c4825p-52, -0x1.b809370df570ap-50,
         0x1.4d459a633a9c4p-47, -0x1.a87b0869d14f8p-46, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
    };
    return piece<16>(c[i], t);
}

}  // namespace erf_impl
}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
