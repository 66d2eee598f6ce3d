#pragma once
// A host emulator of the CUDA attention kernel (repro/cuda/attention.cuh):
// it runs the phases of detail/kernels/attention_rows.hpp for every item of a
// grid of `blocks` blocks of `threads` threads, as the __global__ wrapper
// does - items in grid-stride order, every thread of a phase before the
// next phase (each __syncthreads), each block with its own scratch row.
#include <algorithm>
#include <cstddef>
#include <vector>

#include <repro/detail/kernels/attention_rows.hpp>

namespace repro_test {

template <class KV>
void emulate_attention(const repro::detail::kernels::attention_rows<KV>& k, std::size_t blocks,
                       unsigned threads = 128) {
    namespace rk = repro::detail::kernels;
    std::size_t max_keys = 0;
    for (std::size_t i = 0; i < k.count; ++i) max_keys = std::max(max_keys, k.items[i].n);
    std::vector<float> qs(k.head_dim), maxes(threads);
    std::vector<std::vector<float>> scratch(blocks, std::vector<float>(rk::attention_scratch_floats(max_keys)));
    for (std::size_t b = 0; b < blocks; ++b)
        for (std::size_t item = b; item < k.count; item += blocks) {
            const rk::attention_item<KV>& it = k.items[item];
            float* s = scratch[b].data();
            float* partials = s + (max_keys + 31) / 32 * 32;
            for (unsigned t = 0; t < threads; ++t) k.scale_query(it, qs.data(), t, threads);
            for (unsigned t = 0; t < threads; ++t) k.scores(it, qs.data(), s, t, threads);
            for (unsigned t = 0; t < threads; ++t) maxes[t] = k.max_part(it, s, t, threads);
            float m = maxes[0];
            for (unsigned t = 1; t < threads; ++t) m = rk::attention_rows<KV>::max_of(m, maxes[t]);
            for (unsigned t = 0; t < threads; ++t) k.exps(it, s, m, t, threads);
            for (unsigned t = 0; t < 32; ++t) k.sum_lanes(it, s, partials, t);
            const float l = k.sum_finish(it, partials);
            for (unsigned t = 0; t < threads; ++t) k.weighted_values(it, s, l, t, threads);
        }
}

}  // namespace repro_test
