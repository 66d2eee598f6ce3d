// repro/reduce.hpp, deterministic and compensated tiers. The documented
// reduction order is re-implemented here from its description and must match
// bit for bit; results must not move with the thread count, the ISA, the
// alignment or a row's place in a batch; accuracy is measured against MPFR
// with the error bounds derived below; then NaN/Inf, signed zeros, extremes
// and argument errors.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <repro/eigen.hpp>
#include <repro/reduce.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/bit_checks.hpp"

using repro_test::splitmix64;

using repro_test::infinity;
using repro_test::quiet_nan;

namespace {

template <class T>
using acc_t = repro::accumulator_t<T>;

static_assert(std::is_same<acc_t<float>, float>::value, "float accumulates in float");
static_assert(std::is_same<acc_t<double>, double>::value, "double accumulates in double");
static_assert(std::is_same<acc_t<Eigen::half>, float>::value, "half widens to float");
static_assert(std::is_same<acc_t<Eigen::bfloat16>, float>::value, "bfloat16 widens to float");

constexpr std::size_t chunk_size = 16384;

template <class A>
constexpr std::size_t lanes_for() {
    return std::is_same<A, double>::value ? 16 : 32;
}

// Both sides of every lane, chunk and chunk-tree boundary; 7 and 13 chunks
// leave odd chunks at more than one level of the chunk tree.
const std::vector<std::size_t> boundary_sizes = {0,
                                                 1,
                                                 2,
                                                 3,
                                                 7,
                                                 8,
                                                 15,
                                                 16,
                                                 17,
                                                 31,
                                                 32,
                                                 33,
                                                 63,
                                                 64,
                                                 65,
                                                 127,
                                                 128,
                                                 129,
                                                 4095,
                                                 4097,
                                                 chunk_size - 1,
                                                 chunk_size,
                                                 chunk_size + 1,
                                                 2 * chunk_size - 1,
                                                 2 * chunk_size,
                                                 2 * chunk_size + 1,
                                                 3 * chunk_size + 5,
                                                 6 * chunk_size + 1,
                                                 7 * chunk_size + 3,
                                                 13 * chunk_size + 7,
                                                 65537};

// ---- values built from bits ----

template <class T>
int exponent_bias() {
    return (1 << (repro::float_traits<T>::exponent_bits - 1)) - 1;
}

// n finite values with random signs and magnitudes in [2^lo, 2^(hi+1)).
template <class T>
std::vector<T> random_values(std::size_t n, std::uint64_t seed, int lo, int hi) {
    splitmix64 g(seed);
    std::vector<T> v(n);
    for (auto& x : v) x = repro_test::random_finite<T>(g, exponent_bias<T>() + lo, exponent_bias<T>() + hi);
    return v;
}

template <class T>
T with_bits(std::uint64_t b) {
    return repro::from_bits<T>(static_cast<repro::bits_t<T>>(b));
}

template <class T>
T negated(T x) {
    return with_bits<T>(repro::to_bits(x) ^ repro::float_traits<T>::sign_mask);
}

template <class T>
T magnitude(T x) {
    return with_bits<T>(repro::to_bits(x) & repro::float_traits<T>::magnitude_mask);
}

// A quiet NaN whose payload (and sign) tell NaNs apart.
template <class T>
T quiet_nan(unsigned payload, bool negative = false) {
    using tr = repro::float_traits<T>;
    const std::uint64_t quiet = std::uint64_t(1) << (tr::fraction_bits - 1);
    return with_bits<T>(tr::infinity_bits | quiet | (payload & (quiet - 1)) | (negative ? tr::sign_mask : 0));
}

template <class T>
T small_int(int k) {
    return static_cast<T>(static_cast<float>(k));
}

template <class T>
acc_t<T> widen(T x) {
    return static_cast<acc_t<T>>(x);
}

template <class A>
std::uint64_t bits_of(A x) {
    return static_cast<std::uint64_t>(repro::to_bits(x));
}

// ---- the documented order, written from its description ----

// Chunks of 16384; element i of a chunk goes to lane i % lanes, each lane
// folds its elements in ascending order from +0; the lanes meet as a tree
// (j += j + half for half = lanes/2 .. 1); chunk results meet pairwise,
// level by level, an odd last one moving up unchanged.
template <class A, class Fold>
A reference_reduce(std::size_t n, Fold fold) {
    constexpr std::size_t lanes = lanes_for<A>();
    std::vector<A> level;
    for (std::size_t c0 = 0; c0 < n; c0 += chunk_size) {
        const std::size_t m = std::min(chunk_size, n - c0);
        std::array<A, lanes> lane;
        lane.fill(A(0));
        for (std::size_t i = 0; i < m; ++i) lane[i % lanes] = fold(c0 + i, lane[i % lanes]);
        for (std::size_t half = lanes / 2; half >= 1; half /= 2)
            for (std::size_t j = 0; j < half; ++j) lane[j] = lane[j] + lane[j + half];
        level.push_back(lane[0]);
    }
    if (level.empty()) return A(0);
    while (level.size() > 1) {
        std::vector<A> next;
        for (std::size_t k = 0; k + 1 < level.size(); k += 2) next.push_back(level[k] + level[k + 1]);
        if (level.size() % 2 != 0) next.push_back(level.back());
        level.swap(next);
    }
    return level[0];
}

template <class T>
acc_t<T> reference_sum(const T* x, std::size_t n) {
    return reference_reduce<acc_t<T>>(n, [x](std::size_t i, acc_t<T> lane) { return lane + widen(x[i]); });
}

template <class T>
acc_t<T> reference_dot(const T* x, const T* y, std::size_t n) {
    return reference_reduce<acc_t<T>>(
        n, [x, y](std::size_t i, acc_t<T> lane) { return std::fma(widen(x[i]), widen(y[i]), lane); });
}

using repro_test::isa_restorer;

// Every deterministic- and compensated-tier result for (x, y) as bits, NaNs
// made canonical (their payload is not promised).
template <class T>
std::vector<std::uint64_t> all_result_bits(const T* x, const T* y, std::size_t n) {
    std::vector<std::uint64_t> r;
    auto put = [&r](auto v) { r.push_back(repro::is_nan(v) ? ~std::uint64_t(0) : bits_of(v)); };
    put(repro::sum(x, n));
    put(repro::dot(x, y, n));
    put(repro::nrm2(x, n));
    put(repro::sum_compensated(x, n));
    put(repro::dot_compensated(x, y, n));
    if (n > 0) {
        put(repro::mean(x, n));
        put(repro::variance(x, n));
        put(repro::variance(x, n, 1));
        put(repro::max(x, n));
        put(repro::min(x, n));
        r.push_back(repro::argmax(x, n));
        r.push_back(repro::argmin(x, n));
    }
    return r;
}

// ---- MPFR oracle ----

// Wide enough that every sum and product of the values used here is exact.
constexpr mpfr_prec_t exact_bits = 4400;

struct mp {
    mpfr_t v;
    mp() {
        mpfr_init2(v, exact_bits);
        mpfr_set_zero(v, 1);
    }
    ~mp() { mpfr_clear(v); }
    mp(const mp&) = delete;
    mp& operator=(const mp&) = delete;
};

template <class T>
double as_double(T x) {
    return static_cast<double>(widen(x));
}

template <class T>
void oracle_sum(const T* x, std::size_t n, mp& sum, mp& sum_abs) {
    for (std::size_t i = 0; i < n; ++i) {
        mpfr_add_d(sum.v, sum.v, as_double(x[i]), MPFR_RNDN);
        mpfr_add_d(sum_abs.v, sum_abs.v, std::fabs(as_double(x[i])), MPFR_RNDN);
    }
}

template <class T>
void oracle_dot(const T* x, const T* y, std::size_t n, mp& dot, mp& dot_abs) {
    mp p;
    for (std::size_t i = 0; i < n; ++i) {
        mpfr_set_d(p.v, as_double(x[i]), MPFR_RNDN);
        mpfr_mul_d(p.v, p.v, as_double(y[i]), MPFR_RNDN);
        mpfr_add(dot.v, dot.v, p.v, MPFR_RNDN);
        mpfr_abs(p.v, p.v, MPFR_RNDN);
        mpfr_add(dot_abs.v, dot_abs.v, p.v, MPFR_RNDN);
    }
}

double up(const mp& e) { return mpfr_get_d(e.v, MPFR_RNDU); }

// |computed - exact|, rounded up.
double error_of(double computed, const mp& exact) {
    mp d;
    mpfr_set_d(d.v, computed, MPFR_RNDN);
    mpfr_sub(d.v, d.v, exact.v, MPFR_RNDN);
    mpfr_abs(d.v, d.v, MPFR_RNDN);
    return up(d);
}

template <class A>
A round_to(const mp& e) {
    if constexpr (std::is_same<A, float>::value)
        return mpfr_get_flt(e.v, MPFR_RNDN);
    else
        return mpfr_get_d(e.v, MPFR_RNDN);
}

// ---- error bounds ----

template <class A>
constexpr double unit_roundoff() {
    return std::numeric_limits<A>::epsilon() / 2;
}

template <class A>
double gamma_n(int k) {
    const double ku = k * unit_roundoff<A>();
    return ku / (1 - ku);
}

constexpr int log2_ceil(std::size_t m) {
    int d = 0;
    while ((std::size_t(1) << d) < m) ++d;
    return d;
}

constexpr int chunk_depth(std::size_t n) { return log2_ceil((n + chunk_size - 1) / chunk_size); }

// The most roundings one term meets in the documented order (its lane's
// folds, the lane tree, the chunk tree), so that the computed sum is
// sum x_i (1 + theta_i) with |theta_i| <= gamma_h (Higham, ASNA 2nd ed. 4.2):
// |error| <= gamma_h * sum |x_i|. An fma fold rounds the product with the
// addition, so the same h holds for dot with sum |x_i y_i|.
template <class A>
constexpr int tree_height(std::size_t n) {
    constexpr std::size_t lanes = lanes_for<A>();
    const std::size_t per_lane = (std::min(n, chunk_size) + lanes - 1) / lanes;
    return static_cast<int>(per_lane) + log2_ceil(lanes) + chunk_depth(n);
}

// Sum2/Dot2 along the same tree: the computed sum plus the exact TwoSum and
// TwoProd errors e_k is the exact result, sum |e_k| <= gamma_(h+1) sum |x_i|,
// and the e_k are summed in working precision along a tree whose levels may
// cost two roundings (carried error + new error): height H <= h + lane depth
// + chunk depth + 3. With the final rounding (Ogita, Rump, Oishi 2005, Prop.
// 4.5 and Thm. 5.3, generalised to a tree):
// |error| <= u |s| + (1 + u) gamma_(h+1) gamma_H sum |x_i|, taken here as
// u |s| + 2 gamma_H^2 sum |x_i|.
template <class A>
double compensated_bound(std::size_t n, double exact_abs, double sum_abs) {
    const int big_h = tree_height<A>(n) + log2_ceil(lanes_for<A>()) + chunk_depth(n) + 3;
    return unit_roundoff<A>() * exact_abs * (1 + 1e-9) + 2 * gamma_n<A>(big_h) * gamma_n<A>(big_h) * sum_abs;
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    } catch (...) {
        return "<another exception>";
    }
    return "<no exception>";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

// ---------------------------------------------------------------------------
// Bitwise: the documented order, and invariance.

TEST_CASE_TEMPLATE("sum and dot follow the documented reduction order bit for bit", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    const isa_restorer restore;
    for (const repro::isa cap : repro_test::every_isa()) {
        repro::limit_isa(cap);
        int differs_from_serial = 0;
        for (const std::size_t n : boundary_sizes) {
            const auto x = random_values<T>(n, 0x5eed0301 + n, -12, 12);
            const auto y = random_values<T>(n, 0x5eed0302 + n, -12, 12);
            CAPTURE(n);
            CAPTURE(static_cast<int>(repro::active_isa()));
            static_assert(std::is_same<decltype(repro::sum(x.data(), n)), acc_t<T>>::value, "sum returns acc_t");
            static_assert(std::is_same<decltype(repro::dot(x.data(), y.data(), n)), acc_t<T>>::value,
                          "dot returns acc_t");
            const acc_t<T> want_sum = reference_sum(x.data(), n);
            REQUIRE(bits_of(repro::sum(x.data(), n)) == bits_of(want_sum));
            REQUIRE(bits_of(repro::dot(x.data(), y.data(), n)) == bits_of(reference_dot(x.data(), y.data(), n)));
            // dot(x, x) loads each value once on the AVX2 path: the same order
            REQUIRE(bits_of(repro::dot(x.data(), x.data(), n)) == bits_of(reference_dot(x.data(), x.data(), n)));
            acc_t<T> serial = 0;
            for (const T& v : x) serial += widen(v);
            differs_from_serial += bits_of(serial) != bits_of(want_sum);
        }
        // The data is rounding-sensitive enough that another order would show.
        CHECK(differs_from_serial >= 10);

        // Lanes start from +0, so -0 terms give +0.
        for (const std::size_t n : {std::size_t(1), std::size_t(40), std::size_t(5000)}) {
            const std::vector<T> neg_zeros(n, negated(T(0.0f)));
            const std::vector<T> ones(n, small_int<T>(1));
            CHECK(bits_of(repro::sum(neg_zeros.data(), n)) == 0);
            CHECK(bits_of(repro::dot(neg_zeros.data(), ones.data(), n)) == 0);
        }
    }
}

// layer_norm's and group_norm's one-pass form: the deviations d = x - m
// written out, and exactly repro::dot(d, d)'s order over them.
TEST_CASE_TEMPLATE("deviation_dot is dot(d, d) of the deviations it writes, bit for bit", T, float, double) {
    const isa_restorer restore;
    for (const repro::isa cap : repro_test::every_isa()) {
        repro::limit_isa(cap);
        for (const std::size_t n : boundary_sizes) {
            const auto x = random_values<T>(n, 0x5eed0331 + n, -12, 12);
            const T m = n == 0 ? T(0) : T(x[n / 2] * T(0.75));
            std::vector<T> want_d(n), d(n, repro_test::quiet_nan<T>());
            for (std::size_t i = 0; i < n; ++i) want_d[i] = x[i] - m;
            CAPTURE(n);
            CAPTURE(static_cast<int>(repro::active_isa()));
            const T got = repro::detail::deviation_dot(x.data(), m, d.data(), n);
            REQUIRE(bits_of(got) == bits_of(reference_dot(want_d.data(), want_d.data(), n)));
            REQUIRE(repro_test::first_difference(d, want_d) == repro_test::npos);
            auto in_place = x;  // d may be x
            REQUIRE(bits_of(repro::detail::deviation_dot(in_place.data(), m, in_place.data(), n)) == bits_of(got));
            REQUIRE(repro_test::first_difference(in_place, want_d) == repro_test::npos);
        }
    }
}

TEST_CASE_TEMPLATE("every thread count gives the one-thread bits", T, float, double, Eigen::half, Eigen::bfloat16) {
    const std::size_t sizes[] = {0, 1, 5, 33, 4095, 4097, 3 * 4096 + 5, 65537, 200003};
    for (const std::size_t n : sizes) {
        const auto x = random_values<T>(n, 0x5eed0311 + n, -12, 12);
        const auto y = random_values<T>(n, 0x5eed0312 + n, -12, 12);
        const auto s = bits_of(repro::sum(x.data(), n));
        const auto d = bits_of(repro::dot(x.data(), y.data(), n));
        const auto sc = bits_of(repro::sum_compensated(x.data(), n));
        const auto dc = bits_of(repro::dot_compensated(x.data(), y.data(), n));
        CHECK(s == bits_of(reference_sum(x.data(), n)));
        for (const unsigned k : {1u, 2u, 3u, 4u, 7u}) {
            CAPTURE(n);
            CAPTURE(k);
            REQUIRE(bits_of(repro::sum(x.data(), n, repro::threads{k})) == s);
            REQUIRE(bits_of(repro::dot(x.data(), y.data(), n, repro::threads{k})) == d);
            REQUIRE(bits_of(repro::sum_compensated(x.data(), n, repro::threads{k})) == sc);
            REQUIRE(bits_of(repro::dot_compensated(x.data(), y.data(), n, repro::threads{k})) == dc);
        }
    }
}

TEST_CASE_TEMPLATE("limiting the ISA to generic changes no bit", T, float, double, Eigen::half, Eigen::bfloat16) {
    const isa_restorer restore;
    std::vector<std::vector<std::uint64_t>> by_default;
    for (const std::size_t n : boundary_sizes) {
        const auto x = random_values<T>(n, 0x5eed0321 + n, -12, 12);
        const auto y = random_values<T>(n, 0x5eed0322 + n, -12, 12);
        by_default.push_back(all_result_bits(x.data(), y.data(), n));
    }
    repro::limit_isa(repro::isa::generic);
    REQUIRE(repro::active_isa() == repro::isa::generic);
    for (std::size_t k = 0; k < boundary_sizes.size(); ++k) {
        const std::size_t n = boundary_sizes[k];
        const auto x = random_values<T>(n, 0x5eed0321 + n, -12, 12);
        const auto y = random_values<T>(n, 0x5eed0322 + n, -12, 12);
        CAPTURE(n);
        CHECK(all_result_bits(x.data(), y.data(), n) == by_default[k]);
    }
}

TEST_CASE("limit_isa caps active_isa and can be lifted again") {
    const isa_restorer restore;
    const repro::isa before = repro::active_isa();
    repro::limit_isa(repro::isa::generic);
    CHECK(repro::active_isa() == repro::isa::generic);
    repro::limit_isa(before);
    CHECK(repro::active_isa() == before);
}

TEST_CASE("to_string names each isa as REPRO_ISA spells it") {
    CHECK(std::string(repro::to_string(repro::isa::generic)) == "generic");
    CHECK(std::string(repro::to_string(repro::isa::avx2)) == "avx2");
    CHECK(std::string(repro::to_string(repro::isa::avx512)) == "avx512");
}

TEST_CASE_TEMPLATE("results do not depend on the alignment of the data", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    const std::size_t sizes[] = {1, 3, 7, 8, 9, 31, 33, 65, 100, 4097, 8193};
    for (const std::size_t n : sizes) {
        const auto x = random_values<T>(n, 0x5eed0331 + n, -12, 12);
        const auto y = random_values<T>(n, 0x5eed0332 + n, -12, 12);
        const auto want = all_result_bits(x.data(), y.data(), n);
        std::vector<T> bx(n + 8), by(n + 8);
        for (std::size_t offset = 1; offset < 8; ++offset) {
            std::copy(x.begin(), x.end(), bx.begin() + static_cast<std::ptrdiff_t>(offset));
            std::copy(y.begin(), y.end(), by.begin() + static_cast<std::ptrdiff_t>(7 - offset));
            CAPTURE(n);
            CAPTURE(offset);
            CHECK(all_result_bits(bx.data() + offset, by.data() + (7 - offset), n) == want);
        }
    }
}

TEST_CASE_TEMPLATE("a row's results do not depend on its place in a batch or on the other rows", T, float, double,
                   Eigen::half, Eigen::bfloat16) {
    const std::size_t rows = 9;
    const std::size_t cols_list[] = {1, 5, 33, 1000, 4099};
    for (const std::size_t cols : cols_list) {
        const auto row = random_values<T>(cols, 0x5eed0341 + cols, -12, 12);
        const auto w = random_values<T>(cols, 0x5eed0342 + cols, -12, 12);
        const auto alone = all_result_bits(row.data(), w.data(), cols);
        for (const std::size_t at : {std::size_t(0), std::size_t(4), rows - 1}) {
            // Other rows random, and different for each placement.
            auto batch = random_values<T>(rows * cols, 0x5eed0343 + 17 * at + cols, -12, 12);
            std::copy(row.begin(), row.end(), batch.begin() + static_cast<std::ptrdiff_t>(at * cols));
            CAPTURE(cols);
            CAPTURE(at);
            CHECK(all_result_bits(batch.data() + at * cols, w.data(), cols) == alone);
        }
    }
}

// ---------------------------------------------------------------------------
// Accuracy against MPFR.

TEST_CASE_TEMPLATE("sum and dot stay within the tree-order error bound (MPFR oracle)", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    using A = acc_t<T>;
    std::vector<std::size_t> sizes = boundary_sizes;
    sizes.insert(sizes.end(), {100, 1000, 20000, 100000});
    const int spread = sizeof(T) == 2 ? 12 : 20;
    for (const std::size_t n : sizes) {
        for (const bool positive : {false, true}) {
            auto x = random_values<T>(n, 0x5eed0401 + n, -spread, spread);
            const auto y = random_values<T>(n, 0x5eed0402 + n, -spread, spread);
            if (positive)
                for (auto& v : x) v = magnitude(v);
            mp s, s_abs, d, d_abs;
            oracle_sum(x.data(), n, s, s_abs);
            oracle_dot(x.data(), y.data(), n, d, d_abs);
            const double g = gamma_n<A>(tree_height<A>(n)) * (1 + 1e-9);
            CAPTURE(n);
            CAPTURE(positive);
            CHECK(error_of(repro::sum(x.data(), n), s) <= g * up(s_abs));
            CHECK(error_of(repro::dot(x.data(), y.data(), n), d) <= g * up(d_abs));
            CHECK(error_of(repro::sum_compensated(x.data(), n), s) <=
                  compensated_bound<A>(n, std::fabs(up(s)), up(s_abs)));
            CHECK(error_of(repro::dot_compensated(x.data(), y.data(), n), d) <=
                  compensated_bound<A>(n, std::fabs(up(d)), up(d_abs)));
        }
    }
}

namespace {

// Shuffled pairs (a, b), (-a, b) with |a b| spread over 2^0 .. 2^spread, and
// 16 products near 1: the exact result is small while the partial sums are
// huge. With b = 1 it is a sum.
template <class T>
void cancelling_values(std::size_t n, std::uint64_t seed, int spread, bool unit_b, std::vector<T>& x,
                       std::vector<T>& y) {
    splitmix64 g(seed);
    const int bias = exponent_bias<T>();
    x.clear();
    y.clear();
    while (x.size() + 16 + 2 <= n) {
        const T a = repro_test::random_finite<T>(g, bias, bias + (unit_b ? spread : spread / 2));
        const T b = unit_b ? small_int<T>(1) : repro_test::random_finite<T>(g, bias, bias + spread / 2);
        x.push_back(a);
        y.push_back(b);
        x.push_back(negated(a));
        y.push_back(b);
    }
    while (x.size() < n) {
        x.push_back(repro_test::random_finite<T>(g, bias - 1, bias));
        y.push_back(unit_b ? small_int<T>(1) : repro_test::random_finite<T>(g, bias - 1, bias));
    }
    for (std::size_t i = n - 1; i > 0; --i) {
        const auto j = static_cast<std::size_t>(g.below(i + 1));
        std::swap(x[i], x[j]);
        std::swap(y[i], y[j]);
    }
}

}  // namespace

TEST_CASE_TEMPLATE("on cancelling data the compensated tier beats the plain one by orders of magnitude", T, float,
                   double) {
    using A = acc_t<T>;
    const int spread = std::is_same<T, float>::value ? 20 : 60;
    for (const bool is_dot : {false, true}) {
        double worst_plain = 0, worst_compensated = 0;
        for (std::uint64_t trial = 0; trial < 8; ++trial) {
            const std::size_t n = 6000 + 997 * trial;
            std::vector<T> x, y;
            cancelling_values(n, 0x5eed0411 + trial, spread, !is_dot, x, y);
            mp exact, exact_abs;
            oracle_dot(x.data(), y.data(), n, exact, exact_abs);
            const double magnitude_of_result = std::fabs(up(exact));
            REQUIRE(magnitude_of_result > 0);
            const A plain = is_dot ? repro::dot(x.data(), y.data(), n) : repro::sum(x.data(), n);
            const A compensated =
                is_dot ? repro::dot_compensated(x.data(), y.data(), n) : repro::sum_compensated(x.data(), n);
            CAPTURE(is_dot);
            CAPTURE(n);
            CHECK(error_of(plain, exact) <= gamma_n<A>(tree_height<A>(n)) * up(exact_abs));
            CHECK(error_of(compensated, exact) <= compensated_bound<A>(n, magnitude_of_result, up(exact_abs)));
            worst_plain = std::max(worst_plain, error_of(plain, exact) / magnitude_of_result);
            worst_compensated = std::max(worst_compensated, error_of(compensated, exact) / magnitude_of_result);
        }
        CAPTURE(is_dot);
        CAPTURE(worst_plain);
        CAPTURE(worst_compensated);
        CHECK(worst_plain > 1e-2);  // the data really is ill-conditioned for the plain tier
        CHECK(worst_compensated * 1e4 <= worst_plain);
    }
}

// ---------------------------------------------------------------------------
// nrm2.

namespace {

// sqrt(sum x_i^2) rounded once to the accumulator type.
template <class T>
acc_t<T> oracle_nrm2(const T* x, std::size_t n) {
    mp s, unused;
    oracle_dot(x, x, n, s, unused);
    mpfr_sqrt(s.v, s.v, MPFR_RNDN);
    return round_to<acc_t<T>>(s);
}

// Sum of squares: relative error gamma_h; sqrt halves it; the sqrt, the
// scaling and a possible non-power-of-two scale cost a few more u. One ULP of
// r is at least u |r|, so this is a bound in ULPs.
template <class A>
std::uint64_t nrm2_ulp_bound(std::size_t n) {
    return static_cast<std::uint64_t>(tree_height<A>(n) / 2 + 5);
}

template <class T>
void check_nrm2(const std::vector<T>& x) {
    using A = acc_t<T>;
    const std::size_t n = x.size();
    const A got = repro::nrm2(x.data(), n);
    const A want = oracle_nrm2(x.data(), n);
    CAPTURE(n);
    CAPTURE(got);
    CAPTURE(want);
    REQUIRE(std::isfinite(want));
    REQUIRE(want > 0);
    CHECK(std::isfinite(got));
    CHECK(got > 0);
    CHECK(repro::ulp_distance(got, want) <= nrm2_ulp_bound<A>(n));
}

}  // namespace

TEST_CASE_TEMPLATE("nrm2 is within a few ULP of MPFR's sqrt of the exact sum of squares", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    std::vector<std::size_t> sizes = boundary_sizes;
    sizes.insert(sizes.end(), {1000, 20000});
    const int spread = sizeof(T) == 2 ? 6 : 20;
    for (const std::size_t n : sizes) {
        if (n == 0) continue;
        check_nrm2(random_values<T>(n, 0x5eed0501 + n, -spread, spread));
    }
    // Short vectors: h is small, so this is "a few ULP" literally.
    static_assert(tree_height<float>(64) / 2 + 5 <= 8, "small-n bound");
    const std::vector<T> empty(1);
    CHECK(bits_of(repro::nrm2(empty.data(), 0)) == 0);
}

TEST_CASE_TEMPLATE("nrm2 neither overflows nor underflows for finite input", T, float, double, Eigen::bfloat16) {
    // Exponents near the top and the bottom of the format; n <= 64 values
    // below 2^(emax-3) keep the exact norm below 2^emax.
    const int emax = exponent_bias<T>();
    const std::size_t sizes[] = {1, 2, 3, 17, 64};
    for (const std::size_t n : sizes) {
        check_nrm2(random_values<T>(n, 0x5eed0511 + n, emax - 9, emax - 4));
        check_nrm2(random_values<T>(n, 0x5eed0512 + n, 1 - emax, 7 - emax));
    }
    check_nrm2(random_values<T>(1000, 0x5eed0513, 1 - emax, 7 - emax));
    // Three times ~1e38 (float, bfloat16) / ~1e308 (double): the squares overflow, the norm does not.
    const T largest = with_bits<T>(repro::float_traits<T>::infinity_bits - 1);
    check_nrm2(std::vector<T>(3, static_cast<T>(widen(largest) / 2)));
    // A single value, subnormals and the largest finite included, is its magnitude.
    for (const T v : repro_test::edge_values<T>()) {
        if (!repro::is_finite(v)) continue;
        const acc_t<T> got = repro::nrm2(&v, 1);
        CAPTURE(got);
        CAPTURE(widen(v));
        CHECK(repro::is_finite(got));
        CHECK(repro::ulp_distance(got, widen(magnitude(v))) <= 1);
        if (widen(v) != 0) CHECK(got > 0);
    }
    const T tiny = with_bits<T>(1);
    CHECK(repro::ulp_distance(repro::nrm2(std::vector<T>(4, tiny).data(), 4), acc_t<T>(2) * widen(tiny)) <= 1);
}

// ---------------------------------------------------------------------------
// mean and variance.

TEST_CASE_TEMPLATE("mean is sum / n and variance is within its bound (MPFR oracle)", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    using A = acc_t<T>;
    const std::size_t sizes[] = {1, 2, 3, 7, 33, 129, 1000, 4097, 8193, 30000};
    for (const std::size_t n : sizes) {
        for (const bool offset : {false, true}) {
            // Offset: all values in [64, 128), a mean far from 0.
            auto x = offset ? random_values<T>(n, 0x5eed0601 + n, 6, 6) : random_values<T>(n, 0x5eed0602 + n, -8, 8);
            if (offset)
                for (auto& v : x) v = magnitude(v);
            CAPTURE(n);
            CAPTURE(offset);
            const A mean = repro::mean(x.data(), n);
            CHECK(bits_of(mean) == bits_of(A(repro::sum(x.data(), n) / static_cast<A>(n))));

            mp s, s_abs, mu, dev, ss;
            oracle_sum(x.data(), n, s, s_abs);
            mpfr_div_ui(mu.v, s.v, static_cast<unsigned long>(n), MPFR_RNDN);
            for (const T& v : x) {
                mpfr_set_d(dev.v, as_double(v), MPFR_RNDN);
                mpfr_sub(dev.v, dev.v, mu.v, MPFR_RNDN);
                mpfr_sqr(dev.v, dev.v, MPFR_RNDN);
                mpfr_add(ss.v, ss.v, dev.v, MPFR_RNDN);
            }
            // Mean: the sum's gamma_h plus the division's rounding.
            const int h = tree_height<A>(n);
            const double mean_err = gamma_n<A>(h + 1) * up(s_abs) / static_cast<double>(n) * (1 + 1e-9);
            CHECK(error_of(mean, mu) <= mean_err);

            // Two-pass: sum (x_i - m)^2 = S + n (mu - m)^2 with |mu - m| <= mean_err;
            // each term then meets the subtraction, the square, the tree and the
            // division: relative gamma_{h+4}.
            for (const std::size_t ddof : {std::size_t(0), std::size_t(1)}) {
                if (n <= ddof) continue;
                mp want;
                mpfr_div_ui(want.v, ss.v, static_cast<unsigned long>(n - ddof), MPFR_RNDN);
                const double shift = static_cast<double>(n) * mean_err * mean_err;
                const double bound =
                    (gamma_n<A>(h + 4) * (up(ss) + shift) + shift) / static_cast<double>(n - ddof) * (1 + 1e-9) +
                    std::numeric_limits<A>::denorm_min();
                CAPTURE(ddof);
                CHECK(error_of(repro::variance(x.data(), n, ddof), want) <= bound);
            }
        }
    }
}

TEST_CASE_TEMPLATE("mean and variance are NaN without enough values", T, float, double, Eigen::half, Eigen::bfloat16) {
    const std::vector<T> x = random_values<T>(8, 0x5eed0611, -4, 4);
    CHECK(repro::is_nan(repro::mean(x.data(), 0)));
    CHECK(repro::is_nan(repro::variance(x.data(), 0)));
    CHECK(repro::is_nan(repro::variance(x.data(), 0, 0)));
    CHECK(repro::is_nan(repro::variance(x.data(), 1, 1)));
    CHECK(repro::is_nan(repro::variance(x.data(), 2, 2)));
    CHECK(repro::is_nan(repro::variance(x.data(), 3, 7)));
    CHECK(bits_of(repro::variance(x.data(), 1)) == 0);
    CHECK_FALSE(repro::is_nan(repro::variance(x.data(), 2, 1)));
}

TEST_CASE_TEMPLATE("the variance of constant data is exactly 0", T, float, double, Eigen::half, Eigen::bfloat16) {
    // The mean is the correctly rounded exact mean, which is c itself for
    // n copies of c, so every deviation is 0 - whatever c's bits.
    splitmix64 g(0x5eed0621);
    const std::size_t sizes[] = {1, 2, 3, 5, 7, 33, 100, 1000, 4097, 10000};
    for (int k = 0; k < 32; ++k) {
        const T c = repro_test::random_finite<T>(g, exponent_bias<T>() - 6, exponent_bias<T>() + 6);
        for (const std::size_t n : sizes) {
            const std::vector<T> x(n, c);
            CAPTURE(widen(c));
            CAPTURE(n);
            CHECK(bits_of(repro::variance(x.data(), n)) == 0);
            if (n > 1) CHECK(bits_of(repro::variance(x.data(), n, 1)) == 0);
        }
    }
}

// ---------------------------------------------------------------------------
// max, min, argmax, argmin.

namespace {

// The total order the contract asks for among non-NaN values: -0 below +0.
template <class T>
bool ordered_less(T a, T b) {
    const auto wa = widen(a), wb = widen(b);
    return wa < wb || (wa == wb && repro::sign_bit(a) && !repro::sign_bit(b));
}

template <class T>
std::size_t first_nan(const T* x, std::size_t n) {
    return static_cast<std::size_t>(std::find_if(x, x + n, [](T v) { return repro::is_nan(v); }) - x);
}

// First NaN if any, else the first largest (std::max_element keeps the first).
template <class T>
std::size_t reference_argmax(const T* x, std::size_t n) {
    const std::size_t nan = first_nan(x, n);
    return nan < n ? nan : static_cast<std::size_t>(std::max_element(x, x + n, ordered_less<T>) - x);
}

template <class T>
std::size_t reference_argmin(const T* x, std::size_t n) {
    const std::size_t nan = first_nan(x, n);
    return nan < n ? nan : static_cast<std::size_t>(std::min_element(x, x + n, ordered_less<T>) - x);
}

template <class T>
void check_extremes(const std::vector<T>& x) {
    const std::size_t n = x.size();
    const std::size_t imax = reference_argmax(x.data(), n), imin = reference_argmin(x.data(), n);
    CAPTURE(n);
    REQUIRE(repro::argmax(x.data(), n) == imax);
    REQUIRE(repro::argmin(x.data(), n) == imin);
    REQUIRE(bits_of(repro::max(x.data(), n)) == bits_of(x[imax]));
    REQUIRE(bits_of(repro::min(x.data(), n)) == bits_of(x[imin]));
}

}  // namespace

TEST_CASE_TEMPLATE("max, min, argmax and argmin agree with std::max_element references", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    static_assert(std::is_same<decltype(repro::max(static_cast<const T*>(nullptr), 0)), T>::value, "max returns T");
    splitmix64 g(0x5eed0701);
    std::vector<std::size_t> sizes;
    for (std::size_t n = 1; n <= 70; ++n) sizes.push_back(n);
    sizes.insert(sizes.end(), {127, 128, 129, 255, 256, 257, 4095, 4096, 4097, 10001});
    for (const std::size_t n : sizes) {
        for (int kind = 0; kind < 4; ++kind) {
            CAPTURE(kind);
            std::vector<T> x(n);
            for (auto& v : x) {
                if (kind == 1) {
                    v = repro_test::random_finite<T>(g, 1, 2 * exponent_bias<T>());
                } else {
                    // Few distinct values: ties everywhere, zeros of both signs.
                    const int k = static_cast<int>(g.below(9)) - 4;
                    v = k == 0 && g.below(2) == 0 ? negated(T(0.0f)) : small_int<T>(k);
                }
            }
            if (kind == 2)  // NaNs with different payloads and signs
                for (unsigned k = 1; k <= 3; ++k) x[g.below(n)] = quiet_nan<T>(k, k == 2);
            if (kind == 3) {  // infinities
                x[g.below(n)] = infinity<T>();
                x[g.below(n)] = negated(infinity<T>());
            }
            check_extremes(x);
        }
    }
}

TEST_CASE_TEMPLATE("extremes: ties go to the lowest index, +0 beats -0, the first NaN wins", T, float, double,
                   Eigen::half, Eigen::bfloat16) {
    const T p0 = T(0.0f), m0 = negated(p0);
    auto v = [](std::initializer_list<int> ks) {
        std::vector<T> r;
        for (const int k : ks) r.push_back(small_int<T>(k));
        return r;
    };
    const auto ties = v({1, 3, 3, 2, 3, -5, -5});
    CHECK(repro::argmax(ties.data(), ties.size()) == 1);
    CHECK(repro::argmin(ties.data(), ties.size()) == 5);

    for (const auto& zeros : {std::vector<T>{p0, m0}, std::vector<T>{m0, p0}, std::vector<T>{m0, m0, p0, p0}}) {
        const std::size_t n = zeros.size();
        CHECK(bits_of(repro::max(zeros.data(), n)) == bits_of(p0));
        CHECK(bits_of(repro::min(zeros.data(), n)) == bits_of(m0));
        CHECK(repro::sign_bit(zeros[repro::argmax(zeros.data(), n)]) == false);
        CHECK(repro::sign_bit(zeros[repro::argmin(zeros.data(), n)]) == true);
    }
    const std::vector<T> zeros4 = {m0, m0, p0, p0};
    CHECK(repro::argmax(zeros4.data(), 4) == 2);
    CHECK(repro::argmin(zeros4.data(), 4) == 0);

    // A NaN anywhere, even after the largest value, in any lane.
    std::vector<T> x = v({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    x.resize(100, small_int<T>(-1));
    x[70] = quiet_nan<T>(5);
    x[90] = quiet_nan<T>(6, true);
    CHECK(repro::argmax(x.data(), x.size()) == 70);
    CHECK(repro::argmin(x.data(), x.size()) == 70);
    CHECK(bits_of(repro::max(x.data(), x.size())) == bits_of(x[70]));
    CHECK(bits_of(repro::min(x.data(), x.size())) == bits_of(x[70]));
}

TEST_CASE_TEMPLATE("extremes of zero values are refused", T, float, double, Eigen::half, Eigen::bfloat16) {
    const std::vector<T> x(4, small_int<T>(1));
    CHECK_THROWS_AS(repro::max(x.data(), 0), std::invalid_argument);
    CHECK_THROWS_AS(repro::min(x.data(), 0), std::invalid_argument);
    CHECK_THROWS_AS(repro::argmax(x.data(), 0), std::invalid_argument);
    CHECK_THROWS_AS(repro::argmin(x.data(), 0), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// NaN and infinity in sums.

TEST_CASE_TEMPLATE("a NaN, inf - inf or inf * 0 makes sum and dot NaN; a lone inf stays", T, float, double, Eigen::half,
                   Eigen::bfloat16) {
    const std::size_t sizes[] = {1, 2, 33, 4097, 10000};
    const repro::threads three{3};
    for (const std::size_t n : sizes) {
        for (const std::size_t pos : {std::size_t(0), n / 2, n - 1}) {
            CAPTURE(n);
            CAPTURE(pos);
            const auto clean_x = random_values<T>(n, 0x5eed0801 + n, -4, 4);
            const auto clean_y = random_values<T>(n, 0x5eed0802 + n, -4, 4);
            auto x = clean_x, y = clean_y;
            x[pos] = quiet_nan<T>(1);
            CHECK(repro::is_nan(repro::sum(x.data(), n)));
            CHECK(repro::is_nan(repro::sum(x.data(), n, three)));
            CHECK(repro::is_nan(repro::sum_compensated(x.data(), n)));
            CHECK(repro::is_nan(repro::dot(x.data(), y.data(), n)));
            CHECK(repro::is_nan(repro::dot(y.data(), x.data(), n, three)));
            CHECK(repro::is_nan(repro::dot_compensated(y.data(), x.data(), n)));
            CHECK(repro::is_nan(repro::mean(x.data(), n)));

            x = clean_x;
            x[pos] = infinity<T>();
            y[pos] = small_int<T>(-2);
            CHECK(repro::sum(x.data(), n) == std::numeric_limits<acc_t<T>>::infinity());
            CHECK(repro::sum(x.data(), n, three) == std::numeric_limits<acc_t<T>>::infinity());
            CHECK(repro::dot(x.data(), y.data(), n) == -std::numeric_limits<acc_t<T>>::infinity());
            y[pos] = T(0.0f);
            CHECK(repro::is_nan(repro::dot(x.data(), y.data(), n)));
            CHECK(repro::is_nan(repro::dot_compensated(x.data(), y.data(), n)));
            if (n < 2) continue;
            const std::size_t other = pos == 0 ? n - 1 : 0;
            x[other] = negated(infinity<T>());
            CHECK(repro::is_nan(repro::sum(x.data(), n)));
            CHECK(repro::is_nan(repro::sum(x.data(), n, three)));
            CHECK(repro::is_nan(repro::sum_compensated(x.data(), n)));
            CHECK(repro::is_nan(repro::sum_compensated(x.data(), n, three)));
            y = clean_y;
            y[pos] = magnitude(y[pos]);
            y[other] = magnitude(y[other]);
            CHECK(repro::is_nan(repro::dot(x.data(), y.data(), n)));
            CHECK(repro::is_nan(repro::dot_compensated(x.data(), y.data(), n)));
        }
    }
}

// ---------------------------------------------------------------------------
// Bad arguments.

TEST_CASE("a null pointer with n > 0 is refused with the function's name") {
    const float* null = nullptr;
    const double* dnull = nullptr;
    const float one[3] = {1, 2, 3};
    const repro::threads two{2};
    CHECK(contains(message_of([&] { (void)repro::sum(null, 3); }), "repro::sum"));
    CHECK(contains(message_of([&] { (void)repro::sum(dnull, 3); }), "repro::sum"));
    CHECK(contains(message_of([&] { (void)repro::sum(null, 3, two); }), "repro::sum"));
    CHECK(contains(message_of([&] { (void)repro::nrm2(null, 3); }), "repro::nrm2"));
    CHECK(contains(message_of([&] { (void)repro::mean(null, 3); }), "repro::mean"));
    CHECK(contains(message_of([&] { (void)repro::variance(null, 3); }), "repro::variance"));
    CHECK(contains(message_of([&] { (void)repro::max(null, 3); }), "repro::max"));
    CHECK(contains(message_of([&] { (void)repro::min(null, 3); }), "repro::min"));
    CHECK(contains(message_of([&] { (void)repro::argmax(null, 3); }), "repro::argmax"));
    CHECK(contains(message_of([&] { (void)repro::argmin(null, 3); }), "repro::argmin"));
    CHECK(contains(message_of([&] { (void)repro::sum_compensated(null, 3); }), "repro::sum_compensated"));
    CHECK(contains(message_of([&] { (void)repro::sum_compensated(null, 3, two); }), "repro::sum_compensated"));
    const Eigen::half* hnull = nullptr;
    CHECK(contains(message_of([&] { (void)repro::sum(hnull, 3); }), "repro::sum"));

    // dot names which argument is null.
    const std::string x_null = message_of([&] { (void)repro::dot(null, one, 3); });
    const std::string y_null = message_of([&] { (void)repro::dot(one, null, 3); });
    CHECK(contains(x_null, "repro::dot"));
    CHECK(contains(y_null, "repro::dot"));
    CHECK(contains(x_null, "x"));
    CHECK(contains(y_null, "y"));
    CHECK(x_null != y_null);
    CHECK(contains(message_of([&] { (void)repro::dot(one, null, 3, two); }), "repro::dot"));
    CHECK(contains(message_of([&] { (void)repro::dot_compensated(null, one, 3); }), "repro::dot_compensated"));
    CHECK(contains(message_of([&] { (void)repro::dot_compensated(one, null, 3, two); }), "repro::dot_compensated"));

    // n == 0 reads nothing, so a null pointer is fine there.
    CHECK_NOTHROW((void)repro::sum(null, 0));
    CHECK(bits_of(repro::sum(null, 0)) == 0);
    CHECK(bits_of(repro::dot(null, null, 0)) == 0);
    CHECK(bits_of(repro::sum(null, 0, two)) == 0);
    CHECK(bits_of(repro::sum_compensated(null, 0)) == 0);
    CHECK(bits_of(repro::dot_compensated(null, null, 0)) == 0);
    CHECK(repro::nrm2(null, 0) == 0);
}

TEST_CASE("zero threads are refused") {
    const std::vector<float> x(100, 1.0f);
    const repro::threads none{0};
    CHECK_THROWS_AS(repro::sum(x.data(), x.size(), none), std::invalid_argument);
    CHECK_THROWS_AS(repro::dot(x.data(), x.data(), x.size(), none), std::invalid_argument);
    CHECK_THROWS_AS(repro::sum_compensated(x.data(), x.size(), none), std::invalid_argument);
    CHECK_THROWS_AS(repro::dot_compensated(x.data(), x.data(), x.size(), none), std::invalid_argument);
    CHECK_THROWS_AS(repro::sum(x.data(), 0, none), std::invalid_argument);
}

TEST_CASE("container overloads match the pointer forms; dot refuses different sizes, naming both") {
    const auto xf = random_values<float>(1000, 0x5eed0901, -8, 8);
    const auto yf = random_values<float>(1000, 0x5eed0902, -8, 8);
    CHECK(bits_of(repro::sum(xf)) == bits_of(repro::sum(xf.data(), xf.size())));
    CHECK(bits_of(repro::dot(xf, yf)) == bits_of(repro::dot(xf.data(), yf.data(), xf.size())));
    const auto xd = random_values<double>(77, 0x5eed0903, -8, 8);
    CHECK(bits_of(repro::sum(xd)) == bits_of(repro::sum(xd.data(), xd.size())));
    const std::array<double, 5> a = {1.5, -2.25, 3.0, 1e-3, 7.0};
    CHECK(bits_of(repro::sum(a)) == bits_of(repro::sum(a.data(), a.size())));
    CHECK(bits_of(repro::sum(std::vector<float>{})) == 0);

    const std::vector<float> five(5, 1.0f), seven(7, 1.0f);
    const std::string msg = message_of([&] { (void)repro::dot(five, seven); });
    CHECK(contains(msg, "repro::dot"));
    CHECK(contains(msg, "5"));
    CHECK(contains(msg, "7"));
    CHECK_THROWS_AS(repro::dot(seven, five), std::invalid_argument);
}
