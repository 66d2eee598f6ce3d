// libFuzzer target: repro::compare on arbitrary bit patterns (NaN payloads,
// -0, subnormals, infinities) of float and double, flat and shaped, in each
// tolerance mode. The first bytes choose the type, the mode, nan_equal and
// the row width; the rest is split into the two arrays. Properties: the
// counts are consistent (mismatches <= count, the NaN and Inf mismatches
// among them, rows_differing <= rows), an array compared with itself
// passes (bitwise always; ULP and close when NaNs are equal or absent), and
// the report prints.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <repro/compare.hpp>
#include <vector>

namespace {

template <class T>
void check(const std::uint8_t* data, std::size_t size, std::uint8_t mode, std::size_t cols) {
    const std::size_t n = size / (2 * sizeof(T));
    std::vector<T> a(n), b(n);
    if (n != 0) {
        std::memcpy(a.data(), data, n * sizeof(T));
        std::memcpy(b.data(), data + n * sizeof(T), n * sizeof(T));
    }
    repro::tolerance tol = (mode & 3) == 0   ? repro::tolerance::bitwise()
                           : (mode & 3) == 1 ? repro::tolerance::ulp(mode >> 4)
                           : (mode & 3) == 2 ? repro::tolerance::close()
                                             : repro::tolerance::close(1e-3 * (mode >> 4), 1e-6);
    tol = tol.with_nan_equal((mode & 4) == 0);
    const bool shaped = cols != 0 && n % cols == 0;
    const repro::compare_report r =
        shaped ? repro::compare(a.data(), b.data(), n / cols, cols, tol) : repro::compare(a.data(), b.data(), n, tol);
    if (r.count != n || r.mismatches > n || r.nan_mismatches + r.inf_mismatches > r.mismatches) std::abort();
    if (r.rows_differing > r.rows || r.worst.size() > repro::compare_report::kept) std::abort();
    if (r.passed() != (r.mismatches == 0)) std::abort();
    (void)r.to_string();
    bool nan = false;
    for (T v : a) nan |= v != v;
    const repro::compare_report self = repro::compare(a.data(), a.data(), n, tol);
    if ((tol.mode == repro::compare_mode::bitwise || tol.nan_equal || !nan) && !self.passed()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    const std::size_t cols = data[2] % 9;
    if (data[0] & 1)
        check<double>(data + 3, size - 3, data[1], cols);
    else
        check<float>(data + 3, size - 3, data[1], cols);
    return 0;
}
