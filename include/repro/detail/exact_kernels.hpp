#pragma once
// Fast path of the exact tier. A chunk of terms (converted to double: float
// inputs and float products exactly, double products as TwoProd's hi and lo)
// is split into K "bands" of doubles whose sums cannot round:
//
//   band k has quantum q_k = emax - 43 - 45 (k - 1)   (emax: exponent of the chunk's largest term)
//   hi = (r + C_k) - C_k with C_k = 1.5 * 2^(q_k + 52) rounds r to a multiple of 2^q_k,
//   band k accumulates hi, r - hi goes on to band k + 1; band K takes the rest whole.
//
// Each band accumulator receives at most 512 terms that are multiples of
// 2^q_k and below 2^(q_k + 44) in magnitude, so its sum stays below 2^53
// quanta: every addition is exact. K is the least number of bands whose last
// quantum divides every term (from the chunk's smallest term and the inputs'
// precision); chunks that need more than 4 bands, or sit at the ends of the
// double range, go term by term into the superaccumulator. The band sums are
// then added exactly to the superaccumulator. Since nothing rounds, the order
// of terms, lanes and chunks cannot matter.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../fp.hpp"
#include "../isa.hpp"
#include "superaccumulator.hpp"

namespace repro {
namespace detail {

inline constexpr std::size_t band_chunk = 1024;  // terms per band pass
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

// Unbiased exponent of a nonzero finite double given its magnitude bits, with
// subnormals at -1022 (their quantum is 2^-1074 = 2^(-1022 - 52)).
inline int exponent_of_magnitude(std::uint64_t mag) {
    const int field = static_cast<int>(mag >> 52);
    return (field == 0 ? 1 : field) - 1023;
}

// Terms gathered from one chunk, ready for the bands.
struct band_input {
    double value[band_chunk];
    std::size_t count = 0;
    std::uint64_t max_mag = 0;            // largest |term| (bits)
    int min_quantum = 1 << 20;            // least exponent of a term's last bit
    bool fallback = false;                // the chunk must go term by term
};

inline int band_quantum(int emax, int k) { return emax - 43 - 45 * (k - 1); }

inline double pow2(int e) {  // 2^e for -1022 <= e <= 1023
    return from_bits<double>(static_cast<std::uint64_t>(e + 1023) << 52);
}

// Generic band kernel: 4 accumulator lanes per band.
template <int K>
inline void band_kernel_generic(const double* v, std::size_t n, const double (&c)[max_bands], double (&out)[max_bands][8]) {
    double acc[K][4] = {};
    for (std::size_t i = 0; i < n; ++i) {
        double r = v[i];
        for (int k = 0; k + 1 < K; ++k) {
            const double hi = (r + c[k]) - c[k];
            acc[k][i % 4] += hi;
            r -= hi;
        }
        acc[K - 1][i % 4] += r;
    }
    for (int k = 0; k < K; ++k)
        for (int j = 0; j < 8; ++j) out[k][j] = j < 4 ? acc[k][j] : 0.0;
}

#if REPRO_HAS_AVX2_PATH
// AVX2 band kernel: two registers (8 lanes) per band.
template <int K>
REPRO_TARGET_AVX2 void band_kernel_avx2(const double* v, std::size_t n, const double (&c)[max_bands],
                                        double (&out)[max_bands][8]) {
    __m256d acc[K][2];
    __m256d cv[max_bands];
    for (int k = 0; k < K; ++k) acc[k][0] = acc[k][1] = _mm256_setzero_pd(), cv[k] = _mm256_set1_pd(c[k]);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256d r0 = _mm256_loadu_pd(v + i), r1 = _mm256_loadu_pd(v + i + 4);
        for (int k = 0; k + 1 < K; ++k) {
            const __m256d h0 = _mm256_sub_pd(_mm256_add_pd(r0, cv[k]), cv[k]);
            const __m256d h1 = _mm256_sub_pd(_mm256_add_pd(r1, cv[k]), cv[k]);
            acc[k][0] = _mm256_add_pd(acc[k][0], h0);
            acc[k][1] = _mm256_add_pd(acc[k][1], h1);
            r0 = _mm256_sub_pd(r0, h0);
            r1 = _mm256_sub_pd(r1, h1);
        }
        acc[K - 1][0] = _mm256_add_pd(acc[K - 1][0], r0);
        acc[K - 1][1] = _mm256_add_pd(acc[K - 1][1], r1);
    }
    for (int k = 0; k < K; ++k) _mm256_storeu_pd(out[k], acc[k][0]), _mm256_storeu_pd(out[k] + 4, acc[k][1]);
    for (; i < n; ++i) {
        double r = v[i];
        for (int k = 0; k + 1 < K; ++k) {
            const double hi = (r + c[k]) - c[k];
            out[k][i % 8] += hi;
            r -= hi;
        }
        out[K - 1][i % 8] += r;
    }
}
#endif

template <int K>
inline void band_kernel(const double* v, std::size_t n, const double (&c)[max_bands], double (&out)[max_bands][8]) {
#if REPRO_HAS_AVX2_PATH
    if (active_isa() == isa::avx2) return band_kernel_avx2<K>(v, n, c, out);
#endif
    band_kernel_generic<K>(v, n, c, out);
}

// Adds the gathered terms exactly to acc.
template <class Acc>
void add_band_input(Acc& acc, const band_input& in) {
    if (in.count == 0) return;
    const int emax = exponent_of_magnitude(in.max_mag);
    int k = 1;
    while (k <= max_bands && in.min_quantum < band_quantum(emax, k)) ++k;
    if (in.fallback || in.max_mag == 0 || k > max_bands || emax > 1013 || band_quantum(emax, k) < -1074) {
        for (std::size_t i = 0; i < in.count; ++i) acc.add(in.value[i]);
        return;
    }
    double c[max_bands] = {};
    for (int b = 0; b + 1 < k; ++b) c[b] = 1.5 * pow2(band_quantum(emax, b + 1) + 52);
    double out[max_bands][8];
    switch (k) {
        case 1: band_kernel<1>(in.value, in.count, c, out); break;
        case 2: band_kernel<2>(in.value, in.count, c, out); break;
        case 3: band_kernel<3>(in.value, in.count, c, out); break;
        default: band_kernel<4>(in.value, in.count, c, out); break;
    }
    for (int b = 0; b < k; ++b)
        for (int j = 0; j < 8; ++j) acc.add(out[b][j]);
}

// ---- gathering terms ----

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

template <class F>
inline void note_special_product(specials& sp, F a, F b) {
    if (is_nan(a) || is_nan(b) || (is_inf(a) && b == F(0)) || (is_inf(b) && a == F(0)))
        sp.nan = true;
    else if (sign_bit(a) != sign_bit(b))
        sp.neg_inf = true;
    else
        sp.pos_inf = true;
}

inline void note_term(band_input& in, double t, int precision_bits) {
    const std::uint64_t mag = to_bits(t) & 0x7fffffffffffffffull;
    in.value[in.count++] = t;
    if (mag == 0) return;
    if (mag > in.max_mag) in.max_mag = mag;
    const int q = exponent_of_magnitude(mag) - (precision_bits - 1);
    if (q < in.min_quantum) in.min_quantum = q;
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

// Sum of x[0..n): terms are the values, widened exactly to double.
template <class Acc, class T>
void exact_add_values(Acc& acc, specials& sp, const T* x, std::size_t n) {
    constexpr int precision = float_traits<T>::precision;
    band_input in;
    for (std::size_t begin = 0; begin < n; begin += band_chunk) {
        const std::size_t len = n - begin < band_chunk ? n - begin : band_chunk;
        in.count = 0;
        in.max_mag = 0;
        in.min_quantum = 1 << 20;
        in.fallback = false;
        for (std::size_t i = 0; i < len; ++i) {
            const T xi = x[begin + i];
            if (!is_finite(xi)) {
                note_special(sp, xi);
                continue;
            }
            note_term(in, static_cast<double>(widen_exact(xi)), precision);
        }
        add_band_input(acc, in);
    }
}

// Dot of x and y: terms are exact products (float: one double; double:
// TwoProd's hi and lo, exact unless the product is near underflow or
// overflow, in which case the chunk goes term by term through add_product).
template <class Acc, class T>
void exact_add_products(Acc& acc, specials& sp, const T* x, const T* y, std::size_t n) {
    band_input in;
    constexpr std::size_t per_chunk = sizeof(widened_t<T>) == 8 ? band_chunk / 2 : band_chunk;
    for (std::size_t begin = 0; begin < n; begin += per_chunk) {
        const std::size_t len = n - begin < per_chunk ? n - begin : per_chunk;
        in.count = 0;
        in.max_mag = 0;
        in.min_quantum = 1 << 20;
        in.fallback = false;
        for (std::size_t i = 0; i < len; ++i) {
            const auto a = widen_exact(x[begin + i]), b = widen_exact(y[begin + i]);
            if (!is_finite(a) || !is_finite(b)) {
                note_special_product(sp, a, b);
                continue;
            }
            if constexpr (sizeof(a) == 4) {
                note_term(in, static_cast<double>(a) * static_cast<double>(b), 48);  // exact in double
            } else {
                const exact_pair<double> p = two_prod(a, b);
                const double mag = p.value < 0 ? -p.value : p.value;
                // TwoProd is exact only well inside the normal range.
                if ((mag < 0x1p-969 && a != 0.0 && b != 0.0) || mag > 0x1p1000) in.fallback = true;
                note_term(in, p.value, 107);
                in.value[in.count++] = p.error;
            }
        }
        if (in.fallback) {
            for (std::size_t i = 0; i < len; ++i) {
                const auto a = widen_exact(x[begin + i]), b = widen_exact(y[begin + i]);
                if (is_finite(a) && is_finite(b)) acc.add_product(a, b);
            }
            continue;
        }
        add_band_input(acc, in);
    }
}

}  // namespace detail
}  // namespace repro
