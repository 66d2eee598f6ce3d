#pragma once
// repro/detail/math/arrays.hpp - the array forms' loops. map runs the scalar
// function (with hardware fma where the CPU has it); map_float runs the float
// kernels of float_kernels-inl.hpp on double registers (simd::pack), groups
// of width values at a time, each group whose values all take the kernel
// path of the scalar function (Op::ordinary), the others value by value
// through the scalar function. Both give the scalar function's bits.

#include <cstddef>
#include <string>
#include <type_traits>

#include "../errors.hpp"
#include "../simd/dispatch.hpp"
#include "../simd/pack.hpp"
#include "exp_log.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {

// (Called on every array call, e.g. once per row of a linear layer's
// activation: the function's name is put together only when it throws.)
inline void check_arrays(const void* x, const void* y, std::size_t n, const char* name) {
    if (n != 0 && (x == nullptr || y == nullptr))
        repro::detail::throw_invalid((std::string("math::") + name).c_str(),
                                     std::string(x == nullptr ? "x" : "y") + " is a null pointer");
}

template <class T, class F>
void map(const T* x, T* y, std::size_t n, const char* name, F f) {
    check_arrays(x, y, n, name);
    repro::detail::simd::with_fma([&] {
        for (std::size_t i = 0; i < n; ++i) y[i] = f(x[i]);
    });
}

#if REPRO_X86_SIMD
REPRO_AVX2_REGION_BEGIN
// The ops: ordinary(x) - every lane takes the scalar function's kernel path;
// eval(x) - the kernel on every lane, in double.
using V = repro::detail::simd::registers<repro::detail::simd::avx2_tag, double>;
using repro::detail::simd::f64x4;
constexpr double flt_max = 0x1.fffffep127;

inline V::cmask in_range(V::reg x, double lo, double hi) {
    return V::both(V::ge(x, V::constant(lo)), V::le(x, V::constant(hi)));
}
inline V::cmask abs_at_least(V::reg x, double lo) { return V::ge(V::abs(x), V::constant(lo)); }
inline V::reg clamp(V::reg x, double lo, double hi) { return V::min(V::max(x, V::constant(lo)), V::constant(hi)); }

struct exp_op {
    static bool ordinary(V::reg x) { return V::all(in_range(x, -120.0, 100.0)); }
    static V::reg eval(V::reg x) { return fk_avx2::exp(f64x4(x)).v; }
};
struct expm1_op {
    static bool ordinary(V::reg x) { return V::all(V::both(in_range(x, -120.0, 100.0), abs_at_least(x, 0x1p-30))); }
    static V::reg eval(V::reg x) { return fk_avx2::expm1(f64x4(x)).v; }
};
struct log_op {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-149, flt_max)); }
    static V::reg eval(V::reg x) { return fk_avx2::log(f64x4(x)).v; }
};
struct log1p_op {
    static bool ordinary(V::reg x) {
        return V::all(V::both(in_range(x, -0x1.fffffep-1, flt_max), abs_at_least(x, 0x1p-29)));
    }
    static V::reg eval(V::reg x) { return fk_avx2::log(1.0 + f64x4(x)).v; }
};
struct log2_op {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-149, flt_max)); }
    static V::reg eval(V::reg x) { return fk_avx2::log2(f64x4(x)).v; }
};
struct tanh_op {
    static bool ordinary(V::reg x) { return V::all(in_range(V::abs(x), 0x1p-13, 10.0)); }
    static V::reg eval(V::reg x) { return V::with_sign_of(fk_avx2::tanh_positive(f64x4(V::abs(x))).v, x); }
};
struct sigmoid_op {
    static bool ordinary(V::reg x) { return V::all(V::is_ordered(x)); }
    static V::reg eval(V::reg x) { return fk_avx2::sigmoid(f64x4(clamp(x, -200.0, 200.0))).v; }
};
struct silu_op {
    static bool ordinary(V::reg x) { return V::all(V::ge(x, V::constant(-200.0))); }
    static V::reg eval(V::reg x) { return fk_avx2::silu(f64x4(x)).v; }
};
// Both erf branches on all lanes (the middle one on a clamped copy, so the
// table rows exist), then each lane takes the branch the scalar erf takes.
struct erf_op {
    static bool ordinary(V::reg x) { return V::all(V::is_ordered(x)); }
    static V::reg eval(V::reg x) {
        const V::reg a = V::abs(x);
        const V::reg small = fk_avx2::erf_small(f64x4(a)).v;
        const V::reg mid = fk_avx2::erf_mid(f64x4(clamp(a, 0.75, 4.0))).v;
        V::reg r = V::select(V::lt(a, V::constant(4.25)), mid, V::constant(1.0));
        r = V::select(V::lt(a, V::constant(0.75)), small, r);
        return V::with_sign_of(r, x);
    }
};

// Narrowing commutes with the sign, so a sign set in double is the float's.
template <class Op, class F>
void map_avx2(const float* x, float* y, std::size_t n, F scalar) {
    std::size_t i = 0;
    for (; i + V::width <= n; i += V::width) {
        const V::reg xd = V::load_widened(x + i);
        if (Op::ordinary(xd)) {
            V::store_narrowed(y + i, Op::eval(xd));
        } else {
            for (std::size_t j = i; j < i + V::width; ++j) y[j] = scalar(x[j]);
        }
    }
    for (; i < n; ++i) y[i] = scalar(x[i]);
}
REPRO_AVX2_REGION_END
#else
struct exp_op {};
struct expm1_op {};
struct log_op {};
struct log1p_op {};
struct log2_op {};
struct tanh_op {};
struct sigmoid_op {};
struct silu_op {};
struct erf_op {};
#endif

template <class Op, class F>
void map_float(const float* x, float* y, std::size_t n, F scalar) {
    repro::detail::simd::dispatch_among<repro::detail::simd::avx2_tag>([&](auto tag) {
        if constexpr (std::is_same<decltype(tag), repro::detail::simd::scalar_tag>::value) {
            for (std::size_t i = 0; i < n; ++i) y[i] = scalar(x[i]);
        } else {
#if REPRO_X86_SIMD
            map_avx2<Op>(x, y, n, scalar);
#endif
        }
    });
}

}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
