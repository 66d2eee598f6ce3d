#pragma once
// Fast path of the exact tier. A chunk of terms (converted to double: float
// inputs and float products exactly, double products as TwoProd's hi and lo)
// is split into K "bands" of doubles whose sums cannot round. With emax the
// exponent of the chunk's largest term (|term| < 2^(emax + 1)):
//
//   K = 1:  one band of quantum q_1 = emax - 43, holding the terms whole;
//   K > 1:  bands k < K of quantum q_k = emax - 40 - 41 (k - 1), and the last
//           band of quantum q_K = q_(K-1) - 45, which takes the rest whole.
//
// A band k < K keeps its lanes offset by C_k = 1.5 * 2^(q_k + 52), where
// the doubles are multiples of 2^q_k: s = lane + r rounds r to a multiple
// of 2^q_k as it adds it, hi = s - lane is that multiple, r - hi goes on to
// band k + 1 (three operations a band). Each band has 16 accumulator lanes,
// and a chunk gives each lane at most 512 terms, below 2^(q_k + 41) in an
// offset band (the lane stays within C_k +- 2^(q_k + 50), where its spacing
// is 2^q_k) and below 2^(q_K + 44) in the last (its sum stays below 2^53
// quanta): every addition is exact. K is the least number of bands whose
// last quantum divides every term, judged from the chunk's largest and
// smallest nonzero inputs and the inputs' precision; chunks that would need
// more than 4 bands, hold Inf/NaN, or sit at the ends of the double range go
// term by term into the superaccumulator. The lane sums, less their offsets,
// are added exactly to the superaccumulator. Since nothing rounds, the order
// of terms, lanes and chunks cannot matter.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../../fp.hpp"
#include "../meta.hpp"
#include "../simd/simd.hpp"
#include "superaccumulator.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

inline constexpr std::size_t band_block = 4096;    // inputs per pass: a second pass reads L1 or L2
inline constexpr std::size_t lane_capacity = 512;  // terms per lane between flushes
inline constexpr int band_lanes = 16;
inline constexpr int max_bands = 4;

// Non-finite terms, tracked apart from the finite sum.
struct specials {
    bool nan = false;
    bool pos_inf = false;
    bool neg_inf = false;
    REPRO_HD void merge(const specials& o) {
        nan |= o.nan;
        pos_inf |= o.pos_inf;
        neg_inf |= o.neg_inf;
    }
};

// Quantum of offset band k < K, and of the last band of K.
inline int band_quantum(int emax, int k) { return emax - 40 - 41 * (k - 1); }
inline int last_band_quantum(int emax, int K) { return K == 1 ? emax - 43 : band_quantum(emax, K - 1) - 45; }

REPRO_HD double pow2(int e) {  // 2^e for -1022 <= e <= 1023
    return from_bits<double>(static_cast<std::uint64_t>(e + 1023) << 52);
}

inline double one_and_half_pow2(int e) {  // 1.5 * 2^e, from its bits
    return from_bits<double>((static_cast<std::uint64_t>(e + 1023) << 52) | (std::uint64_t(1) << 51));
}

// The quiet NaN of T (numeric_limits is not usable in device code).
template <class T>
REPRO_HD T quiet_nan_of() {
    using tr = float_traits<T>;
    return from_bits<T>(
        static_cast<typename tr::bits_type>(tr::infinity_bits | (tr::fraction_mask ^ (tr::fraction_mask >> 1))));
}

// The value of a sum whose non-finite terms are `sp`, when they decide it:
// NaN for any NaN or both infinities, else the one infinity seen.
template <class T>
REPRO_HD bool non_finite_result(const specials& sp, T& out) {
    using tr = float_traits<T>;
    using bits = typename tr::bits_type;
    if (sp.nan || (sp.pos_inf && sp.neg_inf)) return out = quiet_nan_of<T>(), true;
    if (sp.pos_inf) return out = from_bits<T>(tr::infinity_bits), true;
    if (sp.neg_inf) return out = from_bits<T>(static_cast<bits>(tr::sign_mask | tr::infinity_bits)), true;
    return false;
}

// ---- inputs ----

template <class T>
REPRO_HD void note_special(specials& sp, T x) {
    if (is_nan(x))
        sp.nan = true;
    else if (sign_bit(x))
        sp.neg_inf = true;
    else
        sp.pos_inf = true;
}

template <class F>
REPRO_HD void note_special_product(specials& sp, F a, F b) {
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
    // no nonzero term: every input a zero (a NaN or an infinity is not one)
    REPRO_HD bool all_zero() const { return max_mag == 0 && !special; }
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
REPRO_HD int top_exponent(const chunk_stats& st) {
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

// Loaders give the band kernel its terms, one double per input: at(i) in
// scalar code; band_kernels<Tag>::load (bands-inl.hpp) reads a register of
// them where `vectorized`; `multiplies` when that load keeps the multiplier
// busy (the product loaders, which read x and y). `next`: inputs in the block that follows this one (at x + n), which
// the SIMD kernel prefetches while it computes, so that the memory streams
// during the arithmetic rather than after it.
template <class T>
struct values_loader {
    static constexpr bool vectorized = std::is_same<T, double>::value || std::is_same<T, float>::value;
    static constexpr bool multiplies = false;
    const T* x;
    std::size_t next;
    double at(std::size_t i) const { return static_cast<double>(widen_to<widened_t<T>>(x[i])); }
};

// Products of floats: exact in double.
template <class T>
struct float_products_loader {
    static constexpr bool vectorized = std::is_same<T, float>::value;
    static constexpr bool multiplies = true;
    const T* x;
    const T* y;
    std::size_t next;
    double at(std::size_t i) const {
        return mul_rn(static_cast<double>(widen_to<float>(x[i])), static_cast<double>(widen_to<float>(y[i])));
    }
};

// Both streams of double products in one pass: TwoProd's hi to one set of
// bands, its lo to another (band_kernel's K2).
struct double_product_pairs_loader {
    static constexpr bool vectorized = true;
    static constexpr bool multiplies = true;
    const double* x;
    const double* y;
    std::size_t next;
};

// Products of doubles: TwoProd's hi (part 0) or lo (part 1), each an exact
// stream of its own (exact away from underflow and overflow).
struct double_products_loader : double_product_pairs_loader {
    int part;
    double at(std::size_t i) const {
        const exact_pair<double> p = two_prod(x[i], y[i]);
        return part == 0 ? p.value : p.error;
    }
};

// ---- band kernels ----

// Splits r into bands 0..K-1 of out-lane `lane`.
template <int K>
inline void band_split(double r, double (&out)[max_bands][band_lanes], int lane) {
    for (int k = 0; k + 1 < K; ++k) {
        const double s = out[k][lane] + r;
        const double hi = s - out[k][lane];
        out[k][lane] = s;
        r -= hi;
    }
    out[K - 1][lane] += r;
}

// The kernel in scalar code, from input `begin` on.
template <int K, int K2, class Loader>
void band_kernel_generic(const Loader& ld, std::size_t begin, std::size_t n, double (&out)[max_bands][band_lanes],
                         double (&out2)[max_bands][band_lanes]) {
    for (std::size_t i = begin; i < n; ++i) {
        const int lane = static_cast<int>(i % band_lanes);
        if constexpr (K2 > 0) {
            const exact_pair<double> p = two_prod(ld.x[i], ld.y[i]);
            band_split<K>(p.value, out, lane);
            band_split<K2>(p.error, out2, lane);
        } else {
            band_split<K>(ld.at(i), out, lane);
        }
    }
}

// The SIMD forms (bands-inl.hpp): the band kernel and the block statistics.
template <class Tag>
struct band_kernels;

#define REPRO_SIMD_KERNELS "../reduce/bands-inl.hpp"
#include "../simd/for_each_isa.hpp"

// The ISA tag of half the register width (AVX-512 -> AVX2).
template <class Tag>
struct half_width {
    using type = Tag;
};
template <>
struct half_width<simd::avx512_tag> {
    using type = simd::avx2_tag;
};

// Adds the terms of n inputs to bands `out` (and, K2 > 0, lo to `out2`);
// with Measure, also merges the inputs' statistics into sx (and sy for the
// product loaders).
template <int K, int K2, bool Measure, class Loader>
void band_kernel(const Loader& ld, std::size_t n, double (&out)[max_bands][band_lanes],
                 double (&out2)[max_bands][band_lanes], chunk_stats& sx, chunk_stats& sy) {
    simd::dispatch([&](auto tag) {
        if constexpr (std::is_same<decltype(tag), simd::scalar_tag>::value || !Loader::vectorized) {
            if constexpr (Measure) {
                stats_of(sx, ld.x, n);
                if constexpr (Loader::multiplies) stats_of(sy, ld.y, n);
            }
            band_kernel_generic<K, K2>(ld, 0, n, out, out2);
        } else {
            if constexpr (std::is_same<decltype(tag), simd::avx512_tag>::value &&
                          (std::is_same<Loader, values_loader<float>>::value ||
                           std::is_same<Loader, float_products_loader<float>>::value)) {
                using narrow = typename half_width<decltype(tag)>::type;
                if (simd::widen_in_256_bits.load(std::memory_order_relaxed))
                    return band_kernels<narrow>::template band_kernel<K, K2, Measure>(ld, n, out, out2, sx, sy);
            }
            band_kernels<decltype(tag)>::template band_kernel<K, K2, Measure>(ld, n, out, out2, sx, sy);
        }
    });
}

// Calls f(std::integral_constant<int, K>) for k = K in 1..Max.
template <int Max, class F>
void with_band_count(int k, F&& f) {
    switch (k) {
        case 1:
            f(std::integral_constant<int, 1>{});
            break;
        case 2:
            f(std::integral_constant<int, 2>{});
            break;
        case 3:
            f(std::integral_constant<int, 3>{});
            break;
        default:
            if constexpr (Max >= 4) f(std::integral_constant<int, 4>{});
            break;
    }
}

// Band accumulators carried from block to block while the blocks fit the
// same bands: a block whose terms are below 2^(emax + 1) and multiples of
// 2^q_K joins them; otherwise, or when a lane would pass lane_capacity terms,
// the lanes are first flushed (added exactly) into the superaccumulator.
struct band_state {
    int emax = 0;
    int k = 0;  // 0: no open bands
    std::size_t terms = 0;
    double c[max_bands] = {};  // offsets C_k of bands k < K
    double out[max_bands][band_lanes] = {};
    int next_emax = 0, next_quantum = 0;  // what the last block kept needed

    // Whether n more inputs' terms fit the lanes' capacity of open bands.
    bool has_room(std::size_t n) const { return k != 0 && terms + n <= lane_capacity * band_lanes; }

    // Whether the open bands hold terms below 2^(block_emax + 1) that are
    // multiples of 2^min_quantum.
    bool holds(int block_emax, int min_quantum) const {
        return block_emax <= emax && min_quantum >= last_band_quantum(emax, k);
    }

    // Adds the lanes, less their offsets, to acc and empties them; the
    // bands stay open.
    template <class Acc>
    void drain(Acc& acc) {
        for (int b = 0; b < k; ++b) {
            const double offset = b + 1 < k ? c[b] : 0.0;
            for (int j = 0; j < band_lanes; ++j) acc.add(out[b][j] - offset), out[b][j] = offset;
        }
        terms = 0;
    }

    // Whether bands are open for n more inputs' terms. Full lanes are
    // flushed, and the bands reopened as the last block kept needed them
    // (the next block is likely to need the same), so that one wide block
    // does not keep its extra bands for the blocks after it.
    template <class Acc>
    bool open_for(Acc& acc, std::size_t n) {
        if (k != 0 && !has_room(n)) {
            flush(acc);
            open(acc, next_emax, next_quantum);
        }
        return k != 0;
    }

    template <class Acc>
    void flush(Acc& acc) {
        drain(acc);
        for (int b = 0; b < k; ++b)
            for (int j = 0; j < band_lanes; ++j) out[b][j] = 0.0;
        k = 0;
    }

    // Flushes, then opens the fewest bands that hold such terms; false
    // (no bands open) when no bands can.
    template <class Acc>
    bool open(Acc& acc, int block_emax, int min_quantum) {
        flush(acc);
        int kk = 1;
        while (kk <= max_bands && min_quantum < last_band_quantum(block_emax, kk)) ++kk;
        // (an offset lane stays below 2^(emax + 13))
        if (kk > max_bands || block_emax > 1009 || last_band_quantum(block_emax, kk) < -1074) return false;
        emax = block_emax;
        k = kk;
        for (int b = 0; b + 1 < k; ++b) {
            c[b] = one_and_half_pow2(band_quantum(emax, b + 1) + 52);
            for (int j = 0; j < band_lanes; ++j) out[b][j] = c[b];
        }
        return true;
    }

    // Adds n inputs' terms (|term| < 2^(block_emax + 1), each a multiple of
    // 2^min_quantum). Returns false, adding nothing, when no bands can hold them.
    template <class Acc, class Loader>
    bool add(Acc& acc, const Loader& ld, std::size_t n, int block_emax, int min_quantum) {
        if (!(has_room(n) && holds(block_emax, min_quantum)) && !open(acc, block_emax, min_quantum)) return false;
        chunk_stats none;
        with_band_count<max_bands>(
            k, [&](auto kc) { band_kernel<decltype(kc)::value, 0, false>(ld, n, out, out, none, none); });
        terms += n;
        return true;
    }

    // Adds n inputs' terms to the open bands (has_room(n)) whether or not
    // they fit, measuring the inputs in the same pass; the caller keeps them
    // (keep) or puts the lanes back (saved_lanes::restore) by what sx and sy say.
    template <class Loader>
    void add_measured(const Loader& ld, std::size_t n, chunk_stats& sx, chunk_stats& sy) {
        with_band_count<max_bands>(
            k, [&](auto kc) { band_kernel<decltype(kc)::value, 0, true>(ld, n, out, out, sx, sy); });
    }
    void keep(std::size_t n) { terms += n; }
    void keep(std::size_t n, int block_emax, int min_quantum) {
        keep(n);
        next_emax = block_emax;
        next_quantum = min_quantum;
    }
};

// The open lanes of a band_state, to take back a block that did not fit.
struct saved_lanes {
    double out[max_bands][band_lanes];
    int k;
    explicit saved_lanes(const band_state& b) : k(b.k) {
        for (int i = 0; i < k; ++i)
            for (int j = 0; j < band_lanes; ++j) out[i][j] = b.out[i][j];
    }
    void restore(band_state& b) const {
        for (int i = 0; i < k; ++i)
            for (int j = 0; j < band_lanes; ++j) b.out[i][j] = out[i][j];
    }
};

template <class T>
chunk_stats stats(const T* v, std::size_t n) {
    chunk_stats st;
    simd::dispatch([&](auto tag) {
        if constexpr (std::is_same<decltype(tag), simd::scalar_tag>::value ||
                      !(std::is_same<T, double>::value || std::is_same<T, float>::value))
            stats_of(st, v, n);
        else
            band_kernels<decltype(tag)>::stats_of(st, v, n);
    });
    return st;
}

// ---- the exact sums ----
//
// A block is first offered to the bands left open by the blocks before it:
// it is added and measured in one pass over memory (add_measured), and kept
// when its statistics show the bands held it exactly. Otherwise the lanes
// are put back and the block takes the measured path: bands chosen for it
// (a second pass, from L1), or term by term. Either way each term is added
// exactly once.

// Sum of x[0..n): the terms are the values, widened exactly to double.
template <class Acc, class T>
void exact_add_values(Acc& acc, specials& sp, const T* x, std::size_t n) {
    band_state bands;
    for (std::size_t begin = 0; begin < n; begin += band_block) {
        const std::size_t len = n - begin < band_block ? n - begin : band_block;
        const T* xs = x + begin;
        const values_loader<T> ld{xs, n - begin - len < band_block ? n - begin - len : band_block};
        chunk_stats st;
        if (bands.open_for(acc, len)) {
            const saved_lanes saved(bands);
            bands.add_measured(ld, len, st, st);
            if (st.all_zero()) {
                bands.keep(len);
                continue;
            }
            if (!st.special && bands.holds(top_exponent<T>(st), last_bit_exponent<T>(st))) {
                bands.keep(len, top_exponent<T>(st), last_bit_exponent<T>(st));
                continue;
            }
            saved.restore(bands);
        } else {
            st = stats(xs, len);
        }
        if (st.all_zero()) continue;
        if (!st.special && bands.add(acc, ld, len, top_exponent<T>(st), last_bit_exponent<T>(st))) continue;
        for (std::size_t i = 0; i < len; ++i) {
            if (is_finite(xs[i]))
                acc.add(static_cast<double>(widen_to<widened_t<T>>(xs[i])));
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
    // Keeps the block just added to the open bands when they hold its
    // products (statistics sx, sy); false when they do not.
    const auto kept = [&](const chunk_stats& sx, const chunk_stats& sy, std::size_t len) {
        if (sx.special || sy.special) return false;
        if (sx.all_zero() || sy.all_zero()) {
            bands.keep(len);
            if constexpr (is_double) low_bands.keep(len);
            return true;
        }
        const int emax = top_exponent<T>(sx) + top_exponent<T>(sy) + 1;
        const int quantum = last_bit_exponent<T>(sx) + last_bit_exponent<T>(sy);
        if constexpr (is_double) {
            const int least = least_exponent<T>(sx) + least_exponent<T>(sy);
            if (!(least >= -969 && emax <= 1000 && bands.holds(emax, least - 52) &&
                  low_bands.holds(emax - 53, quantum)))
                return false;
            bands.keep(len, emax, least - 52);
            low_bands.keep(len, emax - 53, quantum);
        } else {
            if (!bands.holds(emax, quantum)) return false;
            bands.keep(len, emax, quantum);
        }
        return true;
    };
    for (std::size_t begin = 0; begin < n; begin += per_block) {
        const std::size_t len = n - begin < per_block ? n - begin : per_block;
        const T* xs = x + begin;
        const T* ys = y + begin;
        const std::size_t next = n - begin - len < per_block ? n - begin - len : per_block;
        chunk_stats sx, sy;
        bool measured = false;
        if constexpr (is_double) {
            // Both streams in one pass, for the common band counts (up to 3 each).
            if (bands.open_for(acc, len) && low_bands.open_for(acc, len) && bands.k <= 3 && low_bands.k <= 3) {
                const saved_lanes saved(bands), saved_low(low_bands);
                const double_product_pairs_loader ld{xs, ys, next};
                with_band_count<3>(bands.k, [&](auto kc) {
                    with_band_count<3>(low_bands.k, [&](auto kc2) {
                        band_kernel<decltype(kc)::value, decltype(kc2)::value, true>(ld, len, bands.out, low_bands.out,
                                                                                     sx, sy);
                    });
                });
                if (kept(sx, sy, len)) continue;
                saved.restore(bands);
                saved_low.restore(low_bands);
                measured = true;
            }
        } else {
            if (bands.open_for(acc, len)) {
                const saved_lanes saved(bands);
                bands.add_measured(float_products_loader<T>{xs, ys, next}, len, sx, sy);
                if (kept(sx, sy, len)) continue;
                saved.restore(bands);
                measured = true;
            }
        }
        if (!measured) sx = stats(xs, len), sy = stats(ys, len);
        if (!sx.special && !sy.special) {
            if (sx.all_zero() || sy.all_zero()) continue;
            const int emax = top_exponent<T>(sx) + top_exponent<T>(sy) + 1;
            const int quantum = last_bit_exponent<T>(sx) + last_bit_exponent<T>(sy);
            bool done;
            if constexpr (is_double) {
                const int least = least_exponent<T>(sx) + least_exponent<T>(sy);  // smallest |x y| >= 2^least
                done = least >= -969 && emax <= 1000 &&
                       bands.add(acc, double_products_loader{{xs, ys, next}, 0}, len, emax, least - 52);
                // hi went in; lo must follow, or the block's hi is taken back out.
                // (lo prefetches the next block too: the hi pass alone ends before memory has it)
                if (done && !low_bands.add(acc, double_products_loader{{xs, ys, next}, 1}, len, emax - 53, quantum)) {
                    for (std::size_t i = 0; i < len; ++i) acc.add(-mul_rn(xs[i], ys[i]));
                    done = false;
                }
            } else {
                done = bands.add(acc, float_products_loader<T>{xs, ys, next}, len, emax, quantum);
            }
            if (done) continue;
        }
        for (std::size_t i = 0; i < len; ++i) {
            const auto a = widen_to<widened_t<T>>(xs[i]), b = widen_to<widened_t<T>>(ys[i]);
            if (is_finite(a) && is_finite(b))
                acc.add_product(static_cast<double>(a), static_cast<double>(b));
            else
                note_special_product(sp, a, b);
        }
    }
    bands.flush(acc);
    low_bands.flush(acc);
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
