// repro/detail/math/simd_arrays-inl.hpp - the SIMD loop of the array forms
// and its ops, for the register traits V, the pack P and the kernels fk of
// one ISA. No include guard on purpose: arrays.hpp includes it once
// per ISA, inside that ISA's region and namespace.
//
// The ops: ordinary(x) - every lane takes the scalar function's kernel path
// (for double: a path whose result needs none of the scalar function's
// scalings); eval(x) - the kernel on every lane, in double. op<Tag> serves
// float, op64<Tag> double.

constexpr double flt_max = 0x1.fffffep127;
constexpr double dbl_max = 0x1.fffffffffffffp1023;

template <class Tag>
struct op;
template <class Tag>
struct op64;

inline V::cmask in_range(V::reg x, double lo, double hi) {
    return V::both(V::ge(x, V::constant(lo)), V::le(x, V::constant(hi)));
}
inline V::cmask abs_at_least(V::reg x, double lo) { return V::ge(V::abs(x), V::constant(lo)); }
inline V::reg clamp(V::reg x, double lo, double hi) { return V::min(V::max(x, V::constant(lo)), V::constant(hi)); }

template <>
struct op<exp_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, -120.0, 100.0)); }
    static V::reg eval(V::reg x) { return fk::exp(P(x)).v; }
};
template <>
struct op<expm1_op> {
    static bool ordinary(V::reg x) { return V::all(V::both(in_range(x, -120.0, 100.0), abs_at_least(x, 0x1p-30))); }
    static V::reg eval(V::reg x) { return fk::expm1(P(x)).v; }
};
template <>
struct op<log_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-149, flt_max)); }
    static V::reg eval(V::reg x) { return fk::log(P(x)).v; }
};
template <>
struct op<log1p_op> {
    static bool ordinary(V::reg x) {
        return V::all(V::both(in_range(x, -0x1.fffffep-1, flt_max), abs_at_least(x, 0x1p-29)));
    }
    static V::reg eval(V::reg x) { return fk::log(1.0 + P(x)).v; }
};
template <>
struct op<log2_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-149, flt_max)); }
    static V::reg eval(V::reg x) { return fk::log2(P(x)).v; }
};
template <>
struct op<tanh_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(V::abs(x), 0x1p-13, 10.0)); }
    static V::reg eval(V::reg x) { return V::with_sign_of(fk::tanh_positive(P(V::abs(x))).v, x); }
};
template <>
struct op<sigmoid_op> {
    static bool ordinary(V::reg x) { return V::all(V::is_ordered(x)); }
    static V::reg eval(V::reg x) { return fk::sigmoid(P(clamp(x, -200.0, 200.0))).v; }
};
template <>
struct op<silu_op> {
    static bool ordinary(V::reg x) { return V::all(V::ge(x, V::constant(-200.0))); }
    static V::reg eval(V::reg x) { return fk::silu(P(x)).v; }
};
// Both erf branches on all lanes (the middle one on a clamped copy, so the
// table rows exist), then each lane takes the branch the scalar erf takes.
template <>
struct op<erf_op> {
    static bool ordinary(V::reg x) { return V::all(V::is_ordered(x)); }
    static V::reg eval(V::reg x) {
        const V::reg a = V::abs(x);
        const V::reg small = fk::erf_small(P(a)).v;
        const V::reg mid = fk::erf_mid(P(clamp(a, 0.75, 4.0))).v;
        V::reg r = V::select(V::lt(a, V::constant(4.25)), mid, V::constant(1.0));
        r = V::select(V::lt(a, V::constant(0.75)), small, r);
        return V::with_sign_of(r, x);
    }
};

template <>
struct op64<exp_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, -708.0, 709.0)); }
    static V::reg eval(V::reg x) { return fk::exp_normal(P(x)).v; }
};
template <>
struct op64<expm1_op> {
    static bool ordinary(V::reg x) { return V::all(V::both(in_range(x, -38.0, 40.0), abs_at_least(x, 0x1p-54))); }
    static V::reg eval(V::reg x) {
        const auto r = fk::expm1_dd(P(x));
        return (r.value + r.error).v;
    }
};
template <>
struct op64<tanh_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(V::abs(x), 0x1p-27, 19.1)); }
    static V::reg eval(V::reg x) { return V::with_sign_of(fk::tanh_positive_dd(P(V::abs(x))).v, x); }
};
template <>
struct op64<sigmoid_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, -700.0, 38.0)); }
    static V::reg eval(V::reg x) {
        const auto s = fk::sigmoid_dd(P(x));
        return (s.value + s.error).v;
    }
};
template <>
struct op64<silu_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, -700.0, 38.0)); }
    static V::reg eval(V::reg x) { return fk::silu_dd(P(x)).v; }
};
template <>
struct op64<log_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-1022, dbl_max)); }
    static V::reg eval(V::reg x) { return fk::log_normal(P(x)).v; }
};
template <>
struct op64<log2_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-1022, dbl_max)); }
    static V::reg eval(V::reg x) { return fk::log2_normal(P(x)).v; }
};
template <>
struct op64<log1p_op> {
    static bool ordinary(V::reg x) {
        return V::all(V::both(in_range(x, -0x1.fffffffffffffp-1, 0x1p1000), abs_at_least(x, 0x1p-54)));
    }
    static V::reg eval(V::reg x) { return fk::log1p_dd(P(x)).v; }
};

// gelu_tanh's float kernel for every finite x.
template <>
struct op<gelu_tanh_op> {
    static bool ordinary(V::reg x) { return V::all(V::le(V::abs(x), V::constant(flt_max))); }
    static V::reg eval(V::reg x) { return fk::gelu_tanh(P(x)).v; }
};

// gelu_tanh, double, for x in [-21, 10] and not 0, where exp(-|2u|) is
// normal (-|2u| > -700 down to x = -21.2).
template <>
struct op64<gelu_tanh_op> {
    static bool ordinary(V::reg x) { return V::all(V::both(in_range(x, -21.0, 10.0), abs_at_least(x, 0x1p-1074))); }
    static V::reg eval(V::reg x) {
        const P xd(x);
        return fk::gelu_tanh_dd(xd, fk::gelu_tanh_2u_dd(xd)).v;
    }
};

// gelu (erf form), float: the scalar function's three branches (0: 0 <
// |x| < 0.5, 1: 0.5 <= x < 6, 2: -16 < x <= -0.5), and 3 for x >= 6 (+inf
// included) and +-0, which give x; x <= -16 and NaN take the scalar function.
template <>
struct op<gelu_op> {
    static constexpr int branches = 4;
    template <int B>
    static V::cmask in_branch(V::reg x) {
        if constexpr (B == 0) return V::both(V::lt(V::abs(x), V::constant(0.5)), V::lt(V::zero(), V::abs(x)));
        if constexpr (B == 1) return V::both(V::ge(x, V::constant(0.5)), V::lt(x, V::constant(6.0)));
        if constexpr (B == 2) return V::both(V::le(x, V::constant(-0.5)), V::lt(V::constant(-16.0), x));
        if constexpr (B == 3) return V::either(V::ge(x, V::constant(6.0)), V::is_zero(x));
    }
    template <int B>
    static V::reg eval_branch(V::reg x) {
        if constexpr (B == 0) return fk::gelu_small_branch(P(x), P(V::abs(x))).v;
        if constexpr (B == 1) return fk::gelu_positive_branch(P(x)).v;
        if constexpr (B == 2) return fk::gelu_negative_branch(P(x), P(V::neg(x))).v;
        if constexpr (B == 3) return x;
    }
};

// gelu (erf form), double: the same branches (0: 2^-900 <= |x| < 0.5, 1:
// 0.5 <= x < 8.5, 2: -37 <= x <= -0.5) and 3 for x >= 8.5 (+inf included).
// Below -37 the negative branch's result or its scale 2^k is not normal
// (one product by 2^k would not be the scalar two-step scaling); there,
// below 2^-900 in magnitude and for NaN the scalar function runs.
template <>
struct op64<gelu_op> {
    static constexpr int branches = 4;
    template <int B>
    static V::cmask in_branch(V::reg x) {
        if constexpr (B == 0) return V::both(V::lt(V::abs(x), V::constant(0.5)), abs_at_least(x, 0x1p-900));
        if constexpr (B == 1) return V::both(V::ge(x, V::constant(0.5)), V::lt(x, V::constant(8.5)));
        if constexpr (B == 2) return in_range(x, -37.0, -0.5);
        if constexpr (B == 3) return V::ge(x, V::constant(8.5));
    }
    template <int B>
    static V::reg eval_branch(V::reg x) {
        if constexpr (B == 0) return fk::gelu_small_dd(P(x), P(V::abs(x))).v;
        if constexpr (B == 1) return fk::gelu_positive_dd(P(x)).v;
        if constexpr (B == 2) {
            P t;
            const P v = fk::gelu_negative_dd(P(x), P(V::neg(x)), t);
            return (v * pow2_shifted(t)).v;
        }
        if constexpr (B == 3) return x;
    }
};

// sin2pi or cos2pi of x, |x| < 2^52, on every lane, the scalar driver's
// steps (trig.hpp): |x| = n + k/4 + r, the quadrant's polynomial and sign
// chosen from k in -2..2, exact zeros made +0, then sin's sign from x.
template <bool Double, bool Sin>
V::reg sincos2pi_lanes(V::reg x) {
    P k;
    const P r = fk::reduce_quarter(P(V::abs(x)), k);
    const V::reg s = (Double ? fk::sin2pi_kernel(r) : fk::sin2pi_kernel_f(r)).v;
    const V::reg c = (Double ? fk::cos2pi_kernel(r) : fk::cos2pi_kernel_f(r)).v;
    const V::reg ak = V::abs(k.v);
    const V::cmask odd = V::both(V::ge(ak, V::constant(0.5)), V::le(ak, V::constant(1.5)));  // k = +-1
    // k = -2..2: sin -S, -C, S, C, -S; cos -C, S, C, -S, -C
    V::reg v = Sin ? V::select(odd, c, s) : V::select(odd, s, c);
    const V::cmask negate = Sin ? V::either(V::lt(k.v, V::zero()), V::ge(k.v, V::constant(1.5)))
                                : V::either(V::ge(k.v, V::constant(0.5)), V::le(k.v, V::constant(-1.5)));
    v = V::add(V::select(negate, V::neg(v), v), V::zero());  // -0 + 0 = +0
    return Sin ? V::times_sign_of(v, x) : v;
}
inline bool trig_ordinary(V::reg x) { return V::all(V::lt(V::abs(x), V::constant(0x1p52))); }

template <>
struct op<sin2pi_op> {
    static bool ordinary(V::reg x) { return trig_ordinary(x); }
    static V::reg eval(V::reg x) { return sincos2pi_lanes<false, true>(x); }
};
template <>
struct op<cos2pi_op> {
    static bool ordinary(V::reg x) { return trig_ordinary(x); }
    static V::reg eval(V::reg x) { return sincos2pi_lanes<false, false>(x); }
};
template <>
struct op64<sin2pi_op> {
    static bool ordinary(V::reg x) { return trig_ordinary(x); }
    static V::reg eval(V::reg x) { return sincos2pi_lanes<true, true>(x); }
};
template <>
struct op64<cos2pi_op> {
    static bool ordinary(V::reg x) { return trig_ordinary(x); }
    static V::reg eval(V::reg x) { return sincos2pi_lanes<true, false>(x); }
};

// rsqrt (rsqrt.hpp): float: y = 1/sqrt(x) in double, whose rounding to float
// is right unless y lies near a float midpoint (about one value in 2^25);
// groups with such a lane take the scalar function's exact test there.
// Double: the Newton step, for x where it needs no scaling.
template <>
struct op<rsqrt_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-149, flt_max)); }
    static V::reg eval(V::reg x) {
        const V::reg y = V::div(V::constant(1.0), V::sqrt(x));
        if (!V::any(V::near_float_midpoint(y))) return y;
        double xs[V::width], ys[V::width];
        V::store(xs, x);
        for (int j = 0; j < V::width; ++j) ys[j] = static_cast<double>(rsqrt_f_positive(static_cast<float>(xs[j])));
        return V::load(ys);
    }
};
template <>
struct op64<rsqrt_op> {
    static bool ordinary(V::reg x) { return V::all(in_range(x, 0x1p-500, 0x1p500)); }
    static V::reg eval(V::reg x) { return fk::rsqrt_newton(P(x)).v; }
};

inline V::reg load_as_double(const float* p) { return V::load_widened(p); }
inline V::reg load_as_double(const double* p) { return V::load(p); }
// Narrowing commutes with the sign, so a sign set in double is the float's.
inline void store_from_double(float* p, V::reg v) { V::store_narrowed(p, v); }
inline void store_from_double(double* p, V::reg v) { V::store(p, v); }

// Registers per step of the loop: two on AVX2, one on AVX-512. Two
// independent registers a step made the AVX2 forms faster on AMD Zen 4:
// float exp, expm1, tanh, sigmoid and silu 1.2-1.45x, the float logarithms
// and gelu_tanh 1.14-1.36x, and double exp, expm1, tanh, sigmoid, silu and
// the logarithms 1.1-1.45x; the rest ran as fast (0.97-1.15x). At AVX-512
// every op tried ran as fast or slower. Each lane's operations are the same
// either way.
constexpr std::size_t step_registers = V::width == 4 ? 2 : 1;

// Ops whose kernel has branches (Op::branches > 0) declare in_branch<B>,
// the lanes that take branch B (the branches disjoint; lanes in none take
// the scalar function), and eval_branch<B>, branch B on every lane. A
// register would pay for every branch one of its lanes takes; instead each
// chunk of the array is sorted into one buffer per branch (with each
// value's place), each buffer runs through its branch in full registers
// (the last one topped up with copies of its first value), and the results
// go back to their places. Each value meets the same kernel as in the
// scalar function, whatever its neighbours.
template <class Op, class = void>
struct branch_count : std::integral_constant<int, 0> {};
template <class Op>
struct branch_count<Op, std::void_t<decltype(Op::branches)>> : std::integral_constant<int, Op::branches> {};

template <class Op, int B, class T>
void run_branch(double* v, double* at, std::size_t count, T* y) {
    constexpr std::size_t w = V::width;
    // The last register is topped up with copies of the first value and
    // its place: those lanes write the first value's result again.
    for (std::size_t k = count; k % (2 * w) != 0; ++k) {
        v[k] = v[0];
        at[k] = at[0];
    }
    for (std::size_t k = 0; k < count; k += 2 * w) {
        T r[2 * w];
        const V::reg a = Op::template eval_branch<B>(V::load(v + k));
        const V::reg b = Op::template eval_branch<B>(V::load(v + k + w));
        store_from_double(r, a);
        store_from_double(r + w, b);
        for (std::size_t j = 0; j < 2 * w; ++j) y[static_cast<int>(at[k + j])] = r[j];
    }
}

template <class Op, class T, class F, int... B>
void map_branches(const T* x, T* y, std::size_t n, F scalar, std::integer_sequence<int, B...>) {
    constexpr std::size_t w = V::width, chunk = 256, stride = chunk + 2 * w;
    constexpr unsigned all_lanes = (1u << w) - 1;
    alignas(64) double v[sizeof...(B)][stride], at[sizeof...(B)][stride];
    alignas(64) double first_places[w];
    for (std::size_t k = 0; k < w; ++k) first_places[k] = static_cast<double>(k);
    for (std::size_t c = 0; c < n; c += chunk) {
        const std::size_t m = n - c < chunk ? n - c : chunk;
        std::size_t count[sizeof...(B)] = {};
        V::reg places = V::load(first_places);  // of the lanes, from c
        std::size_t i = 0;
        for (; i + w <= m; i += w) {
            const V::reg xs = load_as_double(x + c + i);
            unsigned taken = 0;
            (
                [&] {
                    const unsigned bits = V::lane_bits(Op::template in_branch<B>(xs));
                    V::compress_store(v[B] + count[B], xs, bits);
                    V::compress_store(at[B] + count[B], places, bits);
                    count[B] += static_cast<std::size_t>(__builtin_popcount(bits));
                    taken |= bits;
                }(),
                ...);
            for (unsigned rest = ~taken & all_lanes; rest != 0; rest &= rest - 1) {
                const std::size_t k = c + i + static_cast<std::size_t>(__builtin_ctz(rest));
                y[k] = scalar(x[k]);
            }
            places = V::add(places, V::constant(static_cast<double>(w)));
        }
        for (; i < m; ++i) y[c + i] = scalar(x[c + i]);
        (run_branch<Op, B>(v[B], at[B], count[B], y + c), ...);
    }
}

// Steps of U registers from i on while they fit: the kernel on every
// lane where all U registers are ordinary, the scalar function on each
// value otherwise. Returns where it stopped.
template <class Op, std::size_t U, class T, class F>
std::size_t map_steps(const T* x, T* y, std::size_t n, std::size_t i, F scalar) {
    constexpr std::size_t w = V::width, step = U * w;
    for (; i + step <= n; i += step) {
        V::reg xs[U];
        bool ordinary = true;
        for (std::size_t u = 0; u < U; ++u) {
            xs[u] = load_as_double(x + i + u * w);
            ordinary = ordinary && Op::ordinary(xs[u]);
        }
        if (ordinary) {
            for (std::size_t u = 0; u < U; ++u) xs[u] = Op::eval(xs[u]);
            for (std::size_t u = 0; u < U; ++u) store_from_double(y + i + u * w, xs[u]);
        } else {
            for (std::size_t j = i; j < i + step; ++j) y[j] = scalar(x[j]);
        }
    }
    return i;
}

template <class Tag, class T, class F>
void map(const T* x, T* y, std::size_t n, F scalar) {
    using Op = std::conditional_t<sizeof(T) == 4, op<Tag>, op64<Tag>>;
    if constexpr (branch_count<Op>::value > 0) {
        map_branches<Op>(x, y, n, scalar, std::make_integer_sequence<int, branch_count<Op>::value>{});
    } else {
        std::size_t i = 0;
        if constexpr (step_registers > 1) i = map_steps<Op, step_registers>(x, y, n, i, scalar);
        i = map_steps<Op, 1>(x, y, n, i, scalar);
        for (; i < n; ++i) y[i] = scalar(x[i]);
    }
}
