#pragma once
// Kernel bodies of the CUDA reductions (repro/cuda/reduce.cuh): REPRO_HD
// functions of (item, lane) that the __global__ wrappers only call and that
// the host emulator in tests/ runs through a whole grid, so the ordinary test
// suite checks the device's arithmetic against the CPU functions.
//
// The order is the CPU's (detail/reduce/lanes.hpp). A rows x cols input is
// cut into items, one per (row, chunk of chunk_size columns). A group of
// `lanes` threads reduces an item: thread j is lane j, accumulating columns
// j, j + lanes, ... of the chunk in ascending order from zero (coalesced
// loads: a group reads consecutive elements). The group combines its lanes as
// the lane tree does (lane j += lane j + w, w = lanes/2 .. 1: a shuffle-down
// tree). The chunk partials of a row combine pairwise, level by level
// (tree_pair), and `finish` turns the row's partial into its result.
//
// A descriptor D names one reduction:
//   D::op                   partial, zero(), combine(a, b) (lanes.hpp)
//   D::lanes                threads per chunk (32 float lanes, 16 double)
//   D::result               what finish returns
//   d.step(p, row, i)       adds element i (flat index) to the lane partial p
//   d.finish(p, row, cols)  the row's result from its combined partial

#include <cstddef>
#include <cstdint>

#include "../../fp.hpp"
#include "../../reduce.hpp"
#include "../meta.hpp"
#include "../reduce/exact_bands.hpp"
#include "../reduce/lanes.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {

// ---- geometry ----

// Items of a rows x cols reduction: row-major (row, chunk) pairs.
struct row_chunks {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::size_t per_row = 1;  // chunks per row; an empty row is one empty chunk

    REPRO_HD std::size_t items() const { return rows * per_row; }
    REPRO_HD std::size_t row_of(std::size_t item) const { return item / per_row; }
    REPRO_HD std::size_t first_of(std::size_t item) const {
        return row_of(item) * cols + (item % per_row) * chunk_size;
    }
    REPRO_HD std::size_t length_of(std::size_t item) const {
        const std::size_t begin = (item % per_row) * chunk_size;
        return cols - begin < chunk_size ? cols - begin : chunk_size;
    }
};

REPRO_HD row_chunks make_row_chunks(std::size_t rows, std::size_t cols) {
    return {rows, cols, cols == 0 ? std::size_t(1) : (cols + chunk_size - 1) / chunk_size};
}

// Lane `lane` of an item: its columns in ascending order.
template <class D>
REPRO_HD typename D::op::partial lane_partial(const D& d, const row_chunks& g, std::size_t item, int lane) {
    typename D::op::partial p = D::op::zero();
    const std::size_t first = g.first_of(item), len = g.length_of(item), row = g.row_of(item);
    REPRO_UNROLL(8)
    for (std::size_t i = static_cast<std::size_t>(lane); i < len; i += D::lanes) d.step(p, row, first + i);
    return p;
}

// One pair of the chunk tree: at the level whose partials sit at multiples
// of `stride`, the partial at i (a multiple of 2 stride) absorbs the one at
// i + stride; an odd last one moves up unchanged.
template <class Op>
REPRO_HD void tree_pair(typename Op::partial* p, std::size_t count, std::size_t stride, std::size_t i) {
    if (i + stride < count) p[i] = Op::combine(p[i], p[i + stride]);
}

// Where an item's combined partial goes: the row's result when the row is a
// single chunk, else the partials array that tree_pair then combines.
template <class D>
REPRO_HD void store_item(const D& d, const row_chunks& g, std::size_t item, const typename D::op::partial& p,
                         typename D::op::partial* partials, typename D::result* out) {
    if (g.per_row == 1)
        out[item] = d.finish(p, item, g.cols);
    else
        partials[item] = p;
}

// ---- deterministic and compensated tiers ----

// sum (Terms = values), the sum of squares of rms_norm (squares) and mean.
template <class A, class T, sum_terms Terms = sum_terms::values>
struct sum_of {
    using op = plain_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    bool mean = false;
    REPRO_HD void step(A& p, std::size_t, std::size_t i) const { p += sum_term<Terms>(widen_to<A>(x[i])); }
    REPRO_HD A finish(A p, std::size_t, std::size_t cols) const {
        if (!mean) return p;
        return cols == 0 ? quiet_nan_of<A>() : div_rn(p, static_cast<A>(cols));
    }
};

template <class A, class T>
struct dot_of {
    using op = plain_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    const T* y;
    REPRO_HD void step(A& p, std::size_t, std::size_t i) const {
        p = repro::fma(widen_to<A>(x[i]), widen_to<A>(y[i]), p);
    }
    REPRO_HD A finish(A p, std::size_t, std::size_t) const { return p; }
};

template <class A, class T>
struct sum2_of {
    using op = compensated_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    REPRO_HD void step(compensated<A>& p, std::size_t, std::size_t i) const {
        const exact_pair<A> t = two_sum(p.sum, widen_to<A>(x[i]));
        p = {t.value, p.error + t.error};
    }
    REPRO_HD A finish(compensated<A> p, std::size_t, std::size_t) const { return op::finish(p); }
};

template <class A, class T>
struct dot2_of {
    using op = compensated_sum<A>;
    using result = A;
    static constexpr int lanes = detail::lanes<A>;
    const T* x;
    const T* y;
    REPRO_HD void step(compensated<A>& p, std::size_t, std::size_t i) const {
        const exact_pair<A> q = two_prod(widen_to<A>(x[i]), widen_to<A>(y[i]));
        const exact_pair<A> t = two_sum(p.sum, q.value);
        p = {t.value, p.error + (t.error + q.error)};
    }
    REPRO_HD A finish(compensated<A> p, std::size_t, std::size_t) const { return op::finish(p); }
};

// ---- nrm2 and variance: sums of ((x - shift) * scale)^2 in double lanes ----

// The largest magnitude of a row, as bits (NaN above infinity above finite).
template <class T>
struct max_magnitude_op {
    using partial = std::uint64_t;
    static REPRO_HD partial zero() { return 0; }
    static REPRO_HD partial combine(partial a, partial b) { return a > b ? a : b; }
};

template <class T>
struct max_magnitude_of {
    using op = max_magnitude_op<T>;
    using result = std::uint64_t;
    static constexpr int lanes = 32;
    const T* x;
    REPRO_HD void step(std::uint64_t& p, std::size_t, std::size_t i) const {
        const std::uint64_t m = to_bits(x[i]) & float_traits<T>::magnitude_mask;
        p = m > p ? m : p;
    }
    REPRO_HD std::uint64_t finish(std::uint64_t p, std::size_t, std::size_t) const { return p; }
};

// nrm2's scale exponent for a row whose largest magnitude is `mag` (the CPU's
// rule: the power of two just above max |x|, clamped to +-1000).
template <class T>
REPRO_HD int nrm2_shift(std::uint64_t mag) {
    chunk_stats st;
    st.max_mag = mag;
    const int k = top_exponent<T>(st) + 1;
    return k < -1000 ? -1000 : (k > 1000 ? 1000 : k);
}

template <class T>
REPRO_HD void squares_step(double& p, T v, double shift, double scale) {
    const double d = mul_rn(widen_to<double>(v) - shift, scale);
    p = repro::fma(d, d, p);
}

template <class T>
struct nrm2_of {
    using A = accumulator_t<T>;
    using op = plain_sum<double>;
    using result = A;
    static constexpr int lanes = detail::lanes<double>;
    const T* x;
    const std::uint64_t* max_mag;  // per row, from max_magnitude_of
    REPRO_HD void step(double& p, std::size_t row, std::size_t i) const {
        squares_step(p, x[i], 0.0, pow2(-nrm2_shift<T>(max_mag[row])));
    }
    REPRO_HD A finish(double p, std::size_t row, std::size_t) const {
        using tr = float_traits<T>;
        const std::uint64_t mag = max_mag[row];
        if (mag > tr::infinity_bits) return quiet_nan_of<A>();
        if (mag == tr::infinity_bits) return from_bits<A>(float_traits<A>::infinity_bits);
        if (mag == 0) return A(0);
        return static_cast<A>(mul_rn(sqrt_rn(p), pow2(nrm2_shift<T>(mag))));
    }
};

template <class T>
struct variance_of {
    using A = accumulator_t<T>;
    using op = plain_sum<double>;
    using result = A;
    static constexpr int lanes = detail::lanes<double>;
    const T* x;
    const A* mean;  // per row: the correctly rounded mean
    std::size_t ddof;
    REPRO_HD void step(double& p, std::size_t row, std::size_t i) const {
        squares_step(p, x[i], static_cast<double>(mean[row]), 1.0);
    }
    REPRO_HD A finish(double p, std::size_t, std::size_t cols) const {
        if (cols <= ddof) return quiet_nan_of<A>();
        return static_cast<A>(div_rn(p, static_cast<double>(cols - ddof)));
    }
};

// ---- argmax / argmin ----

// The best element seen: the first NaN, else the first extreme (+0 above -0).
struct extreme {
    std::int64_t key;
    std::uint64_t index;
    std::uint32_t kind;  // 0 none, 1 a number, 2 a NaN
};

template <bool Greater>
struct extreme_op {
    using partial = extreme;
    static REPRO_HD partial zero() { return {0, 0, 0}; }
    // The better of two candidates; ties go to the lower index, so any tree
    // of combinations picks the element the CPU's scan picks.
    static REPRO_HD partial combine(partial a, partial b) {
        if (a.kind != b.kind) return a.kind > b.kind ? a : b;
        if (a.kind == 1 && a.key != b.key) return (Greater ? a.key > b.key : a.key < b.key) ? a : b;
        return a.index <= b.index ? a : b;
    }
};

template <bool Greater, class T>
struct extreme_of {
    using op = extreme_op<Greater>;
    using result = std::size_t;
    static constexpr int lanes = 32;
    const T* x;
    std::size_t cols;
    REPRO_HD void step(extreme& p, std::size_t row, std::size_t i) const {
        const bool nan = is_nan(x[i]);
        p = op::combine(p, {nan ? 0 : order_key(x[i]), i - row * cols, nan ? 2u : 1u});
    }
    REPRO_HD std::size_t finish(extreme p, std::size_t, std::size_t) const { return p.index; }
};

// ---- exact tier ----

// A lane's exact partial: the CPU accumulator's fixed-point state and the
// non-finite terms seen. Lanes and chunks merge by integer addition, so the
// order of anything cannot matter.
//
// Why each lane keeps the CPU's own state (28 limbs, 224 bytes, for float
// sums; 136 limbs, 1088 bytes, for double) rather than per-warp bins or a
// shared-memory superaccumulator: an add touches at most three limbs with no
// data-dependent branch, so a lane's state stays in L1-resident local memory
// and lanes never contend; the serialized bytes equal the CPU accumulator's by
// construction (exact_accumulate), with no conversion to get wrong; and the
// same code is what the host emulator tests. No device figure decided it:
// none had been measured when it was written. bench/bench_cuda.cu's
// exact_sum_repro against sum_cub is the measurement that would confirm or
// overturn it (the target is >= 0.7x CUB's sum at n >= 2^26).
template <class A>
struct exact_partial {
    typename exact_accumulator<A>::state_type state;
    specials sp;
};

template <class A>
struct exact_op {
    using partial = exact_partial<A>;
    static REPRO_HD partial zero() { return {}; }
    static REPRO_HD partial combine(partial a, const partial& b) {
        a.state.merge(b.state);
        a.sp.merge(b.sp);
        return a;
    }
};

enum class exact_finish { sum, mean, state };

// Values (Products = false) or products x[i] y[i] (true), for float and
// double accumulators; T may be narrower than A.
template <class A, class T, bool Products = false>
struct exact_of {
    using op = exact_op<A>;
    using result = A;
    static constexpr int lanes = 32;
    const T* x;
    const T* y;
    exact_finish what = exact_finish::sum;
    REPRO_HD void step(exact_partial<A>& p, std::size_t, std::size_t i) const {
        const A a = widen_to<A>(x[i]);
        if constexpr (Products) {
            const A b = widen_to<A>(y[i]);
            if (!(is_finite(a) && is_finite(b)))
                note_special_product(p.sp, a, b);
            else if constexpr (std::is_same<A, float>::value)
                p.state.add(mul_rn(static_cast<double>(a), static_cast<double>(b)));  // exact in double
            else
                p.state.add_product(a, b);
        } else {
            if (is_finite(a))
                p.state.add(static_cast<double>(a));
            else
                note_special(p.sp, a);
        }
    }
    REPRO_HD A finish(const exact_partial<A>& p, std::size_t, std::size_t cols) const {
        return what == exact_finish::mean ? exact_mean<A>(p.state, p.sp, cols) : exact_result<A>(p.state, p.sp);
    }
};

// The merged state itself (exact_accumulate).
template <class A, class T, bool Products = false>
struct exact_state_of : exact_of<A, T, Products> {
    using result = exact_partial<A>;
    REPRO_HD const exact_partial<A>& finish(const exact_partial<A>& p, std::size_t, std::size_t) const { return p; }
};

}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
