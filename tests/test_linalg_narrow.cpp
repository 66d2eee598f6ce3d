// Narrow inputs (half, bfloat16): repro::widen against Eigen's own
// conversions for every one of the 65536 bit patterns of each format; then
// matmul / matmul_bt / linear with half or bfloat16 operands must equal,
// bit for bit, the float products of the widened operands (which
// test_linalg checks against the fma chains) on both ISA paths and 1-3
// threads; bad arguments are refused as for float.

// reduce.hpp before linalg.hpp on purpose: its detail::widen must not hide
// repro::widen inside linalg's templates (found only when they are instantiated).
#include <repro/reduce.hpp>
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <repro/eigen.hpp>
#include <repro/linalg.hpp>
#include <stdexcept>
#include <vector>

#include "support/bit_checks.hpp"

using namespace repro_test;

namespace {

template <class U>
std::vector<U> narrow_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    const auto f = random_matrix<float>(rows, cols, seed);
    std::vector<U> v(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) v[i] = static_cast<U>(f[i]);  // Eigen's rounding
    return v;
}

template <class U>
std::vector<float> widened(const std::vector<U>& v) {
    std::vector<float> w(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) w[i] = static_cast<float>(v[i]);  // Eigen's widening
    return w;
}

// Rows of the path switches (in place below 32 rows, 1 x 8 tiles below 6),
// k across the packed k block, columns with every kind of leftover.
const std::size_t Ms[] = {1, 3, 6, 8, 33, 100};
const std::size_t Ks[] = {1, 9, 520};
const std::size_t Ns[] = {1, 17, 75, 300};

template <class TA, class TB>
void check_products() {
    const isa_restorer restore;
    for (const std::size_t K : Ks)
        for (const std::size_t N : Ns)
            for (const std::size_t M : Ms) {
                const auto A = narrow_matrix<TA>(M, K, 11 * M + K);
                const auto B = narrow_matrix<TB>(K, N, 13 * K + N), Bt = narrow_matrix<TB>(N, K, 17 * K + N);
                const auto bias = random_matrix<float>(1, N, 19 * N);
                const auto Af = widened(A), Bf = widened(B), Btf = widened(Bt);
                std::vector<float> want(M * N), want_t(M * N), want_lin(M * N);
                repro::matmul(Af.data(), Bf.data(), want.data(), M, K, N);
                repro::matmul_bt(Af.data(), Btf.data(), want_t.data(), M, K, N);
                repro::linear(Af.data(), Btf.data(), bias.data(), want_lin.data(), M, K, N, repro::activation::relu);
                const repro::linear_weights<float> packed(Bt.data(), N, K);  // widened once
                for (const repro::isa cap : every_isa()) {
                    repro::limit_isa(cap);
                    for (unsigned t = 1; t <= 3; ++t) {
                        CAPTURE(isa_name());
                        CAPTURE(M);
                        CAPTURE(K);
                        CAPTURE(N);
                        CAPTURE(t);
                        std::vector<float> got(M * N);
                        repro::matmul(A.data(), B.data(), got.data(), M, K, N, repro::threads{t});
                        CHECK(first_difference(got, want) == npos);
                        repro::matmul_bt(A.data(), Bt.data(), got.data(), M, K, N, repro::threads{t});
                        CHECK(first_difference(got, want_t) == npos);
                        repro::linear(A.data(), Bt.data(), bias.data(), got.data(), M, K, N, repro::activation::relu,
                                      repro::threads{t});
                        CHECK(first_difference(got, want_lin) == npos);
                        repro::linear(A.data(), packed, bias.data(), got.data(), M, repro::activation::relu,
                                      repro::threads{t});
                        CHECK(first_difference(got, want_lin) == npos);
                    }
                }
            }
}

}  // namespace

TEST_CASE_TEMPLATE("widen is exact for every half and bfloat16 bit pattern, NaN payloads kept", U, Eigen::half,
                   Eigen::bfloat16) {
    std::size_t nans = 0;
    for (std::uint32_t b = 0; b < 0x10000u; ++b) {
        const U x = repro::from_bits<U>(static_cast<std::uint16_t>(b));
        const float w = repro::widen(x), e = static_cast<float>(x);
        CAPTURE(b);
        if (repro::is_nan(x)) {
            ++nans;
            REQUIRE(repro::is_nan(w));
            // the payload moves to the top of float's fraction, the sign stays
            constexpr int shift = 23 - repro::float_traits<U>::fraction_bits;
            REQUIRE((repro::to_bits(w) >> shift & repro::float_traits<U>::fraction_mask) ==
                    (b & repro::float_traits<U>::fraction_mask));
            REQUIRE(repro::sign_bit(w) == repro::sign_bit(x));
        } else {
            REQUIRE(repro::bitwise_equal(w, e));
        }
    }
    // 2 signs x (2^fraction_bits - 1) NaN payloads
    CHECK(nans == 2 * ((std::size_t(1) << repro::float_traits<U>::fraction_bits) - 1));
}

TEST_CASE("half subnormals widen to the exact normal floats") {
    CHECK(repro::widen(repro::from_bits<Eigen::half>(0x0001)) == 5.9604644775390625e-8f);  // 2^-24
    CHECK(repro::widen(repro::from_bits<Eigen::half>(0x83ff)) == -1023 * 5.9604644775390625e-8f);
    CHECK(repro::bitwise_equal(repro::widen(repro::from_bits<Eigen::half>(0x8000)), -0.0f));
}

TEST_CASE("half and bfloat16 products (and linear_weights) equal the float products of the widened operands") {
    check_products<Eigen::half, Eigen::half>();
    check_products<Eigen::bfloat16, Eigen::bfloat16>();
    check_products<float, Eigen::bfloat16>();  // bfloat16 weights, float activations
    check_products<Eigen::half, float>();
}

TEST_CASE("narrow products refuse bad arguments as float ones do") {
    const std::vector<Eigen::half> A(12), B(15);
    std::vector<float> C(20);
    using ia = std::invalid_argument;
    CHECK_THROWS_AS(repro::matmul(static_cast<const Eigen::half*>(nullptr), B.data(), C.data(), 4, 3, 5), ia);
    CHECK_THROWS_AS(repro::matmul(A.data(), B.data(), static_cast<float*>(nullptr), 4, 3, 5), ia);
    CHECK_THROWS_AS(repro::matmul(A.data(), B.data(), C.data(), 4, 3, 5, repro::threads{0}), ia);
    CHECK_THROWS_AS(repro::linear(A.data(), B.data(), C.data() + 2, C.data(), 4, 3, 5), ia);  // y overlaps b
    // C over the bytes of a narrow input
    std::vector<float> buf(40);
    CHECK_THROWS_AS(repro::matmul(reinterpret_cast<const Eigen::half*>(buf.data()), B.data(), buf.data() + 2, 4, 3, 5),
                    ia);
    CHECK_NOTHROW(repro::matmul(A.data(), B.data(), C.data(), 0, 3, 5));
}
