#pragma once
// repro/gtest.hpp - GoogleTest assertions over repro::compare (optional include).
//
//   REPRO_EXPECT_BITWISE_EQ(actual, expected)
//   REPRO_EXPECT_ULP(actual, expected, max_ulp)
//   REPRO_EXPECT_CLOSE(actual, expected, tol)   tol: a repro::tolerance, or a
//                                               number t meaning rtol = atol = t
//   REPRO_EXPECT_BATCH_INVARIANT(forward, samples, n, in_size, out_size [, options])
//   REPRO_ASSERT_... forms stop the test on failure (like ASSERT_EQ: only in
//   functions returning void).
//
// actual/expected: two scalars, two contiguous containers, two Eigen dense
// objects (include repro/eigen.hpp), or two repro::view(ptr, n) /
// repro::view(ptr, rows, cols). A failure is reported at the caller's file
// and line as the assertion, tolerance included (REPRO_EXPECT_ULP(a, b, 2)),
// then compare's report (the 10 worst elements) or, for the batch check,
// check_batch_invariance's table; a bad argument (shape mismatch, null
// pointer) fails the assertion with the exception's message. Like gtest's
// own assertions they take a streamed message:
// REPRO_EXPECT_ULP(out, ref, 2) << "step " << i;
//
// The same checks as predicate-formatters, for EXPECT_PRED_FORMAT2/3 and
// ASSERT_PRED_FORMAT2/3:
//
//   EXPECT_PRED_FORMAT2(repro::is_bitwise_eq, actual, expected);
//   EXPECT_PRED_FORMAT3(repro::is_within_ulp, actual, expected, max_ulp);
//   EXPECT_PRED_FORMAT3(repro::is_close, actual, expected, tol);

#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>

#include "compare.hpp"
#include "detail/assertions.hpp"
#include "invariance.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

// "name(a, b, c)": the assertion as the caller wrote it (null arguments left out).
inline std::string gtest_expression(const char* name, std::initializer_list<const char*> args) {
    std::string s = name;
    s += '(';
    const char* separator = "";
    for (const char* a : args) {
        if (!a) continue;
        s += separator;
        s += a;
        separator = ", ";
    }
    return s + ')';
}

// The outcome of the assertion name(args...), whose check returns a
// compare_report or an invariance_report: success when the report passes,
// else a failure whose message is the assertion and the report. An exception
// from the check (a bad argument) is a failure with its message, not an
// escape from the test.
template <class Check>
::testing::AssertionResult gtest_assertion(const char* name, std::initializer_list<const char*> args, Check&& check) {
    std::string message;
    try {
        const auto report = check();
        if (!assertion_failed(report)) return ::testing::AssertionSuccess();
        message = assertion_message(report);
        if (!message.empty() && message.back() == '\n') message.pop_back();
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << gtest_expression(name, args) << " threw an exception: " << e.what();
    } catch (...) {
        return ::testing::AssertionFailure() << gtest_expression(name, args) << " threw an unknown exception";
    }
    return ::testing::AssertionFailure() << gtest_expression(name, args) << " failed:\n" << message;
}

}  // namespace detail

// Predicate-formatters: EXPECT_PRED_FORMAT2(repro::is_bitwise_eq, actual, expected) and so on.
template <class A, class E>
::testing::AssertionResult is_bitwise_eq(const char* actual_text, const char* expected_text, const A& actual,
                                         const E& expected) {
    return detail::gtest_assertion("repro::is_bitwise_eq", {actual_text, expected_text},
                                   [&] { return ::repro::compare(actual, expected, tolerance::bitwise()); });
}

template <class A, class E>
::testing::AssertionResult is_within_ulp(const char* actual_text, const char* expected_text, const char* max_ulp_text,
                                         const A& actual, const E& expected, std::uint64_t max_ulp) {
    return detail::gtest_assertion("repro::is_within_ulp", {actual_text, expected_text, max_ulp_text},
                                   [&] { return ::repro::compare(actual, expected, tolerance::ulp(max_ulp)); });
}

// tol: a repro::tolerance, or a number t meaning rtol = atol = t.
template <class A, class E>
::testing::AssertionResult is_close(const char* actual_text, const char* expected_text, const char* tol_text,
                                    const A& actual, const E& expected, const tolerance& tol) {
    return detail::gtest_assertion("repro::is_close", {actual_text, expected_text, tol_text},
                                   [&] { return ::repro::compare(actual, expected, tol); });
}
template <class A, class E>
::testing::AssertionResult is_close(const char* actual_text, const char* expected_text, const char* tol_text,
                                    const A& actual, const E& expected, double tol) {
    return detail::gtest_assertion("repro::is_close", {actual_text, expected_text, tol_text},
                                   [&] { return ::repro::compare(actual, expected, detail::as_close_tolerance(tol)); });
}

REPRO_NAMESPACE_END

// The arguments are evaluated inside the check, so that what they throw
// fails the assertion too, as compare's own exceptions do. tol_text is null
// for the bitwise forms, whose tolerance the caller does not write.
#define REPRO_DETAIL_GTEST_ASSERT(on_failure, macro, actual, expected, tol_text, tol)                              \
    GTEST_ASSERT_(::repro::detail::gtest_assertion(macro, {#actual, #expected, tol_text},                          \
                                                   [&] { return ::repro::compare((actual), (expected), (tol)); }), \
                  on_failure)

#define REPRO_EXPECT_BITWISE_EQ(actual, expected)                                                            \
    REPRO_DETAIL_GTEST_ASSERT(GTEST_NONFATAL_FAILURE_, "REPRO_EXPECT_BITWISE_EQ", actual, expected, nullptr, \
                              ::repro::tolerance::bitwise())
#define REPRO_ASSERT_BITWISE_EQ(actual, expected)                                                         \
    REPRO_DETAIL_GTEST_ASSERT(GTEST_FATAL_FAILURE_, "REPRO_ASSERT_BITWISE_EQ", actual, expected, nullptr, \
                              ::repro::tolerance::bitwise())

#define REPRO_EXPECT_ULP(actual, expected, max_ulp)                                                    \
    REPRO_DETAIL_GTEST_ASSERT(GTEST_NONFATAL_FAILURE_, "REPRO_EXPECT_ULP", actual, expected, #max_ulp, \
                              ::repro::tolerance::ulp(max_ulp))
#define REPRO_ASSERT_ULP(actual, expected, max_ulp)                                                 \
    REPRO_DETAIL_GTEST_ASSERT(GTEST_FATAL_FAILURE_, "REPRO_ASSERT_ULP", actual, expected, #max_ulp, \
                              ::repro::tolerance::ulp(max_ulp))

#define REPRO_EXPECT_CLOSE(actual, expected, tol)                                                    \
    REPRO_DETAIL_GTEST_ASSERT(GTEST_NONFATAL_FAILURE_, "REPRO_EXPECT_CLOSE", actual, expected, #tol, \
                              ::repro::detail::as_close_tolerance(tol))
#define REPRO_ASSERT_CLOSE(actual, expected, tol)                                                 \
    REPRO_DETAIL_GTEST_ASSERT(GTEST_FATAL_FAILURE_, "REPRO_ASSERT_CLOSE", actual, expected, #tol, \
                              ::repro::detail::as_close_tolerance(tol))

// REPRO_EXPECT_BATCH_INVARIANT(forward, samples, n, in_size, out_size [, options])
// runs repro::check_batch_invariance and fails, with the report's table as
// its message, unless the forward pass is bitwise batch-invariant.
#define REPRO_DETAIL_GTEST_ASSERT_INVARIANT(on_failure, macro, ...)                                               \
    GTEST_ASSERT_(::repro::detail::gtest_assertion(macro, {#__VA_ARGS__},                                         \
                                                   [&] { return ::repro::check_batch_invariance(__VA_ARGS__); }), \
                  on_failure)

#define REPRO_EXPECT_BATCH_INVARIANT(...) \
    REPRO_DETAIL_GTEST_ASSERT_INVARIANT(GTEST_NONFATAL_FAILURE_, "REPRO_EXPECT_BATCH_INVARIANT", __VA_ARGS__)
#define REPRO_ASSERT_BATCH_INVARIANT(...) \
    REPRO_DETAIL_GTEST_ASSERT_INVARIANT(GTEST_FATAL_FAILURE_, "REPRO_ASSERT_BATCH_INVARIANT", __VA_ARGS__)

#include "detail/epilogue.hpp"
