#pragma once
// repro/detail/nn/pool_window.hpp - one output of pool2d, shared by the CPU
// (repro/nn.hpp) and the CUDA kernel (detail/kernels/row_layers.hpp).

#include <cstddef>

#include "../../fp.hpp"
#include "../reduce/exact_bands.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

// An NHWC sample of h x w x c values and a kh x kw window moved by `stride`
// over it, padded by `pad` on each side; oh x ow outputs.
struct pool_geometry {
    std::size_t h, w, c, kh, kw, stride, pad, oh, ow;
};

// Output (oy, ox), channel ch, of the sample xb: the window's values inside
// the input in (dy, dx) order. max: the largest (a NaN anywhere gives NaN);
// mean: their sum from +0 divided by their count (padding is not counted).
template <class T>
REPRO_HD T pool_window(const T* xb, const pool_geometry& g, bool max, std::size_t oy, std::size_t ox, std::size_t ch) {
    T acc = max ? -from_bits<T>(float_traits<T>::infinity_bits) : T(0);
    std::size_t count = 0;
    bool nan = false;
    for (std::size_t dy = 0; dy < g.kh; ++dy)
        for (std::size_t dx = 0; dx < g.kw; ++dx) {
            const std::size_t iy = oy * g.stride + dy, ix = ox * g.stride + dx;
            if (iy < g.pad || ix < g.pad || iy - g.pad >= g.h || ix - g.pad >= g.w) continue;
            const T v = xb[((iy - g.pad) * g.w + (ix - g.pad)) * g.c + ch];
            ++count;
            if (max) {
                nan = nan || is_nan(v);
                acc = v > acc ? v : acc;
            } else {
                acc = add_rn(acc, v);
            }
        }
    return max ? (nan ? quiet_nan_of<T>() : acc) : div_rn(acc, static_cast<T>(count));
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
