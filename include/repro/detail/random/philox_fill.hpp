#pragma once
// repro/detail/random/philox_fill.hpp - Philox4x32-10 over a run of
// counters: out[4b + w] = word w of philox4x32_10({ctr[0] + b, ctr[1],
// ctr[2], ctr[3]}, key) for b < blocks. The SIMD forms (philox_fill-inl.hpp)
// run one counter per 32-bit lane; every path gives the same bits.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../simd/avx512.hpp"
#include "../simd/dispatch.hpp"
#include "cores.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

using philox_counter = std::array<std::uint32_t, 4>;
using philox_key = std::array<std::uint32_t, 2>;

inline void philox_fill_generic(philox_counter ctr, philox_key key, std::uint32_t* out, std::size_t blocks) {
    for (std::size_t b = 0; b < blocks; ++b) {
        std::uint32_t x[4] = {ctr[0] + static_cast<std::uint32_t>(b), ctr[1], ctr[2], ctr[3]};
        philox4x32_10_core(x, key[0], key[1]);
        for (int w = 0; w < 4; ++w) out[4 * b + static_cast<std::size_t>(w)] = x[w];
    }
}

template <class Tag>
struct philox_kernels;

#define REPRO_SIMD_KERNELS "../random/philox_fill-inl.hpp"
#include "../simd/for_each_isa.hpp"

// Word 0 of the counter wraps modulo 2^32 (no carry into word 1).
inline void philox_fill(philox_counter ctr, philox_key key, std::uint32_t* out, std::size_t blocks) {
    const std::size_t done = simd::dispatch([&](auto tag) -> std::size_t {
        if constexpr (std::is_same<decltype(tag), simd::scalar_tag>::value)
            return 0;
        else
            return philox_kernels<decltype(tag)>::fill(ctr, key, out, blocks);
    });
    philox_fill_generic({ctr[0] + static_cast<std::uint32_t>(done), ctr[1], ctr[2], ctr[3]}, key, out + 4 * done,
                        blocks - done);
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
