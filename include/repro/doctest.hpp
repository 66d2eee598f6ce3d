#pragma once
// repro/doctest.hpp - doctest assertions over repro::compare (optional include).
//
//   REPRO_CHECK_BITWISE_EQ(actual, expected)
//   REPRO_CHECK_ULP(actual, expected, max_ulp)
//   REPRO_CHECK_CLOSE(actual, expected, tol)   tol: a repro::tolerance, or a
//                                               number t meaning rtol = atol = t
//   REPRO_REQUIRE_... forms stop the test case on failure.
//
// actual/expected: two scalars, two contiguous containers, two Eigen dense
// objects (include repro/eigen.hpp), or two repro::view(ptr, n) /
// repro::view(ptr, rows, cols). A failure is reported at the caller's file
// and line with compare's report (the 10 worst elements) as its message; a
// bad argument (shape mismatch, null pointer) fails the assertion with the
// exception's message.

#if !defined(DOCTEST_LIBRARY_INCLUDED)
#if __has_include(<doctest/doctest.h>)
#include <doctest/doctest.h>
#else
#include <doctest.h>
#endif
#endif

#include <algorithm>
#include <exception>
#include <string>

#include "compare.hpp"
#include "detail/assertions.hpp"
#include "invariance.hpp"
#include "detail/prologue.hpp"

#if defined(DOCTEST_CONFIG_DISABLE)

#define REPRO_DETAIL_ASSERT(assert_type, macro, arguments, actual, expected, tol) ((void)0)

#else

REPRO_NAMESPACE_BEGIN
namespace detail {

// Runs the check as one doctest assertion. A pass counts as doctest's own
// passing assertions do; a failure is reported at the caller's line as
// "<macro>( <arguments> ) is NOT correct!" followed by the report (not
// inside doctest's "CHECK( ... )", which would wrap the macro and the
// report a second time).
template <class Check>
void doctest_assert(doctest::assertType::Enum assert_type, const char* file, int line, const char* expr, Check&& run) {
    std::string failure;
    try {
        const auto report = run();
        if (assertion_failed(report)) {
            failure = std::string(expr) + " is NOT correct!";
            const std::string message = assertion_message(report);
            for (std::size_t at = 0; at < message.size();) {
                const std::size_t end = std::min(message.find('\n', at), message.size());
                failure += "\n  " + message.substr(at, end - at);
                at = end + 1;
            }
        }
    } catch (const std::exception& e) {
        failure = std::string(expr) + " threw: " + e.what();
    } catch (...) {
        failure = std::string(expr) + " threw an exception that is not a std::exception";
    }
    if (failure.empty()) {
        doctest::detail::ResultBuilder rb(assert_type, file, line, expr);
        rb.m_failed = false;
        if (rb.log()) DOCTEST_BREAK_INTO_DEBUGGER();
        return;
    }
    const bool require = (assert_type & doctest::assertType::is_require) != 0;
    doctest::detail::MessageBuilder mb(file, line, require ? doctest::assertType::is_require : doctest::assertType::is_check);
    mb* failure;
    if (mb.log()) DOCTEST_BREAK_INTO_DEBUGGER();
    mb.react();
}

}  // namespace detail
REPRO_NAMESPACE_END

// arguments: the macro's own, as written, tolerance included
#define REPRO_DETAIL_ASSERT(assert_type, macro, arguments, actual, expected, tol)                          \
    ::repro::detail::doctest_assert(doctest::assertType::assert_type, __FILE__, __LINE__, macro "( " arguments " )", \
                                    [&] { return ::repro::compare((actual), (expected), (tol)); })

#endif

#define REPRO_CHECK_BITWISE_EQ(actual, expected)                                                     \
    REPRO_DETAIL_ASSERT(DT_CHECK, "REPRO_CHECK_BITWISE_EQ", #actual ", " #expected, actual, expected, \
                        ::repro::tolerance::bitwise())
#define REPRO_REQUIRE_BITWISE_EQ(actual, expected)                                                       \
    REPRO_DETAIL_ASSERT(DT_REQUIRE, "REPRO_REQUIRE_BITWISE_EQ", #actual ", " #expected, actual, expected, \
                        ::repro::tolerance::bitwise())

#define REPRO_CHECK_ULP(actual, expected, max_ulp)                                                          \
    REPRO_DETAIL_ASSERT(DT_CHECK, "REPRO_CHECK_ULP", #actual ", " #expected ", " #max_ulp, actual, expected, \
                        ::repro::tolerance::ulp(max_ulp))
#define REPRO_REQUIRE_ULP(actual, expected, max_ulp)                                                            \
    REPRO_DETAIL_ASSERT(DT_REQUIRE, "REPRO_REQUIRE_ULP", #actual ", " #expected ", " #max_ulp, actual, expected, \
                        ::repro::tolerance::ulp(max_ulp))

#define REPRO_CHECK_CLOSE(actual, expected, tol)                                                          \
    REPRO_DETAIL_ASSERT(DT_CHECK, "REPRO_CHECK_CLOSE", #actual ", " #expected ", " #tol, actual, expected, \
                        ::repro::detail::as_close_tolerance(tol))
#define REPRO_REQUIRE_CLOSE(actual, expected, tol)                                                            \
    REPRO_DETAIL_ASSERT(DT_REQUIRE, "REPRO_REQUIRE_CLOSE", #actual ", " #expected ", " #tol, actual, expected, \
                        ::repro::detail::as_close_tolerance(tol))

// REPRO_CHECK_BATCH_INVARIANT(forward, samples, n, in_size, out_size [, options])
// runs repro::check_batch_invariance and fails, with the report's table as
// its message, unless the forward pass is bitwise batch-invariant.

#if defined(DOCTEST_CONFIG_DISABLE)

#define REPRO_DETAIL_ASSERT_INVARIANT(assert_type, macro, ...) ((void)0)

#else

#define REPRO_DETAIL_ASSERT_INVARIANT(assert_type, macro, ...)                            \
    ::repro::detail::doctest_assert(doctest::assertType::assert_type, __FILE__, __LINE__, \
                                    macro "( " #__VA_ARGS__ " )",                         \
                                    [&] { return ::repro::check_batch_invariance(__VA_ARGS__); })

#endif

#define REPRO_CHECK_BATCH_INVARIANT(...) \
    REPRO_DETAIL_ASSERT_INVARIANT(DT_CHECK, "REPRO_CHECK_BATCH_INVARIANT", __VA_ARGS__)
#define REPRO_REQUIRE_BATCH_INVARIANT(...) \
    REPRO_DETAIL_ASSERT_INVARIANT(DT_REQUIRE, "REPRO_REQUIRE_BATCH_INVARIANT", __VA_ARGS__)

#include "detail/epilogue.hpp"
