// The program every packaging test builds against an installed, added or
// Conan-packaged repro: it must compile with only repro's include path and
// give the contract's answers.
#include <cstdio>
#include <repro/repro.hpp>

int main() {
    const float denorm_min = repro::from_bits<float>(1u);
    const bool ok = repro::ulp_distance(denorm_min, -denorm_min) == 2 && !repro::bitwise_equal(0.0f, -0.0f) &&
                    repro::compare(1.0, repro::next_up(1.0), repro::tolerance::ulp(1)).passed();
    std::printf("repro %d.%d.%d consumer: %s\n", REPRO_VERSION_MAJOR, REPRO_VERSION_MINOR, REPRO_VERSION_PATCH,
                ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
