#pragma once
// repro/fp.hpp - floating-point bits: format traits, ULP distance, bitwise
// equality, neighbours, explicit fma and error-free transformations.
// Everything here is `portable`: it works on bit patterns or on single,
// correctly rounded IEEE-754 operations, so every platform gives the same bits.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "detail/config.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

namespace detail {

// Layout of an IEEE-754 binary interchange format.
template <class Bits, int ExponentBits, int FractionBits>
struct binary_format {
    using bits_type = Bits;
    static constexpr bool supported = true;
    static constexpr int exponent_bits = ExponentBits;
    static constexpr int fraction_bits = FractionBits;  // stored bits, without the implicit one
    static constexpr int precision = FractionBits + 1;
    static constexpr Bits sign_mask = static_cast<Bits>(Bits(1) << (ExponentBits + FractionBits));
    static constexpr Bits magnitude_mask = static_cast<Bits>(sign_mask - 1);
    static constexpr Bits exponent_mask = static_cast<Bits>(((Bits(1) << ExponentBits) - 1) << FractionBits);
    static constexpr Bits fraction_mask = static_cast<Bits>((Bits(1) << FractionBits) - 1);
    static constexpr Bits infinity_bits = exponent_mask;
    static constexpr int hex_digits = static_cast<int>(sizeof(Bits) * 2);
};

// What every 16-bit type of one format shares (Eigen::half, CUDA's __half
// and npy.hpp's float16_bits; the bfloat16s alike): the layout, the digits
// and the close tolerances. A specialisation adds its name and the exact
// conversion of its type to double.
struct half_format : binary_format<std::uint16_t, 5, 10> {
    static constexpr int max_digits10 = 5;
    static constexpr double default_rtol = 1e-3;
    static constexpr double default_atol = 1e-5;
};
struct bfloat16_format : binary_format<std::uint16_t, 8, 7> {
    static constexpr int max_digits10 = 4;
    static constexpr double default_rtol = 1.6e-2;
    static constexpr double default_atol = 1e-5;
};

}  // namespace detail

// float_traits<T>: the binary format of T, the decimal digits that make a
// printed value round-trip (max_digits10), a printable name, and the
// per-type default tolerances of compare's close mode (the ones PyTorch's
// assert_close uses). Specialised for float and double here, for
// Eigen::half and Eigen::bfloat16 in repro/eigen.hpp, for CUDA's __half and
// __nv_bfloat16 in repro/cuda/half.cuh and for float16_bits and
// bfloat16_bits in repro/npy.hpp.
template <class T>
struct float_traits {
    static constexpr bool supported = false;
};

template <>
struct float_traits<float> : detail::binary_format<std::uint32_t, 8, 23> {
    static constexpr const char* name = "float";
    static constexpr int max_digits10 = 9;
    static constexpr double default_rtol = 1.3e-6;
    static constexpr double default_atol = 1e-5;
    static double to_double(float x) { return static_cast<double>(x); }
};

template <>
struct float_traits<double> : detail::binary_format<std::uint64_t, 11, 52> {
    static constexpr const char* name = "double";
    static constexpr int max_digits10 = 17;
    static constexpr double default_rtol = 1e-7;
    static constexpr double default_atol = 1e-7;
    static double to_double(double x) { return x; }
};

template <class T>
inline constexpr bool is_supported_float_v = float_traits<T>::supported;

template <class T>
using bits_t = typename float_traits<T>::bits_type;

template <class T>
REPRO_HD bits_t<T> to_bits(T x) {
    bits_t<T> b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

template <class T>
REPRO_HD T from_bits(bits_t<T> b) {
    T x;
    std::memcpy(static_cast<void*>(&x), &b, sizeof x);  // T may be a class type (Eigen::half)
    return x;
}

// Classification on the bits, so it also holds for the 16-bit types and
// cannot be folded away by a compiler that assumes finite math.
template <class T>
REPRO_HD bool is_nan(T x) {
    return (to_bits(x) & float_traits<T>::magnitude_mask) > float_traits<T>::infinity_bits;
}

template <class T>
REPRO_HD bool is_inf(T x) {
    return (to_bits(x) & float_traits<T>::magnitude_mask) == float_traits<T>::infinity_bits;
}

template <class T>
REPRO_HD bool is_finite(T x) {
    return (to_bits(x) & float_traits<T>::magnitude_mask) < float_traits<T>::infinity_bits;
}

template <class T>
REPRO_HD bool sign_bit(T x) {
    return (to_bits(x) & float_traits<T>::sign_mask) != 0;
}

// True when a and b have the same bit pattern: +0 and -0 differ, and NaNs
// are equal only with the same sign and payload.
template <class T>
REPRO_HD bool bitwise_equal(T a, T b) {
    return to_bits(a) == to_bits(b);
}

namespace detail {

// Position of x on the line of representable values: +0 and -0 are both 0,
// the neighbours of zero are +-1, and +-infinity come one after +-max.
template <class T>
REPRO_HD std::int64_t ordinal(T x) {
    const auto b = to_bits(x);
    const auto magnitude = static_cast<std::int64_t>(b & float_traits<T>::magnitude_mask);
    return (b & float_traits<T>::sign_mask) ? -magnitude : magnitude;
}

}  // namespace detail

// Number of representable values stepped over going from a to b: 0 for +0
// and -0, 2 from denorm_min to -denorm_min, 1 from the largest finite value
// to infinity, and UINT64_MAX when either argument is NaN.
template <class T>
REPRO_HD std::uint64_t ulp_distance(T a, T b) {
    if (is_nan(a) || is_nan(b)) return ~std::uint64_t(0);
    const auto oa = static_cast<std::uint64_t>(detail::ordinal(a));
    const auto ob = static_cast<std::uint64_t>(detail::ordinal(b));
    // The true distance is below 2^64 for every format, so the modular
    // difference of the larger and the smaller ordinal is exact.
    return detail::ordinal(a) >= detail::ordinal(b) ? oa - ob : ob - oa;
}

// IEEE-754 nextUp: the least representable value greater than x.
// next_up(-0) = next_up(+0) = denorm_min, next_up(max) = +inf,
// next_up(+inf) = +inf, next_up(-inf) = -max, NaN is returned unchanged.
template <class T>
REPRO_HD T next_up(T x) {
    using tr = float_traits<T>;
    using bits = typename tr::bits_type;
    const bits b = to_bits(x);
    if (is_nan(x) || b == tr::infinity_bits) return x;
    if ((b & tr::magnitude_mask) == 0) return from_bits<T>(bits(1));
    return from_bits<T>(static_cast<bits>((b & tr::sign_mask) ? b - 1 : b + 1));
}

// IEEE-754 nextDown: next_down(x) = -next_up(-x).
template <class T>
REPRO_HD T next_down(T x) {
    using tr = float_traits<T>;
    using bits = typename tr::bits_type;
    const T up = next_up(from_bits<T>(static_cast<bits>(to_bits(x) ^ tr::sign_mask)));
    if (is_nan(x)) return x;
    return from_bits<T>(static_cast<bits>(to_bits(up) ^ tr::sign_mask));
}

// Fused multiply-add with one rounding, spelled out so that kernels never
// leave the choice to -ffp-contract. Without hardware FMA in the target
// (x86-64 baseline), std::fma is libm's correctly rounded software version:
// same bits, slower.
REPRO_HD float fma(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
    return ::fmaf(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

REPRO_HD double fma(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
    return ::fma(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

// a * b rounded once, and kept a multiplication: under -ffp-contract=fast
// (g++'s default) or nvcc's -fmad=true a product that feeds an addition may
// otherwise be fused into an fma, which rounds differently. An empty asm
// statement makes the product opaque to that rewrite.
template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD T mul_rn(T a, T b) {
#if defined(__CUDA_ARCH__)
    REPRO_DEVICE_RN(__fmul_rn(a, b), __dmul_rn(a, b), a * b)
#else
    T p = a * b;
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __asm__("" : "+x"(p));
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
    __asm__("" : "+w"(p));
#else
    volatile T v = p;
    p = v;
#endif
    return p;
#endif
}

// a + b, a / b and sqrt(a) rounded to nearest, for kernels whose device code
// must not depend on nvcc's flags: on the host these are the plain
// operations; on the device the intrinsics, which nvcc neither contracts
// into an fma nor reorders nor approximates.
template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD T add_rn(T a, T b) {
    REPRO_DEVICE_RN(__fadd_rn(a, b), __dadd_rn(a, b), a + b)
}

template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD T div_rn(T a, T b) {
    REPRO_DEVICE_RN(__fdiv_rn(a, b), __ddiv_rn(a, b), a / b)
}

template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD T sqrt_rn(T a) {
    REPRO_DEVICE_RN(__fsqrt_rn(a), __dsqrt_rn(a), std::sqrt(a))
}

// Result of an error-free transformation: value + error equals the exact
// result of the operation, and value is that result rounded to nearest.
template <class T>
struct exact_pair {
    T value;
    T error;
};

// Knuth's TwoSum: exact for any finite a, b whose sum does not overflow.
template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD exact_pair<T> two_sum(T a, T b) {
    const T s = a + b;
    const T bb = s - a;
    const T e = (a - (s - bb)) + (b - bb);
    return {s, e};
}

// Dekker's FastTwoSum: exact when |a| >= |b| (or a == 0); 3 operations.
template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD exact_pair<T> fast_two_sum(T a, T b) {
    const T s = a + b;
    const T e = b - (s - a);
    return {s, e};
}

// TwoProd through one fma: exact when a*b neither overflows nor has an error
// term below the smallest subnormal.
template <class T, class = std::enable_if_t<std::is_floating_point<T>::value>>
REPRO_HD exact_pair<T> two_prod(T a, T b) {
    const T p = mul_rn(a, b);
    return {p, fma(a, b, -p)};
}

// Narrow formats (IEEE binary16 "half", bfloat16: any T whose float_traits
// has one of these layouts) and float itself, widened exactly to float, from
// the bits: NaN payloads are kept, subnormal halves become normal floats.
template <class T>
inline constexpr bool is_widenable_v =
    std::is_same<T, float>::value || (float_traits<T>::supported && sizeof(T) == 2 &&
                                      ((float_traits<T>::exponent_bits == 5 && float_traits<T>::fraction_bits == 10) ||
                                       (float_traits<T>::exponent_bits == 8 && float_traits<T>::fraction_bits == 7)));

template <class T>
REPRO_HD float widen(T x) {
    static_assert(is_widenable_v<T>, "repro::widen: float, half or bfloat16");
    if constexpr (std::is_same<T, float>::value) {
        return x;
    } else {
        const std::uint32_t h = to_bits(x);
        if constexpr (float_traits<T>::exponent_bits == 8) return from_bits<float>(h << 16);
        const std::uint32_t sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
        if (e == 0x1fu) return from_bits<float>(sign | 0x7f800000u | (m << 13));
        if (e != 0) return from_bits<float>(sign | ((e + 112u) << 23) | (m << 13));
        // zero or subnormal: m * 2^-24, exact in float
        return from_bits<float>(sign | to_bits(static_cast<float>(m) * 5.9604644775390625e-8f));
    }
}

// The inverse direction: x rounded to a narrow format (half or bfloat16 as
// for widen; float gives x), to nearest, ties to even, from the bits: values
// beyond the format's range become infinities, tiny ones subnormals or zeros
// of x's sign, a NaN stays a NaN (made quiet, its payload's top bits kept).
// widen(narrow<T>(x)) == x for every x the format holds.
template <class T>
REPRO_HD T narrow(float x) {
    static_assert(is_widenable_v<T>, "repro::narrow: float, half or bfloat16");
    if constexpr (std::is_same<T, float>::value) {
        return x;
    } else {
        using bits = bits_t<T>;
        const std::uint32_t b = to_bits(x);
        if constexpr (float_traits<T>::exponent_bits == 8) {
            if ((b & 0x7fffffffu) > 0x7f800000u) return from_bits<T>(static_cast<bits>((b >> 16) | 0x0040u));
            return from_bits<T>(static_cast<bits>((b + 0x7fffu + ((b >> 16) & 1u)) >> 16));
        } else {
            const std::uint32_t sign = (b >> 16) & 0x8000u, a = b & 0x7fffffffu;
            std::uint32_t h;
            if (a > 0x7f800000u) {
                h = 0x7e00u | ((a >> 13) & 0x3ffu);
            } else if (a >= 0x477ff000u) {  // >= 65520: halfway above the largest half, 65504
                h = 0x7c00u;
            } else if (a >= 0x38800000u) {  // normal half: rebias the exponent, round 13 bits away
                const std::uint32_t r = a - 0x38000000u;
                h = (r + 0xfffu + ((r >> 13) & 1u)) >> 13;
            } else {  // subnormal half (units of 2^-24) or zero
                const std::uint32_t e = a >> 23;
                h = 0;
                if (e != 0 && 126u - e <= 24u) {
                    const std::uint32_t m = (a & 0x7fffffu) | 0x800000u, shift = 126u - e;
                    const std::uint32_t rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
                    h = m >> shift;
                    if (rem > half || (rem == half && (h & 1u))) ++h;
                }
            }
            return from_bits<T>(static_cast<bits>(sign | h));
        }
    }
}

namespace detail {

// Strictly increasing in the value, with -0 below +0; NaN handled by callers.
template <class T>
REPRO_HD std::int64_t order_key(T x) {
    const auto b = to_bits(x);
    const auto mag = static_cast<std::int64_t>(b & float_traits<T>::magnitude_mask);
    return (b & float_traits<T>::sign_mask) ? -mag - 1 : mag;
}

// The one meaning of argmax (Greater) and argmin in repro (repro::argmax,
// compare's argmax flips): the first NaN if there is one, else the first
// index of the extreme value, with +0 above -0. n > 0.
template <bool Greater, class T>
std::size_t first_extreme(const T* x, std::size_t n) {
    std::size_t best = 0;
    std::int64_t best_key = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (is_nan(x[i])) return i;
        const std::int64_t k = order_key(x[i]);
        if (i == 0 || (Greater ? k > best_key : k < best_key)) best = i, best_key = k;
    }
    return best;
}

}  // namespace detail

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
