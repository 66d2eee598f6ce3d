#pragma once
// repro/cuda/reduce.cuh - the reductions of repro/reduce.hpp on device data,
// with the CPU functions' bits (docs/reference/cuda.md).
//
// Vector forms take a device pointer and n, and return the host value (they
// wait for the stream): repro::cuda::sum(d_x, n, stream) == repro::sum(x, n).
// Row forms reduce each row of a rows x cols row-major matrix into a device
// array and return at once (stream-ordered): out[r] equals the CPU function
// of row r. T is float, double, __half or __nv_bfloat16 (widened exactly to
// float, as Eigen::half and Eigen::bfloat16 are on the CPU).
//
// Every function takes a trailing cudaStream_t (default: the legacy stream)
// and an optional workspace; without one, scratch comes from cudaMallocAsync
// on the stream. Bad arguments throw what the CPU function throws
// (std::invalid_argument, std::length_error); CUDA failures throw
// repro::cuda::error.

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../reduce.hpp"
#include "half.cuh"
#include "launch.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {

// Scratch bytes that suffice for any reduction of a rows x cols input of T
// (vector forms: rows = 1, cols = n), for callers that pass a workspace.
template <class T>
std::size_t reduce_workspace_size(std::size_t rows, std::size_t cols) {
    using A = accumulator_t<T>;
    detail::layout l;
    l.add<repro::detail::kernels::exact_partial<A>>(detail::partial_count(rows, cols), "reduce_workspace_size");
    l.add<std::uint64_t>(rows, "reduce_workspace_size");
    l.add<std::uint64_t>(rows, "reduce_workspace_size");
    return l.bytes();
}

namespace detail {

namespace k = repro::detail::kernels;

// The scratch of one call: chunk partials, one value per row for a first
// pass, and the results when they go back to the host.
template <class P, class Row = char, class R = char>
struct plan {
    std::size_t partials, row_values, results;
    scratch memory;
    plan(std::size_t rows, std::size_t cols, bool with_row_values, bool with_results, workspace ws,
         cudaStream_t stream, const char* function)
        : plan(make(rows, cols, with_row_values, with_results, function), ws, stream, function) {}
    P* partial_data() const { return memory.at<P>(partials); }
    Row* row_data() const { return memory.at<Row>(row_values); }
    R* result_data() const { return memory.at<R>(results); }

private:
    struct offsets {
        std::size_t p, v, r, bytes;
    };
    static offsets make(std::size_t rows, std::size_t cols, bool v, bool r, const char* function) {
        layout l;
        const std::size_t p = l.add<P>(partial_count(rows, cols), function);
        const std::size_t rv = l.add<Row>(v ? rows : 0, function);
        const std::size_t rr = l.add<R>(r ? rows : 0, function);
        return {p, rv, rr, l.bytes()};
    }
    plan(offsets o, workspace ws, cudaStream_t stream, const char* function)
        : partials(o.p), row_values(o.v), results(o.r), memory(o.bytes, ws, stream, function) {}
};

// Copies `count` values back and waits for the stream.
template <class R>
void fetch(R* host, const R* device, std::size_t count, cudaStream_t stream) {
    check(cudaMemcpyAsync(host, device, count * sizeof(R), cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync");
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

// A one-pass reduction of every row into out (device).
template <class D>
void rows_into(const D& d, std::size_t rows, std::size_t cols, typename D::result* out, cudaStream_t stream,
               workspace ws, const char* function) {
    plan<typename D::op::partial> p(rows, cols, false, false, ws, stream, function);
    launch_rows(d, rows, cols, p.partial_data(), out, stream);
}

// The same for one row of n, returned to the host.
template <class D>
typename D::result value_of(const D& d, std::size_t n, cudaStream_t stream, workspace ws, const char* function) {
    using R = typename D::result;
    plan<typename D::op::partial, char, R> p(1, n, false, true, ws, stream, function);
    launch_rows(d, 1, n, p.partial_data(), p.result_data(), stream);
    R r;
    fetch(&r, p.result_data(), 1, stream);
    return r;
}

inline void check_matrix(const void* x, std::size_t rows, std::size_t cols, const char* function, const char* name) {
    check_device_pointer(x, repro::detail::checked_mul(rows, cols, function, "rows * cols"), function, name);
}

// nrm2: each row's largest magnitude, then its scaled sum of squares.
template <class T>
using nrm2_plan = plan<double, std::uint64_t, accumulator_t<T>>;

template <class T>
void nrm2_stages(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, const nrm2_plan<T>& p,
                 cudaStream_t stream) {
    launch_rows(k::max_magnitude_of<T>{x}, rows, cols, reinterpret_cast<std::uint64_t*>(p.partial_data()),
                p.row_data(), stream);
    launch_rows(k::nrm2_of<T>{x, p.row_data()}, rows, cols, p.partial_data(), out, stream);
}

// variance: each row's correctly rounded mean, then the sum of squared deviations.
template <class T>
using variance_plan = plan<k::exact_partial<accumulator_t<T>>, accumulator_t<T>, accumulator_t<T>>;

template <class T>
void variance_stages(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, std::size_t ddof,
                     const variance_plan<T>& p, cudaStream_t stream) {
    using A = accumulator_t<T>;
    launch_rows(k::exact_of<A, T>{x, nullptr, k::exact_finish::mean}, rows, cols, p.partial_data(), p.row_data(),
                stream);
    launch_rows(k::variance_of<T>{x, p.row_data(), ddof}, rows, cols, reinterpret_cast<double*>(p.partial_data()),
                out, stream);
}

}  // namespace detail

// ---------------------------------------------------------------- deterministic tier

template <class T>
accumulator_t<T> sum(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::sum", "x");
    return detail::value_of(detail::k::sum_of<accumulator_t<T>, T>{x}, n, stream, ws, "cuda::sum");
}

template <class T>
accumulator_t<T> dot(const T* x, const T* y, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::dot", "x");
    detail::check_device_pointer(y, n, "cuda::dot", "y");
    return detail::value_of(detail::k::dot_of<accumulator_t<T>, T>{x, y}, n, stream, ws, "cuda::dot");
}

template <class T>
accumulator_t<T> mean(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::mean", "x");
    return detail::value_of(detail::k::sum_of<accumulator_t<T>, T>{x, true}, n, stream, ws, "cuda::mean");
}

template <class T>
accumulator_t<T> nrm2(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    using A = accumulator_t<T>;
    detail::check_device_pointer(x, n, "cuda::nrm2", "x");
    const detail::nrm2_plan<T> p(1, n, true, true, ws, stream, "cuda::nrm2");
    detail::nrm2_stages(x, 1, n, p.result_data(), p, stream);
    A r;
    detail::fetch(&r, p.result_data(), 1, stream);
    return r;
}

template <class T>
accumulator_t<T> variance(const T* x, std::size_t n, std::size_t ddof = 0, cudaStream_t stream = 0,
                          workspace ws = {}) {
    using A = accumulator_t<T>;
    detail::check_device_pointer(x, n, "cuda::variance", "x");
    const detail::variance_plan<T> p(1, n, true, true, ws, stream, "cuda::variance");
    detail::variance_stages(x, 1, n, p.result_data(), ddof, p, stream);
    A r;
    detail::fetch(&r, p.result_data(), 1, stream);
    return r;
}

template <class T>
std::size_t argmax(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::argmax", "x");
    if (n == 0) repro::detail::throw_invalid("cuda::argmax", "empty input has no extreme");
    return detail::value_of(detail::k::extreme_of<true, T>{x, n}, n, stream, ws, "cuda::argmax");
}

template <class T>
std::size_t argmin(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::argmin", "x");
    if (n == 0) repro::detail::throw_invalid("cuda::argmin", "empty input has no extreme");
    return detail::value_of(detail::k::extreme_of<false, T>{x, n}, n, stream, ws, "cuda::argmin");
}

// ---------------------------------------------------------------- compensated tier

template <class T>
accumulator_t<T> sum_compensated(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::sum_compensated", "x");
    return detail::value_of(detail::k::sum2_of<accumulator_t<T>, T>{x}, n, stream, ws, "cuda::sum_compensated");
}

template <class T>
accumulator_t<T> dot_compensated(const T* x, const T* y, std::size_t n, cudaStream_t stream = 0,
                                 workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::dot_compensated", "x");
    detail::check_device_pointer(y, n, "cuda::dot_compensated", "y");
    return detail::value_of(detail::k::dot2_of<accumulator_t<T>, T>{x, y}, n, stream, ws, "cuda::dot_compensated");
}

// ---------------------------------------------------------------- exact tier

template <class T>
accumulator_t<T> exact_sum(const T* x, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::exact_sum", "x");
    return detail::value_of(detail::k::exact_of<accumulator_t<T>, T>{x, nullptr}, n, stream, ws, "cuda::exact_sum");
}

template <class T>
accumulator_t<T> exact_dot(const T* x, const T* y, std::size_t n, cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_device_pointer(x, n, "cuda::exact_dot", "x");
    detail::check_device_pointer(y, n, "cuda::exact_dot", "y");
    return detail::value_of(detail::k::exact_of<accumulator_t<T>, T, true>{x, y}, n, stream, ws,
                            "cuda::exact_dot");
}

// The exact state of x[0..n) as a host accumulator: its serialize() bytes
// equal those of a CPU exact_accumulator fed the same values, so device and
// host partials merge.
template <class T>
exact_accumulator<accumulator_t<T>> exact_accumulate(const T* x, std::size_t n, cudaStream_t stream = 0,
                                                     workspace ws = {}) {
    using A = accumulator_t<T>;
    detail::check_device_pointer(x, n, "cuda::exact_accumulate", "x");
    const auto p = detail::value_of(detail::k::exact_state_of<A, T>{{x, nullptr}}, n, stream, ws,
                                    "cuda::exact_accumulate");
    return repro::detail::accumulator_parts<A>::make(p.state, p.sp, n);
}

// The same for the products x[i] y[i] (exact_accumulator::add_products).
template <class T>
exact_accumulator<accumulator_t<T>> exact_accumulate_products(const T* x, const T* y, std::size_t n,
                                                              cudaStream_t stream = 0, workspace ws = {}) {
    using A = accumulator_t<T>;
    detail::check_device_pointer(x, n, "cuda::exact_accumulate_products", "x");
    detail::check_device_pointer(y, n, "cuda::exact_accumulate_products", "y");
    const auto p = detail::value_of(detail::k::exact_state_of<A, T, true>{{x, y}}, n, stream, ws,
                                    "cuda::exact_accumulate_products");
    return repro::detail::accumulator_parts<A>::make(p.state, p.sp, n);
}

// ---------------------------------------------------------------- row forms

// out[r] = repro::sum(x + r * cols, cols), for every row, into device memory.
template <class T>
void sum_rows(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, cudaStream_t stream = 0,
              workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::sum_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::sum_rows", "out");
    detail::rows_into(detail::k::sum_of<accumulator_t<T>, T>{x}, rows, cols, out, stream, ws, "cuda::sum_rows");
}

template <class T>
void mean_rows(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, cudaStream_t stream = 0,
               workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::mean_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::mean_rows", "out");
    detail::rows_into(detail::k::sum_of<accumulator_t<T>, T>{x, true}, rows, cols, out, stream, ws,
                      "cuda::mean_rows");
}

// out[r] = repro::dot(x + r * cols, y + r * cols, cols).
template <class T>
void dot_rows(const T* x, const T* y, std::size_t rows, std::size_t cols, accumulator_t<T>* out,
              cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::dot_rows", "x");
    detail::check_matrix(y, rows, cols, "cuda::dot_rows", "y");
    detail::check_device_pointer(out, rows, "cuda::dot_rows", "out");
    detail::rows_into(detail::k::dot_of<accumulator_t<T>, T>{x, y}, rows, cols, out, stream, ws, "cuda::dot_rows");
}

template <class T>
void nrm2_rows(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, cudaStream_t stream = 0,
               workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::nrm2_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::nrm2_rows", "out");
    const detail::nrm2_plan<T> p(rows, cols, true, false, ws, stream, "cuda::nrm2_rows");
    detail::nrm2_stages(x, rows, cols, out, p, stream);
}

template <class T>
void variance_rows(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, std::size_t ddof = 0,
                   cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::variance_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::variance_rows", "out");
    const detail::variance_plan<T> p(rows, cols, true, false, ws, stream, "cuda::variance_rows");
    detail::variance_stages(x, rows, cols, out, ddof, p, stream);
}

// out[r] = repro::argmax(x + r * cols, cols); cols must be > 0.
template <class T>
void argmax_rows(const T* x, std::size_t rows, std::size_t cols, std::size_t* out, cudaStream_t stream = 0,
                 workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::argmax_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::argmax_rows", "out");
    if (cols == 0 && rows != 0) repro::detail::throw_invalid("cuda::argmax_rows", "empty rows have no extreme");
    detail::rows_into(detail::k::extreme_of<true, T>{x, cols}, rows, cols, out, stream, ws, "cuda::argmax_rows");
}

template <class T>
void argmin_rows(const T* x, std::size_t rows, std::size_t cols, std::size_t* out, cudaStream_t stream = 0,
                 workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::argmin_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::argmin_rows", "out");
    if (cols == 0 && rows != 0) repro::detail::throw_invalid("cuda::argmin_rows", "empty rows have no extreme");
    detail::rows_into(detail::k::extreme_of<false, T>{x, cols}, rows, cols, out, stream, ws, "cuda::argmin_rows");
}

template <class T>
void sum_compensated_rows(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out,
                          cudaStream_t stream = 0, workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::sum_compensated_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::sum_compensated_rows", "out");
    detail::rows_into(detail::k::sum2_of<accumulator_t<T>, T>{x}, rows, cols, out, stream, ws,
                      "cuda::sum_compensated_rows");
}

// out[r] = repro::exact_sum(x + r * cols, cols).
template <class T>
void exact_sum_rows(const T* x, std::size_t rows, std::size_t cols, accumulator_t<T>* out, cudaStream_t stream = 0,
                    workspace ws = {}) {
    detail::check_matrix(x, rows, cols, "cuda::exact_sum_rows", "x");
    detail::check_device_pointer(out, rows, "cuda::exact_sum_rows", "out");
    detail::rows_into(detail::k::exact_of<accumulator_t<T>, T>{x, nullptr}, rows, cols, out, stream, ws,
                      "cuda::exact_sum_rows");
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
