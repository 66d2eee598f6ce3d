#pragma once
// MPFR oracles of the repro::math functions, one definition of each formula
// for the accuracy checkers (tests/exhaustive/check_float.cpp and
// check_double.cpp).
//
// mp_<f>(r, x, s) sets r to f(x) for an exact input x (an mpfr_t holding a
// float or double exactly), each step rounded to nearest at the precision of
// s (and the last one at r's precision). The caller rounds r once to the
// target format. r may be the same variable as x.
//
// The formulas are the mathematical definitions, arranged so that no step
// cancels: every intermediate has a small relative error, so the result's
// relative error stays within a few units of 2^-precision, times at most
// about 2^11 where exp(y) or erfc(z) turn the rounding error of their
// argument into a relative error |y| or 2 z^2 (for results in the double
// range).
//
// Infinite inputs give the limits and zeros follow IEEE 754 and C23:
// silu, gelu, gelu_tanh(-inf) = -0; rsqrt(+-0) = +-inf (IEEE rSqrt; MPFR's
// rec_sqrt gives +inf for -0); sin2pi(n / 2) is a zero with the sign of the
// argument and cos2pi(n / 2 + 1 / 4) = +0 (C23 sinpi / cospi). NaN gives NaN.

#include <mpfr.h>

namespace repro_test {

// Temporaries and cached constants of the oracles at one precision (RAII).
struct mp_scratch {
    mpfr_t a, b;
    mpfr_t sqrt2;           // sqrt(2)
    mpfr_t sqrt_2_over_pi;  // sqrt(2 / pi)
    mpfr_t gelu_tanh_c;     // 0.044715, exact decimal rounded once

    explicit mp_scratch(mpfr_prec_t prec) {
        mpfr_inits2(prec, a, b, sqrt2, sqrt_2_over_pi, gelu_tanh_c, static_cast<mpfr_ptr>(nullptr));
        mpfr_sqrt_ui(sqrt2, 2, MPFR_RNDN);
        mpfr_const_pi(sqrt_2_over_pi, MPFR_RNDN);
        mpfr_ui_div(sqrt_2_over_pi, 2, sqrt_2_over_pi, MPFR_RNDN);
        mpfr_sqrt(sqrt_2_over_pi, sqrt_2_over_pi, MPFR_RNDN);
        mpfr_set_str(gelu_tanh_c, "0.044715", 10, MPFR_RNDN);
    }
    ~mp_scratch() { mpfr_clears(a, b, sqrt2, sqrt_2_over_pi, gelu_tanh_c, static_cast<mpfr_ptr>(nullptr)); }
    mp_scratch(const mp_scratch&) = delete;
    mp_scratch& operator=(const mp_scratch&) = delete;
};

using mp_oracle = void (*)(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s);

inline bool mp_is_minus_inf(mpfr_srcptr x) { return mpfr_inf_p(x) && mpfr_sgn(x) < 0; }

inline void mp_exp(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_exp(r, x, MPFR_RNDN); }
inline void mp_expm1(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_expm1(r, x, MPFR_RNDN); }
inline void mp_log(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_log(r, x, MPFR_RNDN); }
inline void mp_log1p(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_log1p(r, x, MPFR_RNDN); }
inline void mp_log2(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_log2(r, x, MPFR_RNDN); }
inline void mp_tanh(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_tanh(r, x, MPFR_RNDN); }
inline void mp_erf(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_erf(r, x, MPFR_RNDN); }

inline void mp_rsqrt(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) {
    if (mpfr_zero_p(x)) {
        mpfr_set_inf(r, mpfr_signbit(x) ? -1 : 1);
        return;
    }
    mpfr_rec_sqrt(r, x, MPFR_RNDN);
}

// sin(2 pi x) and cos(2 pi x). MPFR >= 4.2 has them correctly rounded (with
// the C23 zero signs). Otherwise x is reduced exactly: t = 2 (x - round(x))
// is exact (x has at most 53 bits, far fewer than the scratch precision), and
// sin(pi t) or cos(pi t) is rewritten as sin(pi w) with w exact, |w| <= 1/2,
// so only pi and the product pi w are rounded; exact zeros get their C23 signs.
#if MPFR_VERSION >= MPFR_VERSION_NUM(4, 2, 0) && !defined(REPRO_TEST_NO_MPFR_SINU)
inline void mp_sin2pi(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_sinu(r, x, 1, MPFR_RNDN); }
inline void mp_cos2pi(mpfr_ptr r, mpfr_srcptr x, mp_scratch&) { mpfr_cosu(r, x, 1, MPFR_RNDN); }
#else
// s.a = 2 (x - round(x)), exact, in [-1, 1].
inline void mp_reduce_half_turns(mpfr_srcptr x, mp_scratch& s) {
    mpfr_rint(s.a, x, MPFR_RNDN);
    mpfr_sub(s.a, x, s.a, MPFR_RNDN);
    mpfr_mul_2ui(s.a, s.a, 1, MPFR_RNDN);
}
// r = sin(pi w), w = s.a
inline void mp_sinpi_of_a(mpfr_ptr r, mp_scratch& s) {
    mpfr_const_pi(s.b, MPFR_RNDN);
    mpfr_mul(s.a, s.a, s.b, MPFR_RNDN);
    mpfr_sin(r, s.a, MPFR_RNDN);
}
inline void mp_sin2pi(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s) {
    if (!mpfr_number_p(x)) {
        mpfr_set_nan(r);
        return;
    }
    const int sign = mpfr_signbit(x) ? -1 : 1;
    mp_reduce_half_turns(x, s);
    if (mpfr_integer_p(s.a)) {
        mpfr_set_zero(r, sign);
        return;
    }
    if (mpfr_cmp_d(s.a, 0.5) > 0 || mpfr_cmp_d(s.a, -0.5) < 0) {  // sin(pi t) = sin(pi (sign(t) - t))
        mpfr_si_sub(s.a, mpfr_sgn(s.a), s.a, MPFR_RNDN);
    }
    mp_sinpi_of_a(r, s);
}
inline void mp_cos2pi(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s) {
    if (!mpfr_number_p(x)) {
        mpfr_set_nan(r);
        return;
    }
    mp_reduce_half_turns(x, s);
    mpfr_abs(s.a, s.a, MPFR_RNDN);
    mpfr_set_ui_2exp(s.b, 1, -1, MPFR_RNDN);
    mpfr_sub(s.a, s.b, s.a, MPFR_RNDN);  // cos(pi t) = sin(pi (1/2 - |t|))
    if (mpfr_zero_p(s.a)) {
        mpfr_set_zero(r, 1);
        return;
    }
    mp_sinpi_of_a(r, s);
}
#endif

// sigmoid(x) = 1 / (1 + e^-x)
inline void mp_sigmoid(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s) {
    mpfr_neg(s.a, x, MPFR_RNDN);
    mpfr_exp(s.a, s.a, MPFR_RNDN);
    mpfr_add_ui(s.a, s.a, 1, MPFR_RNDN);
    mpfr_ui_div(r, 1, s.a, MPFR_RNDN);
}

// silu(x) = x / (1 + e^-x)
inline void mp_silu(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s) {
    if (mp_is_minus_inf(x)) {
        mpfr_set_zero(r, -1);
        return;
    }
    mpfr_neg(s.a, x, MPFR_RNDN);
    mpfr_exp(s.a, s.a, MPFR_RNDN);
    mpfr_add_ui(s.a, s.a, 1, MPFR_RNDN);
    mpfr_div(r, x, s.a, MPFR_RNDN);
}

// gelu(x) = x/2 (1 + erf(x / sqrt 2)) = x/2 erfc(-x / sqrt 2): no cancellation for x < 0.
inline void mp_gelu(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s) {
    if (mp_is_minus_inf(x)) {
        mpfr_set_zero(r, -1);
        return;
    }
    mpfr_div(s.a, x, s.sqrt2, MPFR_RNDN);
    mpfr_neg(s.a, s.a, MPFR_RNDN);
    mpfr_erfc(s.a, s.a, MPFR_RNDN);
    mpfr_mul(r, s.a, x, MPFR_RNDN);
    mpfr_div_2ui(r, r, 1, MPFR_RNDN);
}

// gelu_tanh(x) = x/2 (1 + tanh(u)) = x / (1 + e^-2u), u = sqrt(2/pi) (x + 0.044715 x^3).
inline void mp_gelu_tanh(mpfr_ptr r, mpfr_srcptr x, mp_scratch& s) {
    if (mp_is_minus_inf(x)) {
        mpfr_set_zero(r, -1);
        return;
    }
    mpfr_pow_ui(s.a, x, 3, MPFR_RNDN);
    mpfr_mul(s.a, s.a, s.gelu_tanh_c, MPFR_RNDN);
    mpfr_add(s.a, s.a, x, MPFR_RNDN);  // x + 0.044715 x^3 (same signs: no cancellation)
    mpfr_mul(s.a, s.a, s.sqrt_2_over_pi, MPFR_RNDN);
    mpfr_mul_si(s.a, s.a, -2, MPFR_RNDN);
    mpfr_exp(s.a, s.a, MPFR_RNDN);
    mpfr_add_ui(s.a, s.a, 1, MPFR_RNDN);
    mpfr_div(r, x, s.a, MPFR_RNDN);
}

}  // namespace repro_test
