#pragma once
// The fixed-lane reductions behind repro::sum, dot and their compensated
// forms (docs/design.md, rules 1-3). One chunk of at most `chunk_size` elements is
// reduced in `lanes<A>` virtual lanes: element i goes to lane i % lanes, each
// lane accumulates its elements in ascending order from +0, and the lanes
// combine as a tree (lane j += lane j + w for w = lanes/2, ..., 1). Chunks
// combine pairwise, level by level (c0+c1, c2+c3, ...; an odd last one moves
// up unchanged). The per-lane definition is written below; lanes-inl.hpp
// computes it once over the register traits for every instruction set (the
// scalar one included), the same operations on the same lanes, so every
// path gives the same bits.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../../fp.hpp"
#include "../meta.hpp"
#include "../simd/simd.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

inline constexpr std::size_t chunk_size = 16384;

// 32 float lanes or 16 double lanes: four AVX2 or two AVX-512 registers either way.
template <class A>
inline constexpr std::size_t lanes = sizeof(A) == 4 ? 32 : 16;

// A value with the rounding error it still owes (compensated tier).
template <class A>
struct compensated {
    A sum;
    A error;
};

// The operations a reduction needs: start value, one term, combining two partials.
template <class A>
struct plain_sum {
    using partial = A;
    static REPRO_HD partial zero() { return A(0); }
    static REPRO_HD partial combine(partial a, partial b) { return a + b; }
    static REPRO_HD A finish(partial p) { return p; }
};

template <class A>
struct compensated_sum {
    using partial = compensated<A>;
    static REPRO_HD partial zero() { return {A(0), A(0)}; }
    // (s1, e1) + (s2, e2) = TwoSum(s1, s2) with the errors added to its error.
    static REPRO_HD partial combine(partial a, partial b) {
        const exact_pair<A> t = two_sum(a.sum, b.sum);
        return {t.value, (a.error + b.error) + t.error};
    }
    static REPRO_HD A finish(partial p) { return p.sum + p.error; }
};

// Lane tree: lane j += lane j + w for w = L/2, L/4, ..., 1.
template <class Op, std::size_t L>
REPRO_HD typename Op::partial lane_tree(typename Op::partial (&lane)[L]) {
    for (int w = L / 2; w >= 1; w /= 2)
        for (int j = 0; j < w; ++j) lane[j] = Op::combine(lane[j], lane[j + w]);
    return lane[0];
}

// ---- the definition of each reduction, per lane ----
//
// sum:             lane += term(x[i])
// dot:             lane = fma(x[i], y[i], lane)
// compensated sum: (s, e) -> (TwoSum(s, x).value, e + TwoSum(s, x).error)
// compensated dot: p = TwoProd(x, y); t = TwoSum(s, p.value);
//                  (s, e) -> (t.value, e + (t.error + p.error))
// Each lane starts from +0 (and e = +0); the lanes combine by lane_tree.
// lanes-inl.hpp writes these once over the register traits; its scalar_tag
// form (width 1) is this definition, statement for statement.

// The terms of a sum: x[i], or its square rounded on its own (x[i] * x[i],
// never fused with the add that follows).
enum class sum_terms { values, squares };

template <sum_terms Terms, class A>
REPRO_HD A sum_term(A v) {
    if constexpr (Terms == sum_terms::squares)
        return mul_rn(v, v);
    else
        return v;
}

// The terms of lane_kernels::dot_chunk: x[i] y[i]; x[i] x[i] (y is x); or
// d[i] d[i] with d[i] = x[i] - m, stored to d on the way.
enum class dot_terms { products, squares, deviations };

// The SIMD forms of the chunk kernels (lanes-inl.hpp), one specialisation per ISA tag.
template <class Tag>
struct lane_kernels;

#define REPRO_SIMD_KERNELS "../reduce/lanes-inl.hpp"
#define REPRO_SIMD_SCALAR
#include "../simd/for_each_isa.hpp"

// ---- chunk dispatch ----

// The kernels of the active instruction set: the SIMD forms take A values,
// other inputs (half, bfloat16) run the scalar form, which widens them.
template <class A, class T, class Tag>
using lane_kernels_for = lane_kernels<std::conditional_t<std::is_same<A, T>::value, Tag, simd::scalar_tag>>;

template <class A, sum_terms Terms = sum_terms::values, class T>
A sum_chunk(const T* x, std::size_t n) {
    return simd::dispatch(
        [&](auto tag) { return lane_kernels_for<A, T, decltype(tag)>::template sum_chunk<A, Terms>(x, n); });
}

template <class A, class T>
A dot_chunk(const T* x, const T* y, std::size_t n) {
    return simd::dispatch([&](auto tag) {
        using K = lane_kernels_for<A, T, decltype(tag)>;
        return x == y ? K::template dot_chunk<A, dot_terms::squares>(x, x, n) : K::template dot_chunk<A>(x, y, n);
    });
}

// d[i] = x[i] - m for the chunk, and dot_chunk(d, d): a row's deviations
// and their sum of squares in one pass.
template <class A>
A deviation_dot_chunk(const A* x, A m, A* d, std::size_t n) {
    return simd::dispatch([&](auto tag) {
        return lane_kernels<decltype(tag)>::template dot_chunk<A, dot_terms::deviations>(
            x, static_cast<const A*>(nullptr), n, m, d);
    });
}

template <class A, class T>
compensated<A> sum2_chunk(const T* x, std::size_t n) {
    return simd::dispatch(
        [&](auto tag) { return lane_kernels_for<A, T, decltype(tag)>::template sum2_chunk<A>(x, n); });
}

template <class A, class T>
compensated<A> dot2_chunk(const T* x, const T* y, std::size_t n) {
    return simd::dispatch(
        [&](auto tag) { return lane_kernels_for<A, T, decltype(tag)>::template dot2_chunk<A>(x, y, n); });
}

// ---- chunk tree ----

// Pairwise, level by level, computed as a stream: a stack of complete
// subtrees (sizes are powers of two) merged like a binary counter, folded
// from the smallest at the end - which is the same tree.
template <class Op>
class chunk_tree {
public:
    using partial = typename Op::partial;
    void push(partial p) {
        int level = 0;
        while (size_ > 0 && level_[size_ - 1] == level) {
            p = Op::combine(value_[size_ - 1], p);
            --size_;
            ++level;
        }
        value_[size_] = p;
        level_[size_] = level;
        ++size_;
    }
    partial result() const {
        if (size_ == 0) return Op::zero();
        partial p = value_[size_ - 1];
        for (int k = size_ - 2; k >= 0; --k) p = Op::combine(value_[k], p);
        return p;
    }

private:
    partial value_[66];
    int level_[66];
    int size_ = 0;
};

}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
