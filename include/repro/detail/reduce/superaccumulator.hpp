#pragma once
// Exact fixed-point accumulator: the state behind repro's exact tier.
//
// The value is sum(limb[i] * 2^(32*i + MinExp)). Every term added is an
// integer multiple of 2^MinExp, split into 32-bit digits that are added to
// int64 limbs; a limb gains less than 2^33 per term, so limbs cannot overflow
// before `carry_interval` additions, after which carries are propagated
// (normalize). Addition of integers is exact and associative, so the state
// after any order of additions and merges is the same number.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "../../fp.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

template <int MinExp, int Limbs>
struct superaccumulator {
    static constexpr int min_exp = MinExp;
    static constexpr int limbs = Limbs;
    static constexpr std::uint32_t carry_interval = 1u << 29;

    std::int64_t limb[std::size_t{Limbs}] = {};
    std::uint32_t pending = 0;  // additions since the last normalize

    // Adds (neg ? -1 : 1) * v * 2^shift, v < 2^64. Callers only pass terms
    // inside the range the instantiation was sized for; anything else is a
    // bug in repro and stops the program rather than corrupt the sum.
    REPRO_HD void add_bits(std::uint64_t v, int shift, bool neg) {
        const int s = shift - MinExp;
        if (s < 0 || (s >> 5) + 2 >= Limbs) out_of_range();
        const int k = s >> 5, sh = s & 31;
        // Two 32-bit halves, each spread over two limbs after the shift.
        const std::uint64_t lo = (v & 0xffffffffu) << sh;
        const std::uint64_t hi = (v >> 32) << sh;
        const std::int64_t d0 = static_cast<std::int64_t>(lo & 0xffffffffu);
        const std::int64_t d1 = static_cast<std::int64_t>((lo >> 32) + (hi & 0xffffffffu));
        const std::int64_t d2 = static_cast<std::int64_t>(hi >> 32);
        if (neg) {
            limb[k] -= d0;
            limb[k + 1] -= d1;
            if (d2) limb[k + 2] -= d2;
        } else {
            limb[k] += d0;
            limb[k + 1] += d1;
            if (d2) limb[k + 2] += d2;
        }
        if (++pending == carry_interval) normalize();
    }

    // Adds a finite double exactly.
    REPRO_HD void add(double x) {
        const std::uint64_t b = to_bits(x);
        const int e = static_cast<int>((b >> 52) & 0x7ff);
        std::uint64_t m = b & 0xfffffffffffffull;
        if (e == 0) {
            if (m == 0) return;
            add_bits(m, -1074, b >> 63);
        } else {
            m |= 1ull << 52;
            add_bits(m, e - 1075, b >> 63);
        }
    }

    // Adds the exact product a * b of two finite doubles (106-bit integer product).
    REPRO_HD void add_product(double a, double b) {
        const std::uint64_t ba = to_bits(a), bb = to_bits(b);
        const int ea = static_cast<int>((ba >> 52) & 0x7ff), eb = static_cast<int>((bb >> 52) & 0x7ff);
        std::uint64_t ma = ba & 0xfffffffffffffull, mb = bb & 0xfffffffffffffull;
        if ((ea == 0 && ma == 0) || (eb == 0 && mb == 0)) return;
        if (ea) ma |= 1ull << 52;
        if (eb) mb |= 1ull << 52;
        const int shift = (ea ? ea - 1075 : -1074) + (eb ? eb - 1075 : -1074);
        const bool neg = ((ba ^ bb) >> 63) != 0;
        // Schoolbook on 32-bit halves: ma * mb = p00 + (p01 + p10) 2^32 + p11 2^64.
        const std::uint64_t a0 = ma & 0xffffffffu, a1 = ma >> 32, b0 = mb & 0xffffffffu, b1 = mb >> 32;
        add_bits(a0 * b0, shift, neg);
        add_bits(a0 * b1, shift + 32, neg);
        add_bits(a1 * b0, shift + 32, neg);
        add_bits(a1 * b1, shift + 64, neg);
    }

    REPRO_HD void merge(const superaccumulator& o) {
        // Two normalized states add to limbs below 2^34 in magnitude.
        superaccumulator other = o;
        other.normalize();
        normalize();
        for (int i = 0; i < Limbs; ++i) limb[i] += other.limb[i];
        normalize();
    }

    // Carries propagate upwards: afterwards limbs 0..Limbs-2 are in
    // [0, 2^32) and the top limb carries the sign.
    REPRO_HD void normalize() {
        for (int i = 0; i + 1 < Limbs; ++i) {
            const std::int64_t carry = limb[i] >> 32;  // arithmetic shift: floor division
            limb[i] -= carry * (std::int64_t(1) << 32);
            limb[i + 1] += carry;
        }
        pending = 0;
    }

    [[noreturn]] REPRO_HD static void out_of_range() {
#if defined(__CUDA_ARCH__)
        __trap();
#else
        std::abort();
#endif
    }

    // Normalized states whose value fits below the top limb (every state
    // repro produces: the range is sized for 2^64 of the largest terms)
    // have a top limb of 0 or -1, the sign.
    REPRO_HD bool top_is_sign() const { return limb[Limbs - 1] == 0 || limb[Limbs - 1] == -1; }

    REPRO_HD bool is_zero() const {
        for (int i = 0; i < Limbs; ++i)
            if (limb[i]) return false;
        return true;
    }
};

// Magnitude of a normalized accumulator as 32-bit digits (least significant
// first) and its sign.
template <int Limbs>
struct magnitude {
    std::uint32_t digit[std::size_t{Limbs} + 1] = {};
    bool negative = false;
};

template <int MinExp, int Limbs>
REPRO_HD magnitude<Limbs> magnitude_of(superaccumulator<MinExp, Limbs> acc) {
    acc.normalize();
    magnitude<Limbs> m;
    m.negative = acc.limb[Limbs - 1] < 0;
    // Two's complement negation across the digits when negative.
    std::uint64_t borrow = m.negative ? 1 : 0;
    for (int i = 0; i < Limbs; ++i) {
        std::uint64_t d = static_cast<std::uint64_t>(acc.limb[i]);
        if (m.negative) d = ~d;
        if (i + 1 < Limbs) d &= 0xffffffffu;
        const std::uint64_t s = d + borrow;
        m.digit[i] = static_cast<std::uint32_t>(s);
        borrow = s >> 32;
        if (i + 1 == Limbs) m.digit[Limbs] = static_cast<std::uint32_t>(s >> 32);
    }
    return m;
}

// Rounds sign * (digits * 2^base) (+ sticky below) to the nearest value of
// the binary format T, ties to even, with T's subnormals and overflow to inf.
template <class T, std::size_t N>
REPRO_HD T round_digits(const std::uint32_t (&digit)[N], int base, bool negative, bool sticky_below) {
    using tr = float_traits<T>;
    using bits = typename tr::bits_type;
    const int precision = tr::precision;
    const int bias = (1 << (tr::exponent_bits - 1)) - 1;
    const int min_quantum = 1 - bias - tr::fraction_bits;  // exponent of denorm_min

    int top = N - 1;
    while (top >= 0 && digit[top] == 0) --top;
    const bits sign = negative ? tr::sign_mask : bits(0);
    if (top < 0) return from_bits<T>(sign);  // an exact zero is +0 (or -0 when asked)
    int msb = 31;
    while (((digit[top] >> msb) & 1u) == 0) --msb;
    const int msb_pos = top * 32 + msb;   // bit index of the leading one
    const int exponent = base + msb_pos;  // value in [2^exponent, 2^(exponent+1))
    // The quantum of the result: precision bits below the leading one, but
    // never below denorm_min.
    int quantum = exponent - (precision - 1);
    if (quantum < min_quantum) quantum = min_quantum;
    const int cut = quantum - base;  // bit index of the result's last bit

    auto bit_at = [&](int i) -> std::uint64_t {
        return (i < 0 || i / 32 >= int{N}) ? 0 : (digit[i / 32] >> (i % 32)) & 1u;
    };
    // Kept bits [cut, msb_pos] (at most `precision` of them), the round bit
    // below them and the sticky OR of everything further down.
    std::uint64_t kept = 0;
    for (int i = msb_pos; i >= cut; --i) kept = (kept << 1) | bit_at(i);
    const bool round_bit = bit_at(cut - 1) != 0;
    bool sticky = sticky_below;
    const int below = cut - 1;  // bits [0, below) are sticky
    if (below > 0) {
        const int whole = below / 32;
        for (int d = 0; d < whole && !sticky; ++d) sticky = digit[d] != 0;
        if (!sticky && below % 32) sticky = (digit[whole] & ((1u << (below % 32)) - 1u)) != 0;
    }
    if (round_bit && (sticky || (kept & 1u))) ++kept;

    // kept * 2^quantum, kept < 2^(precision + 1).
    int q = quantum;
    if (kept >> precision) {  // rounding carried into a new bit
        kept >>= 1;
        ++q;
    }
    const int max_exponent = bias;  // largest finite value is below 2^(bias + 1)
    if (kept == 0) return from_bits<T>(sign);
    // Normal when the leading one sits at bit precision-1; subnormal otherwise.
    const bool normal = (kept >> (precision - 1)) != 0;
    if (normal) {
        const int e = q + precision - 1;  // exponent of the leading one
        if (e > max_exponent) return from_bits<T>(static_cast<bits>(sign | tr::infinity_bits));
        const bits biased = static_cast<bits>(static_cast<unsigned>(e + bias));  // e + bias >= 1 here
        const bits frac = static_cast<bits>(kept & tr::fraction_mask);
        return from_bits<T>(static_cast<bits>(sign | static_cast<bits>(biased << tr::fraction_bits) | frac));
    }
    return from_bits<T>(static_cast<bits>(sign | static_cast<bits>(kept)));
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
