// repro/detail/math/double_kernels-inl.hpp - the double-double steps of the
// double exp and log families, written once for V = double (the scalar
// functions, whose special cases and subnormal scalings stay in exp_log.hpp
// and math.hpp, and the CUDA variants) and V = a simd pack of four or eight
// doubles (the AVX2 and AVX-512 array forms, for inputs whose results need
// no such scaling). One IEEE operation per value in the same order for all,
// so all give the same bits.
//
// No include guard on purpose: exp_log.hpp includes this file next to
// float_kernels-inl.hpp, into fk, fk_avx2 and fk_avx512.

// A piece's value hi + rest, rest = lo + t g(t) (g by Horner), from a table
// stored by coefficient: column k holds coefficient k of every piece
// ({hi, lo, g0, g1, ...}), so that a SIMD path picks a lane's piece by
// permutation. Up to 16 pieces per column.
template <class V>
struct piece_value {
    V hi;
    V rest;
};
template <int Coefficients, class V>
REPRO_HD piece_value<V> piece16(const double (*c)[16], index_t<V> i, V t) {
    V g = coefficient16(c[Coefficients - 1], i);
    for (int k = Coefficients - 2; k >= 2; --k) g = fma(g, t, coefficient16(c[k], i));
    return {coefficient16(c[0], i), fma(t, g, coefficient16(c[1], i))};
}

// x = k ln2 + (r + r_lo), |r| <= ln2/2, for |x| < 2^50; t = 0x1.8p52 + k.
template <class V>
REPRO_HD V reduce_ln2_dd(V x, V& t, V& r_lo) {
    t = fma(x, el_inv_ln2, el_shifter);
    const V kd = t - el_shifter;
    const V r_hi = fma(-kd, el_ln2_hi42, x);  // exact
    const V c = mul_rn(kd, el_ln2_lo42);
    const auto s = two_sum(r_hi, -c);
    r_lo = s.error;
    return s.value;
}

// e^r - 1 for |r| <= 0.35 (plus r_lo) as a double-double; degree-13 Taylor
// (coefficients 1/n! rounded to double).
template <class V>
REPRO_HD exact_pair<V> expm1_small_dd(V r, V r_lo) {
    V q = 0x1.6124613a86d09p-33;           // 1/13!
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
    const V r2 = mul_rn(r, r);
    // r_lo enters as r_lo * (1 + r).
    const V s = fma(r2, q, fma(r_lo, r, r_lo));
    return fast_two_sum(r, s);
}

// e^x = 2^k (value + error) for finite |x| < 800, t = 0x1.8p52 + k.
template <class V>
REPRO_HD exact_pair<V> exp_parts(V x, V& t) {
    V r_lo;
    const V r = reduce_ln2_dd(x, t, r_lo);
    const auto e = expm1_small_dd(r, r_lo);
    const auto y = fast_two_sum(V(1.0), e.value);
    return {y.value, y.error + e.error};
}

// e^x for x in [-708, 709], where the result is normal: the product by 2^k
// is then exact, as the scalar function's two-step scaling is.
template <class V>
REPRO_HD V exp_normal(V x) {
    V t;
    const auto e = exp_parts(x, t);
    return mul_rn(e.value + e.error, pow2_shifted(t));
}

// sigmoid(x) as a double-double for x in [-700, 40]: with E = e^-|x|
// (value and error scaled by 2^k, exact), 1 / (1 + E) for x >= 0 and
// E / (1 + E) for x < 0, the quotient corrected once.
template <class V>
REPRO_HD exact_pair<V> sigmoid_dd(V x) {
    V t;
    const auto ep = exp_parts(-abs_of(x), t);
    const V p = pow2_shifted(t);
    const V e_hi = ep.value * p;  // exact (p a power of two, e^-|x| normal): fusing it changes no bit
    const V e_lo = ep.error * p;
    const auto d = fast_two_sum(V(1.0), e_hi);
    const V d_hi = d.value;
    const V d_lo = d.error + e_lo;
    const V n_hi = if_negative(x, e_hi, V(1.0));
    const V n_lo = if_negative(x, e_lo, V(0.0));
    const V q = n_hi / d_hi;
    const V res = fma(-q, d_lo, n_lo) + fma(-q, d_hi, n_hi);
    return fast_two_sum(q, res / d_hi);
}

// silu(x) = x sigmoid(x) for x in [-700, 38], rounded once.
template <class V>
REPRO_HD V silu_dd(V x) {
    const auto s = sigmoid_dd(x);
    return fma(x, s.value, mul_rn(x, s.error));
}

// e^x - 1 as a double-double for x in [-40, 40]: (2^k - 1) + 2^k (e^r - 1).
template <class V>
REPRO_HD exact_pair<V> expm1_dd(V x) {
    V t, r_lo;
    const V r = reduce_ln2_dd(x, t, r_lo);
    const auto e = expm1_small_dd(r, r_lo);
    const V p = pow2_shifted(t);
    const auto u = two_sum(p, V(-1.0));
    const V pe = mul_rn(p, e.value);  // exact (p is a power of two)
    const V l = mul_rn(p, e.error);
    const auto v = two_sum(u.value, pe);
    const V rest = (v.error + u.error) + l;
    return fast_two_sum(v.value, rest);
}

// tanh(a) for a in [2^-27, 19.1]: -E / (E + 2), E = expm1(-2a) as a
// double-double, the quotient corrected once.
template <class V>
REPRO_HD V tanh_positive_dd(V a) {
    const auto e = expm1_dd(-2.0 * a);
    const auto d = fast_two_sum(V(2.0), e.value);
    const V d_lo = d.error + e.error;
    const V q = e.value / d.value;
    const V res = fma(-q, d_lo, e.error) + fma(-q, d.value, e.value);
    return -(q + res / d.value);
}

// log(m) for m in [sqrt(1/2), sqrt(2)) as a double-double (f = m - 1 exact):
// 2 atanh(s), s = f / (2 + f) carried as a double-double, 11 terms of the
// odd series (coefficients 2/(2j+3)).
template <class V>
REPRO_HD exact_pair<V> log1p_reduced_dd(V f) {
    const V d = 2.0 + f;
    const V d_lo = (2.0 - d) + f;
    const V s = f / d;
    const V res = fma(-s, d_lo, fma(-s, d, f));
    const V s_lo = res / d;
    const V z = mul_rn(s, s);
    V p = 0x1.642c8590b2164p-4;           // 2/23
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
    const V sz = mul_rn(s, z);
    // 2 s + 2 s_lo (1 + z) + s^3 p
    const V two_s_lo = 2.0 * s_lo;
    const V lo = fma(sz, p, fma(two_s_lo, z, two_s_lo));
    return fast_two_sum(2.0 * s, lo);
}

// log(2^e m) as a double-double from f = m - 1 and e.
template <class V>
REPRO_HD exact_pair<V> log_dd(V f, V e) {
    const auto l = log1p_reduced_dd(f);
    const auto s = two_sum(mul_rn(e, el_ln2_hi42), l.value);  // the product is exact
    const V lo = s.error + fma(e, el_ln2_lo42, l.error);
    return fast_two_sum(s.value, lo);
}

// log2(2^e m) = e + log(m) * (1/ln2), both factors double-doubles; exact
// for powers of two.
template <class V>
REPRO_HD V log2_dd(V f, V e) {
    const auto l = log1p_reduced_dd(f);
    const auto p = two_prod(l.value, V(el_inv_ln2));
    const V p_lo = p.error + fma(l.error, el_inv_ln2, mul_rn(l.value, el_inv_ln2_lo));
    const auto s = two_sum(e, p.value);
    return s.value + (s.error + p_lo);
}

// log(x) for positive normal x, rounded.
template <class V>
REPRO_HD V log_normal(V x) {
    V f, e;
    log_split(x, f, e);
    const auto l = log_dd(f, e);
    return l.value + l.error;
}

// log2(x) for positive normal x.
template <class V>
REPRO_HD V log2_normal(V x) {
    V f, e;
    log_split(x, f, e);
    return log2_dd(f, e);
}

// log1p(x) for x > -1 with 2^-54 <= |x| and 1 + x finite.
template <class V>
REPRO_HD V log1p_dd(V x) {
    const auto u = two_sum(V(1.0), x);
    V f, e;
    log_split(u.value, f, e);
    const auto l = log_dd(f, e);
    return l.value + (l.error + u.error / u.value);
}

// 1/sqrt(x) for x in [2^-500, 2^500] (y^2 and its error term stay normal):
// y = 1/sqrt(x) (two roundings, relative error below 2^-52), then one Newton
// step y (1 + r/2 + 3r^2/8) with the residual r = 1 - x y^2 from exact
// products, rounded once by the final fma.
template <class V>
REPRO_HD V rsqrt_newton(V x) {
    const V y = 1.0 / sqrt_of(x);
    const auto y2 = two_prod(y, y);
    const auto q = two_prod(x, y2.value);
    // r = 1 - x (y2.value + y2.error); 1 - q.value is exact (q.value ~ 1).
    const V r = ((1.0 - q.value) - q.error) - mul_rn(x, y2.error);
    const V c = mul_rn(r, fma(0.375, r, 0.5));
    return fma(y, c, y);
}

// gelu_tanh(x), double (math.hpp): 2u = x (k0 + k1 x^2) as a double-double,
// k0 = sqrt(8/pi) and k1 = 0.044715 k0 carried as hi + lo, x^2 exact.
template <class V>
REPRO_HD exact_pair<V> gelu_tanh_2u_dd(V x) {
    constexpr double k0h = 0x1.9884533d43651p+0, k0l = -0x1.cbc0d30ebfd15p-54;
    constexpr double k1h = 0x1.2444f2a4d8b4bp-4, k1l = -0x1.6c843a29d1c70p-61;
    const auto s = two_prod(x, x);
    const auto w = two_prod(V(k1h), s.value);
    const V w_lo = fma(V(k1h), s.error, fma(V(k1l), s.value, w.error));
    const auto v = two_sum(V(k0h), w.value);  // w > k0 once |x| > 6.6
    const V v_lo = v.error + (k0l + w_lo);
    const auto u = two_prod(x, v.value);
    return fast_two_sum(u.value, fma(x, v_lo, u.error));
}

// gelu_tanh(x) from 2u where e = exp(-|2u|) is normal (-|2u| >= -700): with
// e as a double-double, x >= 0: x / (1 + e), x < 0: x e / (1 + e), the
// quotient corrected once.
template <class V>
REPRO_HD V gelu_tanh_dd(V x, exact_pair<V> u2) {
    const V h = -abs_of(u2.value);  // -|2u| = h + l
    const V l = if_negative(u2.value, u2.error, -u2.error);
    V t;
    const auto ep = exp_parts(h, t);
    const V m_lo = fma(l, ep.value, ep.error);
    const V scale = pow2_shifted(t);
    const V e = ep.value * scale, e_lo = m_lo * scale;  // e is normal: exact
    const auto den = fast_two_sum(V(1.0), e);           // 1 >= e
    const V den_lo = den.error + e_lo;
    const auto p = two_prod(x, e);
    const V num = if_negative(u2.value, p.value, x);
    const V num_lo = if_negative(u2.value, fma(x, e_lo, p.error), V(0.0));
    const V q = num / den.value;
    // (num - q den) / den, the remainder num - q * den.value exact by fma
    const V rem = fma(-q, den.value, num) + fma(-q, den_lo, num_lo);
    return q + rem / den.value;
}

// ---- gelu (erf form), double (math.hpp) ----

// Phi(x) = 1/2 + x G(x^2) for |x| < 0.5: G of degree 7 in s = x^2, max rel
// err 4.36e-17; gelu = x/2 + x (x G(x^2)).
template <class V>
REPRO_HD V gelu_small_dd(V x, V a) {
    REPRO_MATH_TABLE constexpr double c[8] = {0x1.9884533d43651p-2,   -0x1.1058377e2cebbp-4, 0x1.46d042976303ap-7,
                                              -0x1.37403f65858b8p-10, 0x1.e42b075001d50p-14, -0x1.3ce75f806f85dp-17,
                                              0x1.65100cd621464p-21,  -0x1.4f2b66e4c7b44p-25};
    const V s = a * a;
    V g = c[7];
    for (int k = 6; k >= 0; --k) g = fma(g, s, c[k]);
    return fma(x, x * g, 0.5 * x);
}

// Phi on [0.5 + i/2, 1 + i/2), centre 0.75 + i/2: 16 pieces, degree 11, max
// rel fit err 6.94e-17.
template <class V>
REPRO_HD piece_value<V> phi_pos_dd(index_t<V> i, V t) {
    REPRO_MATH_TABLE constexpr double c[14][16] = {
        {0x1.8bf77fea5316dp-1, 0x1.c9e845da8ac7bp-1, 0x1.eb7d5dbebaa92p-1, 0x1.f9bdb6c378b28p-1, 0x1.fe796fbcb6138p-1,
         0x1.ffb45e40a0bf3p-1, 0x1.fff469354da69p-1, 0x1.fffe995a4340ep-1, 0x1.ffffdddf524c0p-1, 0x1.fffffd72bd265p-1,
         0x1.ffffffd9ab944p-1, 0x1.fffffffe3cb3dp-1, 0x1.ffffffffefbe8p-1, 0x1.ffffffffff8abp-1, 0x1.fffffffffffd7p-1,
         0x1.fffffffffffffp-1},
        {-0x1.b52c7a0f01a0cp-55, -0x1.44f461319207bp-56, 0x1.abac6192eb04dp-56, -0x1.24e1010e1a582p-55,
         -0x1.675288aa995bcp-60, -0x1.98013f4d6a451p-61, 0x1.90048ea521d6ep-57, -0x1.13a820723649fp-55,
         -0x1.e5c28188f2146p-55, 0x1.22aacc8cd6a79p-58, -0x1.9af095a03b42fp-55, 0x1.c3285767760d0p-55,
         0x1.d8522d97e0769p-55, 0x1.c17d2563a2190p-59, -0x1.89f54d4fae189p-55, 0x1.2588bfdea70cdp-55},
        {0x1.345d5efad3415p-2, 0x1.7610b9431f0c8p-3, 0x1.6164536bf162bp-4, 0x1.0402dfd3dc1a2p-5, 0x1.29fa54c6341e4p-7,
         0x1.09f38e18a2820p-9, 0x1.71b92ecaaa791p-12, 0x1.904afdde8cca3p-15, 0x1.518646fbb0c6cp-18,
         0x1.bb4a8be2b2f65p-22, 0x1.c56b24c7123c9p-26, 0x1.6930a864fa47bp-30, 0x1.c027cdafdb7eep-35,
         0x1.b10f57d25a805p-40, 0x1.45fe5b89d6b37p-45, 0x1.7e07497086507p-51},
        {-0x1.ce8c0e783ce1fp-4, -0x1.d394e793e6cfap-4, -0x1.3537c8fe73366p-4, -0x1.24833bce579d6p-5,
         -0x1.99b8349087752p-7, -0x1.b02bc6e809181p-9, -0x1.5a9d9bde00c8cp-11, -0x1.a94fadbc71438p-14,
         -0x1.90cf744ad4688p-17, -0x1.22e8ebcc9457bp-20, -0x1.45e5026dda643p-24, -0x1.1a2dff99a9b7ap-28,
         -0x1.7a21894699910p-33, -0x1.8882c98cd7c46p-38, -0x1.3bbda535d401ap-43, -0x1.f8191135f1feep-49},
        {-0x1.67c24424a2524p-6, 0x1.188c8af256f48p-6, 0x1.e5e9f2b46ca16p-6, 0x1.601939c43a127p-6, 0x1.45e9ccb8c8dacp-7,
         0x1.a7dc2a774304bp-9, 0x1.927594449cb9fp-11, 0x1.1c95507c38257p-13, 0x1.2f3ea3c61ee0cp-16,
         0x1.ea9f2bebbd90fp-20, 0x1.2ede90d59bef9p-23, 0x1.1e6994c33a5a5p-27, 0x1.a00f9bd2b1657p-32,
         0x1.d137d5511292cp-37, 0x1.8de866ea4a4d1p-42, 0x1.34fbacdf8b145p-47},
        {0x1.77d1cbc1b1562p-6, 0x1.c0195dedbdb95p-7, -0x1.9c4a615345445p-12, -0x1.9234723bb8e85p-8,
         -0x1.378ebd4e6a5ccp-8, -0x1.105b96ae49b92p-9, -0x1.3f894baf72d32p-11, -0x1.0aed570c50b6dp-13,
         -0x1.46b3c37d7b735p-16, -0x1.29ba6152003fcp-19, -0x1.98378634c1d84p-23, -0x1.a802c9f0bd593p-27,
         -0x1.4f4e55974aa71p-31, -0x1.93a172c22e8c8p-36, -0x1.76022e45301aap-41, 0x0.0p+0},
        {-0x1.345d5e8bb1b0fp-13, -0x1.886102541b69fp-8, -0x1.1a878ab3bf2cep-8, -0x1.e4455a7b64e63p-12,
         0x1.2654aacf2441cp-10, 0x1.c5d06e4d98732p-11, 0x1.669111d991691p-12, 0x1.7066af048a321p-14,
         0x1.08e16120b270ap-16, 0x1.13d16b5c58457p-19, 0x1.a8053b56933fep-23, 0x1.e70bd428530b8p-27,
         0x1.a57318e501222p-31, 0x1.13cef3b56b5dep-35, 0x1.349afd5798669p-40, 0x0.0p+0},
        {-0x1.8e770d8759d55p-9, -0x1.2dfad595b49bfp-11, 0x1.575c5841200a5p-10, 0x1.03e8df8b8d7a8p-10,
         0x1.f4330fe98b4fap-14, -0x1.923bf8ee1a724p-13, -0x1.15c9fc7072b34p-13, -0x1.7b8a56cd1be99p-15,
         -0x1.4c45f51263509p-17, -0x1.93497c7623f3cp-20, -0x1.5fec47bdb571ep-23, -0x1.c26edaac0e67ep-27,
         -0x1.acd8979f8e788p-31, -0x1.4c5a738db8febp-35, -0x1.6739f9e96dd42p-40, 0x0.0p+0},
        {0x1.67e5732ff1dafp-12, 0x1.ab9e81b908c13p-11, 0x1.8594dfa016c00p-13, -0x1.1484acce319a8p-12,
         -0x1.7a9187bc55ac8p-13, -0x1.d59b4dfd10ccfp-17, 0x1.fb8a484cb34d5p-16, 0x1.1d710276beaacp-16,
         0x1.44cf10ae7f6f4p-18, 0x1.d98c4ab6b4cedp-21, 0x1.dd1316e9a0b02p-24, 0x1.5860a7fa5a117p-27,
         0x1.6ba630350b83cp-31, 0x1.2e35cff944df7p-35, 0x0.0p+0, 0x0.0p+0},
        {0x1.33cd18119db0fp-12, -0x1.13af17557d933p-14, -0x1.7b87b46d1e2c2p-13, -0x1.0cf3f1bc4af45p-15,
         0x1.9d554dce7bb51p-15, 0x1.b83160b53f97bp-16, 0x1.9faeaf40128cbp-27, -0x1.194275e6cccbfp-18,
         -0x1.e6a44b19e330dp-20, -0x1.c0be7f35fe341p-22, -0x1.0b8c0d6980fd0p-24, -0x1.c973bbdb75b49p-28,
         -0x1.1135acb8de840p-31, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.e5107b1a7759dp-15, -0x1.264ba43c88f15p-14, 0x1.1f4dec94721fap-16, 0x1.1a4ea1e17078ep-15,
         0x1.4ee24c5a49b52p-19, -0x1.103d3cff2acc0p-17, -0x1.8b6f881977b7bp-19, 0x1.5cdbaad5f9d7ep-22,
         0x1.05092041a923ep-21, 0x1.56595e61125c4p-23, 0x1.fb84c09744805p-26, 0x1.ebc3bae8c46abp-29,
         0x1.4bee8063ba512p-32, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {-0x1.6cfb3aa662f9dp-16, 0x1.ea4ba76441510p-17, 0x1.b732dc202cc4fp-17, -0x1.3cdba45b96fcep-18,
         -0x1.525414d4f2c37p-18, 0x1.26866fc040079p-22, 0x1.265a3fcf9a19fp-20, 0x1.001149585c8a0p-22,
         -0x1.250f22435f5abp-24, -0x1.8a1eeeb36afffp-25, -0x1.83069c1e33827p-27, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {0x1.9ab2e27dae76cp-18, 0x1.100f55c94f6a0p-18, -0x1.cbd2101830a13p-19, -0x1.df817722f84fap-20,
         0x1.1861fd74a871fp-20, 0x1.34661f1b52aecp-21, -0x1.1a8119da2c84fp-23, -0x1.f6caad3a7127ap-24,
         -0x1.5ab3498fa7b6fp-27, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.4f5aa5f9298f4p-20, -0x1.9598d3cdc8532p-20, -0x1.0445a53974828p-21, 0x1.6f53ecfde3059p-21, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0}};
    return piece16<14>(c, i, t);
}

// Q(a) = Phi(-a) exp(a^2/2) on the half-binades of [0.5, 64): 14 pieces,
// degree 16, max rel fit err 1.37e-16.
template <class V>
REPRO_HD piece_value<V> mills_dd(index_t<V> i, V t) {
    REPRO_MATH_TABLE constexpr double c[19][16] = {
        {0x1.4b1de1265fdfap-2, 0x1.1e7c2d26d017dp-2, 0x1.d898de09c6f19p-3, 0x1.7b5abd2fd03adp-3, 0x1.21725231700b8p-3,
         0x1.b396f9cf1e260p-4, 0x1.3b0fbcb4c77bep-4, 0x1.c9e120e488937p-5, 0x1.43a38ae46ed46p-5, 0x1.d087ad6e0cbf6p-6,
         0x1.4600a61e969bep-6, 0x1.d2488076fa77fp-7, 0x1.469c1154bd34ep-7, 0x1.d2ba4baf34fe1p-8, 0x0.0p+0, 0x0.0p+0},
        {-0x1.b31066794951ap-56, -0x1.51009c34e43e8p-56, 0x1.d6ac48da9b5e4p-57, 0x1.800e52e98304cp-58,
         0x1.b027a77ad33e6p-57, -0x1.1646b36c1f44dp-61, 0x1.31794a900891fp-58, -0x1.25b6cb9d698b5p-59,
         -0x1.93a50d2c0d7b4p-59, -0x1.ef06b4b4e2b80p-60, 0x1.dcd44ab33de4ap-63, -0x1.325a545fda847p-61,
         0x1.754f47acf6f1ap-61, -0x1.ec28b3ce616eep-62, 0x0.0p+0, 0x0.0p+0},
        {-0x1.93234d0a8ef29p-3, -0x1.3baf57769aa07p-3, -0x1.c49321dc9c382p-4, -0x1.3253b6cdb4c64p-4,
         -0x1.75ab63fbbab50p-5, -0x1.b6038a80903c9p-6, -0x1.d614eb6941456p-7, -0x1.f7d59d52f902cp-8,
         -0x1.fbf2cfdc6dcc5p-9, -0x1.06cdbe7c1ecddp-9, -0x1.03839707222fap-10, -0x1.09c5aa5078360p-11,
         -0x1.04f64d5b8ba61p-12, -0x1.0a881fa8360c7p-13, 0x0.0p+0, 0x0.0p+0},
        {0x1.9a45b2262667ap-4, 0x1.28beedc5d8e33p-4, 0x1.7b79d1bfca9d0p-5, 0x1.bd45f4ef483dap-6, 0x1.bf399da0dacccp-7,
         0x1.a29f04f4ff870p-8, 0x1.542a992feb0a3p-9, 0x1.106373beeb10dp-10, 0x1.8af23eaa8d286p-12,
         0x1.27e80535b5cd9p-13, 0x1.9c2955abe04fap-15, 0x1.2e966a2819675p-16, 0x1.a0c2893a95167p-18,
         0x1.30512359a19aep-19, 0x0.0p+0, 0x0.0p+0},
        {-0x1.6e920728d8397p-5, -0x1.ef9f7e801e559p-6, -0x1.1f33fe5ba78cdp-6, -0x1.2962f462b8809p-7,
         -0x1.f6275d265fab8p-9, -0x1.7e8220e10372ep-10, -0x1.dea729e3cfc64p-12, -0x1.21a61d893c0fap-13,
         -0x1.305575efc7ba1p-15, -0x1.4b934f0a935f6p-17, -0x1.4680fd23fe576p-19, -0x1.5811e72d4fec3p-21,
         -0x1.4c943d26964ebp-23, -0x1.5b59342e18ddep-25, 0x0.0p+0, 0x0.0p+0},
        {0x1.27b80fe961f98p-6, 0x1.78a81433a398fp-7, 0x1.8ff2a58d0401cp-8, 0x1.721ebe317b357p-9, 0x1.0ac206d1d46cep-10,
         0x1.4fb4a0c0788aap-12, 0x1.4810f80c42a14p-14, 0x1.2f219e6d65cfbp-16, 0x1.d0ed67da79fa7p-19,
         0x1.71c8031d34554p-21, 0x1.02064fb89a5b1p-23, 0x1.86bfe07374ea0p-26, 0x1.093cca5a6b33dp-28,
         0x1.8c56c52ab9795p-31, 0x0.0p+0, 0x0.0p+0},
        {-0x1.b6a736c3a7fd3p-8, -0x1.08ab2af5c4b8cp-8, -0x1.038d10febe7f6p-9, -0x1.b17803c2b4d69p-11,
         -0x1.0dee210060c9bp-12, -0x1.1c0d0d82032fep-14, -0x1.b6d94bb6121e9p-17, -0x1.386f587a63cf2p-19,
         -0x1.601bb3ebb647dp-22, -0x1.9a75a9cd859a4p-25, -0x1.96d6fee63dcf8p-28, -0x1.bb356d050d427p-31,
         -0x1.a6cd227ded7f4p-34, -0x1.c418824d958e6p-37, 0x0.0p+0, 0x0.0p+0},
        {0x1.2ee7e9da72d25p-9, 0x1.5bd19741bb75cp-10, 0x1.3cf8a3e6b5803p-11, 0x1.e145f89902ed9p-13,
         0x1.057885acb7fe4p-14, 0x1.d0dbc4df17402p-17, 0x1.1edb83ebb4201p-19, 0x1.3d57601f26bb4p-22,
         0x1.0872f4cab100dp-25, 0x1.c5826c4088f1cp-29, 0x1.3ffacd8e2b4dcp-32, 0x1.f6160a10639e3p-36,
         0x1.50c662d28745dp-39, 0x1.01c43a011d6a8p-42, 0x0.0p+0, 0x0.0p+0},
        {-0x1.8922c4fa37710p-11, -0x1.af0bd212b55bap-12, -0x1.6ed9fd74f6962p-13, -0x1.fd8337ea43bacp-15,
         -0x1.e6e83cbfa0f6bp-17, -0x1.70cd4605ee87ep-19, -0x1.6efaface2c1d6p-22, -0x1.3dd14b93e99dbp-25,
         -0x1.8a0023f2f812ep-29, -0x1.f2cabaa1e19a3p-33, -0x1.f623fb9d347f7p-37, -0x1.1c0a5b5536f7ep-40,
         -0x1.0c1645269f6e5p-44, -0x1.25d7c0244d8e2p-48, 0x0.0p+0, 0x0.0p+0},
        {0x1.e2f4790c65aeep-13, 0x1.fb0d861ae5a8ap-14, 0x1.94a90d3cc7562p-15, 0x1.025a8083999b8p-16,
         0x1.b54017b9fb6d5p-19, 0x1.1c5065867a3c6p-21, 0x1.cbf52e598234bp-25, 0x1.3a01e85876ca9p-28,
         0x1.232debf5e3a9ap-32, 0x1.11108ba053b78p-36, 0x1.8914156639b0bp-41, 0x1.40fa88bf18328p-45,
         0x1.aa8dfba1c0680p-50, 0x1.4edcc23802828p-54, 0x0.0p+0, 0x0.0p+0},
        {-0x1.1b34fa7d6d326p-14, -0x1.1d555aef59d04p-15, -0x1.ab599bd361236p-17, -0x1.f7e3fc416667fp-19,
         -0x1.7bc7fc502e0dep-21, -0x1.aac3adfb521c4p-24, -0x1.1ab0bda231d75p-27, -0x1.3236eb09f3b6dp-31,
         -0x1.ab0a2f8a496e0p-36, -0x1.29a71a0cd09f2p-40, -0x1.32fce186643bbp-45, -0x1.6a465f358859cp-50,
         -0x1.5322d14a7cde5p-55, -0x1.7d7fab60b454fp-60, 0x0.0p+0, 0x0.0p+0},
        {0x1.3ca0a0254f929p-16, 0x1.32d1c87e63744p-17, 0x1.b1c145de51397p-19, 0x1.de217853ab218p-21,
         0x1.3fb1ad1918b81p-23, 0x1.38431b50357cap-26, 0x1.551dc73353861p-30, 0x1.26dd1fe9c1f66p-34,
         0x1.36c4677023117p-39, 0x1.430aa862c93e3p-44, 0x1.de647ce47f246p-50, 0x1.9865e3a25cd80p-55,
         0x1.0d784ac2f5937p-60, 0x1.b27af3994af56p-66, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, -0x1.accba64f38daap-21, -0x1.b2d171fd48706p-23, -0x1.05925e2c91567p-25,
         -0x1.be5dfe3d45b00p-29, -0x1.9461fc47f00c1p-33, -0x1.183c0de129d46p-37, -0x1.c10622782dce0p-43,
         -0x1.5d11d67db0b7ep-48, -0x1.73e5b0890ad8ap-54, -0x1.cbd0b8bc878a6p-60, -0x1.ac226a1356ebep-66,
         -0x1.ed9e59f2f3c68p-72, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x1.955cd05f533e8p-23, 0x0.0p+0, 0x1.ad67bfc022ce0p-28, 0x1.3f626f2929339p-31,
         0x1.d63e4365d915dp-36, 0x1.077204e575cf9p-40, 0x1.41f7f75b9568fp-46, 0x1.76e008bfe760ep-52,
         0x1.2091532eb24dfp-58, 0x1.01ef419976e14p-64, 0x1.53c5280804a10p-71, 0x1.18e8bfe2c82ebp-77, 0x0.0p+0,
         0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.4ce5d6897ce24p-30, -0x1.b4a0047549853p-34, -0x1.0dad1692c4e6fp-38,
         -0x1.0089936b25a0bp-43, -0x1.c74a15c2c16c5p-50, -0x1.91a86fc57505bp-56, -0x1.be9e6eba6dc10p-63,
         -0x1.21b5289a20444p-69, -0x1.0a53cb2701c66p-76, -0x1.57f200a11be28p-83, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.47da55643c79ap-41, 0x1.d71505edc1d0ap-47,
         0x1.41ebe5c40fd1dp-53, 0x1.cabffffcbedf3p-60, 0x1.54c4e73847950p-67, 0x1.5ec3b0ed6b4afp-74,
         0x1.a6377e138e991p-82, 0x1.87336f6b386bep-89, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.6bec266aff292p-44, 0x0.0p+0,
         -0x1.00fe6c500de4bp-56, -0x1.e72ddab6cea43p-64, -0x1.068dbbf8f0eedp-71, -0x1.88f30a7fdeae9p-79,
         -0x1.8c8bdebc6e150p-87, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.65da40798b1a6p-60,
         0x0.0p+0, 0x1.de2003e9142bbp-76, 0x0.0p+0, 0x1.39e086ac86b18p-92, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         -0x1.6e752d55b1829p-80, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0}};
    return piece16<19>(c, i, t);
}

// gelu for 0.5 <= x < 8.5: x Phi(x), the product taken as TwoProd(x, hi) + x rest.
template <class V>
REPRO_HD V gelu_positive_dd(V x) {
    index_t<V> i;
    const V id = trunc_index((x - 0.5) * 2.0, i);
    const piece_value<V> v = phi_pos_dd(i, x - fma(0.5, id, 0.75));
    const auto p = two_prod(x, v.hi);
    return p.value + fma(x, v.rest, p.error);
}

// gelu for -39 <= x <= -0.5 (a = -x) as v 2^k, t = 0x1.8p52 + k: x Q(a)
// exp(-x^2/2) with x^2/2 = h + l exactly, exp(-h - l) = exp(-h) (1 - l),
// e^-h a double-double and the products carried in double-double.
template <class V>
REPRO_HD V gelu_negative_dd(V x, V a, V& t) {
    V m;
    index_t<V> i;
    trunc_index(half_binade_index(a, m), i);
    const piece_value<V> q = mills_dd(i, a - m);
    const auto s = two_prod(x, x);
    const V h = 0.5 * s.value, l = 0.5 * s.error;
    const auto ep = exp_parts(-h, t);
    const V e_lo = fma(-l, ep.value, ep.error);
    const auto xq0 = two_prod(x, q.hi);
    // x * Q as a normalised double-double (q.rest can be a quarter of q.hi)
    const auto xq = fast_two_sum(xq0.value, fma(x, q.rest, xq0.error));
    const auto p = two_prod(ep.value, xq.value);
    const V lo = fma(ep.value, xq.error, fma(e_lo, xq.value, p.error));
    return p.value + lo;
}
