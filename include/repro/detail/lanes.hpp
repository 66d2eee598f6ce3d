#pragma once
// The fixed-lane reductions behind repro::sum, dot and their compensated
// forms (DESIGN rules 1-3). One chunk of at most `chunk_size` elements is
// reduced in `lanes<A>` virtual lanes: element i goes to lane i % lanes, each
// lane accumulates its elements in ascending order from +0, and the lanes
// combine as a tree (lane j += lane j + w for w = lanes/2, ..., 1). Chunks
// combine pairwise, level by level (c0+c1, c2+c3, ...; an odd last one moves
// up unchanged). The scalar code below is the definition; the AVX2 code does
// the same operations on the same lanes, so both give the same bits.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../fp.hpp"
#include "../isa.hpp"

namespace repro {
namespace detail {

inline constexpr std::size_t chunk_size = 16384;

// 32 float lanes or 16 double lanes: four AVX2 registers either way.
template <class A>
inline constexpr int lanes = sizeof(A) == 4 ? 32 : 16;

template <class A, class T>
REPRO_HD A widen(T x) {
    if constexpr (std::is_same<T, A>::value)
        return x;
    else if constexpr (std::is_floating_point<T>::value)
        return static_cast<A>(x);
    else
        return static_cast<A>(static_cast<float>(x));  // Eigen::half / bfloat16: exact
}

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
template <class Op, int L>
REPRO_HD typename Op::partial lane_tree(typename Op::partial (&lane)[L]) {
    for (int w = L / 2; w >= 1; w /= 2)
        for (int j = 0; j < w; ++j) lane[j] = Op::combine(lane[j], lane[j + w]);
    return lane[0];
}

// ---- generic chunk kernels: the definition of each reduction ----

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

// sum: lane += term(x[i])
template <class A, sum_terms Terms = sum_terms::values, class T>
REPRO_HD A sum_chunk_generic(const T* x, std::size_t n) {
    constexpr int L = lanes<A>;
    A lane[L];
    for (int j = 0; j < L; ++j) lane[j] = A(0);
    for (std::size_t i = 0; i < n; ++i) lane[i % L] += sum_term<Terms>(widen<A>(x[i]));
    return lane_tree<plain_sum<A>>(lane);
}

// dot: lane = fma(x[i], y[i], lane)
template <class A, class T>
REPRO_HD A dot_chunk_generic(const T* x, const T* y, std::size_t n) {
    constexpr int L = lanes<A>;
    A lane[L];
    for (int j = 0; j < L; ++j) lane[j] = A(0);
    for (std::size_t i = 0; i < n; ++i) lane[i % L] = repro::fma(widen<A>(x[i]), widen<A>(y[i]), lane[i % L]);
    return lane_tree<plain_sum<A>>(lane);
}

// compensated sum: (s, e) -> (TwoSum(s, x).value, e + TwoSum(s, x).error)
template <class A, class T>
REPRO_HD compensated<A> sum2_chunk_generic(const T* x, std::size_t n) {
    constexpr int L = lanes<A>;
    compensated<A> lane[L];
    for (int j = 0; j < L; ++j) lane[j] = {A(0), A(0)};
    for (std::size_t i = 0; i < n; ++i) {
        compensated<A>& l = lane[i % L];
        const exact_pair<A> t = two_sum(l.sum, widen<A>(x[i]));
        l = {t.value, l.error + t.error};
    }
    return lane_tree<compensated_sum<A>>(lane);
}

// compensated dot: p = TwoProd(x, y); t = TwoSum(s, p.value);
// (s, e) -> (t.value, e + (t.error + p.error))
template <class A, class T>
REPRO_HD compensated<A> dot2_chunk_generic(const T* x, const T* y, std::size_t n) {
    constexpr int L = lanes<A>;
    compensated<A> lane[L];
    for (int j = 0; j < L; ++j) lane[j] = {A(0), A(0)};
    for (std::size_t i = 0; i < n; ++i) {
        compensated<A>& l = lane[i % L];
        const exact_pair<A> p = two_prod(widen<A>(x[i]), widen<A>(y[i]));
        const exact_pair<A> t = two_sum(l.sum, p.value);
        l = {t.value, l.error + (t.error + p.error)};
    }
    return lane_tree<compensated_sum<A>>(lane);
}

// ---- AVX2 chunk kernels: the same lanes, four registers of 8 floats or 4 doubles ----

#if REPRO_HAS_AVX2_PATH

template <class A>
struct avx2;

template <>
struct avx2<float> {
    using reg = __m256;
    static constexpr int width = 8;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_ps(); }
    REPRO_TARGET_AVX2 static reg load(const float* p) { return _mm256_loadu_ps(p); }
    REPRO_TARGET_AVX2 static reg broadcast(float x) { return _mm256_set1_ps(x); }
    REPRO_TARGET_AVX2 static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    REPRO_TARGET_AVX2 static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
    // A product kept a product (see repro::mul_rn): never fused into a later add.
    REPRO_TARGET_AVX2 static reg mul(reg a, reg b) {
        reg p = _mm256_mul_ps(a, b);
        __asm__("" : "+x"(p));
        return p;
    }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
    REPRO_TARGET_AVX2 static reg neg(reg a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
    // The lane tree below width 8: lanes 0-3 += 4-7, 0-1 += 2-3, 0 += 1.
    REPRO_TARGET_AVX2 static float tree(reg a) {
        __m128 v = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        v = _mm_add_ps(v, _mm_movehl_ps(v, v));
        v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
        return _mm_cvtss_f32(v);
    }
};

template <>
struct avx2<double> {
    using reg = __m256d;
    static constexpr int width = 4;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_pd(); }
    REPRO_TARGET_AVX2 static reg load(const double* p) { return _mm256_loadu_pd(p); }
    REPRO_TARGET_AVX2 static reg broadcast(double x) { return _mm256_set1_pd(x); }
    REPRO_TARGET_AVX2 static void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_pd(a, b); }
    REPRO_TARGET_AVX2 static reg sub(reg a, reg b) { return _mm256_sub_pd(a, b); }
    REPRO_TARGET_AVX2 static reg mul(reg a, reg b) {
        reg p = _mm256_mul_pd(a, b);
        __asm__("" : "+x"(p));
        return p;
    }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
    REPRO_TARGET_AVX2 static reg neg(reg a) { return _mm256_xor_pd(a, _mm256_set1_pd(-0.0)); }
    // The lane tree below width 4: lanes 0-1 += 2-3, 0 += 1.
    REPRO_TARGET_AVX2 static double tree(reg a) {
        const __m128d v = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
    }
};

// The lane tree on four registers r0..r3 (lanes 0..L-1 in order), when no
// tail is pending: lane j += lane j + L/2 is r0 += r2, r1 += r3; then
// lane j += lane j + L/4 is r0 += r1; the rest happens inside r0.
template <class A>
REPRO_TARGET_AVX2 A register_tree(typename avx2<A>::reg r0, typename avx2<A>::reg r1, typename avx2<A>::reg r2,
                                  typename avx2<A>::reg r3) {
    using V = avx2<A>;
    return V::tree(V::add(V::add(r0, r2), V::add(r1, r3)));
}

// Full blocks of `lanes` elements run in registers (register r holds lanes
// r*width .. r*width + width-1); the tail and the tree run on the stored
// lanes with the generic scalar operations.
template <class A, sum_terms Terms = sum_terms::values>
REPRO_TARGET_AVX2 A sum_chunk_avx2(const A* x, std::size_t n) {
    using V = avx2<A>;
    constexpr int L = lanes<A>, W = V::width;
    typename V::reg r[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
            typename V::reg a = V::load(x + i + q * W);
            if constexpr (Terms == sum_terms::squares) a = V::mul(a, a);
            r[q] = V::add(r[q], a);
        }
    }
    if (i == n) return register_tree<A>(r[0], r[1], r[2], r[3]);
    A lane[L];
    for (int q = 0; q < 4; ++q) V::store(lane + q * W, r[q]);
    for (std::size_t j = 0; i < n; ++i, ++j) lane[j] += sum_term<Terms>(x[i]);
    return lane_tree<plain_sum<A>>(lane);
}

// The terms of dot_chunk_avx2: x[i] y[i]; x[i] x[i] loaded once (y is x);
// or d[i] d[i] with d[i] = x[i] - m, each d[i] stored on the way (y unused):
// the lanes of dot_chunk(d, d) in one pass.
enum class dot_terms { products, squares, deviations };

template <class A, dot_terms Terms = dot_terms::products>
REPRO_TARGET_AVX2 A dot_chunk_avx2(const A* x, const A* y, std::size_t n, A m = A(0), A* d = nullptr) {
    using V = avx2<A>;
    constexpr int L = lanes<A>, W = V::width;
    const typename V::reg mv = V::broadcast(m);
    typename V::reg r[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q) {
            typename V::reg a = V::load(x + i + q * W), b = a;
            if constexpr (Terms == dot_terms::deviations) {
                a = V::sub(a, mv);
                V::store(d + i + q * W, a);
                b = a;
            } else if constexpr (Terms == dot_terms::products) {
                b = V::load(y + i + q * W);
            }
            r[q] = V::fma(a, b, r[q]);
        }
    }
    if (i == n) return register_tree<A>(r[0], r[1], r[2], r[3]);
    A lane[L];
    for (int q = 0; q < 4; ++q) V::store(lane + q * W, r[q]);
    for (std::size_t j = 0; i < n; ++i, ++j) {
        if constexpr (Terms == dot_terms::deviations) {
            d[i] = x[i] - m;
            lane[j] = repro::fma(d[i], d[i], lane[j]);
        } else {
            lane[j] = repro::fma(x[i], y[i], lane[j]);
        }
    }
    return lane_tree<plain_sum<A>>(lane);
}

// Vector TwoSum on every lane, the same six operations as repro::two_sum:
// s becomes fl(s + v), the rounding error is returned.
template <class A>
REPRO_TARGET_AVX2 inline typename avx2<A>::reg two_sum_step(typename avx2<A>::reg& s, typename avx2<A>::reg v) {
    using V = avx2<A>;
    const typename V::reg t = V::add(s, v);
    const typename V::reg bb = V::sub(t, s);
    const typename V::reg err = V::add(V::sub(s, V::sub(t, bb)), V::sub(v, bb));
    s = t;
    return err;
}

template <class A>
REPRO_TARGET_AVX2 compensated<A> sum2_chunk_avx2(const A* x, std::size_t n) {
    using V = avx2<A>;
    constexpr int L = lanes<A>, W = V::width;
    typename V::reg s[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    typename V::reg e[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    std::size_t i = 0;
    for (; i + L <= n; i += L)
        for (int r = 0; r < 4; ++r) e[r] = V::add(e[r], two_sum_step<A>(s[r], V::load(x + i + r * W)));
    A ls[L], le[L];
    for (int r = 0; r < 4; ++r) V::store(ls + r * W, s[r]), V::store(le + r * W, e[r]);
    compensated<A> lane[L];
    for (int j = 0; j < L; ++j) lane[j] = {ls[j], le[j]};
    for (std::size_t j = 0; i < n; ++i, ++j) {
        const exact_pair<A> t = two_sum(lane[j].sum, x[i]);
        lane[j] = {t.value, lane[j].error + t.error};
    }
    return lane_tree<compensated_sum<A>>(lane);
}

template <class A>
REPRO_TARGET_AVX2 compensated<A> dot2_chunk_avx2(const A* x, const A* y, std::size_t n) {
    using V = avx2<A>;
    constexpr int L = lanes<A>, W = V::width;
    typename V::reg s[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    typename V::reg e[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        for (int r = 0; r < 4; ++r) {
            const typename V::reg a = V::load(x + i + r * W), b = V::load(y + i + r * W);
            const typename V::reg p = V::mul(a, b);
            const typename V::reg perr = V::fma(a, b, V::neg(p));  // two_prod's error: fma(a, b, -p)
            const typename V::reg terr = two_sum_step<A>(s[r], p);
            e[r] = V::add(e[r], V::add(terr, perr));
        }
    }
    A ls[L], le[L];
    for (int r = 0; r < 4; ++r) V::store(ls + r * W, s[r]), V::store(le + r * W, e[r]);
    compensated<A> lane[L];
    for (int j = 0; j < L; ++j) lane[j] = {ls[j], le[j]};
    for (std::size_t j = 0; i < n; ++i, ++j) {
        const exact_pair<A> p = two_prod(x[i], y[i]);
        const exact_pair<A> t = two_sum(lane[j].sum, p.value);
        lane[j] = {t.value, lane[j].error + (t.error + p.error)};
    }
    return lane_tree<compensated_sum<A>>(lane);
}

#endif  // REPRO_HAS_AVX2_PATH

// ---- chunk dispatch ----

template <class A, class T>
inline constexpr bool has_avx2_kernel = REPRO_HAS_AVX2_PATH && std::is_same<A, T>::value;

template <class A, sum_terms Terms = sum_terms::values, class T>
A sum_chunk(const T* x, std::size_t n) {
#if REPRO_HAS_AVX2_PATH
    if constexpr (has_avx2_kernel<A, T>)
        if (active_isa() >= isa::avx2) return sum_chunk_avx2<A, Terms>(x, n);
#endif
    return sum_chunk_generic<A, Terms>(x, n);
}

template <class A, class T>
A dot_chunk(const T* x, const T* y, std::size_t n) {
#if REPRO_HAS_AVX2_PATH
    if constexpr (has_avx2_kernel<A, T>)
        if (active_isa() >= isa::avx2)
            return x == y ? dot_chunk_avx2<A, dot_terms::squares>(x, x, n) : dot_chunk_avx2<A>(x, y, n);
#endif
    return dot_chunk_generic<A>(x, y, n);
}

// d[i] = x[i] - m for the chunk, and dot_chunk(d, d): a row's deviations
// and their sum of squares in one pass on the AVX2 path.
template <class A>
A deviation_dot_chunk(const A* x, A m, A* d, std::size_t n) {
#if REPRO_HAS_AVX2_PATH
    if (active_isa() >= isa::avx2) return dot_chunk_avx2<A, dot_terms::deviations>(x, nullptr, n, m, d);
#endif
    for (std::size_t i = 0; i < n; ++i) d[i] = x[i] - m;
    return dot_chunk_generic<A>(d, d, n);
}

template <class A, class T>
compensated<A> sum2_chunk(const T* x, std::size_t n) {
#if REPRO_HAS_AVX2_PATH
    if constexpr (has_avx2_kernel<A, T>)
        if (active_isa() >= isa::avx2) return sum2_chunk_avx2<A>(x, n);
#endif
    return sum2_chunk_generic<A>(x, n);
}

template <class A, class T>
compensated<A> dot2_chunk(const T* x, const T* y, std::size_t n) {
#if REPRO_HAS_AVX2_PATH
    if constexpr (has_avx2_kernel<A, T>)
        if (active_isa() >= isa::avx2) return dot2_chunk_avx2<A>(x, y, n);
#endif
    return dot2_chunk_generic<A>(x, y, n);
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
}  // namespace repro
