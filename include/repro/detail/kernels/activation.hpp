#pragma once
// One element of repro::activation (repro/linalg.hpp) as a REPRO_HD function:
// the epilogue of the CUDA linear and conv2d kernels and the body of
// repro::cuda::activate. The CPU applies the same functions to whole rows
// (detail::activate): relu by the same test, the others through repro::math's
// array forms, whose bits equal these scalar cores.

#include "../../linalg.hpp"
#include "../../math.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {

template <class T>
REPRO_HD T activate_one(T x, activation a) {
    switch (a) {
        case activation::relu:
            return x > T(0) || x != x ? x : T(0);
        case activation::sigmoid:
            return math::sigmoid(x);
        case activation::tanh:
            return math::tanh(x);
        case activation::silu:
            return math::silu(x);
        case activation::gelu:
            return math::gelu(x);
        case activation::gelu_tanh:
            return math::gelu_tanh(x);
        case activation::none:
            break;
    }
    return x;
}

}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
