#pragma once
// What the device tests share: an owning device copy of a host vector, the
// copy back, random values from bits, a count of the elements whose bits
// differ (any NaN equals any NaN, as in support/bit_checks.hpp) and the
// message of a std::invalid_argument.

#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <repro/cuda/error.cuh>
#include <vector>

#include "../support/bit_checks.hpp"

namespace repro_test {

template <class T>
std::vector<T> to_host(const T* p, std::size_t n) {
    std::vector<T> h(n);
    repro::cuda::detail::check(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
    return h;
}

// n device elements (at least one allocated, so p is valid for n == 0).
template <class T>
struct device_buffer {
    T* p = nullptr;
    std::size_t n = 0;
    explicit device_buffer(std::size_t count) : n(count) {
        repro::cuda::detail::check(cudaMalloc(&p, (n ? n : 1) * sizeof(T)), "cudaMalloc");
    }
    explicit device_buffer(const std::vector<T>& h) : device_buffer(h.size()) { upload(h); }
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;
    ~device_buffer() { cudaFree(p); }
    void upload(const std::vector<T>& h) {
        REQUIRE(h.size() == n);
        repro::cuda::detail::check(cudaMemcpy(p, h.data(), n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
    }
    // Waits for the whole device first: the results may come from
    // non-blocking streams, which the copy on the default stream does not wait for.
    std::vector<T> host() const {
        repro::cuda::detail::check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        return to_host(p, n);
    }
};

// n values with random signs and magnitudes in [2^lo, 2^(hi+1)), from bits.
template <class T>
std::vector<T> random_data(std::size_t n, std::uint64_t seed, int lo, int hi) {
    return random_matrix<T>(n, 1, seed, lo, hi);
}

template <class T>
std::size_t count_differences(const std::vector<T>& a, const std::vector<T>& b) {
    REQUIRE(a.size() == b.size());
    std::size_t d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d += !same(a[i], b[i]);
    return d;
}

// What f() throws as std::invalid_argument, or "no std::invalid_argument".
template <class F>
std::string invalid_argument_message(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return std::string(e.what());
    }
    return std::string("no std::invalid_argument");
}

}  // namespace repro_test
