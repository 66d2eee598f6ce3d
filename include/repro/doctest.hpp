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

#include "compare.hpp"
#include "invariance.hpp"
#include "detail/prologue.hpp"

#if defined(DOCTEST_CONFIG_DISABLE)

#define REPRO_DETAIL_ASSERT(assert_type, macro, actual, expected, tol) ((void)0)

#else

REPRO_NAMESPACE_BEGIN
namespace detail {

inline tolerance as_close_tolerance(const tolerance& t) { return t; }
inline tolerance as_close_tolerance(double t) { return tolerance::close(t, t); }

// What fails an assertion, and the message it then shows, per report.
inline bool assertion_failed(const compare_report& r) { return !r.passed(); }
inline std::string assertion_message(const compare_report& r) { return r.to_string(10); }
inline bool assertion_failed(const invariance_report& r) { return !r.invariant(); }
inline std::string assertion_message(const invariance_report& r) { return r.table(); }

// Runs the check inside a doctest assertion, as doctest's own macros do.
template <class Check>
void doctest_assert(doctest::assertType::Enum assert_type, const char* file, int line, const char* expr, Check&& run) {
    doctest::detail::ResultBuilder rb(assert_type, file, line, expr);
    try {
        const auto report = run();
        rb.m_failed = assertion_failed(report);
        if (rb.m_failed) rb.m_decomp = assertion_message(report).c_str();
    } catch (...) {
        rb.translateException();
    }
    if (rb.log()) DOCTEST_BREAK_INTO_DEBUGGER();
    rb.react();
}

}  // namespace detail
REPRO_NAMESPACE_END

#define REPRO_DETAIL_ASSERT(assert_type, macro, actual, expected, tol)                    \
    ::repro::detail::doctest_assert(doctest::assertType::assert_type, __FILE__, __LINE__, \
                                    macro "( " #actual ", " #expected " )",               \
                                    [&] { return ::repro::compare((actual), (expected), (tol)); })

#endif

#define REPRO_CHECK_BITWISE_EQ(actual, expected) \
    REPRO_DETAIL_ASSERT(DT_CHECK, "REPRO_CHECK_BITWISE_EQ", actual, expected, ::repro::tolerance::bitwise())
#define REPRO_REQUIRE_BITWISE_EQ(actual, expected) \
    REPRO_DETAIL_ASSERT(DT_REQUIRE, "REPRO_REQUIRE_BITWISE_EQ", actual, expected, ::repro::tolerance::bitwise())

#define REPRO_CHECK_ULP(actual, expected, max_ulp) \
    REPRO_DETAIL_ASSERT(DT_CHECK, "REPRO_CHECK_ULP", actual, expected, ::repro::tolerance::ulp(max_ulp))
#define REPRO_REQUIRE_ULP(actual, expected, max_ulp) \
    REPRO_DETAIL_ASSERT(DT_REQUIRE, "REPRO_REQUIRE_ULP", actual, expected, ::repro::tolerance::ulp(max_ulp))

#define REPRO_CHECK_CLOSE(actual, expected, tol) \
    REPRO_DETAIL_ASSERT(DT_CHECK, "REPRO_CHECK_CLOSE", actual, expected, ::repro::detail::as_close_tolerance(tol))
#define REPRO_REQUIRE_CLOSE(actual, expected, tol) \
    REPRO_DETAIL_ASSERT(DT_REQUIRE, "REPRO_REQUIRE_CLOSE", actual, expected, ::repro::detail::as_close_tolerance(tol))

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
