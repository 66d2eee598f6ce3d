#pragma once
// repro/detail/gemm_regs.hpp - the registers of the matrix-product kernels:
// one traits type per instruction set and element type, giving the register,
// its width in elements, and the loads, stores, broadcasts and fused
// multiply-adds the kernels are written in. Masked forms touch only the first
// n lanes (the columns left over at the right edge of a matrix).

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
    // 4 floats from lo, then 4 from hi
    REPRO_TARGET_AVX2 static reg halves(const float* lo, const float* hi) {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)), _mm_loadu_ps(hi), 1);
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
    REPRO_TARGET_AVX2 static reg halves(const double* lo, const double* hi) {
        return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(lo)), _mm_loadu_pd(hi), 1);
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
    REPRO_TARGET_AVX512 static reg zero() { return _mm512_setzero_ps(); }
    REPRO_TARGET_AVX512 static reg load(const float* p) { return _mm512_loadu_ps(p); }
    REPRO_TARGET_AVX512 static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    REPRO_TARGET_AVX512 static reg broadcast(const float* p) { return _mm512_set1_ps(*p); }
    REPRO_TARGET_AVX512 static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    REPRO_TARGET_AVX512 static mask_t mask(int n) { return mask_t((1u << n) - 1u); }
    REPRO_TARGET_AVX512 static reg load(const float* p, mask_t m) { return _mm512_maskz_loadu_ps(m, p); }
    REPRO_TARGET_AVX512 static void store(float* p, reg v, mask_t m) { _mm512_mask_storeu_ps(p, m, v); }
};

template <>
struct gemm_avx512<double> {
    using reg = __m512d;
    using mask_t = __mmask8;
    static constexpr int width = 8;
    REPRO_TARGET_AVX512 static reg zero() { return _mm512_setzero_pd(); }
    REPRO_TARGET_AVX512 static reg load(const double* p) { return _mm512_loadu_pd(p); }
    REPRO_TARGET_AVX512 static void store(double* p, reg v) { _mm512_storeu_pd(p, v); }
    REPRO_TARGET_AVX512 static reg broadcast(const double* p) { return _mm512_set1_pd(*p); }
    REPRO_TARGET_AVX512 static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
    REPRO_TARGET_AVX512 static mask_t mask(int n) { return mask_t((1u << n) - 1u); }
    REPRO_TARGET_AVX512 static reg load(const double* p, mask_t m) { return _mm512_maskz_loadu_pd(m, p); }
    REPRO_TARGET_AVX512 static void store(double* p, reg v, mask_t m) { _mm512_mask_storeu_pd(p, m, v); }
};


// Tile shapes, rows x registers of columns, per register set: the in-place
// path's (B read as stored) and the packed path's, each with 12 accumulators
// of 16 registers (AVX2) or 16 / 24 of 32 (AVX-512). They decide speed only.
template <template <class> class Regs>
struct gemm_tiles;

template <>
struct gemm_tiles<gemm_avx2> {
    static constexpr int in_place_rows = 4, in_place_regs = 3, packed_rows = 6, packed_regs = 2;
};

template <>
struct gemm_tiles<gemm_avx512> {
    static constexpr int in_place_rows = 4, in_place_regs = 4, packed_rows = 6, packed_regs = 4;
};

}  // namespace repro::detail
#endif
