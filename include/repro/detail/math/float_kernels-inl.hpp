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
// Coefficients: Taylor coefficients rounded to double (expm1, log); exp's
// and erf's are Chebyshev interpolants fitted with mpmath (see erf.hpp).

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

// e^x for x in [-200, 200], relative error < 2^-45: x = k ln2/4 + r,
// |r| <= ln2/8, k = 4e + j; e^x = 2^e 2^(j/4) (1 + p(r)). The scale is
// built from bits: entry j of the table (2^(j/4) rounded to double, as bits
// less j 2^50) plus k 2^50 (t's bits shifted) is 2^(j/4)'s bits with e added
// to the exponent. p = r + r^2 q(r), q a degree-5 Chebyshev fit of
// (e^r - 1 - r) / r^2 (fit error 2^-48.4 relative to e^r; degree 4, one
// operation less, left 211 of the 2^32 float results not correctly rounded
// instead of 2). Against a degree-9 polynomial after a plain ln2 reduction
// (17 operations, 15 in floating point): 14 on AVX-512, where the lookup is
// one permutation, and 17 on AVX2, where its word indices take three more
// integer operations; 11 in floating point on both.
template <class V>
REPRO_HD V exp(V x) {
    REPRO_MATH_TABLE constexpr std::uint64_t quarter_powers[4] = {0x3ff0000000000000u, 0x3fef06fe0a31b715u,
                                                                  0x3feea09e667f3bcdu, 0x3feee89f995ad3adu};
    const V t = fma(x, V(0x1.71547652b82fep+2), V(el_shifter));  // 4 / ln2
    const V kd = t - el_shifter;
    const V r = fma(-kd, V(0x1.62e42fefa39efp-3), x);  // ln2 / 4
    V q = 0x1.a02aabb525062p-13;
    q = fma(q, r, 0x1.6c2980d8bab31p-10);
    q = fma(q, r, 0x1.111110e1046d3p-7);
    q = fma(q, r, 0x1.555554e938495p-5);
    q = fma(q, r, 0x1.5555555555a77p-3);
    q = fma(q, r, 0x1.0000000000b8cp-1);
    const V s = pow2_quarter_shifted(quarter_powers, t);
    return fma(s, fma(mul_rn(r, r), q, r), s);
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

// gelu_tanh(x) = x / (1 + e^-2u) for finite x, with exp's kernel on -2u
// clamped to [-200, 200], which changes no float result: beyond -200,
// 1 + e^-2u rounds to 1 either way (the quotient is x); beyond 200, |x| e^2u
// < 2^-280 (the quotient rounds to a zero).
template <class V>
REPRO_HD V gelu_tanh(V x) {
    return x / (1.0 + exp(min_of(max_of(-gelu_tanh_2u(x), V(-200.0)), V(200.0))));
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

// ---- gelu (erf form), float: the pieces of math.hpp's gelu ----
// Phi(x) = 1/2 + x G(x^2) for |x| < 0.5: G of degree 6 in s = x^2, max rel
// err 7.95e-16.
template <class V>
REPRO_HD V gelu_small(V s) {
    REPRO_MATH_TABLE constexpr double c[7] = {0x1.9884533d4364bp-2,   -0x1.1058377e2ae93p-4, 0x1.46d042935ea93p-7,
                                              -0x1.37403c62ab099p-10, 0x1.e428e0f01006bp-14, -0x1.3c8281977f972p-17,
                                              0x1.52ba85b419175p-21};
    V r = c[6];
    for (int k = 5; k >= 0; --k) r = fma(r, s, c[k]);
    return r;
}

// Phi on [0.5 + i/2, 1 + i/2), centre 0.75 + i/2: 11 pieces, degree 9, max
// rel fit err 1.99e-14.
template <class V>
REPRO_HD piece_value<V> phi_pos(index_t<V> i, V t) {
    REPRO_MATH_TABLE constexpr double c[12][16] = {
        {0x1.8bf77fea5316dp-1, 0x1.c9e845da8ac7bp-1, 0x1.eb7d5dbebaa92p-1, 0x1.f9bdb6c378b28p-1, 0x1.fe796fbcb6138p-1,
         0x1.ffb45e40a0bf3p-1, 0x1.fff469354da69p-1, 0x1.fffe995a4340ep-1, 0x1.ffffdddf524c0p-1, 0x1.fffffd72bd265p-1,
         0x1.ffffffd9ab944p-1, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.b52c7a0f01a0cp-55, -0x1.44f461319207bp-56, 0x1.abac6192eb04dp-56, -0x1.24e1010e1a582p-55,
         -0x1.675288aa995bcp-60, -0x1.98013f4d6a451p-61, 0x1.90048ea521d6ep-57, -0x1.13a820723649fp-55,
         -0x1.e5c28188f2146p-55, 0x1.22aacc8cd6a79p-58, -0x1.9af095a03b42fp-55, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {0x1.345d5efad34e2p-2, 0x1.7610b9431f1d8p-3, 0x1.6164536bf145fp-4, 0x1.0402dfd3dc1a2p-5, 0x1.29fa54c6341e4p-7,
         0x1.09f38e18a2820p-9, 0x1.71b92ecaaa791p-12, 0x1.904afdd95834ep-15, 0x1.518646ba99d52p-18,
         0x1.bb4a8a8ca5b01p-22, 0x1.c56b24c535bf5p-26, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.ce8c0e783cd77p-4, -0x1.d394e793e6dc5p-4, -0x1.3537c8fe733a7p-4, -0x1.24833bce00508p-5,
         -0x1.99b8348f0ab51p-7, -0x1.b02bc6e85c93ap-9, -0x1.5a9d9be32dfc7p-11, -0x1.a94fadbe735d6p-14,
         -0x1.90cf744646508p-17, -0x1.22e8ebb3f3476p-20, -0x1.45e6dfe55e99bp-24, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {-0x1.67c244272490fp-6, 0x1.188c8af0adb6dp-6, 0x1.e5e9f2b5d42fep-6, 0x1.601939c47d7f9p-6, 0x1.45e9ccb879e6dp-7,
         0x1.a7dc2a76958ebp-9, 0x1.927594453bf2dp-11, 0x1.1c955317007c8p-13, 0x1.2f3ec451ef432p-16,
         0x1.ea9fd70308704p-20, 0x1.2edefff86bf4dp-23, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.77d1cbc12e47ep-6, 0x1.c0195deefad4fp-7, -0x1.9c4a6146904cbp-12, -0x1.92347482209c1p-8,
         -0x1.378ebfc8e97c8p-8, -0x1.105b9668ef5edp-9, -0x1.3f89475f5192dp-11, -0x1.0aed550bef26dp-13,
         -0x1.46b3c810f3856p-16, -0x1.29ba79f3727fcp-19, -0x1.97c052a86da98p-23, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {-0x1.345cbe08b1e70p-13, -0x1.8860ff01bc54dp-8, -0x1.1a878d829e59dp-8, -0x1.e4456887a44c2p-12,
         0x1.2654acdd3d706p-10, 0x1.c5d0708fd10fep-11, 0x1.669110d06823dp-12, 0x1.70650c9f17f7ep-14,
         0x1.08d734dd5e2abp-16, 0x1.13b6ae293a5a4p-19, 0x1.a7cdb6f5fd3c3p-23, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {-0x1.8e770b7b370f3p-9, -0x1.2dfadf7ddcd9dp-11, 0x1.575c56aa7bdfdp-10, 0x1.03eaecb119941p-10,
         0x1.f456bfd394f03p-14, -0x1.923cf21530558p-13, -0x1.15cdde0874f86p-13, -0x1.7b8cd704fb1f6p-15,
         -0x1.4c4318802936dp-17, -0x1.933a176a48877p-20, -0x1.6ec2d9f1d358bp-23, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {0x1.67d76884632b4p-12, 0x1.ab99db5036dfap-11, 0x1.85a4985788535p-13, -0x1.148183a42c612p-12,
         -0x1.7a953a687ced9p-13, -0x1.d5bbd48b8d06ap-17, 0x1.fb8e0260e0c57p-16, 0x1.1e1a099e2808ep-16,
         0x1.48e158844dcdap-18, 0x1.e43ec9a170d1ep-21, 0x1.eaf3b80ecbf4fp-24, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {0x1.33ca3a5d9dc9ap-12, -0x1.13a1396b6ec67p-14, -0x1.7b857b1baf7c7p-13, -0x1.12726f1a13066p-15,
         0x1.9762c04e3e83ep-15, 0x1.b8d73ba6e965bp-16, 0x1.6526148668bd3p-23, -0x1.1742534cb70f3p-18,
         -0x1.e8ee696362d22p-20, -0x1.c6e6f409d04c9p-22, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.dd0ab91c10bfbp-15, -0x1.23a3747767eeep-14, 0x1.16527fed3bc42p-16, 0x1.18333037ee50dp-15,
         0x1.629a0edd95917p-19, -0x1.0d87592d611e7p-17, -0x1.8deb586b8e1d0p-19, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.69b4c92d41193p-16, 0x1.e25f6f0e992dep-17, 0x1.b4a83177d92b4p-17, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
    };
    return piece16<12>(c, i, t);
}

// Q(a) = Phi(-a) exp(a^2 / 2) on the half-binades of [0.5, 16) (index
// 2e + h of erf.hpp's half_binade): 10 pieces, degree 12, max rel fit err
// 2.68e-14.
template <class V>
REPRO_HD piece_value<V> mills(index_t<V> i, V t) {
    REPRO_MATH_TABLE constexpr double c[15][16] = {
        {0x1.4b1de1265fdfap-2, 0x1.1e7c2d26d017dp-2, 0x1.d898de09c6f19p-3, 0x1.7b5abd2fd03adp-3, 0x1.21725231700b8p-3,
         0x1.b396f9cf1e260p-4, 0x1.3b0fbcb4c77bep-4, 0x1.c9e120e488937p-5, 0x1.43a38ae46ed46p-5, 0x1.d087ad6e0cbf6p-6,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.b31066794951ap-56, -0x1.51009c34e43e8p-56, 0x1.d6ac48da9b5e4p-57, 0x1.800e52e98304cp-58,
         0x1.b027a77ad33e6p-57, -0x1.1646b36c1f44dp-61, 0x1.31794a900891fp-58, -0x1.25b6cb9d698b5p-59,
         -0x1.93a50d2c0d7b4p-59, -0x1.ef06b4b4e2b80p-60, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.93234d0a8eabdp-3, -0x1.3baf57769a7cdp-3, -0x1.c49321dc9c3eep-4, -0x1.3253b6cdb4c64p-4,
         -0x1.75ab63fbbab50p-5, -0x1.b6038a80903c9p-6, -0x1.d614eb6940fdbp-7, -0x1.f7d59d52f902bp-8,
         -0x1.fbf2cfdc6dcc6p-9, -0x1.06cdbe7c1ec73p-9, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.9a45b22626401p-4, 0x1.28beedc5d8d01p-4, 0x1.7b79d1bfcaa02p-5, 0x1.bd45f4ef26a49p-6, 0x1.bf399da0e4021p-7,
         0x1.a29f04f5013d8p-8, 0x1.542a992feae05p-9, 0x1.106373bef6d20p-10, 0x1.8af23eaa840fbp-12,
         0x1.27e80535b5c64p-13, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.6e920731b181bp-5, -0x1.ef9f7e8908a72p-6, -0x1.1f33fe5b53d8bp-6, -0x1.2962f462a9397p-7,
         -0x1.f6275d2666cf2p-9, -0x1.7e8220e1049eap-10, -0x1.dea729e654bf2p-12, -0x1.21a61d894722fp-13,
         -0x1.305575efc11b7p-15, -0x1.4b934f0b0abb3p-17, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.27b80fee544a9p-6, 0x1.78a814386eb39p-7, 0x1.8ff2a58cb4e00p-8, 0x1.721ebf1185e88p-9, 0x1.0ac206bacb824p-10,
         0x1.4fb4a0b7e6ebcp-12, 0x1.4810f80db4ebbp-14, 0x1.2f219e32a9d56p-16, 0x1.d0ed67fa474ecp-19,
         0x1.71c8031db5d3ep-21, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.b6a6de4517ad8p-8, -0x1.08aafe615c918p-8, -0x1.038d124da08d5p-9, -0x1.b178048e7509fp-11,
         -0x1.0dee20ee84ec2p-12, -0x1.1c0d0d7c27b32p-14, -0x1.b6d9480ad3bc6p-17, -0x1.386f584335945p-19,
         -0x1.601bb402a4f86p-22, -0x1.9a75a871d7491p-25, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.2ee7b8626156fp-9, 0x1.5bd16751e18eep-10, 0x1.3cf8a5234c2dep-11, 0x1.e142d1ea843c0p-13,
         0x1.0578a5f01a135p-14, 0x1.d0dbdcdf60170p-17, 0x1.1edb81d12ac6bp-19, 0x1.3d57b235178f0p-22,
         0x1.0872e4ef6258bp-25, 0x1.c5826ac7cb48ap-29, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.8a3df74cb8e35p-11, -0x1.b02924f2cde0bp-12, -0x1.6ed653a5f5e78p-13, -0x1.fd805a4cc8cacp-15,
         -0x1.e6e86ec653ca1p-17, -0x1.70cd566de831fp-19, -0x1.6efcee41ab9a7p-22, -0x1.3dd198c3ed0b5p-25,
         -0x1.8a000d13fd715p-29, -0x1.f2cc2c808d41ap-33, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.e43116edbd708p-13, 0x1.fc40556a3bcccp-14, 0x1.94a596ab15b7dp-15, 0x1.04745a2bb3be0p-16,
         0x1.b51b3541ea5fcp-19, 0x1.1c42ad95c9ea4p-21, 0x1.cbf76c4ed3a30p-25, 0x1.39d32a4c79de4p-28,
         0x1.2334ae952f027p-32, 0x1.1111546634446p-36, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, -0x1.af8981b508a32p-17, -0x1.fbb63ef5238d9p-19, -0x1.7bab63d9f9507p-21,
         -0x1.aab0eccce6a80p-24, -0x1.1a3904ce690e0p-27, -0x1.320ad29410137p-31, -0x1.ab13fa682f2edp-36,
         -0x1.294e64908fabfp-40, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x1.b5b6993badc13p-19, 0x0.0p+0, 0x1.48eae932ab6f2p-23, 0x1.3f1f6f55ce408p-26,
         0x1.5493741b78d96p-30, 0x1.3275de06eaeb7p-34, 0x1.355f5bb0de79fp-39, 0x1.42a9e1f3cd313p-44, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.0cb8f0ae5fca0p-25, -0x1.c7bf0dec9a362p-29, -0x1.aeaa1509d1879p-33,
         -0x1.2341f68a1b307p-37, -0x1.befc0f5cb8fc9p-43, -0x1.7090ffb3fd0bep-48, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.f4fab7c8358afp-36, 0x0.0p+0,
         0x1.64ef647c83ef2p-46, 0x1.8c61067ee597cp-52, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.fb7db4ed24bf2p-50,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
    };
    return piece16<15>(c, i, t);
}

// gelu(x) for 0 < |x| < 16, x < 6 (the scalar function's three branches;
// math.hpp screens the rest):
//   |x| < 0.5:  x/2 + x (x G(x^2))
//   x >= 0.5:   x Phi(x), Phi from its piece
//   x <= -0.5:  x exp(-x^2/2) Q(-x), x^2 exact in double
// The kernel for one branch: b = 0, 1, 2 (select_gelu_branch picks per lane).
template <class V>
REPRO_HD V gelu_small_branch(V x, V a) {
    return fma(x, x * gelu_small(a * a), 0.5 * x);
}
template <class V>
REPRO_HD V gelu_positive_branch(V x) {
    index_t<V> i;
    const V id = trunc_index((x - 0.5) * 2.0, i);
    const piece_value<V> v = phi_pos(i, x - fma(0.5, id, 0.75));
    return x * (v.hi + v.rest);
}
template <class V>
REPRO_HD V gelu_negative_branch(V x, V a) {
    V m;
    index_t<V> i;
    trunc_index(half_binade_index(a, m), i);
    const piece_value<V> q = mills(i, a - m);
    const V e = exp_normal(mul_rn(V(-0.5), mul_rn(x, x)));
    return mul_rn(mul_rn(x, e), q.hi + q.rest);
}
