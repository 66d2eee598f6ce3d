// repro/gtest.hpp: the assertions pass when they should (here) and fail, at
// the caller's line, with the assertion as written and repro's report, when
// they should (by running gtest_failures and reading its output).
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <repro/eigen.hpp>
#include <repro/gtest.hpp>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// out = 2 in + 1, sample by sample: batch-invariant.
void forward_per_sample(const float* in, std::size_t batch, float* out) {
    for (std::size_t i = 0; i < batch * 2; ++i) out[i] = 2.0f * in[i] + 1.0f;
}

}  // namespace

TEST(Passing, Scalars) {
    REPRO_EXPECT_BITWISE_EQ(1.5f, 1.5f);
    REPRO_ASSERT_BITWISE_EQ(0.1, 0.1);
    REPRO_EXPECT_ULP(1.0f, repro::next_down(1.0f), 1);
    REPRO_ASSERT_ULP(0.1, repro::next_up(repro::next_up(0.1)), 2);
    REPRO_EXPECT_CLOSE(1.0, 1.0 + 1e-9, 1e-6);
    REPRO_ASSERT_CLOSE(1.0f, 1.0f + 1e-7f, repro::tolerance::close());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    REPRO_EXPECT_BITWISE_EQ(nan, nan);
}

TEST(Passing, Containers) {
    const std::vector<float> v{1.0f, -0.0f, std::numeric_limits<float>::quiet_NaN()};
    REPRO_EXPECT_BITWISE_EQ(v, v);
    REPRO_ASSERT_BITWISE_EQ(v, v);
    const std::array<double, 2> a{0.1, 0.2}, b{0.1, repro::next_up(0.2)};
    REPRO_EXPECT_ULP(a, b, 1);
    REPRO_ASSERT_ULP(a, b, 1);
    REPRO_EXPECT_CLOSE(a, b, 1e-12);
    REPRO_ASSERT_CLOSE(a, b, repro::tolerance::close(1e-15, 0.0));
    const float c_array[3] = {1, 2, 3};
    REPRO_EXPECT_BITWISE_EQ(c_array, c_array);
}

TEST(Passing, Views) {
    const float x[6] = {1, 2, 3, 4, 5, 6};
    const float y[6] = {1, 2, 3, 4, 5, 6.0000005f};
    REPRO_EXPECT_BITWISE_EQ(repro::view(x, 6), repro::view(x, 6));
    REPRO_ASSERT_BITWISE_EQ(repro::view(x, 2, 3), repro::view(x, 2, 3));
    REPRO_EXPECT_ULP(repro::view(y, 2, 3), repro::view(x, 2, 3), 1);
    REPRO_ASSERT_ULP(repro::view(y, 6), repro::view(x, 6), 1);
    REPRO_EXPECT_CLOSE(repro::view(y, 2, 3), repro::view(x, 2, 3), 1e-6);
    REPRO_ASSERT_CLOSE(repro::view(y, 6), repro::view(x, 6), repro::tolerance::close());
    const double d[2] = {0.5, 0.25};
    REPRO_EXPECT_BITWISE_EQ(repro::view(d, 1, 2), repro::view(d, 1, 2));
}

TEST(Passing, Eigen) {
    const Eigen::MatrixXf m = Eigen::MatrixXf::Random(4, 3);
    REPRO_EXPECT_BITWISE_EQ(m, m);
    const Eigen::VectorXd v = Eigen::VectorXd::LinSpaced(5, 0.0, 1.0);
    REPRO_ASSERT_ULP(v, v, 0);
}

TEST(Passing, BatchInvariant) {
    std::vector<float> samples(24);
    for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = 0.5f * static_cast<float>(i % 5);
    REPRO_EXPECT_BATCH_INVARIANT(forward_per_sample, samples.data(), samples.size() / 2, 2, 2);
    repro::invariance_options options;
    options.batch_sizes = {1, 3};
    REPRO_ASSERT_BATCH_INVARIANT(forward_per_sample, samples.data(), samples.size() / 2, 2, 2, options);
}

TEST(Passing, PredicateFormatters) {
    const std::vector<double> a{0.1, 0.2}, b{0.1, repro::next_up(0.2)};
    EXPECT_PRED_FORMAT2(repro::is_bitwise_eq, a, a);
    ASSERT_PRED_FORMAT2(repro::is_bitwise_eq, 2.0f, 2.0f);
    EXPECT_PRED_FORMAT3(repro::is_within_ulp, a, b, 1);
    ASSERT_PRED_FORMAT3(repro::is_within_ulp, repro::view(a.data(), 2), repro::view(b.data(), 2), 1);
    EXPECT_PRED_FORMAT3(repro::is_close, a, b, 1e-12);
    ASSERT_PRED_FORMAT3(repro::is_close, a, b, repro::tolerance::close());
}

// Each argument is evaluated once, and the macros are single statements
// (an if without braces keeps its else).
TEST(Passing, ArgumentsEvaluatedOnceAndMacrosAreStatements) {
    const std::vector<float> v{1.0f, 2.0f};
    int calls = 0;
    auto get = [&]() -> const std::vector<float>& {
        ++calls;
        return v;
    };
    REPRO_EXPECT_BITWISE_EQ(get(), v);
    REPRO_ASSERT_ULP(v, get(), 0);
    REPRO_EXPECT_CLOSE(get(), get(), 1e-6);
    EXPECT_EQ(calls, 4);
    bool took_else = false;
    if (calls == 0)
        REPRO_EXPECT_BITWISE_EQ(v, v);
    else
        took_else = true;
    EXPECT_TRUE(took_else);
}

TEST(Formatters, ReturnTheAssertionAndTheReport) {
    const float one = 1.0f, three_up = repro::next_up(repro::next_up(repro::next_up(1.0f)));
    EXPECT_TRUE(repro::is_within_ulp("x", "y", "3", three_up, one, 3));
    const ::testing::AssertionResult r = repro::is_within_ulp("x", "y", "2", three_up, one, 2);
    EXPECT_FALSE(r);
    const std::string m = r.message();
    EXPECT_EQ(m.rfind("repro::is_within_ulp(x, y, 2) failed:\n1 of 1 float values differ (100%) [ulp <= 2]", 0), 0u)
        << m;
    EXPECT_TRUE(has(m, "[0]: actual 1.00000036 (0x3f800003), expected 1 (0x3f800000)")) << m;
    EXPECT_TRUE(has(m, "3 ULP")) << m;
    EXPECT_NE(m.back(), '\n');

    EXPECT_TRUE(repro::is_bitwise_eq("x", "y", one, one));
    EXPECT_FALSE(repro::is_bitwise_eq("x", "y", -0.0f, 0.0f));  // bitwise: the sign of zero counts
    EXPECT_TRUE(repro::is_within_ulp("x", "y", "0", -0.0f, 0.0f, 0));

    EXPECT_TRUE(repro::is_close("x", "y", "1e-6", 1.0, 1.0 + 1e-7, 1e-6));
    const ::testing::AssertionResult c = repro::is_close("x", "y", "1e-9", 1.0, 1.0 + 1e-7, 1e-9);
    EXPECT_FALSE(c);
    EXPECT_TRUE(has(c.message(), "repro::is_close(x, y, 1e-9) failed:\n")) << c.message();
    EXPECT_TRUE(has(c.message(), "[close: rtol 1e-09, atol 1e-09]")) << c.message();
}

TEST(Formatters, BadArgumentsFailWithTheReasonInsteadOfThrowing) {
    const std::vector<double> three(3), four(4);
    ::testing::AssertionResult r = ::testing::AssertionSuccess();
    EXPECT_NO_THROW(r = repro::is_bitwise_eq("three", "four", three, four));
    EXPECT_FALSE(r);
    EXPECT_EQ(r.message(), std::string("repro::is_bitwise_eq(three, four) threw an exception: "
                                       "repro::compare: actual has 3 values, expected has 4"));

    EXPECT_NO_THROW(r = repro::is_close("a", "b", "-1", three, three, -1.0));
    EXPECT_FALSE(r);
    EXPECT_TRUE(has(r.message(), "repro::tolerance::close: rtol and atol must be finite and >= 0")) << r.message();

    EXPECT_NO_THROW(
        r = repro::detail::gtest_assertion("CHECK", {"a", nullptr}, []() -> repro::compare_report { throw 42; }));
    EXPECT_FALSE(r);
    EXPECT_EQ(r.message(), std::string("CHECK(a) threw an unknown exception"));
}

namespace {

struct run_result {
    std::string output;
    int exit_code = -1;
};

// gtest_failures' output: --gtest_filter=* overrides a GTEST_FILTER this
// test may have been run with.
const run_result& failures() {
    static const run_result result = [] {
        run_result r;
        const std::string cmd = std::string("\"") + REPRO_GTEST_FAILURES + "\" --gtest_filter=* --gtest_color=no 2>&1";
        FILE* p = popen(cmd.c_str(), "r");
        if (!p) return r;
        char buf[4096];
        std::size_t got;
        while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, got);
        const int status = pclose(p);
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
    }();
    return result;
}

// The output of one test of gtest_failures, from its [ RUN ] line to the next test's.
std::string section(const std::string& test) {
    const std::string& out = failures().output;
    const auto begin = out.find("[ RUN      ] Failures." + test + "\n");
    if (begin == std::string::npos) {
        ADD_FAILURE() << "no output for test Failures." << test << " in:\n" << out;
        return "";
    }
    auto end = out.find("[ RUN      ] ", begin + 1);
    if (end == std::string::npos) end = out.find("[----------] ", begin + 1);
    return out.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

// Every failure is reported at a line the test announced ("expect failure
// at line N" -> "gtest_failures.cpp:N: Failure"), and there are as many
// failures as announcements.
void check_failures_at_announced_lines(const std::string& text, std::size_t expected_failures) {
    const std::string marker = "expect failure at line ";
    std::size_t announced = 0;
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
        ++announced;
        const std::string line = std::to_string(std::stoi(text.substr(at + marker.size())));
        EXPECT_TRUE(has(text, "gtest_failures.cpp:" + line + ": Failure\n")) << "no failure at line " << line << ":\n"
                                                                             << text;
    }
    EXPECT_EQ(announced, expected_failures) << text;
    EXPECT_EQ(count(text, ": Failure\n"), expected_failures) << text;
}

}  // namespace

TEST(Failures, TheProgramFailsEveryTest) {
    const run_result& r = failures();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(has(r.output, "[  PASSED  ] 0 tests.")) << r.output;
    EXPECT_TRUE(has(r.output, "\n12 FAILED TESTS")) << r.output;
}

TEST(Failures, BitwiseShowsIndexValuesBitsAndUlp) {
    std::string s = section("ExpectBitwiseEq");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s, ": Failure\nREPRO_EXPECT_BITWISE_EQ(actual, expected) failed:\n1 of 8 float values differ"))
        << s;
    EXPECT_TRUE(has(s, "[bitwise]")) << s;
    EXPECT_TRUE(has(s, "[5]: actual 1.00000012 (0x3f800001), expected 1 (0x3f800000)")) << s;
    EXPECT_TRUE(has(s, ", 1 ULP\n")) << s;
    EXPECT_TRUE(has(s, "reached after REPRO_EXPECT_BITWISE_EQ\n")) << s;

    s = section("AssertBitwiseEq");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s, "REPRO_ASSERT_BITWISE_EQ(repro::view(actual, 2, 3), repro::view(expected, 2, 3)) failed:\n"))
        << s;
    EXPECT_TRUE(has(s, "[5] (row 1, col 2): actual -6 (0xc0c00000), expected 6 (0x40c00000)")) << s;
    EXPECT_TRUE(has(s, "rows (samples): 1 of 2 differ")) << s;
    EXPECT_FALSE(has(s, "reached after")) << s;
}

TEST(Failures, UlpShowsTheToleranceAndDistance) {
    std::string s = section("ExpectUlp");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s, "REPRO_EXPECT_ULP(y, x, 2) failed:\n")) << s;
    EXPECT_TRUE(has(s, "[ulp <= 2]")) << s;
    EXPECT_TRUE(has(s,
                    "[0]: actual 0.10000000000000005 (0x3fb999999999999d), "
                    "expected 0.10000000000000001 (0x3fb999999999999a)"))
        << s;
    EXPECT_TRUE(has(s, ", 3 ULP\n")) << s;
    EXPECT_TRUE(has(s, "reached after REPRO_EXPECT_ULP\n")) << s;

    s = section("AssertUlp");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s, "REPRO_ASSERT_ULP(a, b, 0) failed:\n")) << s;
    EXPECT_TRUE(has(s, "[ulp <= 0]")) << s;
    EXPECT_TRUE(has(s, "[0]: actual 1 (0x3f800000), expected -1 (0xbf800000)")) << s;
    EXPECT_FALSE(has(s, "reached after")) << s;
}

TEST(Failures, CloseShowsTheToleranceAndTheTenWorst) {
    std::string s = section("ExpectClose");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s,
                    "REPRO_EXPECT_CLOSE(repro::view(actual.data(), 5, 10), repro::view(expected.data(), 5, 10), "
                    "1e-6) failed:\n"))
        << s;
    EXPECT_TRUE(has(s, "50 of 50 float values differ (100%) [close: rtol 1e-06, atol 1e-06]")) << s;
    EXPECT_TRUE(has(s, "10 worst of 50 mismatches")) << s;
    EXPECT_TRUE(has(s, "[49] (row 4, col 9): actual 0.0500000007 (0x3d4ccccd), expected 0 (0x00000000)")) << s;
    EXPECT_TRUE(has(s, "(row 4, col 0)")) << s;
    EXPECT_FALSE(has(s, "(row 3, col 9)")) << s;  // the 11th worst is not listed
    EXPECT_TRUE(has(s, "reached after REPRO_EXPECT_CLOSE\n")) << s;

    s = section("AssertClose");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s, "REPRO_ASSERT_CLOSE(actual, expected, repro::tolerance::close(0.1, 0.0)) failed:\n")) << s;
    EXPECT_TRUE(has(s, "1 of 2 double values differ (50%) [close: rtol 0.1, atol 0]")) << s;
    EXPECT_TRUE(has(s, "[1]: actual 2.5 (0x4004000000000000), expected 2 (0x4000000000000000)")) << s;
    EXPECT_FALSE(has(s, "reached after")) << s;
}

TEST(Failures, BatchInvariantShowsTheTableAndDiagnosis) {
    std::string s = section("ExpectBatchInvariant");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s,
                    "REPRO_EXPECT_BATCH_INVARIANT(subtract_batch_mean, samples.data(), samples.size() / 2, "
                    "2, 2) failed:\nrepro batch invariance: 16 samples, 2 -> 2 float values\n"))
        << s;
    EXPECT_TRUE(has(s, "\nbatch 3 ")) << s;
    EXPECT_TRUE(has(s, "\nothers replaced ")) << s;
    EXPECT_TRUE(has(s, "diagnosis: cross-sample dependence.")) << s;
    EXPECT_TRUE(has(s, "reached after REPRO_EXPECT_BATCH_INVARIANT\n")) << s;

    s = section("AssertBatchInvariant");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s,
                    "REPRO_ASSERT_BATCH_INVARIANT(subtract_batch_mean, samples.data(), samples.size() / 2, "
                    "2, 2, options) failed:\n"))
        << s;
    EXPECT_TRUE(has(s, "\nbatch 2 ")) << s;
    EXPECT_FALSE(has(s, "\nbatch 3 ")) << s;  // the options were passed on: batch sizes {1, 2} only
    EXPECT_TRUE(has(s, "diagnosis: cross-sample dependence.")) << s;
    EXPECT_FALSE(has(s, "reached after")) << s;
}

TEST(Failures, BadArgumentsReportTheExceptionMessage) {
    std::string s = section("ShapeMismatchReportsTheReason");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s,
                    ": Failure\nREPRO_EXPECT_BITWISE_EQ(three, four) threw an exception: "
                    "repro::compare: actual has 3 values, expected has 4\n"))
        << s;
    EXPECT_TRUE(has(s, "reached after REPRO_EXPECT_BITWISE_EQ on a shape mismatch\n")) << s;

    s = section("BadToleranceReportsTheReason");
    check_failures_at_announced_lines(s, 1);
    EXPECT_TRUE(has(s,
                    "REPRO_EXPECT_CLOSE(v, v, -1.0) threw an exception: "
                    "repro::tolerance::close: rtol and atol must be finite and >= 0\n"))
        << s;
    EXPECT_TRUE(has(s, "reached after REPRO_EXPECT_CLOSE with a negative tolerance\n")) << s;
}

TEST(Failures, ExpectContinuesAndTakesAStreamedMessage) {
    const std::string s = section("ExpectContinuesAfterEachFailure");
    check_failures_at_announced_lines(s, 2);
    EXPECT_TRUE(has(s, "REPRO_EXPECT_BITWISE_EQ(a, b) failed:\n")) << s;
    EXPECT_TRUE(has(s, "REPRO_EXPECT_ULP(b, a, 1) failed:\n")) << s;
    EXPECT_TRUE(has(s, ", 8388608 ULP\nstreamed context 42\n")) << s;
    EXPECT_TRUE(has(s, "reached after two failed expectations\n")) << s;
}

TEST(Failures, PredicateFormattersNameThemselvesAndTheirArguments) {
    const std::string s = section("PredicateFormatters");
    check_failures_at_announced_lines(s, 4);
    EXPECT_TRUE(has(s, "repro::is_bitwise_eq(actual, expected) failed:\n1 of 2 float values differ (50%) [bitwise]"))
        << s;
    EXPECT_TRUE(
        has(s, "repro::is_within_ulp(actual, expected, 1) failed:\n1 of 2 float values differ (50%) [ulp <= 1]"))
        << s;
    EXPECT_TRUE(has(s,
                    "repro::is_close(actual, expected, 1e-9) failed:\n1 of 2 float values differ (50%) "
                    "[close: rtol 1e-09, atol 1e-09]"))
        << s;
    EXPECT_TRUE(has(s, "repro::is_close(actual, expected, repro::tolerance::close(1e-9, 0.0)) failed:\n")) << s;
    EXPECT_TRUE(has(s, "[1]: actual 2.00000048 (0x40000002), expected 2 (0x40000000)")) << s;
    EXPECT_FALSE(has(s, "reached after")) << s;
}
