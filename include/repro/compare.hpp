#pragma once
// repro/compare.hpp - compare an actual array with an expected one and report
// how far apart they are: mismatch count, worst absolute / relative / ULP
// difference with its index, NaN and Inf mismatches, and for shaped data
// (rows = samples) the rows that differ and the rows whose argmax changed.
// Values print with round-trip precision and their hex bits, so a 1-ULP
// difference never reads as `1 == 1`.

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/errors.hpp"
#include "detail/meta.hpp"
#include "fp.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

enum class compare_mode {
    bitwise,  // equal bit patterns (+0 != -0, NaN payloads matter)
    ulp,      // ulp_distance(actual, expected) <= max_ulp (+0 == -0)
    close,    // |actual - expected| <= fma(rtol, |expected|, atol), as torch.testing.assert_close
};

// What counts as a match. In ulp and close modes two NaNs match when
// nan_equal is set (the default) and a NaN never matches a number; in
// bitwise mode the bits decide.
struct tolerance {
    compare_mode mode = compare_mode::bitwise;
    std::uint64_t max_ulp = 0;
    double rtol = 0.0;
    double atol = 0.0;
    bool nan_equal = true;
    bool type_defaults = false;  // close(): rtol/atol chosen by the compared type

    static tolerance bitwise() { return {}; }

    static tolerance ulp(std::uint64_t max_ulp) {
        tolerance t;
        t.mode = compare_mode::ulp;
        t.max_ulp = max_ulp;
        return t;
    }

    static tolerance close(double rtol, double atol) {
        if (!(rtol >= 0.0) || !(atol >= 0.0) || std::isinf(rtol) || std::isinf(atol))
            throw std::invalid_argument("repro::tolerance::close: rtol and atol must be finite and >= 0");
        tolerance t;
        t.mode = compare_mode::close;
        t.rtol = rtol;
        t.atol = atol;
        return t;
    }

    // rtol/atol of the compared type: float (1.3e-6, 1e-5), double (1e-7, 1e-7),
    // half (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5).
    static tolerance close() {
        tolerance t;
        t.mode = compare_mode::close;
        t.type_defaults = true;
        return t;
    }

    tolerance with_nan_equal(bool on) const {
        tolerance t = *this;
        t.nan_equal = on;
        return t;
    }

    template <class T>
    tolerance resolved_for() const {
        tolerance t = *this;
        if (t.type_defaults) {
            t.rtol = float_traits<T>::default_rtol;
            t.atol = float_traits<T>::default_atol;
            t.type_defaults = false;
        }
        return t;
    }
};

// A read-only view of n values, or of rows x cols values stored row-major
// (one sample per row), rows row_stride elements apart (0: packed). Shaped
// views make compare report (row, col) indices, differing rows and argmax
// flips; indices are always row * cols + col.
template <class T>
struct array_view {
    const T* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    bool shaped = false;
    std::size_t row_stride = 0;
    std::size_t size() const { return rows * cols; }
    const T* row(std::size_t r) const { return data + r * (row_stride ? row_stride : cols); }
};

template <class T>
array_view<T> view(const T* data, std::size_t n) {
    return {data, 1, n, false};
}

template <class T>
array_view<T> view(const T* data, std::size_t rows, std::size_t cols) {
    detail::checked_mul(rows, cols, "view", "rows * cols");
    return {data, rows, cols, true};
}

// rows x cols values whose rows start row_stride elements apart (padded rows).
template <class T>
array_view<T> view(const T* data, std::size_t rows, std::size_t cols, std::size_t row_stride) {
    if (row_stride < cols) throw std::invalid_argument("repro::view: row_stride is smaller than cols");
    detail::checked_mul(rows, row_stride, "view", "rows * row_stride");
    return {data, rows, cols, true, row_stride};
}

// One compared element, as listed in a report.
struct compared_element {
    std::size_t index = 0;
    std::size_t row = 0;
    std::size_t col = 0;
    double actual = 0.0;  // exact widening of the compared type
    double expected = 0.0;
    std::uint64_t actual_bits = 0;
    std::uint64_t expected_bits = 0;
    double abs_diff = 0.0;
    double rel_diff = 0.0;
    std::uint64_t ulp = 0;
};

// The worst value of one statistic and where it occurred.
template <class V>
struct worst_at {
    V value{};
    std::size_t index = static_cast<std::size_t>(-1);  // npos until some element is seen
    bool found() const { return index != static_cast<std::size_t>(-1); }
};

struct compare_report {
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    static constexpr std::size_t kept = 16;  // mismatches kept for listing, worst first

    // What was compared.
    const char* type_name = "";
    int digits = 17;      // decimal digits that round-trip the type
    int hex_digits = 16;  // width of the bit pattern
    tolerance tol;
    std::size_t count = 0;
    std::size_t rows = 1;
    std::size_t cols = 0;
    bool shaped = false;

    // What was found.
    std::size_t mismatches = 0;
    std::size_t nan_mismatches = 0;  // one side NaN, or both with nan_equal off / different bits
    std::size_t inf_mismatches = 0;  // one side infinite and the other not the same infinity
    // Worst differences over the pairs where neither side is NaN (matching
    // pairs included: a pass in close mode still shows its drift).
    worst_at<double> worst_abs;
    worst_at<double> worst_rel;
    worst_at<std::uint64_t> worst_ulp;
    // Shaped data only.
    std::size_t rows_differing = 0;
    std::size_t worst_row = npos;  // most mismatches, then largest ULP, then lowest index
    std::size_t worst_row_mismatches = 0;
    std::vector<std::size_t> argmax_flips;  // rows whose argmax differs
    std::vector<compared_element> worst;    // up to `kept` mismatches, worst first

    bool passed() const { return mismatches == 0; }
    explicit operator bool() const { return passed(); }
    double mismatch_fraction() const { return count ? double(mismatches) / double(count) : 0.0; }

    std::string format_value(double v, std::uint64_t bits) const {
        char buf[96];
        std::snprintf(buf, sizeof buf, "%.*g (0x%0*" PRIx64 ")", digits, v, hex_digits, bits);
        return buf;
    }

    std::string where(std::size_t index) const {
        char buf[80];
        if (shaped && cols)
            std::snprintf(buf, sizeof buf, "[%zu] (row %zu, col %zu)", index, index / cols, index % cols);
        else
            std::snprintf(buf, sizeof buf, "[%zu]", index);
        return buf;
    }

    std::string describe_tolerance() const {
        char buf[128];
        switch (tol.mode) {
            case compare_mode::bitwise:
                return "bitwise";
            case compare_mode::ulp:
                std::snprintf(buf, sizeof buf, "ulp <= %" PRIu64 "%s", tol.max_ulp,
                              tol.nan_equal ? "" : ", NaN != NaN");
                return buf;
            case compare_mode::close:
                std::snprintf(buf, sizeof buf, "close: rtol %.3g, atol %.3g%s", tol.rtol, tol.atol,
                              tol.nan_equal ? "" : ", NaN != NaN");
                return buf;
        }
        return "?";
    }

    // One line: "3 of 1024 differ (0.293%), worst 4 ULP at [17] (row 0, col 17)".
    std::string summary() const {
        char buf[256];
        std::snprintf(buf, sizeof buf, "%zu of %zu %s values differ (%.3g%%) [%s]", mismatches, count, type_name,
                      100.0 * mismatch_fraction(), describe_tolerance().c_str());
        std::string s = buf;
        if (worst_ulp.found() && worst_ulp.value) {
            std::snprintf(buf, sizeof buf, ", max %" PRIu64 " ULP at ", worst_ulp.value);
            s += buf + where(worst_ulp.index);
        }
        return s;
    }

    // The full report, listing at most max_listed of the worst mismatches.
    std::string to_string(std::size_t max_listed = 10) const {
        char buf[256];
        std::string s = summary() + "\n";
        if (worst_abs.found()) {
            std::snprintf(buf, sizeof buf, "  worst abs diff %.*g at ", digits, worst_abs.value);
            s += buf + where(worst_abs.index) + "\n";
            std::snprintf(buf, sizeof buf, "  worst rel diff %.3g at ", worst_rel.value);
            s += buf + where(worst_rel.index) + "\n";
            std::snprintf(buf, sizeof buf, "  worst ULP distance %" PRIu64 " at ", worst_ulp.value);
            s += buf + where(worst_ulp.index) + "\n";
        }
        std::snprintf(buf, sizeof buf, "  NaN mismatches %zu, Inf mismatches %zu\n", nan_mismatches, inf_mismatches);
        s += buf;
        if (shaped) {
            std::snprintf(buf, sizeof buf, "  rows (samples): %zu of %zu differ", rows_differing, rows);
            s += buf;
            if (worst_row != npos) {
                std::snprintf(buf, sizeof buf, "; worst row %zu (%zu values)", worst_row, worst_row_mismatches);
                s += buf;
            }
            std::snprintf(buf, sizeof buf, "; argmax differs in %zu rows", argmax_flips.size());
            s += buf;
            for (std::size_t i = 0; i < argmax_flips.size() && i < max_listed; ++i)
                s += (i ? ", " : ": ") + std::to_string(argmax_flips[i]);
            if (argmax_flips.size() > max_listed) s += ", ...";
            s += "\n";
        }
        const std::size_t listed = std::min(max_listed, worst.size());
        if (listed) {
            std::snprintf(buf, sizeof buf, "  %zu worst of %zu mismatches:\n", listed, mismatches);
            s += buf;
        }
        for (std::size_t i = 0; i < listed; ++i) {
            const compared_element& e = worst[i];
            s += "    " + where(e.index) + ": actual " + format_value(e.actual, e.actual_bits) + ", expected " +
                 format_value(e.expected, e.expected_bits);
            if (e.ulp == ~std::uint64_t(0))
                std::snprintf(buf, sizeof buf, ", ULP n/a (NaN)\n");
            else
                std::snprintf(buf, sizeof buf, ", abs %.3g, rel %.3g, %" PRIu64 " ULP\n", e.abs_diff, e.rel_diff,
                              e.ulp);
            s += buf;
        }
        return s;
    }

    friend std::ostream& operator<<(std::ostream& os, const compare_report& r) { return os << r.to_string(); }
};

namespace detail {

// Ordering of listed mismatches: larger ULP distance (NaN pairs count as
// the largest), then larger absolute difference, then lower index.
inline bool worse(const compared_element& a, const compared_element& b) {
    if (a.ulp != b.ulp) return a.ulp > b.ulp;
    const double inf = std::numeric_limits<double>::infinity();
    const double da = std::isnan(a.abs_diff) ? inf : a.abs_diff;
    const double db = std::isnan(b.abs_diff) ? inf : b.abs_diff;
    if (da != db) return da > db;
    return a.index < b.index;
}

// Index of the first pair in [i, end) that is not an identical non-NaN pair
// (the common case, with nothing to measure); blocks of 16 are tested with
// branch-free integer operations that the compiler vectorises.
template <class T>
std::size_t skip_identical(const T* a, const T* e, std::size_t i, std::size_t end) {
    using tr = float_traits<T>;
    using bits = typename tr::bits_type;
    auto differs = [](bits x, bits y) -> bits {
        // x ^ y is nonzero when the bits differ; the second term has the sign
        // bit set when x is NaN (its magnitude exceeds infinity's).
        return static_cast<bits>((x ^ y) | ((tr::infinity_bits - (x & tr::magnitude_mask)) & tr::sign_mask));
    };
    constexpr std::size_t block = 16;
    for (; i + block <= end; i += block) {
        bits any = 0;
        for (std::size_t k = 0; k < block; ++k) any |= differs(to_bits(a[i + k]), to_bits(e[i + k]));
        if (any) break;
    }
    while (i < end && !differs(to_bits(a[i]), to_bits(e[i]))) ++i;
    return i;
}

// The one comparison loop behind every overload.
template <class T>
compare_report compare_views(array_view<T> actual, array_view<T> expected, tolerance tol) {
    using tr = float_traits<T>;
    static_assert(tr::supported,
                  "repro::compare: unsupported element type (include repro/eigen.hpp for Eigen::half/bfloat16)");
    const std::size_t n = actual.size();
    if (actual.data == nullptr && n != 0) throw std::invalid_argument("repro::compare: actual is a null pointer");
    if (expected.data == nullptr && n != 0) throw std::invalid_argument("repro::compare: expected is a null pointer");

    compare_report r;
    r.type_name = tr::name;
    r.digits = tr::max_digits10;
    r.hex_digits = tr::hex_digits;
    r.tol = tol.resolved_for<T>();
    r.count = n;
    r.rows = actual.rows;
    r.cols = actual.cols;
    r.shaped = actual.shaped;

    const tolerance& t = r.tol;
    std::vector<compared_element> kept;
    compared_element cutoff;
    bool have_cutoff = false;
    std::uint64_t worst_row_ulp = 0;

    // Any other pair: returns whether it matches and updates the statistics.
    auto visit = [&](std::size_t i, T a, T e, std::uint64_t& row_worst_ulp) {
        compared_element el;
        el.index = i;
        el.row = r.cols ? i / r.cols : 0;
        el.col = r.cols ? i % r.cols : i;
        el.actual = tr::to_double(a);
        el.expected = tr::to_double(e);
        el.actual_bits = to_bits(a);
        el.expected_bits = to_bits(e);
        bool match;
        if (is_nan(a) || is_nan(e)) {
            el.abs_diff = el.rel_diff = std::numeric_limits<double>::quiet_NaN();
            el.ulp = ~std::uint64_t(0);
            match = t.mode == compare_mode::bitwise ? bitwise_equal(a, e) : (is_nan(a) && is_nan(e) && t.nan_equal);
            if (!match) ++r.nan_mismatches;
        } else {
            el.ulp = ulp_distance(a, e);
            el.abs_diff = el.ulp == 0 ? 0.0 : std::fabs(el.actual - el.expected);
            el.rel_diff = el.abs_diff == 0.0 ? 0.0
                          : is_finite(e)     ? el.abs_diff / std::fabs(el.expected)
                                             : std::numeric_limits<double>::infinity();
            switch (t.mode) {
                case compare_mode::bitwise:
                    match = false;
                    break;
                case compare_mode::ulp:
                    match = el.ulp <= t.max_ulp;
                    break;
                default:
                    match = el.ulp == 0 || (is_finite(a) && is_finite(e) &&
                                            el.abs_diff <= repro::fma(t.rtol, std::fabs(el.expected), t.atol));
            }
            if (!match && (is_inf(a) || is_inf(e))) ++r.inf_mismatches;
            const bool first = !r.worst_ulp.found();
            if (first || el.abs_diff > r.worst_abs.value) r.worst_abs = {el.abs_diff, i};
            if (first || el.rel_diff > r.worst_rel.value) r.worst_rel = {el.rel_diff, i};
            if (first || el.ulp > r.worst_ulp.value) r.worst_ulp = {el.ulp, i};
        }
        if (!match) {
            ++r.mismatches;
            row_worst_ulp = std::max(row_worst_ulp, el.ulp);
            // Keep the `kept` worst: once pruned, anything not worse than the
            // best of those dropped can never be listed.
            if (!have_cutoff || worse(el, cutoff)) kept.push_back(el);
            if (kept.size() == 4 * compare_report::kept) {
                std::nth_element(kept.begin(), kept.begin() + compare_report::kept, kept.end(), worse);
                cutoff = kept[compare_report::kept];
                have_cutoff = true;
                kept.resize(compare_report::kept);
            }
        }
        return match;
    };

    for (std::size_t row = 0; row < r.rows && r.cols != 0; ++row) {
        const T* a = actual.row(row);
        const T* e = expected.row(row);
        std::size_t row_mismatches = 0;
        std::uint64_t row_worst_ulp = 0;
        for (std::size_t c = 0; c < r.cols; ++c) {
            c = skip_identical(a, e, c, r.cols);
            if (c < r.cols) row_mismatches += !visit(row * r.cols + c, a[c], e[c], row_worst_ulp);
        }
        if (!r.shaped) continue;
        if (row_mismatches) {
            ++r.rows_differing;
            if (row_mismatches > r.worst_row_mismatches ||
                (row_mismatches == r.worst_row_mismatches && row_worst_ulp > worst_row_ulp)) {
                r.worst_row = row;
                r.worst_row_mismatches = row_mismatches;
                worst_row_ulp = row_worst_ulp;
            }
        }
        if (first_extreme<true>(a, r.cols) != first_extreme<true>(e, r.cols)) r.argmax_flips.push_back(row);
    }
    // A worst difference of 0 is reported at the first non-NaN pair.
    if (!r.worst_ulp.found() || r.worst_abs.value == 0.0 || r.worst_rel.value == 0.0 || r.worst_ulp.value == 0) {
        std::size_t first = 0;
        while (first < n && (is_nan(actual.row(first / r.cols)[first % r.cols]) ||
                             is_nan(expected.row(first / r.cols)[first % r.cols])))
            ++first;
        if (first < n) {
            if (!r.worst_ulp.found()) r.worst_abs = {0.0, first}, r.worst_rel = {0.0, first}, r.worst_ulp = {0, first};
            if (r.worst_abs.value == 0.0) r.worst_abs.index = first;
            if (r.worst_rel.value == 0.0) r.worst_rel.index = first;
            if (r.worst_ulp.value == 0) r.worst_ulp.index = first;
        }
    }
    std::sort(kept.begin(), kept.end(), worse);
    if (kept.size() > compare_report::kept) kept.resize(compare_report::kept);
    r.worst = std::move(kept);
    return r;
}

template <class T>
void check_same_shape(const array_view<T>& actual, const array_view<T>& expected) {
    if (actual.shaped != expected.shaped || actual.size() != expected.size() ||
        (actual.shaped && actual.rows != expected.rows)) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "repro::compare: actual has %zu x %zu values, expected has %zu x %zu",
                      actual.rows, actual.cols, expected.rows, expected.cols);
        throw std::invalid_argument(buf);
    }
}

template <class C, class = void>
struct is_eigen_like : std::false_type {};
template <class C>
struct is_eigen_like<C, std::void_t<decltype(std::declval<const C&>().derived())>> : std::true_type {};

// Contiguous containers: std::vector, std::array, C arrays, spans. Eigen
// objects have data() too but are handled (with their shape) by repro/eigen.hpp.
template <class C>
using container_element_t = std::enable_if_t<!is_eigen_like<C>::value, typename contiguous_element<C>::type>;

// What compare reads from one argument: a float scalar, a container's or a view's element.
template <class X, class = void>
struct compared_type {};
template <class X>
struct compared_type<X, std::enable_if_t<float_traits<X>::supported>> {
    using type = X;
};
template <class X>
struct compared_type<X, std::void_t<container_element_t<X>>> {
    using type = container_element_t<X>;
};
template <class T>
struct compared_type<array_view<T>> {
    using type = T;
};

// Instantiated only for two different element types: the compiler's error
// names them as this template's arguments.
template <class Actual, class Expected>
struct same_element_types {
    static_assert(std::is_same<Actual, Expected>::value,
                  "repro::compare: actual and expected have different element types; the two are the template "
                  "arguments of repro::detail::same_element_types<actual's, expected's> in the lines above");
};

}  // namespace detail

// Views, flat or shaped (both sides must have the same shape).
template <class T>
compare_report compare(array_view<T> actual, array_view<T> expected, tolerance tol = tolerance::bitwise()) {
    detail::check_same_shape(actual, expected);
    return detail::compare_views(actual, expected, tol);
}

// n values at actual and expected.
template <class T>
compare_report compare(const T* actual, const T* expected, std::size_t n, tolerance tol = tolerance::bitwise()) {
    return detail::compare_views(view(actual, n), view(expected, n), tol);
}

// rows x cols values, row-major, one sample per row.
template <class T>
compare_report compare(const T* actual, const T* expected, std::size_t rows, std::size_t cols,
                       tolerance tol = tolerance::bitwise()) {
    return detail::compare_views(view(actual, rows, cols), view(expected, rows, cols), tol);
}

// Two scalars.
template <class T, class = std::enable_if_t<float_traits<T>::supported>>
compare_report compare(const T& actual, const T& expected, tolerance tol = tolerance::bitwise()) {
    return detail::compare_views(view(&actual, 1), view(&expected, 1), tol);
}

// Two contiguous containers of the same element type and size.
template <class A, class E, class T = detail::container_element_t<A>,
          class = std::enable_if_t<std::is_same<T, detail::container_element_t<E>>::value>>
compare_report compare(const A& actual, const E& expected, tolerance tol = tolerance::bitwise()) {
    const std::size_t n = std::size(actual);
    if (std::size(expected) != n) {
        throw std::invalid_argument("repro::compare: actual has " + std::to_string(n) + " values, expected has " +
                                    std::to_string(std::size(expected)));
    }
    return detail::compare_views(view(std::data(actual), n), view(std::data(expected), n), tol);
}

// Scalars, containers or views of two different element types: a compile
// error naming both types (instead of a list of overloads that do not fit).
template <class A, class E, class TA = typename detail::compared_type<A>::type,
          class TE = typename detail::compared_type<E>::type, std::enable_if_t<!std::is_same<TA, TE>::value, int> = 0>
compare_report compare(const A&, const E&, tolerance = tolerance::bitwise()) {
    (void)detail::same_element_types<TA, TE>{};
    return {};
}

// Two contiguous containers holding rows x cols values each.
template <class A, class E, class T = detail::container_element_t<A>,
          class = std::enable_if_t<std::is_same<T, detail::container_element_t<E>>::value>>
compare_report compare(const A& actual, const E& expected, std::size_t rows, std::size_t cols,
                       tolerance tol = tolerance::bitwise()) {
    const std::size_t n = detail::checked_mul(rows, cols, "compare", "rows * cols");
    if (std::size(actual) != n || std::size(expected) != n) {
        throw std::invalid_argument("repro::compare: shape " + std::to_string(rows) + " x " + std::to_string(cols) +
                                    " needs " + std::to_string(n) + " values; actual has " +
                                    std::to_string(std::size(actual)) + ", expected has " +
                                    std::to_string(std::size(expected)));
    }
    return detail::compare_views(view(std::data(actual), rows, cols), view(std::data(expected), rows, cols), tol);
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
