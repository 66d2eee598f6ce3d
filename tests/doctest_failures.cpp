// Every assertion here fails on purpose: test_doctest runs this program and
// checks what the failures print. Not a test on its own.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "support/batch_mean_forward.hpp"
#include <repro/doctest.hpp>
#include <repro/eigen.hpp>
#include <vector>

// Each case prints the line of its failing assertion so the reader can check
// that the failure is reported there.
#define EXPECT_FAILURE_AT_NEXT_LINE() MESSAGE("expect failure at line ", __LINE__ + 1)

TEST_CASE("bitwise check on arrays") {
    std::vector<float> expected(8, 1.0f), actual = expected;
    actual[5] = repro::next_up(1.0f);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_CHECK_BITWISE_EQ(actual, expected);
}

TEST_CASE("ulp check on scalars") {
    const double x = 0.1, y = repro::next_up(repro::next_up(repro::next_up(0.1)));
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_CHECK_ULP(y, x, 2);
}

TEST_CASE("require stops the test case") {
    const float a = 1.0f, b = -1.0f;
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_REQUIRE_ULP(a, b, 0);
    MESSAGE("REACHED AFTER REQUIRE");
}

TEST_CASE("close check on Eigen logits lists at most 10 elements") {
    Eigen::MatrixXf expected = Eigen::MatrixXf::Zero(5, 10), actual = expected;
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 10; ++j) actual(i, j) = 0.001f * float(1 + i * 10 + j);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_CHECK_CLOSE(actual, expected, 1e-6);
}

TEST_CASE("shape mismatch fails the assertion with the reason") {
    const std::vector<double> three(3), four(4);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_CHECK_BITWISE_EQ(three, four);
}

TEST_CASE("views of raw pointers") {
    const float expected[6] = {1, 2, 3, 4, 5, 6};
    const float actual[6] = {1, 2, 3, 4, 5, -6};
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_REQUIRE_BITWISE_EQ(repro::view(actual, 2, 3), repro::view(expected, 2, 3));
}

TEST_CASE("batch invariance check on a forward pass that subtracts the batch mean") {
    const std::vector<float> samples = repro_test::batch_mean_samples();
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_CHECK_BATCH_INVARIANT(repro_test::subtract_batch_mean, samples.data(), samples.size() / 2, 2, 2);
}
