#pragma once
// Fast path of the exact tier. A chunk of terms (converted to double: float
// inputs and float products exactly, double products as TwoProd's hi and lo)
// is split into K "bands" of doubles whose sums cannot round:
//
//   band k has quantum q_k = emax - 43 - 45 (k - 1)   (emax: exponent of the chunk's largest term)
//   hi = (r + C_k) - C_k with C_k = 1.5 * 2^(q_k + 52) rounds r to a multiple of 2^q_k,
//   band k accumulates hi, r - hi goes on to band k + 1; band K takes the rest whole.
//
// Each band has 16 accumulator lanes, and a chunk gives each lane at most 512
// terms that are multiples of 2^q_k and below 2^(q_k + 44) in magnitude, so a
// lane's sum stays below 2^53 quanta: every addition is exact. K is the least
// number of bands whose last quantum divides every term, judged from the
// chunk's largest and smallest nonzero inputs and the inputs' precision;
// chunks that would need more than 4 bands, hold Inf/NaN, or sit at the ends
// of the double range go term by term into the superaccumulator. The lane
// sums are added exactly to the superaccumulator. Since nothing rounds, the
// order of terms, lanes and chunks cannot matter.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../fp.hpp"
#include "../isa.hpp"
#include "superaccumulator.hpp"

namespace repro {
namespace detail {

inline constexpr std::size_t band_block = 2048;      // inputs per pass: the second pass reads L1
inline constexpr std::size_t lane_capacity = 512;   // terms per lane between flushes
inline constexpr int band_lanes = 16;
inline constexpr int max_bands = 4;

// Non-finite terms, tracked apart from the finite sum.
struct specials {
    bool nan = false;
    bool pos_inf = false;
    bool neg_inf = false;
    void merge(const specials& o) {
        nan |= o.nan;
        pos_inf |= o.pos_inf;
        neg_inf |= o.neg_inf;
    }
};

inline int band_quantum(int emax, int k) { return emax - 43 - 45 * (k - 1); }

inline double pow2(int e) {  // 2^e for -1022 <= e <= 1023
    return from_bits<double>(static_cast<std::uint64_t>(e + 1023) << 52);
}

inline double one_and_half_pow2(int e) {  // 1.5 * 2^e, from its bits
    return from_bits<double>((static_cast<std::uint64_t>(e + 1023) << 52) | (std::uint64_t(1) << 51));
}

// ---- inputs ----

// The exact widening of an input: float for float, half and bfloat16, double for double.
template <class T>
using widened_t = std::conditional_t<std::is_same<T, double>::value, double, float>;

template <class T>
widened_t<T> widen_exact(T x) {
    if constexpr (std::is_floating_point<T>::value)
        return x;
    else
        return static_cast<float>(x);
}

template <class T>
inline void note_special(specials& sp, T x) {
    if (is_nan(x))
        sp.nan = true;
    else if (sign_bit(x))
        sp.neg_inf = true;
    else
        sp.pos_inf = true;
}

template <class F>
inline void note_special_product(specials& sp, F a, F b) {
    if (is_nan(a) || is_nan(b) || (is_inf(a) && b == F(0)) || (is_inf(b) && a == F(0)))
        sp.nan = true;
    else if (sign_bit(a) != sign_bit(b))
        sp.neg_inf = true;
    else
        sp.pos_inf = true;
}

// Largest and smallest nonzero magnitude of a chunk's inputs (bit patterns)
// and whether any is not finite.
struct chunk_stats {
    std::uint64_t max_mag = 0;
    std::uint64_t min_mag = ~std::uint64_t(0);
    bool special = false;
    bool all_zero() const { return max_mag == 0; }
};

template <class T>
void stats_of(chunk_stats& st, const T* v, std::size_t n) {  // branch-free
    using tr = float_traits<T>;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t mag = to_bits(v[i]) & tr::magnitude_mask;
        st.max_mag = mag > st.max_mag ? mag : st.max_mag;
        const std::uint64_t nz = mag ? mag : ~std::uint64_t(0);
        st.min_mag = nz < st.min_mag ? nz : st.min_mag;
        st.special |= mag >= tr::infinity_bits;
    }
}

// Exponent of the largest input (|x| < 2^(e + 1)) and of the last bit of the
// smallest nonzero input, in the input's format.
template <class T>
int top_exponent(const chunk_stats& st) {
    using tr = float_traits<T>;
    const int field = static_cast<int>(st.max_mag >> tr::fraction_bits);
    return (field == 0 ? 1 : field) - ((1 << (tr::exponent_bits - 1)) - 1);
}

// Exponent of the leading bit of the smallest nonzero input (subnormals included).
template <class T>
int least_exponent(const chunk_stats& st) {
    using tr = float_traits<T>;
    const int bias = (1 << (tr::exponent_bits - 1)) - 1;
    const int field = static_cast<int>(st.min_mag >> tr::fraction_bits);
    if (field != 0) return field - bias;
    int msb = tr::fraction_bits - 1;
    while (((st.min_mag >> msb) & 1u) == 0) --msb;
    return msb + 1 - bias - tr::fraction_bits;
}

template <class T>
int last_bit_exponent(const chunk_stats& st) {
    using tr = float_traits<T>;
    const int field = static_cast<int>(st.min_mag >> tr::fraction_bits);
    return (field == 0 ? 1 : field) - ((1 << (tr::exponent_bits - 1)) - 1) - tr::fraction_bits;
}

// Loaders give the band kernel its terms: 4 inputs at a time as 4-lane
// vectors (AVX2) or one at a time (generic), `terms` doubles per input.
template <class T>
struct values_loader {
    static constexpr int terms = 1;
    static constexpr bool vectorized = std::is_same<T, double>::value || std::is_same<T, float>::value;
    const T* x;
    void at(std::size_t i, double* t) const { t[0] = static_cast<double>(widen_exact(x[i])); }
#if REPRO_HAS_AVX2_PATH
    REPRO_TARGET_AVX2 void load(std::size_t i, __m256d* t) const {
        if constexpr (std::is_same<T, double>::value)
            t[0] = _mm256_loadu_pd(x + i);
        else if constexpr (std::is_same<T, float>::value)
            t[0] = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
    }
#endif
};

// Products of floats: exact in double.
template <class T>
struct float_products_loader {
    static constexpr int terms = 1;
    static constexpr bool vectorized = std::is_same<T, float>::value;
    const T* x;
    const T* y;
    void at(std::size_t i, double* t) const {
        t[0] = mul_rn(static_cast<double>(widen_exact(x[i])), static_cast<double>(widen_exact(y[i])));
    }
#if REPRO_HAS_AVX2_PATH
    REPRO_TARGET_AVX2 void load(std::size_t i, __m256d* t) const {
        if constexpr (vectorized)
            t[0] = _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), _mm256_cvtps_pd(_mm_loadu_ps(y + i)));
    }
#endif
};

// Products of doubles: TwoProd's hi (part 0) or lo (part 1), each an exact
// stream of its own (exact away from underflow and overflow).
struct double_products_loader {
    static constexpr int terms = 1;
    static constexpr bool vectorized = true;
    const double* x;
    const double* y;
    int part;
    void at(std::size_t i, double* t) const {
        const exact_pair<double> p = two_prod(x[i], y[i]);
        t[0] = part == 0 ? p.value : p.error;
    }
#if REPRO_HAS_AVX2_PATH
    REPRO_TARGET_AVX2 void load(std::size_t i, __m256d* t) const {
        const __m256d a = _mm256_loadu_pd(x + i), b = _mm256_loadu_pd(y + i);
        __m256d hi = _mm256_mul_pd(a, b);
        __asm__("" : "+x"(hi));  // RN(a b), not to be fused with the bands' additions
        t[0] = part == 0 ? hi : _mm256_fmsub_pd(a, b, hi);
    }
#endif
};

// ---- band kernels ----

// Splits r into bands 0..K-1 of out-lane `lane`.
template <int K>
inline void band_split(double r, const double (&c)[max_bands], double (&out)[max_bands][band_lanes], int lane) {
    for (int k = 0; k + 1 < K; ++k) {
        const double hi = (r + c[k]) - c[k];
        out[k][lane] += hi;
        r -= hi;
    }
    out[K - 1][lane] += r;
}

template <int K, class Loader>
void band_kernel_generic(const Loader& ld, std::size_t n, const double (&c)[max_bands],
                         double (&out)[max_bands][band_lanes]) {
    double t[Loader::terms];
    for (std::size_t i = 0; i < n; ++i) {
        ld.at(i, t);
        for (int j = 0; j < Loader::terms; ++j) band_split<K>(t[j], c, out, static_cast<int>(i % band_lanes));
    }
}

#if REPRO_HAS_AVX2_PATH
template <int K, class Loader>
REPRO_TARGET_AVX2 void band_kernel_avx2(const Loader& ld, std::size_t n, const double (&c)[max_bands],
                                        double (&out)[max_bands][band_lanes]) {
    constexpr int R = band_lanes / 4;  // registers per band
    __m256d acc[K][R];
    __m256d cv[max_bands];
    for (int k = 0; k < K; ++k) {
        cv[k] = _mm256_set1_pd(c[k]);
        for (int h = 0; h < R; ++h) acc[k][h] = _mm256_loadu_pd(out[k] + 4 * h);
    }
    std::size_t i = 0;
    // Fully unrolled, so that the accumulators live in registers.
    for (; i + band_lanes <= n; i += band_lanes) {
#pragma GCC unroll 4
        for (int h = 0; h < R; ++h) {
            __m256d t[Loader::terms];
            ld.load(i + 4 * h, t);
#pragma GCC unroll 2
            for (int j = 0; j < Loader::terms; ++j) {
                __m256d r = t[j];
#pragma GCC unroll 4
                for (int k = 0; k + 1 < K; ++k) {
                    const __m256d hi = _mm256_sub_pd(_mm256_add_pd(r, cv[k]), cv[k]);
                    acc[k][h] = _mm256_add_pd(acc[k][h], hi);
                    r = _mm256_sub_pd(r, hi);
                }
                acc[K - 1][h] = _mm256_add_pd(acc[K - 1][h], r);
            }
        }
    }
    for (int k = 0; k < K; ++k)
        for (int h = 0; h < R; ++h) _mm256_storeu_pd(out[k] + 4 * h, acc[k][h]);
    double t[Loader::terms];
    for (; i < n; ++i) {
        ld.at(i, t);
        for (int j = 0; j < Loader::terms; ++j) band_split<K>(t[j], c, out, static_cast<int>(i % band_lanes));
    }
}
#endif

template <int K, class Loader>
void band_kernel(const Loader& ld, std::size_t n, const double (&c)[max_bands], double (&out)[max_bands][band_lanes]) {
#if REPRO_HAS_AVX2_PATH
    if constexpr (Loader::vectorized)
        if (active_isa() >= isa::avx2) return band_kernel_avx2<K>(ld, n, c, out);
#endif
    band_kernel_generic<K>(ld, n, c, out);
}

// Band accumulators carried from block to block while the blocks fit the
// same bands: a block whose terms are below 2^(emax + 1) and multiples of
// 2^q_K joins them; otherwise, or when a lane would pass lane_capacity terms,
// the lanes are first flushed (added exactly) into the superaccumulator.
struct band_state {
    int emax = 0;
    int k = 0;  // 0: no open bands
    std::size_t terms = 0;
    double c[max_bands] = {};
    double out[max_bands][band_lanes] = {};

    template <class Acc>
    void flush(Acc& acc) {
        for (int b = 0; b < k; ++b)
            for (int j = 0; j < band_lanes; ++j) acc.add(out[b][j]), out[b][j] = 0.0;
        k = 0;
        terms = 0;
    }

    // Adds n inputs' terms (|term| < 2^(block_emax + 1), each a multiple of
    // 2^min_quantum). Returns false, adding nothing, when no bands can hold them.
    template <class Acc, class Loader>
    bool add(Acc& acc, const Loader& ld, std::size_t n, int block_emax, int min_quantum) {
        const std::size_t block_terms = n * Loader::terms;
        const bool fits = k != 0 && block_emax <= emax && min_quantum >= band_quantum(emax, k) &&
                          terms + block_terms <= lane_capacity * band_lanes;
        if (!fits) {
            flush(acc);
            int kk = 1;
            while (kk <= max_bands && min_quantum < band_quantum(block_emax, kk)) ++kk;
            if (kk > max_bands || block_emax > 1013 || band_quantum(block_emax, kk) < -1074) return false;
            emax = block_emax;
            k = kk;
            for (int b = 0; b + 1 < k; ++b) c[b] = one_and_half_pow2(band_quantum(emax, b + 1) + 52);
        }
        switch (k) {
            case 1: band_kernel<1>(ld, n, c, out); break;
            case 2: band_kernel<2>(ld, n, c, out); break;
            case 3: band_kernel<3>(ld, n, c, out); break;
            default: band_kernel<4>(ld, n, c, out); break;
        }
        terms += block_terms;
        return true;
    }
};

#if REPRO_HAS_AVX2_PATH
// Magnitudes as integers: the maximum also flags Inf/NaN (they sort above
// every finite value), and mag - 1 as unsigned puts zeros above everything,
// so its minimum + 1 is the smallest nonzero magnitude.
REPRO_TARGET_AVX2 inline void stats_of_avx2(chunk_stats& st, const float* v, std::size_t n) {
    const __m256i mask = _mm256_set1_epi32(0x7fffffff), one = _mm256_set1_epi32(1);
    __m256i mx = _mm256_setzero_si256(), mn = _mm256_set1_epi32(-1);
    __m256i mx2 = mx, mn2 = mn;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i)), mask);
        const __m256i b = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i + 8)), mask);
        mx = _mm256_max_epi32(mx, a);
        mx2 = _mm256_max_epi32(mx2, b);
        mn = _mm256_min_epu32(mn, _mm256_sub_epi32(a, one));
        mn2 = _mm256_min_epu32(mn2, _mm256_sub_epi32(b, one));
    }
    mx = _mm256_max_epi32(mx, mx2);
    mn = _mm256_min_epu32(mn, mn2);
    alignas(32) std::uint32_t a[8], b[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(a), mx);
    _mm256_store_si256(reinterpret_cast<__m256i*>(b), mn);
    for (int j = 0; j < 8; ++j) {
        st.max_mag = a[j] > st.max_mag ? a[j] : st.max_mag;
        if (b[j] != 0xffffffffu && b[j] + 1u < st.min_mag) st.min_mag = b[j] + 1u;
    }
    st.special |= st.max_mag >= float_traits<float>::infinity_bits;
    stats_of(st, v + i, n - i);
}

// Doubles: AVX2 has no 64-bit integer max, so the magnitudes are compared as
// doubles (zeros replaced by +inf for the minimum); Inf/NaN are flagged by an
// unordered-or-greater comparison with the largest finite value.
REPRO_TARGET_AVX2 inline void stats_of_avx2(chunk_stats& st, const double* v, std::size_t n) {
    const __m256d sign = _mm256_set1_pd(-0.0), inf = _mm256_set1_pd(std::numeric_limits<double>::infinity());
    const __m256d finite_max = _mm256_set1_pd(std::numeric_limits<double>::max()), zero = _mm256_setzero_pd();
    __m256d mx = zero, mn = inf, sp = zero, mx2 = zero, mn2 = inf, sp2 = zero;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256d a = _mm256_andnot_pd(sign, _mm256_loadu_pd(v + i));
        const __m256d b = _mm256_andnot_pd(sign, _mm256_loadu_pd(v + i + 4));
        mx = _mm256_max_pd(mx, a);
        mx2 = _mm256_max_pd(mx2, b);
        mn = _mm256_min_pd(mn, _mm256_blendv_pd(a, inf, _mm256_cmp_pd(a, zero, _CMP_EQ_OQ)));
        mn2 = _mm256_min_pd(mn2, _mm256_blendv_pd(b, inf, _mm256_cmp_pd(b, zero, _CMP_EQ_OQ)));
        sp = _mm256_or_pd(sp, _mm256_cmp_pd(a, finite_max, _CMP_NLE_UQ));
        sp2 = _mm256_or_pd(sp2, _mm256_cmp_pd(b, finite_max, _CMP_NLE_UQ));
    }
    mx = _mm256_max_pd(mx, mx2);
    mn = _mm256_min_pd(mn, mn2);
    sp = _mm256_or_pd(sp, sp2);
    alignas(32) double a[4], b[4];
    _mm256_store_pd(a, mx);
    _mm256_store_pd(b, mn);
    for (int j = 0; j < 4; ++j) {
        const std::uint64_t ma = to_bits(a[j]), mb = to_bits(b[j]);
        st.max_mag = ma > st.max_mag ? ma : st.max_mag;
        if (mb != float_traits<double>::infinity_bits && mb < st.min_mag) st.min_mag = mb;
    }
    st.special |= _mm256_movemask_pd(sp) != 0;
    stats_of(st, v + i, n - i);
}
#endif

template <class T>
chunk_stats stats(const T* v, std::size_t n) {
    chunk_stats st;
#if REPRO_HAS_AVX2_PATH
    if constexpr (std::is_same<T, double>::value || std::is_same<T, float>::value)
        if (active_isa() >= isa::avx2) {
            stats_of_avx2(st, v, n);
            return st;
        }
#endif
    stats_of(st, v, n);
    return st;
}

// ---- the exact sums ----

// Sum of x[0..n): the terms are the values, widened exactly to double.
template <class Acc, class T>
void exact_add_values(Acc& acc, specials& sp, const T* x, std::size_t n) {
    band_state bands;
    for (std::size_t begin = 0; begin < n; begin += band_block) {
        const std::size_t len = n - begin < band_block ? n - begin : band_block;
        const T* xs = x + begin;
        const chunk_stats st = stats(xs, len);
        if (st.all_zero()) continue;
        if (!st.special && bands.add(acc, values_loader<T>{xs}, len, top_exponent<T>(st), last_bit_exponent<T>(st)))
            continue;
        for (std::size_t i = 0; i < len; ++i) {
            if (is_finite(xs[i]))
                acc.add(static_cast<double>(widen_exact(xs[i])));
            else
                note_special(sp, xs[i]);
        }
    }
    bands.flush(acc);
}

// Dot of x and y: the terms are exact products, bounded from the inputs:
// |x y| < 2^(ex + ey + 2) and the last bit of x y is at least 2^(qx + qy).
// Double products pass as two streams, TwoProd's hi (|hi| <= 2^(ex+ey+2),
// last bit >= 2^(least exponent of x y - 52)) and lo (|lo| <= 2^(ex+ey-51),
// last bit >= 2^(qx + qy)), so that each usually fits one band; TwoProd is
// exact only away from underflow and overflow, and other blocks go term by
// term through the integer product.
template <class Acc, class T>
void exact_add_products(Acc& acc, specials& sp, const T* x, const T* y, std::size_t n) {
    constexpr bool is_double = std::is_same<T, double>::value;
    constexpr std::size_t per_block = band_block / 2;  // two inputs per term
    band_state bands, low_bands;
    for (std::size_t begin = 0; begin < n; begin += per_block) {
        const std::size_t len = n - begin < per_block ? n - begin : per_block;
        const T* xs = x + begin;
        const T* ys = y + begin;
        const chunk_stats sx = stats(xs, len), sy = stats(ys, len);
        if (!sx.special && !sy.special) {
            if (sx.all_zero() || sy.all_zero()) continue;
            const int emax = top_exponent<T>(sx) + top_exponent<T>(sy) + 1;
            const int quantum = last_bit_exponent<T>(sx) + last_bit_exponent<T>(sy);
            bool done;
            if constexpr (is_double) {
                const int least = least_exponent<T>(sx) + least_exponent<T>(sy);  // smallest |x y| >= 2^least
                done = least >= -969 && emax <= 1000 &&
                       bands.add(acc, double_products_loader{xs, ys, 0}, len, emax, least - 52);
                // hi went in; lo must follow, or the block's hi is taken back out.
                if (done && !low_bands.add(acc, double_products_loader{xs, ys, 1}, len, emax - 53, quantum)) {
                    for (std::size_t i = 0; i < len; ++i) acc.add(-mul_rn(xs[i], ys[i]));
                    done = false;
                }
            } else {
                done = bands.add(acc, float_products_loader<T>{xs, ys}, len, emax, quantum);
            }
            if (done) continue;
        }
        for (std::size_t i = 0; i < len; ++i) {
            const auto a = widen_exact(xs[i]), b = widen_exact(ys[i]);
            if (is_finite(a) && is_finite(b))
                acc.add_product(a, b);
            else
                note_special_product(sp, a, b);
        }
    }
    bands.flush(acc);
    low_bands.flush(acc);
}

}  // namespace detail
}  // namespace repro
