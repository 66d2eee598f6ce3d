#pragma once
// Kernel bodies of the CUDA random fills and noise layers
// (repro/cuda/random.cuh), run on the host by the emulator test. One thread
// computes one Philox block of a stream and writes the elements that block
// gives (repro/random.hpp: 4 per block for bits, float uniforms and float
// normals; 2 for doubles), so each block is computed once, as the CPU's bulk
// fills do, and every element has the value of the element functions.

#include <cstddef>
#include <cstdint>

#include "../../random.hpp"
#include "../../fp.hpp"
#include "../random/cores.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {

enum class draw { bits, uniform, normal };

// Elements per Philox block.
template <class T, draw What>
inline constexpr unsigned per_block = What == draw::bits || sizeof(T) == 4 ? 4 : 2;

// Element j of a block's words w: random_stream::bits / uniform / normal of
// the element at position j within the block.
template <class T, draw What>
REPRO_HD T block_value(const std::uint32_t (&w)[4], unsigned j) {
    if constexpr (What == draw::bits) {
        return w[j];
    } else if constexpr (What == draw::uniform) {
        if constexpr (sizeof(T) == 4)
            return u01_float(w[j]);
        else
            return u01_double(join64(w[2 * j + 1], w[2 * j]));
    } else if constexpr (sizeof(T) == 4) {
        const unsigned p = j & 2u;
        return box_muller(u01_open_float(w[p]), u01_float(w[p + 1]), (j & 1u) != 0);
    } else {
        return box_muller(u01_open_double(join64(w[1], w[0])), u01_double(join64(w[3], w[2])), (j & 1u) != 0);
    }
}

// The blocks that elements [first, first + n) of a stream touch.
template <class T, draw What>
REPRO_HD std::uint64_t blocks_of(std::size_t n, std::uint64_t first) {
    constexpr unsigned per = per_block<T, What>;
    return n == 0 ? 0 : (first + n - 1) / per - first / per + 1;
}

// Block `b` (counted from the one holding element `first`): out[e - first]
// for the elements e of [first, first + n) it gives.
template <class T, draw What>
REPRO_HD void fill_block(const random_stream& s, T* out, std::size_t n, std::uint64_t first, std::uint64_t b) {
    constexpr unsigned per = per_block<T, What>;
    const std::uint64_t block = first / per + b;
    const raw_words<4> w = unpack(s.block(static_cast<std::uint32_t>(block)));
    for (unsigned j = 0; j < per; ++j) {
        const std::uint64_t e = block * per + j;
        if (e >= first && e - first < n) out[e - first] = block_value<T, What>(w.w, j);
    }
}

// The fills as one row of blocks (the shape of the kernel's loop).
template <class T, draw What>
struct fill_rows {
    random_stream s;
    T* out;
    std::size_t n;
    std::uint64_t first;
    REPRO_HD std::uint64_t blocks_per_row() const { return blocks_of<T, What>(n, first); }
    REPRO_HD void operator()(std::size_t, std::uint64_t b) const { fill_block<T, What>(s, out, n, first, b); }
};

// Dropout (repro::dropout) of row r's columns 4 cb .. 4 cb + 3: the row's
// stream bits decide, y = x * (bits < threshold ? 0 : scale).
template <class T>
struct dropout_rows {
    const T* x;
    T* y;
    std::size_t cols;
    std::uint64_t threshold;
    T scale;
    random_key key;
    const std::uint64_t* sample_ids;
    std::uint32_t step;

    REPRO_HD std::uint64_t blocks_per_row() const { return (cols + 3) / 4; }
    REPRO_HD void operator()(std::size_t r, std::uint64_t cb) const {
        const raw_words<4> w = unpack(random_stream(key, sample_ids[r], step).block(static_cast<std::uint32_t>(cb)));
        for (unsigned j = 0; j < 4; ++j) {
            const std::size_t c = static_cast<std::size_t>(cb * 4 + j);
            if (c < cols) y[r * cols + c] = mul_rn(x[r * cols + c], w.w[j] < threshold ? T(0) : scale);
        }
    }
};

// Gaussian noise (repro::add_gaussian_noise): y = fma(stddev, z, x) with z
// the row's stream's normal<T> of the column.
template <class T>
struct noise_rows {
    const T* x;
    T* y;
    std::size_t cols;
    T stddev;
    random_key key;
    const std::uint64_t* sample_ids;
    std::uint32_t step;

    static constexpr unsigned per = per_block<T, draw::normal>;
    REPRO_HD std::uint64_t blocks_per_row() const { return (cols + per - 1) / per; }
    REPRO_HD void operator()(std::size_t r, std::uint64_t cb) const {
        const raw_words<4> w = unpack(random_stream(key, sample_ids[r], step).block(static_cast<std::uint32_t>(cb)));
        for (unsigned j = 0; j < per; ++j) {
            const std::size_t c = static_cast<std::size_t>(cb * per + j);
            if (c < cols) y[r * cols + c] = repro::fma(stddev, block_value<T, draw::normal>(w.w, j), x[r * cols + c]);
        }
    }
};

}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
