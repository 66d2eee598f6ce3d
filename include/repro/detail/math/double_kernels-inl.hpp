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
