#pragma once
// repro/detail/kernels/mma_fragments.hpp - where the tensor-core kernel
// (repro/cuda/detail/tensor_core.cuh) finds a warp's MMA fragments in shared
// memory: the element offsets each lane gives ldmatrix (or loads), and the
// output element of each accumulator register. Plain functions, so that a
// host test can check them against the fragment layouts of the PTX ISA
// (mma.m16n8k8 .tf32, mma.m16n8k16 .f16/.bf16, ldmatrix .x4 and .trans).
//
// Tiles are row-major in shared memory with a row stride in elements:
// A is [m][k], a transposed B is [n][k], a plain B is [k][n]. k_step is the
// MMA's k: 8 for TF32 (32-bit elements), 16 for FP16 and BF16.

#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {
namespace mma {

// The block tile (8 warps as 2 (m) x 4 (n) of warp_m x warp_n outputs) and
// the k-tile: 64 bytes of each row, 16 floats or 32 halves.
inline constexpr int block_m = 128, block_n = 128, warp_m = 64, warp_n = 32, tile_k_bytes = 64;

// The shared-memory tiles for elements of Bytes bytes: 4 (float inputs, TF32
// MMAs) or 2 (__half, __nv_bfloat16).
template <int Bytes>
struct tile_shape {
    static constexpr int elem = Bytes;
    static constexpr int k_step = Bytes == 4 ? 8 : 16;  // m16n8k8 (TF32), m16n8k16 (FP16, BF16)
    static constexpr int tile_k = tile_k_bytes / Bytes;
    static constexpr int vec = 16 / Bytes;  // elements per 16-byte copy
    // Row strides in elements. k-major tiles ([m][k], [n][k]) get 16 bytes of
    // padding: 80-byte rows put the 8 rows an ldmatrix reads in 8 different
    // 16-byte bank groups. A K x N tile ([k][n]) gets 8 elements: 136 floats
    // put the 4 k-rows of a TF32 fragment 8 banks apart; 272-byte half rows
    // are an odd number of 16-byte groups, as ldmatrix.trans needs.
    static constexpr int k_major_stride = tile_k + vec;
    static constexpr int n_major_stride = block_n + 8;
    static constexpr int a_elems = block_m * k_major_stride;
    static constexpr int bt_elems = block_n * k_major_stride;
    static constexpr int b_elems = tile_k * n_major_stride;
};

// The row this lane addresses for ldmatrix.x4 of the 16 x k_step A fragment
// at (row0, k0): lanes 0-15 rows 0-15 at k0 (matrices 0 and 1: rows 0-7,
// 8-15), lanes 16-31 the same rows at k0 + k_step / 2 (matrices 2 and 3).
// Each of the four 8 x 8 b16 matrices holds a0/a1, a2/a3, a4/a5, a6/a7
// (16-bit) or a0, a1, a2, a3 (TF32: two b16 per element).
REPRO_HD int a_offset(int lane, int row0, int k0, int stride, int k_step) {
    return (row0 + lane % 16) * stride + k0 + lane / 16 * (k_step / 2);
}

// ldmatrix.x4 of the B fragments of columns n0 .. n0+7 and n0+8 .. n0+15
// from an [n][k] tile: matrix q = lane / 8 is (n half q / 2, k half q % 2),
// so the registers are b0, b1 of the first fragment, then of the second.
REPRO_HD int bt_offset(int lane, int n0, int k0, int stride, int k_step) {
    const int q = lane / 8;
    return (n0 + q / 2 * 8 + lane % 8) * stride + k0 + q % 2 * (k_step / 2);
}

// ldmatrix.x4.trans of the same two 16-bit B fragments from a [k][n] tile:
// matrix q is rows k0 + (q % 2) * 8 .. +7, columns n0 + (q / 2) * 8 .. +7.
REPRO_HD int b_trans_offset(int lane, int n0, int k0, int stride) {
    const int q = lane / 8;
    return (k0 + q % 2 * 8 + lane % 8) * stride + n0 + q / 2 * 8;
}

// TF32 B register r (k = threadID_in_group + 4 r, n = groupID) of the
// fragment at (k0, n0), loaded on its own from a [k][n] tile.
REPRO_HD int b_tf32_offset(int lane, int r, int n0, int k0, int stride) {
    return (k0 + lane % 4 + 4 * r) * stride + n0 + lane / 4;
}

// The output (row, column) of accumulator register e (0..3) in the 16 x 8
// fragment: row groupID + 8 (e / 2), column 2 threadID_in_group + e % 2.
REPRO_HD int c_row(int lane, int e) { return lane / 4 + e / 2 * 8; }
REPRO_HD int c_col(int lane, int e) { return lane % 4 * 2 + e % 2; }

}  // namespace mma
}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
