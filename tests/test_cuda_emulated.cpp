// The CUDA reductions' kernel bodies run on the host through the grid
// emulator (support/grid_emulator.hpp) and are compared bit for bit with the
// CPU functions: every size class (0, 1, primes, powers of two +-1, chunk
// boundaries, up to 2^22), several grid shapes, float, double and half,
// vectors and rows, finite and special values.
#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include <repro/eigen.hpp>
#include <repro/reduce.hpp>

#include "support/bit_checks.hpp"
#include "support/grid_emulator.hpp"
#include "support/test_data.hpp"

namespace k = repro::detail::kernels;
using repro::accumulator_t;
using repro_test::emulate_rows;
using repro_test::emulate_value;
using repro_test::same;

namespace {

const std::size_t sizes[] = {0,
                             1,
                             2,
                             3,
                             5,
                             17,
                             31,
                             32,
                             33,
                             127,
                             128,
                             1000,
                             16383,
                             16384,
                             16385,
                             16384 * 3 + 7,
                             65535,
                             65536,
                             65537,
                             99991,
                             (1u << 20) - 1,
                             1u << 20,
                             (1u << 20) + 1,
                             1u << 22};

// Grid shapes: one block, a few, and more warps than items.
std::vector<std::size_t> grids_for(std::size_t n) {
    if (n > 70000) return {64};
    return {1, 3, 64};
}

template <class T>
std::vector<T> data(std::size_t n, std::uint64_t seed, int lo, int hi) {
    repro_test::splitmix64 g(seed);
    std::vector<T> v(n);
    const int bias = repro_test::exponent_bias<T>();
    for (auto& x : v) x = repro_test::random_finite<T>(g, bias + lo, bias + hi);
    return v;
}

template <class T>
void check_vector_functions(const std::vector<T>& x, const std::vector<T>& y, std::size_t blocks) {
    using A = accumulator_t<T>;
    const std::size_t n = x.size();
    const T* px = x.data();
    const T* py = y.data();
    CAPTURE(n);
    CAPTURE(blocks);
    CHECK(same(emulate_value(k::sum_of<A, T>{px}, n, blocks), repro::sum(px, n)));
    CHECK(same(emulate_value(k::dot_of<A, T>{px, py}, n, blocks), repro::dot(px, py, n)));
    CHECK(same(emulate_value(k::dot_of<A, T>{px, px}, n, blocks), repro::dot(px, px, n)));
    CHECK(same(emulate_value(k::sum_of<A, T>{px, true}, n, blocks), repro::mean(px, n)));
    CHECK(same(emulate_value(k::sum2_of<A, T>{px}, n, blocks), repro::sum_compensated(px, n)));
    CHECK(same(emulate_value(k::dot2_of<A, T>{px, py}, n, blocks), repro::dot_compensated(px, py, n)));
    CHECK(same(emulate_value(k::exact_of<A, T>{px, nullptr}, n, blocks), repro::exact_sum(px, n)));
    CHECK(same(emulate_value(k::exact_of<A, T, true>{px, py}, n, blocks), repro::exact_dot(px, py, n)));

    // nrm2 and variance: a first pass per row, then the sum of squares.
    const std::uint64_t mag = emulate_value(k::max_magnitude_of<T>{px}, n, blocks);
    CHECK(same(emulate_value(k::nrm2_of<T>{px, &mag}, n, blocks), repro::nrm2(px, n)));
    const A m = emulate_value(k::exact_of<A, T>{px, nullptr, k::exact_finish::mean}, n, blocks);
    for (std::size_t ddof : {0, 1}) {
        CAPTURE(ddof);
        CHECK(same(emulate_value(k::variance_of<T>{px, &m, ddof}, n, blocks), repro::variance(px, n, ddof)));
    }
    if (n > 0) {
        CHECK(emulate_value(k::extreme_of<true, T>{px, n}, n, blocks) == repro::argmax(px, n));
        CHECK(emulate_value(k::extreme_of<false, T>{px, n}, n, blocks) == repro::argmin(px, n));
    }
}

// The state an exact pass leaves, as a host accumulator, serializes to the
// bytes of the CPU accumulator fed the same values.
template <class T>
void check_exact_state(const std::vector<T>& x, const std::vector<T>& y, std::size_t blocks) {
    using A = accumulator_t<T>;
    const std::size_t n = x.size();
    const auto values = emulate_value(k::exact_state_of<A, T>{{x.data(), nullptr}}, n, blocks);
    repro::exact_accumulator<A> cpu;
    cpu.add(x.data(), n);
    CHECK(repro::detail::accumulator_parts<A>::make(values.state, values.sp, n).serialize() == cpu.serialize());
    const auto products = emulate_value(k::exact_state_of<A, T, true>{{x.data(), y.data()}}, n, blocks);
    repro::exact_accumulator<A> cpu_products;
    cpu_products.add_products(x.data(), y.data(), n);
    CHECK(repro::detail::accumulator_parts<A>::make(products.state, products.sp, n).serialize() ==
          cpu_products.serialize());
}

}  // namespace

TEST_CASE_TEMPLATE("emulated CUDA reductions give the CPU's bits at every size and grid", T, float, double) {
    for (std::size_t n : sizes) {
        const auto x = data<T>(n, 100 + n, -20, 20);
        const auto y = data<T>(n, 200 + n, -20, 20);
        for (std::size_t blocks : grids_for(n)) check_vector_functions(x, y, blocks);
    }
}

TEST_CASE_TEMPLATE("emulated exact accumulation serializes to the CPU accumulator's bytes", T, float, double) {
    for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(33), std::size_t(16385), std::size_t(99991)}) {
        CAPTURE(n);
        // a wide exponent range, so the state spans many limbs and cancels
        const auto x = data<T>(n, 300 + n, -100, 100);
        const auto y = data<T>(n, 400 + n, -100, 100);
        for (std::size_t blocks : grids_for(n)) check_exact_state(x, y, blocks);
    }
}

TEST_CASE("emulated reductions of half and bfloat16 widen as the CPU widens Eigen's types") {
    for (std::size_t n : {std::size_t(1), std::size_t(31), std::size_t(16385), std::size_t(70001)}) {
        const auto hx = data<Eigen::half>(n, 500 + n, -6, 6), hy = data<Eigen::half>(n, 600 + n, -6, 6);
        check_vector_functions(hx, hy, 5);
        const auto bx = data<Eigen::bfloat16>(n, 700 + n, -30, 30), by = data<Eigen::bfloat16>(n, 800 + n, -30, 30);
        check_vector_functions(bx, by, 5);
    }
}

TEST_CASE_TEMPLATE("emulated row forms equal the CPU function of each row", T, float, double) {
    using A = accumulator_t<T>;
    for (std::size_t cols :
         {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(4096), std::size_t(16385), std::size_t(40000)}) {
        for (std::size_t rows : {std::size_t(1), std::size_t(2), std::size_t(9)}) {
            CAPTURE(rows);
            CAPTURE(cols);
            const auto x = data<T>(rows * cols, 900 + rows * cols, -10, 10);
            const auto y = data<T>(rows * cols, 901 + rows * cols, -10, 10);
            std::vector<A> out(rows), mean(rows), out2(rows);
            std::vector<std::uint64_t> mag(rows);
            emulate_rows(k::sum_of<A, T>{x.data()}, rows, cols, out.data(), 2);
            emulate_rows(k::dot_of<A, T>{x.data(), y.data()}, rows, cols, out2.data(), 2);
            emulate_rows(k::max_magnitude_of<T>{x.data()}, rows, cols, mag.data(), 2);
            emulate_rows(k::exact_of<A, T>{x.data(), nullptr, k::exact_finish::mean}, rows, cols, mean.data(), 2);
            std::vector<A> nrm(rows), var(rows);
            emulate_rows(k::nrm2_of<T>{x.data(), mag.data()}, rows, cols, nrm.data(), 2);
            emulate_rows(k::variance_of<T>{x.data(), mean.data(), 0}, rows, cols, var.data(), 2);
            std::vector<std::size_t> arg(rows);
            if (cols > 0) emulate_rows(k::extreme_of<true, T>{x.data(), cols}, rows, cols, arg.data(), 2);
            for (std::size_t r = 0; r < rows; ++r) {
                const T* xr = x.data() + r * cols;
                CHECK(same(out[r], repro::sum(xr, cols)));
                CHECK(same(out2[r], repro::dot(xr, y.data() + r * cols, cols)));
                CHECK(same(nrm[r], repro::nrm2(xr, cols)));
                CHECK(same(var[r], repro::variance(xr, cols)));
                if (cols > 0) CHECK(arg[r] == repro::argmax(xr, cols));
            }
        }
    }
}

TEST_CASE_TEMPLATE("emulated reductions treat NaN, infinities and signed zeros as the CPU does", T, float, double) {
    const std::vector<T> edges = repro_test::edge_values<T>();
    repro_test::splitmix64 g(77);
    for (int trial = 0; trial < 200; ++trial) {
        const std::size_t n = 1 + static_cast<std::size_t>(g.below(40000));
        std::vector<T> x = data<T>(n, 1000 + static_cast<std::uint64_t>(trial), -30, 30);
        std::vector<T> y = data<T>(n, 2000 + static_cast<std::uint64_t>(trial), -30, 30);
        // a few edge values (zeros, subnormals, the largest finite, infinities, NaNs) at random places
        const int count = static_cast<int>(g.below(4));
        for (int c = 0; c < count; ++c) x[g.below(n)] = edges[g.below(edges.size())];
        if (trial % 3 == 0) y[g.below(n)] = edges[g.below(edges.size())];
        check_vector_functions(x, y, 1 + g.below(8));
    }
}
