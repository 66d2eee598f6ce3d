// repro/detail/math/float_kernels-inl.hpp - the float functions of
// repro::math, evaluated in double arithmetic, written once for V = double
// (one value: the scalar functions and the CUDA variants) and V = a simd
// pack of four or eight doubles (the AVX2 and AVX-512 array forms). Every
// step is one IEEE operation per value in the same order for all, so all
// give the same bits. Callers screen special
// values and ranges; each kernel states the inputs it accepts.
//
// No include guard on purpose: exp_log.hpp includes this file
// three times, into namespace fk and, compiled for AVX2+FMA and AVX-512F,
// into fk_avx2 and fk_avx512.
// Coefficients: Taylor coefficients rounded to double (exp, log); erf's are
// Chebyshev interpolants fitted with mpmath (see erf.hpp).

// e^r - 1 for |r| <= 0.35: degree-9 Taylor (truncation < 2^-37 relative).
template <class V>
REPRO_HD V expm1_small(V r) {
    V q = 0x1.71de3a556c734p-19;           // 1/9!
    q = fma(q, r, 0x1.a01a01a01a01ap-16);  // 1/8!
    q = fma(q, r, 0x1.a01a01a01a01ap-13);  // 1/7!
    q = fma(q, r, 0x1.6c16c16c16c17p-10);  // 1/6!
    q = fma(q, r, 0x1.1111111111111p-7);   // 1/5!
    q = fma(q, r, 0x1.5555555555555p-5);   // 1/4!
    q = fma(q, r, 0x1.5555555555555p-3);   // 1/3!
    q = fma(q, r, 0.5);
    return fma(mul_rn(r, r), q, r);
}

// x = k ln2 + r, |r| <= ln2/2; returns r and t = 0x1.8p52 + k.
template <class V>
REPRO_HD V reduce_ln2(V x, V& t) {
    t = fma(x, el_inv_ln2, el_shifter);
    const V kd = t - el_shifter;
    return fma(-kd, el_ln2, x);
}

// e^x for x in [-200, 200], relative error < 2^-36.
template <class V>
REPRO_HD V exp(V x) {
    V t;
    const V r = reduce_ln2(x, t);
    return mul_rn(1.0 + expm1_small(r), pow2_shifted(t));
}

// e^x - 1 for x in [-200, 200], relative error < 2^-34.
template <class V>
REPRO_HD V expm1(V x) {
    V t;
    const V r = reduce_ln2(x, t);
    const V p = pow2_shifted(t);
    return fma(p, expm1_small(r), p - 1.0);
}

// log(1 + f) for f = m - 1, m in [sqrt(1/2), sqrt(2)): 6 terms of the atanh
// series (truncation < 2^-37 relative).
template <class V>
REPRO_HD V log1p_reduced(V f) {
    const V s = f / (2.0 + f);
    const V z = mul_rn(s, s);
    V p = 0x1.3b13b13b13b14p-3;           // 2/13
    p = fma(p, z, 0x1.745d1745d1746p-3);  // 2/11
    p = fma(p, z, 0x1.c71c71c71c71cp-3);  // 2/9
    p = fma(p, z, 0x1.2492492492492p-2);  // 2/7
    p = fma(p, z, 0x1.999999999999ap-2);  // 2/5
    p = fma(p, z, 0x1.5555555555555p-1);  // 2/3
    return fma(mul_rn(s, z), p, 2.0 * s);
}

// log(x) for positive normal x: e ln2 + log(m).
template <class V>
REPRO_HD V log(V x) {
    V f, e;
    log_split(x, f, e);
    return fma(e, el_ln2, log1p_reduced(f));
}

// log2(x) for positive normal x: e + log(m) / ln2.
template <class V>
REPRO_HD V log2(V x) {
    V f, e;
    log_split(x, f, e);
    return fma(log1p_reduced(f), el_inv_ln2, e);
}

// tanh(a) for a in [2^-13, 10]: -E / (E + 2), E = expm1(-2a).
template <class V>
REPRO_HD V tanh_positive(V a) {
    const V e = expm1(-2.0 * a);
    return -e / (e + 2.0);
}

// 1 / (1 + e^-x) for x in [-200, 200].
template <class V>
REPRO_HD V sigmoid(V x) {
    return 1.0 / (1.0 + exp(-x));
}

// x / (1 + e^-x) for x >= -200 (x = +inf included: e^-x is taken at -200).
template <class V>
REPRO_HD V silu(V x) {
    return x / (1.0 + exp(max_of(-x, -200.0)));
}

// gelu_tanh's 2u = x (k0 + k1 x^2) (x^2 exact for a float x), k0 = 2 sqrt(2/pi),
// k1 = k0 * 0.044715.
template <class V>
REPRO_HD V gelu_tanh_2u(V x) {
    return x * fma(V(0x1.2444f2a4d8b4bp-4), x * x, V(0x1.9884533d43651p+0));
}

// erf(a) for 0 <= a < 0.75: a + a Q(a^2), Q degree 8 (max rel err 5.62e-15).
template <class V>
REPRO_HD V erf_small(V a) {
    REPRO_MATH_TABLE constexpr double c[9] = {0x1.06eba8214da9ep-3,  -0x1.812746b030832p-2,  0x1.ce2f219afcf06p-4,
                                              -0x1.b82ce19064b02p-6, 0x1.565b959d7601dp-8,   -0x1.c024bc1bcdd83p-11,
                                              0x1.f8c7f3a750144p-14, -0x1.e882c01357836p-17, 0x1.584249a41faa3p-20};
    const V s = a * a;
    V q = c[8];
    for (int k = 7; k >= 0; --k) q = fma(q, s, c[k]);
    return fma(a, q, a);
}

// erf(a) for 0.75 <= a < 4.25: 7 pieces of width 1/2 around m = 1 + i/2,
// erf(m + t) = hi + (lo + t g(t)), g of degree 10 (max rel fit err 1.73e-14);
// t = a - m is exact (Sterbenz). Column i of the table: {hi, lo, g0, ...,
// g10} of piece i (stored by coefficient: the eight pieces' values of one
// coefficient side by side, so that a SIMD path picks them by permutation;
// the eighth is padding).
template <class V>
REPRO_HD V erf_mid(V a) {
    REPRO_MATH_TABLE constexpr double c[13][8] = {
        {0x1.af767a741088bp-1, 0x1.eea5557137ae0p-1, 0x1.fd9ae142795e3p-1, 0x1.ffcaa8f4c9beap-1, 0x1.fffd1ac4135f9p-1,
         0x1.ffffe710d565ep-1, 0x1.ffffff7b91176p-1, 0x0.0p+0},
        {-0x1.c97f778122797p-56, -0x1.385e445f2c96dp-55, 0x1.972801904b9a3p-56, 0x1.b0cee160116f9p-55,
         0x1.eeafa1ecd6cefp-55, 0x1.c9ea52d76dc04p-55, 0x1.0b2865615db40p-56, 0x0.0p+0},
        {0x1.a911f096fbc26p-2, 0x1.e723726b824a9p-4, 0x1.529b9e8cf9a1ep-6, 0x1.1d83170fc594bp-9, 0x1.2408e9b97e6fbp-13,
         0x1.6a597219a93dap-18, 0x1.10b1488aeb235p-23, 0x0.0p+0},
        {-0x1.a911f09704975p-2, -0x1.6d5a95d09aeefp-3, -0x1.529b9e8cf781dp-5, -0x1.64e3dcd3b6a94p-8,
         -0x1.b60d5e9733e7ap-12, -0x1.3d0e412349e58p-16, -0x1.10b135e964bf5p-21, 0x0.0p+0},
        {0x1.1b614b0f541c0p-3, 0x1.1c2a02beb84bfp-3, 0x1.8b0ae3a472c6bp-5, 0x1.119da0bfa11aep-7, 0x1.9db74baa4e5b0p-11,
         0x1.62ccea456d648p-15, 0x1.603a4f3ac5115p-20, 0x0.0p+0},
        {0x1.1b614b3b7f7bbp-4, -0x1.6d5a95f293a86p-5, -0x1.1a2c597821611p-5, -0x1.1a89b97168760p-7,
         -0x1.11c85b31f6bd0p-10, -0x1.1c08022a24491p-14, -0x1.4984c3690f014p-19, 0x0.0p+0},
        {-0x1.1b614b13557f2p-4, -0x1.e723728c09f22p-7, 0x1.ace7406926214p-7, 0x1.90e8174959042p-8,
         0x1.0a7b31f9c0175p-10, 0x1.586bbc7c29f93p-14, 0x1.da60a69d807aap-19, 0x0.0p+0},
        {0x1.2e44adc6c7ae3p-8, 0x1.3ca3eef8375e0p-6, 0x1.e193d4cc3cd6ep-12, -0x1.6ecdd66cfdbe0p-9,
         -0x1.82f2224489a69p-11, -0x1.45f4cb654f41ap-14, -0x1.0fe0c66256f5dp-18, 0x0.0p+0},
        {0x1.f09708b2aeeb7p-7, -0x1.36d7239de6c5ap-8, -0x1.bae0d4352e1fdp-9, 0x1.1c5a7177a88d9p-11,
         0x1.99a3fee60ff7dp-12, 0x1.e8223664b2f84p-15, 0x1.fd21263f644eap-19, 0x0.0p+0},
        {-0x1.38edd56de448ep-8, -0x1.35c995209e638p-9, 0x1.a110078737532p-10, 0x1.11755a33393fcp-12,
         -0x1.1ab38230f26c0p-13, -0x1.24cfca56c46f0p-15, -0x1.9b4e2933ee325p-19, 0x0.0p+0},
        {-0x1.ee3dc7d7deeb7p-10, 0x1.c02b0b96a7c71p-10, -0x1.a2f8d95130701p-15, -0x1.058641c2dec8fp-12,
         0x1.9a1efe7fc736ap-17, 0x1.0230a27279591p-16, 0x1.01aa661b309d5p-19, 0x0.0p+0},
        {0x1.3890f02011b52p-10, -0x1.4ece05a5ed1ecp-14, -0x1.128c8fa92c982p-12, 0x1.414d64a0848f8p-14,
         0x1.0dd2339900706p-16, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.73c7c49e8353dp-14, -0x1.078fb4d69e717p-12, 0x1.a797639550173p-14, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
    };
    index_t<V> i;
    const V id = trunc_index((a - 0.75) * 2.0, i);
    const V t = a - fma(0.5, id, 1.0);
    V g = coefficient(c[12], i);
    for (int k = 11; k >= 2; --k) g = fma(g, t, coefficient(c[k], i));
    const V rest = fma(t, g, coefficient(c[1], i));
    return coefficient(c[0], i) + rest;
}
