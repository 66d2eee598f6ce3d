// repro/detail/reduce/lanes-inl.hpp - the lane reductions (sum, dot, their
// compensated forms), written once over the register traits and compiled
// once per instruction set, the scalar one included (simd/for_each_isa.hpp;
// no include guard, on purpose) as lane_kernels<REPRO_SIMD_TAG>.
// The `lanes<A>` lanes of lanes.hpp sit in R = lanes<A> / width registers,
// register r holding lanes r*width .. r*width + width-1: a wider register
// holds more lanes side by side, never changes what one lane adds in which
// order, so every instruction set gives the scalar form's bits (width 1: the
// definition in lanes.hpp, word for word). Inputs are A, or (scalar form
// only) a narrow type widened exactly to A.

template <>
struct lane_kernels<REPRO_SIMD_TAG> {
    template <class A>
    using lane_regs = simd::registers<REPRO_SIMD_TAG, A>;

    template <class A>
    static constexpr std::size_t register_count = lanes<A> / lane_regs<A>::width;

    // The lane tree on the registers, when no tail is pending: lane j += lane
    // j + w for w = L/2 down to the register width is register j += register
    // j + w/width; the rest happens inside register 0 (lane_regs<A>::tree).
    template <class A>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static A register_tree(typename lane_regs<A>::reg (&r)[register_count<A>]) {
        using V = lane_regs<A>;
        REPRO_UNROLL(4)
        for (int w = register_count<A> / 2; w >= 1; w /= 2) {
            REPRO_UNROLL(4)
            for (int j = 0; j < w; ++j) r[j] = V::add(r[j], r[j + w]);
        }
        return V::tree(r[0]);
    }

    // The registers written out as lanes, for a tail that the scalar code adds on.
    template <class A, class Reg, std::size_t R>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static void store_lanes(A (&lane)[lanes<A>], const Reg (&r)[R]) {
        REPRO_UNROLL(4)
        for (int q = 0; q < int{R}; ++q) lane_regs<A>::store(lane + q * lane_regs<A>::width, r[q]);
    }

    // Full blocks of `lanes` elements run in registers; the tail and the tree
    // run on the stored lanes with the generic scalar operations.
    template <class A, sum_terms Terms = sum_terms::values, class T>
    REPRO_SIMD_TARGET static A sum_chunk(const T* x, std::size_t n) {
        using V = lane_regs<A>;
        constexpr int L = lanes<A>, W = V::width, R = register_count<A>;
        typename V::reg r[register_count<A>];
        REPRO_UNROLL(4)
        for (int q = 0; q < R; ++q) r[q] = V::zero();
        std::size_t i = 0;
        for (; i + L <= n; i += L) {
            REPRO_UNROLL(4)
            for (int q = 0; q < R; ++q) {
                typename V::reg a = V::load(x + i + q * W);
                if constexpr (Terms == sum_terms::squares) a = V::mul(a, a);
                r[q] = V::add(r[q], a);
            }
        }
        if (i == n) return register_tree<A>(r);
        A lane[lanes<A>];
        store_lanes(lane, r);
        for (std::size_t j = 0; i < n; ++i, ++j) lane[j] += sum_term<Terms>(widen_to<A>(x[i]));
        return lane_tree<plain_sum<A>>(lane);
    }

    // The terms (lanes.hpp, dot_terms): x[i] y[i]; x[i] x[i] loaded once; or
    // d[i] d[i] with d[i] = x[i] - m, each d[i] stored on the way (y unused):
    // the lanes of dot_chunk(d, d) in one pass.
    template <class A, dot_terms Terms = dot_terms::products, class T>
    REPRO_SIMD_TARGET static A dot_chunk(const T* x, const T* y, std::size_t n, A m = A(0), A* d = nullptr) {
        using V = lane_regs<A>;
        constexpr int L = lanes<A>, W = V::width, R = register_count<A>;
        const typename V::reg mv = V::broadcast(&m);
        typename V::reg r[register_count<A>];
        REPRO_UNROLL(4)
        for (int q = 0; q < R; ++q) r[q] = V::zero();
        std::size_t i = 0;
        for (; i + L <= n; i += L) {
            REPRO_UNROLL(4)
            for (int q = 0; q < R; ++q) {
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
        if (i == n) return register_tree<A>(r);
        A lane[lanes<A>];
        store_lanes(lane, r);
        for (std::size_t j = 0; i < n; ++i, ++j) {
            if constexpr (Terms == dot_terms::deviations) {
                d[i] = x[i] - m;
                lane[j] = repro::fma(d[i], d[i], lane[j]);
            } else {
                lane[j] = repro::fma(widen_to<A>(x[i]), widen_to<A>(y[i]), lane[j]);
            }
        }
        return lane_tree<plain_sum<A>>(lane);
    }

    // Vector TwoSum on every lane, the same six operations as repro::two_sum:
    // s becomes fl(s + v), the rounding error is returned.
    template <class A>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static typename lane_regs<A>::reg two_sum_step(typename lane_regs<A>::reg& s,
                                                                                         typename lane_regs<A>::reg v) {
        using V = lane_regs<A>;
        const typename V::reg t = V::add(s, v);
        const typename V::reg bb = V::sub(t, s);
        const typename V::reg err = V::add(V::sub(s, V::sub(t, bb)), V::sub(v, bb));
        s = t;
        return err;
    }

    // The compensated lanes (s, e) of sum2 / dot2 written out, for the tail and the tree.
    template <class A, class Reg, std::size_t R>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static void store_compensated(compensated<A> (&lane)[lanes<A>],
                                                                        const Reg (&s)[R], const Reg (&e)[R]) {
        A ls[lanes<A>], le[lanes<A>];
        store_lanes(ls, s);
        store_lanes(le, e);
        for (int j = 0; j < int{lanes<A>}; ++j) lane[j] = {ls[j], le[j]};
    }

    template <class A, class T>
    REPRO_SIMD_TARGET static compensated<A> sum2_chunk(const T* x, std::size_t n) {
        using V = lane_regs<A>;
        constexpr int L = lanes<A>, W = V::width, R = register_count<A>;
        typename V::reg s[register_count<A>], e[register_count<A>];
        REPRO_UNROLL(4)
        for (int q = 0; q < R; ++q) s[q] = e[q] = V::zero();
        std::size_t i = 0;
        for (; i + L <= n; i += L) {
            REPRO_UNROLL(4)
            for (int q = 0; q < R; ++q) e[q] = V::add(e[q], two_sum_step<A>(s[q], V::load(x + i + q * W)));
        }
        compensated<A> lane[lanes<A>];
        store_compensated(lane, s, e);
        for (std::size_t j = 0; i < n; ++i, ++j) {
            const exact_pair<A> t = two_sum(lane[j].sum, widen_to<A>(x[i]));
            lane[j] = {t.value, lane[j].error + t.error};
        }
        return lane_tree<compensated_sum<A>>(lane);
    }

    template <class A, class T>
    REPRO_SIMD_TARGET static compensated<A> dot2_chunk(const T* x, const T* y, std::size_t n) {
        using V = lane_regs<A>;
        constexpr int L = lanes<A>, W = V::width, R = register_count<A>;
        typename V::reg s[register_count<A>], e[register_count<A>];
        REPRO_UNROLL(4)
        for (int q = 0; q < R; ++q) s[q] = e[q] = V::zero();
        std::size_t i = 0;
        for (; i + L <= n; i += L) {
            REPRO_UNROLL(4)
            for (int q = 0; q < R; ++q) {
                const typename V::reg a = V::load(x + i + q * W), b = V::load(y + i + q * W);
                const typename V::reg p = V::mul(a, b);
                const typename V::reg perr = V::fma(a, b, V::neg(p));  // two_prod's error: fma(a, b, -p)
                const typename V::reg terr = two_sum_step<A>(s[q], p);
                e[q] = V::add(e[q], V::add(terr, perr));
            }
        }
        compensated<A> lane[lanes<A>];
        store_compensated(lane, s, e);
        for (std::size_t j = 0; i < n; ++i, ++j) {
            const exact_pair<A> p = two_prod(widen_to<A>(x[i]), widen_to<A>(y[i]));
            const exact_pair<A> t = two_sum(lane[j].sum, p.value);
            lane[j] = {t.value, lane[j].error + (t.error + p.error)};
        }
        return lane_tree<compensated_sum<A>>(lane);
    }
};
