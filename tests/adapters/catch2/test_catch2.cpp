// repro/catch2.hpp: the matchers pass when they should and fail, with
// compare's report, when they should (here, and by running catch2_failures
// and reading its XML and console output).

// repro/eigen.hpp comes after repro/catch2.hpp on purpose: the matchers must
// still find its compare overloads.
#include <repro/catch2.hpp>
#if defined(REPRO_CATCH2_TEST_EIGEN)
#include <repro/eigen.hpp>
#endif

#include <array>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>
#include <sys/wait.h>
#include <type_traits>
#include <vector>

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

using repro::matchers::bitwise_equal;
using repro::matchers::close_to;
using repro::matchers::within_ulp;

TEST_CASE("the matchers pass on float and double scalars") {
    const float f = 1.0f;
    REQUIRE_THAT(f, bitwise_equal(1.0f));
    REQUIRE_THAT(repro::next_down(f), within_ulp(f, 1));
    CHECK_THAT(repro::next_up(f), close_to(f, 1e-6));
    CHECK_THAT(repro::next_up(f), close_to(f, repro::tolerance::close()));
    const double d = 0.1;
    REQUIRE_THAT(d, bitwise_equal(d));
    CHECK_THAT(repro::next_up(repro::next_up(d)), within_ulp(d, 2));
    CHECK_THAT(0.1 + 1e-12, close_to(0.1, 1e-9));
    // ulp and close modes take +0 == -0 and NaN == NaN; bitwise looks at the bits
    CHECK_THAT(-0.0, within_ulp(0.0, 0));
    CHECK_THAT(std::numeric_limits<double>::quiet_NaN(), within_ulp(std::numeric_limits<double>::quiet_NaN(), 0));
    CHECK_FALSE(bitwise_equal(0.0).match(-0.0));
    CHECK_FALSE(within_ulp(0.0, 1000).match(std::numeric_limits<double>::quiet_NaN()));
}

TEST_CASE("the matchers pass on containers and views") {
    const std::vector<float> v{1.0f, -0.0f, std::numeric_limits<float>::quiet_NaN()};
    REQUIRE_THAT(v, bitwise_equal(v));
    const std::array<double, 2> a{0.1, 0.2}, b{0.1, repro::next_up(0.2)};
    REQUIRE_THAT(a, within_ulp(b, 1));
    CHECK_THAT(a, close_to(b, 1e-12));
    CHECK_THAT(a, close_to(b, repro::tolerance::close(1e-15, 0.0)));
    CHECK_FALSE(within_ulp(b, 0).match(a));
    // a vector against an array, and a C array against a vector: any two contiguous containers
    const std::vector<double> bv(b.begin(), b.end());
    CHECK_THAT(bv, bitwise_equal(b));
    const float c_array[3] = {1.0f, -0.0f, std::numeric_limits<float>::quiet_NaN()};
    CHECK_THAT(c_array, bitwise_equal(v));

    const std::vector<float> m{1, 2, 3, 4, 5, 6};
    std::vector<float> n = m;
    n[4] = repro::next_up(n[4]);
    CHECK_THAT(repro::view(m.data(), m.size()), bitwise_equal(repro::view(m.data(), m.size())));
    CHECK_THAT(repro::view(n.data(), 2, 3), within_ulp(repro::view(m.data(), 2, 3), 1));
    CHECK_THAT(repro::view(n.data(), 2, 3), close_to(repro::view(m.data(), 2, 3), 1e-6));
    CHECK_FALSE(bitwise_equal(repro::view(m.data(), 2, 3)).match(repro::view(n.data(), 2, 3)));
    std::vector<double> dn(6, 0.5), dm = dn;
    dm[0] = repro::next_down(0.5);
    CHECK_THAT(repro::view(dn.data(), 3, 2), within_ulp(repro::view(dm.data(), 3, 2), 1));
}

TEST_CASE("a failed match describes the matcher, its tolerance and compare's report") {
    std::vector<float> expected(4, 2.0f), actual = expected;
    actual[2] = repro::next_up(repro::next_up(2.0f));
    const auto m = within_ulp(expected, 1);
    CHECK(m.toString() == "repro::matchers::within_ulp [ulp <= 1]");  // nothing matched yet
    REQUIRE_FALSE(m.match(actual));
    const std::string d = m.toString();
    INFO(d);
    CHECK(has(d, "repro::matchers::within_ulp [ulp <= 1]\n1 of 4 float values differ (25%) [ulp <= 1], max 2 ULP"));
    CHECK(has(d, "[2]: actual 2.00000048 (0x40000002), expected 2 (0x40000000), abs 4.77e-07, rel 2.38e-07, 2 ULP"));
    CHECK(d.back() != '\n');

    // The same matcher again: the description follows the latest match.
    REQUIRE(m.match(expected));
    CHECK(m.toString() == "repro::matchers::within_ulp [ulp <= 1]");
    std::vector<float> other = expected;
    other[0] = -2.0f;
    REQUIRE_FALSE(m.match(other));
    CHECK(has(m.toString(), "[0]: actual -2 (0xc0000000), expected 2 (0x40000000)"));
    CHECK_FALSE(has(m.toString(), "[2]:"));

    // close(): the compared type's rtol and atol, named once they are known.
    const auto c = close_to(expected, repro::tolerance::close());
    CHECK(has(c.toString(), "[close: rtol and atol of the compared type]"));
    std::vector<float> far = expected;
    far[1] = 3.0f;
    REQUIRE_FALSE(c.match(far));
    CHECK(has(c.toString(), "repro::matchers::close_to [close: rtol 1.3e-06, atol 1e-05]"));
    CHECK(has(bitwise_equal(1.0).toString(), "repro::matchers::bitwise_equal [bitwise]"));
    CHECK(has(close_to(1.0, 0.5).toString(), "repro::matchers::close_to [close: rtol 0.5, atol 0.5]"));
}

TEST_CASE("a bad argument fails the match with the exception's message") {
    const std::vector<double> three(3), four(4);
    const auto m = bitwise_equal(four);
    CHECK_FALSE(m.match(three));
    CHECK(m.toString() ==
          "repro::matchers::bitwise_equal [bitwise]\nerror: repro::compare: actual has 3 values, "
          "expected has 4");
    const float* null = nullptr;
    const float one = 1.0f;
    const auto v = within_ulp(repro::view(null, 1), 0);
    CHECK_FALSE(v.match(repro::view(&one, 1)));
    CHECK(has(v.toString(), "error: repro::compare: expected is a null pointer"));
    CHECK_FALSE(bitwise_equal(repro::view(&one, 1, 1)).match(repro::view(&one, 1)));  // shaped against flat
    const auto negative = close_to(three, -1e-3);
    CHECK_FALSE(negative.match(three));
    CHECK(negative.toString() ==
          "repro::matchers::close_to [invalid tolerance]\nerror: repro::tolerance::close: "
          "rtol and atol must be finite and >= 0");
    CHECK_FALSE(close_to(three, std::numeric_limits<double>::quiet_NaN()).match(three));
}

TEST_CASE("a matcher refers to an lvalue and keeps a copy of a temporary") {
    const std::vector<float> v{1.0f, 2.0f};
    const auto by_reference = bitwise_equal(v);
    static_assert(std::is_same<decltype(by_reference)::stored_type, const std::vector<float>&>::value, "");
    const auto by_value = bitwise_equal(std::vector<float>{1.0f, 2.0f});
    static_assert(std::is_same<decltype(by_value)::stored_type, std::vector<float>>::value, "");
    CHECK(by_value.match(v));
    CHECK_FALSE(by_value.match(std::vector<float>{1.0f, 3.0f}));
    CHECK(by_reference.match(std::vector<float>{1.0f, 2.0f}));
}

TEST_CASE("a failed match prints a view by its shape and element type") {
    const float x[6] = {};
    CHECK(Catch::Detail::stringify(repro::view(x, 6)) == "repro::view of 6 float values");
    CHECK(Catch::Detail::stringify(repro::view(x, 2, 3)) == "repro::view of 2 x 3 float values");
}

#if defined(REPRO_CATCH2_TEST_EIGEN)
TEST_CASE("the matchers take Eigen objects when repro/eigen.hpp is included after repro/catch2.hpp") {
    const Eigen::MatrixXf a = Eigen::MatrixXf::Random(4, 3);
    Eigen::MatrixXf b = a;
    CHECK_THAT(a, bitwise_equal(b));
    b(3, 2) = repro::next_up(b(3, 2));
    CHECK_THAT(a, within_ulp(b, 1));
    const auto m = bitwise_equal(b);
    CHECK_FALSE(m.match(a));
    CHECK(has(m.toString(), "(row 3, col 2)"));
}
#endif

TEST_CASE("REPRO_CHECK_BATCH_INVARIANT passes on a row-wise forward pass") {
    auto forward = [](const float* in, std::size_t batch, float* out) {
        for (std::size_t r = 0; r < batch; ++r) {
            out[2 * r] = in[2 * r] * in[2 * r + 1];
            out[2 * r + 1] = in[2 * r] - in[2 * r + 1];
        }
    };
    std::vector<float> samples(20);
    for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = 0.3f * static_cast<float>(i % 5) - 0.5f;
    REPRO_CHECK_BATCH_INVARIANT(forward, samples.data(), 10, 2, 2);
    repro::invariance_options options;
    options.confirm_repeats = 0;
    REPRO_REQUIRE_BATCH_INVARIANT(forward, samples.data(), 10, 2, 2, options);
}

// ---- the failures of catch2_failures, as its reporters print them ----

namespace {

std::string run_failures(const std::string& args, int& exit_code) {
    const std::string cmd = std::string("\"") + REPRO_CATCH2_FAILURES + "\" " + args;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, got);
    const int status = pclose(p);
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

std::string xml_unescaped(const std::string& s) {
    static const char* const entities[][2] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        bool replaced = false;
        for (const auto& e : entities) {
            if (s.compare(i, std::string(e[0]).size(), e[0]) == 0) {
                out += e[1];
                i += std::string(e[0]).size();
                replaced = true;
                break;
            }
        }
        if (!replaced) out += s[i++];
    }
    return out;
}

// The XML of one test case, entities decoded.
std::string test_case(const std::string& xml, const std::string& name) {
    const auto begin = xml.find("<TestCase name=\"" + name + "\"");
    INFO("test case '" << name << "'");
    REQUIRE(begin != std::string::npos);
    const auto end = xml.find("</TestCase>", begin);
    REQUIRE(end != std::string::npos);
    return xml_unescaped(xml.substr(begin, end - begin));
}

// The line the case announced ("expect failure at line N").
std::string announced_line(const std::string& text) {
    const std::string marker = "expect failure at line ";
    const auto at = text.find(marker);
    REQUIRE(at != std::string::npos);
    return std::to_string(std::stoi(text.substr(at + marker.size())));
}

// The failure (an Expression or a Failure element) is reported at the announced line.
void check_reported_at_announced_line(const std::string& text) {
    CHECK(has(text, "success=\"false\""));
    CHECK(has(text, "catch2_failures.cpp\" line=\"" + announced_line(text) + "\">"));
}

}  // namespace

TEST_CASE("failed matches report the caller's line, the matcher, its tolerance and compare's report") {
    int exit_code = 0;
    const std::string xml = run_failures("-r xml", exit_code);
    CHECK(exit_code != 0);
    std::size_t cases = 0, failed = 0;
    for (auto at = xml.find("<TestCase name="); at != std::string::npos; at = xml.find("<TestCase name=", at + 1))
        ++cases;
    for (auto at = xml.find("<OverallResult success=\"false\""); at != std::string::npos;
         at = xml.find("<OverallResult success=\"false\"", at + 1))
        ++failed;
    CHECK(cases == 9);
    CHECK(failed == 9);

    {
        const std::string s = test_case(xml, "bitwise_equal on float vectors");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s, "type=\"CHECK_THAT\""));
        CHECK(has(s, "actual, repro::matchers::bitwise_equal(expected)"));
        CHECK(has(s, "} repro::matchers::bitwise_equal [bitwise]\n1 of 8 float values differ (12.5%) [bitwise]"));
        CHECK(
            has(s, "[5]: actual 1.00000012 (0x3f800001), expected 1 (0x3f800000), abs 1.19e-07, rel 1.19e-07, 1 ULP"));
    }
    {
        const std::string s = test_case(xml, "within_ulp on double scalars");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s, "repro::matchers::within_ulp [ulp <= 2]"));
        CHECK(has(s, "max 3 ULP at [0]"));
        CHECK(has(s,
                  "[0]: actual 0.10000000000000005 (0x3fb999999999999d), expected 0.10000000000000001 "
                  "(0x3fb999999999999a), abs 4.16e-17, rel 4.16e-16, 3 ULP"));
    }
    {
        const std::string s = test_case(xml, "close_to on shaped views lists at most 10 elements");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s, "repro::view of 5 x 10 float values repro::matchers::close_to [close: rtol 1e-06, atol 1e-06]"));
        CHECK(has(s, "50 of 50 float values differ"));
        CHECK(has(s, "rows (samples): 5 of 5 differ"));
        CHECK(has(s, "10 worst of 50 mismatches"));
        CHECK(has(s, "[49] (row 4, col 9): actual 0.0500000007 (0x3d4ccccd), expected 0 (0x00000000)"));
        CHECK_FALSE(has(s, "(row 3, col 9):"));  // the 11th worst is not listed
    }
    {
        const std::string s = test_case(xml, "close_to with a tolerance on std::array");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s, "repro::matchers::close_to [close: rtol 0.1, atol 0]"));
        CHECK(has(s, "[1]: actual 2.5 (0x4004000000000000), expected 2 (0x4000000000000000), abs 0.5, rel 0.25"));
    }
    {
        const std::string s = test_case(xml, "a size mismatch fails the match with the reason");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(
            s, "repro::matchers::bitwise_equal [bitwise]\nerror: repro::compare: actual has 3 values, expected has 4"));
    }
    {
        const std::string s = test_case(xml, "a negative tolerance fails the match with the reason");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s,
                  "repro::matchers::close_to [invalid tolerance]\n"
                  "error: repro::tolerance::close: rtol and atol must be finite and >= 0"));
    }
    {
        const std::string s = test_case(xml, "require_that stops the test case");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s, "type=\"REQUIRE_THAT\""));
        CHECK(has(s, "[0]: actual 1 (0x3f800000), expected -1 (0xbf800000)"));
        CHECK_FALSE(has(xml, "REACHED AFTER REQUIRE_THAT"));
    }
    {
        const std::string s = test_case(xml, "batch invariance check on a forward pass that subtracts the batch mean");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s,
                  "REPRO_CHECK_BATCH_INVARIANT( repro_test::subtract_batch_mean, samples.data(), samples.size() / 2, 2, 2 )\n"
                  "repro batch invariance: 16 samples, 2 -> 2 float values"));
        CHECK(has(s, "\nothers replaced"));
        CHECK(has(s, "diagnosis: cross-sample dependence."));
    }
    {
        const std::string s = test_case(xml, "batch invariance require with a bad argument stops the test case");
        INFO(s);
        check_reported_at_announced_line(s);
        CHECK(has(s,
                  "REPRO_REQUIRE_BATCH_INVARIANT( identity, no_samples, 4, 1, 1 )\n"
                  "error: repro::check_batch_invariance: samples is a null pointer"));
        CHECK_FALSE(has(xml, "REACHED AFTER REPRO_REQUIRE_BATCH_INVARIANT"));
    }

    // The console reporter, as a user sees it: every failure at its announced line.
    const std::string console = run_failures("2>&1", exit_code);
    INFO(console);
    CHECK(exit_code != 0);
    CHECK(has(console, "test cases: 9 | 9 failed"));
    std::size_t located = 0;
    for (auto at = console.find("expect failure at line "); at != std::string::npos;
         at = console.find("expect failure at line ", at + 1)) {
        const std::string where = "catch2_failures.cpp:" + announced_line(console.substr(at)) + ": FAILED:";
        CHECK(has(console, where));
        ++located;
    }
    CHECK(located == 9);
    CHECK(has(console, "with expansion:\n  0.1 repro::matchers::within_ulp [ulp <= 2]\n"));
}
