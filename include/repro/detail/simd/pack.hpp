#pragma once
// repro/detail/simd/pack.hpp - f64x4: four doubles of the AVX2 register
// traits with the operators and functions of a double, so that a kernel
// written once as scalar code on `double` (the float math kernels,
// detail/math/float_kernels-inl.hpp) also runs on a register. Each operator
// is one operation of the traits per lane (products unfused), so the
// register gives the scalar code's bits lane by lane. Defined in the AVX2
// region, so that kernels instantiated on it inline the intrinsics.

#include "avx2.hpp"
#include "../prologue.hpp"

#if REPRO_X86_SIMD
REPRO_AVX2_REGION_BEGIN
REPRO_NAMESPACE_BEGIN
namespace detail {
namespace simd {

struct f64x4 {
    using V = registers<avx2_tag, double>;
    using index = V::index;
    V::reg v;
    f64x4() = default;
    f64x4(V::reg r) : v(r) {}               // NOLINT: implicit on purpose
    f64x4(double d) : v(V::constant(d)) {}  // NOLINT: constants in kernels
};

// Free functions, not friends: functions defined in a class template are
// instantiated outside the AVX2 region.
inline f64x4 operator+(f64x4 a, f64x4 b) { return f64x4::V::add(a.v, b.v); }
inline f64x4 operator-(f64x4 a, f64x4 b) { return f64x4::V::sub(a.v, b.v); }
inline f64x4 operator*(f64x4 a, f64x4 b) { return f64x4::V::mul(a.v, b.v); }
inline f64x4 operator/(f64x4 a, f64x4 b) { return f64x4::V::div(a.v, b.v); }
inline f64x4 operator-(f64x4 a) { return f64x4::V::neg(a.v); }
inline f64x4 mul_rn(f64x4 a, f64x4 b) { return f64x4::V::mul(a.v, b.v); }
inline f64x4 fma(f64x4 a, f64x4 b, f64x4 c) { return f64x4::V::fma(a.v, b.v, c.v); }
inline f64x4 max_of(f64x4 a, f64x4 b) { return f64x4::V::max(a.v, b.v); }
inline f64x4 pow2_shifted(f64x4 t) { return f64x4::V::pow2_shifted(t.v); }
inline void log_split(f64x4 x, f64x4& f, f64x4& e) { f64x4::V::log_split(x.v, f.v, e.v); }
inline f64x4 trunc_index(f64x4 v, f64x4::index& i) { return f64x4::V::trunc_index(v.v, i); }
// Coefficient k of row i of a table with `stride` doubles per row.
inline f64x4 coefficient(const double* table, int stride, f64x4::index i, int k) {
    return f64x4::V::gather(table, stride, i, k);
}

}  // namespace simd
}  // namespace detail
REPRO_NAMESPACE_END
REPRO_AVX2_REGION_END
#endif

#include "../epilogue.hpp"
