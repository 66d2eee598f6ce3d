#pragma once
// repro/detail/errors.hpp - the argument checks of every host entry point
// (docs/design.md, rule 9). Each throws before any work is done, with a
// message that starts "repro::<function>: " and names the argument.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>

#include "../threads.hpp"
#include "prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

// std::invalid_argument("repro::<function>: <message>").
[[noreturn]] inline void throw_invalid(const char* function, const std::string& message) {
    throw std::invalid_argument(std::string("repro::") + function + ": " + message);
}

// A null pointer is accepted only for an empty range.
inline void check_pointer(const void* p, std::size_t n, const char* function, const char* argument) {
    if (p == nullptr && n != 0) throw_invalid(function, std::string(argument) + " is a null pointer");
}

// a * b, or std::length_error when it does not fit in std::size_t.
inline std::size_t checked_mul(std::size_t a, std::size_t b, const char* function, const char* what) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        throw std::length_error(std::string("repro::") + function + ": " + what + " overflows std::size_t");
    return a * b;
}

// The product of sizes (0 when one is 0), or std::length_error naming what
// they measure when it does not fit in std::size_t.
inline std::size_t checked_product(std::initializer_list<std::size_t> sizes, const char* function, const char* what) {
    std::size_t p = 1;
    bool overflow = false;
    for (const std::size_t s : sizes) {
        if (s == 0) return 0;
        if (p > std::numeric_limits<std::size_t>::max() / s) overflow = true;
        p *= s;
    }
    if (overflow) throw std::length_error(std::string("repro::") + function + ": " + what + " overflows std::size_t");
    return p;
}

// a + b, or std::length_error when it does not fit in std::size_t.
inline std::size_t checked_add(std::size_t a, std::size_t b, const char* function, const char* what) {
    if (b > std::numeric_limits<std::size_t>::max() - a)
        throw std::length_error(std::string("repro::") + function + ": " + what + " overflows std::size_t");
    return a + b;
}

// A rows x cols matrix: its size in bytes fits in std::size_t, and the
// pointer is not null unless it is empty. Returns rows * cols. (Called on
// every product: nothing is built unless it throws.)
template <class T>
std::size_t check_matrix(const T* p, std::size_t rows, std::size_t cols, const char* function, const char* argument) {
    if (rows != 0 && cols > std::numeric_limits<std::size_t>::max() / sizeof(T) / rows)
        throw std::length_error(std::string("repro::") + function + ": " + argument + " (" + std::to_string(rows) +
                                " x " + std::to_string(cols) + ") overflows std::size_t");
    const std::size_t n = rows * cols;
    check_pointer(p, n, function, argument);
    return n;
}

inline void check_same_length(std::size_t a, std::size_t b, const char* function, const char* first,
                              const char* second) {
    if (a != b)
        throw_invalid(function, std::string(first) + " has " + std::to_string(a) + " values, " + second + " has " +
                                    std::to_string(b));
}

inline unsigned check_threads(threads t, const char* function) {
    if (t.count == 0) throw_invalid(function, "threads{0}");
    return t.count;
}

// True when the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share a byte.
inline bool overlaps(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
    const auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
    return a_bytes != 0 && b_bytes != 0 && x < y + b_bytes && y < x + a_bytes;
}

// An element-wise output is either the input itself (in place) or apart from
// it: one that starts elsewhere inside the input would read values the call
// has already overwritten.
inline void check_in_place_or_apart(const void* x, const void* y, std::size_t bytes, const char* function) {
    if (x != y && overlaps(x, bytes, y, bytes))
        throw_invalid(function, "y overlaps x (y must be x itself, for in place, or not overlap it)");
}

}  // namespace detail
REPRO_NAMESPACE_END

#include "epilogue.hpp"
