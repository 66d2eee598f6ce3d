#pragma once
// The compact wire format of repro's distributed exact sums (repro::mpi,
// repro::cuda::nccl): each element's terms as signed fixed-point integers in a
// window anchored at the largest exponent among all of that element's terms
// on every rank, so that integer MPI_SUM / ncclSum (exactly associative) adds
// them in whatever order the collective picks.
//
// An element of type T with terms x_1..x_N (N over all ranks) whose largest
// biased exponent is K has |x_i| < 2^top, top = K - bias + 1 (K >= 1). The
// window holds the integer x_i / 2^q with q = top - bits, bits = the
// magnitude bits that leave room for N terms without overflow:
//   float:  one int64 limb,               bits = 62 - ceil(log2 N)
//   double: two int64 limbs (lo, hi) with lo a 32-bit digit and hi signed,
//           bits = 94 - ceil(log2 N)
// A term with set bits below 2^q does not fit; the caller then sums that
// element with the full exact accumulator instead (it is rare: it needs a
// spread of about 2^35 between an element's terms). Either way the sum is
// exact, so the result - rounded once - does not depend on N, the ranks or
// the window.

#include <cstdint>

#include "../../fp.hpp"
#include "superaccumulator.hpp"
#include "../prologue.hpp"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

REPRO_NAMESPACE_BEGIN
namespace detail {

template <class T>
struct fixed_window;

template <class T>
struct fixed_window_common {
    using tr = float_traits<T>;
    static constexpr int bias = (1 << (tr::exponent_bits - 1)) - 1;
    static constexpr unsigned non_finite_key = (1u << tr::exponent_bits) - 1;

    // 0 for zero, the biased exponent otherwise (1 for subnormals, which
    // share exponent 1's scale), non_finite_key for inf and NaN: the keys
    // combine by maximum.
    REPRO_HD static unsigned key(T x) {
        const auto b = to_bits(x);
        const unsigned e = static_cast<unsigned>((b >> tr::fraction_bits) & non_finite_key);
        if (e != 0) return e;
        return (b & ((bits_t<T>(1) << tr::fraction_bits) - 1)) != 0 ? 1u : 0u;
    }

    // The integer mantissa m and exponent so that |x| = m 2^exp (x finite).
    REPRO_HD static void split(T x, std::uint64_t& m, int& exp, bool& negative) {
        const auto b = to_bits(x);
        const unsigned e = static_cast<unsigned>((b >> tr::fraction_bits) & non_finite_key);
        m = static_cast<std::uint64_t>(b & ((bits_t<T>(1) << tr::fraction_bits) - 1));
        if (e) m |= std::uint64_t(1) << tr::fraction_bits;
        exp = (e ? static_cast<int>(e) : 1) - bias - tr::fraction_bits;
        negative = (b >> (sizeof(T) * 8 - 1)) != 0;
    }

    // ceil(log2(n)) for n >= 1.
    REPRO_HD static int ceil_log2(std::uint64_t n) {
        int l = 0;
        while (l < 64 && (std::uint64_t(1) << l) < n) ++l;
        return l;
    }

    REPRO_HD static int quantum(unsigned key, int magnitude_bits) {
        return static_cast<int>(key) - bias + 1 - magnitude_bits;
    }

    // m 2^shift when it is an integer (its dropped bits are zero).
    REPRO_HD static bool shift_exact(std::uint64_t m, int shift, std::uint64_t& v) {
        if (shift >= 0) {
            v = m << shift;
            return true;
        }
        if (shift <= -64) return m == 0;
        if (m & ((std::uint64_t(1) << -shift) - 1)) return false;
        v = m >> -shift;
        return true;
    }

    // Correctly rounded sign * m 2^exp for m < 2^63; round_digits where the
    // result may be subnormal or overflow, a conversion and an exact scaling
    // elsewhere.
    REPRO_HD static T round(std::uint64_t m, int exp, bool negative, bool sticky) {
        if (m == 0 && !sticky) return T(0);
        int msb = 63;
        while (msb > 0 && ((m >> msb) & 1u) == 0) --msb;
        const int top = msb + exp;
        if (m != 0 && top >= 1 - bias && top < bias) {
            if (sticky) m |= 1u;  // m has >= precision + 2 bits here: a valid sticky
#if defined(__CUDA_ARCH__)
            T r;
            if constexpr (sizeof(T) == 4)
                r = scalbnf(__ll2float_rn(static_cast<long long>(m)), exp);
            else
                r = scalbn(__ll2double_rn(static_cast<long long>(m)), exp);
#else
            const T r = std::ldexp(static_cast<T>(static_cast<std::int64_t>(m)), exp);
#endif
            return negative ? -r : r;
        }
        const std::uint32_t digit[2] = {static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(m >> 32)};
        return round_digits<T>(digit, exp, negative, sticky);
    }
};

template <>
struct fixed_window<float> : fixed_window_common<float> {
    static constexpr int limbs = 1;
    REPRO_HD static int magnitude_bits(std::uint64_t terms) { return 62 - ceil_log2(terms); }

    // Adds the finite x to the window at quantum q; false when it does not fit.
    REPRO_HD static bool add(float x, int q, std::int64_t* limb) {
        std::uint64_t m, v = 0;
        int e;
        bool neg;
        split(x, m, e, neg);
        if (!shift_exact(m, e - q, v)) return false;
        limb[0] += neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
        return true;
    }

    REPRO_HD static float result(const std::int64_t* limb, int q) {
        const std::int64_t s = limb[0];
        return round(s < 0 ? 0 - static_cast<std::uint64_t>(s) : static_cast<std::uint64_t>(s), q, s < 0, false);
    }
};

template <>
struct fixed_window<double> : fixed_window_common<double> {
    static constexpr int limbs = 2;  // limb[0]: digit 2^q .. 2^(q+31), limb[1]: the rest
    REPRO_HD static int magnitude_bits(std::uint64_t terms) { return 94 - ceil_log2(terms); }

    REPRO_HD static bool add(double x, int q, std::int64_t* limb) {
        std::uint64_t m, lo, hi;
        int e;
        bool neg;
        split(x, m, e, neg);
        const int shift = e - q;
        if (shift >= 32) {
            lo = 0;
            hi = m << (shift - 32);
        } else if (shift >= 0) {
            lo = (m << shift) & 0xffffffffu;
            hi = shift == 0 ? m >> 32 : m >> (32 - shift);
        } else {
            std::uint64_t v = 0;
            if (!shift_exact(m, shift, v)) return false;
            lo = v & 0xffffffffu;
            hi = v >> 32;
        }
        if (neg) {
            limb[0] -= static_cast<std::int64_t>(lo);
            limb[1] -= static_cast<std::int64_t>(hi);
        } else {
            limb[0] += static_cast<std::int64_t>(lo);
            limb[1] += static_cast<std::int64_t>(hi);
        }
        return true;
    }

    REPRO_HD static double result(const std::int64_t* limb, int q) {
        // value = hi 2^32 + lo, lo normalised to [0, 2^32); then the magnitude.
        std::int64_t hi = limb[1], lo = limb[0];
        const std::int64_t carry = lo >> 32;  // floor division
        lo -= carry * (std::int64_t(1) << 32);
        hi += carry;
        const bool neg = hi < 0;
        std::uint64_t h = static_cast<std::uint64_t>(hi), l = static_cast<std::uint64_t>(lo);
        if (neg) {  // two's complement of the 96-bit value
            h = ~h;
            l = (~l & 0xffffffffu) + 1;
            if (l >> 32) {
                l = 0;
                ++h;
            }
        }
        if (h < (std::uint64_t(1) << 31)) return round((h << 32) | l, q, neg, false);
        // Keep the top 63 bits; what falls off is the sticky bit.
        int bits = 63;
        while (((h >> (bits - 1)) & 1u) == 0) --bits;
        const int d = bits - 31;  // 1 <= d <= 32
        const std::uint64_t m = (h << (32 - d)) | (l >> d);
        return round(m, q + d, neg, (l & ((std::uint64_t(1) << d) - 1)) != 0);
    }
};

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
