#pragma once
// The CUDA row layers (repro/cuda/nn.cuh) on the host. emulate_layer: a
// layer's statistics through emulate_rows (grid_emulator.hpp) into per-row
// arrays, then its element function over every element, as nn.cuh composes
// them for rows of several chunks; for rows of one chunk that is also
// fused_rows' arithmetic (the same lanes, shuffle-down tree and finish per
// row). emulate_cached_layer: cached_rows, which feeds the statistics and
// the elements the row's values from a copy (load, add, put).
#include <cstddef>
#include <vector>

#include <repro/detail/kernels/row_layers.hpp>

#include "grid_emulator.hpp"

namespace repro_test {

template <class F>
void emulate_elements(const F& f, std::size_t rows, std::size_t cols) {
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) f(r, c);
}

// make(s1, s2) builds the layer (row_layers.hpp's *_layer functions) around
// the arrays of its two statistics.
template <class A, class Make>
void emulate_layer(std::size_t rows, std::size_t cols, std::size_t blocks, Make make) {
    namespace k = repro::detail::kernels;
    if (rows == 0 || cols == 0) return;
    std::vector<A> s1(rows), s2(rows);
    const auto layer = make(s1.data(), s2.data());
    emulate_rows(layer.stat1, rows, cols, s1.data(), blocks);
    if constexpr (k::is_stat<decltype(layer.stat2)>) emulate_rows(layer.stat2, rows, cols, s2.data(), blocks);
    emulate_elements(layer.elements, rows, cols);
}

// One statistic of a cached row: lane j adds columns j, j + lanes, ...; the
// lanes combine as the shuffle-down tree does (lane t += lane t + s).
template <class D>
void emulate_cached_stat(const D& d, const std::vector<typename D::result>& cache, std::size_t row,
                         typename D::result* out) {
    using P = typename D::op::partial;
    std::vector<P> lane(D::lanes, D::op::zero());
    for (int j = 0; j < D::lanes; ++j)
        for (std::size_t col = static_cast<std::size_t>(j); col < cache.size(); col += D::lanes)
            d.add(lane[j], row, cache[col]);
    for (int s = D::lanes / 2; s >= 1; s /= 2)
        for (int t = 0; t < s; ++t) lane[t] = D::op::combine(lane[t], lane[t + s]);
    out[row] = d.finish(lane[0], row, cache.size());
}

template <class A, class Make>
void emulate_cached_layer(std::size_t rows, std::size_t cols, Make make) {
    namespace k = repro::detail::kernels;
    if (rows == 0 || cols == 0) return;
    std::vector<A> s1(rows), s2(rows), cache(cols);
    const auto layer = make(s1.data(), s2.data());
    for (std::size_t row = 0; row < rows; ++row) {
        for (std::size_t col = 0; col < cols; ++col) cache[col] = layer.elements.load(row, col);
        emulate_cached_stat(layer.stat1, cache, row, s1.data());
        if constexpr (k::is_stat<decltype(layer.stat2)>) emulate_cached_stat(layer.stat2, cache, row, s2.data());
        for (std::size_t col = 0; col < cols; ++col) layer.elements.put(row, col, cache[col]);
    }
}

}  // namespace repro_test
