// libFuzzer target: exact_accumulator<T>::deserialize on arbitrary bytes,
// for float and double. Properties: a rejected input throws
// std::invalid_argument and nothing else; an accepted one serializes back to
// the same bytes, and merging it (with itself and with a fresh accumulator),
// result() and mean() stay defined (UndefinedBehaviorSanitizer watches the
// integer arithmetic); merge may refuse only with std::overflow_error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <repro/reduce.hpp>
#include <stdexcept>
#include <vector>

namespace {

template <class T>
void check(const std::uint8_t* data, std::size_t size) {
    repro::exact_accumulator<T> a;
    try {
        a = repro::exact_accumulator<T>::deserialize(data, size);
    } catch (const std::invalid_argument&) {
        return;
    }
    if (a.serialize() != std::vector<std::uint8_t>(data, data + size)) std::abort();
    (void)a.result();
    (void)a.mean();
    repro::exact_accumulator<T> fresh;
    fresh.add(T(1));
    fresh.add(T(-0.75));
    try {
        fresh.merge(a);
        (void)fresh.result();
        repro::exact_accumulator<T> twice = a;
        twice.merge(a);
        (void)twice.result();
        (void)twice.mean();
    } catch (const std::overflow_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check<float>(data, size);
    check<double>(data, size);
    return 0;
}
