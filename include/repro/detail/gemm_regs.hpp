#pragma once
// repro/detail/gemm_regs.hpp - the registers of the matrix-product kernels
// (and the base of the reductions' registers, lanes.hpp): one traits type
// per instruction set and element type, giving the register,
// its width in elements, and the loads, stores, broadcasts and fused
// multiply-adds the kernels are written in, and the two steps of a register
// transpose. Masked forms touch only the first n lanes (the columns left
// over at the right edge of a matrix).

#include <cstddef>

#include "../isa.hpp"

#if REPRO_HAS_AVX2_PATH
namespace repro::detail {

template <class T>
struct gemm_avx2;

template <>
struct gemm_avx2<float> {
    using reg = __m256;
    using mask_t = __m256i;
    static constexpr int width = 8;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_ps(); }
    REPRO_TARGET_AVX2 static reg load(const float* p) { return _mm256_loadu_ps(p); }
    REPRO_TARGET_AVX2 static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    REPRO_TARGET_AVX2 static reg broadcast(const float* p) { return _mm256_broadcast_ss(p); }
    // 128-bit lane L from p + L * stride
    REPRO_TARGET_AVX2 static reg rows_in_lanes(const float* p, std::size_t stride) {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), _mm_loadu_ps(p + stride), 1);
    }
    // t[q] lane L = element q of lane L of u[0..3], each lane transposed as a 4 x 4 block
    REPRO_TARGET_AVX2 static void transpose_in_lanes(const reg* u, reg* t) {
        const reg a = _mm256_unpacklo_ps(u[0], u[1]), b = _mm256_unpackhi_ps(u[0], u[1]),
                  c = _mm256_unpacklo_ps(u[2], u[3]), d = _mm256_unpackhi_ps(u[2], u[3]);
        t[0] = _mm256_shuffle_ps(a, c, 0x44);
        t[1] = _mm256_shuffle_ps(a, c, 0xEE);
        t[2] = _mm256_shuffle_ps(b, d, 0x44);
        t[3] = _mm256_shuffle_ps(b, d, 0xEE);
    }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
    // the first n lanes (masked lanes are neither read nor written)
    REPRO_TARGET_AVX2 static mask_t mask(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    REPRO_TARGET_AVX2 static reg load(const float* p, mask_t m) { return _mm256_maskload_ps(p, m); }
    REPRO_TARGET_AVX2 static void store(float* p, reg v, mask_t m) { _mm256_maskstore_ps(p, m, v); }
};

template <>
struct gemm_avx2<double> {
    using reg = __m256d;
    using mask_t = __m256i;
    static constexpr int width = 4;
    REPRO_TARGET_AVX2 static reg zero() { return _mm256_setzero_pd(); }
    REPRO_TARGET_AVX2 static reg load(const double* p) { return _mm256_loadu_pd(p); }
    REPRO_TARGET_AVX2 static void store(double* p, reg v) { _mm256_storeu_pd(p, v); }
    REPRO_TARGET_AVX2 static reg broadcast(const double* p) { return _mm256_broadcast_sd(p); }
    REPRO_TARGET_AVX2 static reg rows_in_lanes(const double* p, std::size_t stride) {
        return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p)), _mm_loadu_pd(p + stride), 1);
    }
    REPRO_TARGET_AVX2 static void transpose_in_lanes(const reg* u, reg* t) {
        t[0] = _mm256_unpacklo_pd(u[0], u[1]);
        t[1] = _mm256_unpackhi_pd(u[0], u[1]);
    }
    REPRO_TARGET_AVX2 static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
    REPRO_TARGET_AVX2 static mask_t mask(int n) {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
    }
    REPRO_TARGET_AVX2 static reg load(const double* p, mask_t m) { return _mm256_maskload_pd(p, m); }
    REPRO_TARGET_AVX2 static void store(double* p, reg v, mask_t m) { _mm256_maskstore_pd(p, m, v); }
};

// AVX-512F: twice the lanes, and masks in mask registers.
template <class T>
struct gemm_avx512;

template <>
struct gemm_avx512<float> {
    using reg = __m512;
    using mask_t = __mmask16;
    static constexpr int width = 16;
    // Shuffles take their all-lanes masked forms: GCC 12 warns that the plain
    // forms' undefined pass-through value is uninitialized (same instruction).
    static constexpr mask_t all = 0xFFFF;
    REPRO_TARGET_AVX512 static reg zero() { return _mm512_setzero_ps(); }
    REPRO_TARGET_AVX512 static reg load(const float* p) { return _mm512_loadu_ps(p); }
    REPRO_TARGET_AVX512 static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    REPRO_TARGET_AVX512 static reg broadcast(const float* p) { return _mm512_set1_ps(*p); }
    REPRO_TARGET_AVX512 static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    // masked broadcasts from memory rather than inserts, to leave the
    // shuffle unit to the in-lane transposes: up to 3% faster on the
    // batch-1 transposed-B path as tiled, never slower in our runs
    REPRO_TARGET_AVX512 static reg rows_in_lanes(const float* p, std::size_t stride) {
        reg r = _mm512_maskz_broadcast_f32x4(all, _mm_loadu_ps(p));
        r = _mm512_mask_broadcast_f32x4(r, 0x00F0, _mm_loadu_ps(p + stride));
        r = _mm512_mask_broadcast_f32x4(r, 0x0F00, _mm_loadu_ps(p + 2 * stride));
        return _mm512_mask_broadcast_f32x4(r, 0xF000, _mm_loadu_ps(p + 3 * stride));
    }
    REPRO_TARGET_AVX512 static void transpose_in_lanes(const reg* u, reg* t) {
        const reg a = _mm512_maskz_unpacklo_ps(all, u[0], u[1]), b = _mm512_maskz_unpackhi_ps(all, u[0], u[1]),
                  c = _mm512_maskz_unpacklo_ps(all, u[2], u[3]), d = _mm512_maskz_unpackhi_ps(all, u[2], u[3]);
        t[0] = _mm512_maskz_shuffle_ps(all, a, c, 0x44);
        t[1] = _mm512_maskz_shuffle_ps(all, a, c, 0xEE);
        t[2] = _mm512_maskz_shuffle_ps(all, b, d, 0x44);
        t[3] = _mm512_maskz_shuffle_ps(all, b, d, 0xEE);
    }
    REPRO_TARGET_AVX512 static mask_t mask(int n) { return mask_t((1u << n) - 1u); }
    REPRO_TARGET_AVX512 static reg load(const float* p, mask_t m) { return _mm512_maskz_loadu_ps(m, p); }
    REPRO_TARGET_AVX512 static void store(float* p, reg v, mask_t m) { _mm512_mask_storeu_ps(p, m, v); }
};

template <>
struct gemm_avx512<double> {
    using reg = __m512d;
    using mask_t = __mmask8;
    static constexpr int width = 8;
    static constexpr mask_t all = 0xFF;
    REPRO_TARGET_AVX512 static reg zero() { return _mm512_setzero_pd(); }
    REPRO_TARGET_AVX512 static reg load(const double* p) { return _mm512_loadu_pd(p); }
    REPRO_TARGET_AVX512 static void store(double* p, reg v) { _mm512_storeu_pd(p, v); }
    REPRO_TARGET_AVX512 static reg broadcast(const double* p) { return _mm512_set1_pd(*p); }
    REPRO_TARGET_AVX512 static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
    // (as floats: 64x2 inserts would need AVX-512DQ)
    REPRO_TARGET_AVX512 static reg rows_in_lanes(const double* p, std::size_t stride) {
        const float* f = reinterpret_cast<const float*>(p);
        return _mm512_castps_pd(gemm_avx512<float>::rows_in_lanes(f, 2 * stride));
    }
    REPRO_TARGET_AVX512 static void transpose_in_lanes(const reg* u, reg* t) {
        t[0] = _mm512_maskz_unpacklo_pd(all, u[0], u[1]);
        t[1] = _mm512_maskz_unpackhi_pd(all, u[0], u[1]);
    }
    REPRO_TARGET_AVX512 static mask_t mask(int n) { return mask_t((1u << n) - 1u); }
    REPRO_TARGET_AVX512 static reg load(const double* p, mask_t m) { return _mm512_maskz_loadu_pd(m, p); }
    REPRO_TARGET_AVX512 static void store(double* p, reg v, mask_t m) { _mm512_mask_storeu_pd(p, m, v); }
};


// Tile shapes, rows x registers of columns, per register set: the in-place
// path's (B read as stored) and the packed path's, each with 12 accumulators
// of 16 registers (AVX2) or 16 / 24 of 32 (AVX-512); and the registers of
// columns side by side on the transposed-B path for 1 row and for 2-3 rows
// (AVX-512: one, so 16 rows of B^T stream at a time; 32 or 64 ran slower);
// and the accumulators of a leftover-columns panel (gemm_tail_panel: 12 rows
// of one register, fewer rows of more). They decide speed only.
template <template <class> class Regs>
struct gemm_tiles;

template <>
struct gemm_tiles<gemm_avx2> {
    static constexpr int in_place_rows = 4, in_place_regs = 3, packed_rows = 6, packed_regs = 2;
    static constexpr int bt_groups_one_row = 4, bt_groups = 2;
    static constexpr int tail_accumulators = 12;
};

template <>
struct gemm_tiles<gemm_avx512> {
    static constexpr int in_place_rows = 4, in_place_regs = 4, packed_rows = 6, packed_regs = 4;
    static constexpr int bt_groups_one_row = 1, bt_groups = 1;
    static constexpr int tail_accumulators = 24;
};

}  // namespace repro::detail
#endif
