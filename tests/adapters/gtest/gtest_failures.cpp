// Every assertion here fails on purpose: test_gtest runs this program and
// checks what the failures print. Not a test on its own.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <repro/gtest.hpp>
#include <vector>

#include "../../support/batch_mean_forward.hpp"

// Each test prints the line of its failing assertion so the reader can check
// that the failure is reported there, and after it a line that only an
// assertion that does not stop the test lets through.
#define EXPECT_FAILURE_AT_NEXT_LINE() std::printf("expect failure at line %d\n", __LINE__ + 1)
#define REACHED(what) std::printf("reached after %s\n", what)

using repro_test::batch_mean_samples;
using repro_test::subtract_batch_mean;

TEST(Failures, ExpectBitwiseEq) {
    std::vector<float> expected(8, 1.0f), actual = expected;
    actual[5] = repro::next_up(1.0f);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_BITWISE_EQ(actual, expected);
    REACHED("REPRO_EXPECT_BITWISE_EQ");
}

TEST(Failures, AssertBitwiseEq) {
    const float expected[6] = {1, 2, 3, 4, 5, 6};
    const float actual[6] = {1, 2, 3, 4, 5, -6};
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_ASSERT_BITWISE_EQ(repro::view(actual, 2, 3), repro::view(expected, 2, 3));
    REACHED("REPRO_ASSERT_BITWISE_EQ");
}

TEST(Failures, ExpectUlp) {
    const double x = 0.1, y = repro::next_up(repro::next_up(repro::next_up(0.1)));
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_ULP(y, x, 2);
    REACHED("REPRO_EXPECT_ULP");
}

TEST(Failures, AssertUlp) {
    const float a = 1.0f, b = -1.0f;
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_ASSERT_ULP(a, b, 0);
    REACHED("REPRO_ASSERT_ULP");
}

TEST(Failures, ExpectClose) {
    std::vector<float> expected(50, 0.0f), actual(50);
    for (std::size_t i = 0; i < actual.size(); ++i) actual[i] = 0.001f * static_cast<float>(1 + i);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_CLOSE(repro::view(actual.data(), 5, 10), repro::view(expected.data(), 5, 10), 1e-6);
    REACHED("REPRO_EXPECT_CLOSE");
}

TEST(Failures, AssertClose) {
    const std::vector<double> expected{1.0, 2.0}, actual{1.0, 2.5};
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_ASSERT_CLOSE(actual, expected, repro::tolerance::close(0.1, 0.0));
    REACHED("REPRO_ASSERT_CLOSE");
}

TEST(Failures, ExpectBatchInvariant) {
    const std::vector<float> samples = batch_mean_samples();
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_BATCH_INVARIANT(subtract_batch_mean, samples.data(), samples.size() / 2, 2, 2);
    REACHED("REPRO_EXPECT_BATCH_INVARIANT");
}

TEST(Failures, AssertBatchInvariant) {
    const std::vector<float> samples = batch_mean_samples();
    repro::invariance_options options;
    options.batch_sizes = {1, 2};
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_ASSERT_BATCH_INVARIANT(subtract_batch_mean, samples.data(), samples.size() / 2, 2, 2, options);
    REACHED("REPRO_ASSERT_BATCH_INVARIANT");
}

TEST(Failures, ShapeMismatchReportsTheReason) {
    const std::vector<double> three(3), four(4);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_BITWISE_EQ(three, four);
    REACHED("REPRO_EXPECT_BITWISE_EQ on a shape mismatch");
}

TEST(Failures, BadToleranceReportsTheReason) {
    const std::vector<double> v{1.0};
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_CLOSE(v, v, -1.0);
    REACHED("REPRO_EXPECT_CLOSE with a negative tolerance");
}

TEST(Failures, ExpectContinuesAfterEachFailure) {
    const float a = 1.0f, b = 2.0f;
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_BITWISE_EQ(a, b);
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_EXPECT_ULP(b, a, 1) << "streamed context " << 42;
    REACHED("two failed expectations");
}

TEST(Failures, PredicateFormatters) {
    const std::vector<float> expected{1.0f, 2.0f}, actual{1.0f, repro::next_up(repro::next_up(2.0f))};
    EXPECT_FAILURE_AT_NEXT_LINE();
    EXPECT_PRED_FORMAT2(repro::is_bitwise_eq, actual, expected);
    EXPECT_FAILURE_AT_NEXT_LINE();
    EXPECT_PRED_FORMAT3(repro::is_within_ulp, actual, expected, 1);
    EXPECT_FAILURE_AT_NEXT_LINE();
    EXPECT_PRED_FORMAT3(repro::is_close, actual, expected, 1e-9);
    EXPECT_FAILURE_AT_NEXT_LINE();
    ASSERT_PRED_FORMAT3(repro::is_close, actual, expected, repro::tolerance::close(1e-9, 0.0));
    REACHED("ASSERT_PRED_FORMAT3");
}
