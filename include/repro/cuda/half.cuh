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
struct float_traits<__half> : detail::half_format {
    static constexpr const char* name = "half";
    static double to_double(__half x) { return static_cast<double>(widen(x)); }
};

template <>
struct float_traits<__nv_bfloat16> : detail::bfloat16_format {
    static constexpr const char* name = "bfloat16";
    static double to_double(__nv_bfloat16 x) { return static_cast<double>(widen(x)); }
};

REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
