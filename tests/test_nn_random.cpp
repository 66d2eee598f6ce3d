// repro/nn.hpp's random layers, dropout and add_gaussian_noise. Oracles: the
// documented per-element formulas recomputed from random_stream's element
// forms (which test_random checks against Random123), std::fma, the IEEE
// rules for x * 0, the batch-1 result for the invariance promise, and
// binomial bounds for drop frequencies.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <repro/fp.hpp>
#include <repro/nn.hpp>
#include <repro/random.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_data.hpp"

using repro_test::splitmix64;

namespace {

template <class T>
std::uint64_t bits_of(T x) {
    return static_cast<std::uint64_t>(repro::to_bits(x));
}

template <class T>
std::vector<std::uint64_t> bits_of(const std::vector<T>& v) {
    std::vector<std::uint64_t> b;
    for (const T x : v) b.push_back(bits_of(x));
    return b;
}

template <class T>
int exponent_bias() {
    return (1 << (repro::float_traits<T>::exponent_bits - 1)) - 1;
}

// Finite values with random signs and magnitudes in [2^-20, 2^20).
template <class T>
std::vector<T> random_values(std::size_t n, splitmix64& g) {
    std::vector<T> v(n);
    for (auto& x : v) x = repro_test::random_finite<T>(g, exponent_bias<T>() - 20, exponent_bias<T>() + 19);
    return v;
}

std::vector<std::uint64_t> random_ids(std::size_t n, splitmix64& g) {
    std::vector<std::uint64_t> v(n);
    for (auto& x : v) x = g.next();
    return v;
}

template <class T>
bool is_signalling_nan(T x) {
    using tr = repro::float_traits<T>;
    const auto quiet = static_cast<typename tr::bits_type>(typename tr::bits_type(1) << (tr::fraction_bits - 1));
    return repro::is_nan(x) && (repro::to_bits(x) & quiet) == 0;
}

// ---- the documented formulas, element by element ----

// floor(p 2^32), exactly (p 2^32 is exact in double).
std::uint64_t drop_threshold(double p) { return static_cast<std::uint64_t>(std::floor(std::ldexp(p, 32))); }

// y[r][c] = x[r][c] * m, m = 0 where bits(c) of the row's stream < floor(p 2^32),
// else 1 / (1 - p) rounded to T.
template <class T>
std::vector<T> documented_dropout(const std::vector<T>& x, std::size_t rows, std::size_t cols, double p,
                                  repro::random_key key, const std::vector<std::uint64_t>& ids, std::uint32_t step) {
    const std::uint64_t threshold = drop_threshold(p);
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    std::vector<T> y(rows * cols);
    for (std::size_t r = 0; r < rows; ++r) {
        const repro::random_stream s(key, ids[r], step);
        for (std::size_t c = 0; c < cols; ++c) {
            const bool keep = s.bits(c) >= threshold;
            y[r * cols + c] = x[r * cols + c] * (keep ? scale : T(0));
        }
    }
    return y;
}

// y[r][c] = fma(stddev, normal<T>(c) of the row's stream, x[r][c]).
template <class T>
std::vector<T> documented_noise(const std::vector<T>& x, std::size_t rows, std::size_t cols, T stddev,
                                repro::random_key key, const std::vector<std::uint64_t>& ids, std::uint32_t step) {
    std::vector<T> y(rows * cols);
    for (std::size_t r = 0; r < rows; ++r) {
        const repro::random_stream s(key, ids[r], step);
        for (std::size_t c = 0; c < cols; ++c) y[r * cols + c] = std::fma(stddev, s.normal<T>(c), x[r * cols + c]);
    }
    return y;
}

template <class T>
std::vector<T> run_dropout(const std::vector<T>& x, std::size_t rows, std::size_t cols, double p, repro::random_key key,
                           const std::vector<std::uint64_t>& ids, std::uint32_t step, unsigned threads = 1) {
    std::vector<T> y(rows * cols, T(-7));
    repro::dropout(x.data(), y.data(), rows, cols, p, key, ids.data(), step, repro::threads{threads});
    return y;
}

template <class T>
std::vector<T> run_noise(const std::vector<T>& x, std::size_t rows, std::size_t cols, T stddev, repro::random_key key,
                         const std::vector<std::uint64_t>& ids, std::uint32_t step, unsigned threads = 1) {
    std::vector<T> y(rows * cols, T(-7));
    repro::add_gaussian_noise(x.data(), y.data(), rows, cols, stddev, key, ids.data(), step, repro::threads{threads});
    return y;
}

template <class T>
std::vector<T> row_of(const std::vector<T>& y, std::size_t r, std::size_t cols) {
    return std::vector<T>(y.begin() + static_cast<std::ptrdiff_t>(r * cols),
                          y.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
}

}  // namespace

TEST_CASE_TEMPLATE("a row's dropout mask and noise are the same at every batch size, position and thread count", T,
                   float, double) {
    // The promise: row r depends only on x[r], sample_ids[r], the key and
    // the step. (1) One target sample at every position of batches of 1..64
    // rows whose other rows (data and ids) are random. (2) On 1..4 threads,
    // every row of such batches - so every (batch size, position, thread
    // count) - against that row's own batch-1 result. Threads are started per
    // call, so (2) checks all rows of one batch per (size, threads) instead
    // of one batch per position: the same coverage, 64x fewer thread starts.
    splitmix64 g(sizeof(T) == 4 ? 0x1a2b : 0x3c4d);
    const repro::random_key key = repro::random_key::from_seed(2024).fold_in(3);
    const std::uint32_t step = 11;
    const double p = 0.3;
    const T stddev = T(0.5);
    for (const std::size_t cols : {std::size_t(37), std::size_t(2500)}) {
        CAPTURE(cols);
        const std::uint64_t target_id = g.next();
        const std::vector<T> target = random_values<T>(cols, g);
        const std::vector<std::uint64_t> one_id = {target_id};
        const auto drop1 = bits_of(run_dropout(target, 1, cols, p, key, one_id, step));
        const auto noise1 = bits_of(run_noise(target, 1, cols, stddev, key, one_id, step));
        // The batch-1 results are the documented ones, and dropout did drop and keep.
        CHECK(drop1 == bits_of(documented_dropout(target, 1, cols, p, key, one_id, step)));
        CHECK(noise1 == bits_of(documented_noise(target, 1, cols, stddev, key, one_id, step)));
        const auto dropped = run_dropout(target, 1, cols, p, key, one_id, step);
        const auto zeros = std::count(dropped.begin(), dropped.end(), T(0));
        CHECK(zeros > 0);
        CHECK(zeros < static_cast<std::ptrdiff_t>(cols));

        const std::size_t max_batch = cols < 100 ? 64 : 9;
        std::size_t bad_drop = 0, bad_noise = 0, positions = 0, rows_checked = 0;
        // (1) the target at every position.
        for (std::size_t batch = 1; batch <= max_batch; ++batch)
            for (std::size_t pos = 0; pos < batch; ++pos) {
                std::vector<T> x = random_values<T>(batch * cols, g);
                std::vector<std::uint64_t> ids = random_ids(batch, g);
                std::copy(target.begin(), target.end(), x.begin() + static_cast<std::ptrdiff_t>(pos * cols));
                ids[pos] = target_id;
                const unsigned t = 1 + static_cast<unsigned>(pos % 4);
                ++positions;
                if (bits_of(row_of(run_dropout(x, batch, cols, p, key, ids, step, t), pos, cols)) != drop1 &&
                    ++bad_drop <= 3)
                    FAIL_CHECK("dropout: batch " << batch << ", target at " << pos << ", " << t << " threads");
                if (bits_of(row_of(run_noise(x, batch, cols, stddev, key, ids, step, t), pos, cols)) != noise1 &&
                    ++bad_noise <= 3)
                    FAIL_CHECK("noise: batch " << batch << ", target at " << pos << ", " << t << " threads");
            }
        // (2) every row, every thread count.
        for (std::size_t batch = 1; batch <= max_batch; ++batch) {
            std::vector<T> x = random_values<T>(batch * cols, g);
            std::vector<std::uint64_t> ids = random_ids(batch, g);
            const std::size_t pos = (batch * 5 / 7) % batch;
            std::copy(target.begin(), target.end(), x.begin() + static_cast<std::ptrdiff_t>(pos * cols));
            ids[pos] = target_id;
            std::vector<std::vector<std::uint64_t>> alone_drop, alone_noise;
            for (std::size_t r = 0; r < batch; ++r) {
                const std::vector<T> xr = row_of(x, r, cols);
                const std::vector<std::uint64_t> id = {ids[r]};
                alone_drop.push_back(bits_of(run_dropout(xr, 1, cols, p, key, id, step)));
                alone_noise.push_back(bits_of(run_noise(xr, 1, cols, stddev, key, id, step)));
            }
            for (unsigned t = 1; t <= 4; ++t) {
                const auto yd = run_dropout(x, batch, cols, p, key, ids, step, t);
                const auto yn = run_noise(x, batch, cols, stddev, key, ids, step, t);
                for (std::size_t r = 0; r < batch; ++r) {
                    ++rows_checked;
                    if (bits_of(row_of(yd, r, cols)) != alone_drop[r] && ++bad_drop <= 3)
                        FAIL_CHECK("dropout: batch " << batch << ", row " << r << ", " << t << " threads");
                    if (bits_of(row_of(yn, r, cols)) != alone_noise[r] && ++bad_noise <= 3)
                        FAIL_CHECK("noise: batch " << batch << ", row " << r << ", " << t << " threads");
                }
            }
            CHECK(alone_drop[pos] == drop1);
            CHECK(alone_noise[pos] == noise1);
        }
        CHECK(positions == max_batch * (max_batch + 1) / 2);
        CHECK(rows_checked == 4 * max_batch * (max_batch + 1) / 2);
        CHECK(bad_drop == 0);
        CHECK(bad_noise == 0);
    }
}

TEST_CASE_TEMPLATE("whole batches equal the documented formulas on every thread count", T, float, double) {
    // Column counts around the layers' internal chunks (1024 words for
    // dropout, 512 normals for noise) and the Philox block of 4.
    splitmix64 g(sizeof(T) == 4 ? 0x77 : 0x88);
    const repro::random_key key = repro::random_key::from_seed(7);
    for (const std::size_t cols : {1, 3, 4, 5, 511, 512, 513, 1023, 1024, 1025, 2500}) {
        const std::size_t rows = 6;
        const std::vector<T> x = random_values<T>(rows * cols, g);
        const std::vector<std::uint64_t> ids = random_ids(rows, g);
        const std::uint32_t step = static_cast<std::uint32_t>(cols);
        for (const double p : {1e-9, 0.1, 1.0 / 3, 0.5, 0.9, 1 - 1e-9}) {
            const auto want = bits_of(documented_dropout(x, rows, cols, p, key, ids, step));
            for (unsigned t = 1; t <= 4; ++t) {
                CAPTURE(cols);
                CAPTURE(p);
                CAPTURE(t);
                CHECK(bits_of(run_dropout(x, rows, cols, p, key, ids, step, t)) == want);
            }
        }
        for (const T stddev : {T(0), T(1e-3), T(1), T(3.5)}) {
            const auto want = bits_of(documented_noise(x, rows, cols, stddev, key, ids, step));
            for (unsigned t = 1; t <= 4; ++t) {
                CAPTURE(cols);
                CAPTURE(stddev);
                CAPTURE(t);
                CHECK(bits_of(run_noise(x, rows, cols, stddev, key, ids, step, t)) == want);
            }
        }
    }
}

TEST_CASE_TEMPLATE("masks are keyed by sample id, step and key, not by row", T, float, double) {
    splitmix64 g(0x5a);
    constexpr std::size_t rows = 50, cols = 200;
    const std::vector<T> ones(rows * cols, T(1));
    std::vector<std::uint64_t> ids = random_ids(rows, g);
    ids[7] = ids[31];  // the same sample twice in one batch
    const repro::random_key key = repro::random_key::from_seed(1);
    const auto y = run_dropout(ones, rows, cols, 0.5, key, ids, 0);
    const auto z = run_noise(ones, rows, cols, T(1), key, ids, 0);
    CHECK(row_of(y, 7, cols) == row_of(y, 31, cols));
    CHECK(bits_of(row_of(z, 7, cols)) == bits_of(row_of(z, 31, cols)));
    // Distinct ids: distinct masks (two equal 200-column masks: p = 2^-200).
    std::set<std::vector<std::uint64_t>> masks;
    for (std::size_t r = 0; r < rows; ++r) masks.insert(bits_of(row_of(y, r, cols)));
    CHECK(masks.size() == rows - 1);
    CHECK(run_dropout(ones, rows, cols, 0.5, key, ids, 1) != y);
    CHECK(run_dropout(ones, rows, cols, 0.5, repro::random_key::from_seed(2), ids, 0) != y);
    CHECK(bits_of(run_noise(ones, rows, cols, T(1), key, ids, 1)) != bits_of(z));
}

TEST_CASE_TEMPLATE("the drop boundary is exact: a word equal to floor(p 2^32) is kept, one below it dropped", T, float,
                   double) {
    // p = w 2^-32 makes the threshold exactly w, the stream word of column c.
    const repro::random_key key = repro::random_key::from_seed(0xb0);
    const std::vector<std::uint64_t> ids = {0x1234567890abcdefu};
    const repro::random_stream s(key, ids[0], 6);
    constexpr std::size_t cols = 40;
    const std::vector<T> x(cols, T(2));
    std::size_t bad = 0;
    for (std::size_t c = 0; c < cols; ++c) {
        const std::uint32_t w = s.bits(c);
        if (w == 0 || w == 0xffffffffu) continue;
        const auto at = run_dropout(x, 1, cols, std::ldexp(static_cast<double>(w), -32), key, ids, 6);
        const auto above = run_dropout(x, 1, cols, std::ldexp(static_cast<double>(w) + 1, -32), key, ids, 6);
        if (at[c] == T(0) && ++bad <= 3) FAIL_CHECK("column " << c << ": bits == threshold was dropped");
        if (above[c] != T(0) && ++bad <= 3) FAIL_CHECK("column " << c << ": bits == threshold - 1 was kept");
    }
    CHECK(bad == 0);
}

TEST_CASE_TEMPLATE("p = 0 passes x through; p = 1 gives x * 0 (signed zeros, NaN for inf and NaN)", T, float, double) {
    const std::vector<T> edges = repro_test::edge_values<T>();
    const std::size_t cols = edges.size();
    std::vector<std::uint64_t> ids = {123};
    const repro::random_key key = repro::random_key::from_seed(9);
    const auto kept = run_dropout(edges, 1, cols, 0.0, key, ids, 0);
    const auto gone = run_dropout(edges, 1, cols, 1.0, key, ids, 0);
    for (std::size_t c = 0; c < cols; ++c) {
        const T x = edges[c];
        CAPTURE(bits_of(x));
        // x * 1: the same bits, except that a signalling NaN comes back quiet (IEEE 754).
        if (is_signalling_nan(x))
            CHECK(repro::is_nan(kept[c]));
        else
            CHECK(bits_of(kept[c]) == bits_of(x));
        if (repro::is_nan(x) || std::isinf(x)) {
            CHECK(repro::is_nan(gone[c]));  // NaN * 0 and inf * 0
        } else {
            CHECK(gone[c] == T(0));
            CHECK(std::signbit(gone[c]) == std::signbit(x));  // -0 for negative x
        }
    }
    // And over many random values too.
    splitmix64 g(0x0);
    const std::vector<T> x = random_values<T>(4 * 3000, g);
    const std::vector<std::uint64_t> four = random_ids(4, g);
    CHECK(bits_of(run_dropout(x, 4, 3000, 0.0, key, four, 5, 3)) == bits_of(x));
    const auto all_dropped = run_dropout(x, 4, 3000, 1.0, key, four, 5, 3);
    bool zeros = true;
    for (std::size_t k = 0; k < x.size(); ++k)
        zeros = zeros && all_dropped[k] == T(0) && std::signbit(all_dropped[k]) == std::signbit(x[k]);
    CHECK(zeros);
}

TEST_CASE_TEMPLATE("noise on inf and NaN: inf stays inf, NaN stays NaN; finite x moves by stddev z", T, float, double) {
    const std::vector<T> edges = repro_test::edge_values<T>();
    const std::vector<std::uint64_t> ids = {5};
    const repro::random_key key = repro::random_key::from_seed(10);
    const auto y = run_noise(edges, 1, edges.size(), T(0.25), key, ids, 0);
    const auto want = documented_noise(edges, 1, edges.size(), T(0.25), key, ids, 0);
    for (std::size_t c = 0; c < edges.size(); ++c) {
        CAPTURE(bits_of(edges[c]));
        if (repro::is_nan(edges[c])) {
            CHECK(repro::is_nan(y[c]));
        } else {
            CHECK(bits_of(y[c]) == bits_of(want[c]));
            if (std::isinf(edges[c])) CHECK(bits_of(y[c]) == bits_of(edges[c]));
        }
    }
}

TEST_CASE_TEMPLATE("drop frequencies match floor(p 2^32) / 2^32 within 6 standard errors", T, float, double) {
    // 10^6 independent Bernoulli(q) draws: the count of drops has standard
    // deviation sqrt(n q (1 - q)); 6 of them is exceeded with p ~ 2e-9.
    constexpr std::size_t rows = 200, cols = 5000, n = rows * cols;
    splitmix64 g(0xd0);
    const std::vector<T> ones(n, T(1));
    const std::vector<std::uint64_t> ids = random_ids(rows, g);
    const repro::random_key key = repro::random_key::from_seed(77).fold_in(1);
    for (const double p : {0.1, 0.5, 0.9}) {
        const auto y = run_dropout(ones, rows, cols, p, key, ids, 0, 4);
        const T scale = static_cast<T>(1.0 / (1.0 - p));
        std::size_t dropped = 0;
        bool kept_scaled = true;
        for (const T v : y) {
            if (v == T(0))
                ++dropped;
            else
                kept_scaled = kept_scaled && v == scale;
        }
        const double q = std::ldexp(static_cast<double>(drop_threshold(p)), -32);
        CAPTURE(p);
        CAPTURE(dropped);
        CHECK(kept_scaled);
        CHECK(std::fabs(static_cast<double>(dropped) - n * q) < 6 * std::sqrt(n * q * (1 - q)));
    }
}

TEST_CASE_TEMPLATE("in place (y == x) equals out of place", T, float, double) {
    splitmix64 g(0x1d);
    constexpr std::size_t rows = 9, cols = 1300;
    const std::vector<T> x = random_values<T>(rows * cols, g);
    const std::vector<std::uint64_t> ids = random_ids(rows, g);
    const repro::random_key key = repro::random_key::from_seed(3);
    for (unsigned t = 1; t <= 3; ++t) {
        std::vector<T> a = x;
        repro::dropout(a.data(), a.data(), rows, cols, 0.4, key, ids.data(), 2, repro::threads{t});
        CHECK(bits_of(a) == bits_of(run_dropout(x, rows, cols, 0.4, key, ids, 2)));
        std::vector<T> b = x;
        repro::add_gaussian_noise(b.data(), b.data(), rows, cols, T(2), key, ids.data(), 2, repro::threads{t});
        CHECK(bits_of(b) == bits_of(run_noise(x, rows, cols, T(2), key, ids, 2)));
    }
}

TEST_CASE_TEMPLATE("bad arguments are refused; empty shapes are no-ops that accept null pointers", T, float, double) {
    const std::vector<T> x(6, T(1));
    std::vector<T> y(6, T(0));
    const std::vector<std::uint64_t> ids = {1, 2};
    const repro::random_key key = repro::random_key::from_seed(4);
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    for (const double p : {-0.1, 1.1, nan, inf, -inf, -1e-300, 1 + 1e-15}) {
        CAPTURE(p);
        CHECK_THROWS_AS(repro::dropout(x.data(), y.data(), 2, 3, p, key, ids.data()), std::invalid_argument);
    }
    CHECK_THROWS_AS(repro::dropout<T>(nullptr, y.data(), 2, 3, 0.5, key, ids.data()), std::invalid_argument);
    CHECK_THROWS_AS(repro::dropout<T>(x.data(), nullptr, 2, 3, 0.5, key, ids.data()), std::invalid_argument);
    CHECK_THROWS_AS(repro::dropout(x.data(), y.data(), 2, 3, 0.5, key, nullptr), std::invalid_argument);
    CHECK_THROWS_AS(repro::dropout(x.data(), y.data(), 2, 3, 0.5, key, ids.data(), 0, repro::threads{0}),
                    std::invalid_argument);

    const T tnan = std::numeric_limits<T>::quiet_NaN(), tinf = std::numeric_limits<T>::infinity();
    for (const T s : {T(-1), -std::numeric_limits<T>::denorm_min(), tinf, -tinf, tnan}) {
        CAPTURE(s);
        CHECK_THROWS_AS(repro::add_gaussian_noise(x.data(), y.data(), 2, 3, s, key, ids.data()), std::invalid_argument);
    }
    CHECK_THROWS_AS(repro::add_gaussian_noise<T>(nullptr, y.data(), 2, 3, T(1), key, ids.data()),
                    std::invalid_argument);
    CHECK_THROWS_AS(repro::add_gaussian_noise<T>(x.data(), nullptr, 2, 3, T(1), key, ids.data()),
                    std::invalid_argument);
    CHECK_THROWS_AS(repro::add_gaussian_noise(x.data(), y.data(), 2, 3, T(1), key, nullptr), std::invalid_argument);
    CHECK_THROWS_AS(repro::add_gaussian_noise(x.data(), y.data(), 2, 3, T(1), key, ids.data(), 0, repro::threads{0}),
                    std::invalid_argument);
    // Nothing was written by a refused call.
    CHECK(y == std::vector<T>(6, T(0)));
    // stddev = -0 and 0 are allowed.
    CHECK_NOTHROW(repro::add_gaussian_noise(x.data(), y.data(), 2, 3, -T(0), key, ids.data()));
    CHECK(y == x);

    // No rows: every pointer may be null. No columns: x and y may be null.
    CHECK_NOTHROW(repro::dropout<T>(nullptr, nullptr, 0, 3, 0.5, key, nullptr));
    CHECK_NOTHROW(repro::dropout<T>(nullptr, nullptr, 0, 0, 0.5, key, nullptr));
    CHECK_NOTHROW(repro::dropout<T>(nullptr, nullptr, 2, 0, 0.5, key, ids.data()));
    CHECK_NOTHROW(repro::add_gaussian_noise<T>(nullptr, nullptr, 0, 3, T(1), key, nullptr));
    CHECK_NOTHROW(repro::add_gaussian_noise<T>(nullptr, nullptr, 2, 0, T(1), key, ids.data()));
    CHECK_NOTHROW(repro::dropout(x.data(), y.data(), 0, 3, 0.5, key, ids.data(), 0, repro::threads{4}));
    // ... but the arguments themselves are still checked.
    CHECK_THROWS_AS(repro::dropout<T>(nullptr, nullptr, 0, 3, 2.0, key, nullptr), std::invalid_argument);
    CHECK_THROWS_AS(repro::dropout<T>(nullptr, nullptr, 0, 3, 0.5, key, nullptr, 0, repro::threads{0}),
                    std::invalid_argument);
    CHECK_THROWS_AS(repro::add_gaussian_noise<T>(nullptr, nullptr, 0, 3, tnan, key, nullptr), std::invalid_argument);
}
