#pragma once
// Random conv2d shapes for the sweeps that compare a conv2d with repro::conv2d:
// every stride, padding, dilation and group count, in sizes a test picks.

#include <cstddef>
#include <repro/nn.hpp>

#include "test_data.hpp"

namespace repro_test {

// Upper bounds (inclusive) of the random sizes; the kernel is 1..3 x 1..3,
// strides 1..2 x 1..3, dilations 1..2, padding 0..2 x 0..1, 1..3 groups.
struct conv_shape_bounds {
    std::size_t n;  // samples
    std::size_t c_in_per_group;
    std::size_t c_out_per_group;
    std::size_t extra_h;  // rows beyond the dilated kernel's height
    std::size_t extra_w;  // columns beyond its width
};

inline repro::conv2d_shape random_conv2d_shape(splitmix64& g, const conv_shape_bounds& b) {
    // one statement per draw: the order of the draws is the shape's identity
    repro::conv2d_shape s{};
    s.n = 1 + g.next() % b.n;
    s.groups = 1 + g.next() % 3;
    s.c_in = s.groups * (1 + g.next() % b.c_in_per_group);
    s.c_out = s.groups * (1 + g.next() % b.c_out_per_group);
    s.kh = 1 + g.next() % 3;
    s.kw = 1 + g.next() % 3;
    s.stride_h = 1 + g.next() % 2;
    s.stride_w = 1 + g.next() % 3;
    s.dilation_h = 1 + g.next() % 2;
    s.dilation_w = 1 + g.next() % 2;
    s.pad_h = g.next() % 3;
    s.pad_w = g.next() % 2;
    s.h = s.dilation_h * (s.kh - 1) + 1 + g.next() % (b.extra_h + 1);
    s.w = s.dilation_w * (s.kw - 1) + 1 + g.next() % (b.extra_w + 1);
    return s;
}

}  // namespace repro_test
