#pragma once
// repro/cuda/nccl.cuh - repro::mpi::allreduce_exact for device buffers over
// NCCL: out[j] = the correctly rounded sum over the ranks of local[j], the
// same bits for any number of GPUs and any algorithm NCCL picks, and the
// same bits as repro::mpi::allreduce_exact on the host. Optional (needs
// NCCL, -lnccl); repro/cuda.cuh does not include it.
//
// The wire format is repro::mpi's (docs/reference/mpi.md): ncclMax of each
// element's largest exponent (uint8 for float, uint32 for double: NCCL has
// no 16-bit integers), then ncclSum (ncclFloat64) of the integer-valued
// windows and a miss flag per 64 elements; elements with a term outside the
// window, or with inf / NaN, go again as whole accumulator states (int64). The arithmetic is
// detail/reduce/fixed_window.hpp and the exact accumulator, compiled for the
// device: the host's code.

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../detail/reduce/fixed_window.hpp"
#include "../reduce.hpp"
#include "error.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {
namespace nccl {

// A NCCL call that failed: what() names it and gives ncclGetErrorString.
class error : public std::runtime_error {
public:
    error(const char* call, ncclResult_t code)
        : std::runtime_error(std::string("repro::cuda::nccl: ") + call + " failed: " + ncclGetErrorString(code)),
          code_(code) {}
    ncclResult_t code() const noexcept { return code_; }

private:
    ncclResult_t code_;
};

namespace detail {

inline void check(ncclResult_t code, const char* call) {
    if (code != ncclSuccess) throw error(call, code);
}

template <class T>
using key_t = std::conditional_t<sizeof(T) == 4, std::uint8_t, std::uint32_t>;
template <class T>
using state_t = typename exact_accumulator<T>::state_type;
template <class T>
constexpr std::size_t state_width = state_t<T>::limbs + 3;  // limbs, then the three special flags
constexpr std::size_t block = 64;

REPRO_CUDA_KERNELS_BEGIN

template <class T>
__global__ void exponent_keys(const T* x, key_t<T>* key, std::size_t n) {
    for (std::size_t j = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; j < n; j += std::size_t(gridDim.x) * blockDim.x)
        key[j] = static_cast<key_t<T>>(repro::detail::fixed_window<T>::key(x[j]));
}

// misses: one unsigned flag per block of 64, set by an integer atomicOr
// (order-free; never a floating-point atomic), converted to doubles below.
template <class T>
__global__ void fill_windows(const T* x, const key_t<T>* key, int bits, double* wire, unsigned* misses, std::size_t n) {
    using w = repro::detail::fixed_window<T>;
    for (std::size_t j = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; j < n; j += std::size_t(gridDim.x) * blockDim.x) {
        double* limb = wire + j * w::limbs;
        for (int l = 0; l < w::limbs; ++l) limb[l] = 0;
        // inf / NaN fails the fit test too: a miss, as in repro::mpi
        if (!w::add(x[j], key[j], bits, limb)) atomicOr(misses + j / block, 1u);
    }
}

__global__ void misses_to_wire(const unsigned* misses, double* wire, std::size_t blocks) {
    for (std::size_t b = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; b < blocks; b += std::size_t(gridDim.x) * blockDim.x)
        wire[b] = misses[b];
}

// need[j]: the element goes as a whole state (a miss or inf / NaN in its block).
__global__ void mark_full(const double* misses, std::uint8_t* need, std::size_t n) {
    for (std::size_t j = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; j < n; j += std::size_t(gridDim.x) * blockDim.x)
        need[j] = misses[j / block] != 0;
}

template <class T>
__global__ void round_windows(const double* wire, const key_t<T>* key, const std::uint8_t* need, int bits, T* out,
                              std::size_t n) {
    using w = repro::detail::fixed_window<T>;
    for (std::size_t j = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; j < n; j += std::size_t(gridDim.x) * blockDim.x)
        if (!need[j]) out[j] = w::result(wire + j * w::limbs, key[j], bits);
}

template <class T>
__global__ void fill_states(const T* x, const std::uint64_t* index, std::size_t count, std::int64_t* wire) {
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < count; i += std::size_t(gridDim.x) * blockDim.x) {
        state_t<T> s;
        repro::detail::specials sp;
        const T v = x[index[i]];
        if (repro::is_finite(v))
            s.add(static_cast<double>(v));
        else
            repro::detail::note_special(sp, v);
        s.normalize();
        std::int64_t* o = wire + i * state_width<T>;
        for (int l = 0; l < state_t<T>::limbs; ++l) o[l] = s.limb[l];
        o[state_t<T>::limbs] = sp.nan, o[state_t<T>::limbs + 1] = sp.pos_inf, o[state_t<T>::limbs + 2] = sp.neg_inf;
    }
}

template <class T>
__global__ void round_states(const std::int64_t* wire, const std::uint64_t* index, std::size_t count, T* out) {
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < count; i += std::size_t(gridDim.x) * blockDim.x) {
        const std::int64_t* o = wire + i * state_width<T>;
        state_t<T> s;
        for (int l = 0; l < state_t<T>::limbs; ++l) s.limb[l] = o[l];
        s.normalize();
        repro::detail::specials sp;
        sp.nan = o[state_t<T>::limbs] != 0, sp.pos_inf = o[state_t<T>::limbs + 1] != 0;
        sp.neg_inf = o[state_t<T>::limbs + 2] != 0;
        out[index[i]] = repro::detail::exact_result<T>(s, sp);
    }
}

REPRO_CUDA_KERNELS_END

inline unsigned grid(std::size_t n) {
    const std::size_t blocks = (n + 255) / 256;
    return static_cast<unsigned>(blocks < 4096 ? (blocks ? blocks : 1) : 4096);
}

template <class T>
constexpr ncclDataType_t key_type() {
    return sizeof(T) == 4 ? ncclUint8 : ncclUint32;
}

}  // namespace detail

// out[j] = the correctly rounded sum over the ranks of comm of local[j]
// (device pointers; out may be local). Collective over comm, queued on
// stream; returns once the result is queued, after one or two host
// synchronisations of stream (the n check, and the count of elements that
// need their whole state). n must be the same on every rank: a different n
// throws std::invalid_argument on every rank.
template <class T>
void allreduce_exact(const T* local, T* out, std::size_t n, ncclComm_t comm, cudaStream_t stream = nullptr,
                     workspace ws = {}) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "repro::cuda::nccl::allreduce_exact: T is float or double");
    using w = repro::detail::fixed_window<T>;
    const char* fn = "cuda::nccl::allreduce_exact";
    if (comm == nullptr) repro::detail::throw_invalid(fn, "comm is null");
    cuda::detail::check_device_pointer(local, n, fn, "local");
    cuda::detail::check_device_pointer(out, n, fn, "out");
    int ranks = 0;
    detail::check(ncclCommCount(comm, &ranks), "ncclCommCount");

    const std::size_t blocks = (n + detail::block - 1) / detail::block;
    cuda::detail::layout at;
    const std::size_t check_at = at.add<std::int64_t>(2, fn);
    const std::size_t key_at = at.add<detail::key_t<T>>(n, fn);
    const std::size_t wire_at = at.add<double>(n * w::limbs + blocks, fn);
    const std::size_t misses_at = at.add<unsigned>(blocks, fn);
    const std::size_t need_at = at.add<std::uint8_t>(n, fn);
    cuda::detail::scratch s(at.bytes(), ws, stream, fn);

    // The same n everywhere: ncclMax of (n, -n).
    const std::int64_t nn[2] = {static_cast<std::int64_t>(n), -static_cast<std::int64_t>(n)};
    std::int64_t agreed[2];
    auto* dn = s.at<std::int64_t>(check_at);
    cuda::detail::check(cudaMemcpyAsync(dn, nn, sizeof nn, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync");
    detail::check(ncclAllReduce(dn, dn, 2, ncclInt64, ncclMax, comm, stream), "ncclAllReduce");
    cuda::detail::check(cudaMemcpyAsync(agreed, dn, sizeof agreed, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync");
    cuda::detail::check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    if (agreed[0] != -agreed[1])
        repro::detail::throw_invalid(fn, "n differs across ranks (from " + std::to_string(-agreed[1]) + " to " +
                                             std::to_string(agreed[0]) + ")");
    if (n == 0) return;
    const int bits = w::magnitude_bits(static_cast<std::uint64_t>(ranks));

    auto* key = s.at<detail::key_t<T>>(key_at);
    auto* wire = s.at<double>(wire_at);
    auto* misses = s.at<unsigned>(misses_at);
    auto* need = s.at<std::uint8_t>(need_at);
    const unsigned g = detail::grid(n);
    detail::exponent_keys<T><<<g, 256, 0, stream>>>(local, key, n);
    cuda::detail::check(cudaGetLastError(), "exponent_keys launch");
    detail::check(ncclAllReduce(key, key, n, detail::key_type<T>(), ncclMax, comm, stream), "ncclAllReduce");
    cuda::detail::check(cudaMemsetAsync(misses, 0, blocks * sizeof(unsigned), stream), "cudaMemsetAsync");
    detail::fill_windows<T><<<g, 256, 0, stream>>>(local, key, bits, wire, misses, n);
    detail::misses_to_wire<<<detail::grid(blocks), 256, 0, stream>>>(misses, wire + n * w::limbs, blocks);
    cuda::detail::check(cudaGetLastError(), "fill_windows launch");
    // integers below 2^53: every order of ncclSum gives the same doubles
    detail::check(ncclAllReduce(wire, wire, n * w::limbs + blocks, ncclFloat64, ncclSum, comm, stream),
                  "ncclAllReduce");
    detail::mark_full<<<g, 256, 0, stream>>>(wire + n * w::limbs, need, n);
    cuda::detail::check(cudaGetLastError(), "mark_full launch");

    // The elements that need their whole state, in ascending order: the same
    // list on every rank (it comes from reduced data). Rare, so built on the host.
    std::vector<std::uint8_t> flags(n);
    cuda::detail::check(cudaMemcpyAsync(flags.data(), need, n, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync");
    cuda::detail::check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    std::vector<std::uint64_t> index;
    for (std::size_t j = 0; j < n; ++j)
        if (flags[j]) index.push_back(j);

    if (!index.empty()) {
        const std::size_t count = index.size(), width = detail::state_width<T>;
        cuda::detail::layout full;
        const std::size_t index_at = full.add<std::uint64_t>(count, fn);
        const std::size_t states_at = full.add<std::int64_t>(count * width, fn);
        cuda::detail::scratch f(full.bytes(), workspace{}, stream, fn);
        auto* dindex = f.at<std::uint64_t>(index_at);
        auto* states = f.at<std::int64_t>(states_at);
        cuda::detail::check(
            cudaMemcpyAsync(dindex, index.data(), count * sizeof(std::uint64_t), cudaMemcpyHostToDevice, stream),
            "cudaMemcpyAsync");
        detail::fill_states<T><<<detail::grid(count), 256, 0, stream>>>(local, dindex, count, states);
        cuda::detail::check(cudaGetLastError(), "fill_states launch");
        detail::check(ncclAllReduce(states, states, count * width, ncclInt64, ncclSum, comm, stream), "ncclAllReduce");
        // Round the windows first: out may be local, which fill_states has read by now.
        detail::round_windows<T><<<g, 256, 0, stream>>>(wire, key, need, bits, out, n);
        detail::round_states<T><<<detail::grid(count), 256, 0, stream>>>(states, dindex, count, out);
        cuda::detail::check(cudaGetLastError(), "round_states launch");
        cuda::detail::check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");  // before the host index dies
        return;
    }
    detail::round_windows<T><<<g, 256, 0, stream>>>(wire, key, need, bits, out, n);
    cuda::detail::check(cudaGetLastError(), "round_windows launch");
}

}  // namespace nccl
}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
