#pragma once
// A host emulator of the CUDA matrix-product kernels (repro/cuda/linalg.cuh,
// repro/cuda/conv.cuh): it runs the kernel bodies of
// detail/kernels/gemm_tile.hpp through a whole grid - every product of the
// batch (the z index), every block, every thread - with the block's shared
// memory as arrays and each __syncthreads as the end of a phase. Within a
// phase the threads run one after the other, in ascending order in even
// phases and descending in odd ones, so a body that read what another thread
// writes in the same phase would not give the CPU's bits in both orders.
#include <cstddef>
#include <memory>
#include <vector>

#include <repro/detail/kernels/gemm_tile.hpp>

namespace repro_test {

template <class Shape, class Batch>
void emulate_gemm(const Batch& batch) {
    namespace k = repro::detail::kernels;
    for (std::size_t z = 0; z < batch.count(); ++z) {
        const auto p = batch.problem(z);
        using tile = k::gemm_tile<Shape, decltype(p)>;
        if (p.M == 0 || p.N == 0) continue;
        const std::size_t phases = tile::phases(p.K);
        auto sh = std::make_unique<typename tile::shared>();
        std::vector<typename tile::thread> th(Shape::threads);
        for (std::size_t i0 = 0; i0 < p.M; i0 += Shape::BM)
            for (std::size_t j0 = 0; j0 < p.N; j0 += Shape::BN) {
                for (auto& t : th) tile::begin(t);
                for (std::size_t ph = 0; ph < phases; ++ph)
                    for (int n = 0; n < Shape::threads; ++n) {
                        const int tid = ph % 2 == 0 ? n : Shape::threads - 1 - n;
                        tile::phase(p, i0, j0, ph, tid, *sh, th[tid]);
                    }
                for (int tid = 0; tid < Shape::threads; ++tid) tile::finish(p, i0, j0, tid, th[tid]);
            }
    }
}

// The batch with the shape the launcher picks (repro::cuda's launch_product).
template <class Batch>
void emulate_product(const Batch& batch) {
    namespace k = repro::detail::kernels;
    using T = typename Batch::problem_type::value_type;
    const auto p = batch.problem(0);
    switch (k::tile_for<T>(p.M, p.N, batch.count())) {
        case k::tile_kind::few_rows:
            return emulate_gemm<k::tile_few_rows>(batch);
        case k::tile_kind::medium:
            return emulate_gemm<k::tile_medium>(batch);
        case k::tile_kind::large:
            return emulate_gemm<k::tile_large>(batch);
    }
}

// The elementwise kernels: f(e) for e < n.
template <class F>
void emulate_elements(const F& f, std::size_t n) {
    for (std::size_t e = 0; e < n; ++e) f(e);
}

}  // namespace repro_test
