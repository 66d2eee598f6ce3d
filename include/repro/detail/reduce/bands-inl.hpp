// repro/detail/reduce/bands-inl.hpp - the SIMD forms of the exact tier's
// band kernel and block statistics (exact_bands.hpp), written once over the
// register traits and compiled once per instruction set
// (simd/for_each_isa.hpp; no include guard, on purpose) as
// band_kernels<REPRO_SIMD_TAG>. Band additions are exact, so which lane a
// term lands in cannot change the sum.

template <>
struct band_kernels<REPRO_SIMD_TAG> {
    using V = simd::registers<REPRO_SIMD_TAG, double>;

    template <class T>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static typename V::reg load(const values_loader<T>& ld, std::size_t i) {
        if constexpr (std::is_same<T, double>::value)
            return V::load(ld.x + i);
        else
            return V::load_widened(ld.x + i);
    }

    template <class T>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static typename V::reg load(const float_products_loader<T>& ld,
                                                                      std::size_t i) {
        return V::mul_exact(V::load_widened(ld.x + i), V::load_widened(ld.y + i));  // exact in double
    }

    // hi = RN(a b), kept a product (V::mul); lo = fma(a, b, -hi)
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static typename V::reg load(const double_products_loader& ld, std::size_t i) {
        const typename V::reg a = V::load(ld.x + i), b = V::load(ld.y + i);
        const typename V::reg hi = V::mul(a, b);
        return ld.part == 0 ? hi : V::fma(a, b, V::neg(hi));
    }

    // Prefetches the inputs of the next block that match the band_lanes
    // inputs at i of this one (into L2: L1 still holds this block); the
    // product loaders read y as well.
    template <class P>
    REPRO_ALWAYS_INLINE static void prefetch_lines(const P* p, std::size_t n, std::size_t i) {
        constexpr std::size_t line = 64 / sizeof(P);
        for (std::size_t j = 0; j < band_lanes; j += line) __builtin_prefetch(p + n + i + j, 0, 2);
    }
    template <class Loader>
    REPRO_ALWAYS_INLINE static void prefetch(const Loader& ld, std::size_t n, std::size_t i) {
        if (i >= ld.next) return;
        prefetch_lines(ld.x, n, i);
        if constexpr (Loader::multiplies) prefetch_lines(ld.y, n, i);
    }

    template <bool Fused>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static typename V::reg add(typename V::reg a, typename V::reg b,
                                                                     typename V::reg one) {
        if constexpr (Fused)
            return V::fma(a, one, b);
        else
            return V::add(a, b);
    }

    // Splits each term into bands 0..K-1 of its lane (band_split, on registers):
    // full steps of band_lanes terms in registers, the rest in scalar code.
    // Where the loader does not multiply and there are several bands, some
    // additions go as fma(a, 1, b), the same correctly rounded a + b: cores
    // with separate add and multiply-add pipes (AMD's) then share the work
    // between both; elsewhere it costs the same.
    template <int K, class Loader>
    REPRO_SIMD_TARGET static void band_kernel(const Loader& ld, std::size_t n, const double (&c)[max_bands],
                                              double (&out)[max_bands][band_lanes]) {
        constexpr int R = band_lanes / V::width;  // registers per band
        constexpr bool share_pipes = !Loader::multiplies && K > 1;
        const double one_value = 1.0;
        const typename V::reg one = V::broadcast(&one_value);
        typename V::reg acc[std::size_t{K}][R];
        typename V::reg cv[max_bands];
        for (int k = 0; k < K; ++k) {
            cv[k] = V::broadcast(&c[k]);
            for (int h = 0; h < R; ++h) acc[k][h] = V::load(out[k] + std::ptrdiff_t{V::width} * h);
        }
        std::size_t i = 0;
        // Fully unrolled, so that the accumulators live in registers.
        for (; i + band_lanes <= n; i += band_lanes) {
            prefetch(ld, n, i);
#pragma GCC unroll 4
            for (int h = 0; h < R; ++h) {
                typename V::reg r = load(ld, i + std::size_t{V::width} * static_cast<std::size_t>(h));
#pragma GCC unroll 4
                for (int k = 0; k + 1 < K; ++k) {
                    const typename V::reg hi = V::sub(add<share_pipes>(r, cv[k], one), cv[k]);
                    acc[k][h] = add<share_pipes>(hi, acc[k][h], one);
                    r = V::sub(r, hi);
                }
                acc[K - 1][h] = add<share_pipes>(r, acc[K - 1][h], one);
            }
        }
        for (int k = 0; k < K; ++k)
            for (int h = 0; h < R; ++h) V::store(out[k] + std::ptrdiff_t{V::width} * h, acc[k][h]);
        band_kernel_generic<K>(ld, i, n, c, out);
    }

    // stats_of on registers. Where the ISA has integer max and min of the
    // element's width (floats everywhere, doubles on AVX-512): magnitudes as
    // integers, whose maximum also flags Inf and NaN (their bits lie above
    // every finite value), and mag - 1 as unsigned puts zeros above
    // everything, so its minimum + 1 is the smallest nonzero magnitude.
    // Doubles on AVX2: magnitudes compared as doubles, zeros replaced by +inf
    // for the minimum, Inf and NaN flagged by an unordered-or-greater
    // comparison with the largest finite value (a NaN can drop out of the
    // maximum, never out of the flag).
    template <class T>
    REPRO_SIMD_TARGET static void stats_of(chunk_stats& st, const T* v, std::size_t n) {
        using F = simd::registers<REPRO_SIMD_TAG, T>;
        if constexpr (has_magnitude_bits<F>::value)
            stats_of_bits(st, v, n);
        else
            stats_of_values(st, v, n);
    }

    template <class T>
    REPRO_SIMD_TARGET static void stats_of_bits(chunk_stats& st, const T* v, std::size_t n) {
        using F = simd::registers<REPRO_SIMD_TAG, T>;
        using bits = typename float_traits<T>::bits_type;
        constexpr std::size_t W = F::width;
        typename F::ireg mx = F::zero_bits(), mn = F::all_bits(), mx2 = mx, mn2 = mn;
        std::size_t i = 0;
        for (; i + 2 * W <= n; i += 2 * W) {
            const typename F::ireg a = F::magnitudes(v + i), b = F::magnitudes(v + i + W);
            mx = F::max_bits(mx, a);
            mx2 = F::max_bits(mx2, b);
            mn = F::min_bits(mn, F::minus_one(a));
            mn2 = F::min_bits(mn2, F::minus_one(b));
        }
        bits a[W], b[W];
        F::store_bits(a, F::max_bits(mx, mx2));
        F::store_bits(b, F::min_bits(mn, mn2));
        for (std::size_t j = 0; j < W; ++j) {
            st.max_mag = a[j] > st.max_mag ? a[j] : st.max_mag;
            if (b[j] != static_cast<bits>(~bits(0)) && b[j] + 1u < st.min_mag) st.min_mag = b[j] + 1u;
        }
        st.special |= st.max_mag >= float_traits<T>::infinity_bits;
        repro::detail::stats_of(st, v + i, n - i);
    }

    REPRO_SIMD_TARGET static void stats_of_values(chunk_stats& st, const double* v, std::size_t n) {
        using F = simd::registers<REPRO_SIMD_TAG, double>;
        constexpr std::size_t W = F::width;
        const double inf_value = std::numeric_limits<double>::infinity(),
                     max_value = std::numeric_limits<double>::max();
        const typename F::reg inf = F::broadcast(&inf_value), finite_max = F::broadcast(&max_value);
        typename F::reg mx = F::zero(), mn = inf, mx2 = F::zero(), mn2 = inf;
        typename F::cmask sp = F::no_lanes(), sp2 = F::no_lanes();
        std::size_t i = 0;
        for (; i + 2 * W <= n; i += 2 * W) {
            const typename F::reg a = F::abs(F::load(v + i)), b = F::abs(F::load(v + i + W));
            mx = F::max(mx, a);
            mx2 = F::max(mx2, b);
            mn = F::min(mn, F::select(F::is_zero(a), inf, a));
            mn2 = F::min(mn2, F::select(F::is_zero(b), inf, b));
            sp = F::either(sp, F::not_le(a, finite_max));
            sp2 = F::either(sp2, F::not_le(b, finite_max));
        }
        double a[W], b[W];
        F::store(a, F::max(mx, mx2));
        F::store(b, F::min(mn, mn2));
        for (std::size_t j = 0; j < W; ++j) {
            const std::uint64_t ma = to_bits(a[j]), mb = to_bits(b[j]);
            st.max_mag = ma > st.max_mag ? ma : st.max_mag;
            if (mb != float_traits<double>::infinity_bits && mb < st.min_mag) st.min_mag = mb;
        }
        st.special |= F::any(F::either(sp, sp2));
        repro::detail::stats_of(st, v + i, n - i);
    }
};
