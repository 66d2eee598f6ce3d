#pragma once
// repro/detail/random/philox_fill.hpp - Philox4x32-10 over a run of
// counters: out[4b + w] = word w of philox4x32_10({ctr[0] + b, ctr[1],
// ctr[2], ctr[3]}, key) for b < blocks. philox_fill-inl.hpp runs one
// counter per 32-bit lane (one at a time in its scalar form); every path
// gives the same bits.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../simd/simd.hpp"
#include "cores.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

using philox_counter = std::array<std::uint32_t, 4>;
using philox_key = std::array<std::uint32_t, 2>;

template <class Tag>
struct philox_kernels;

#define REPRO_SIMD_KERNELS "../random/philox_fill-inl.hpp"
#define REPRO_SIMD_SCALAR
#include "../simd/for_each_isa.hpp"

// Word 0 of the counter wraps modulo 2^32 (no carry into word 1). Whole
// registers of the active instruction set, the rest one block at a time.
inline void philox_fill(philox_counter ctr, philox_key key, std::uint32_t* out, std::size_t blocks) {
    const std::size_t done =
        simd::dispatch([&](auto tag) { return philox_kernels<decltype(tag)>::fill(ctr, key, out, blocks); });
    philox_kernels<simd::scalar_tag>::fill({ctr[0] + static_cast<std::uint32_t>(done), ctr[1], ctr[2], ctr[3]}, key,
                                           out + 4 * done, blocks - done);
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
