#pragma once
// repro/detail/meta.hpp - element traits shared by every header: the type a
// value widens to, the exact widening itself, and the element type of a
// contiguous container.

#include <iterator>
#include <type_traits>
#include <utility>

#include "../fp.hpp"
#include "prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {

// The type T widens to exactly, and the accumulator of its reductions:
// double for double; float for float, half and bfloat16.
template <class T>
using widened_t = std::conditional_t<std::is_same<T, double>::value, double, float>;

// x as A, exactly: A is T, or double from float, or float (or double) from
// a narrow type through repro::widen (from the bits, NaN payloads kept).
template <class A, class T>
REPRO_HD A widen_to(T x) {
    if constexpr (std::is_same<T, A>::value)
        return x;
    else if constexpr (std::is_floating_point<T>::value)
        return static_cast<A>(x);
    else
        return static_cast<A>(repro::widen(x));
}

// The element type of a contiguous container (std::vector, std::array, C
// arrays, spans): what std::data points to. SFINAE-friendly.
template <class C, class = void>
struct contiguous_element {};
template <class C>
struct contiguous_element<
    C, std::void_t<decltype(std::data(std::declval<const C&>())), decltype(std::size(std::declval<const C&>()))>> {
    using type = std::remove_cv_t<std::remove_pointer_t<decltype(std::data(std::declval<const C&>()))>>;
};
template <class C>
using element_of = typename contiguous_element<C>::type;

// Optional pointer arguments (null allowed) must not take part in deducing T.
template <class T>
using non_deduced = typename std::enable_if<true, T>::type;

}  // namespace detail
REPRO_NAMESPACE_END

#include "epilogue.hpp"
