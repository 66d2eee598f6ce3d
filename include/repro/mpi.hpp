#pragma once
// repro/mpi.hpp - exact sums across the processes of an MPI communicator:
// the same bits for any number of ranks, any split of the data over them and
// any algorithm the MPI library picks (order_invariant, portable). Optional:
// needs an MPI implementation (CMake target repro::mpi); repro.hpp does not
// include it.
//
// Every function here is collective over `comm`: call it on every rank, in
// the same order. The wire formats are integers, reduced with MPI's own
// MPI_SUM / MPI_MAX - exactly associative on them - so MPI's optimised
// collectives do the work and no order they pick can change a bit:
//   allreduce(exact_accumulator)  the accumulator's whole state: normalised
//                                 32-bit digits in int64 limbs (28 for
//                                 float, 136 for double), count, specials
//   allreduce_exact(arrays)       per element an exponent (1 byte for
//                                 float, 2 for double, MPI_MAX), then a
//                                 fixed-point window of integers below 2^53
//                                 carried in 1 double (float) or 2 (double),
//                                 plus a miss count per 64 elements
//                                 (MPI_SUM on MPI_DOUBLE: exact on such
//                                 integers); elements whose terms span more
//                                 than the window (about 2^27 for float,
//                                 2^30 for double, at a few ranks), or hold
//                                 inf / NaN, are summed again with the whole
//                                 accumulator state. The arrays go in chunks
//                                 of 2^16 elements, each pass and reduction
//                                 of a chunk in cache.
// MPI errors become repro::mpi::error; the communicator's error handler
// must be MPI_ERRORS_RETURN for MPI to report them instead of aborting.

#include <mpi.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "nn.hpp"
#include "reduce.hpp"
#include "detail/reduce/fixed_window.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace mpi {

// An MPI call that returned an error code: what() names the call and gives
// MPI's error string.
class error : public std::runtime_error {
public:
    error(const char* call, int code) : std::runtime_error(message(call, code)), code_(code) {}
    int code() const { return code_; }

private:
    static std::string message(const char* call, int code) {
        char text[MPI_MAX_ERROR_STRING];
        int length = 0;
        if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
        return std::string("repro::mpi: ") + call + " failed (error " + std::to_string(code) +
               (length ? ": " + std::string(text, static_cast<std::size_t>(length)) : std::string()) + ")";
    }
    int code_;
};

namespace detail {

inline void check(int rc, const char* call) {
    if (rc != MPI_SUCCESS) throw error(call, rc);
}

// MPI initialised and a communicator given; its size.
inline int ranks(MPI_Comm comm, const char* function) {
    int initialized = 0, finalized = 0;
    check(MPI_Initialized(&initialized), "MPI_Initialized");
    check(MPI_Finalized(&finalized), "MPI_Finalized");
    if (!initialized || finalized)
        throw std::logic_error(std::string("repro::mpi::") + function + ": MPI is not initialized (or finalized)");
    if (comm == MPI_COMM_NULL)
        throw std::invalid_argument(std::string("repro::mpi::") + function + ": comm is MPI_COMM_NULL");
    // On an intercommunicator MPI_Allreduce sums the other group's data: not a sum over the ranks.
    int inter = 0;
    check(MPI_Comm_test_inter(comm, &inter), "MPI_Comm_test_inter");
    if (inter)
        throw std::invalid_argument(std::string("repro::mpi::") + function +
                                    ": comm is an intercommunicator (pass an intracommunicator)");
    int size = 0;
    check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
    return size;
}

inline void allreduce(void* buffer, std::size_t count, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
    // MPI counts are int: large buffers go in pieces (each an exact integer reduction).
    constexpr std::size_t piece = std::size_t(1) << 30;
    auto* bytes = static_cast<unsigned char*>(buffer);
    int size = 0;
    check(MPI_Type_size(type, &size), "MPI_Type_size");
    for (std::size_t done = 0; done < count; done += piece) {
        const std::size_t k = count - done < piece ? count - done : piece;
        check(MPI_Allreduce(MPI_IN_PLACE, bytes + done * static_cast<std::size_t>(size), static_cast<int>(k), type, op,
                            comm),
              "MPI_Allreduce");
    }
}

// The same n on every rank, else std::invalid_argument on every rank;
// returns the largest `rows` over the ranks.
inline std::uint64_t agree(MPI_Comm comm, const char* function, const char* what, std::uint64_t n,
                           std::uint64_t rows) {
    std::int64_t v[3] = {static_cast<std::int64_t>(n), -static_cast<std::int64_t>(n), static_cast<std::int64_t>(rows)};
    allreduce(v, 3, MPI_INT64_T, MPI_MAX, comm);
    if (v[0] != -v[1])
        throw std::invalid_argument(std::string("repro::mpi::") + function + ": " + what + " differs across ranks (from " +
                                    std::to_string(-v[1]) + " to " + std::to_string(v[0]) + ")");
    return static_cast<std::uint64_t>(v[2]);
}

// Every rank's accumulators a[0..k) merged, in place: the states'
// normalised limbs, the counts and the specials, as one int64 MPI_SUM.
template <class T>
void allreduce_accumulators(exact_accumulator<T>* a, std::size_t k, MPI_Comm comm) {
    using parts = repro::detail::accumulator_parts<T>;
    using state_type = typename exact_accumulator<T>::state_type;
    constexpr std::size_t limbs = state_type::limbs, width = limbs + 4;
    std::vector<std::int64_t> wire(k * width);
    for (std::size_t i = 0; i < k; ++i) {
        state_type s = parts::state(a[i]);
        s.normalize();  // limbs in [0, 2^32) but the top one: R < 2^31 ranks cannot overflow
        std::int64_t* w = wire.data() + i * width;
        for (std::size_t l = 0; l < limbs; ++l) w[l] = s.limb[l];
        const auto& sp = parts::special_terms(a[i]);
        w[limbs] = static_cast<std::int64_t>(a[i].count());
        w[limbs + 1] = sp.nan, w[limbs + 2] = sp.pos_inf, w[limbs + 3] = sp.neg_inf;
    }
    allreduce(wire.data(), wire.size(), MPI_INT64_T, MPI_SUM, comm);
    for (std::size_t i = 0; i < k; ++i) {
        const std::int64_t* w = wire.data() + i * width;
        state_type s;
        for (std::size_t l = 0; l < limbs; ++l) s.limb[l] = w[l];
        s.normalize();
        repro::detail::specials sp;
        sp.nan = w[limbs + 1] != 0, sp.pos_inf = w[limbs + 2] != 0, sp.neg_inf = w[limbs + 3] != 0;
        a[i] = parts::make(s, sp, static_cast<std::uint64_t>(w[limbs]));
    }
}

// Scratch of allreduce_exact, kept per thread between calls (gradients are
// summed every step: fresh pages would cost as much as the arithmetic); it
// never exceeds one chunk's worth (see chunk_columns).
template <class U>
U* scratch(std::size_t n) {
    thread_local std::vector<U> v;
    if (v.size() < n) v.resize(n);
    return v.data();
}

// The three passes of allreduce_exact over the elements, compiled for
// AVX-512, AVX2 and the baseline and picked at load time where the compiler
// and the loader can (g++ and clang on x86-64 Linux): every step is an exact
// integer or power-of-two operation, so the vector forms give the baseline's
// bits, several times faster.
// (g++ -O2 vectorises only loops whose trip count is a known multiple of
// the vector width unless asked to, hence its optimize attribute.)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define REPRO_MPI_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), optimize("tree-vectorize")))
#elif defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define REPRO_MPI_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define REPRO_MPI_CLONES
#endif

template <class T, class K>
inline void raise_keys_body(const T* __restrict x, K* __restrict key, std::size_t n, bool first) {
    using w = repro::detail::fixed_window<T>;
    if (first)
        for (std::size_t j = 0; j < n; ++j) key[j] = static_cast<K>(w::key(x[j]));
    else
        for (std::size_t j = 0; j < n; ++j) key[j] = std::max(key[j], static_cast<K>(w::key(x[j])));
}

// The windows of n elements lie in planes, limb l of element j at
// wire[l * n + j]: every pass then reads and writes contiguous doubles.
template <std::size_t Limbs>
std::array<double, Limbs> limbs_of(const double* wire, std::size_t n, std::size_t j) {
    std::array<double, Limbs> limb;
    for (std::size_t l = 0; l < Limbs; ++l) limb[l] = wire[l * n + j];
    return limb;
}

// One row's terms into the windows (the first row starts them from zero),
// counting per block of 64 the terms that do not fit, inf and NaN included
// (a block with one is summed in full on every rank). The count is 64-bit,
// as wide as the window's doubles, so the loop vectorises without narrowing.
template <bool First, class T, class K>
inline void add_windows_body(const T* __restrict x, const K* __restrict key, int bits, double* __restrict wire,
                             double* __restrict misses, std::size_t n) {
    using w = repro::detail::fixed_window<T>;
    for (std::size_t b = 0, begin = 0; begin < n; ++b, begin += 64) {
        const std::size_t end = std::min(n, begin + 64);
        std::int64_t missed = 0;
        for (std::size_t j = begin; j < end; ++j) {
            double limb[w::limbs];
            for (std::size_t l = 0; l < w::limbs; ++l) limb[l] = First ? 0.0 : wire[l * n + j];
            missed += !w::add(x[j], key[j], bits, limb);
            for (std::size_t l = 0; l < w::limbs; ++l) wire[l * n + j] = limb[l];
        }
        misses[b] = First ? static_cast<double>(missed) : misses[b] + static_cast<double>(missed);
    }
}

// The results that need no digit rounding; false if some element does.
template <class T, class K>
inline bool round_windows_body(const double* __restrict wire, const K* __restrict key, int bits, T* __restrict out,
                               std::size_t n) {
    using w = repro::detail::fixed_window<T>;
    std::int64_t pending = 0;  // 64-bit, as add_windows_body's count
    for (std::size_t j = 0; j < n; ++j) {
        bool done;
        out[j] = w::result_if_normal(limbs_of<w::limbs>(wire, n, j).data(), key[j], bits, done);
        pending += !done;
    }
    return pending == 0;
}

REPRO_MPI_CLONES inline void raise_keys(const float* x, std::uint8_t* key, std::size_t n, bool first) {
    raise_keys_body(x, key, n, first);
}
REPRO_MPI_CLONES inline void raise_keys(const double* x, std::uint16_t* key, std::size_t n, bool first) {
    raise_keys_body(x, key, n, first);
}
REPRO_MPI_CLONES inline void add_windows(const float* x, const std::uint8_t* key, int bits, double* wire,
                                         double* misses, std::size_t n, bool first) {
    first ? add_windows_body<true>(x, key, bits, wire, misses, n) : add_windows_body<false>(x, key, bits, wire, misses, n);
}
REPRO_MPI_CLONES inline void add_windows(const double* x, const std::uint16_t* key, int bits, double* wire,
                                         double* misses, std::size_t n, bool first) {
    first ? add_windows_body<true>(x, key, bits, wire, misses, n) : add_windows_body<false>(x, key, bits, wire, misses, n);
}
REPRO_MPI_CLONES inline bool round_windows(const double* wire, const std::uint8_t* key, int bits, float* out,
                                           std::size_t n) {
    return round_windows_body(wire, key, bits, out, n);
}
REPRO_MPI_CLONES inline bool round_windows(const double* wire, const std::uint16_t* key, int bits, double* out,
                                           std::size_t n) {
    return round_windows_body(wire, key, bits, out, n);
}
#undef REPRO_MPI_CLONES

template <class T>
constexpr void check_type() {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "repro::mpi: T is float or double");
}

// Columns per chunk of allreduce_exact (a multiple of the 64-element
// block): a float chunk's passes touch about 1 MiB, a double's 2 MiB.
constexpr std::size_t chunk_columns = std::size_t(1) << 16;

// Columns [0, m) of a rows x stride block, summed into out[0, m).
template <class T>
void allreduce_window_chunk(const T* local, std::size_t rows, std::size_t stride, T* out, std::size_t m, int bits,
                            MPI_Comm comm) {
    using window = repro::detail::fixed_window<T>;
    using key_type = std::conditional_t<sizeof(T) == 4, std::uint8_t, std::uint16_t>;
    constexpr std::size_t limbs = window::limbs, block = 64;

    // 1. The largest exponent key of each element over every term.
    key_type* key = scratch<key_type>(m);  // row 0 writes, the others raise
    if (rows == 0) std::fill(key, key + m, key_type(0));
    for (std::size_t r = 0; r < rows; ++r) raise_keys(local + r * stride, key, m, r == 0);
    allreduce(key, m, sizeof(T) == 4 ? MPI_UINT8_T : MPI_UINT16_T, MPI_MAX, comm);

    // 2. The windows, and per block of 64 elements the count of terms that
    //    did not fit (on any rank: summed with the windows).
    const std::size_t blocks = (m + block - 1) / block;
    double* wire = scratch<double>(m * limbs + blocks);  // row 0 (or the fill below) writes every word
    double* misses = wire + m * limbs;
    if (rows == 0) std::fill(wire, wire + m * limbs + blocks, 0.0);
    for (std::size_t r = 0; r < rows; ++r) add_windows(local + r * stride, key, bits, wire, misses, m, r == 0);
    allreduce(wire, m * limbs + blocks, MPI_DOUBLE, MPI_SUM, comm);  // integers below 2^53: exact

    // 3. Blocks with inf / NaN or a term outside the window: the whole
    //    accumulator for each of their elements (every rank makes the same
    //    list from the reduced counts).
    std::vector<std::size_t> full;
    for (std::size_t b = 0; b < blocks; ++b)
        if (misses[b] != 0)
            for (std::size_t j = b * block; j < std::min(m, (b + 1) * block); ++j) full.push_back(j);
    std::vector<exact_accumulator<T>> acc(full.size());
    if (!full.empty()) {
        for (std::size_t i = 0; i < full.size(); ++i)
            for (std::size_t r = 0; r < rows; ++r) acc[i].add(local[r * stride + full[i]]);
        allreduce_accumulators(acc.data(), acc.size(), comm);
    }

    // 4. Round once (after step 3 has read local, which out may be).
    if (!round_windows(wire, key, bits, out, m))  // subnormal or overflowing doubles: as digits
        for (std::size_t j = 0; j < m; ++j) {
            bool done;
            const auto limb = limbs_of<limbs>(wire, m, j);
            window::result_if_normal(limb.data(), key[j], bits, done);
            if (!done) out[j] = window::result(limb.data(), key[j], bits);
        }
    for (std::size_t i = 0; i < full.size(); ++i) out[full[i]] = acc[i].result();  // over the windows' values
}

}  // namespace detail

// Every rank ends with the merge of every rank's accumulator.
template <class T>
void allreduce(exact_accumulator<T>& acc, MPI_Comm comm) {
    detail::ranks(comm, "allreduce");
    detail::allreduce_accumulators(&acc, 1, comm);
}

// The correctly rounded sum of x[0..n) over every rank (n may differ by rank;
// 0 is fine): the same bits as repro::exact_sum of all the ranks' data
// concatenated, on every rank.
template <class T>
T exact_sum(const T* local, std::size_t n, MPI_Comm comm) {
    detail::check_type<T>();
    repro::detail::check_pointer(local, n, "mpi::exact_sum", "local");
    detail::ranks(comm, "exact_sum");
    exact_accumulator<T> acc;
    acc.add(local, n);
    detail::allreduce_accumulators(&acc, 1, comm);
    return acc.result();
}

// The correctly rounded dot product of the ranks' x and y, concatenated.
template <class T>
T exact_dot(const T* x, const T* y, std::size_t n, MPI_Comm comm) {
    detail::check_type<T>();
    repro::detail::check_pointer(x, n, "mpi::exact_dot", "x");
    repro::detail::check_pointer(y, n, "mpi::exact_dot", "y");
    detail::ranks(comm, "exact_dot");
    exact_accumulator<T> acc;
    acc.add_products(x, y, n);
    detail::allreduce_accumulators(&acc, 1, comm);
    return acc.result();
}

// out[j] = the correctly rounded sum, over every rank and every local row r,
// of local[r * n + j] (a rows x n row-major block; rows may differ by rank
// and be 0, n must not). Gradients summed over the samples of a data-parallel
// batch: the same bits for any number of ranks and any split of the rows.
// out may be local when rows is 1.
template <class T>
void allreduce_exact(const T* local, std::size_t rows, T* out, std::size_t n, MPI_Comm comm) {
    detail::check_type<T>();
    const char* fn = "allreduce_exact";
    repro::detail::check_pointer(local, repro::detail::checked_mul(rows, n, "mpi::allreduce_exact", "rows * n"),
                                 "mpi::allreduce_exact", "local");
    repro::detail::check_pointer(out, n, "mpi::allreduce_exact", "out");
    const int size = detail::ranks(comm, fn);
    const std::uint64_t max_rows = detail::agree(comm, fn, "n", n, rows);
    if (n == 0) return;
    if (max_rows == 0) {
        for (std::size_t j = 0; j < n; ++j) out[j] = T(0);
        return;
    }
    const int bits = repro::detail::fixed_window<T>::magnitude_bits(static_cast<std::uint64_t>(size) * max_rows);
    // Chunk by chunk of columns, so that the passes and MPI's reduction of
    // a chunk run in cache: at 10^7 floats this is about 3x faster than
    // whole-array passes, whose every pass streams from memory.
    for (std::size_t c = 0; c < n; c += detail::chunk_columns)
        detail::allreduce_window_chunk(local + c, rows, n, out + c, std::min(detail::chunk_columns, n - c), bits, comm);
}

// Element-wise: out[j] = the correctly rounded sum over the ranks of local[j].
template <class T>
void allreduce_exact(const T* local, T* out, std::size_t n, MPI_Comm comm) {
    allreduce_exact(local, 1, out, n, comm);
}

// Per-feature mean and (population) variance of a data set sharded over the
// ranks, each rank holding rows x features (row-major; rows may differ by
// rank and be 0): bitwise equal to repro::population_statistics over the
// whole set in one process, on every rank.
template <class T>
struct moments {
    std::vector<T> mean, variance;
    std::uint64_t count = 0;
};

template <class T>
moments<T> population_statistics(const T* local, std::size_t rows, std::size_t features, MPI_Comm comm) {
    detail::check_type<T>();
    const char* fn = "population_statistics";
    repro::detail::check_pointer(
        local, repro::detail::checked_mul(rows, features, "mpi::population_statistics", "rows * features"),
        "mpi::population_statistics", "local");
    detail::ranks(comm, fn);
    detail::agree(comm, fn, "features", features, rows);
    using parts = repro::detail::statistics_parts<T>;
    repro::population_statistics<T> s(features);
    s.add(local, rows);
    detail::allreduce_accumulators(parts::sums(s).data(), features, comm);
    s.add_deviations(local, rows);
    detail::allreduce_accumulators(parts::deviations(s).data(), features, comm);
    return {s.mean(), s.variance(), s.count()};
}

}  // namespace mpi
REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
