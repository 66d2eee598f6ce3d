// Every assertion here fails on purpose: test_catch2 runs this program and
// checks what the failures print. Not a test on its own.

#include "../../support/batch_mean_forward.hpp"
#include <repro/catch2.hpp>

#include <array>
#include <cstddef>
#include <vector>

// Each case attaches to its failure the line of its failing assertion, so the
// reader can check that the failure is reported there.
#define EXPECT_FAILURE_AT_NEXT_LINE() INFO("expect failure at line " << __LINE__ + 1)

TEST_CASE("bitwise_equal on float vectors") {
    std::vector<float> expected(8, 1.0f), actual = expected;
    actual[5] = repro::next_up(1.0f);
    EXPECT_FAILURE_AT_NEXT_LINE();
    CHECK_THAT(actual, repro::matchers::bitwise_equal(expected));
}

TEST_CASE("within_ulp on double scalars") {
    const double x = 0.1, y = repro::next_up(repro::next_up(repro::next_up(0.1)));
    EXPECT_FAILURE_AT_NEXT_LINE();
    CHECK_THAT(y, repro::matchers::within_ulp(x, 2));
}

TEST_CASE("close_to on shaped views lists at most 10 elements") {
    std::vector<float> expected(50, 0.0f), actual(50);
    for (std::size_t i = 0; i < actual.size(); ++i) actual[i] = 0.001f * static_cast<float>(1 + i);
    EXPECT_FAILURE_AT_NEXT_LINE();
    CHECK_THAT(repro::view(actual.data(), 5, 10), repro::matchers::close_to(repro::view(expected.data(), 5, 10), 1e-6));
}

TEST_CASE("close_to with a tolerance on std::array") {
    const std::array<double, 3> expected{1.0, 2.0, 3.0}, actual{1.0, 2.5, 3.0};
    EXPECT_FAILURE_AT_NEXT_LINE();
    CHECK_THAT(actual, repro::matchers::close_to(expected, repro::tolerance::close(0.1, 0.0)));
}

TEST_CASE("a size mismatch fails the match with the reason") {
    const std::vector<double> three(3), four(4);
    EXPECT_FAILURE_AT_NEXT_LINE();
    CHECK_THAT(three, repro::matchers::bitwise_equal(four));
}

TEST_CASE("a negative tolerance fails the match with the reason") {
    const std::vector<float> v{1.0f, 2.0f};
    EXPECT_FAILURE_AT_NEXT_LINE();
    CHECK_THAT(v, repro::matchers::close_to(v, -1.0));
}

TEST_CASE("require_that stops the test case") {
    const float a = 1.0f, b = -1.0f;
    EXPECT_FAILURE_AT_NEXT_LINE();
    REQUIRE_THAT(a, repro::matchers::within_ulp(b, 0));
    WARN("REACHED AFTER REQUIRE_THAT");
}

TEST_CASE("batch invariance check on a forward pass that subtracts the batch mean") {
    const std::vector<float> samples = repro_test::batch_mean_samples();
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_CHECK_BATCH_INVARIANT(repro_test::subtract_batch_mean, samples.data(), samples.size() / 2, 2, 2);
}

TEST_CASE("batch invariance require with a bad argument stops the test case") {
    auto identity = [](const float* in, std::size_t batch, float* out) {
        for (std::size_t i = 0; i < batch; ++i) out[i] = in[i];
    };
    const float* no_samples = nullptr;
    EXPECT_FAILURE_AT_NEXT_LINE();
    REPRO_REQUIRE_BATCH_INVARIANT(identity, no_samples, 4, 1, 1);
    WARN("REACHED AFTER REPRO_REQUIRE_BATCH_INVARIANT");
}
