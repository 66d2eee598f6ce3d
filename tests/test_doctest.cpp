// repro/doctest.hpp: the assertions pass when they should (here) and fail,
// at the caller's line and with compare's report, when they should (by
// running doctest_failures and reading its output).

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <limits>
#include <repro/doctest.hpp>
#include <repro/eigen.hpp>
#include <string>
#include <sys/wait.h>
#include <vector>

TEST_CASE("assertions pass on equal data of every accepted kind") {
    const std::vector<float> v{1.0f, -0.0f, std::numeric_limits<float>::quiet_NaN()};
    REPRO_CHECK_BITWISE_EQ(v, v);
    REPRO_REQUIRE_BITWISE_EQ(v, v);
    const std::array<double, 2> a{0.1, 0.2}, b{0.1, repro::next_up(0.2)};
    REPRO_CHECK_ULP(a, b, 1);
    REPRO_REQUIRE_ULP(a, b, 1);
    REPRO_CHECK_CLOSE(a, b, 1e-12);
    REPRO_REQUIRE_CLOSE(a, b, repro::tolerance::close());
    REPRO_CHECK_ULP(1.0f, repro::next_down(1.0f), 1);
    const Eigen::MatrixXf m = Eigen::MatrixXf::Random(4, 3);
    REPRO_CHECK_BITWISE_EQ(m, m);
    REPRO_CHECK_BITWISE_EQ(repro::view(m.data(), 3, 4), repro::view(m.data(), 3, 4));
}

namespace {

struct run_result {
    std::string output;
    int exit_code;
};

run_result run_failures() {
    std::string cmd = std::string("\"") + REPRO_DOCTEST_FAILURES + "\" --no-colors=true 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    run_result r;
    char buf[4096];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, got);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// The section of the output that belongs to one test case.
std::string section(const std::string& out, const std::string& test_case) {
    const auto begin = out.find("TEST CASE:  " + test_case);
    REQUIRE_MESSAGE(begin != std::string::npos, "no output for test case '", test_case, "'");
    const auto end = out.find("TEST CASE:  ", begin + 1);
    return out.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// The failure is reported at the line the case announced, as
// "doctest_failures.cpp:<line>: ERROR" (or FATAL ERROR for REQUIRE).
void check_reported_at_announced_line(const std::string& text) {
    const std::string marker = "expect failure at line ";
    const auto at = text.find(marker);
    REQUIRE(at != std::string::npos);
    const std::string line = std::to_string(std::stoi(text.substr(at + marker.size())));
    const std::string where = "doctest_failures.cpp:" + line + ": ";
    const bool reported =
        text.find(where + "ERROR") != std::string::npos || text.find(where + "FATAL ERROR") != std::string::npos;
    CHECK_MESSAGE(reported, text);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("failing assertions report index, both values, hex bits and ULP distance at the caller's line") {
    const run_result r = run_failures();
    CHECK(r.exit_code != 0);
    CHECK(has(r.output, "test cases: 7 | 0 passed | 7 failed"));

    std::string s = section(r.output, "bitwise check on arrays");
    check_reported_at_announced_line(s);
    CHECK(has(s, "ERROR: REPRO_CHECK_BITWISE_EQ( actual, expected ) is NOT correct!\n  1 of 8 float values differ"));
    CHECK_FALSE(has(s, "CHECK( REPRO_"));  // not wrapped in doctest's own CHECK( ... )
    CHECK_FALSE(has(s, "\n )"));           // nor closed by a lone parenthesis
    CHECK(has(s, "[5]: actual 1.00000012 (0x3f800001), expected 1 (0x3f800000)"));
    CHECK(has(s, "1 ULP"));

    s = section(r.output, "ulp check on scalars");
    check_reported_at_announced_line(s);
    CHECK(has(s, "REPRO_CHECK_ULP( y, x, 2 ) is NOT correct!"));  // the tolerance as written
    CHECK(has(s, "[ulp <= 2]"));
    CHECK(has(s, "0x3fb999999999999d"));
    CHECK(has(s, "0x3fb999999999999a"));
    CHECK(has(s, "3 ULP"));

    s = section(r.output, "require stops the test case");
    check_reported_at_announced_line(s);
    CHECK(has(s, "REPRO_REQUIRE_ULP( a, b, 0 ) is NOT correct!"));
    CHECK_FALSE(has(r.output, "REACHED AFTER REQUIRE"));

    s = section(r.output, "close check on Eigen logits lists at most 10 elements");
    check_reported_at_announced_line(s);
    CHECK(has(s, "50 of 50 float values differ"));
    CHECK(has(s, "10 worst of 50 mismatches"));
    CHECK(has(s, "(row 4, col 9)"));
    CHECK(has(s, "rows (samples): 5 of 5 differ"));
    CHECK_FALSE(has(s, "(row 3, col 9)"));  // the 11th worst is not listed

    s = section(r.output, "shape mismatch fails the assertion with the reason");
    check_reported_at_announced_line(s);
    CHECK(has(s, "repro::compare: actual has 3 values, expected has 4"));

    s = section(r.output, "views of raw pointers");
    check_reported_at_announced_line(s);
    CHECK(has(s, "(row 1, col 2)"));
    CHECK(has(s, "actual -6 (0xc0c00000), expected 6 (0x40c00000)"));

    s = section(r.output, "batch invariance check on a forward pass that subtracts the batch mean");
    check_reported_at_announced_line(s);
    CHECK(has(s, "REPRO_CHECK_BATCH_INVARIANT( repro_test::subtract_batch_mean, samples.data(), samples.size() / 2, 2, 2 )"));
    CHECK(has(s, "16 samples, 2 -> 2 float values"));
    CHECK(has(s, "\n  others replaced"));  // the table, indented under the assertion
    CHECK(has(s, "diagnosis: cross-sample dependence."));
}
