// Must not compile: a float compared with a double. The test checks that the
// error names both element types (tests/CMakeLists.txt).
#include <repro/doctest.hpp>

#include <vector>

TEST_CASE("float against double") {
    const std::vector<float> actual(3, 1.0f);
    const std::vector<double> expected(3, 1.0);
    REPRO_CHECK_ULP(actual, expected, 1);
}
