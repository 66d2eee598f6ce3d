#pragma once
// repro/cuda/half.cuh - CUDA's __half and __nv_bfloat16 as repro float types:
// widened exactly to float from their bits (as Eigen::half and
// Eigen::bfloat16 are on the CPU), accumulated in float, so a reduction of
// __half data on the device gives the bits of the same reduction of
// Eigen::half data on the CPU.

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "../fp.hpp"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN

template <>
struct float_traits<__half> : detail::binary_format<std::uint16_t, 5, 10> {
    static constexpr const char* name = "half";
    static constexpr int max_digits10 = 5;
    static constexpr double default_rtol = 1e-3;
    static constexpr double default_atol = 1e-5;
    static double to_double(__half x) { return static_cast<double>(widen(x)); }
};

template <>
struct float_traits<__nv_bfloat16> : detail::binary_format<std::uint16_t, 8, 7> {
    static constexpr const char* name = "bfloat16";
    static constexpr int max_digits10 = 4;
    static constexpr double default_rtol = 1.6e-2;
    static constexpr double default_atol = 1e-5;
    static double to_double(__nv_bfloat16 x) { return static_cast<double>(widen(x)); }
};

REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
