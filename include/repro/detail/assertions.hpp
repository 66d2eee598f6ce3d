#pragma once
// repro/detail/assertions.hpp - what the test-framework adapters
// (repro/doctest.hpp, repro/gtest.hpp, repro/catch2.hpp) share: the
// tolerance a "close" assertion means, and when a report fails an assertion
// and with which message.

#include <string>

#include "../compare.hpp"
#include "../invariance.hpp"
#include "prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

// A close assertion's tolerance: a repro::tolerance, or a number t meaning rtol = atol = t.
inline tolerance as_close_tolerance(const tolerance& t) { return t; }
inline tolerance as_close_tolerance(double t) { return tolerance::close(t, t); }

// What fails an assertion, and the message it then shows, per report.
inline bool assertion_failed(const compare_report& r) { return !r.passed(); }
inline std::string assertion_message(const compare_report& r) { return r.to_string(10); }
inline bool assertion_failed(const invariance_report& r) { return !r.invariant(); }
inline std::string assertion_message(const invariance_report& r) { return r.table(); }

}  // namespace detail
REPRO_NAMESPACE_END

#include "epilogue.hpp"
