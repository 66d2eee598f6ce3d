// repro/detail/math/trig_kernels-inl.hpp - the reduction and polynomials of
// sin2pi and cos2pi (trig.hpp), written once for V = double and the simd
// packs, like float_kernels-inl.hpp (and included next to it, for the same
// reason and with no include guard).

namespace tc {
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
}  // namespace tc

// a = n + k/4 + r for 0 <= a < 2^52: n the integer nearest a (adding and
// subtracting 2^52), k the integer nearest 4 (a - n), in -2..2, and
// |r| <= 1/8. Every step is exact: a - n by Sterbenz, then 4v and 4v - k.
template <class V>
REPRO_HD V reduce_quarter(V a, V& k) {
    const V n = (a + 0x1p52) - 0x1p52;
    const V v4 = mul_rn(a - n, 4.0);
    k = (v4 + 0x1.8p52) - 0x1.8p52;
    return mul_rn(v4 - k, 0.25);
}

// sin and cos of 2 pi r for |r| <= 1/8, to about 2^-62 before the final
// rounding (double precision). sin: s1 r + r^3 (s3 + ...), the s1 product
// with a two-word s1; error below 0.85 ULP. cos: 1 + c2 r^2 + ..., where
// 1 + c2_hi r2 is rounded once and its rounding error recovered by a second
// fma; error below 0.6 ULP.
template <class V>
REPRO_HD V sin2pi_kernel(V r) {
    const V r2 = mul_rn(r, r);
    V p = fma(r2, tc::s17, tc::s15);
    p = fma(r2, p, tc::s13);
    p = fma(r2, p, tc::s11);
    p = fma(r2, p, tc::s9);
    p = fma(r2, p, tc::s7);
    p = fma(r2, p, tc::s5);
    p = fma(r2, p, tc::s3);
    const V t = fma(r2, p, tc::s1_lo);
    return fma(r, tc::s1_hi, mul_rn(r, t));
}

template <class V>
REPRO_HD V cos2pi_kernel(V r) {
    const auto r2 = two_prod(r, r);
    const V h = r2.value;
    V p = fma(h, tc::c18, tc::c16);
    p = fma(h, p, tc::c14);
    p = fma(h, p, tc::c12);
    p = fma(h, p, tc::c10);
    p = fma(h, p, tc::c8);
    p = fma(h, p, tc::c6);
    p = fma(h, p, tc::c4);
    const V a = fma(h, tc::c2_hi, 1.0);      // in [0.69, 1]
    const V e = fma(h, tc::c2_hi, 1.0 - a);  // rounding error of a (1 - a exact)
    const V corr = fma(h, fma(h, p, tc::c2_lo), mul_rn(r2.error, tc::c2_hi));
    return a + (e + corr);
}

// Shorter polynomials for the float functions, evaluated in double: their
// error (below 2^-36 relative) leaves only the final rounding to float.
template <class V>
REPRO_HD V sin2pi_kernel_f(V r) {
    const V r2 = mul_rn(r, r);
    V p = fma(r2, tc::s11, tc::s9);
    p = fma(r2, p, tc::s7);
    p = fma(r2, p, tc::s5);
    p = fma(r2, p, tc::s3);
    p = fma(r2, p, tc::s1_hi);
    return mul_rn(r, p);
}

template <class V>
REPRO_HD V cos2pi_kernel_f(V r) {
    const V r2 = mul_rn(r, r);
    V p = fma(r2, tc::c12, tc::c10);
    p = fma(r2, p, tc::c8);
    p = fma(r2, p, tc::c6);
    p = fma(r2, p, tc::c4);
    p = fma(r2, p, tc::c2_hi);
    return fma(r2, p, 1.0);
}
