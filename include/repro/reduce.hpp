#pragma once
// repro/reduce.hpp - reductions in three tiers.
//
// Deterministic (batch_invariant, portable): sum, dot, nrm2, mean, variance,
//   max/min/argmax/argmin. The bits depend only on the data and its length:
//   the order is fixed (detail/reduce/lanes.hpp) and is the same on every ISA,
//   alignment and thread count.
// Compensated (batch_invariant, portable): sum_compensated, dot_compensated,
//   the same order with TwoSum/TwoProd per lane (Ogita-Rump-Oishi Sum2/Dot2):
//   about as accurate as the deterministic tier in twice the precision.
// Exact (order_invariant, portable): exact_sum, exact_dot and
//   exact_accumulator return the correctly rounded exact result, so any
//   order, split or machine gives the same bits.
//
// Element types: float, double and, with repro/eigen.hpp, Eigen::half and
// Eigen::bfloat16 (widened exactly to float). accumulator_t<T> is double for
// double and float otherwise.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/errors.hpp"
#include "detail/meta.hpp"
#include "detail/parallel/pool.hpp"
#include "detail/reduce/reduce.hpp"
#include "fp.hpp"
#include "threads.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// The type of T's sums: double for double, float otherwise.
template <class T>
using accumulator_t = detail::widened_t<T>;

namespace detail {

// The chunked reduction: chunk partials in index order, combined by the
// pairwise chunk tree. Threads compute partials; the tree is the same.
template <class Op, class Chunk>
typename Op::partial reduce_chunks(std::size_t n, unsigned thread_count, Chunk chunk) {
    const std::size_t chunks = (n + chunk_size - 1) / chunk_size;
    if (chunks == 1) return chunk(0, n);  // one leaf: the tree is the leaf itself
    chunk_tree<Op> tree;
    auto len = [n](std::size_t c) {
        return c + 1 < (n + chunk_size - 1) / chunk_size ? chunk_size : n - c * chunk_size;
    };
    if (thread_count <= 1 || chunks <= 1) {
        for (std::size_t c = 0; c < chunks; ++c) tree.push(chunk(c * chunk_size, len(c)));
    } else {
        std::vector<typename Op::partial> partial(chunks);
        parallel_for(chunks, thread_count, [&](std::size_t c) { partial[c] = chunk(c * chunk_size, len(c)); });
        for (const auto& p : partial) tree.push(p);
    }
    return tree.result();
}

// Terms = squares: the sum of x[i] * x[i], each square rounded, in the order
// of sum (rms_norm's statistic).
template <class T, sum_terms Terms = sum_terms::values>
accumulator_t<T> sum_impl(const T* x, std::size_t n, unsigned t) {
    using A = accumulator_t<T>;
    return reduce_chunks<plain_sum<A>>(n, t,
                                       [x](std::size_t b, std::size_t len) { return sum_chunk<A, Terms>(x + b, len); });
}

template <class T>
accumulator_t<T> dot_impl(const T* x, const T* y, std::size_t n, unsigned t) {
    using A = accumulator_t<T>;
    return reduce_chunks<plain_sum<A>>(
        n, t, [x, y](std::size_t b, std::size_t len) { return dot_chunk<A>(x + b, y + b, len); });
}

// repro::dot(d, d) with d[i] = x[i] - m written to d (d may be x): the
// deviations of a row and their sum of squares, one pass per chunk.
template <class T>
T deviation_dot(const T* x, T m, T* d, std::size_t n) {
    static_assert(std::is_same<T, accumulator_t<T>>::value, "repro: float or double deviations");
    return reduce_chunks<plain_sum<T>>(
        n, 1, [x, m, d](std::size_t b, std::size_t len) { return deviation_dot_chunk<T>(x + b, m, d + b, len); });
}

template <class T>
accumulator_t<T> sum2_impl(const T* x, std::size_t n, unsigned t) {
    using A = accumulator_t<T>;
    return compensated_sum<A>::finish(reduce_chunks<compensated_sum<A>>(
        n, t, [x](std::size_t b, std::size_t len) { return sum2_chunk<A>(x + b, len); }));
}

template <class T>
accumulator_t<T> dot2_impl(const T* x, const T* y, std::size_t n, unsigned t) {
    using A = accumulator_t<T>;
    return compensated_sum<A>::finish(reduce_chunks<compensated_sum<A>>(
        n, t, [x, y](std::size_t b, std::size_t len) { return dot2_chunk<A>(x + b, y + b, len); }));
}

// Sum of ((x - shift) * scale)^2 in double lanes (fma per lane, the lane and
// chunk order of sum). Used by nrm2 and variance.
template <class T>
double sum_squares(const T* x, std::size_t n, double shift, double scale) {
    return reduce_chunks<plain_sum<double>>(n, 1, [=](std::size_t b, std::size_t len) {
        constexpr std::size_t L = lanes<double>;
        double lane[L];
        for (std::size_t j = 0; j < L; ++j) lane[j] = 0.0;
        for (std::size_t i = 0; i < len; ++i) {
            const double d = (widen_to<double>(x[b + i]) - shift) * scale;
            lane[i % L] = repro::fma(d, d, lane[i % L]);
        }
        return lane_tree<plain_sum<double>>(lane);
    });
}

// The checked form of first_extreme (fp.hpp).
template <bool Greater, class T>
std::size_t arg_extreme(const T* x, std::size_t n, const char* function) {
    check_pointer(x, n, function, "x");
    if (n == 0) throw_invalid(function, "empty input has no extreme");
    return first_extreme<Greater>(x, n);
}

}  // namespace detail

// ---------------------------------------------------------------- deterministic tier

// Sum of x[0..n). Order (detail/reduce/lanes.hpp): chunks of 16384; in a chunk,
// element i goes to lane i % 32 (16 for double), each lane adds in ascending
// order from +0, lanes combine as a halving tree; chunk results combine
// pairwise level by level. n == 0 gives +0. batch_invariant, portable.
template <class T>
accumulator_t<T> sum(const T* x, std::size_t n, threads t = threads{}) {
    detail::check_pointer(x, n, "sum", "x");
    return detail::sum_impl(x, n, detail::check_threads(t, "sum"));
}

// Dot product: the order of sum with lane = fma(x[i], y[i], lane).
template <class T>
accumulator_t<T> dot(const T* x, const T* y, std::size_t n, threads t = threads{}) {
    detail::check_pointer(x, n, "dot", "x");
    detail::check_pointer(y, n, "dot", "y");
    return detail::dot_impl(x, y, n, detail::check_threads(t, "dot"));
}

// Euclidean norm: the exact power of two 2^-k nearest above max |x| scales
// the values, the squares accumulate in double lanes (order of sum with fma),
// and the result is 2^k * sqrt(sum) rounded to accumulator_t<T>. No overflow
// or underflow for finite input; NaN if any NaN, else +inf if any inf; 0 for n == 0.
template <class T>
accumulator_t<T> nrm2(const T* x, std::size_t n) {
    using A = accumulator_t<T>;
    detail::check_pointer(x, n, "nrm2", "x");
    const detail::chunk_stats st = detail::stats(x, n);
    if (st.special) {
        for (std::size_t i = 0; i < n; ++i)
            if (is_nan(x[i])) return std::numeric_limits<A>::quiet_NaN();
        return std::numeric_limits<A>::infinity();
    }
    if (st.all_zero()) return A(0);
    const int k = detail::top_exponent<T>(st) + 1;  // max |x| < 2^k
    const int shift = k < -1000 ? -1000 : (k > 1000 ? 1000 : k);
    const double scaled = detail::sum_squares(x, n, 0.0, detail::pow2(-shift));
    return static_cast<A>(std::sqrt(scaled) * detail::pow2(shift));
}

// Mean: sum(x, n) / n. n == 0 gives NaN.
template <class T>
accumulator_t<T> mean(const T* x, std::size_t n) {
    using A = accumulator_t<T>;
    detail::check_pointer(x, n, "mean", "x");
    if (n == 0) return std::numeric_limits<A>::quiet_NaN();
    return detail::sum_impl(x, n, 1) / static_cast<A>(n);
}

// Index of the largest value: the first NaN if there is one, else the first
// maximum, with +0 above -0. n == 0 throws std::invalid_argument.
template <class T>
std::size_t argmax(const T* x, std::size_t n) {
    return detail::arg_extreme<true>(x, n, "argmax");
}

template <class T>
std::size_t argmin(const T* x, std::size_t n) {
    return detail::arg_extreme<false>(x, n, "argmin");
}

template <class T>
T max(const T* x, std::size_t n) {
    return x[detail::arg_extreme<true>(x, n, "max")];
}

template <class T>
T min(const T* x, std::size_t n) {
    return x[detail::arg_extreme<false>(x, n, "min")];
}

// ---------------------------------------------------------------- compensated tier

// The order of sum; each lane keeps (s, e) with (s, e) <- (TwoSum(s, x).value,
// e + TwoSum(s, x).error); lanes and chunks combine (s1, e1) + (s2, e2) =
// (TwoSum(s1, s2).value, (e1 + e2) + TwoSum(s1, s2).error); the result is s + e.
template <class T>
accumulator_t<T> sum_compensated(const T* x, std::size_t n, threads t = threads{}) {
    detail::check_pointer(x, n, "sum_compensated", "x");
    return detail::sum2_impl(x, n, detail::check_threads(t, "sum_compensated"));
}

// As sum_compensated, with p = TwoProd(x, y) and e <- e + (TwoSum(s, p.value).error + p.error).
template <class T>
accumulator_t<T> dot_compensated(const T* x, const T* y, std::size_t n, threads t = threads{}) {
    detail::check_pointer(x, n, "dot_compensated", "x");
    detail::check_pointer(y, n, "dot_compensated", "y");
    return detail::dot2_impl(x, y, n, detail::check_threads(t, "dot_compensated"));
}

// ---------------------------------------------------------------- exact tier

namespace detail {

// The correctly rounded value of an exact sum: its non-finite terms decide
// it, else the state rounded once.
template <class T, class State>
REPRO_HD T exact_result(const State& state, const specials& sp) {
    T special;
    if (non_finite_result(sp, special)) return special;
    const auto m = magnitude_of(state);
    return round_digits<T>(m.digit, State::min_exp, m.negative, false);
}

// The correctly rounded state / count (count > 0 unless NaN is wanted).
template <class T, class State>
REPRO_HD T exact_mean(const State& state, const specials& sp, std::uint64_t count) {
    if (count == 0) return quiet_nan_of<T>();
    T special;
    if (non_finite_result(sp, special)) return special;
    auto m = magnitude_of(state);
    // Long division by the count with 64 extra fraction bits below the
    // least digit (three digits, to keep the digit alignment); a nonzero
    // remainder is the sticky bit.
    constexpr std::size_t N = State::limbs + 1 + 3;
    std::uint32_t num[N] = {};
    for (int i = 0; i < State::limbs + 1; ++i) num[i + 3] = m.digit[i];
    std::uint32_t quo[N] = {};
    std::uint64_t rem = 0;
    for (int bit = N * 32 - 1; bit >= 0; --bit) {
        const bool top = (rem >> 63) != 0;
        rem = (rem << 1) | ((num[bit / 32] >> (bit % 32)) & 1u);
        if (top || rem >= count) {
            rem -= count;
            quo[bit / 32] |= 1u << (bit % 32);
        }
    }
    return round_digits<T>(quo, State::min_exp - 96, m.negative, rem != 0);
}

// Access to an accumulator's parts for the CUDA variants, which accumulate on
// the device and hand the state back as an exact_accumulator.
template <class T>
struct accumulator_parts;

}  // namespace detail

// The exact running sum of float (T = float) or double (T = double) terms,
// products included. State: a fixed-point integer of 32-bit digits in int64
// limbs covering every product of two T values and 2^64 of them
// ([2^-416, 2^480) for float, [2^-2148, 2^2112) for double), renormalised
// every 2^29 digit additions, plus the count and the non-finite terms seen.
// Results round once, to nearest even; an exact zero is +0 (as math.fsum);
// any NaN, or both infinities, gives NaN; one infinity gives that infinity.
template <class T>
class exact_accumulator {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "exact_accumulator<T>: T is float or double");

public:
    // The float state starts at 2^-416: float terms arrive widened to
    // double, whose 53-bit mantissas (and their 106-bit products) place the
    // lowest stored bit of a float product as low as 2^-402.
    using state_type = std::conditional_t<std::is_same<T, float>::value, detail::superaccumulator<-416, 28>,
                                          detail::superaccumulator<-2148, 136>>;

    void add(T x) {
        ++count_;
        if (is_finite(x))
            state_.add(static_cast<double>(x));
        else
            detail::note_special(specials_, x);
    }

    // Adds x[0..n): U is T, or (for exact_accumulator<float>) Eigen::half / bfloat16.
    template <class U>
    void add(const U* x, std::size_t n) {
        static_assert(std::is_same<detail::widened_t<U>, T>::value, "exact_accumulator::add: element type");
        detail::check_pointer(x, n, "exact_accumulator::add", "x");
        detail::exact_add_values(state_, specials_, x, n);
        count_ += n;
    }

    void add_product(T a, T b) {
        ++count_;
        if (is_finite(a) && is_finite(b))
            state_.add_product(static_cast<double>(a), static_cast<double>(b));
        else
            detail::note_special_product(specials_, a, b);
    }

    template <class U>
    void add_products(const U* x, const U* y, std::size_t n) {
        static_assert(std::is_same<detail::widened_t<U>, T>::value, "exact_accumulator::add_products: element type");
        detail::check_pointer(x, n, "exact_accumulator::add_products", "x");
        detail::check_pointer(y, n, "exact_accumulator::add_products", "y");
        detail::exact_add_products(state_, specials_, x, y, n);
        count_ += n;
    }

    // Adds other's terms. Throws std::overflow_error, leaving *this as it
    // was, when the count would pass 2^64 - 1 or the sum would leave the
    // state's range - which only states read by deserialize can reach (the
    // range holds 2^64 of the largest products).
    void merge(const exact_accumulator& other) {
        if (count_ > std::numeric_limits<std::uint64_t>::max() - other.count_)
            throw std::overflow_error("repro::exact_accumulator::merge: more than 2^64 - 1 terms");
        state_type s = state_;
        s.merge(other.state_);
        if (!s.top_is_sign())
            throw std::overflow_error("repro::exact_accumulator::merge: the sum leaves the accumulator's range");
        state_ = s;
        specials_.merge(other.specials_);
        count_ += other.count_;
    }

    std::uint64_t count() const { return count_; }

    // The correctly rounded sum of everything added.
    T result() const { return detail::exact_result<T>(state_, specials_); }

    // The correctly rounded sum / count(); NaN when nothing was added.
    T mean() const { return detail::exact_mean<T>(state_, specials_, count_); }

    // Byte format, version 1, all integers little-endian:
    //   "RPXA" | version u8 = 1 | type u8 (4 = float, 8 = double) | flags u8
    //   (bit 0 NaN, bit 1 +inf, bit 2 -inf) | reserved u8 = 0 | count u64 |
    //   limb count u32 | limbs as two's-complement i64, least significant
    //   first, normalised (all but the last in [0, 2^32)).
    std::vector<std::uint8_t> serialize() const {
        state_type s = state_;
        s.normalize();
        std::vector<std::uint8_t> out;
        out.reserve(20 + 8 * state_type::limbs);
        for (char c : {'R', 'P', 'X', 'A'}) out.push_back(static_cast<std::uint8_t>(c));
        out.push_back(1);
        out.push_back(static_cast<std::uint8_t>(sizeof(T)));
        out.push_back(static_cast<std::uint8_t>((specials_.nan ? 1 : 0) | (specials_.pos_inf ? 2 : 0) |
                                                (specials_.neg_inf ? 4 : 0)));
        out.push_back(0);
        put(out, count_, 8);
        put(out, static_cast<std::uint64_t>(state_type::limbs), 4);
        for (int i = 0; i < state_type::limbs; ++i) put(out, static_cast<std::uint64_t>(s.limb[i]), 8);
        return out;
    }

    static exact_accumulator deserialize(const std::uint8_t* data, std::size_t size) {
        auto fail = [](const char* why) { detail::throw_invalid("exact_accumulator::deserialize", why); };
        if (data == nullptr && size != 0) fail("data is a null pointer");
        const std::size_t expected = 20 + 8 * static_cast<std::size_t>(state_type::limbs);
        if (size < 20) fail("truncated header");
        if (data[0] != 'R' || data[1] != 'P' || data[2] != 'X' || data[3] != 'A') fail("not an exact_accumulator");
        if (data[4] != 1)
            detail::throw_invalid("exact_accumulator::deserialize",
                                  "format version " + std::to_string(data[4]) + "; this build reads version 1");
        if (data[5] != sizeof(T))
            detail::throw_invalid("exact_accumulator::deserialize",
                                  data[5] == 4 || data[5] == 8 ? std::string("the bytes hold an exact_accumulator<") +
                                                                     (data[5] == 4 ? "float" : "double") + ">, not <" +
                                                                     (sizeof(T) == 4 ? "float" : "double") + ">"
                                                               : "unknown element type " + std::to_string(data[5]));
        if ((data[6] & ~7u) != 0 || data[7] != 0) fail("bad flags");
        if (get(data + 16, 4) != static_cast<std::uint64_t>(state_type::limbs)) fail("bad limb count");
        if (size != expected) fail("wrong length");
        exact_accumulator a;
        a.specials_.nan = (data[6] & 1) != 0;
        a.specials_.pos_inf = (data[6] & 2) != 0;
        a.specials_.neg_inf = (data[6] & 4) != 0;
        a.count_ = get(data + 8, 8);
        for (int i = 0; i < state_type::limbs; ++i) {
            a.state_.limb[i] = static_cast<std::int64_t>(get(data + 20 + 8 * static_cast<std::size_t>(i), 8));
            if (i + 1 < state_type::limbs && (a.state_.limb[i] < 0 || a.state_.limb[i] >= (std::int64_t(1) << 32)))
                fail("limbs not normalised");
        }
        // The top limb of a real state only carries the sign: its range holds
        // 2^64 of the largest products. Anything else would overflow merge.
        if (!a.state_.top_is_sign()) fail("value beyond the accumulator's range");
        return a;
    }

    static exact_accumulator deserialize(const std::vector<std::uint8_t>& bytes) {
        return deserialize(bytes.data(), bytes.size());
    }

private:
    static void put(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    static std::uint64_t get(const std::uint8_t* p, int bytes) {
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
        return v;
    }

    template <class U>
    friend struct detail::accumulator_parts;

    state_type state_;
    detail::specials specials_;
    std::uint64_t count_ = 0;
};

namespace detail {

template <class T>
struct accumulator_parts {
    static const typename exact_accumulator<T>::state_type& state(const exact_accumulator<T>& a) { return a.state_; }
    static const specials& special_terms(const exact_accumulator<T>& a) { return a.specials_; }
    static exact_accumulator<T> make(const typename exact_accumulator<T>::state_type& state, const specials& sp,
                                     std::uint64_t count) {
        exact_accumulator<T> a;
        a.state_ = state;
        a.specials_ = sp;
        a.count_ = count;
        return a;
    }
};

template <class T, class AddRange>
accumulator_t<T> exact_parallel(std::size_t n, unsigned t, AddRange add_range) {
    using A = accumulator_t<T>;
    constexpr std::size_t block = 1 << 16;  // work unit for threads; exactness makes the split irrelevant
    const std::size_t blocks = (n + block - 1) / block;
    if (t <= 1 || blocks <= 1) {
        exact_accumulator<A> acc;
        add_range(acc, 0, n);
        return acc.result();
    }
    const std::size_t workers = t < blocks ? t : blocks;
    std::vector<exact_accumulator<A>> part(workers);
    parallel_for(workers, static_cast<unsigned>(workers), [&](std::size_t w) {
        const std::size_t begin = blocks * w / workers * block, end = blocks * (w + 1) / workers * block;
        add_range(part[w], begin, end < n ? end : n);
    });
    for (std::size_t w = 1; w < workers; ++w) part[0].merge(part[w]);
    return part[0].result();
}

}  // namespace detail

// Variance around the exact mean: m = the correctly rounded mean of x
// (exact_accumulator::mean), then the sum of (x - m)^2 in double lanes (the
// order of sum, with fma) divided by n - ddof. Constant data gives exactly 0.
// n <= ddof gives NaN.
template <class T>
accumulator_t<T> variance(const T* x, std::size_t n, std::size_t ddof = 0) {
    using A = accumulator_t<T>;
    detail::check_pointer(x, n, "variance", "x");
    if (n <= ddof) return std::numeric_limits<A>::quiet_NaN();
    exact_accumulator<A> acc;
    acc.add(x, n);
    const A m = acc.mean();
    return static_cast<A>(detail::sum_squares(x, n, static_cast<double>(m), 1.0) / static_cast<double>(n - ddof));
}

// The correctly rounded sum of x[0..n). order_invariant, portable.
template <class T>
accumulator_t<T> exact_sum(const T* x, std::size_t n, threads t = threads{}) {
    detail::check_pointer(x, n, "exact_sum", "x");
    return detail::exact_parallel<T>(n, detail::check_threads(t, "exact_sum"),
                                     [x](auto& acc, std::size_t b, std::size_t e) { acc.add(x + b, e - b); });
}

// The correctly rounded dot product of x and y. order_invariant, portable.
template <class T>
accumulator_t<T> exact_dot(const T* x, const T* y, std::size_t n, threads t = threads{}) {
    detail::check_pointer(x, n, "exact_dot", "x");
    detail::check_pointer(y, n, "exact_dot", "y");
    return detail::exact_parallel<T>(
        n, detail::check_threads(t, "exact_dot"),
        [x, y](auto& acc, std::size_t b, std::size_t e) { acc.add_products(x + b, y + b, e - b); });
}

// ---------------------------------------------------------------- containers

// sum(c), dot(a, b), ... for contiguous containers (std::vector, std::array, spans).
template <class C, class T = detail::element_of<C>>
accumulator_t<T> sum(const C& c) {
    return sum(std::data(c), std::size(c));
}

template <class C, class T = detail::element_of<C>>
accumulator_t<T> exact_sum(const C& c) {
    return exact_sum(std::data(c), std::size(c));
}

template <class C, class T = detail::element_of<C>>
accumulator_t<T> dot(const C& x, const C& y) {
    detail::check_same_length(std::size(x), std::size(y), "dot", "x", "y");
    return dot(std::data(x), std::data(y), std::size(x));
}

template <class C, class T = detail::element_of<C>>
accumulator_t<T> exact_dot(const C& x, const C& y) {
    detail::check_same_length(std::size(x), std::size(y), "exact_dot", "x", "y");
    return exact_dot(std::data(x), std::data(y), std::size(x));
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
