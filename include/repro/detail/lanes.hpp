#pragma once
// The fixed-lane reductions behind repro::sum, dot and their compensated
// forms (DESIGN rules 1-3). One chunk of at most `chunk_size` elements is
// reduced in `lanes<A>` virtual lanes: element i goes to lane i % lanes, each
// lane accumulates its elements in ascending order from +0, and the lanes
// combine as a tree (lane j += lane j + w for w = lanes/2, ..., 1). Chunks
// combine pairwise, level by level (c0+c1, c2+c3, ...; an odd last one moves
// up unchanged). The scalar code below is the definition; the AVX2 and
// AVX-512 kernels (lane_kernels.hpp) do the same operations on the same
// lanes, so every path gives the same bits.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../fp.hpp"
#include "../isa.hpp"
#include "gemm_regs.hpp"

namespace repro {
namespace detail {

inline constexpr std::size_t chunk_size = 16384;

// 32 float lanes or 16 double lanes: four AVX2 or two AVX-512 registers either way.
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

// ---- registers: AVX2 (8 floats, 4 doubles) and AVX-512 (16, 8) ----

#if REPRO_HAS_AVX2_PATH

// The reductions' registers: the matrix kernels' (gemm_regs.hpp: zero,
// load, store, broadcast, fma), plus the adds, products and lane trees of a
// reduction.
template <class A>
struct avx2;

template <>
struct avx2<float> : gemm_avx2<float> {
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    REPRO_TARGET_AVX2 static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
    // A product kept a product (see repro::mul_rn): never fused into a later add.
    REPRO_TARGET_AVX2 static reg mul(reg a, reg b) {
        reg p = _mm256_mul_ps(a, b);
        __asm__("" : "+x"(p));
        return p;
    }
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
struct avx2<double> : gemm_avx2<double> {
    REPRO_TARGET_AVX2 static reg add(reg a, reg b) { return _mm256_add_pd(a, b); }
    REPRO_TARGET_AVX2 static reg sub(reg a, reg b) { return _mm256_sub_pd(a, b); }
    REPRO_TARGET_AVX2 static reg mul(reg a, reg b) {
        reg p = _mm256_mul_pd(a, b);
        __asm__("" : "+x"(p));
        return p;
    }
    REPRO_TARGET_AVX2 static reg neg(reg a) { return _mm256_xor_pd(a, _mm256_set1_pd(-0.0)); }
    // The lane tree below width 4: lanes 0-1 += 2-3, 0 += 1.
    REPRO_TARGET_AVX2 static double tree(reg a) {
        const __m128d v = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v)));
    }
};

template <class A>
struct avx512;

// AVX512F only: the float xor and 256-bit extract of AVX512DQ are replaced
// by their integer and double forms (the same bits). The halves are taken by
// zero-masked extracts: GCC 12 warns that the plain extract's (and so the
// 512-to-256 cast's) undefined pass-through value is uninitialized.
template <>
struct avx512<float> : gemm_avx512<float> {
    REPRO_TARGET_AVX512 static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
    REPRO_TARGET_AVX512 static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
    REPRO_TARGET_AVX512 static reg mul(reg a, reg b) {
        reg p = _mm512_mul_ps(a, b);
        __asm__("" : "+v"(p));
        return p;
    }
    REPRO_TARGET_AVX512 static reg neg(reg a) {
        return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
    }
    // Lanes 0-7 += 8-15, then the AVX2 tree.
    REPRO_TARGET_AVX512 static float tree(reg a) {
        const __m512d d = _mm512_castps_pd(a);
        const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, d, 0));
        const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, d, 1));
        return avx2<float>::tree(_mm256_add_ps(lo, hi));
    }
};

template <>
struct avx512<double> : gemm_avx512<double> {
    REPRO_TARGET_AVX512 static reg add(reg a, reg b) { return _mm512_add_pd(a, b); }
    REPRO_TARGET_AVX512 static reg sub(reg a, reg b) { return _mm512_sub_pd(a, b); }
    REPRO_TARGET_AVX512 static reg mul(reg a, reg b) {
        reg p = _mm512_mul_pd(a, b);
        __asm__("" : "+v"(p));
        return p;
    }
    REPRO_TARGET_AVX512 static reg neg(reg a) {
        return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a), _mm512_set1_epi64(INT64_MIN)));
    }
    // Lanes 0-3 += 4-7, then the AVX2 tree.
    REPRO_TARGET_AVX512 static double tree(reg a) {
        return avx2<double>::tree(
            _mm256_add_pd(_mm512_maskz_extractf64x4_pd(0xF, a, 0), _mm512_maskz_extractf64x4_pd(0xF, a, 1)));
    }
};

// The terms of dot_chunk in lane_kernels.hpp.
enum class dot_terms { products, squares, deviations };

// The kernels, once per instruction set.
}  // namespace detail
}  // namespace repro

#define REPRO_LANES_ISA avx2_kernels
#define REPRO_LANES_TARGET REPRO_TARGET_AVX2
#define REPRO_LANES_REGS avx2
#include "lane_kernels.hpp"
#undef REPRO_LANES_ISA
#undef REPRO_LANES_TARGET
#undef REPRO_LANES_REGS
#define REPRO_LANES_ISA avx512_kernels
#define REPRO_LANES_TARGET REPRO_TARGET_AVX512
#define REPRO_LANES_REGS avx512
#include "lane_kernels.hpp"
#undef REPRO_LANES_ISA
#undef REPRO_LANES_TARGET
#undef REPRO_LANES_REGS

namespace repro {
namespace detail {

#endif  // REPRO_HAS_AVX2_PATH

// ---- chunk dispatch ----

template <class A, class T>
inline constexpr bool has_simd_kernel = REPRO_HAS_AVX2_PATH && std::is_same<A, T>::value;

// Returns the active instruction set's form of a kernel call; falls through
// (to the generic form) on a CPU without AVX2.
#if REPRO_HAS_AVX2_PATH
#define REPRO_LANES_DISPATCH(...)                                     \
    do {                                                              \
        const isa active = active_isa();                              \
        if (active >= isa::avx512) return avx512_kernels::__VA_ARGS__; \
        if (active >= isa::avx2) return avx2_kernels::__VA_ARGS__;     \
    } while (false)
#else
#define REPRO_LANES_DISPATCH(...) \
    do {                           \
    } while (false)
#endif

template <class A, sum_terms Terms = sum_terms::values, class T>
A sum_chunk(const T* x, std::size_t n) {
    if constexpr (has_simd_kernel<A, T>) REPRO_LANES_DISPATCH(sum_chunk<A, Terms>(x, n));
    return sum_chunk_generic<A, Terms>(x, n);
}

template <class A, class T>
A dot_chunk(const T* x, const T* y, std::size_t n) {
    if constexpr (has_simd_kernel<A, T>) {
        if (x == y) REPRO_LANES_DISPATCH(dot_chunk<A, dot_terms::squares>(x, x, n));
        REPRO_LANES_DISPATCH(dot_chunk<A>(x, y, n));
    }
    return dot_chunk_generic<A>(x, y, n);
}

// d[i] = x[i] - m for the chunk, and dot_chunk(d, d): a row's deviations
// and their sum of squares in one pass on the SIMD paths.
template <class A>
A deviation_dot_chunk(const A* x, A m, A* d, std::size_t n) {
    REPRO_LANES_DISPATCH(dot_chunk<A, dot_terms::deviations>(x, nullptr, n, m, d));
    for (std::size_t i = 0; i < n; ++i) d[i] = x[i] - m;
    return dot_chunk_generic<A>(d, d, n);
}

template <class A, class T>
compensated<A> sum2_chunk(const T* x, std::size_t n) {
    if constexpr (has_simd_kernel<A, T>) REPRO_LANES_DISPATCH(sum2_chunk<A>(x, n));
    return sum2_chunk_generic<A>(x, n);
}

template <class A, class T>
compensated<A> dot2_chunk(const T* x, const T* y, std::size_t n) {
    if constexpr (has_simd_kernel<A, T>) REPRO_LANES_DISPATCH(dot2_chunk<A>(x, y, n));
    return dot2_chunk_generic<A>(x, y, n);
}

#undef REPRO_LANES_DISPATCH

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
