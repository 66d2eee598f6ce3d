#pragma once
// repro/detail/simd/avx2.hpp - simd::registers for AVX2+FMA: 8 floats, 4
// doubles or 8 32-bit words in a 256-bit register (see registers.hpp for
// the common operations). Every function carries the AVX2 target attribute,
// so a kernel compiled for another target can still be built in the same
// translation unit and chosen at run time.

#include <cstddef>
#include <cstdint>
#include <limits>

#include "registers.hpp"
#include "../prologue.hpp"

#if REPRO_X86_SIMD
REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {

// A product kept a product (a 256-bit register): opaque to the compiler, so that -ffp-contract
// cannot fuse it into a later add (docs/design.md, rule 4).
template <class R>
REPRO_TARGET_AVX2 REPRO_ALWAYS_INLINE R unfused_ymm(R p) {
    __asm__("" : "+x"(p));
    return p;
}

template <>
struct registers<avx2_tag, float> {
    using reg = __m256;
    using mask_t = __m256i;  // lanes of a masked load or store
    static constexpr int width = 8;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_ps(); }
    REPRO_TARGET_AVX2 static reg load(const float* p) { return _mm256_loadu_ps(p); }
    REPRO_TARGET_AVX2 static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    REPRO_TARGET_AVX2 static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    REPRO_TARGET_AVX2 static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
    REPRO_TARGET_AVX2 static reg mul(reg a, reg b) { return unfused_ymm(_mm256_mul_ps(a, b)); }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
    REPRO_TARGET_AVX2 static reg neg(reg a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
    // Lanes 0-3 += 4-7, 0-1 += 2-3, 0 += 1.
    REPRO_TARGET_AVX2 static float tree(reg a) {
        __m128 v = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        v = _mm_add_ps(v, _mm_movehl_ps(v, v));
        v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
        return _mm_cvtss_f32(v);
    }
    // the first n lanes (masked lanes are neither read nor written)
    REPRO_TARGET_AVX2 static mask_t mask(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    REPRO_TARGET_AVX2 static reg load(const float* p, mask_t m) { return _mm256_maskload_ps(p, m); }
    REPRO_TARGET_AVX2 static void store(float* p, reg v, mask_t m) { _mm256_maskstore_ps(p, m, v); }
    // 128-bit lane L from p + L * stride
    REPRO_TARGET_AVX2 static reg rows_in_lanes(const float* p, std::size_t stride) {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), _mm_loadu_ps(p + stride), 1);
    }
    // t[q] lane L = element q of lane L of u[0..3], each lane transposed as a 4 x 4 block
    REPRO_TARGET_AVX2 static void transpose_in_lanes(const reg* u, reg* t) {
        const reg a = _mm256_unpacklo_ps(u[0], u[1]), b = _mm256_unpackhi_ps(u[0], u[1]),
                  c = _mm256_unpacklo_ps(u[2], u[3]), d = _mm256_unpackhi_ps(u[2], u[3]);
        t[0] = _mm256_shuffle_ps(a, c, 0x44);
        t[1] = _mm256_shuffle_ps(a, c, 0xEE);
        t[2] = _mm256_shuffle_ps(b, d, 0x44);
        t[3] = _mm256_shuffle_ps(b, d, 0xEE);
    }
    // magnitudes as integers (below 2^31), for the exact tier's block statistics
    using ireg = __m256i;
    REPRO_TARGET_AVX2 static ireg magnitudes(const float* p) {
        return _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_set1_epi32(0x7fffffff));
    }
    REPRO_TARGET_AVX2 static ireg zero_bits() { return _mm256_setzero_si256(); }
    REPRO_TARGET_AVX2 static ireg all_bits() { return _mm256_set1_epi32(-1); }
    REPRO_TARGET_AVX2 static ireg max_bits(ireg a, ireg b) { return _mm256_max_epi32(a, b); }
    REPRO_TARGET_AVX2 static ireg min_bits(ireg a, ireg b) { return _mm256_min_epu32(a, b); }  // unsigned
    REPRO_TARGET_AVX2 static ireg minus_one(ireg a) { return _mm256_sub_epi32(a, _mm256_set1_epi32(1)); }
    REPRO_TARGET_AVX2 static void store_bits(std::uint32_t* p, ireg v) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
    }
};

template <>
struct registers<avx2_tag, double> {
    using reg = __m256d;
    using mask_t = __m256i;
    using cmask = __m256d;
    using index = __m128i;  // four 32-bit table indices
    static constexpr int width = 4;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_pd(); }
    REPRO_TARGET_AVX2 static reg load(const double* p) { return _mm256_loadu_pd(p); }
    REPRO_TARGET_AVX2 static void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
    REPRO_TARGET_AVX2 static reg broadcast(const double* p) { return _mm256_broadcast_sd(p); }
    REPRO_TARGET_AVX2 static reg constant(double d) { return _mm256_set1_pd(d); }
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_pd(a, b); }
    REPRO_TARGET_AVX2 static reg sub(reg a, reg b) { return _mm256_sub_pd(a, b); }
    REPRO_TARGET_AVX2 static reg mul(reg a, reg b) { return unfused_ymm(_mm256_mul_pd(a, b)); }
    // a product that is exact (e.g. of two floats): fusing it cannot change a bit
    REPRO_TARGET_AVX2 static reg mul_exact(reg a, reg b) { return _mm256_mul_pd(a, b); }
    REPRO_TARGET_AVX2 static reg div(reg a, reg b) { return _mm256_div_pd(a, b); }
    REPRO_TARGET_AVX2 static reg sqrt(reg a) { return _mm256_sqrt_pd(a); }
    // Lanes whose 29 bits below float precision lie within 8 of the float
    // midpoint pattern 2^28 (rsqrt's test for a rounding it must check).
    REPRO_TARGET_AVX2 static cmask near_float_midpoint(reg y) {
        const __m256i low = _mm256_and_si256(_mm256_castpd_si256(y), _mm256_set1_epi64x(0x1fffffff));
        const __m256i d = _mm256_sub_epi64(low, _mm256_set1_epi64x(0x10000000 - 8));  // |d| < 2^29
        const __m256i far = _mm256_or_si256(_mm256_cmpgt_epi64(d, _mm256_set1_epi64x(16)),
                                            _mm256_cmpgt_epi64(_mm256_setzero_si256(), d));
        return _mm256_castsi256_pd(_mm256_xor_si256(far, _mm256_set1_epi64x(-1)));
    }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
    REPRO_TARGET_AVX2 static reg neg(reg a) { return _mm256_xor_pd(a, _mm256_set1_pd(-0.0)); }
    REPRO_TARGET_AVX2 static reg abs(reg a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
    REPRO_TARGET_AVX2 static reg max(reg a, reg b) { return _mm256_max_pd(a, b); }
    REPRO_TARGET_AVX2 static reg min(reg a, reg b) { return _mm256_min_pd(a, b); }
    // |r| with the sign of x
    REPRO_TARGET_AVX2 static reg with_sign_of(reg r, reg x) {
        return _mm256_or_pd(r, _mm256_and_pd(x, _mm256_set1_pd(-0.0)));
    }
    // r, negated where x is negative (its sign bit set)
    REPRO_TARGET_AVX2 static reg times_sign_of(reg r, reg x) {
        return _mm256_xor_pd(r, _mm256_and_pd(x, _mm256_set1_pd(-0.0)));
    }
    // Lanes 0-1 += 2-3, 0 += 1.
    REPRO_TARGET_AVX2 static double tree(reg a) {
        const __m128d v = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
    }
    REPRO_TARGET_AVX2 static mask_t mask(int n) {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
    }
    REPRO_TARGET_AVX2 static reg load(const double* p, mask_t m) { return _mm256_maskload_pd(p, m); }
    REPRO_TARGET_AVX2 static void store(double* p, reg v, mask_t m) { _mm256_maskstore_pd(p, m, v); }
    REPRO_TARGET_AVX2 static reg rows_in_lanes(const double* p, std::size_t stride) {
        return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p)), _mm_loadu_pd(p + stride), 1);
    }
    REPRO_TARGET_AVX2 static void transpose_in_lanes(const reg* u, reg* t) {
        t[0] = _mm256_unpacklo_pd(u[0], u[1]);
        t[1] = _mm256_unpackhi_pd(u[0], u[1]);
    }
    // width floats widened (exactly) to doubles, and doubles rounded to floats
    REPRO_TARGET_AVX2 static reg load_widened(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
    REPRO_TARGET_AVX2 static void store_narrowed(float* p, reg v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
    // comparisons (ordered: false for NaN, except not_le)
    REPRO_TARGET_AVX2 static cmask is_zero(reg a) { return _mm256_cmp_pd(a, _mm256_setzero_pd(), _CMP_EQ_OQ); }
    REPRO_TARGET_AVX2 static cmask not_le(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_NLE_UQ); }
    REPRO_TARGET_AVX2 static cmask ge(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
    REPRO_TARGET_AVX2 static cmask le(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
    REPRO_TARGET_AVX2 static cmask lt(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
    REPRO_TARGET_AVX2 static cmask is_ordered(reg a) { return _mm256_cmp_pd(a, a, _CMP_ORD_Q); }
    REPRO_TARGET_AVX2 static cmask no_lanes() { return _mm256_setzero_pd(); }
    REPRO_TARGET_AVX2 static cmask both(cmask a, cmask b) { return _mm256_and_pd(a, b); }
    REPRO_TARGET_AVX2 static cmask either(cmask a, cmask b) { return _mm256_or_pd(a, b); }
    REPRO_TARGET_AVX2 static bool any(cmask m) { return _mm256_movemask_pd(m) != 0; }
    REPRO_TARGET_AVX2 static bool all(cmask m) { return _mm256_movemask_pd(m) == 0xf; }
    // Lane j of m as bit j.
    REPRO_TARGET_AVX2 static unsigned lane_bits(cmask m) { return static_cast<unsigned>(_mm256_movemask_pd(m)); }
    // The lanes of v whose bits are set, in order, stored from p on (all
    // four slots are written; those past the chosen lanes hold leftovers):
    // one permutation of 32-bit words, from a table of the 16 choices.
    REPRO_TARGET_AVX2 static void compress_store(double* p, reg v, unsigned bits) {
        struct table {
            alignas(32) std::int32_t words[16][8];
        };
        static constexpr table t = [] {
            table r{};
            for (unsigned b = 0; b < 16; ++b) {
                std::size_t k = 0;
                for (std::int32_t lane = 0; lane < 4; ++lane)
                    if (b >> lane & 1u) {
                        r.words[b][k++] = 2 * lane;
                        r.words[b][k++] = 2 * lane + 1;
                    }
            }
            return r;
        }();
        const __m256i perm = _mm256_load_si256(reinterpret_cast<const __m256i*>(t.words[bits]));
        _mm256_storeu_pd(p, _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(v), perm)));
    }
    REPRO_TARGET_AVX2 static reg select(cmask m, reg if_true, reg if_false) {
        return _mm256_blendv_pd(if_false, if_true, m);
    }
    // Magnitudes as integers, for the exact tier's block statistics. AVX2
    // has no 64-bit integer max or min, so max_bits and min_bits work on the
    // 32-bit halves: a lane's result pairs the largest (smallest) high half
    // with the largest (smallest) low half, which may come from another
    // value. That is an upper (lower) bound with the extreme value's high
    // half, so its exponent, and zero only where every value is zero (and
    // ~0 only where every minus_one was, i.e. every value zero): all the
    // statistics read.
    using ireg = __m256i;
    REPRO_TARGET_AVX2 static ireg magnitudes(const double* p) {
        return _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
                                _mm256_set1_epi64x(INT64_MAX));
    }
    REPRO_TARGET_AVX2 static ireg zero_bits() { return _mm256_setzero_si256(); }
    REPRO_TARGET_AVX2 static ireg all_bits() { return _mm256_set1_epi64x(-1); }
    REPRO_TARGET_AVX2 static ireg max_bits(ireg a, ireg b) { return _mm256_max_epu32(a, b); }
    REPRO_TARGET_AVX2 static ireg min_bits(ireg a, ireg b) { return _mm256_min_epu32(a, b); }
    REPRO_TARGET_AVX2 static ireg minus_one(ireg a) { return _mm256_sub_epi64(a, _mm256_set1_epi64x(1)); }
    REPRO_TARGET_AVX2 static void store_bits(std::uint64_t* p, ireg v) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
    }
    // 2^k from t = 0x1.8p52 + k (the exponent field built from t's low bits).
    REPRO_TARGET_AVX2 static reg pow2_shifted(reg t) {
        const __m256i b = _mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023));
        return _mm256_castsi256_pd(_mm256_slli_epi64(b, 52));
    }
    // table[k mod 4] + k 2^50 from t = 0x1.8p52 + k: the table's words 2j and
    // 2j + 1 (vpermd reads three bits of each word index) for j = k mod 4.
    REPRO_TARGET_AVX2 static reg pow2_quarter_shifted(const std::uint64_t* table, reg t) {
        const __m256i b = _mm256_castpd_si256(t);
        const __m256i words = _mm256_add_epi32(_mm256_shuffle_epi32(_mm256_slli_epi64(b, 1), 0xA0),
                                               _mm256_setr_epi32(0, 1, 0, 1, 0, 1, 0, 1));
        const __m256i entries =
            _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(table)), words);
        return _mm256_castsi256_pd(_mm256_add_epi64(entries, _mm256_slli_epi64(b, 50)));
    }
    // x = 2^e m, m in [sqrt(1/2), sqrt(2)), for positive normal x: f = m - 1
    // (exact) and e as a double.
    REPRO_TARGET_AVX2 static void log_split(reg x, reg& f, reg& e) {
        const __m256i b = _mm256_castpd_si256(x);
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
    REPRO_TARGET_AVX2 static reg trunc_index(reg v, index& i) {
        i = _mm256_cvttpd_epi32(v);
        return _mm256_cvtepi32_pd(i);
    }
    // Table lookups without a gather: each group of four entries of a column
    // permuted as 32-bit words (lane i takes words 2i and 2i + 1, mod 8), then
    // the group that holds entry i, chosen by i's bits 2 (and 3), moved to
    // the sign bits that blendv reads. q(k) is group k permuted; b(n) is bit
    // n of i as a blend mask.
    struct picker {
        __m256i j, words;
        REPRO_TARGET_AVX2 REPRO_ALWAYS_INLINE explicit picker(index i) : j(_mm256_cvtepu32_epi64(i)) {
            const __m256i w = _mm256_slli_epi64(j, 1);
            words = _mm256_or_si256(w, _mm256_slli_epi64(_mm256_add_epi64(w, _mm256_set1_epi64x(1)), 32));
        }
        REPRO_TARGET_AVX2 REPRO_ALWAYS_INLINE reg q(const double* column, int k) const {
            return _mm256_castps_pd(
                _mm256_permutevar8x32_ps(_mm256_castpd_ps(_mm256_loadu_pd(column + 4 * std::ptrdiff_t{k})), words));
        }
        REPRO_TARGET_AVX2 REPRO_ALWAYS_INLINE reg b(int n) const {
            return _mm256_castsi256_pd(_mm256_slli_epi64(j, 63 - n));
        }
    };
    // column[i] per lane, i in [0, 8)
    REPRO_TARGET_AVX2 static reg pick8(const double* column, index i) {
        const picker p(i);
        return _mm256_blendv_pd(p.q(column, 0), p.q(column, 1), p.b(2));
    }
    // column[i] per lane, i in [0, 16)
    REPRO_TARGET_AVX2 static reg pick16(const double* column, index i) {
        const picker p(i);
        return _mm256_blendv_pd(_mm256_blendv_pd(p.q(column, 0), p.q(column, 1), p.b(2)),
                                _mm256_blendv_pd(p.q(column, 2), p.q(column, 3), p.b(2)), p.b(3));
    }
    // For positive a: the half-binade index 2e + h as a double and its
    // centre m (as the scalar half_binade_index, from the bits).
    REPRO_TARGET_AVX2 static reg half_binade(reg a, reg& m) {
        const __m256i b = _mm256_castpd_si256(a);
        m = _mm256_castsi256_pd(
            _mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi64x(static_cast<long long>(0xfff8000000000000ull))),
                            _mm256_set1_epi64x(0x0004000000000000ll)));
        // (b >> 51) - 2044 via 2^52 + n - 2^52, exact
        const __m256d two52 = _mm256_set1_pd(0x1p52);
        const __m256d n = _mm256_sub_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(b, 51), _mm256_castpd_si256(two52))), two52);
        return _mm256_sub_pd(n, _mm256_set1_pd(2044.0));
    }
};

// 32-bit words: the counter-based generators.
template <>
struct registers<avx2_tag, std::uint32_t> {
    using reg = __m256i;
    static constexpr int width = 8;
    REPRO_TARGET_AVX2 static reg broadcast(std::uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
    // start, start + 1, ..., start + 7 (modulo 2^32)
    REPRO_TARGET_AVX2 static reg iota(std::uint32_t start) {
        return _mm256_add_epi32(broadcast(start), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_epi32(a, b); }
    REPRO_TARGET_AVX2 static reg bit_xor(reg a, reg b) { return _mm256_xor_si256(a, b); }
    // the high and low words of the 64-bit products x * m
    REPRO_TARGET_AVX2 static void mulhilo(reg x, reg m, reg& hi, reg& lo) {
        const __m256i even = _mm256_mul_epu32(x, m);                        // lanes 0, 2, 4, 6
        const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);  // lanes 1, 3, 5, 7
        lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
        hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    }
    // out[4 b + w] = lane b of x[w]: 8 four-word blocks in block order.
    REPRO_TARGET_AVX2 static void store_blocks(std::uint32_t* out, const reg (&x)[4]) {
        const __m256i t0 = _mm256_unpacklo_epi32(x[0], x[1]), t1 = _mm256_unpackhi_epi32(x[0], x[1]);
        const __m256i t2 = _mm256_unpacklo_epi32(x[2], x[3]), t3 = _mm256_unpackhi_epi32(x[2], x[3]);
        const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);  // blocks 0|4, 1|5
        const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);  // blocks 2|6, 3|7
        auto* o = reinterpret_cast<__m256i*>(out);
        _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(u0, u1, 0x20));
        _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(u2, u3, 0x20));
        _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(u0, u1, 0x31));
        _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(u2, u3, 0x31));
    }
};

}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END
#endif

#include "../epilogue.hpp"
