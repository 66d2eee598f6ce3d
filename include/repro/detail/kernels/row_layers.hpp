#pragma once
// Kernel bodies of the CUDA row-wise layers (repro/cuda/nn.cuh): REPRO_HD
// descriptors and element functions that the __global__ wrappers only call
// and the host emulator in tests/ runs, so the ordinary test suite checks the
// device's arithmetic against repro/nn.hpp.
//
// A layer is one or two row statistics, each a row reduction in the CPU's
// order (row_reduce.hpp: lanes, lane tree, chunk tree) whose `finish` gives
// the per-row value the elements need, then an element function f(row, col).
// The steps are the CPU's, operation for operation: x - m, then
// repro::math's scalar forms (the bits of the CPU's array forms), products
// through mul_rn / fma (never left to contraction), quotients and roots
// through div_rn / sqrt_rn.
//
// Narrow types (half, bfloat16) are widened exactly to float, computed as the
// float layer and rounded once to nearest-even on the store (narrow_to).

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../../fp.hpp"
#include "../../linalg.hpp"
#include "../../math.hpp"
#include "../meta.hpp"
#include "../nn/pool_window.hpp"
#include "activation.hpp"
#include "row_reduce.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {

// v rounded to T: float and double as they are; a 16-bit format (half,
// bfloat16) to nearest-even from the bits, overflow to infinity, NaN to a
// quiet NaN.
template <class T, class A>
REPRO_HD T narrow_to(A v) {
    if constexpr (std::is_same<T, A>::value) {
        return v;
    } else {
        static_assert(std::is_same<A, float>::value && sizeof(T) == 2, "narrow_to: float to half or bfloat16");
        using tr = float_traits<T>;
        const std::uint32_t f = to_bits(v), sign = (f >> 16) & 0x8000u, mag = f & 0x7fffffffu;
        if constexpr (tr::exponent_bits == 8) {  // bfloat16: the upper half, rounded
            if (mag > 0x7f800000u) return from_bits<T>(static_cast<std::uint16_t>((f >> 16) | 0x40u));
            return from_bits<T>(static_cast<std::uint16_t>((f + 0x7fffu + ((f >> 16) & 1u)) >> 16));
        } else {  // half
            if (mag > 0x7f800000u) return from_bits<T>(static_cast<std::uint16_t>(sign | 0x7e00u));
            if (mag >= 0x477ff000u) return from_bits<T>(static_cast<std::uint16_t>(sign | 0x7c00u));  // >= 65520
            std::uint32_t q, rem, halfway;
            if (mag >= 0x38800000u) {  // normal: drop 13 fraction bits, rebias the exponent (127 -> 15)
                q = (mag >> 13) - (112u << 10);
                rem = mag & 0x1fffu;
                halfway = 0x1000u;
            } else {  // subnormal or zero: the value in units of 2^-24
                const std::uint32_t e = mag >> 23, shift = 126u - e;
                if (shift > 24u) return from_bits<T>(static_cast<std::uint16_t>(sign));
                const std::uint32_t m = (mag & 0x7fffffu) | 0x800000u;
                q = m >> shift;
                rem = m & ((1u << shift) - 1u);
                halfway = 1u << (shift - 1u);
            }
            q += (rem > halfway || (rem == halfway && (q & 1u))) ? 1u : 0u;  // a carry moves up the exponent
            return from_bits<T>(static_cast<std::uint16_t>(sign | q));
        }
    }
}

// ---- where a row's elements are ----

// Row r of a rows x cols matrix: the flat index row_chunks numbers is the address.
struct contiguous_rows {
    REPRO_HD std::size_t operator()(std::size_t, std::size_t i) const { return i; }
    REPRO_HD std::size_t at(std::size_t row, std::size_t col, std::size_t cols) const { return row * cols + col; }
};

// group_norm's rows: row b * groups + g gathers channels [g cg, (g+1) cg) of
// every position of sample b of an n x spatial x channels tensor, in
// (position, channel) order; its length is spatial * cg.
struct group_rows {
    std::size_t spatial, channels, groups, cg;
    REPRO_HD std::size_t at(std::size_t row, std::size_t col, std::size_t) const {
        const std::size_t b = row / groups, g = row % groups;
        return (b * spatial + col / cg) * channels + g * cg + col % cg;
    }
    REPRO_HD std::size_t operator()(std::size_t row, std::size_t i) const {
        return at(row, i - row * (spatial * cg), 0);
    }
};

// ---- row statistics ----

// repro::max of the row: any NaN gives NaN, else the largest value with +0
// above -0 (as the CPU's first_extreme picks it: equal keys are equal bits,
// so neither the lane nor the tree order can change it).
template <class A>
struct max_op {
    using partial = A;
    static REPRO_HD partial zero() { return from_bits<A>(float_traits<A>::infinity_bits | float_traits<A>::sign_mask); }
    static REPRO_HD partial combine(partial a, partial b) {
        if (is_nan(a)) return a;
        if (is_nan(b)) return b;
        return order_key(b) > order_key(a) ? b : a;
    }
};

template <class T>
struct max_of {
    using A = accumulator_t<T>;
    using op = max_op<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    REPRO_HD void add(A& p, std::size_t, A v) const { p = op::combine(p, v); }
    REPRO_HD void step(A& p, std::size_t row, std::size_t i) const { add(p, row, widen_to<A>(x[i])); }
    REPRO_HD A finish(A p, std::size_t, std::size_t) const { return p; }
};

// plain_sum with its adds pinned (add_rn): the same sums.
template <class A>
struct pinned_sum {
    using partial = A;
    static REPRO_HD partial zero() { return A(0); }
    static REPRO_HD partial combine(partial a, partial b) { return add_rn(a, b); }
};

// softmax's repro::sum of e = exp(x - m), e never stored; log_softmax's
// log of that sum.
template <class T>
struct exp_sum_of {
    using A = accumulator_t<T>;
    using op = pinned_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    const A* max;  // per row, from max_of
    bool log = false;
    REPRO_HD void add(A& p, std::size_t row, A v) const { p = add_rn(p, math::exp(v - max[row])); }
    REPRO_HD void step(A& p, std::size_t row, std::size_t i) const { add(p, row, widen_to<A>(x[i])); }
    REPRO_HD A finish(A p, std::size_t, std::size_t) const { return log ? math::log(p) : p; }
};

// rms_norm: the sum of the rounded squares (sum_terms::squares), and from it
// rsqrt(mean + eps), the mean through the CPU's reciprocal for a power-of-two
// cols (the same quotient) and a division otherwise.
template <class T>
struct rms_of {
    using A = accumulator_t<T>;
    using op = plain_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    A eps;
    REPRO_HD void add(A& p, std::size_t, A v) const { p += sum_term<sum_terms::squares>(v); }
    REPRO_HD void step(A& p, std::size_t row, std::size_t i) const { add(p, row, widen_to<A>(x[i])); }
    REPRO_HD A finish(A p, std::size_t, std::size_t cols) const {
        const A mean =
            (cols & (cols - 1)) == 0 ? mul_rn(p, A(1) / static_cast<A>(cols)) : div_rn(p, static_cast<A>(cols));
        return math::rsqrt(mean + eps);
    }
};

// repro::mean of a (possibly gathered) row; cols > 0.
template <class T, class Index = contiguous_rows>
struct mean_of {
    using A = accumulator_t<T>;
    using op = plain_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    Index index{};
    REPRO_HD void add(A& p, std::size_t, A v) const { p += v; }
    REPRO_HD void step(A& p, std::size_t row, std::size_t i) const { add(p, row, widen_to<A>(x[index(row, i)])); }
    REPRO_HD A finish(A p, std::size_t, std::size_t cols) const { return div_rn(p, static_cast<A>(cols)); }
};

// detail::deviation_dot: d = x - m, lane = fma(d, d, lane); finished as
// layer_norm and group_norm use it: rsqrt(dot / cols + eps).
template <class T, class Index = contiguous_rows>
struct deviation_of {
    using A = accumulator_t<T>;
    using op = plain_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    const A* mean;  // per row, from mean_of
    A eps;
    Index index{};
    REPRO_HD void add(A& p, std::size_t row, A v) const {
        const A d = v - mean[row];
        p = repro::fma(d, d, p);
    }
    REPRO_HD void step(A& p, std::size_t row, std::size_t i) const { add(p, row, widen_to<A>(x[index(row, i)])); }
    REPRO_HD A finish(A p, std::size_t, std::size_t cols) const {
        return math::rsqrt(div_rn(p, static_cast<A>(cols)) + eps);
    }
};

// No second statistic (rms_norm).
template <class A>
struct no_stat {
    using op = plain_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
};

template <class D>
inline constexpr bool is_stat = !std::is_same<D, no_stat<typename D::result>>::value;

// ---- elements: f(row, col) writes y at (row, col) ----
//
// The row layers' elements also come apart as load(row, col), x there
// widened, and put(row, col, v), which writes y there from that value; the
// statistics likewise as add(p, row, v): the fused kernel keeps a row in
// shared memory and feeds the same values in the same order.

template <class T>
struct softmax_elements {
    using A = accumulator_t<T>;
    const T* x;
    T* y;
    std::size_t cols;
    const A* max;
    const A* sum;  // log_softmax: its log
    bool log = false;
    REPRO_HD A load(std::size_t row, std::size_t col) const { return widen_to<A>(x[row * cols + col]); }
    REPRO_HD void put(std::size_t row, std::size_t col, A v) const {
        const A d = v - max[row];
        y[row * cols + col] = narrow_to<T>(log ? d - sum[row] : div_rn(math::exp(d), sum[row]));
    }
    REPRO_HD void operator()(std::size_t row, std::size_t col) const { put(row, col, load(row, col)); }
};

// (x * inv) * weight, or x * inv without a weight (detail::scale_row).
template <class T>
struct rms_elements {
    using A = accumulator_t<T>;
    const T* x;
    const A* weight;
    T* y;
    std::size_t cols;
    const A* inv;
    REPRO_HD A load(std::size_t row, std::size_t col) const { return widen_to<A>(x[row * cols + col]); }
    REPRO_HD void put(std::size_t row, std::size_t col, A v) const {
        const A s = mul_rn(v, inv[row]);
        y[row * cols + col] = narrow_to<T>(weight ? mul_rn(s, weight[col]) : s);
    }
    REPRO_HD void operator()(std::size_t row, std::size_t col) const { put(row, col, load(row, col)); }
};

// fma((x - m) * inv, gamma, beta), gamma and beta indexed by channel: the
// column for layer_norm, col % cg of group g for group_norm.
template <class T, class Index = contiguous_rows>
struct norm_elements {
    using A = accumulator_t<T>;
    const T* x;
    const A* gamma;
    const A* beta;
    T* y;
    std::size_t cols;
    const A* mean;
    const A* inv;
    Index index{};
    std::size_t groups = 1, cg = 0;  // group_norm's channel layout (cg = 0: the column is the channel)
    REPRO_HD A load(std::size_t row, std::size_t col) const { return widen_to<A>(x[index.at(row, col, cols)]); }
    REPRO_HD void put(std::size_t row, std::size_t col, A v) const {
        const std::size_t ch = cg == 0 ? col : (row % groups) * cg + col % cg;
        const A u = mul_rn(v - mean[row], inv[row]);
        y[index.at(row, col, cols)] = narrow_to<T>(repro::fma(u, gamma ? gamma[ch] : A(1), beta ? beta[ch] : A(0)));
    }
    REPRO_HD void operator()(std::size_t row, std::size_t col) const { put(row, col, load(row, col)); }
};

// ---- layers: statistic 1, then statistic 2 (unless no_stat), then the
// elements; s1 and s2 are per-row arrays for the two statistics, which the
// later steps read ----

template <class D1, class D2, class E>
struct layer {
    D1 stat1;
    D2 stat2;
    E elements;
};

template <class T, class A = accumulator_t<T>>
layer<max_of<T>, exp_sum_of<T>, softmax_elements<T>> softmax_layer(const T* x, T* y, std::size_t cols, A* s1, A* s2,
                                                                   bool log) {
    return {{x}, {x, s1, log}, {x, y, cols, s1, s2, log}};
}

template <class T, class A = accumulator_t<T>>
layer<rms_of<T>, no_stat<A>, rms_elements<T>> rms_norm_layer(const T* x, const A* weight, T* y, std::size_t cols, A eps,
                                                             A* s1, A*) {
    return {{x, eps}, {}, {x, weight, y, cols, s1}};
}

template <class T, class A = accumulator_t<T>>
layer<mean_of<T>, deviation_of<T>, norm_elements<T>> layer_norm_layer(const T* x, const A* gamma, const A* beta, T* y,
                                                                      std::size_t cols, A eps, A* s1, A* s2) {
    return {{x}, {x, s1, eps}, {x, gamma, beta, y, cols, s1, s2}};
}

// Rows n * groups of spatial * channels / groups values.
template <class T, class A = accumulator_t<T>>
layer<mean_of<T, group_rows>, deviation_of<T, group_rows>, norm_elements<T, group_rows>> group_norm_layer(
    const T* x, const A* gamma, const A* beta, T* y, std::size_t spatial, std::size_t channels, std::size_t groups,
    A eps, A* s1, A* s2) {
    const std::size_t cg = channels / groups;
    const group_rows at{spatial, channels, groups, cg};
    return {{x, at}, {x, s1, eps, at}, {x, gamma, beta, y, spatial * cg, s1, s2, at, groups, cg}};
}

// batch_norm's per-feature scale and shift (as repro::batch_norm computes them).
template <class T>
struct batch_norm_params {
    const T* mean;
    const T* var;
    const T* gamma;
    const T* beta;
    T eps;
    T* scale;
    T* shift;
    REPRO_HD void operator()(std::size_t, std::size_t c) const {
        const T s = div_rn(gamma ? gamma[c] : T(1), sqrt_rn(var[c] + eps));
        scale[c] = s;
        shift[c] = repro::fma(-mean[c], s, beta ? beta[c] : T(0));
    }
};

template <class T>
struct batch_norm_elements {
    const T* x;
    T* y;
    std::size_t cols;
    const T* scale;
    const T* shift;
    REPRO_HD void operator()(std::size_t row, std::size_t col) const {
        const std::size_t i = row * cols + col;
        y[i] = repro::fma(x[i], scale[col], shift[col]);
    }
};

// fold_batch_norm: row o of W times scale_o, and (col == in) b_o.
template <class T>
struct fold_elements {
    T* W;
    T* b;
    std::size_t in;
    const T* mean;
    const T* var;
    const T* gamma;
    const T* beta;
    T eps;
    REPRO_HD void operator()(std::size_t o, std::size_t col) const {
        const T scale = div_rn(gamma ? gamma[o] : T(1), sqrt_rn(var[o] + eps));
        if (col < in)
            W[o * in + col] = mul_rn(W[o * in + col], scale);
        else
            b[o] = repro::fma(b[o] - mean[o], scale, beta ? beta[o] : T(0));
    }
};

// pool2d (detail/nn/pool_window.hpp): row = sample, col = (oy * ow + ox) * c
// + ch.
template <class T>
struct pool_elements {
    const T* x;
    T* y;
    pool_geometry g;
    bool max;
    REPRO_HD void operator()(std::size_t b, std::size_t col) const {
        const std::size_t ch = col % g.c, ox = col / g.c % g.ow, oy = col / g.c / g.ow;
        y[b * g.oh * g.ow * g.c + col] = pool_window(x + b * g.h * g.w * g.c, g, max, oy, ox, ch);
    }
};

// y = activation(x) (activate_one), row 0 only.
template <class T>
struct activation_elements {
    using A = accumulator_t<T>;
    const T* x;
    T* y;
    activation a;
    REPRO_HD void operator()(std::size_t, std::size_t i) const {
        y[i] = narrow_to<T>(activate_one(widen_to<A>(x[i]), a));
    }
};

// y = x for x > 0 or NaN, else x * slope (repro::leaky_relu).
template <class T>
struct leaky_relu_elements {
    using A = accumulator_t<T>;
    const T* x;
    T* y;
    A slope;
    REPRO_HD void operator()(std::size_t, std::size_t i) const {
        const A v = widen_to<A>(x[i]);
        y[i] = narrow_to<T>(v > A(0) || is_nan(v) ? v : mul_rn(v, slope));
    }
};

}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
