// repro/detail/nn/scale_row-inl.hpp - scale_row (the last step of
// rms_norm), written once over the register traits and compiled once per
// instruction set, the scalar one included (simd/for_each_isa.hpp; no include
// guard, on purpose) as scale_kernels<REPRO_SIMD_TAG>. Elementwise: any
// register width gives the same bits.

template <>
struct scale_kernels<REPRO_SIMD_TAG> {
    template <class T>
    using regs = simd::registers<REPRO_SIMD_TAG, T>;

    // (x[c..c+width) * s), times w[c..c+width) when Weighted.
    template <bool Weighted, class T>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static typename regs<T>::reg scaled(const T* x, typename regs<T>::reg s,
                                                                              const T* w, std::size_t c) {
        using V = regs<T>;
        const typename V::reg r = V::mul(V::load(x + c), s);
        if constexpr (Weighted) return V::mul(r, V::load(w + c));
        return r;
    }

    // y[c] = x[c] * s, or (x[c] * s) * w[c]: steps of four registers (every
    // load of a step before its stores, so y may be x), then single registers;
    // returns where the registers stopped.
    template <bool Weighted, class T>
    REPRO_SIMD_TARGET static std::size_t scale_steps(const T* x, T s, const T* w, T* y, std::size_t n) {
        using V = regs<T>;
        constexpr std::size_t W = V::width;
        const typename V::reg sv = V::broadcast(&s);
        std::size_t c = 0;
        for (; c + 4 * W <= n; c += 4 * W) {
            typename V::reg r[4];
            REPRO_UNROLL(4)
            for (std::size_t q = 0; q < 4; ++q) r[q] = scaled<Weighted>(x, sv, w, c + q * W);
            REPRO_UNROLL(4)
            for (std::size_t q = 0; q < 4; ++q) V::store(y + c + q * W, r[q]);
        }
        for (; c + W <= n; c += W) V::store(y + c, scaled<Weighted>(x, sv, w, c));
        return c;
    }
};
