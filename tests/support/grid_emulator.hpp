#pragma once
// A host emulator of the CUDA reduction kernels (repro/cuda/launch.cuh): it
// runs the kernel bodies of detail/kernels/row_reduce.hpp through a whole
// grid of `blocks` x `threads`, as the two __global__ wrappers do - every
// warp's items in the order of its grid-stride loop, the lanes' shuffle-down
// tree with shuffles as array reads, and the chunk tree with each
// __syncthreads as the end of a phase. The tests then compare the results
// with the CPU functions, without a GPU.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <repro/detail/kernels/random_fill.hpp>
#include <repro/detail/kernels/row_reduce.hpp>

namespace repro_test {

template <class D>
void emulate_rows(const D& d, std::size_t rows, std::size_t cols, typename D::result* out, std::size_t blocks,
                  std::size_t threads = 256) {
    namespace k = repro::detail::kernels;
    using P = typename D::op::partial;
    constexpr int group = D::lanes, per_warp = 32 / group;
    const k::row_chunks g = k::make_row_chunks(rows, cols);
    std::vector<P> partials(g.per_row > 1 ? g.items() : 0);

    // reduce_items
    const std::size_t warps = blocks * threads / 32;
    std::vector<P> lane(32), moved(32);
    for (std::size_t warp = 0; warp < warps; ++warp) {
        for (std::size_t w = warp; w * per_warp < g.items(); w += warps) {
            for (int t = 0; t < 32; ++t) {
                const std::size_t item = w * per_warp + static_cast<std::size_t>(t / group);
                lane[t] = item < g.items() ? k::lane_partial(d, g, item, t % group) : D::op::zero();
            }
            for (int s = group / 2; s >= 1; s /= 2) {
                // __shfl_down_sync(v, s, group): lane t gets lane t + s of its
                // segment, or its own value past the segment's end.
                for (int t = 0; t < 32; ++t) moved[t] = t % group + s < group ? lane[t + s] : lane[t];
                for (int t = 0; t < 32; ++t) lane[t] = D::op::combine(lane[t], moved[t]);
            }
            for (int sub = 0; sub < per_warp; ++sub) {
                const std::size_t item = w * per_warp + static_cast<std::size_t>(sub);
                if (item < g.items()) k::store_item(d, g, item, lane[sub * group], partials.data(), out);
            }
        }
    }
    if (g.per_row == 1) return;

    // reduce_chunk_trees: block b takes rows b, b + blocks, ...
    for (std::size_t b = 0; b < blocks; ++b) {
        for (std::size_t row = b; row < g.rows; row += blocks) {
            P* p = partials.data() + row * g.per_row;
            for (std::size_t s = 1; s < g.per_row; s *= 2)  // one phase per level
                for (std::size_t t = 0; t < threads; ++t)   // every thread of the block
                    for (std::size_t i = 2 * s * t; i < g.per_row; i += 2 * s * threads)
                        k::tree_pair<typename D::op>(p, g.per_row, s, i);
            out[row] = d.finish(p[0], row, g.cols);
        }
    }
}

// The random kernels (repro/cuda/random.cuh, for_row_blocks): f(row, block)
// for every block of every row, in the order of a grid-stride loop.
template <class F>
void emulate_row_blocks(const F& f, std::size_t rows, std::size_t blocks, std::size_t threads = 256) {
    const std::uint64_t per_row = f.blocks_per_row(), total = rows * per_row, stride = blocks * threads;
    for (std::uint64_t t = 0; t < stride; ++t)
        for (std::uint64_t i = t; i < total; i += stride) f(static_cast<std::size_t>(i / per_row), i % per_row);
}

// One row of n, as the vector forms launch it.
template <class D>
typename D::result emulate_value(const D& d, std::size_t n, std::size_t blocks, std::size_t threads = 256) {
    typename D::result r{};
    emulate_rows(d, 1, n, &r, blocks, threads);
    return r;
}

}  // namespace repro_test
