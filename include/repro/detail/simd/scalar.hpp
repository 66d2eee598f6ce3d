#pragma once
// repro/detail/simd/scalar.hpp - simd::registers for scalar_tag: one value
// per "register", plain IEEE operations (explicit fma, unfused products),
// compiled for the host and the CUDA device. A kernel family's scalar_tag
// form is its SIMD code run with width 1: the portable definition that the
// wider registers reproduce lane by lane.

#include <cstdint>

#include "../../fp.hpp"
#include "../meta.hpp"
#include "registers.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {

template <class T>
struct scalar_registers {
    using reg = T;
    static constexpr int width = 1;
    REPRO_HD static reg zero() { return T(0); }
    // one value of U (T, or a narrow type T widens exactly)
    template <class U>
    REPRO_HD static reg load(const U* p) {
        return widen_to<T>(*p);
    }
    REPRO_HD static void store(T* p, reg v) { *p = v; }
    REPRO_HD static reg broadcast(const T* p) { return *p; }
    REPRO_HD static reg add(reg a, reg b) { return a + b; }
    REPRO_HD static reg sub(reg a, reg b) { return a - b; }
    REPRO_HD static reg mul(reg a, reg b) { return repro::mul_rn(a, b); }
    REPRO_HD static reg fma(reg a, reg b, reg c) { return repro::fma(a, b, c); }
    REPRO_HD static reg neg(reg a) { return -a; }
    REPRO_HD static T tree(reg a) { return a; }
};

template <>
struct registers<scalar_tag, float> : scalar_registers<float> {};
template <>
struct registers<scalar_tag, double> : scalar_registers<double> {};

// 32-bit words: one counter at a time.
template <>
struct registers<scalar_tag, std::uint32_t> {
    using reg = std::uint32_t;
    static constexpr int width = 1;
    REPRO_HD static reg broadcast(std::uint32_t v) { return v; }
    REPRO_HD static reg iota(std::uint32_t start) { return start; }
    REPRO_HD static reg add(reg a, reg b) { return a + b; }
    REPRO_HD static reg bit_xor(reg a, reg b) { return a ^ b; }
    REPRO_HD static void mulhilo(reg x, reg m, reg& hi, reg& lo) {
        const std::uint64_t p = static_cast<std::uint64_t>(x) * m;
        hi = static_cast<std::uint32_t>(p >> 32);
        lo = static_cast<std::uint32_t>(p);
    }
    REPRO_HD static void store_blocks(std::uint32_t* out, const reg (&x)[4]) {
        for (int w = 0; w < 4; ++w) out[w] = x[w];
    }
};

}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
