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

    // ---- block statistics in registers ----

    // Where the ISA has integer max and min of the element's width (floats
    // everywhere, doubles on AVX-512): magnitudes as integers, whose maximum
    // also flags Inf and NaN (their bits lie above every finite value), and
    // mag - 1 as unsigned puts zeros above everything, so its minimum + 1 is
    // the smallest nonzero magnitude.
    template <class T>
    struct bit_stats {
        using F = simd::registers<REPRO_SIMD_TAG, T>;
        using bits = typename float_traits<T>::bits_type;
        static constexpr std::size_t width = F::width;
        typename F::ireg mx, mn;

        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void start() {
            mx = F::zero_bits();
            mn = F::all_bits();
        }
        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void update(const T* p) {
            const typename F::ireg a = F::magnitudes(p);
            mx = F::max_bits(mx, a);
            mn = F::min_bits(mn, F::minus_one(a));
        }
        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void merge(const bit_stats& o) {
            mx = F::max_bits(mx, o.mx);
            mn = F::min_bits(mn, o.mn);
        }
        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void finish(chunk_stats& st) const {
            bits a[width], b[width];
            F::store_bits(a, mx);
            F::store_bits(b, mn);
            for (std::size_t j = 0; j < width; ++j) {
                st.max_mag = a[j] > st.max_mag ? a[j] : st.max_mag;
                if (b[j] != static_cast<bits>(~bits(0)) && b[j] + 1u < st.min_mag) st.min_mag = b[j] + 1u;
            }
            st.special |= st.max_mag >= float_traits<T>::infinity_bits;
        }
    };

    // Doubles on AVX2: magnitudes compared as doubles, zeros replaced by
    // +inf for the minimum, Inf and NaN flagged by an unordered-or-greater
    // comparison with the largest finite value (a NaN can drop out of the
    // maximum, never out of the flag).
    struct value_stats {
        using F = simd::registers<REPRO_SIMD_TAG, double>;
        static constexpr std::size_t width = F::width;
        typename F::reg mx, mn, inf, finite_max;
        typename F::cmask sp;

        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void start() {
            const double inf_value = std::numeric_limits<double>::infinity(),
                         max_value = std::numeric_limits<double>::max();
            inf = F::broadcast(&inf_value);
            finite_max = F::broadcast(&max_value);
            mx = F::zero();
            mn = inf;
            sp = F::no_lanes();
        }
        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void update(const double* p) {
            const typename F::reg a = F::abs(F::load(p));
            mx = F::max(mx, a);
            mn = F::min(mn, F::select(F::is_zero(a), inf, a));
            sp = F::either(sp, F::not_le(a, finite_max));
        }
        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void merge(const value_stats& o) {
            mx = F::max(mx, o.mx);
            mn = F::min(mn, o.mn);
            sp = F::either(sp, o.sp);
        }
        REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE void finish(chunk_stats& st) const {
            double a[width], b[width];
            F::store(a, mx);
            F::store(b, mn);
            for (std::size_t j = 0; j < width; ++j) {
                const std::uint64_t ma = to_bits(a[j]), mb = to_bits(b[j]);
                st.max_mag = ma > st.max_mag ? ma : st.max_mag;
                if (mb != float_traits<double>::infinity_bits && mb < st.min_mag) st.min_mag = mb;
            }
            st.special |= F::any(sp);
        }
    };

    template <class T>
    using stats_regs =
        std::conditional_t<has_magnitude_bits<simd::registers<REPRO_SIMD_TAG, T>>::value, bit_stats<T>, value_stats>;

    // stats_of on registers, two running statistics for two chains.
    template <class T>
    REPRO_SIMD_TARGET static void stats_of(chunk_stats& st, const T* v, std::size_t n) {
        using S = stats_regs<T>;
        constexpr std::size_t W = S::width;
        S s1, s2;
        s1.start();
        s2.start();
        std::size_t i = 0;
        for (; i + 2 * W <= n; i += 2 * W) {
            s1.update(v + i);
            s2.update(v + i + W);
        }
        s1.merge(s2);
        s1.finish(st);
        repro::detail::stats_of(st, v + i, n - i);
    }

    // ---- the band kernel ----

    // Band split of register r (band_split, on registers) into bands
    // 0..K-1 of accumulator column h.
    template <int K, bool Share, std::size_t R>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static void split(typename V::reg r,
                                                            typename V::reg (&acc)[std::size_t{K}][R], int h,
                                                            typename V::reg one) {
#pragma GCC unroll 4
        for (int k = 0; k + 1 < K; ++k) {
            const typename V::reg s = add<Share>(r, acc[k][h], one);
            const typename V::reg hi = V::sub(s, acc[k][h]);
            acc[k][h] = s;
            r = V::sub(r, hi);
        }
        acc[K - 1][h] = add<Share>(r, acc[K - 1][h], one);
    }

    // Splits each term into bands 0..K-1 of its lane: full steps of
    // band_lanes terms in registers, the rest in scalar code. With K2 > 0
    // (double products only) TwoProd's hi goes to bands `out` and its lo
    // to bands 0..K2-1 of `out2`, in the same pass. With Measure, the
    // same pass also takes the statistics of the inputs (sx of x, sy of y),
    // so that a block is read from memory once. Where the loader does not
    // multiply and there are several bands, some additions go as
    // fma(a, 1, b), the same correctly rounded a + b: cores with separate add
    // and multiply-add pipes (AMD's) then share the work between both;
    // elsewhere it costs the same.
    template <int K, int K2, bool Measure, class Loader>
    REPRO_SIMD_TARGET static void band_kernel(const Loader& ld, std::size_t n, double (&out)[max_bands][band_lanes],
                                              double (&out2)[max_bands][band_lanes], chunk_stats& sx, chunk_stats& sy) {
        constexpr std::size_t R = band_lanes / V::width;  // registers per band
        constexpr int KB = K2 > 0 ? K2 : 1;
        constexpr bool share_pipes = !Loader::multiplies && K > 1;
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(ld.x)>>;
        using S = stats_regs<T>;
        constexpr std::size_t SW = S::width;
        static_assert(band_lanes % SW == 0, "band_kernel: statistics registers per step");
        const double one_value = 1.0;
        const typename V::reg one = V::broadcast(&one_value);
        typename V::reg acc[std::size_t{K}][R], acc2[std::size_t{KB}][R];
        for (int k = 0; k < K; ++k) {
            for (std::size_t h = 0; h < R; ++h) acc[k][h] = V::load(out[k] + std::size_t{V::width} * h);
        }
        for (int k = 0; k < K2; ++k) {
            for (std::size_t h = 0; h < R; ++h) acc2[k][h] = V::load(out2[k] + std::size_t{V::width} * h);
        }
        S stx, sty;
        if constexpr (Measure) {
            stx.start();
            if constexpr (Loader::multiplies) sty.start();
        }
        std::size_t i = 0;
        // Fully unrolled, so that the accumulators live in registers.
        for (; i + band_lanes <= n; i += band_lanes) {
            prefetch(ld, n, i);
            if constexpr (Measure) {
#pragma GCC unroll 4
                for (std::size_t j = 0; j < band_lanes; j += SW) {
                    stx.update(ld.x + i + j);
                    if constexpr (Loader::multiplies) sty.update(ld.y + i + j);
                }
            }
#pragma GCC unroll 4
            for (std::size_t h = 0; h < R; ++h) {
                const std::size_t at = i + std::size_t{V::width} * h;
                if constexpr (K2 > 0) {
                    const typename V::reg a = V::load(ld.x + at), b = V::load(ld.y + at);
                    const typename V::reg hi = V::mul(a, b);
                    split<K, false>(hi, acc, static_cast<int>(h), one);
                    split<K2, false>(V::fma(a, b, V::neg(hi)), acc2, static_cast<int>(h), one);
                } else {
                    split<K, share_pipes>(load(ld, at), acc, static_cast<int>(h), one);
                }
            }
        }
        for (int k = 0; k < K; ++k)
            for (std::size_t h = 0; h < R; ++h) V::store(out[k] + std::size_t{V::width} * h, acc[k][h]);
        for (int k = 0; k < K2; ++k)
            for (std::size_t h = 0; h < R; ++h) V::store(out2[k] + std::size_t{V::width} * h, acc2[k][h]);
        if constexpr (Measure) {
            stx.finish(sx);
            repro::detail::stats_of(sx, ld.x + i, n - i);
            if constexpr (Loader::multiplies) {
                sty.finish(sy);
                repro::detail::stats_of(sy, ld.y + i, n - i);
            }
        }
        band_kernel_generic<K, K2>(ld, i, n, out, out2);
    }
};
