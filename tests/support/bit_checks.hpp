#pragma once
// What the bitwise tests share: random matrices from bits, bit comparison
// that lets any NaN equal any NaN, and an RAII cap on the ISA path so a test
// can run both the generic and the AVX2 kernels.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/fp.hpp>
#include <repro/isa.hpp>
#include <vector>

#include "test_data.hpp"

namespace repro_test {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

template <class T>
int exponent_bias() {
    return (1 << (repro::float_traits<T>::exponent_bits - 1)) - 1;
}

// rows x cols values with random signs and magnitudes in [2^lo, 2^(hi+1)),
// built from bits.
template <class T>
std::vector<T> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed, int lo = -4, int hi = 4) {
    splitmix64 g(seed);
    std::vector<T> v(rows * cols);
    for (auto& x : v) x = random_finite<T>(g, exponent_bias<T>() + lo, exponent_bias<T>() + hi);
    return v;
}

// Same bits, except that any NaN equals any NaN (payloads are not promised).
template <class T>
bool same(T a, T b) {
    return (repro::is_nan(a) && repro::is_nan(b)) || repro::bitwise_equal(a, b);
}

template <class T>
std::size_t first_difference(const T* a, const T* b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (!same(a[i], b[i])) return i;
    return npos;
}

template <class T>
std::size_t first_difference(const std::vector<T>& a, const std::vector<T>& b) {
    REQUIRE(a.size() == b.size());
    return first_difference(a.data(), b.data(), a.size());
}

// Restores the ISA cap found at construction.
struct isa_restorer {
    repro::isa saved = repro::active_isa();
    isa_restorer() = default;
    isa_restorer(const isa_restorer&) = delete;
    isa_restorer& operator=(const isa_restorer&) = delete;
    ~isa_restorer() { repro::limit_isa(saved); }
};

// The instruction sets this CPU runs, lowest first (generic always; the
// cap found at start-up is restored afterwards).
inline std::vector<repro::isa> every_isa() {
    const isa_restorer restore;
    std::vector<repro::isa> v;
    for (const repro::isa i : {repro::isa::generic, repro::isa::avx2, repro::isa::avx512}) {
        repro::limit_isa(i);
        if (repro::active_isa() == i) v.push_back(i);
    }
    return v;
}

inline const char* isa_name(repro::isa i = repro::active_isa()) { return repro::to_string(i); }

}  // namespace repro_test
