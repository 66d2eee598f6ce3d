#pragma once
// The compact wire format of repro's distributed exact sums (repro::mpi,
// repro::cuda::nccl): each element's terms as integers in a window anchored
// at the largest exponent among all of that element's terms on every rank,
// carried in doubles. Integers below 2^53 add exactly in double, so MPI's
// (or NCCL's) own double SUM adds them in whatever order its collective
// picks - no order, tree or rank count can change a bit - and every step
// here is a power-of-two scaling, exact, which vectorises.
//
// An element of type T with terms x_1..x_N (N over all ranks) whose largest
// biased exponent (key) is K has |x_i| < 2^top, top = K - bias + 1. The
// window holds v_i = x_i 2^(bits - top), where `bits` leaves room for N
// terms below 2^53:
//   float:  one double per element,       bits = 51 - ceil(log2 N)
//   double: two doubles, h and l with v = h 2^32 + l, l in [0, 2^32),
//           bits = 83 - ceil(log2 N)
// A term whose v is not an integer (set bits below the window) does not fit;
// the caller then sums that element with the full exact accumulator (rare:
// it needs a spread of about 2^27 (float) or 2^30 (double) between an
// element's terms, at a few terms). Either way the sum is exact, so the
// result - rounded once - does not depend on N, the ranks or the window.

#include <cstdint>

#include "../../fp.hpp"
#include "superaccumulator.hpp"
#include "../prologue.hpp"

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
        return e | static_cast<unsigned>(e == 0 && (b & ((bits_t<T>(1) << tr::fraction_bits) - 1)) != 0);
    }

    // ceil(log2(n)) for n >= 1.
    REPRO_HD static int ceil_log2(std::uint64_t n) {
        int l = 0;
        while (l < 64 && (std::uint64_t(1) << l) < n) ++l;
        return l;
    }

    // top - bits for the element's key: the window's unit is 2^quantum.
    REPRO_HD static int quantum(unsigned key, int bits) { return static_cast<int>(key) - bias + 1 - bits; }

    // 2^e for -1022 <= e <= 1023, from its bits (64-bit steps: a vector
    // loop then needs no change of lane width).
    REPRO_HD static double pow2(std::int64_t e) { return from_bits<double>(static_cast<std::uint64_t>(e + 1023) << 52); }

    // A product by a power of two: exact, so an fma that g++ may contract
    // it into rounds the same; on the device the intrinsic keeps nvcc's
    // --fmad from changing the code (the SASS check).
    REPRO_HD static double scale(double a, double p) {
#if defined(__CUDA_ARCH__)
        return __dmul_rn(a, p);
#else
        return a * p;
#endif
    }

    // v rounded to an integer, |v| < 2^51: adding 1.5 * 2^52 leaves no
    // fraction bits (repro refuses the flags that would fold the pair away).
    REPRO_HD static double nearest_integer(double v) {
        constexpr double magic = 6755399441055744.0;  // 1.5 * 2^52
        return add_rn(add_rn(v, magic), -magic);
    }
};

template <>
struct fixed_window<float> : fixed_window_common<float> {
    static constexpr int limbs = 1;
    REPRO_HD static int magnitude_bits(std::uint64_t terms) { return 51 - ceil_log2(terms); }

    // Adds x to the window; false when it does not fit, inf and NaN
    // included (inf - inf is NaN), so a non-finite term needs no other test.
    REPRO_HD static bool add(float x, unsigned key, int bits, double* limb) {
        const double v = scale(static_cast<double>(x), pow2(std::int64_t(bits) - std::int64_t(key) + bias - 1));  // exact: |v| < 2^51
        limb[0] = add_rn(limb[0], v);
        return add_rn(nearest_integer(v), -v) == 0;
    }

    // The sum S (an integer below 2^52) times 2^quantum is exact in double;
    // the conversion to float rounds it once, subnormals and overflow included.
    REPRO_HD static float result(const double* limb, unsigned key, int bits) {
        const double s = limb[0] == 0 ? 0.0 : limb[0];  // an exact zero is +0, even from -0 terms
        return static_cast<float>(scale(s, pow2(quantum(key, bits))));
    }
    REPRO_HD static float result_if_normal(const double* limb, unsigned key, int bits, bool& done) {
        done = true;  // every float result, subnormals included
        return result(limb, key, bits);
    }
};

template <>
struct fixed_window<double> : fixed_window_common<double> {
    static constexpr int limbs = 2;  // limb[0]: l (the window's low 32 bits), limb[1]: h
    REPRO_HD static int magnitude_bits(std::uint64_t terms) { return 83 - ceil_log2(terms); }

    // As for float; a non-finite x makes l NaN, which fails the test.
    REPRO_HD static bool add(double x, unsigned key, int bits, double* limb) {
        // 2^-quantum can exceed 2^1023: two factors. Both scalings are exact
        // for a term that fits (|v| >= 1); a smaller one fails the check below.
        const std::int64_t e = std::int64_t(bits) - std::int64_t(key) + bias - 1, e1 = e > 1023 ? 1023 : e;
        const double v = scale(scale(x, pow2(e1)), pow2(e - e1));
        const double u = scale(v, 0x1p-32), f = nearest_integer(u);
        const double h = add_rn(f, f > u ? -1.0 : 0.0);   // floor(v / 2^32)
        const double l = add_rn(v, -scale(h, 0x1p32));  // exact: v's bits below 2^32
        limb[0] = add_rn(limb[0], l);
        limb[1] = add_rn(limb[1], h);
        // A term that fits has |v| >= 1 (or is zero): then u is exact and h the floor.
        return (nearest_integer(l) == l) & ((x == 0) | (v >= 1) | (v <= -1));  // no branches: vectorises
    }

    // The result where it is zero or a normal double (then `done`), without
    // a branch: S = h 2^32 + l rounds once, and scaling it by 2^quantum
    // (added to its exponent field) is exact.
    REPRO_HD static double result_if_normal(const double* limb, unsigned key, int bits, bool& done) {
        const double s = add_rn(scale(limb[1], 0x1p32), limb[0]);
        const int q = quantum(key, bits);
        const int exponent = static_cast<int>((to_bits(s) >> 52) & 0x7ff) + q;
        const double r = from_bits<double>(to_bits(s) + (static_cast<std::uint64_t>(static_cast<std::int64_t>(q)) << 52));
        done = s == 0 || (exponent >= 1 && exponent <= 2046);
        return s == 0 ? 0.0 : r;
    }

    REPRO_HD static double result(const double* limb, unsigned key, int bits) {
        bool done;
        const double r = result_if_normal(limb, key, bits, done);
        if (done) return r;
        // Subnormal or overflowing: the exact integer h 2^32 + l (|h| < 2^52,
        // 0 <= l < 2^53) rounded once, as digits.
        const double l = limb[0], h = limb[1];
        // Not a window's sum (an element summed in full instead, whose
        // window was never meant to be read): no value, and no conversion
        // of an out-of-range double.
        if (!(h > -0x1p62 && h < 0x1p62 && l >= 0 && l < 0x1p62)) return from_bits<double>(0x7ff8000000000000u);
        const int q = quantum(key, bits);
        std::int64_t hi = static_cast<std::int64_t>(h), lo = static_cast<std::int64_t>(l);
        hi += lo >> 32;
        lo &= 0xffffffff;
        const bool negative = hi < 0;
        std::uint64_t mh = static_cast<std::uint64_t>(hi), ml = static_cast<std::uint64_t>(lo);
        if (negative) {  // two's complement of the 96-bit value
            mh = ~mh;
            ml = (~ml & 0xffffffffu) + 1;
            mh += ml >> 32;
            ml &= 0xffffffffu;
        }
        const std::uint32_t digit[3] = {static_cast<std::uint32_t>(ml), static_cast<std::uint32_t>(mh),
                                        static_cast<std::uint32_t>(mh >> 32)};
        return round_digits<double>(digit, q, negative, false);
    }
};

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
