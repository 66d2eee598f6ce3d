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

    // Magnitudes as integers, whose maximum also flags Inf and NaN (their
    // bits lie above every finite value), and mag - 1 as unsigned puts zeros
    // above everything, so its minimum + 1 is the smallest nonzero
    // magnitude. (Doubles on AVX2 get bounds with the extremes' exponents
    // instead, which is all the statistics read: see avx2.hpp.)
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

    // stats_of on registers, two running statistics for two chains.
    template <class T>
    REPRO_SIMD_TARGET static void stats_of(chunk_stats& st, const T* v, std::size_t n) {
        using S = bit_stats<T>;
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

    // Registers per band for `bands` bands: all band_lanes lanes at once
    // where their accumulators leave the register file `reserved` registers
    // for the inputs, statistics and constants, fewer where they would not
    // (AVX2's 16 registers: spilled accumulators cost more than a second
    // pass over lanes that stay in L1). The reserves were measured on AVX2:
    // 8 for one input, 10 for two.
    static constexpr std::size_t regs_per_band(std::size_t bands, std::size_t at_least, std::size_t reserved) {
#if defined(__AVX512F__)
        constexpr std::size_t file = 32;  // built for AVX-512: the AVX2 form has its 32 registers too
#else
        constexpr std::size_t file = V::width == 8 ? 32 : 16;
#endif
        constexpr std::size_t all = band_lanes / V::width;
        std::size_t r = all;
        while (r > at_least && bands * r + reserved > file) r /= 2;
        return r;
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
    // elsewhere it costs the same. When the lanes take more registers than
    // there are (regs_per_band), the full steps are cut into G contiguous
    // parts, part g going to the g-th group of band_lanes / G lanes: each
    // lane still takes one term in band_lanes, as lane_capacity assumes.
    template <int K, int K2, bool Measure, class Loader>
    REPRO_SIMD_TARGET static void band_kernel(const Loader& ld, std::size_t n, double (&out)[max_bands][band_lanes],
                                              double (&out2)[max_bands][band_lanes], chunk_stats& sx, chunk_stats& sy) {
        constexpr int KB = K2 > 0 ? K2 : 1;
        constexpr bool share_pipes = !Loader::multiplies && K > 1;
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(ld.x)>>;
        using S = bit_stats<T>;
        constexpr std::size_t SW = S::width;
        // registers per band in a group: a step reads at least one statistics register
        constexpr std::size_t R =
            regs_per_band(std::size_t{K + K2}, SW / std::size_t{V::width}, Loader::multiplies ? 10 : 8);
        constexpr std::size_t step = R * std::size_t{V::width}, groups = band_lanes / step;
        static_assert(step % SW == 0, "band_kernel: statistics registers per step");
        const double one_value = 1.0;
        const typename V::reg one = V::broadcast(&one_value);
        S stx, sty;
        if constexpr (Measure) {
            stx.start();
            if constexpr (Loader::multiplies) sty.start();
        }
        const std::size_t full = n / band_lanes * band_lanes, part = full / groups;
        for (std::size_t g = 0; g < groups; ++g) {
            const std::size_t lane0 = g * step;
            typename V::reg acc[std::size_t{K}][R], acc2[std::size_t{KB}][R];
            for (int k = 0; k < K; ++k)
                for (std::size_t h = 0; h < R; ++h) acc[k][h] = V::load(out[k] + lane0 + std::size_t{V::width} * h);
            for (int k = 0; k < K2; ++k)
                for (std::size_t h = 0; h < R; ++h) acc2[k][h] = V::load(out2[k] + lane0 + std::size_t{V::width} * h);
            // Fully unrolled, so that the accumulators live in registers.
            for (std::size_t i = g * part; i < (g + 1) * part; i += step) {
                if (i % band_lanes == 0) prefetch(ld, n, i);
                if constexpr (Measure) {
#pragma GCC unroll 4
                    for (std::size_t j = 0; j < step; j += SW) {
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
                for (std::size_t h = 0; h < R; ++h) V::store(out[k] + lane0 + std::size_t{V::width} * h, acc[k][h]);
            for (int k = 0; k < K2; ++k)
                for (std::size_t h = 0; h < R; ++h) V::store(out2[k] + lane0 + std::size_t{V::width} * h, acc2[k][h]);
        }
        if constexpr (Measure) {
            stx.finish(sx);
            repro::detail::stats_of(sx, ld.x + full, n - full);
            if constexpr (Loader::multiplies) {
                sty.finish(sy);
                repro::detail::stats_of(sy, ld.y + full, n - full);
            }
        }
        band_kernel_generic<K, K2>(ld, full, n, out, out2);
    }
};
