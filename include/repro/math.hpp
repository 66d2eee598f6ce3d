#pragma once
// repro/math.hpp - portable elementwise math (`portable` level): exp, expm1,
// log, log1p, log2, tanh, sigmoid, silu, erf, gelu (erf form), gelu_tanh,
// sin2pi / cos2pi / sincos2pi (of 2 pi u) and rsqrt, for float and double.
//
// Fixed polynomials with explicit repro::fma and range reductions built from
// exact operations: no libm call, nothing the compiler may contract or
// reassociate, so every platform, flag set and the CUDA variants (REPRO_HD)
// give the same bits. Each function's method and measured accuracy is written
// above it in detail/math_exp_log.hpp, detail/math_erf.hpp and
// detail/math_trig.hpp.
//
// Array forms, e.g. repro::math::exp(x, y, n) (y may equal x), give the
// scalar form's bits. For float, exp, expm1, log, log1p, log2, tanh,
// sigmoid, silu and erf run four values at a time on AVX2+FMA CPUs: the
// kernels of detail/math_float_kernels.hpp are the very code the scalar
// functions run, instantiated on four lanes; a group of four holding a
// special value (NaN, inf, a value past a threshold) goes through the scalar
// function. The other array forms are loops over the scalar function.

#include <cstddef>
#include <stdexcept>
#include <string>

#include "detail/math_erf.hpp"
#include "detail/math_exp_log.hpp"
#include "detail/math_trig.hpp"

namespace repro {
namespace math {
namespace detail {

inline void check_array_args(const void* x, const void* y, std::size_t n, const char* name) {
    if (n != 0 && (x == nullptr || y == nullptr))
        throw std::invalid_argument(std::string("repro::math::") + name + ": " + (x ? "y" : "x") +
                                    " is a null pointer");
}

template <class T, class F>
void map(const T* x, T* y, std::size_t n, const char* name, F f) {
    check_array_args(x, y, n, name);
    repro::detail::call_with_fma([&] {
        for (std::size_t i = 0; i < n; ++i) y[i] = f(x[i]);
    });
}

}  // namespace detail
}  // namespace math
}  // namespace repro

#if REPRO_HAS_AVX2_PATH
REPRO_AVX2_REGION_BEGIN
namespace repro {
namespace math {
namespace detail {
namespace simd {

using repro::detail::vec::abs_of;
using repro::detail::vec::f64x4;

// Op: ordinary(x) - all four lanes take the kernel path of the scalar
// function; eval(x, xf) - the four float results; scalar - the function.
template <class Op>
void map(const float* x, float* y, std::size_t n) {
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128 xf = _mm_loadu_ps(x + i);
        const __m256d xd = _mm256_cvtps_pd(xf);
        if (Op::ordinary(xd)) {
            _mm_storeu_ps(y + i, Op::eval(xd, xf));
        } else {
            for (std::size_t j = i; j < i + 4; ++j) y[j] = Op::scalar(x[j]);
        }
    }
    for (; i < n; ++i) y[i] = Op::scalar(x[i]);
}

inline bool all(__m256d mask) { return _mm256_movemask_pd(mask) == 0xf; }
// lo <= x <= hi (false for NaN)
inline __m256d in_range(__m256d x, double lo, double hi) {
    return _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(lo), _CMP_GE_OQ),
                         _mm256_cmp_pd(x, _mm256_set1_pd(hi), _CMP_LE_OQ));
}
inline __m256d abs_at_least(__m256d x, double lo) {
    return _mm256_cmp_pd(abs_of(x).v, _mm256_set1_pd(lo), _CMP_GE_OQ);
}
inline __m128 to_float(f64x4 v) { return _mm256_cvtpd_ps(v.v); }
inline __m128 with_sign_of(__m128 y, __m128 x) {  // y >= 0
    return _mm_or_ps(y, _mm_and_ps(x, _mm_set1_ps(-0.0f)));
}
constexpr double flt_max = 0x1.fffffep127;

struct exp_op {
    static bool ordinary(__m256d x) { return all(in_range(x, -120.0, 100.0)); }
    static __m128 eval(__m256d x, __m128) { return to_float(fk_avx2::exp(f64x4(x))); }
    static float scalar(float x) { return repro::math::exp(x); }
};
struct expm1_op {
    static bool ordinary(__m256d x) { return all(_mm256_and_pd(in_range(x, -120.0, 100.0), abs_at_least(x, 0x1p-30))); }
    static __m128 eval(__m256d x, __m128) { return to_float(fk_avx2::expm1(f64x4(x))); }
    static float scalar(float x) { return repro::math::expm1(x); }
};
struct log_op {
    static bool ordinary(__m256d x) { return all(in_range(x, 0x1p-149, flt_max)); }
    static __m128 eval(__m256d x, __m128) { return to_float(fk_avx2::log(f64x4(x))); }
    static float scalar(float x) { return repro::math::log(x); }
};
struct log1p_op {
    static bool ordinary(__m256d x) {
        return all(_mm256_and_pd(in_range(x, -0x1.fffffep-1, flt_max), abs_at_least(x, 0x1p-29)));
    }
    static __m128 eval(__m256d x, __m128) { return to_float(fk_avx2::log(1.0 + f64x4(x))); }
    static float scalar(float x) { return repro::math::log1p(x); }
};
struct log2_op {
    static bool ordinary(__m256d x) { return all(in_range(x, 0x1p-149, flt_max)); }
    static __m128 eval(__m256d x, __m128) { return to_float(fk_avx2::log2(f64x4(x))); }
    static float scalar(float x) { return repro::math::log2(x); }
};
struct tanh_op {
    static bool ordinary(__m256d x) { return all(in_range(abs_of(x).v, 0x1p-13, 10.0)); }
    static __m128 eval(__m256d x, __m128 xf) {
        return with_sign_of(to_float(fk_avx2::tanh_positive(abs_of(x))), xf);
    }
    static float scalar(float x) { return repro::math::tanh(x); }
};
struct sigmoid_op {
    static bool ordinary(__m256d x) { return all(_mm256_cmp_pd(x, x, _CMP_ORD_Q)); }
    static __m128 eval(__m256d x, __m128) {
        const __m256d c = _mm256_min_pd(_mm256_max_pd(x, _mm256_set1_pd(-200.0)), _mm256_set1_pd(200.0));
        return to_float(fk_avx2::sigmoid(f64x4(c)));
    }
    static float scalar(float x) { return repro::math::sigmoid(x); }
};
struct silu_op {
    static bool ordinary(__m256d x) { return all(_mm256_cmp_pd(x, _mm256_set1_pd(-200.0), _CMP_GE_OQ)); }
    static __m128 eval(__m256d x, __m128) { return to_float(fk_avx2::silu(f64x4(x))); }
    static float scalar(float x) { return repro::math::silu(x); }
};
// Both erf branches on all lanes (the middle one on a clamped copy, so the
// table rows exist), then each lane takes the branch the scalar erf takes.
struct erf_op {
    static bool ordinary(__m256d x) { return all(_mm256_cmp_pd(x, x, _CMP_ORD_Q)); }
    static __m128 eval(__m256d x, __m128 xf) {
        const __m256d a = abs_of(x).v;
        const __m256d small = fk_avx2::erf_small(f64x4(a)).v;
        const __m256d a_mid = _mm256_min_pd(_mm256_max_pd(a, _mm256_set1_pd(0.75)), _mm256_set1_pd(4.0));
        const __m256d mid = fk_avx2::erf_mid(f64x4(a_mid)).v;
        __m256d r = _mm256_blendv_pd(_mm256_set1_pd(1.0), mid, _mm256_cmp_pd(a, _mm256_set1_pd(4.25), _CMP_LT_OQ));
        r = _mm256_blendv_pd(r, small, _mm256_cmp_pd(a, _mm256_set1_pd(0.75), _CMP_LT_OQ));
        return with_sign_of(to_float(r), xf);
    }
    static float scalar(float x) { return repro::math::erf(x); }
};

}  // namespace simd
}  // namespace detail
}  // namespace math
}  // namespace repro
REPRO_AVX2_REGION_END
#endif

namespace repro {
namespace math {

#define REPRO_MATH_ARRAY_FORM(name)                                              \
    template <class T>                                                           \
    void name(const T* x, T* y, std::size_t n) {                                 \
        detail::map(x, y, n, #name, [](T v) { return ::repro::math::name(v); }); \
    }

#if REPRO_HAS_AVX2_PATH
#define REPRO_MATH_ARRAY_FORM_SIMD(name)                                   \
    REPRO_MATH_ARRAY_FORM(name)                                            \
    inline void name(const float* x, float* y, std::size_t n) {            \
        detail::check_array_args(x, y, n, #name);                          \
        if (active_isa() >= isa::avx2)                                     \
            detail::simd::map<detail::simd::name##_op>(x, y, n);           \
        else                                                               \
            for (std::size_t i = 0; i < n; ++i) y[i] = ::repro::math::name(x[i]); \
    }
#else
#define REPRO_MATH_ARRAY_FORM_SIMD(name) REPRO_MATH_ARRAY_FORM(name)
#endif

REPRO_MATH_ARRAY_FORM_SIMD(exp)
REPRO_MATH_ARRAY_FORM_SIMD(expm1)
REPRO_MATH_ARRAY_FORM_SIMD(log)
REPRO_MATH_ARRAY_FORM_SIMD(log1p)
REPRO_MATH_ARRAY_FORM_SIMD(log2)
REPRO_MATH_ARRAY_FORM_SIMD(tanh)
REPRO_MATH_ARRAY_FORM_SIMD(sigmoid)
REPRO_MATH_ARRAY_FORM_SIMD(silu)
REPRO_MATH_ARRAY_FORM_SIMD(erf)
REPRO_MATH_ARRAY_FORM(gelu)
REPRO_MATH_ARRAY_FORM(gelu_tanh)
REPRO_MATH_ARRAY_FORM(sin2pi)
REPRO_MATH_ARRAY_FORM(cos2pi)
REPRO_MATH_ARRAY_FORM(rsqrt)

#undef REPRO_MATH_ARRAY_FORM_SIMD
#undef REPRO_MATH_ARRAY_FORM

}  // namespace math
}  // namespace repro
