#pragma once
// repro/detail/random/cores.hpp - the rounds of Random123's Philox4x32-10,
// Threefry2x32-20 and Threefry4x32-20 on plain arrays (usable in device code
// without relaxed constexpr); repro/random.hpp wraps them in std::array.

#include <array>
#include <cstddef>
#include <cstdint>

#include "../prologue.hpp"

// Whether __builtin_bit_cast exists (GCC 11+, Clang 9+, MSVC 19.27+, nvcc's
// front end); local to this file.
#if defined(__has_builtin)
#if __has_builtin(__builtin_bit_cast)
#define REPRO_RANDOM_HAS_BIT_CAST 1
#endif
#endif
#if !defined(REPRO_RANDOM_HAS_BIT_CAST) && defined(_MSC_VER) && _MSC_VER >= 1927
#define REPRO_RANDOM_HAS_BIT_CAST 1
#endif

REPRO_NAMESPACE_BEGIN
namespace detail {

// The words of a std::array<std::uint32_t, N>, read without its member
// functions: those are constexpr __host__ only, so CUDA device code could
// call them only under --expt-relaxed-constexpr. The public generators keep
// std::array in their signatures, unpack their arguments and build their
// results by aggregate initialisation. (A compiler without
// __builtin_bit_cast, an old host-only one, copies them through operator[].)
template <std::size_t N>
struct raw_words {
    std::uint32_t w[N];
};

template <std::size_t N>
REPRO_HD constexpr raw_words<N> unpack(const std::array<std::uint32_t, N>& a) {
#if defined(REPRO_RANDOM_HAS_BIT_CAST)
    static_assert(sizeof(raw_words<N>) == sizeof(std::array<std::uint32_t, N>), "std::array with padding");
    return __builtin_bit_cast(raw_words<N>, a);
#else
    raw_words<N> r{};
    for (std::size_t i = 0; i < N; ++i) r.w[i] = a[i];
    return r;
#endif
}

REPRO_HD constexpr std::uint32_t rotl32(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

REPRO_HD constexpr void mulhilo32(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
    const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
    hi = static_cast<std::uint32_t>(p >> 32);
    lo = static_cast<std::uint32_t>(p);
}

constexpr std::uint32_t philox_m0 = 0xD2511F53u, philox_m1 = 0xCD9E8D57u;
constexpr std::uint32_t philox_w0 = 0x9E3779B9u, philox_w1 = 0xBB67AE85u;
constexpr std::uint32_t skein_parity32 = 0x1BD11BDAu;

// Plain-array cores (usable in device code without relaxed constexpr).
REPRO_HD constexpr void philox4x32_10_core(std::uint32_t x[4], std::uint32_t k0, std::uint32_t k1) {
    for (int r = 0; r < 10; ++r) {
        if (r > 0) {
            k0 += philox_w0;
            k1 += philox_w1;
        }
        std::uint32_t hi0 = 0, lo0 = 0, hi1 = 0, lo1 = 0;
        mulhilo32(philox_m0, x[0], hi0, lo0);
        mulhilo32(philox_m1, x[2], hi1, lo1);
        const std::uint32_t y0 = hi1 ^ x[1] ^ k0, y2 = hi0 ^ x[3] ^ k1;
        x[0] = y0;
        x[1] = lo1;
        x[2] = y2;
        x[3] = lo0;
    }
}

REPRO_HD constexpr void threefry2x32_20_core(std::uint32_t x[2], const std::uint32_t k[2]) {
    constexpr int rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    const std::uint32_t ks[3] = {k[0], k[1], skein_parity32 ^ k[0] ^ k[1]};
    x[0] += ks[0];
    x[1] += ks[1];
    for (int r = 0; r < 20; ++r) {
        x[0] += x[1];
        x[1] = rotl32(x[1], rot[r % 8]);
        x[1] ^= x[0];
        if (r % 4 == 3) {  // key injection s after every four rounds
            const std::uint32_t s = static_cast<std::uint32_t>(r / 4 + 1);
            x[0] += ks[s % 3];
            x[1] += ks[(s + 1) % 3] + s;
        }
    }
}

REPRO_HD constexpr void threefry4x32_20_core(std::uint32_t x[4], const std::uint32_t k[4]) {
    constexpr int rot[8][2] = {{10, 26}, {11, 21}, {13, 27}, {23, 5}, {6, 20}, {17, 11}, {25, 10}, {18, 20}};
    const std::uint32_t ks[5] = {k[0], k[1], k[2], k[3], skein_parity32 ^ k[0] ^ k[1] ^ k[2] ^ k[3]};
    for (int i = 0; i < 4; ++i) x[i] += ks[i];
    for (int r = 0; r < 20; ++r) {
        const int* R = rot[r % 8];
        if (r % 2 == 0) {
            x[0] += x[1];
            x[1] = rotl32(x[1], R[0]);
            x[1] ^= x[0];
            x[2] += x[3];
            x[3] = rotl32(x[3], R[1]);
            x[3] ^= x[2];
        } else {
            x[0] += x[3];
            x[3] = rotl32(x[3], R[0]);
            x[3] ^= x[0];
            x[2] += x[1];
            x[1] = rotl32(x[1], R[1]);
            x[1] ^= x[2];
        }
        if (r % 4 == 3) {
            const std::uint32_t s = static_cast<std::uint32_t>(r / 4 + 1);
            for (int i = 0; i < 4; ++i) x[i] += ks[(s + static_cast<std::uint32_t>(i)) % 5];
            x[3] += s;
        }
    }
}

}  // namespace detail
REPRO_NAMESPACE_END

#undef REPRO_RANDOM_HAS_BIT_CAST
#include "../epilogue.hpp"
