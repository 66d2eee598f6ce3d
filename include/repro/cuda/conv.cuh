#pragma once
// repro/cuda/conv.cuh - repro::conv2d (repro/nn.hpp) on device data, with
// the CPU function's bits (matmul_mode::portable, the default).
//
// An implicit GEMM: the tile kernel of repro/cuda/linalg.cuh reads the
// im2col rows of one sample and one group on the fly (row = output pixel,
// k = (dy, dx, ci) ascending, +0 for padding), so every output is the CPU's
// chain over the same terms, then + bias[o] and the activation. A sample is
// computed from its own pixels only: its bits do not depend on n.
//
// matmul_mode::tensor_core (float only) writes the im2col matrix of a group
// into scratch and multiplies it on tensor cores (batch_invariant, not the
// CPU's bits); its scratch, conv2d_workspace_size(s, mode) bytes, comes
// from `ws` or from cudaMallocAsync on the stream. Portable mode needs none.

#include <cuda_runtime.h>

#include <cstddef>
#include <type_traits>

#include "../detail/kernels/gemm_tile.hpp"
#include "../nn.hpp"
#include "linalg.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {
namespace detail {

// repro::conv2d's argument checks, in its order and with its messages.
inline void check_conv_shape(const conv2d_shape& s) {
    if (s.stride_h == 0 || s.stride_w == 0 || s.dilation_h == 0 || s.dilation_w == 0 || s.groups == 0)
        throw_invalid("cuda::conv2d", "stride, dilation and groups must be >= 1");
    if (s.c_in % s.groups != 0 || s.c_out % s.groups != 0)
        throw_invalid("cuda::conv2d", "c_in and c_out must be divisible by groups");
    if (s.kh == 0 || s.kw == 0 || s.h + 2 * s.pad_h < s.dilation_h * (s.kh - 1) + 1 ||
        s.w + 2 * s.pad_w < s.dilation_w * (s.kw - 1) + 1)
        throw_invalid("cuda::conv2d", "the kernel is larger than the padded input");
}

inline repro::detail::kernels::conv_geometry conv_geometry_of(const conv2d_shape& s) {
    return {s.h,        s.w,        s.c_in,  s.c_in / s.groups, s.kw,         s.out_w(),
            s.stride_h, s.stride_w, s.pad_h, s.pad_w,           s.dilation_h, s.dilation_w};
}

// The tensor-core mode's scratch: one group's im2col matrix (n P x K) and
// its product (n P x og).
struct conv_scratch_layout {
    std::size_t cols, out, bytes;
};

inline conv_scratch_layout conv_scratch(const conv2d_shape& s) {
    const std::size_t cg = s.c_in / s.groups, og = s.c_out / s.groups;
    const std::size_t rows = repro::detail::checked_mul(s.n, s.out_h() * s.out_w(), "cuda::conv2d", "n * oh * ow");
    const std::size_t K = repro::detail::checked_mul(s.kh * s.kw, cg, "cuda::conv2d", "kh * kw * c_in / groups");
    layout l;
    const std::size_t cols =
        l.add<float>(repro::detail::checked_mul(rows, K, "cuda::conv2d", "im2col size"), "cuda::conv2d");
    const std::size_t out =
        l.add<float>(repro::detail::checked_mul(rows, og, "cuda::conv2d", "product size"), "cuda::conv2d");
    return {cols, out, l.bytes()};
}

}  // namespace detail

// Scratch bytes conv2d(.., s, act, mode, ..) needs in a caller's workspace:
// 0 in portable mode.
inline std::size_t conv2d_workspace_size(const conv2d_shape& s, matmul_mode mode = matmul_mode::portable) {
    detail::check_conv_shape(s);
    return mode == matmul_mode::tensor_core ? detail::conv_scratch(s).bytes : 0;
}

// y = act(conv(x, weight) + bias), NHWC / OHWI as repro::conv2d, device
// pointers (bias may be null). The bits of repro::conv2d in portable mode.
template <class T>
void conv2d(const T* x, const T* weight, const repro::detail::non_deduced<T>* bias, T* y, const conv2d_shape& s,
            activation act = activation::none, matmul_mode mode = matmul_mode::portable, cudaStream_t stream = 0,
            workspace ws = {}) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "repro::cuda::conv2d: float or double");
    namespace gk = repro::detail::kernels;
    const char* function = "cuda::conv2d";
    detail::check_conv_shape(s);
    const std::size_t oh = s.out_h(), ow = s.out_w(), cg = s.c_in / s.groups, og = s.c_out / s.groups;
    const std::size_t K = s.kh * s.kw * cg, P = oh * ow;
    repro::detail::check_pointer(x, s.n * s.h * s.w * s.c_in, function, "x");
    repro::detail::check_pointer(weight, s.c_out * K, function, "weight");
    repro::detail::check_pointer(y, s.n * P * s.c_out, function, "y");
    if (mode != matmul_mode::portable && mode != matmul_mode::tensor_core)
        detail::throw_invalid(function, "unknown matmul_mode");
    if (mode == matmul_mode::tensor_core && !std::is_same<T, float>::value)
        detail::throw_invalid(function, "matmul_mode::tensor_core takes float inputs, not double");
    if (s.n == 0 || P == 0 || s.c_out == 0) return;
    detail::check_device_pointer(x, s.n * s.h * s.w * s.c_in, function, "x");
    detail::check_device_pointer(weight, s.c_out * K, function, "weight");
    detail::check_device_pointer(y, s.n * P * s.c_out, function, "y");
    if (bias != nullptr) detail::check_device_pointer(bias, s.c_out, function, "bias");
    const gk::conv_geometry geometry = detail::conv_geometry_of(s);

    if constexpr (std::is_same<T, float>::value) {
        if (mode == matmul_mode::tensor_core) {
            const detail::conv_scratch_layout at = detail::conv_scratch(s);
            const detail::scratch memory(at.bytes, ws, stream, function);
            float* cols = memory.at<float>(at.cols);
            float* out = memory.at<float>(at.out);
            const std::size_t rows = s.n * P;
            for (std::size_t g = 0; g < s.groups; ++g) {
                detail::launch_elements(gk::conv_im2col<float>{x, cols, geometry, g, P, K}, rows * K, stream);
                detail::tensor_core_product<true>(cols, weight + g * og * K, out, rows, K, og, stream);
                detail::launch_elements(
                    gk::bias_activation<float>{out, y + g * og, s.c_out, bias != nullptr ? bias + g * og : nullptr, act,
                                               rows, og},
                    rows * og, stream);
            }
            return;
        }
    }
    detail::launch_product(gk::conv_batch<T>{x, weight, bias, y, geometry, s.n, s.groups, s.c_out, og, P, K, act}, P,
                           og, stream);
}

}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
