#pragma once
// repro/cuda/invariance.cuh - the batch-invariance harness on a forward pass
// that works on device buffers.
//
// repro::check_batch_invariance (repro/invariance.hpp) calls a host forward
// pass f(const T* in, std::size_t batch, T* out) a few hundred times at
// batch sizes 1..n. repro::cuda::host_forward(f_device, in_size, out_size,
// stream) turns a device forward pass
//
//   f_device(const T* d_in, std::size_t batch, T* d_out)
//   f_device(const T* d_in, const std::uint64_t* d_sample_ids, std::size_t batch, T* d_out)
//
// (device pointers; it queues its work on `stream`) into such a host
// function. Each call copies the batch and the host output to device
// buffers, calls f_device, copies the output back and waits for the stream.
// The output goes down too so that the harness's check for values a forward
// pass leaves unwritten (it pre-fills the host output with a NaN pattern)
// sees the device buffer as the forward pass left it, not a previous call's
// values. The sample ids go down when f_device takes them (repro::cuda::dropout
// keyed by sample id reads them from device memory).

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "../detail/errors.hpp"
#include "../invariance.hpp"
#include "error.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {

namespace detail {

// A device allocation that only grows; cudaMalloc and cudaFree (not the
// stream-ordered pool), so that it may outlive the stream it served.
class growing_buffer {
public:
    growing_buffer() = default;
    growing_buffer(const growing_buffer&) = delete;
    growing_buffer& operator=(const growing_buffer&) = delete;
    ~growing_buffer() {
        if (data_ != nullptr) cudaFree(data_);  // nothing to report from a destructor
    }
    void* reserve(std::size_t bytes) {
        if (bytes <= bytes_) return data_;
        if (data_ != nullptr) {
            void* old = data_;
            data_ = nullptr;
            bytes_ = 0;
            check(cudaFree(old), "cudaFree");
        }
        check(cudaMalloc(&data_, bytes), "cudaMalloc");
        bytes_ = bytes;
        return data_;
    }
    std::size_t bytes() const { return bytes_; }

private:
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
};

template <class F, class T>
constexpr bool device_forward_takes_ids = std::is_invocable_v<F&, const T*, const std::uint64_t*, std::size_t, T*>;
template <class F, class T>
constexpr bool device_forward_takes_batch = std::is_invocable_v<F&, const T*, std::size_t, T*>;

template <class F>
void check_device_forward(const F& f) {
    if constexpr (std::is_pointer_v<F> || repro::detail::is_std_function<F>::value)
        if (!f) repro::detail::throw_invalid("cuda::host_forward", "f_device is empty");
}

}  // namespace detail

// The host forward pass returned by host_forward. Copies share the device
// buffers and the stream: call them from one host thread at a time.
template <class DeviceForward>
class host_forward_function {
public:
    host_forward_function(DeviceForward f_device, std::size_t in_size, std::size_t out_size, cudaStream_t stream)
        : state_(std::make_shared<state>(std::move(f_device), in_size, out_size, stream)) {}

    // in: batch x in_size host values, out: batch x out_size; batch 0 does nothing.
    template <class T>
    void operator()(const T* in, std::size_t batch, T* out) const {
        static_assert(detail::device_forward_takes_batch<DeviceForward, T>,
                      "repro::cuda::host_forward: f_device takes no f(const T* d_in, std::size_t batch, T* d_out) "
                      "form; call the form with sample ids");
        run<T, false>(in, nullptr, batch, out);
    }
    // The form check_batch_invariance calls, with the rows' sample ids: they
    // go to the device when f_device takes them, else they are not used.
    template <class T>
    void operator()(const T* in, const std::uint64_t* sample_ids, std::size_t batch, T* out) const {
        run<T, detail::device_forward_takes_ids<DeviceForward, T>>(in, sample_ids, batch, out);
    }

    std::size_t in_size() const { return state_->in_size; }
    std::size_t out_size() const { return state_->out_size; }
    cudaStream_t stream() const { return state_->stream; }
    // Bytes of device memory the buffers hold now (input, output, sample ids).
    std::size_t device_bytes() const { return state_->in.bytes() + state_->out.bytes() + state_->ids.bytes(); }

private:
    struct state {
        DeviceForward f;
        std::size_t in_size, out_size;
        cudaStream_t stream;
        detail::growing_buffer in, out, ids;
        state(DeviceForward fd, std::size_t i, std::size_t o, cudaStream_t s)
            : f(std::move(fd)), in_size(i), out_size(o), stream(s) {}
    };

    template <class T, bool takes_ids>
    void run(const T* in, const std::uint64_t* sample_ids, std::size_t batch, T* out) const {
        static_assert(std::is_trivially_copyable_v<T>, "repro::cuda::host_forward: T must be trivially copyable");
        static_assert(takes_ids || detail::device_forward_takes_batch<DeviceForward, T>,
                      "repro::cuda::host_forward: f_device must be callable as f(const T* d_in, std::size_t batch, "
                      "T* d_out) or f(const T* d_in, const std::uint64_t* d_sample_ids, std::size_t batch, T* d_out)");
        const char* function = "cuda::host_forward";
        state& s = *state_;
        const std::size_t in_count = repro::detail::checked_mul(batch, s.in_size, function, "batch * in_size");
        const std::size_t out_count = repro::detail::checked_mul(batch, s.out_size, function, "batch * out_size");
        const std::size_t in_bytes = repro::detail::checked_mul(in_count, sizeof(T), function, "input bytes");
        const std::size_t out_bytes = repro::detail::checked_mul(out_count, sizeof(T), function, "output bytes");
        repro::detail::check_pointer(in, in_count, function, "in");
        repro::detail::check_pointer(out, out_count, function, "out");
        if (takes_ids) repro::detail::check_pointer(sample_ids, batch, function, "sample_ids");
        if (batch == 0) return;

        T* d_in = static_cast<T*>(s.in.reserve(in_bytes));
        T* d_out = static_cast<T*>(s.out.reserve(out_bytes));
        detail::check(cudaMemcpyAsync(d_in, in, in_bytes, cudaMemcpyHostToDevice, s.stream), "cudaMemcpyAsync");
        detail::check(cudaMemcpyAsync(d_out, out, out_bytes, cudaMemcpyHostToDevice, s.stream), "cudaMemcpyAsync");
        if constexpr (takes_ids) {
            const std::size_t id_bytes = batch * sizeof(std::uint64_t);
            auto* d_ids = static_cast<std::uint64_t*>(s.ids.reserve(id_bytes));
            detail::check(cudaMemcpyAsync(d_ids, sample_ids, id_bytes, cudaMemcpyHostToDevice, s.stream),
                          "cudaMemcpyAsync");
            s.f(static_cast<const T*>(d_in), static_cast<const std::uint64_t*>(d_ids), batch, d_out);
        } else {
            s.f(static_cast<const T*>(d_in), batch, d_out);
        }
        detail::check(cudaGetLastError(), "a kernel launch of the device forward pass");
        detail::check(cudaMemcpyAsync(out, d_out, out_bytes, cudaMemcpyDeviceToHost, s.stream), "cudaMemcpyAsync");
        detail::check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
    }

    std::shared_ptr<state> state_;
};

// A host forward pass for repro::check_batch_invariance (or any caller that
// works on host arrays) from a device forward pass f_device (see the top of
// this file): per call, copy the batch (and the sample ids, when f_device
// takes them) to device buffers, run f_device, copy the batch x out_size
// outputs back, wait for `stream`. The buffers are allocated at the first
// call and grown, never shrunk; the returned object frees them when its last
// copy goes. f_device must queue its work on `stream` (or wait for it
// itself). Throws std::invalid_argument for in_size or out_size 0 and an
// empty f_device here; each call throws std::invalid_argument for a null in
// or out with batch > 0, std::length_error when a size overflows
// std::size_t, repro::cuda::error when a CUDA call fails (a failed launch in
// f_device included); an exception from f_device propagates.
//
//   auto f = repro::cuda::host_forward([&](const float* d_x, std::size_t batch, float* d_y) {
//       repro::cuda::linear(d_x, d_W, d_b, d_y, batch, in, out, repro::activation::none,
//                           repro::cuda::matmul_mode::portable, stream);
//   }, in, out, stream);
//   const repro::invariance_report r = repro::check_batch_invariance(f, samples, n, in, out);
template <class DeviceForward>
host_forward_function<std::decay_t<DeviceForward>> host_forward(DeviceForward&& f_device, std::size_t in_size,
                                                                std::size_t out_size, cudaStream_t stream = 0) {
    if (in_size == 0) repro::detail::throw_invalid("cuda::host_forward", "in_size = 0");
    if (out_size == 0) repro::detail::throw_invalid("cuda::host_forward", "out_size = 0");
    detail::check_device_forward(f_device);
    return host_forward_function<std::decay_t<DeviceForward>>(std::forward<DeviceForward>(f_device), in_size, out_size,
                                                              stream);
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
