#pragma once
// Test inputs built from integer bits (never from floating-point arithmetic,
// which compiler flags could change): a fixed-seed generator and the edge
// values of each format. Shared by the tests and the portability program.

#include <cstdint>
#include <limits>
#include <vector>

#include <repro/fp.hpp>

namespace repro_test {

// SplitMix64: a fixed, well-mixed stream of 64-bit words from a seed.
// The special values of T (the same bits as their IEEE definitions).
template <class T>
T infinity() {
    return std::numeric_limits<T>::infinity();
}

template <class T>
T quiet_nan() {
    return std::numeric_limits<T>::quiet_NaN();
}

struct splitmix64 {
    std::uint64_t state;
    explicit splitmix64(std::uint64_t seed) : state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) for the small n tests use (modulo bias is irrelevant here).
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

// Any bit pattern of T, NaNs included.
template <class T>
T random_bits(splitmix64& g) {
    return repro::from_bits<T>(static_cast<repro::bits_t<T>>(g.next()));
}

// A finite value with a random sign and fraction and a biased exponent in
// [exp_lo, exp_hi] (1 = the smallest normal binade).
template <class T>
T random_finite(splitmix64& g, int exp_lo, int exp_hi) {
    using tr = repro::float_traits<T>;
    using bits = typename tr::bits_type;
    const auto e =
        static_cast<bits>(exp_lo + static_cast<int>(g.below(static_cast<std::uint64_t>(exp_hi - exp_lo + 1))));
    const auto frac = static_cast<bits>(g.next() & tr::fraction_mask);
    const auto sign = static_cast<bits>((g.next() & 1) ? tr::sign_mask : 0);
    return repro::from_bits<T>(static_cast<bits>(sign | static_cast<bits>(e << tr::fraction_bits) | frac));
}

// x rounded to a narrow format (repro::narrow), value by value.
template <class T>
std::vector<T> narrowed(const std::vector<float>& x) {
    std::vector<T> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = repro::narrow<T>(x[i]);
    return y;
}

// Zeros, subnormal and normal boundaries, one, the largest finite, infinities
// and two NaNs, each with both signs.
template <class T>
std::vector<T> edge_values() {
    using tr = repro::float_traits<T>;
    using bits = typename tr::bits_type;
    const bits one_bits = static_cast<bits>(bits((1 << (tr::exponent_bits - 1)) - 1) << tr::fraction_bits);
    const bits magnitudes[] = {
        0,  // zero
        1,  // denorm_min
        2,
        static_cast<bits>(tr::fraction_mask - 1),
        tr::fraction_mask,                         // largest subnormal
        static_cast<bits>(tr::fraction_mask + 1),  // smallest normal
        static_cast<bits>(tr::fraction_mask + 2),
        static_cast<bits>(one_bits - 1),
        one_bits,  // one
        static_cast<bits>(one_bits + 1),
        static_cast<bits>(tr::infinity_bits - 2),
        static_cast<bits>(tr::infinity_bits - 1),                                     // largest finite
        tr::infinity_bits,                                                            // infinity
        static_cast<bits>(tr::infinity_bits + 1),                                     // signalling NaN
        static_cast<bits>(tr::infinity_bits | (bits(1) << (tr::fraction_bits - 1))),  // quiet NaN
    };
    std::vector<T> v;
    for (bits m : magnitudes) {
        v.push_back(repro::from_bits<T>(m));
        v.push_back(repro::from_bits<T>(static_cast<bits>(m | tr::sign_mask)));
    }
    return v;
}

}  // namespace repro_test
