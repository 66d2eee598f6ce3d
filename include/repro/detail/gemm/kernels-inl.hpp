// repro/detail/gemm/kernels-inl.hpp - the matrix-product kernels, written
// once over the register traits and compiled once per instruction set
// (simd/for_each_isa.hpp; no include guard, on purpose) as
// gemm_kernels<REPRO_SIMD_TAG>, with that ISA's tile shapes (gemm_tiles,
// gemm.hpp). Every kernel computes the chains defined in linalg.hpp; the
// register width and the tile shapes change which elements run side by
// side, never the order of the operations of one element, so every
// instruction set gives the same bits.

template <>
struct gemm_kernels<REPRO_SIMD_TAG> {
    template <class T>
    using regs = simd::registers<REPRO_SIMD_TAG, T>;
    using tiles = gemm_tiles<REPRO_SIMD_TAG>;

    // Tile loops are fully unrolled (#pragma GCC unroll 64), so that the
    // accumulators stay in registers (GCC spills arrays of vectors otherwise).
    // Helpers that hand back arrays of registers are always inlined: left out
    // of line (GCC does at -O2 and -O3), each call stores and reloads every
    // register.

    // A register of B or C; `masked`: only the lanes of `last` are read. Masked
    // tiles (the leftover columns of a matrix) keep only last_lanes columns of
    // their last register, and touch nothing past them.
    template <class T>
    REPRO_SIMD_TARGET static typename regs<T>::reg load_part(const T* p, bool masked, typename regs<T>::mask_t last) {
        return masked ? regs<T>::load(p, last) : regs<T>::load(p);
    }

    // Columns of Bt (N x K) as registers: t[q] holds B[k + q][j .. j + w) for
    // the w x w block of Bt at `from` (w rows of Bt, ld apart). Each 128-bit lane
    // of a load comes from another row (rows a, a + p, a + 2p, ... of the
    // block, p values a lane), so in-lane p x p transposes finish the job
    // without cross-lane shuffles.
    template <class T>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static void transpose_regs(const T* from, std::size_t ld,
                                                                     typename regs<T>::reg* t) {
        using V = regs<T>;
        constexpr int p = 16 / sizeof(T), chunks = V::width / p;
        typename V::reg u[V::width];
        for (int a = 0; a < p; ++a)
            for (int c = 0; c < chunks; ++c)
                u[a + p * c] = V::rows_in_lanes(from + std::size_t(a) * ld + p * c, p * ld);
        for (int c = 0; c < chunks; ++c) V::transpose_in_lanes(u + p * c, t + p * c);
    }

    // B given transposed is packed block by block through the registers, into
    // `count` panels of W columns from column j, rows [k0, k0 + kk), laid out as
    // b_transposed::pack lays them out.
    template <class T>
    REPRO_SIMD_TARGET REPRO_ALWAYS_INLINE static void transpose_block(const T* from, std::size_t ld, T* to,
                                                                      std::size_t W) {
        using V = regs<T>;
        typename V::reg t[V::width];
        transpose_regs<T>(from, ld, t);
        for (int q = 0; q < V::width; ++q) V::store(to + std::size_t(q) * W, t[q]);
    }

    template <std::size_t W, class T, class Src>
    REPRO_SIMD_TARGET static void pack_panels(const Src& b, std::size_t k0, std::size_t kk, std::size_t j,
                                              std::size_t count, T* out) {
        if constexpr (std::is_same<Src, b_transposed<T, T>>::value) {
            constexpr std::size_t w = regs<T>::width;
            for (std::size_t p = 0; p < count; ++p)
                for (std::size_t c = 0; c < W; c += w) {
                    const T* rows = b.Bt + (j + p * W + c) * b.K + k0;
                    T* panel = out + p * kk * W + c;
                    std::size_t k = 0;
                    for (; k + w <= kk; k += w) transpose_block(rows + k, b.K, panel + k * W, W);
                    for (; k < kk; ++k)
                        for (std::size_t i = 0; i < w; ++i) panel[k * W + i] = rows[i * b.K + k];
                }
        } else {
            b.template pack<W>(k0, kk, j, count, out);
        }
    }

    // MR rows x NV registers of columns: continues the tile's fma chains over kc
    // more values of k, from +0 (`resume` false) or from the partial chains left
    // in C. A float stored and loaded back is unchanged, so cutting k into blocks
    // this way leaves every chain, and its bits, as defined.
    // B rows are ldb apart (ldb = NV * width for a packed panel).
    template <class T, int MR, int NV, bool Masked = false>
    REPRO_SIMD_TARGET static void gemm_tile(const T* A, std::size_t lda, const T* B, std::size_t ldb, T* C,
                                            std::size_t ldc, std::size_t kc, bool resume, int last_lanes) {
        using V = regs<T>;
        const typename V::mask_t last = V::mask(last_lanes);
        typename V::reg acc[std::size_t{MR} * std::size_t{NV}];
#pragma GCC unroll 64
        for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 64
            for (int v = 0; v < NV; ++v)
                acc[r * NV + v] =
                    resume ? load_part<T>(C + std::size_t(r) * ldc + v * V::width, Masked && v == NV - 1, last)
                           : V::zero();
        }
        for (std::size_t k = 0; k < kc; ++k) {
            typename V::reg b[std::size_t{NV}];
#pragma GCC unroll 64
            for (int v = 0; v < NV; ++v) b[v] = load_part<T>(B + k * ldb + v * V::width, Masked && v == NV - 1, last);
#pragma GCC unroll 64
            for (int r = 0; r < MR; ++r) {
                const typename V::reg a = V::broadcast(A + std::size_t(r) * lda + k);
#pragma GCC unroll 64
                for (int v = 0; v < NV; ++v) acc[r * NV + v] = V::fma(a, b[v], acc[r * NV + v]);
            }
        }
#pragma GCC unroll 64
        for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 64
            for (int v = 0; v < NV; ++v) {
                if (Masked && v == NV - 1)
                    V::store(C + std::size_t(r) * ldc + v * V::width, acc[r * NV + v], last);
                else
                    V::store(C + std::size_t(r) * ldc + v * V::width, acc[r * NV + v]);
            }
        }
    }

    // B given transposed and at most 3 rows: every value of B is used at most
    // three times, so packing Bt costs more than the product. Instead each w x w
    // block of Bt is transposed in registers (transpose_regs) and used at once
    // by every row: NG groups of w columns side by side, MR rows, the chains of
    // the definition with k ascending from +0.
    template <class T, int MR, int NG>
    REPRO_SIMD_TARGET static void gemm_bt_tile(const T* A, std::size_t lda, const T* Bt, std::size_t K, T* C,
                                               std::size_t ldc) {
        using V = regs<T>;
        constexpr int w = V::width;
        typename V::reg acc[std::size_t{MR} * std::size_t{NG}];
#pragma GCC unroll 64
        for (int i = 0; i < MR * NG; ++i) acc[i] = V::zero();
        // k advances by a cache line (16 floats, 8 doubles) per group while it
        // can, so each line of Bt is used up while it is in L1: the rows are K
        // apart, often a multiple of 4 KiB, and would evict one another.
        constexpr std::size_t line = 64 / sizeof(T) > std::size_t(w) ? 64 / sizeof(T) : w;
        std::size_t k = 0;
        while (k + w <= K) {
            const std::size_t chunk = K - k >= line ? line : w;
#pragma GCC unroll 64
            for (int g = 0; g < NG; ++g) {
                for (std::size_t h = k; h < k + chunk; h += w) {
                    typename V::reg t[V::width];
                    transpose_regs<T>(Bt + std::size_t(g) * w * K + h, K, t);
#pragma GCC unroll 64
                    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 64
                        for (int q = 0; q < w; ++q)
                            acc[r * NG + g] =
                                V::fma(V::broadcast(A + std::size_t(r) * lda + h + q), t[q], acc[r * NG + g]);
                    }
                }
            }
            k += chunk;
        }
        for (; k < K; ++k) {
#pragma GCC unroll 64
            for (int g = 0; g < NG; ++g) {
                alignas(64) T column[V::width];
                for (int i = 0; i < w; ++i) column[i] = Bt[(std::size_t(g) * w + std::size_t(i)) * K + k];
                const typename V::reg t = V::load(column);
#pragma GCC unroll 64
                for (int r = 0; r < MR; ++r)
                    acc[r * NG + g] = V::fma(V::broadcast(A + std::size_t(r) * lda + k), t, acc[r * NG + g]);
            }
        }
#pragma GCC unroll 64
        for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 64
            for (int g = 0; g < NG; ++g) V::store(C + std::size_t(r) * ldc + g * w, acc[r * NG + g]);
        }
    }

    // Rows [0, rows) of a column panel: MR-row tiles, then one tile of the
    // leftover rows (same chains, fewer of them).
    template <class T, int MR, int NV, bool Masked = false>
    REPRO_SIMD_TARGET static void gemm_rows(const T* A, std::size_t lda, const T* B, std::size_t ldb, T* C,
                                            std::size_t ldc, std::size_t rows, std::size_t kc, bool resume,
                                            int last_lanes = regs<T>::width) {
        std::size_t i = 0;
        for (; i + MR <= rows; i += MR)
            gemm_tile<T, MR, NV, Masked>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, kc, resume, last_lanes);
        if constexpr (MR > 1) {
            if (i < rows)
                gemm_rows<T, MR - 1, NV, Masked>(A + i * lda, lda, B, ldb, C + i * ldc, ldc, rows - i, kc, resume,
                                                 last_lanes);
        }
    }

    // Columns [j, N) that a path's wide panels left over (fewer than 8
    // registers' worth) run as one panel of R registers, the last one masked to
    // the real columns, so the R chains of a row run interleaved (a 10-column
    // head at batch 1 is two chains side by side, not one after the other). B
    // stored by rows is read in place; otherwise the columns are packed first.
    template <class T, int NV>
    REPRO_SIMD_TARGET static void gemm_tail_panel(const T* A, std::size_t K, const T* B, std::size_t ldb, T* C,
                                                  std::size_t N, std::size_t M, int last_lanes) {
        // as many rows as the accumulators allow, up to 12: the fma latency
        // needs about 8 independent chains in flight
        constexpr int fit = tiles::tail_accumulators / NV, MR = fit > 12 ? 12 : fit > 1 ? fit : 1;
        gemm_rows<T, MR, NV, true>(A, K, B, ldb, C, N, M, K, false, last_lanes);
    }

    template <class T, class Src>
    REPRO_SIMD_TARGET static void gemm_tail(const T* A, const Src& b, T* C, std::size_t M, std::size_t j) {
        constexpr std::size_t w = regs<T>::width;
        const std::size_t K = b.K, N = b.N, n = N - j, count = (n + w - 1) / w;
        if (n == 0) return;
        const int last = int(n - (count - 1) * w);  // real columns in the last register
        aligned_vector<T> packed;
        const T* B = nullptr;
        std::size_t ldb = N;
        if constexpr (Src::in_place) {
            B = b.column(j);
        } else {
            ldb = count * w;
            packed.resize(K * ldb);
            for (std::size_t q = 0; q < n; ++q)
                for (std::size_t k = 0; k < K; ++k) packed[k * ldb + q] = b.at(k, j + q);
            B = packed.data();
        }
        switch (count) {
            case 1:
                return gemm_tail_panel<T, 1>(A, K, B, ldb, C + j, N, M, last);
            case 2:
                return gemm_tail_panel<T, 2>(A, K, B, ldb, C + j, N, M, last);
            case 3:
                return gemm_tail_panel<T, 3>(A, K, B, ldb, C + j, N, M, last);
            case 4:
                return gemm_tail_panel<T, 4>(A, K, B, ldb, C + j, N, M, last);
            case 5:
                return gemm_tail_panel<T, 5>(A, K, B, ldb, C + j, N, M, last);
            case 6:
                return gemm_tail_panel<T, 6>(A, K, B, ldb, C + j, N, M, last);
            case 7:
                return gemm_tail_panel<T, 7>(A, K, B, ldb, C + j, N, M, last);
            default:
                return gemm_tail_panel<T, 8>(A, K, B, ldb, C + j, N, M, last);
        }
    }

    // B stored by rows and fewer than 32 rows: B is read in place, k block by k
    // block, each block once from memory and re-used from cache by every row
    // tile (tiles::in_place_*; 1 x 8 registers below 4 rows, eight chains to
    // hide the fma latency). Threads take contiguous column ranges.
    template <class T, class Src>
    REPRO_SIMD_TARGET static void gemm_in_place(const T* A, const Src& b, T* C, std::size_t M, unsigned thread_count) {
        constexpr std::size_t w = regs<T>::width;
        constexpr int MR = tiles::in_place_rows, NV = tiles::in_place_regs;
        const std::size_t K = b.K, N = b.N, pw = (M < 4 ? 8 : NV) * w, panels = N / pw;
        const std::size_t kb = M < 4 ? gemm_kc_few : gemm_kc;
        parallel_blocks(panels, thread_count, [&](std::size_t p0, std::size_t p1) {
            for (std::size_t k0 = 0; k0 < K; k0 += kb) {
                const std::size_t kc = K - k0 < kb ? K - k0 : kb;
                for (std::size_t p = p0; p < p1; ++p) {
                    const std::size_t j = p * pw;
                    const T* B = b.column(j) + k0 * N;
                    // the next panel's rows: B's rows are pages apart, too many
                    // streams for the hardware prefetcher (multi-row tiles only;
                    // the wide 1 x 8 panels stream well without)
                    if (M >= 4 && p + 1 < p1)
                        for (std::size_t k = 0; k < kc; ++k) {
                            const char* next = reinterpret_cast<const char*>(B + k * N + pw);
                            for (std::size_t at = 0; at < pw * sizeof(T); at += 64)
                                _mm_prefetch(next + at, _MM_HINT_T0);
                            _mm_prefetch(next + pw * sizeof(T) - 1, _MM_HINT_T0);
                        }
                    if (M < 4)
                        gemm_rows<T, 1, 8>(A + k0, K, B, N, C + j, N, M, kc, k0 != 0);
                    else
                        gemm_rows<T, MR, NV>(A + k0, K, B, N, C + j, N, M, kc, k0 != 0);
                }
            }
        });
        gemm_tail(A, b, C, M, panels * pw);
    }

    // Otherwise B is packed, one k block at a time, into panels of
    // tiles::packed_regs registers (8 below 6 rows) that every row tile of a row
    // block re-uses from cache (tiles::packed_rows rows; 1 x 8 below 6 rows).
    // Threads take contiguous column ranges and pack their own panels.
    template <class T, class Src>
    REPRO_SIMD_TARGET static void gemm_packed(const T* A, const Src& b, T* C, std::size_t M, unsigned thread_count) {
        constexpr std::size_t w = regs<T>::width;
        constexpr int MR = tiles::packed_rows, NV = tiles::packed_regs;
        const bool few = M < 6;
        const std::size_t K = b.K, N = b.N, pw = few ? 8 * w : NV * w, panels = N / pw;
        // k blocks of gemm_kc_packed; column groups of at least gemm_nc_bytes
        // per row (a packed k block of a group stays in L2)
        constexpr std::size_t kb = gemm_kc_packed;
        const std::size_t group = (gemm_nc_bytes + pw * sizeof(T) - 1) / (pw * sizeof(T));
        const std::size_t per_worker = (K < kb ? K : kb) * pw * group;
        T* const scratch = gemm_scratch<T>(per_worker * worker_count(panels, thread_count));
        parallel_workers(panels, thread_count, [&](std::size_t worker, std::size_t p0, std::size_t p1) {
            T* const packed = scratch + worker * per_worker;
            for (std::size_t k0 = 0; k0 < K; k0 += kb) {
                const std::size_t kc = K - k0 < kb ? K - k0 : kb;
                for (std::size_t g0 = p0; g0 < p1; g0 += group) {
                    const std::size_t g1 = p1 - g0 < group ? p1 : g0 + group;
                    if (few)
                        pack_panels<8 * w>(b, k0, kc, g0 * pw, g1 - g0, packed);
                    else
                        pack_panels<NV * w>(b, k0, kc, g0 * pw, g1 - g0, packed);
                    for (std::size_t i0 = 0; i0 < M; i0 += gemm_mc) {
                        const std::size_t rows = M - i0 < gemm_mc ? M - i0 : gemm_mc;
                        for (std::size_t p = g0; p < g1; ++p) {
                            const T* panel = packed + (p - g0) * kc * pw;
                            T* c = C + i0 * N + p * pw;
                            if (few)
                                gemm_rows<T, 1, 8>(A + i0 * K + k0, K, panel, pw, c, N, rows, kc, k0 != 0);
                            else
                                gemm_rows<T, MR, NV>(A + i0 * K + k0, K, panel, pw, c, N, rows, kc, k0 != 0);
                        }
                    }
                }
            }
        });
        gemm_tail(A, b, C, M, panels * pw);
    }

    // B given transposed and M <= 3 rows: gemm_bt_tile over groups of NG * w
    // columns (threads take contiguous ranges of groups), then single groups,
    // then the leftover columns.
    template <class T, int MR>
    REPRO_SIMD_TARGET static void gemm_bt_rows(const T* A, const b_transposed<T, T>& b, T* C, unsigned thread_count) {
        constexpr int NG = MR == 1 ? tiles::bt_groups_one_row : tiles::bt_groups;
        constexpr std::size_t w = regs<T>::width, gw = NG * w;
        const std::size_t K = b.K, N = b.N, groups = N / gw;
        parallel_blocks(groups, thread_count, [&](std::size_t g0, std::size_t g1) {
            for (std::size_t g = g0; g < g1; ++g) gemm_bt_tile<T, MR, NG>(A, K, b.Bt + g * gw * K, K, C + g * gw, N);
        });
        std::size_t j = groups * gw;
        for (; j + w <= N; j += w) gemm_bt_tile<T, MR, 1>(A, K, b.Bt + j * K, K, C + j, N);
        gemm_tail(A, b, C, MR, j);
    }

    template <class T>
    REPRO_SIMD_TARGET static void gemm_bt_direct(const T* A, const b_transposed<T, T>& b, T* C, std::size_t M,
                                                 unsigned thread_count) {
        if (M == 1) return gemm_bt_rows<T, 1>(A, b, C, thread_count);
        if (M == 2) return gemm_bt_rows<T, 2>(A, b, C, thread_count);
        return gemm_bt_rows<T, 3>(A, b, C, thread_count);
    }
};
