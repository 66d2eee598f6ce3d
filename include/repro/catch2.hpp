#pragma once
// repro/catch2.hpp - Catch2 matchers over repro::compare (optional include).
//
//   REQUIRE_THAT(actual, repro::matchers::bitwise_equal(expected))
//   REQUIRE_THAT(actual, repro::matchers::within_ulp(expected, max_ulp))
//   REQUIRE_THAT(actual, repro::matchers::close_to(expected, tol))   tol: a repro::tolerance, or a
//                                                                     number t meaning rtol = atol = t
//   CHECK_THAT works the same way.
//
// actual/expected: two scalars, two contiguous containers, two Eigen dense
// objects (include repro/eigen.hpp), or two repro::view(ptr, n) /
// repro::view(ptr, rows, cols). A failed match shows, after the matcher's
// name and tolerance, compare's report (the 10 worst elements); a bad
// argument (shape mismatch, null pointer, negative tolerance) fails the match
// with the exception's message. A matcher made from an lvalue `expected`
// refers to it, as Catch2's own matchers do; one made from a temporary keeps
// a copy.
//
//   REPRO_CHECK_BATCH_INVARIANT(forward, samples, n, in_size, out_size [, options])
//   REPRO_REQUIRE_BATCH_INVARIANT(...)   stops the test case on failure
//
// run repro::check_batch_invariance and fail, with the report's table as the
// message, unless the forward pass is bitwise batch-invariant.
//
// Catch2 v3 (<catch2/catch_test_macros.hpp>) or v2 (<catch2/catch.hpp>): the
// one already included, else v3 where it is installed, else v2.

#if !defined(TWOBLUECUBES_SINGLE_INCLUDE_CATCH_HPP_INCLUDED) && !defined(TWOBLUECUBES_CATCH_HPP_INCLUDED) && \
    !defined(CATCH_AMALGAMATED_HPP_INCLUDED)
#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_test_macros.hpp>
#include <catch2/catch_version_macros.hpp>
#include <catch2/matchers/catch_matchers_templated.hpp>
#elif __has_include(<catch2/catch.hpp>)
#include <catch2/catch.hpp>
#else
#include <catch.hpp>
#endif
#endif

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "compare.hpp"
#include "detail/assertions.hpp"
#include "invariance.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

// The base of a matcher whose match() is a template: any actual type.
#if CATCH_VERSION_MAJOR >= 3
using catch2_matcher_base = Catch::Matchers::MatcherGenericBase;
#else
using catch2_matcher_base = Catch::Matchers::Impl::MatcherUntypedBase;
#endif

// Whether repro::compare takes this pair. The call is unqualified so that the
// overloads declared after this header (repro/eigen.hpp's) are found through
// the tolerance argument.
template <class A, class E, class = void>
struct comparable : std::false_type {};
template <class A, class E>
struct comparable<A, E, std::void_t<decltype(compare(std::declval<const A&>(), std::declval<const E&>(), tolerance{}))>>
    : std::true_type {};

inline std::string without_final_newline(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// Matches when compare(actual, expected, tol) passes. match() keeps its report
// for describe() (Catch2 describes a matcher after matching it), so one
// matcher is not for several threads at once.
template <class Expected>
class compare_matcher : public catch2_matcher_base {
public:
    // An lvalue is referred to, a temporary kept.
    using stored_type = std::conditional_t<std::is_lvalue_reference<Expected>::value,
                                           const std::remove_reference_t<Expected>&, std::remove_cv_t<Expected>>;

    // tolerance_error: why the tolerance could not be made (the match then fails with it).
    compare_matcher(const char* name, Expected&& expected, tolerance tol, std::string tolerance_error = {})
        : name_(name),
          expected_(std::forward<Expected>(expected)),
          tol_(tol),
          tolerance_error_(std::move(tolerance_error)) {}

    template <class Actual>
    bool match(const Actual& actual) const {
        static_assert(comparable<Actual, std::remove_cv_t<std::remove_reference_t<Expected>>>::value,
                      "repro::matchers: repro::compare does not take this actual/expected pair (two scalars of one "
                      "type, two contiguous containers or two repro::view of one element type, two Eigen objects)");
        this->m_cachedToString.clear();  // Catch2 caches describe(): this match has a new one
        report_.reset();
        error_ = tolerance_error_;
        if (!error_.empty()) return false;
        try {
            report_ = compare(actual, expected_, tol_);
        } catch (const std::exception& e) {
            error_ = e.what();
            return false;
        }
        return !assertion_failed(*report_);
    }

    // "repro::matchers::<name> [<tolerance>]", then the failed match's report or error.
    std::string describe() const override {
        std::string s = std::string("repro::matchers::") + name_ + " [" + tolerance_text() + "]";
        if (!error_.empty())
            s += "\nerror: " + error_;
        else if (report_ && assertion_failed(*report_))
            s += "\n" + without_final_newline(assertion_message(*report_));
        return s;
    }

private:
    std::string tolerance_text() const {
        if (!tolerance_error_.empty()) return "invalid tolerance";
        if (report_) return report_->describe_tolerance();  // close(): the compared type's rtol and atol
        if (tol_.type_defaults) return "close: rtol and atol of the compared type";
        compare_report r;
        r.tol = tol_;
        return r.describe_tolerance();
    }

    const char* name_;
    stored_type expected_;
    tolerance tol_;
    std::string tolerance_error_;
    mutable std::optional<compare_report> report_;
    mutable std::string error_;
};

// What a batch-invariance check found: a failure's message, or nothing.
template <class Check>
std::optional<std::string> catch2_failure(Check&& check) {
    try {
        const auto report = check();
        if (!assertion_failed(report)) return std::nullopt;
        return without_final_newline(assertion_message(report));
    } catch (const std::exception& e) {
        return std::string("error: ") + e.what();
    }
}

}  // namespace detail

namespace matchers {

// Every element of actual has the bits of its expected element.
template <class Expected>
detail::compare_matcher<Expected> bitwise_equal(Expected&& expected) {
    return {"bitwise_equal", std::forward<Expected>(expected), tolerance::bitwise()};
}

// Every element of actual is at most max_ulp ULP from its expected element.
template <class Expected>
detail::compare_matcher<Expected> within_ulp(Expected&& expected, std::uint64_t max_ulp) {
    return {"within_ulp", std::forward<Expected>(expected), tolerance::ulp(max_ulp)};
}

// |actual - expected| <= fma(rtol, |expected|, atol) elementwise (repro::tolerance::close).
template <class Expected>
detail::compare_matcher<Expected> close_to(Expected&& expected, const tolerance& tol) {
    return {"close_to", std::forward<Expected>(expected), detail::as_close_tolerance(tol)};
}

// rtol = atol = t; a t that is negative, infinite or NaN fails the match with the reason.
template <class Expected>
detail::compare_matcher<Expected> close_to(Expected&& expected, double t) {
    tolerance tol;
    std::string error;
    try {
        tol = detail::as_close_tolerance(t);
    } catch (const std::invalid_argument& e) {
        error = e.what();
    }
    return {"close_to", std::forward<Expected>(expected), tol, std::move(error)};
}

}  // namespace matchers
REPRO_NAMESPACE_END

// How Catch2 prints a repro::view in a failure's expansion.
namespace Catch {
template <class T>
struct StringMaker<::repro::array_view<T>> {
    static std::string convert(const ::repro::array_view<T>& v) {
        std::string s = "repro::view of ";
        s += v.shaped ? std::to_string(v.rows) + " x " + std::to_string(v.cols) : std::to_string(v.size());
        if constexpr (::repro::float_traits<T>::supported) s += std::string(" ") + ::repro::float_traits<T>::name;
        return s + " values";
    }
};
}  // namespace Catch

// A translation unit that also includes repro/doctest.hpp (repro's header
// checks include every header) gets the macros of the adapter included last.
#undef REPRO_CHECK_BATCH_INVARIANT
#undef REPRO_REQUIRE_BATCH_INVARIANT

#if defined(CATCH_CONFIG_DISABLE)

#define REPRO_CHECK_BATCH_INVARIANT(...) ((void)0)
#define REPRO_REQUIRE_BATCH_INVARIANT(...) ((void)0)

#else

#define REPRO_DETAIL_CATCH2_INVARIANT(fail, succeed, macro, ...)                                           \
    do {                                                                                                   \
        const auto repro_failure_ =                                                                        \
            ::repro::detail::catch2_failure([&] { return ::repro::check_batch_invariance(__VA_ARGS__); }); \
        if (repro_failure_)                                                                                \
            fail(macro "( " #__VA_ARGS__ " )\n" << *repro_failure_);                                       \
        else                                                                                               \
            succeed(macro "( " #__VA_ARGS__ " )");                                                         \
    } while (false)

#if defined(CATCH_CONFIG_PREFIX_ALL)
#define REPRO_CHECK_BATCH_INVARIANT(...) \
    REPRO_DETAIL_CATCH2_INVARIANT(CATCH_FAIL_CHECK, CATCH_SUCCEED, "REPRO_CHECK_BATCH_INVARIANT", __VA_ARGS__)
#define REPRO_REQUIRE_BATCH_INVARIANT(...) \
    REPRO_DETAIL_CATCH2_INVARIANT(CATCH_FAIL, CATCH_SUCCEED, "REPRO_REQUIRE_BATCH_INVARIANT", __VA_ARGS__)
#else
#define REPRO_CHECK_BATCH_INVARIANT(...) \
    REPRO_DETAIL_CATCH2_INVARIANT(FAIL_CHECK, SUCCEED, "REPRO_CHECK_BATCH_INVARIANT", __VA_ARGS__)
#define REPRO_REQUIRE_BATCH_INVARIANT(...) \
    REPRO_DETAIL_CATCH2_INVARIANT(FAIL, SUCCEED, "REPRO_REQUIRE_BATCH_INVARIANT", __VA_ARGS__)
#endif

#endif

#include "detail/epilogue.hpp"
