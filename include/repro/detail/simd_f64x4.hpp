#pragma once
// repro/detail/simd_f64x4.hpp - four doubles in an AVX2 register, with the
// operations the float kernels of repro::math are written in. Each operation
// is one IEEE operation per lane (products are kept products, never fused
// into a later add), so a kernel written once for `double` and `f64x4` gives
// the same bits on both.

#include "../isa.hpp"

#if REPRO_HAS_AVX2_PATH

// Functions defined between these two macros are compiled for AVX2+FMA, so
// that templates instantiated there with f64x4 can inline the intrinsics.
#if defined(__clang__)
#define REPRO_AVX2_REGION_BEGIN \
    _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define REPRO_AVX2_REGION_END _Pragma("clang attribute pop")
#else
#define REPRO_AVX2_REGION_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define REPRO_AVX2_REGION_END _Pragma("GCC pop_options")
#endif

REPRO_AVX2_REGION_BEGIN

namespace repro {
namespace detail {
// Own namespace: these overloads must not hide repro::fma / repro::mul_rn
// from the rest of repro::detail.
namespace vec {

struct f64x4 {
    __m256d v;
    f64x4() = default;
    f64x4(__m256d r) : v(r) {}   // NOLINT: implicit on purpose
    f64x4(double d) : v(_mm256_set1_pd(d)) {}  // NOLINT: constants in kernels
};

// Lane indices into coefficient tables.
using i32x4 = __m128i;

inline f64x4 operator+(f64x4 a, f64x4 b) { return _mm256_add_pd(a.v, b.v); }
inline f64x4 operator-(f64x4 a, f64x4 b) { return _mm256_sub_pd(a.v, b.v); }
inline f64x4 operator/(f64x4 a, f64x4 b) { return _mm256_div_pd(a.v, b.v); }
inline f64x4 operator-(f64x4 a) { return _mm256_xor_pd(a.v, _mm256_set1_pd(-0.0)); }
// Every product is opaque to the compiler's fma contraction (see mul_rn).
inline f64x4 operator*(f64x4 a, f64x4 b) {
    __m256d p = _mm256_mul_pd(a.v, b.v);
    __asm__("" : "+x"(p));
    return p;
}
inline f64x4 mul_rn(f64x4 a, f64x4 b) { return a * b; }
inline f64x4 fma(f64x4 a, f64x4 b, f64x4 c) { return _mm256_fmadd_pd(a.v, b.v, c.v); }
inline f64x4 max_of(f64x4 a, f64x4 b) { return _mm256_max_pd(a.v, b.v); }
inline f64x4 abs_of(f64x4 a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a.v); }

// 2^k from t = 0x1.8p52 + k (the exponent field built from t's low bits).
inline f64x4 pow2_shifted(f64x4 t) {
    const __m256i b = _mm256_add_epi64(_mm256_castpd_si256(t.v), _mm256_set1_epi64x(1023));
    return _mm256_castsi256_pd(_mm256_slli_epi64(b, 52));
}

// x = 2^e m, m in [sqrt(1/2), sqrt(2)), for positive normal x: f = m - 1
// (exact) and e as a double.
inline void log_split(f64x4 x, f64x4& f, f64x4& e) {
    const __m256i b = _mm256_castpd_si256(x.v);
    __m256i mb = _mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi64x(0x000fffffffffffffll)),
                                 _mm256_set1_epi64x(0x3ff0000000000000ll));
    const __m256i big = _mm256_cmpgt_epi64(mb, _mm256_set1_epi64x(0x3ff6a09e667f3bcdll));  // m > sqrt(2)
    mb = _mm256_sub_epi64(mb, _mm256_and_si256(big, _mm256_set1_epi64x(0x0010000000000000ll)));
    // biased exponent + (m > sqrt 2) as a double via 2^52 + n - 2^52, exact
    const __m256i eb = _mm256_sub_epi64(_mm256_srli_epi64(b, 52), big);
    const __m256d two52 = _mm256_set1_pd(0x1p52);
    const __m256d ed = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(eb, _mm256_castpd_si256(two52))), two52);
    e = _mm256_sub_pd(ed, _mm256_set1_pd(1023.0));
    f = _mm256_sub_pd(_mm256_castsi256_pd(mb), _mm256_set1_pd(1.0));
}

// trunc(v) for 0 <= v < 2^31, as a double and as a table index.
inline f64x4 trunc_index(f64x4 v, i32x4& i) {
    i = _mm256_cvttpd_epi32(v.v);
    return _mm256_cvtepi32_pd(i);
}

// Coefficient k of row i of a table with `stride` doubles per row.
inline f64x4 coefficient(const double* table, int stride, i32x4 i, int k) {
    // the masked form: the plain one reads an undefined source register
    const __m256d all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
    return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), table + k, _mm_mullo_epi32(i, _mm_set1_epi32(stride)), all, 8);
}

}  // namespace vec
}  // namespace detail
}  // namespace repro

REPRO_AVX2_REGION_END

#endif
