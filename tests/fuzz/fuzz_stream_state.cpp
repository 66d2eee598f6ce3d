// libFuzzer target: random_stream::from_string on arbitrary bytes.
// Properties: a rejected input throws std::invalid_argument and nothing
// else; an accepted one prints back as the same string, draws uniforms in
// [0, 1), and continues exactly as a copy restored from its printout.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <repro/random.hpp>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    repro::random_stream r = repro::random_stream::from_string("repro.stream.v1:" + std::string(56, '0'));
    try {
        r = repro::random_stream::from_string(text);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    if (r.to_string() != text) std::abort();
    repro::random_stream copy = repro::random_stream::from_string(r.to_string());
    for (int i = 0; i < 4; ++i) {
        const float u = r.uniform<float>(static_cast<std::uint64_t>(i));
        if (!(u >= 0.0f && u < 1.0f) || r.next_bits() != copy.next_bits()) std::abort();
    }
    return 0;
}
