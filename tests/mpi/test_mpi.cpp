// repro::mpi under mpirun -np R (R = 1..4; ctest label mpi). Every rank
// builds the same global data from a fixed seed and takes its shard; the
// oracle is the single-process exact tier over the whole data (itself
// checked against MPFR and math.fsum in test_reduce_exact), so a pass for
// every R means the same bits for every rank count. Next to it, plain
// MPI_Allreduce(MPI_SUM) of the same floats, which moves with the split.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/mpi.hpp>
#include <repro/nn.hpp>
#include <repro/reduce.hpp>

#include "../support/test_data.hpp"

using repro_test::splitmix64;

namespace {

int rank_of(MPI_Comm c) {
    int r = 0;
    MPI_Comm_rank(c, &r);
    return r;
}

int size_of(MPI_Comm c) {
    int s = 0;
    MPI_Comm_size(c, &s);
    return s;
}

// The ways a data set of `total` items is dealt to the ranks.
enum class split { even, uneven, first_empty, all_on_last };
const split splits[] = {split::even, split::uneven, split::first_empty, split::all_on_last};

struct range {
    std::size_t begin, end;
};

range shard(std::size_t total, int rank, int size, split how) {
    std::vector<std::size_t> weight(static_cast<std::size_t>(size), 1);
    for (int r = 0; r < size; ++r) {
        if (how == split::uneven) weight[static_cast<std::size_t>(r)] = static_cast<std::size_t>(2 * r + 1);
        if (how == split::first_empty && r == 0 && size > 1) weight[0] = 0;
        if (how == split::all_on_last) weight[static_cast<std::size_t>(r)] = r == size - 1;
    }
    std::size_t sum = 0, before = 0;
    for (int r = 0; r < size; ++r) sum += weight[static_cast<std::size_t>(r)];
    for (int r = 0; r < rank; ++r) before += weight[static_cast<std::size_t>(r)];
    const std::size_t w = weight[static_cast<std::size_t>(rank)];
    return {total * before / sum, total * (before + w) / sum};
}

// Values over a wide range of exponents with cancellation: where the order
// of a floating-point sum matters.
template <class T>
std::vector<T> data(std::size_t n, std::uint64_t seed, int spread) {
    splitmix64 g(seed);
    using tr = repro::float_traits<T>;
    const int bias = (1 << (tr::exponent_bits - 1)) - 1;
    std::vector<T> x(n);
    for (auto& v : x) v = repro_test::random_finite<T>(g, bias - spread, bias + spread);
    return x;
}

template <class T>
bool same_bits(T a, T b) {
    return repro::to_bits(a) == repro::to_bits(b);
}

template <class T>
MPI_Datatype mpi_type() {
    return sizeof(T) == 4 ? MPI_FLOAT : MPI_DOUBLE;
}

// Column sums of a rows x n block, exact, in one process: the oracle.
template <class T>
std::vector<T> column_sums(const std::vector<T>& x, std::size_t rows, std::size_t n) {
    std::vector<T> out(n);
    for (std::size_t j = 0; j < n; ++j) {
        repro::exact_accumulator<T> a;
        for (std::size_t r = 0; r < rows; ++r) a.add(x[r * n + j]);
        out[j] = a.result();
    }
    return out;
}

}  // namespace

TEST_CASE_TEMPLATE("exact_sum and exact_dot give the single-process bits for every split over the ranks", T, float,
                   double) {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    for (std::size_t total : {0u, 1u, 2u, 17u, 1000u, 4099u}) {
        const auto x = data<T>(total, 11 + total, 40), y = data<T>(total, 99 + total, 40);
        const T want_sum = repro::exact_sum(x.data(), total), want_dot = repro::exact_dot(x.data(), y.data(), total);
        for (split how : splits) {
            const range s = shard(total, rank, size, how);
            const T got = repro::mpi::exact_sum(x.data() + s.begin, s.end - s.begin, MPI_COMM_WORLD);
            const T dot = repro::mpi::exact_dot(x.data() + s.begin, y.data() + s.begin, s.end - s.begin, MPI_COMM_WORLD);
            CHECK_MESSAGE(same_bits(got, want_sum), "total ", total, " split ", static_cast<int>(how));
            CHECK_MESSAGE(same_bits(dot, want_dot), "total ", total, " split ", static_cast<int>(how));
        }
    }
}

TEST_CASE_TEMPLATE("allreduce of exact accumulators leaves every rank with the merged state", T, float, double) {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    const auto x = data<T>(777, 5, 60);
    repro::exact_accumulator<T> whole;
    whole.add(x.data(), x.size());
    const range s = shard(x.size(), rank, size, split::uneven);
    repro::exact_accumulator<T> acc;
    acc.add(x.data() + s.begin, s.end - s.begin);
    repro::mpi::allreduce(acc, MPI_COMM_WORLD);
    CHECK(acc.count() == x.size());
    CHECK(same_bits(acc.result(), whole.result()));
    CHECK(same_bits(acc.mean(), whole.mean()));
    CHECK(acc.serialize() == whole.serialize());  // the state itself, not just its rounding
}

TEST_CASE_TEMPLATE("allreduce_exact sums every column over every rank's rows to the single-process bits", T, float,
                   double) {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    // n: 0, 1, a prime, powers of two +-1 and beyond one block of 64; rows
    // dealt to the ranks in every way; spreads that fit the window and ones
    // that do not (the full-accumulator path).
    for (std::size_t n : {0u, 1u, 13u, 63u, 64u, 65u, 1000u}) {
        for (std::size_t rows : {1u, 5u, 24u}) {
            for (int spread : {4, 30, 120}) {
                const auto x = data<T>(rows * n, 1000 * n + rows + static_cast<std::uint64_t>(spread), spread);
                const auto want = column_sums(x, rows, n);
                for (split how : splits) {
                    const range s = shard(rows, rank, size, how);
                    std::vector<T> out(n, T(-1));
                    repro::mpi::allreduce_exact(x.data() + s.begin * n, s.end - s.begin, out.data(), n,
                                                MPI_COMM_WORLD);
                    std::size_t wrong = 0;
                    for (std::size_t j = 0; j < n; ++j) wrong += !same_bits(out[j], want[j]);
                    CHECK_MESSAGE(wrong == 0, "n ", n, " rows ", rows, " spread ", spread, " split ",
                                  static_cast<int>(how));
                }
            }
        }
    }
}

TEST_CASE_TEMPLATE("element-wise allreduce_exact matches the exact sum over ranks, in place too", T, float, double) {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    const std::size_t n = 5000;
    const auto all = data<T>(n * static_cast<std::size_t>(size), 3, 20);  // row r: rank r's array
    const auto want = column_sums(all, static_cast<std::size_t>(size), n);
    std::vector<T> mine(all.begin() + static_cast<std::ptrdiff_t>(n) * rank,
                        all.begin() + static_cast<std::ptrdiff_t>(n) * (rank + 1));
    std::vector<T> out(n);
    repro::mpi::allreduce_exact(mine.data(), out.data(), n, MPI_COMM_WORLD);
    repro::mpi::allreduce_exact(mine.data(), mine.data(), n, MPI_COMM_WORLD);
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < n; ++j) wrong += !same_bits(out[j], want[j]) + !same_bits(mine[j], want[j]);
    CHECK(wrong == 0);
}

TEST_CASE_TEMPLATE("allreduce_exact gives the same bits across its chunk boundaries", T, float, double) {
    // Arrays go in chunks of chunk_columns elements: sizes at and around one
    // and two chunks, with out-of-window terms, inf and NaN placed in the
    // last chunk only, and several rows per rank.
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    const std::size_t c = repro::mpi::detail::chunk_columns;
    for (std::size_t n : {c - 1, c, c + 1, 2 * c + 65}) {
        const std::size_t rows = 3;
        auto x = data<T>(rows * n, n, 20);
        x[(rows - 1) * n + n - 1] = std::numeric_limits<T>::infinity();
        x[n - 2] = std::numeric_limits<T>::quiet_NaN();
        x[n + n - 70] = std::ldexp(T(1), 90);  // with the others' 2^+-20: outside the window
        const auto want = column_sums(x, rows, n);
        const range s = shard(rows, rank, size, split::uneven);
        std::vector<T> out(n);
        repro::mpi::allreduce_exact(x.data() + s.begin * n, s.end - s.begin, out.data(), n, MPI_COMM_WORLD);
        std::size_t wrong = 0;
        for (std::size_t j = 0; j < n; ++j) wrong += !same_bits(out[j], want[j]);
        CHECK_MESSAGE(wrong == 0, "n ", n);
    }
}

TEST_CASE_TEMPLATE("specials on one rank decide the sum on every rank, as in one process", T, float, double) {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    const T big = std::numeric_limits<T>::max();
    // Column j of the global rows: finite, +inf on the last rank, NaN on
    // rank 0, +inf and -inf on different ranks, overflow of finite terms.
    const std::size_t n = 5, rows = static_cast<std::size_t>(size) + 1;
    std::vector<T> x(rows * n, T(1));
    x[(rows - 1) * n + 1] = inf;
    x[0 * n + 2] = nan;
    x[0 * n + 3] = inf, x[(rows - 1) * n + 3] = -inf;
    for (std::size_t r = 0; r < rows; ++r) x[r * n + 4] = big;
    const auto want = column_sums(x, rows, n);
    CHECK(want[1] == inf);
    CHECK(std::isnan(want[2]));
    CHECK(std::isnan(want[3]));
    CHECK(want[4] == inf);
    for (split how : splits) {
        const range s = shard(rows, rank, size, how);
        std::vector<T> out(n);
        repro::mpi::allreduce_exact(x.data() + s.begin * n, s.end - s.begin, out.data(), n, MPI_COMM_WORLD);
        for (std::size_t j = 0; j < n; ++j) CHECK_MESSAGE(same_bits(out[j], want[j]), "column ", j);
        const T total = repro::mpi::exact_sum(x.data() + s.begin * n, (s.end - s.begin) * n, MPI_COMM_WORLD);
        CHECK(std::isnan(total));
    }
}

TEST_CASE_TEMPLATE("population_statistics over shards is bitwise the single-process statistics", T, float, double) {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    const std::size_t rows = 301, features = 7;
    auto x = data<T>(rows * features, 42, 6);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += T(1000);  // a large mean: cancellation in the variance
    repro::population_statistics<T> one(features);
    one.add(x.data(), rows);
    one.add_deviations(x.data(), rows);
    const auto mean = one.mean(), variance = one.variance();
    for (split how : splits) {
        const range s = shard(rows, rank, size, how);
        const auto m = repro::mpi::population_statistics(x.data() + s.begin * features, s.end - s.begin, features,
                                                         MPI_COMM_WORLD);
        CHECK(m.count == rows);
        for (std::size_t f = 0; f < features; ++f) {
            CHECK(same_bits(m.mean[f], mean[f]));
            CHECK(same_bits(m.variance[f], variance[f]));
        }
    }
}

TEST_CASE("a split communicator sums only its own ranks' data") {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    MPI_Comm half;
    REQUIRE(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half) == MPI_SUCCESS);
    const auto x = data<double>(64 * static_cast<std::size_t>(size), 8, 50);  // 64 values per world rank
    repro::exact_accumulator<double> want;
    for (int r = rank % 2; r < size; r += 2) want.add(x.data() + 64 * r, 64);
    const double got = repro::mpi::exact_sum(x.data() + 64 * rank, 64, half);
    CHECK(same_bits(got, want.result()));
    std::vector<double> out(64);
    repro::mpi::allreduce_exact(x.data() + 64 * rank, out.data(), 64, half);
    for (std::size_t j = 0; j < 64; ++j) {
        repro::exact_accumulator<double> a;
        for (int r = rank % 2; r < size; r += 2) a.add(x[64 * static_cast<std::size_t>(r) + j]);
        CHECK(same_bits(out[j], a.result()));
    }
    MPI_Comm_free(&half);
}

TEST_CASE("plain MPI_Allreduce(MPI_SUM) of the same floats moves with the split; repro's does not") {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    // Gradients of 24 samples x 2000 parameters, the samples dealt to the
    // ranks four ways: each rank sums its samples, then MPI sums the ranks.
    const std::size_t rows = 24, n = 2000;
    const auto x = data<float>(rows * n, 2024, 12);
    std::set<std::vector<std::uint32_t>> plain, exact;
    for (split how : splits) {
        const range s = shard(rows, rank, size, how);
        std::vector<float> local(n, 0.0f), out(n);
        for (std::size_t r = s.begin; r < s.end; ++r)
            for (std::size_t j = 0; j < n; ++j) local[j] += x[r * n + j];
        MPI_Allreduce(local.data(), out.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        std::vector<std::uint32_t> bits(n);
        for (std::size_t j = 0; j < n; ++j) bits[j] = repro::to_bits(out[j]);
        plain.insert(bits);
        repro::mpi::allreduce_exact(x.data() + s.begin * n, s.end - s.begin, out.data(), n, MPI_COMM_WORLD);
        for (std::size_t j = 0; j < n; ++j) bits[j] = repro::to_bits(out[j]);
        exact.insert(bits);
    }
    CHECK(exact.size() == 1);
    if (size > 1)
        CHECK_MESSAGE(plain.size() > 1, "plain MPI sums gave the same bits for every split");
    else
        MESSAGE("one rank: every split is the same sequential sum");
    // And repro's result is the single-process exact one, which no plain split reached for every element.
    const auto want = column_sums(x, rows, n);
    std::vector<std::uint32_t> want_bits(n);
    for (std::size_t j = 0; j < n; ++j) want_bits[j] = repro::to_bits(want[j]);
    CHECK(*exact.begin() == want_bits);
}

TEST_CASE("n that differs across ranks is reported on every rank, not a hang") {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    std::vector<float> x(10, 1.0f), out(10);
    const std::size_t n = size > 1 && rank == size - 1 ? 9 : 10;
    if (size > 1)
        CHECK_THROWS_WITH_AS(repro::mpi::allreduce_exact(x.data(), out.data(), n, MPI_COMM_WORLD),
                             "repro::mpi::allreduce_exact: n differs across ranks (from 9 to 10)", std::invalid_argument);
    std::vector<float> f(3 * 10, 1.0f);
    if (size > 1)
        CHECK_THROWS_AS(repro::mpi::population_statistics(f.data(), 3, rank == 0 ? 10 : 9, MPI_COMM_WORLD),
                        std::invalid_argument);
    // The communicator is still usable afterwards.
    CHECK(repro::mpi::exact_sum(x.data(), 10, MPI_COMM_WORLD) == 10.0f * static_cast<float>(size));
}

TEST_CASE("bad arguments and MPI error codes become exceptions that name them") {
    float x = 1.0f;
    CHECK_THROWS_WITH_AS(repro::mpi::exact_sum(&x, 1, MPI_COMM_NULL), "repro::mpi::exact_sum: comm is MPI_COMM_NULL",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::mpi::exact_sum(static_cast<const float*>(nullptr), 3, MPI_COMM_WORLD),
                         "repro::mpi::exact_sum: local is a null pointer", std::invalid_argument);
    // An intercommunicator between the even and the odd ranks (two ranks or more).
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    if (size > 1) {
        MPI_Comm half, inter;
        REQUIRE(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half) == MPI_SUCCESS);
        REQUIRE(MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, rank % 2 ? 0 : 1, 7, &inter) == MPI_SUCCESS);
        CHECK_THROWS_WITH_AS(repro::mpi::exact_sum(&x, 1, inter),
                             "repro::mpi::exact_sum: comm is an intercommunicator (pass an intracommunicator)",
                             std::invalid_argument);
        MPI_Comm_free(&inter);
        MPI_Comm_free(&half);
    }
    // An MPI error code as MPI would return it under MPI_ERRORS_RETURN.
    try {
        repro::mpi::detail::check(MPI_ERR_COMM, "MPI_Allreduce");
        FAIL("no exception");
    } catch (const repro::mpi::error& e) {
        CHECK(e.code() == MPI_ERR_COMM);
        CHECK(std::string(e.what()).find("repro::mpi: MPI_Allreduce failed (error ") == 0);
        char text[MPI_MAX_ERROR_STRING];
        int length = 0;
        MPI_Error_string(MPI_ERR_COMM, text, &length);
        CHECK(std::string(e.what()).find(std::string(text, static_cast<std::size_t>(length))) != std::string::npos);
    }
}

TEST_CASE("README: gradients summed over every sample of every rank give the same bits on any rank count") {
    const int rank = rank_of(MPI_COMM_WORLD), size = size_of(MPI_COMM_WORLD);
    const std::size_t params = 1000, batch = 32;
    const auto all = data<float>(batch * params, 77, 10);  // per-sample gradients of the global batch
    const range mine = shard(batch, rank, size, split::even);
    const std::vector<float> grads(all.begin() + static_cast<std::ptrdiff_t>(mine.begin * params),
                                   all.begin() + static_cast<std::ptrdiff_t>(mine.end * params));
    const std::size_t my_samples = mine.end - mine.begin;

    std::vector<float> summed(params);
    repro::mpi::allreduce_exact(grads.data(), my_samples, summed.data(), params, MPI_COMM_WORLD);
    // summed[j]: the correctly rounded sum over every sample of every rank.

    const auto want = column_sums(all, batch, params);
    for (std::size_t j = 0; j < params; ++j) REQUIRE(same_bits(summed[j], want[j]));
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    const int rank = rank_of(MPI_COMM_WORLD);
    doctest::Context context(argc, argv);
    // One report: rank 0's, unless another rank fails (its report follows).
    if (rank != 0) context.setOption("minimal", true);
    const int failed = context.run();
    int any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0) std::printf("repro mpi tests on %d ranks: %s\n", size_of(MPI_COMM_WORLD), any ? "FAILED" : "passed");
    MPI_Finalize();
    return any;
}
