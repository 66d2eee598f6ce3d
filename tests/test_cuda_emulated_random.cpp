// The CUDA random kernels' bodies through the host grid emulator, against
// the CPU's bulk fills, element functions, dropout and noise.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include <repro/nn.hpp>
#include <repro/random.hpp>

#include "support/bit_checks.hpp"
#include "support/grid_emulator.hpp"

namespace k = repro::detail::kernels;
using repro_test::emulate_row_blocks;

namespace {

const repro::random_key key = repro::random_key::from_seed(2024).fold_in(7);

template <class T, k::draw What>
std::vector<T> emulated_fill(const repro::random_stream& s, std::size_t n, std::uint64_t first, std::size_t blocks) {
    std::vector<T> out(n);
    emulate_row_blocks(k::fill_rows<T, What>{s, out.data(), n, first}, 1, blocks);
    return out;
}

}  // namespace

TEST_CASE_TEMPLATE("emulated uniform and normal fills equal the CPU's bulk fills at any offset", T, float, double) {
    const repro::random_stream s(key, 123456789012345ull, 3);
    for (std::size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 9, 1000, 4099}) {
        for (std::uint64_t first : {0ull, 1ull, 2ull, 3ull, 5ull, 4096ull + 1, (1ull << 32) + 3, (1ull << 33) - 4099}) {
            CAPTURE(n);
            CAPTURE(first);
            std::vector<T> cpu(n);
            s.fill_uniform(cpu.data(), n, first);
            CHECK(repro_test::first_difference(emulated_fill<T, k::draw::uniform>(s, n, first, 3), cpu) ==
                  repro_test::npos);
            s.fill_normal(cpu.data(), n, first);
            CHECK(repro_test::first_difference(emulated_fill<T, k::draw::normal>(s, n, first, 2), cpu) ==
                  repro_test::npos);
            if (n > 0)
                CHECK(repro_test::same(emulated_fill<T, k::draw::normal>(s, 1, first + n - 1, 1)[0],
                                       s.normal<T>(first + n - 1)));
        }
    }
}

TEST_CASE("emulated bit fills equal random_stream::fill_bits") {
    const repro::random_stream s(key, 5, 0);
    for (std::size_t n : {1, 3, 4, 5, 333}) {
        for (std::uint64_t first : {0ull, 1ull, 7ull}) {
            std::vector<std::uint32_t> cpu(n);
            s.fill_bits(cpu.data(), n, first);
            CHECK(emulated_fill<std::uint32_t, k::draw::bits>(s, n, first, 4) == cpu);
        }
    }
}

TEST_CASE_TEMPLATE("emulated dropout and noise give the CPU layers' outputs and masks", T, float, double) {
    for (std::size_t rows : {1, 3, 8}) {
        for (std::size_t cols : {1, 3, 4, 5, 129, 1030}) {
            CAPTURE(rows);
            CAPTURE(cols);
            const auto x = repro_test::random_matrix<T>(rows, cols, 31 * rows + cols);
            std::vector<std::uint64_t> ids(rows);
            for (std::size_t r = 0; r < rows; ++r) ids[r] = 1000003 * r + 17;
            for (double p : {0.0, 0.1, 0.5, 1.0}) {
                std::vector<T> cpu(x.size()), emulated(x.size());
                repro::dropout(x.data(), cpu.data(), rows, cols, p, key, ids.data(), 9);
                const T scale = static_cast<T>(1.0 / (1.0 - p));
                emulate_row_blocks(
                    k::dropout_rows<T>{x.data(), emulated.data(), cols,
                                       repro::detail::bernoulli_threshold(p, "dropout"), scale, key, ids.data(), 9},
                    rows, 2);
                CHECK(repro_test::first_difference(emulated, cpu) == repro_test::npos);
            }
            std::vector<T> cpu(x.size()), emulated(x.size());
            repro::add_gaussian_noise(x.data(), cpu.data(), rows, cols, T(0.25), key, ids.data(), 4);
            emulate_row_blocks(k::noise_rows<T>{x.data(), emulated.data(), cols, T(0.25), key, ids.data(), 4}, rows, 5);
            CHECK(repro_test::first_difference(emulated, cpu) == repro_test::npos);
        }
    }
}
