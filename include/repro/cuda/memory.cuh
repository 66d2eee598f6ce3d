#pragma once
// repro/cuda/memory.cuh - where the CUDA variants get scratch memory, and the
// check that an argument is device memory.
//
// Scratch comes from the caller's workspace when one is given, else from the
// stream-ordered allocator (cudaMallocAsync on the call's stream, released
// with cudaFreeAsync on the same stream once the work is queued): no hidden
// global buffers, so concurrent calls on different streams never share state.

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "../detail/errors.hpp"
#include "error.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {

// Caller-provided device memory for a call's scratch: `bytes` bytes at
// `data` (256-byte aligned as cudaMalloc returns). The default (null) lets the
// call allocate from the stream-ordered pool. Each function documents the
// size it needs (repro::cuda::reduce_workspace_size for the reductions).
struct workspace {
    void* data = nullptr;
    std::size_t bytes = 0;
};

namespace detail {

using repro::detail::throw_invalid;

// Scratch for one call: carved from a workspace, or allocated on the stream
// and freed (stream-ordered) when the object goes out of scope.
class scratch {
public:
    scratch(std::size_t bytes, workspace ws, cudaStream_t stream, const char* function) : stream_(stream) {
        if (bytes == 0) return;
        if (ws.data != nullptr) {
            if (ws.bytes < bytes)
                throw_invalid(function, "workspace has " + std::to_string(ws.bytes) + " bytes, the call needs " +
                                            std::to_string(bytes));
            data_ = ws.data;
            return;
        }
        check(cudaMallocAsync(&data_, bytes, stream), "cudaMallocAsync");
        owned_ = true;
    }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;
    ~scratch() {
        if (owned_) cudaFreeAsync(data_, stream_);  // nothing to report from a destructor
    }
    template <class T>
    T* at(std::size_t byte_offset) const {
        return reinterpret_cast<T*>(static_cast<char*>(data_) + byte_offset);
    }

private:
    void* data_ = nullptr;
    cudaStream_t stream_;
    bool owned_ = false;
};

// Byte offsets of consecutive scratch arrays, each 256-byte aligned.
class layout {
public:
    template <class T>
    std::size_t add(std::size_t count, const char* function) {
        const std::size_t at = bytes_;
        const std::size_t size = repro::detail::checked_mul(count, sizeof(T), function, "scratch size");
        bytes_ += (size + 255) / 256 * 256;
        if (bytes_ < at) throw_invalid(function, "scratch size overflows std::size_t");
        return at;
    }
    std::size_t bytes() const { return bytes_; }

private:
    std::size_t bytes_ = 0;
};

// A pointer argument that must reach device memory (device, managed, or
// host memory mapped for the device); null is allowed only when n == 0.
inline void check_device_pointer(const void* p, std::size_t n, const char* function, const char* argument) {
    repro::detail::check_pointer(p, n, function, argument);
    if (p == nullptr) return;
    cudaPointerAttributes attributes{};
    const cudaError_t code = cudaPointerGetAttributes(&attributes, p);
    if (code == cudaErrorInvalidValue) {  // a pointer CUDA has never seen
        cudaGetLastError();
        attributes.type = cudaMemoryTypeUnregistered;
    } else {
        check(code, "cudaPointerGetAttributes");
    }
    if (attributes.type == cudaMemoryTypeUnregistered ||
        (attributes.type == cudaMemoryTypeHost && attributes.devicePointer == nullptr))
        throw_invalid(function, std::string(argument) + " is not device memory (pass a device or managed pointer)");
}

}  // namespace detail
}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
