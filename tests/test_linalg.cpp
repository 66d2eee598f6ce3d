// repro/linalg.hpp: matmul, matmul_bt and linear. The documented order (one
// fma chain per element, k ascending from +0) is recomputed here with
// std::fma and must match bit for bit on both ISA paths and every thread
// count; a row's output must not move with the batch around it; matmul_bt and
// linear must be the compositions they are documented as; accuracy is
// measured against MPFR within the a-priori bound of a sequential fma chain;
// then bad arguments, empty shapes and non-finite values.

// Small products run on one thread by default; here every product may use
// the threads asked for, so the thread splits are tested on small shapes too.
#define REPRO_GEMM_MIN_THREADED_FMAS 0

#include <doctest/doctest.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/linalg.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/bit_checks.hpp"

using namespace repro_test;

namespace {

// ---- the documented order, written from its description ----

// C[i][j] = c_K, c_0 = +0, c_{k+1} = fma(A[i][k], B[k][j], c_k).
template <class T>
std::vector<T> fma_chain(const T* A, const T* B, std::size_t M, std::size_t K, std::size_t N) {
    std::vector<T> C(M * N);
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
            T c = T(0);
            for (std::size_t k = 0; k < K; ++k) c = std::fma(A[i * K + k], B[k * N + j], c);
            C[i * N + j] = c;
        }
    return C;
}

// Two other orders of the same products, to show that the data can tell
// orders apart: the chain with k descending, and unfused multiply-then-add
// (the product kept a separate rounding with repro::mul_rn).
template <class T>
std::vector<T> reversed_chain(const T* A, const T* B, std::size_t M, std::size_t K, std::size_t N) {
    std::vector<T> C(M * N);
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
            T c = T(0);
            for (std::size_t k = K; k-- > 0;) c = std::fma(A[i * K + k], B[k * N + j], c);
            C[i * N + j] = c;
        }
    return C;
}

template <class T>
std::vector<T> unfused_chain(const T* A, const T* B, std::size_t M, std::size_t K, std::size_t N) {
    std::vector<T> C(M * N);
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
            T c = T(0);
            for (std::size_t k = 0; k < K; ++k) c = c + repro::mul_rn(A[i * K + k], B[k * N + j]);
            C[i * N + j] = c;
        }
    return C;
}

template <class T>
std::vector<T> transposed(const std::vector<T>& X, std::size_t rows, std::size_t cols) {
    std::vector<T> Y(rows * cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) Y[c * rows + r] = X[r * cols + c];
    return Y;
}

// Restores the ISA cap found at construction.

// C filled with a NaN first, so that an element left unwritten shows.
template <class T>
std::vector<T> run_matmul(const std::vector<T>& A, const std::vector<T>& B, std::size_t M, std::size_t K, std::size_t N,
                          unsigned t) {
    std::vector<T> C(M * N, quiet_nan<T>());
    repro::matmul(A.data(), B.data(), C.data(), M, K, N, repro::threads{t});
    return C;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    return 0x11a1a9ull + 1000003ull * (a + 1009ull * (b + 1013ull * c));
}

}  // namespace

// ---------------------------------------------------------------------------
// (1) The documented order, bit for bit.

namespace {

struct chain_counts {
    std::size_t compared = 0, differs_reversed = 0, differs_unfused = 0;
};

// matmul against the fma chain for every shape of Ms x Ks x Ns, on both ISA
// paths and 1-4 threads; counts how often other orders would have differed.
template <class T>
chain_counts check_chains(std::initializer_list<std::size_t> Ms, std::initializer_list<std::size_t> Ks,
                          std::initializer_list<std::size_t> Ns) {
    const isa_restorer restore;
    chain_counts n;
    for (const std::size_t K : Ks)
        for (const std::size_t N : Ns) {
            const auto B = random_matrix<T>(K, N, mix(0, K, N));
            for (const std::size_t M : Ms) {
                const auto A = random_matrix<T>(M, K, mix(M, K, N));
                const auto want = fma_chain(A.data(), B.data(), M, K, N);
                if (K >= 7) {
                    const auto rev = reversed_chain(A.data(), B.data(), M, K, N);
                    const auto unf = unfused_chain(A.data(), B.data(), M, K, N);
                    for (std::size_t e = 0; e < want.size(); ++e) {
                        ++n.compared;
                        n.differs_reversed += !same(rev[e], want[e]);
                        n.differs_unfused += !same(unf[e], want[e]);
                    }
                }
                for (const repro::isa cap : every_isa()) {
                    repro::limit_isa(cap);
                    for (unsigned t = 1; t <= 4; ++t) {
                        const auto got = run_matmul(A, B, M, K, N, t);
                        const std::size_t at = first_difference(got, want);
                        if (at != npos) {
                            CAPTURE(isa_name());
                            CAPTURE(M);
                            CAPTURE(K);
                            CAPTURE(N);
                            CAPTURE(t);
                            CAPTURE(at / N);
                            CAPTURE(at % N);
                            CAPTURE(got[at]);
                            CAPTURE(want[at]);
                            FAIL("matmul differs from the fma chain");
                        }
                    }
                }
            }
        }
    // The data is rounding-sensitive: another order would have shown.
    CAPTURE(n.compared);
    CAPTURE(n.differs_reversed);
    CAPTURE(n.differs_unfused);
    CHECK(n.differs_reversed * 4 >= n.compared);
    CHECK(n.differs_unfused * 4 >= n.compared);
    return n;
}

}  // namespace

TEST_CASE("every instruction set the CPU has is among those the tests run") {
    const auto v = every_isa();
    const bool avx512 = std::find(v.begin(), v.end(), repro::isa::avx512) != v.end();
    CHECK(v.front() == repro::isa::generic);
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    CHECK(avx512 == (__builtin_cpu_supports("avx512f") != 0));
#endif
    if (!avx512) MESSAGE("no AVX-512 on this CPU: the AVX-512 kernels are compiled but not run here");
}

TEST_CASE_TEMPLATE("every element of matmul is the fma chain over k ascending from +0, on every ISA and 1-4 threads", T,
                   float, double) {
    // Both sides of every switch between paths (B in place below 32 rows, 1 x 8
    // tiles below 4 or 6 rows), of the 4-, 6- and 12-row tiles, the 96-row blocks,
    // the k blocks of B in place (32; 8 below 4 rows), the column panels (AVX2
    // 8/16/24/64 floats, 4/8/12/32 doubles; AVX-512 64/128 floats, 32/64
    // doubles) and their leftovers, 1 to 8 registers of them.
    check_chains<T>({0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 31, 32, 33, 95, 96, 97}, {0, 1, 2, 7, 16, 31, 64, 129, 257},
                    {1, 2, 3, 7, 8, 9, 15, 16, 17, 26, 31, 32, 33, 44, 50, 63, 64, 65, 127, 129});
}

TEST_CASE_TEMPLATE("long rows stay one fma chain across the packed k blocks and column groups", T, float, double) {
    // k blocks of 512 when B is packed; packed column groups of 256 floats /
    // 128 doubles, several per thread.
    check_chains<T>({1, 5, 8, 33, 100}, {511, 513, 1030}, {300, 530});
}

TEST_CASE_TEMPLATE("chains start from +0: -0 products and K = 0 give +0, never -0", T, float, double) {
    const isa_restorer restore;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        for (const std::size_t M : {std::size_t(1), std::size_t(5), std::size_t(6), std::size_t(13)})
            for (const std::size_t N : {std::size_t(3), std::size_t(17), std::size_t(65)}) {
                const std::size_t K = 9;
                // Every product is -0 (-0 times positive, +0 times negative):
                // from -0 the chain would stay -0; from +0 it is +0.
                std::vector<T> A(M * K), B = random_matrix<T>(K, N, mix(M, K, N));
                for (std::size_t k = 0; k < K; ++k)
                    for (std::size_t j = 0; j < N; ++j) B[k * N + j] = std::fabs(B[k * N + j]);
                for (std::size_t i = 0; i < M; ++i)
                    for (std::size_t k = 0; k < K; ++k) A[i * K + k] = -T(0);
                for (unsigned t : {1u, 3u}) {
                    const auto C = run_matmul(A, B, M, K, N, t);
                    CAPTURE(isa_name());
                    CAPTURE(M);
                    CAPTURE(N);
                    for (const T c : C) REQUIRE(repro::bitwise_equal(c, T(0)));
                    // K = 0: C = +0 (every element written).
                    const auto C0 = run_matmul(A, B, M, 0, N, t);
                    for (const T c : C0) REQUIRE(repro::bitwise_equal(c, T(0)));
                }
            }
    }
}

// ---------------------------------------------------------------------------
// (2) Batch invariance.

namespace {

// One batch configuration: B (K x N), a fixed target row and a pool of other
// rows, each with its result at M = 1 on one thread.
template <class T>
struct batch_setup {
    std::size_t K, N;
    std::vector<T> B, target, target_alone;
    std::vector<std::vector<T>> pool, pool_alone;

    batch_setup(std::size_t k, std::size_t n, std::size_t pool_size, std::uint64_t seed) : K(k), N(n) {
        B = random_matrix<T>(K, N, seed);
        target = random_matrix<T>(1, K, seed + 1);
        target_alone = run_matmul(target, B, 1, K, N, 1);
        for (std::size_t p = 0; p < pool_size; ++p) {
            pool.push_back(random_matrix<T>(1, K, seed + 2 + p));
            pool_alone.push_back(run_matmul(pool.back(), B, 1, K, N, 1));
        }
    }

    // A batch of M rows: the target at every position p with p % stride ==
    // phase, a random pool row (with replacement) everywhere else. Every row's
    // output must be its M = 1 result, bit for bit. Returns false on the first
    // mismatch (after recording it).
    bool check(std::size_t M, std::size_t stride, std::size_t phase, unsigned t, splitmix64& g) const {
        std::vector<T> A(M * K);
        std::vector<const std::vector<T>*> alone(M);
        for (std::size_t p = 0; p < M; ++p) {
            const std::vector<T>* row;
            if (p % stride == phase) {
                row = &target;
                alone[p] = &target_alone;
            } else {
                const std::size_t q = static_cast<std::size_t>(g.below(pool.size()));
                row = &pool[q];
                alone[p] = &pool_alone[q];
            }
            std::copy(row->begin(), row->end(), A.begin() + static_cast<std::ptrdiff_t>(p * K));
        }
        const auto C = run_matmul(A, B, M, K, N, t);
        for (std::size_t p = 0; p < M; ++p) {
            const std::size_t at = first_difference(C.data() + p * N, alone[p]->data(), N);
            if (at != npos) {
                CAPTURE(isa_name());
                CAPTURE(K);
                CAPTURE(N);
                CAPTURE(M);
                CAPTURE(t);
                CAPTURE(p);
                CAPTURE(p % stride == phase);
                CAPTURE(at);
                FAIL_CHECK("a row's output depends on the batch around it");
                return false;
            }
        }
        return true;
    }
};

// The target goes to every position p < M of every M = 1..70 on one thread
// (seven batches per M, the target every 7th row - 7 is coprime with the
// 6-row tiles, so the copies fall on every row of a tile - the rows between
// them random); on 2..4 threads one batch per M with the target at a phase
// that moves with M and t; then M = 256 and 1000 on 1..4 threads. All rows
// of every batch are checked against their M = 1 results, so every position
// of every batch is checked.
template <class T>
void sweep_batches(const batch_setup<T>& s, std::uint64_t seed) {
    splitmix64 g(seed);
    constexpr std::size_t stride = 7;
    for (std::size_t M = 1; M <= 70; ++M)
        for (std::size_t phase = 0; phase < std::min(M, stride); ++phase) REQUIRE(s.check(M, stride, phase, 1, g));
    for (unsigned t = 2; t <= 4; ++t)
        for (std::size_t M = 1; M <= 70; ++M) REQUIRE(s.check(M, stride, (M + t) % std::min(M, stride), t, g));
    for (const std::size_t M : {std::size_t(256), std::size_t(1000)})
        for (unsigned t = 1; t <= 4; ++t) REQUIRE(s.check(M, stride, (M + t) % stride, t, g));
}

}  // namespace

TEST_CASE("a float row of matmul is bitwise the same at every batch size, position and thread count") {
    // K = N = 1024 (whole panels), and an N with leftover columns (1037 = 64
    // 16-column panels + one 8-column panel + 5 columns in a zero-padded one).
    const batch_setup<float> big(1024, 1024, 24, 0xba7c4001);
    sweep_batches(big, 0xba7c4002);
    const batch_setup<float> ragged(257, 1037, 24, 0xba7c4003);
    sweep_batches(ragged, 0xba7c4004);
}

TEST_CASE("a double row of matmul is bitwise the same at every batch size, position and thread count") {
    // 263 = 32 8-column panels + one 4-column panel + 3 columns in a zero-padded one.
    const batch_setup<double> s(512, 263, 24, 0xba7c4011);
    sweep_batches(s, 0xba7c4012);
}

TEST_CASE_TEMPLATE("on the generic path too a row is the same at every batch size, position and thread count", T, float,
                   double) {
    const isa_restorer restore;
    repro::limit_isa(repro::isa::generic);
    const batch_setup<T> s(100, 37, 8, 0xba7c4021);
    splitmix64 g(0xba7c4022);
    for (std::size_t M = 1; M <= 20; ++M)
        for (unsigned t = 1; t <= 4; ++t) REQUIRE(s.check(M, 7, (M + t) % std::min<std::size_t>(M, 7), t, g));
}

// ---------------------------------------------------------------------------
// (3) matmul_bt and linear are the compositions they are documented as.

TEST_CASE_TEMPLATE("matmul_bt(A, Bt) is bitwise matmul(A, Bt^T)", T, float, double) {
    const isa_restorer restore;
    // M 1-3 takes the register-transpose path: K = 12 and 24 end on a block
    // that is not a whole cache line, 7 and 129 on leftover values of k; N
    // 33, 65 and 129 leave single groups and leftover columns
    const std::size_t Ms[] = {1, 2, 3, 5, 6, 7, 13, 49, 97};
    const std::size_t Ks[] = {0, 1, 7, 12, 24, 64, 129};
    const std::size_t Ns[] = {1, 7, 8, 9, 17, 33, 64, 65, 129};
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        for (const std::size_t M : Ms)
            for (const std::size_t K : Ks)
                for (const std::size_t N : Ns) {
                    const auto A = random_matrix<T>(M, K, mix(M, K, N) + 7);
                    const auto Bt = random_matrix<T>(N, K, mix(M, K, N) + 8);
                    const auto B = transposed(Bt, N, K);
                    for (unsigned t : {1u, 3u}) {
                        const auto want = run_matmul(A, B, M, K, N, t);
                        std::vector<T> got(M * N, quiet_nan<T>());
                        repro::matmul_bt(A.data(), Bt.data(), got.data(), M, K, N, repro::threads{t});
                        CAPTURE(isa_name());
                        CAPTURE(M);
                        CAPTURE(K);
                        CAPTURE(N);
                        CAPTURE(t);
                        REQUIRE(first_difference(got, want) == npos);
                    }
                }
    }
}

namespace {

// The activations as documented: relu keeps x > 0 and NaN and gives +0
// otherwise (-0 and negatives included); the others are repro::math's.
template <class T>
T activated(T v, repro::activation a) {
    switch (a) {
        case repro::activation::none:
            return v;
        case repro::activation::relu:
            if (repro::is_nan(v)) return v;
            return v > T(0) ? v : T(0);
        case repro::activation::sigmoid:
            return repro::math::sigmoid(v);
        case repro::activation::tanh:
            return repro::math::tanh(v);
        case repro::activation::silu:
            return repro::math::silu(v);
        case repro::activation::gelu:
            return repro::math::gelu(v);
        case repro::activation::gelu_tanh:
            return repro::math::gelu_tanh(v);
    }
    return v;
}

const repro::activation all_activations[] = {
    repro::activation::none, repro::activation::relu, repro::activation::sigmoid,  repro::activation::tanh,
    repro::activation::silu, repro::activation::gelu, repro::activation::gelu_tanh};

}  // namespace

TEST_CASE_TEMPLATE("linear is matmul_bt, then one addition of b[j], then the activation (b may be null)", T, float,
                   double) {
    const isa_restorer restore;
    const std::size_t in = 37, out = 70;
    std::size_t negative_pre = 0, nan_pre = 0;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        for (const std::size_t M : {std::size_t(1), std::size_t(5), std::size_t(6), std::size_t(13), std::size_t(50)}) {
            auto x = random_matrix<T>(M, in, mix(M, in, out) + 1, -3, 1);
            const auto W = random_matrix<T>(out, in, mix(M, in, out) + 2, -3, 1);
            const auto b = random_matrix<T>(1, out, mix(M, in, out) + 3, -2, 2);
            // Specials in the last row (M > 1): a NaN, an infinity.
            if (M > 1) {
                x[(M - 1) * in + 3] = quiet_nan<T>();
                x[(M - 2) * in + 5] = infinity<T>();
            }
            std::vector<T> C(M * out);
            repro::matmul_bt(x.data(), W.data(), C.data(), M, in, out);
            for (const bool with_bias : {true, false})
                for (const repro::activation act : all_activations)
                    for (unsigned t : {1u, 2u, 4u}) {
                        std::vector<T> y(M * out, quiet_nan<T>());
                        repro::linear(x.data(), W.data(), with_bias ? b.data() : nullptr, y.data(), M, in, out, act,
                                      repro::threads{t});
                        for (std::size_t i = 0; i < M; ++i)
                            for (std::size_t j = 0; j < out; ++j) {
                                const T pre = with_bias ? C[i * out + j] + b[j] : C[i * out + j];
                                negative_pre += pre < T(0);
                                nan_pre += repro::is_nan(pre);
                                const T want = activated(pre, act);
                                if (!same(y[i * out + j], want)) {
                                    CAPTURE(isa_name());
                                    CAPTURE(static_cast<int>(act));
                                    CAPTURE(with_bias);
                                    CAPTURE(M);
                                    CAPTURE(t);
                                    CAPTURE(i);
                                    CAPTURE(j);
                                    CAPTURE(pre);
                                    CAPTURE(y[i * out + j]);
                                    CAPTURE(want);
                                    FAIL("linear differs from its documented composition");
                                }
                            }
                    }
        }
    }
    CHECK(negative_pre > 1000);  // relu's +0 branch was taken
    CHECK(nan_pre > 0);          // and its NaN branch
}

TEST_CASE_TEMPLATE("linear with linear_weights gives linear's bits: every path, leftover columns, 1-3 threads", T,
                   float, double) {
    const isa_restorer restore;
    // out = 1, 7, 8 (one register), 37 (panels + a padded one), 131; in
    // across the in-place and packed k blocks; M across the in-place (< 32)
    // and packed paths.
    for (const std::size_t out : {std::size_t(1), std::size_t(7), std::size_t(8), std::size_t(37), std::size_t(131)})
        for (const std::size_t in : {std::size_t(1), std::size_t(33), std::size_t(129), std::size_t(600)}) {
            const auto W = random_matrix<T>(out, in, mix(out, in, 9) + 1, -3, 1);
            const auto b = random_matrix<T>(1, out, mix(out, in, 9) + 2, -2, 2);
            const repro::linear_weights<T> packed(W.data(), out, in);
            CHECK(packed.in() == in);
            CHECK(packed.out() == out);
            for (const repro::isa cap : every_isa()) {
                repro::limit_isa(cap);
                for (const std::size_t M : {std::size_t(1), std::size_t(3), std::size_t(31), std::size_t(70)}) {
                    const auto x = random_matrix<T>(M, in, mix(M, in, out) + 3, -3, 1);
                    std::vector<T> want(M * out), got(M * out, quiet_nan<T>());
                    repro::linear(x.data(), W.data(), b.data(), want.data(), M, in, out, repro::activation::gelu);
                    repro::linear(x.data(), packed, b.data(), got.data(), M, repro::activation::gelu,
                                  repro::threads{1 + unsigned(M % 3)});
                    const std::size_t at = first_difference(got.data(), want.data(), got.size());
                    if (at != npos) {
                        CAPTURE(isa_name());
                        CAPTURE(M);
                        CAPTURE(in);
                        CAPTURE(out);
                        CAPTURE(at);
                        FAIL("linear_weights changed a bit");
                    }
                }
            }
        }
}

TEST_CASE("linear_weights refuses a null W with non-zero sizes") {
    const float* null_w = nullptr;
    CHECK_THROWS_AS(repro::linear_weights<float>(null_w, 3, 2), std::invalid_argument);
    CHECK_NOTHROW(repro::linear_weights<float>(null_w, 0, 2));
    CHECK_NOTHROW(repro::linear_weights<float>(null_w, 3, 0));
}

TEST_CASE_TEMPLATE("relu in linear gives +0 (not -0) for negative pre-activations and keeps NaN and +inf", T, float,
                   double) {
    const std::size_t M = 3, in = 2, out = 3;
    // x rows [1, 0], [0, inf], [-inf, 1]; W rows [-1, 0], [2, 0], [0, 0]; b = [0, 0, -0].
    const std::vector<T> x = {T(1), T(0), T(0), infinity<T>(), -infinity<T>(), T(1)};
    const std::vector<T> W = {T(-1), T(0), T(2), T(0), T(0), T(0)};
    const std::vector<T> b = {T(0), T(0), -T(0)};
    std::vector<T> y(M * out);
    repro::linear(x.data(), W.data(), b.data(), y.data(), M, in, out, repro::activation::relu);
    CHECK(repro::bitwise_equal(y[0], T(0)));  // -1 -> +0
    CHECK(repro::bitwise_equal(y[1], T(2)));
    CHECK(repro::bitwise_equal(y[2], T(0)));  // +0 + -0 = +0
    CHECK(repro::is_nan(y[3]));               // inf * 0 in every column of row 1
    CHECK(repro::is_nan(y[4]));
    CHECK(repro::is_nan(y[5]));
    CHECK(repro::bitwise_equal(y[6], infinity<T>()));  // -inf * -1
    CHECK(repro::bitwise_equal(y[7], T(0)));           // -inf -> +0
    CHECK(repro::is_nan(y[8]));                        // -inf * 0
}

// ---------------------------------------------------------------------------
// (4) Accuracy against MPFR.

namespace {

struct mp {
    mpfr_t v;
    explicit mp(mpfr_prec_t bits) {
        mpfr_init2(v, bits);
        mpfr_set_zero(v, 1);
    }
    ~mp() { mpfr_clear(v); }
    mp(const mp&) = delete;
    mp& operator=(const mp&) = delete;
};

}  // namespace

// Bound. Write p_k = a_k b_k (exact) and u = 2^-24 (float) or 2^-53
// (double). Each fma rounds once: c_1 = p_1 (1 + d_1), c_k = (c_{k-1} + p_k)
// (1 + d_k), |d_k| <= u, as long as nothing underflows (the data below keeps
// every nonzero partial result far above the normal range's bottom: all are
// multiples of 2^-54 for float, 2^-112 for double). Unrolled, c_K =
// sum_k p_k prod_{j=k..K} (1 + d_j): term k meets K - k + 1 roundings, so
// (Higham, ASNA 2nd ed., Lemma 3.1)
//   |c_K - sum p_k| <= sum_k gamma_{K-k+1} |p_k|,  gamma_n = n u / (1 - n u),
// at most gamma_K sum |p_k|, i.e. about K u sum |a_k b_k|. The bound is
// evaluated in double (a relative 1e-9 of slack covers its own rounding).
TEST_CASE_TEMPLATE("matmul's error is within the a-priori bound of a sequential fma chain (MPFR oracle)", T, float,
                   double) {
    const double u = std::numeric_limits<T>::epsilon() / 2;
    const mpfr_prec_t exact_bits = 512;  // every partial sum below is exact at this precision
    const std::size_t M = 7, N = 37;
    double worst_ratio = 0;
    for (const std::size_t K :
         {std::size_t(1), std::size_t(2), std::size_t(16), std::size_t(100), std::size_t(1000), std::size_t(4097)}) {
        for (const bool positive : {false, true}) {
            auto A = random_matrix<T>(M, K, mix(M, K, N) + 21);
            auto B = random_matrix<T>(K, N, mix(M, K, N) + 22);
            if (positive) {
                for (auto& a : A) a = std::fabs(a);
                for (auto& v : B) v = std::fabs(v);
            }
            std::vector<T> C(M * N);
            repro::matmul(A.data(), B.data(), C.data(), M, K, N);
            mp exact(exact_bits), prod(exact_bits), diff(exact_bits);
            for (std::size_t i = 0; i < M; ++i)
                for (std::size_t j = 0; j < N; ++j) {
                    mpfr_set_zero(exact.v, 1);
                    double bound = 0;
                    for (std::size_t k = 0; k < K; ++k) {
                        const double a = static_cast<double>(A[i * K + k]), bb = static_cast<double>(B[k * N + j]);
                        mpfr_set_d(prod.v, a, MPFR_RNDN);
                        mpfr_mul_d(prod.v, prod.v, bb, MPFR_RNDN);
                        mpfr_add(exact.v, exact.v, prod.v, MPFR_RNDN);
                        const double n = static_cast<double>(K - k);
                        bound += n * u / (1 - n * u) * std::fabs(mpfr_get_d(prod.v, MPFR_RNDU));
                    }
                    bound *= 1 + 1e-9;
                    mpfr_set_d(diff.v, static_cast<double>(C[i * N + j]), MPFR_RNDN);
                    mpfr_sub(diff.v, diff.v, exact.v, MPFR_RNDN);
                    const double err = std::fabs(mpfr_get_d(diff.v, MPFR_RNDU));
                    if (!(err <= bound)) {
                        CAPTURE(K);
                        CAPTURE(positive);
                        CAPTURE(i);
                        CAPTURE(j);
                        CAPTURE(err);
                        CAPTURE(bound);
                        FAIL("error above the fma-chain bound");
                    }
                    if (K > 1) worst_ratio = std::max(worst_ratio, err / bound);
                }
        }
    }
    // The oracle sees the rounding errors (it is not comparing a value with itself).
    CAPTURE(worst_ratio);
    CHECK(worst_ratio > 0.01);
}

// ---------------------------------------------------------------------------
// (5) Bad arguments, empty shapes, non-finite values.

TEST_CASE_TEMPLATE("null pointers with non-zero sizes, overlapping outputs and threads{0} are refused", T, float,
                   double) {
    const std::size_t M = 4, K = 3, N = 5;
    const auto A = random_matrix<T>(M, K, 1), B = random_matrix<T>(K, N, 2), Bt = random_matrix<T>(N, K, 3);
    const auto b = random_matrix<T>(1, N, 4);
    std::vector<T> C(M * N);
    const T* none = nullptr;
    T* none_out = nullptr;
    using ia = std::invalid_argument;
    CHECK_THROWS_AS(repro::matmul(none, B.data(), C.data(), M, K, N), ia);
    CHECK_THROWS_AS(repro::matmul(A.data(), none, C.data(), M, K, N), ia);
    CHECK_THROWS_AS(repro::matmul(A.data(), B.data(), none_out, M, K, N), ia);
    CHECK_THROWS_AS(repro::matmul_bt(none, Bt.data(), C.data(), M, K, N), ia);
    CHECK_THROWS_AS(repro::matmul_bt(A.data(), none, C.data(), M, K, N), ia);
    CHECK_THROWS_AS(repro::matmul_bt(A.data(), Bt.data(), none_out, M, K, N), ia);
    CHECK_THROWS_AS(repro::linear(none, Bt.data(), b.data(), C.data(), M, K, N), ia);
    CHECK_THROWS_AS(repro::linear(A.data(), none, b.data(), C.data(), M, K, N), ia);
    CHECK_THROWS_AS(repro::linear(A.data(), Bt.data(), b.data(), none_out, M, K, N), ia);
    CHECK_THROWS_AS(repro::matmul(A.data(), B.data(), C.data(), M, K, N, repro::threads{0}), ia);
    CHECK_THROWS_AS(repro::matmul_bt(A.data(), Bt.data(), C.data(), M, K, N, repro::threads{0}), ia);
    CHECK_THROWS_AS(
        repro::linear(A.data(), Bt.data(), b.data(), C.data(), M, K, N, repro::activation::none, repro::threads{0}),
        ia);
    // Sizes whose product overflows std::size_t: std::length_error naming the
    // operand, before any pointer is read.
    const std::size_t huge = std::size_t(1) << 40;
    CHECK_THROWS_AS(repro::matmul(A.data(), B.data(), C.data(), huge, huge, N), std::length_error);
    CHECK_THROWS_AS(repro::matmul_bt(A.data(), Bt.data(), C.data(), M, huge, huge), std::length_error);
    try {
        repro::matmul(A.data(), B.data(), C.data(), huge, huge, N);
    } catch (const std::length_error& e) {
        CHECK(std::string(e.what()).find("repro::matmul: A") != std::string::npos);
    }
    // The message names the function and the argument.
    try {
        repro::matmul(A.data(), none, C.data(), M, K, N);
    } catch (const ia& e) {
        CHECK(std::string(e.what()).find("matmul") != std::string::npos);
        CHECK(std::string(e.what()).find("B") != std::string::npos);
    }

    // Overlap: C on top of A or B (wholly or by one element), y on the bias.
    std::vector<T> buf(200);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = T(static_cast<float>(i % 7) - 3);
    T* p = buf.data();
    // A = p[0, 12), B = p[12, 27), C (20 elements) placed to touch them.
    CHECK_THROWS_AS(repro::matmul(p, p + 12, p, M, K, N), ia);            // C == A
    CHECK_THROWS_AS(repro::matmul(p, p + 12, p + 11, M, K, N), ia);       // last element of A
    CHECK_THROWS_AS(repro::matmul(p, p + 12, p + 26, M, K, N), ia);       // last element of B
    CHECK_THROWS_AS(repro::matmul(p + 30, p + 60, p + 21, M, K, N), ia);  // C ends inside A
    CHECK_THROWS_AS(repro::matmul(p + 30, p + 60, p + 42, M, K, N), ia);  // C runs into B
    CHECK_THROWS_AS(repro::matmul_bt(p, p + 12, p + 20, M, K, N), ia);
    CHECK_THROWS_AS(repro::linear(p, p + 12, p + 100, p + 20, M, K, N), ia);
    CHECK_THROWS_AS(repro::linear(p, p + 12, p + 100, p + 90, M, K, N), ia);   // y over b
    CHECK_THROWS_AS(repro::linear(p, p + 12, p + 100, p + 104, M, K, N), ia);  // b's tail
    // Adjacent is not overlapping: C right after B, right before A.
    CHECK_NOTHROW(repro::matmul(p, p + 12, p + 27, M, K, N));
    CHECK_NOTHROW(repro::matmul(p + 20, p + 32, p, M, K, N));
    CHECK_NOTHROW(repro::linear(p, p + 12, p + 100, p + 80, M, K, N));
    CHECK_NOTHROW(repro::linear(p, p + 12, p + 100, p + 105, M, K, N));
}

TEST_CASE_TEMPLATE("zero-sized shapes: M = 0 and N = 0 write nothing, K = 0 gives C = +0; null is fine there", T, float,
                   double) {
    const isa_restorer restore;
    const T* none = nullptr;
    T* none_out = nullptr;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        for (unsigned t : {1u, 4u}) {
            const repro::threads th{t};
            CAPTURE(isa_name());
            // Everything null and empty.
            CHECK_NOTHROW(repro::matmul(none, none, none_out, 0, 0, 0, th));
            CHECK_NOTHROW(repro::matmul_bt(none, none, none_out, 0, 0, 0, th));
            CHECK_NOTHROW(repro::linear(none, none, none, none_out, 0, 0, 0, repro::activation::relu, th));
            // M = 0: A and C may be null; B is not read.
            const auto B = random_matrix<T>(4, 9, 5);
            CHECK_NOTHROW(repro::matmul(none, B.data(), none_out, 0, 4, 9, th));
            CHECK_NOTHROW(repro::matmul_bt(none, B.data(), none_out, 0, 4, 9, th));
            CHECK_NOTHROW(repro::linear(none, B.data(), none, none_out, 0, 4, 9, repro::activation::relu, th));
            // N = 0: B and C may be null.
            const auto A = random_matrix<T>(7, 4, 6);
            CHECK_NOTHROW(repro::matmul(A.data(), none, none_out, 7, 4, 0, th));
            CHECK_NOTHROW(repro::matmul_bt(A.data(), none, none_out, 7, 4, 0, th));
            CHECK_NOTHROW(repro::linear(A.data(), none, none, none_out, 7, 4, 0, repro::activation::none, th));
            // K = 0: A and B may be null and C = +0 everywhere (few-rows and
            // packed paths, full panels and leftover columns).
            for (const std::size_t M : {std::size_t(1), std::size_t(5), std::size_t(6), std::size_t(50)})
                for (const std::size_t N : {std::size_t(1), std::size_t(9), std::size_t(64), std::size_t(133)}) {
                    CAPTURE(M);
                    CAPTURE(N);
                    std::vector<T> C(M * N, quiet_nan<T>());
                    repro::matmul(none, none, C.data(), M, 0, N, th);
                    for (const T c : C) REQUIRE(repro::bitwise_equal(c, T(0)));
                    std::fill(C.begin(), C.end(), quiet_nan<T>());
                    repro::matmul_bt(none, none, C.data(), M, 0, N, th);
                    for (const T c : C) REQUIRE(repro::bitwise_equal(c, T(0)));
                    // linear with K = 0: y = act(+0 + b).
                    const auto b = random_matrix<T>(1, N, 7);
                    std::fill(C.begin(), C.end(), quiet_nan<T>());
                    repro::linear(none, none, b.data(), C.data(), M, 0, N, repro::activation::none, th);
                    for (std::size_t i = 0; i < M; ++i)
                        for (std::size_t j = 0; j < N; ++j) REQUIRE(repro::bitwise_equal(C[i * N + j], b[j]));
                    std::fill(C.begin(), C.end(), quiet_nan<T>());
                    repro::linear(none, none, none, C.data(), M, 0, N, repro::activation::relu, th);
                    for (const T c : C) REQUIRE(repro::bitwise_equal(c, T(0)));
                }
        }
    }
}

TEST_CASE_TEMPLATE("non-finite values propagate as the fma chains say, and only into their own row or column", T, float,
                   double) {
    const isa_restorer restore;
    const std::size_t K = 40;
    for (const repro::isa cap : every_isa()) {
        repro::limit_isa(cap);
        for (const std::size_t M : {std::size_t(3), std::size_t(13), std::size_t(60)})
            for (const std::size_t N : {std::size_t(7), std::size_t(64), std::size_t(133)})
                for (unsigned t : {1u, 3u}) {
                    CAPTURE(isa_name());
                    CAPTURE(M);
                    CAPTURE(N);
                    CAPTURE(t);
                    const auto A = random_matrix<T>(M, K, mix(M, K, N) + 31);
                    const auto B = random_matrix<T>(K, N, mix(M, K, N) + 32);
                    const auto clean = run_matmul(A, B, M, K, N, t);
                    const std::size_t i0 = M / 2, k0 = 17, j0 = N - 2;

                    // inf in A[i0][k0], 0 in B[k0][j0]: inf * 0 = NaN in C[i0][j0]
                    // only; the rest of row i0 is +-inf; other rows unchanged.
                    auto Ai = A;
                    auto Bz = B;
                    Ai[i0 * K + k0] = infinity<T>();
                    Bz[k0 * N + j0] = T(0);
                    const auto C = run_matmul(Ai, Bz, M, K, N, t);
                    const auto want = fma_chain(Ai.data(), Bz.data(), M, K, N);
                    REQUIRE(first_difference(C, want) == npos);
                    const auto zero_col = fma_chain(A.data(), Bz.data(), M, K, N);
                    for (std::size_t i = 0; i < M; ++i)
                        for (std::size_t j = 0; j < N; ++j) {
                            const T c = C[i * N + j];
                            if (i == i0 && j == j0)
                                CHECK(repro::is_nan(c));
                            else if (i == i0)
                                CHECK(repro::is_inf(c));
                            else
                                REQUIRE(repro::bitwise_equal(c, zero_col[i * N + j]));
                        }

                    // One NaN in row i0 of A: row i0 all NaN, every other row bitwise as before.
                    auto An = A;
                    An[i0 * K + k0] = quiet_nan<T>();
                    const auto Cn = run_matmul(An, B, M, K, N, t);
                    for (std::size_t i = 0; i < M; ++i)
                        for (std::size_t j = 0; j < N; ++j) {
                            if (i == i0)
                                REQUIRE(repro::is_nan(Cn[i * N + j]));
                            else
                                REQUIRE(repro::bitwise_equal(Cn[i * N + j], clean[i * N + j]));
                        }

                    // One NaN in column j0 of B: column j0 all NaN, the rest as before.
                    auto Bn = B;
                    Bn[k0 * N + j0] = quiet_nan<T>();
                    const auto Cb = run_matmul(A, Bn, M, K, N, t);
                    for (std::size_t i = 0; i < M; ++i)
                        for (std::size_t j = 0; j < N; ++j) {
                            if (j == j0)
                                REQUIRE(repro::is_nan(Cb[i * N + j]));
                            else
                                REQUIRE(repro::bitwise_equal(Cb[i * N + j], clean[i * N + j]));
                        }

                    // fma keeps the product exact: fma(big, 8, c) overflows to
                    // +inf, then fma(-big, 8, +inf) = +inf (a separate product
                    // would be -inf and give NaN).
                    auto Ab = A;
                    auto Bb = B;
                    const T big = std::numeric_limits<T>::max() / T(4);
                    Ab[i0 * K + 1] = big;
                    Ab[i0 * K + 2] = -big;
                    Bb[1 * N + j0] = T(8);
                    Bb[2 * N + j0] = T(8);
                    const auto Co = run_matmul(Ab, Bb, M, K, N, t);
                    REQUIRE(first_difference(Co, fma_chain(Ab.data(), Bb.data(), M, K, N)) == npos);
                    CHECK(repro::bitwise_equal(Co[i0 * N + j0], infinity<T>()));
                }
    }
}
