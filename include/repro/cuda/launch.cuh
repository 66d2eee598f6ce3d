#pragma once
// repro/cuda/launch.cuh - the two kernels behind every CUDA reduction and
// their launcher. The arithmetic is in detail/kernels/row_reduce.hpp; these
// wrappers only map it onto threads: a group of D::lanes threads per (row,
// chunk) item, its lane tree as a shuffle-down tree, then one block per row
// for the pairwise chunk tree. Any grid size gives the same bits: an item's
// result depends only on its data, and the tree only on the row's chunk count.

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../detail/kernels/row_reduce.hpp"
#include "error.cuh"
#include "memory.cuh"
#include "detail/prologue.cuh"

REPRO_NAMESPACE_BEGIN
namespace cuda {
namespace detail {

using namespace repro::detail::kernels;

inline constexpr int block_threads = 256;

REPRO_CUDA_KERNELS_BEGIN

// v from the lane `delta` above, within segments of `width` lanes, for any
// trivially copyable partial (moved as 32-bit words).
template <class P>
__device__ P shuffle_down(const P& v, int delta, int width) {
    constexpr int words = static_cast<int>((sizeof(P) + 3) / 4);
    std::uint32_t w[words] = {};
    std::memcpy(w, &v, sizeof(P));
    REPRO_UNROLL(8)
    for (int k = 0; k < words; ++k) w[k] = __shfl_down_sync(0xffffffffu, w[k], delta, width);
    P r;
    std::memcpy(&r, w, sizeof(P));
    return r;
}

template <class D>
__global__ void __launch_bounds__(block_threads)
    reduce_items(D d, row_chunks g, typename D::op::partial* partials, typename D::result* out) {
    constexpr int group = D::lanes, per_warp = 32 / group;
    const std::size_t warp = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
    const std::size_t warps = static_cast<std::size_t>(gridDim.x) * blockDim.x / 32;
    const int lane = static_cast<int>(threadIdx.x % group), sub = static_cast<int>(threadIdx.x % 32 / group);
    // Whole warps iterate together, so every shuffle has all 32 lanes.
    for (std::size_t w = warp; w * per_warp < g.items(); w += warps) {
        const std::size_t item = w * per_warp + static_cast<std::size_t>(sub);
        const bool live = item < g.items();
        typename D::op::partial p = live ? lane_partial(d, g, item, lane) : D::op::zero();
        for (int s = group / 2; s >= 1; s /= 2) p = D::op::combine(p, shuffle_down(p, s, group));
        if (live && lane == 0) store_item(d, g, item, p, partials, out);
    }
}

template <class D>
__global__ void __launch_bounds__(block_threads)
    reduce_chunk_trees(D d, row_chunks g, typename D::op::partial* partials, typename D::result* out) {
    for (std::size_t row = blockIdx.x; row < g.rows; row += gridDim.x) {
        typename D::op::partial* p = partials + row * g.per_row;
        for (std::size_t s = 1; s < g.per_row; s *= 2) {
            for (std::size_t i = 2 * s * threadIdx.x; i < g.per_row; i += 2 * s * blockDim.x)
                tree_pair<typename D::op>(p, g.per_row, s, i);
            __syncthreads();
        }
        if (threadIdx.x == 0) out[row] = d.finish(p[0], row, g.cols);
        __syncthreads();
    }
}

REPRO_CUDA_KERNELS_END

// How many chunk partials a rows x cols reduction keeps in scratch.
inline std::size_t partial_count(std::size_t rows, std::size_t cols) {
    const row_chunks g = make_row_chunks(rows, cols);
    return g.per_row > 1 ? g.items() : 0;
}

inline unsigned grid_for(std::size_t groups, int group) {
    const std::size_t per_block = static_cast<std::size_t>(block_threads / group);
    const std::size_t blocks = (groups + per_block - 1) / per_block;
    return static_cast<unsigned>(blocks < 65535 ? (blocks == 0 ? 1 : blocks) : 65535);
}

// Queues the reduction of every row of a rows x cols input: out[r] = the
// row's result. `partials` holds partial_count(rows, cols) partials.
template <class D>
void launch_rows(const D& d, std::size_t rows, std::size_t cols, typename D::op::partial* partials,
                 typename D::result* out, cudaStream_t stream) {
    const row_chunks g = make_row_chunks(rows, cols);
    if (g.items() == 0) return;
    reduce_items<D><<<grid_for(g.items(), D::lanes), block_threads, 0, stream>>>(d, g, partials, out);
    check(cudaGetLastError(), "launch of repro's reduce_items kernel");
    if (g.per_row == 1) return;
    const unsigned tree_blocks = static_cast<unsigned>(g.rows < 65535 ? g.rows : 65535);
    reduce_chunk_trees<D><<<tree_blocks, block_threads, 0, stream>>>(d, g, partials, out);
    check(cudaGetLastError(), "launch of repro's reduce_chunk_trees kernel");
}

}  // namespace detail
}  // namespace cuda
REPRO_NAMESPACE_END

#include "detail/epilogue.cuh"
