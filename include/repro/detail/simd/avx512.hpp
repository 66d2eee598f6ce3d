#pragma once
// repro/detail/simd/avx512.hpp - simd::registers for AVX-512F: 16 floats, 8
// doubles or 16 32-bit words in a 512-bit register, masks in mask registers
// (see registers.hpp for the common operations). AVX-512F only: the float
// xor and 256-bit extract of AVX-512DQ are replaced by their integer and
// double forms (the same bits). Shuffles and extracts take their masked
// forms: GCC 12 warns that the plain forms' undefined pass-through value is
// uninitialized (the same instructions).

#include <cstddef>
#include <cstdint>

#include "avx2.hpp"
#include "../prologue.hpp"

#if REPRO_X86_SIMD
REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {

// A product kept a product (a 512-bit register): opaque to the compiler, so that -ffp-contract
// cannot fuse it into a later add (docs/design.md, rule 4).
template <class R>
REPRO_TARGET_AVX512 REPRO_ALWAYS_INLINE R unfused_zmm(R p) {
    __asm__("" : "+v"(p));
    return p;
}

template <>
struct registers<avx512_tag, float> {
    using reg = __m512;
    using mask_t = __mmask16;
    static constexpr int width = 16;
    static constexpr mask_t all = 0xFFFF;
    REPRO_TARGET_AVX512 static reg zero() { return _mm512_setzero_ps(); }
    REPRO_TARGET_AVX512 static reg load(const float* p) { return _mm512_loadu_ps(p); }
    REPRO_TARGET_AVX512 static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    REPRO_TARGET_AVX512 static reg broadcast(const float* p) { return _mm512_set1_ps(*p); }
    REPRO_TARGET_AVX512 static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
    REPRO_TARGET_AVX512 static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
    REPRO_TARGET_AVX512 static reg mul(reg a, reg b) { return unfused_zmm(_mm512_mul_ps(a, b)); }
    REPRO_TARGET_AVX512 static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    REPRO_TARGET_AVX512 static reg neg(reg a) {
        return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
    }
    // Lanes 0-7 += 8-15, then the AVX2 tree.
    REPRO_TARGET_AVX512 static float tree(reg a) {
        const __m512d d = _mm512_castps_pd(a);
        const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, d, 0));
        const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, d, 1));
        return registers<avx2_tag, float>::tree(_mm256_add_ps(lo, hi));
    }
    REPRO_TARGET_AVX512 static mask_t mask(int n) { return mask_t((1u << n) - 1u); }
    REPRO_TARGET_AVX512 static reg load(const float* p, mask_t m) { return _mm512_maskz_loadu_ps(m, p); }
    REPRO_TARGET_AVX512 static void store(float* p, reg v, mask_t m) { _mm512_mask_storeu_ps(p, m, v); }
    // masked broadcasts from memory rather than inserts, to leave the
    // shuffle unit to the in-lane transposes
    REPRO_TARGET_AVX512 static reg rows_in_lanes(const float* p, std::size_t stride) {
        reg r = _mm512_maskz_broadcast_f32x4(all, _mm_loadu_ps(p));
        r = _mm512_mask_broadcast_f32x4(r, 0x00F0, _mm_loadu_ps(p + stride));
        r = _mm512_mask_broadcast_f32x4(r, 0x0F00, _mm_loadu_ps(p + 2 * stride));
        return _mm512_mask_broadcast_f32x4(r, 0xF000, _mm_loadu_ps(p + 3 * stride));
    }
    REPRO_TARGET_AVX512 static void transpose_in_lanes(const reg* u, reg* t) {
        const reg a = _mm512_maskz_unpacklo_ps(all, u[0], u[1]), b = _mm512_maskz_unpackhi_ps(all, u[0], u[1]),
                  c = _mm512_maskz_unpacklo_ps(all, u[2], u[3]), d = _mm512_maskz_unpackhi_ps(all, u[2], u[3]);
        t[0] = _mm512_maskz_shuffle_ps(all, a, c, 0x44);
        t[1] = _mm512_maskz_shuffle_ps(all, a, c, 0xEE);
        t[2] = _mm512_maskz_shuffle_ps(all, b, d, 0x44);
        t[3] = _mm512_maskz_shuffle_ps(all, b, d, 0xEE);
    }
    using ireg = __m512i;
    REPRO_TARGET_AVX512 static ireg magnitudes(const float* p) {
        return _mm512_and_si512(_mm512_loadu_si512(p), _mm512_set1_epi32(0x7fffffff));
    }
    REPRO_TARGET_AVX512 static ireg zero_bits() { return _mm512_setzero_si512(); }
    REPRO_TARGET_AVX512 static ireg all_bits() { return _mm512_set1_epi32(-1); }
    REPRO_TARGET_AVX512 static ireg max_bits(ireg a, ireg b) { return _mm512_maskz_max_epi32(all, a, b); }
    REPRO_TARGET_AVX512 static ireg min_bits(ireg a, ireg b) { return _mm512_maskz_min_epu32(all, a, b); }
    REPRO_TARGET_AVX512 static ireg minus_one(ireg a) { return _mm512_sub_epi32(a, _mm512_set1_epi32(1)); }
    REPRO_TARGET_AVX512 static void store_bits(std::uint32_t* p, ireg v) { _mm512_storeu_si512(p, v); }
};

template <>
struct registers<avx512_tag, double> {
    using reg = __m512d;
    using mask_t = __mmask8;
    using cmask = __mmask8;
    using index = __m256i;  // eight 32-bit table indices
    static constexpr int width = 8;
    static constexpr mask_t all_lanes = 0xFF;
    REPRO_TARGET_AVX512 static reg zero() { return _mm512_setzero_pd(); }
    REPRO_TARGET_AVX512 static reg load(const double* p) { return _mm512_loadu_pd(p); }
    REPRO_TARGET_AVX512 static void store(double* p, reg v) { _mm512_storeu_pd(p, v); }
    REPRO_TARGET_AVX512 static reg broadcast(const double* p) { return _mm512_set1_pd(*p); }
    REPRO_TARGET_AVX512 static reg add(reg a, reg b) { return _mm512_add_pd(a, b); }
    REPRO_TARGET_AVX512 static reg sub(reg a, reg b) { return _mm512_sub_pd(a, b); }
    REPRO_TARGET_AVX512 static reg mul(reg a, reg b) { return unfused_zmm(_mm512_mul_pd(a, b)); }
    REPRO_TARGET_AVX512 static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
    REPRO_TARGET_AVX512 static reg mul_exact(reg a, reg b) { return _mm512_mul_pd(a, b); }
    REPRO_TARGET_AVX512 static reg neg(reg a) {
        return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a), _mm512_set1_epi64(INT64_MIN)));
    }
    REPRO_TARGET_AVX512 static reg abs(reg a) {
        return _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(a), _mm512_set1_epi64(INT64_MAX)));
    }
    REPRO_TARGET_AVX512 static reg max(reg a, reg b) { return _mm512_maskz_max_pd(all_lanes, a, b); }
    REPRO_TARGET_AVX512 static reg min(reg a, reg b) { return _mm512_maskz_min_pd(all_lanes, a, b); }
    // Lanes 0-3 += 4-7, then the AVX2 tree.
    REPRO_TARGET_AVX512 static double tree(reg a) {
        return registers<avx2_tag, double>::tree(
            _mm256_add_pd(_mm512_maskz_extractf64x4_pd(0xF, a, 0), _mm512_maskz_extractf64x4_pd(0xF, a, 1)));
    }
    REPRO_TARGET_AVX512 static mask_t mask(int n) { return mask_t((1u << n) - 1u); }
    REPRO_TARGET_AVX512 static reg load(const double* p, mask_t m) { return _mm512_maskz_loadu_pd(m, p); }
    REPRO_TARGET_AVX512 static void store(double* p, reg v, mask_t m) { _mm512_mask_storeu_pd(p, m, v); }
    // (as floats: 64x2 inserts would need AVX-512DQ)
    REPRO_TARGET_AVX512 static reg rows_in_lanes(const double* p, std::size_t stride) {
        const float* f = reinterpret_cast<const float*>(p);
        return _mm512_castps_pd(registers<avx512_tag, float>::rows_in_lanes(f, 2 * stride));
    }
    REPRO_TARGET_AVX512 static void transpose_in_lanes(const reg* u, reg* t) {
        t[0] = _mm512_maskz_unpacklo_pd(all_lanes, u[0], u[1]);
        t[1] = _mm512_maskz_unpackhi_pd(all_lanes, u[0], u[1]);
    }
    // magnitudes as integers, for the exact tier's block statistics
    using ireg = __m512i;
    REPRO_TARGET_AVX512 static ireg magnitudes(const double* p) {
        return _mm512_and_si512(_mm512_loadu_si512(p), _mm512_set1_epi64(INT64_MAX));
    }
    REPRO_TARGET_AVX512 static ireg zero_bits() { return _mm512_setzero_si512(); }
    REPRO_TARGET_AVX512 static ireg all_bits() { return _mm512_set1_epi64(-1); }
    REPRO_TARGET_AVX512 static ireg max_bits(ireg a, ireg b) { return _mm512_maskz_max_epu64(all_lanes, a, b); }
    REPRO_TARGET_AVX512 static ireg min_bits(ireg a, ireg b) { return _mm512_maskz_min_epu64(all_lanes, a, b); }
    REPRO_TARGET_AVX512 static ireg minus_one(ireg a) { return _mm512_sub_epi64(a, _mm512_set1_epi64(1)); }
    REPRO_TARGET_AVX512 static void store_bits(std::uint64_t* p, ireg v) { _mm512_storeu_si512(p, v); }
    REPRO_TARGET_AVX512 static reg load_widened(const float* p) {
        return _mm512_maskz_cvtps_pd(all_lanes, _mm256_loadu_ps(p));
    }
    REPRO_TARGET_AVX512 static void store_narrowed(float* p, reg v) {
        _mm256_storeu_ps(p, _mm512_maskz_cvtpd_ps(all_lanes, v));
    }
    REPRO_TARGET_AVX512 static reg constant(double d) { return _mm512_set1_pd(d); }
    REPRO_TARGET_AVX512 static reg div(reg a, reg b) { return _mm512_div_pd(a, b); }
    REPRO_TARGET_AVX512 static reg sqrt(reg a) { return _mm512_maskz_sqrt_pd(all_lanes, a); }
    // Lanes whose 29 bits below float precision lie within 8 of the float
    // midpoint pattern 2^28 (rsqrt's test for a rounding it must check).
    REPRO_TARGET_AVX512 static cmask near_float_midpoint(reg y) {
        const __m512i low = _mm512_and_si512(_mm512_castpd_si512(y), _mm512_set1_epi64(0x1fffffff));
        return _mm512_cmple_epu64_mask(_mm512_sub_epi64(low, _mm512_set1_epi64(0x10000000 - 8)),
                                       _mm512_set1_epi64(16));
    }
    // |r| with the sign of x
    REPRO_TARGET_AVX512 static reg with_sign_of(reg r, reg x) {
        const __m512i sign = _mm512_and_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(INT64_MIN));
        return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(r), sign));
    }
    // r, negated where x is negative (its sign bit set)
    REPRO_TARGET_AVX512 static reg times_sign_of(reg r, reg x) {
        const __m512i sign = _mm512_and_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(INT64_MIN));
        return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(r), sign));
    }
    REPRO_TARGET_AVX512 static cmask is_zero(reg a) { return _mm512_cmp_pd_mask(a, _mm512_setzero_pd(), _CMP_EQ_OQ); }
    REPRO_TARGET_AVX512 static cmask not_le(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_NLE_UQ); }
    REPRO_TARGET_AVX512 static cmask ge(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
    REPRO_TARGET_AVX512 static cmask le(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
    REPRO_TARGET_AVX512 static cmask lt(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
    REPRO_TARGET_AVX512 static cmask is_ordered(reg a) { return _mm512_cmp_pd_mask(a, a, _CMP_ORD_Q); }
    REPRO_TARGET_AVX512 static cmask no_lanes() { return 0; }
    REPRO_TARGET_AVX512 static cmask both(cmask a, cmask b) { return cmask(a & b); }
    REPRO_TARGET_AVX512 static cmask either(cmask a, cmask b) { return cmask(a | b); }
    REPRO_TARGET_AVX512 static bool any(cmask m) { return m != 0; }
    REPRO_TARGET_AVX512 static bool all(cmask m) { return m == all_lanes; }
    // Lane j of m as bit j.
    REPRO_TARGET_AVX512 static unsigned lane_bits(cmask m) { return m; }
    // The lanes of v whose bits are set, in order, stored from p on (all
    // eight slots are written; those past the chosen lanes hold zeros).
    REPRO_TARGET_AVX512 static void compress_store(double* p, reg v, unsigned bits) {
        _mm512_storeu_pd(p, _mm512_maskz_compress_pd(static_cast<__mmask8>(bits), v));
    }
    REPRO_TARGET_AVX512 static reg select(cmask m, reg if_true, reg if_false) {
        return _mm512_mask_blend_pd(m, if_false, if_true);
    }
    // The math kernels' steps, as for AVX2 (avx2.hpp), on eight lanes.
    REPRO_TARGET_AVX512 static reg pow2_shifted(reg t) {
        const __m512i b = _mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(1023));
        return _mm512_castsi512_pd(_mm512_maskz_slli_epi64(all_lanes, b, 52));
    }
    REPRO_TARGET_AVX512 static reg pow2_quarter_shifted(const std::uint64_t* table, reg t) {
        const __m512i b = _mm512_castpd_si512(t);
        // the permutation reads three bits of b: the table twice over
        const __m512i entries = _mm512_maskz_permutexvar_epi64(
            all_lanes, b,
            _mm512_maskz_broadcast_i64x4(all_lanes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(table))));
        return _mm512_castsi512_pd(_mm512_add_epi64(entries, _mm512_maskz_slli_epi64(all_lanes, b, 50)));
    }
    REPRO_TARGET_AVX512 static void log_split(reg x, reg& f, reg& e) {
        const __m512i b = _mm512_castpd_si512(x);
        __m512i mb = _mm512_or_si512(_mm512_and_si512(b, _mm512_set1_epi64(0x000fffffffffffffll)),
                                     _mm512_set1_epi64(0x3ff0000000000000ll));
        const __mmask8 big = _mm512_cmpgt_epi64_mask(mb, _mm512_set1_epi64(0x3ff6a09e667f3bcdll));  // m > sqrt(2)
        mb = _mm512_mask_sub_epi64(mb, big, mb, _mm512_set1_epi64(0x0010000000000000ll));
        // biased exponent + (m > sqrt 2) as a double via 2^52 + n - 2^52, exact
        const __m512i be = _mm512_maskz_srli_epi64(all_lanes, b, 52);
        const __m512i eb = _mm512_mask_add_epi64(be, big, be, _mm512_set1_epi64(1));
        const __m512d two52 = _mm512_set1_pd(0x1p52);
        const __m512d ed = _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(eb, _mm512_castpd_si512(two52))), two52);
        e = _mm512_sub_pd(ed, _mm512_set1_pd(1023.0));
        f = _mm512_sub_pd(_mm512_castsi512_pd(mb), _mm512_set1_pd(1.0));
    }
    REPRO_TARGET_AVX512 static reg trunc_index(reg v, index& i) {
        i = _mm512_maskz_cvttpd_epi32(all_lanes, v);
        return _mm512_maskz_cvtepi32_pd(all_lanes, i);
    }
    // column[i] per lane, i in [0, 16): a two-register permutation
    REPRO_TARGET_AVX512 static reg pick16(const double* column, index i) {
        return _mm512_maskz_permutex2var_pd(all_lanes, _mm512_loadu_pd(column),
                                            _mm512_maskz_cvtepi32_epi64(all_lanes, i), _mm512_loadu_pd(column + 8));
    }
    // For positive a: the half-binade index 2e + h as a double and its
    // centre m (as the scalar half_binade_index, from the bits).
    REPRO_TARGET_AVX512 static reg half_binade(reg a, reg& m) {
        const __m512i b = _mm512_castpd_si512(a);
        m = _mm512_castsi512_pd(
            _mm512_or_si512(_mm512_and_si512(b, _mm512_set1_epi64(static_cast<long long>(0xfff8000000000000ull))),
                            _mm512_set1_epi64(0x0004000000000000ll)));
        const __m512d two52 = _mm512_set1_pd(0x1p52);
        const __m512d n = _mm512_sub_pd(
            _mm512_castsi512_pd(_mm512_or_si512(_mm512_maskz_srli_epi64(all_lanes, b, 51), _mm512_castpd_si512(two52))),
            two52);
        return _mm512_sub_pd(n, _mm512_set1_pd(2044.0));
    }
    // column[i] per lane, i in [0, 8): a permutation, no gather
    REPRO_TARGET_AVX512 static reg pick8(const double* column, index i) {
        return _mm512_maskz_permutexvar_pd(all_lanes, _mm512_maskz_cvtepi32_epi64(all_lanes, i),
                                           _mm512_loadu_pd(column));
    }
};

template <>
struct registers<avx512_tag, std::uint32_t> {
    using reg = __m512i;
    static constexpr int width = 16;
    static constexpr __mmask16 all = 0xFFFF;
    REPRO_TARGET_AVX512 static reg broadcast(std::uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
    REPRO_TARGET_AVX512 static reg iota(std::uint32_t start) {
        return _mm512_add_epi32(broadcast(start),
                                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    }
    REPRO_TARGET_AVX512 static reg add(reg a, reg b) { return _mm512_add_epi32(a, b); }
    REPRO_TARGET_AVX512 static reg bit_xor(reg a, reg b) { return _mm512_xor_si512(a, b); }
    REPRO_TARGET_AVX512 static void mulhilo(reg x, reg m, reg& hi, reg& lo) {
        const __m512i even = _mm512_maskz_mul_epu32(0xFF, x, m);
        const __m512i odd = _mm512_maskz_mul_epu32(0xFF, _mm512_maskz_srli_epi64(0xFF, x, 32), m);
        lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_maskz_slli_epi64(0xFF, odd, 32));
        hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_maskz_srli_epi64(0xFF, even, 32), odd);
    }
    // out[4 b + w] = lane b of x[w]: 16 four-word blocks in block order.
    REPRO_TARGET_AVX512 static void store_blocks(std::uint32_t* out, const reg (&x)[4]) {
        const __m512i t0 = _mm512_maskz_unpacklo_epi32(all, x[0], x[1]),
                      t1 = _mm512_maskz_unpackhi_epi32(all, x[0], x[1]);
        const __m512i t2 = _mm512_maskz_unpacklo_epi32(all, x[2], x[3]),
                      t3 = _mm512_maskz_unpackhi_epi32(all, x[2], x[3]);
        // 128-bit lane L of u_j holds block 4 L + j
        const __m512i u0 = _mm512_maskz_unpacklo_epi64(0xFF, t0, t2), u1 = _mm512_maskz_unpackhi_epi64(0xFF, t0, t2);
        const __m512i u2 = _mm512_maskz_unpacklo_epi64(0xFF, t1, t3), u3 = _mm512_maskz_unpackhi_epi64(0xFF, t1, t3);
        const __m512i a = _mm512_maskz_shuffle_i32x4(all, u0, u1, 0x44),
                      b = _mm512_maskz_shuffle_i32x4(all, u2, u3, 0x44);
        const __m512i c = _mm512_maskz_shuffle_i32x4(all, u0, u1, 0xEE),
                      d = _mm512_maskz_shuffle_i32x4(all, u2, u3, 0xEE);
        _mm512_storeu_si512(out + 0, _mm512_maskz_shuffle_i32x4(all, a, b, 0x88));
        _mm512_storeu_si512(out + 16, _mm512_maskz_shuffle_i32x4(all, a, b, 0xDD));
        _mm512_storeu_si512(out + 32, _mm512_maskz_shuffle_i32x4(all, c, d, 0x88));
        _mm512_storeu_si512(out + 48, _mm512_maskz_shuffle_i32x4(all, c, d, 0xDD));
    }
};

}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END
#endif

#include "../epilogue.hpp"
