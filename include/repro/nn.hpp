#pragma once
// repro/nn.hpp - layers whose output row depends only on that row's input
// and its sample id (`batch_invariant`, `portable`).
//
// Random layers: row r draws from random_stream(key, sample_ids[r], step)
// (repro/random.hpp), element c of the row from element c of that stream, so a
// sample gets the same mask or noise at batch 1 and batch 1000, at any
// position and on any number of threads. Threads split rows.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "detail/parallel.hpp"
#include "fp.hpp"
#include "random.hpp"

namespace repro {

namespace detail {

inline void check_rows(const void* x, const void* y, const std::uint64_t* ids, std::size_t rows, std::size_t cols,
                       const char* function) {
    check_input(x, rows * cols, function, "x");
    check_input(y, rows * cols, function, "y");
    check_input(ids, rows, function, "sample_ids");
}

// f(row, bits of that row's stream for columns [c0, c0 + len), c0, len) in
// chunks, rows split over threads.
template <class F>
void for_row_bits(std::size_t rows, std::size_t cols, random_key key, const std::uint64_t* ids, std::uint32_t step,
                  unsigned thread_count, F f) {
    parallel_for(rows, thread_count, [&](std::size_t r) {
        const random_stream s(key, ids[r], step);
        constexpr std::size_t chunk = 1024;
        std::uint32_t w[chunk];
        for (std::size_t c0 = 0; c0 < cols; c0 += chunk) {
            const std::size_t len = cols - c0 < chunk ? cols - c0 : chunk;
            s.fill_bits(w, len, c0);
            f(r, w, c0, len);
        }
    });
}

}  // namespace detail

// Inverted dropout (training): y[r][c] = x[r][c] * m with m = 1 / (1 - p)
// (rounded to T) where the unit is kept and m = 0 where it is dropped, i.e.
// where stream bits < floor(p 2^32) (so P(drop) = floor(p 2^32) / 2^32).
// p = 0 gives y = x exactly, p = 1 drops everything; x * 0 keeps NaN as NaN
// and gives -0 for negative x, as frameworks' x * mask does. Row-major
// rows x cols; y may be x. Throws std::invalid_argument for p outside [0, 1]
// (or NaN), null pointers and threads{0}.
template <class T>
void dropout(const T* x, T* y, std::size_t rows, std::size_t cols, double p, random_key key,
             const std::uint64_t* sample_ids, std::uint32_t step = 0, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "dropout");
    const std::uint64_t threshold = detail::bernoulli_threshold(p, "dropout");
    detail::check_rows(x, y, sample_ids, rows, cols, "dropout");
    if (rows == 0 || cols == 0) return;
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    detail::for_row_bits(rows, cols, key, sample_ids, step, tc,
                         [&](std::size_t r, const std::uint32_t* w, std::size_t c0, std::size_t len) {
                             const T* xr = x + r * cols + c0;
                             T* yr = y + r * cols + c0;
                             for (std::size_t c = 0; c < len; ++c) yr[c] = xr[c] * (w[c] < threshold ? T(0) : scale);
                         });
}

// Additive Gaussian noise: y[r][c] = fma(stddev, z, x[r][c]) with z element c
// of the row's stream's normal<T> (repro::random_stream::normal). stddev must
// be finite and >= 0; y may be x.
template <class T>
void add_gaussian_noise(const T* x, T* y, std::size_t rows, std::size_t cols, T stddev, random_key key,
                        const std::uint64_t* sample_ids, std::uint32_t step = 0, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "add_gaussian_noise");
    if (!(stddev >= T(0) && is_finite(stddev)))
        throw std::invalid_argument("repro::add_gaussian_noise: stddev = " + std::to_string(stddev) +
                                    " is not finite and >= 0");
    detail::check_rows(x, y, sample_ids, rows, cols, "add_gaussian_noise");
    if (rows == 0 || cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const random_stream s(key, sample_ids[r], step);
        constexpr std::size_t chunk = 512;
        T z[chunk];
        for (std::size_t c0 = 0; c0 < cols; c0 += chunk) {
            const std::size_t len = cols - c0 < chunk ? cols - c0 : chunk;
            s.fill_normal(z, len, c0);
            const T* xr = x + r * cols + c0;
            T* yr = y + r * cols + c0;
            for (std::size_t c = 0; c < len; ++c) yr[c] = repro::fma(stddev, z[c], xr[c]);
        }
    });
}

}  // namespace repro
