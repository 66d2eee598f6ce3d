#pragma once
// repro/cuda/error.cuh - CUDA failures as exceptions: repro::cuda::error
// names the call that failed and cudaGetErrorString's text.

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {

class error : public std::runtime_error {
public:
    error(const char* call, cudaError_t code)
        : std::runtime_error(std::string("repro::cuda: ") + call + " failed: " + cudaGetErrorString(code) + " (" +
                             cudaGetErrorName(code) + ")"),
          code_(code) {}
    cudaError_t code() const noexcept { return code_; }

private:
    cudaError_t code_;
};

namespace detail {

inline void check(cudaError_t code, const char* call) {
    if (code != cudaSuccess) throw error(call, code);
}

}  // namespace detail
}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
