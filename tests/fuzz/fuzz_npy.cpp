// libFuzzer target: read_npy on arbitrary bytes (with and without
// bfloat16_from_16_bit_int), and read_raw on a dtype and shape taken from
// the first bytes. Properties: a rejected input throws std::invalid_argument
// or std::length_error and nothing else; an accepted one has as many values
// as its shape says, in the vector of its dtype only, and written back as a
// C-order little-endian .npy file it reads back to the same bits; compare
// of the values with themselves passes, along the first axis too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <repro/compare.hpp>
#include <repro/npy.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

template <class T>
void append_le(std::vector<std::uint8_t>& out, const std::vector<T>& v) {
    for (const T& x : v) {
        const std::uint64_t b = repro::to_bits(x);
        for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(b >> (8 * i)));
    }
}

// The array as a format 1.0 .npy file, C order, little-endian.
std::vector<std::uint8_t> write_npy(const repro::npy_array& a) {
    const char* descr = a.dtype == repro::npy_dtype::float16    ? "<f2"
                        : a.dtype == repro::npy_dtype::bfloat16 ? "<u2"
                        : a.dtype == repro::npy_dtype::float32  ? "<f4"
                                                                : "<f8";
    std::string shape = "(";
    for (const std::size_t d : a.shape) shape += std::to_string(d) + ",";
    std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + "), }\n";
    std::vector<std::uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    if (h.size() > 0xffff) std::abort();
    out.push_back(static_cast<std::uint8_t>(h.size() & 0xff));
    out.push_back(static_cast<std::uint8_t>(h.size() >> 8));
    out.insert(out.end(), h.begin(), h.end());
    append_le(out, a.f16);
    append_le(out, a.bf16);
    append_le(out, a.f32);
    append_le(out, a.f64);
    return out;
}

template <class T>
void check_values(const std::vector<T>& v, const std::vector<T>& again, const std::vector<std::size_t>& shape) {
    if (again.size() != v.size()) std::abort();
    for (std::size_t i = 0; i < v.size(); ++i)
        if (repro::to_bits(v[i]) != repro::to_bits(again[i])) std::abort();
    if (!repro::compare(v, again).passed()) std::abort();
    if (!shape.empty()) {
        const std::size_t rows = shape[0], cols = rows ? v.size() / rows : 0;
        if (!repro::compare(repro::view(v.data(), rows, cols), repro::view(again.data(), rows, cols)).passed())
            std::abort();
    }
}

void check(const repro::npy_array& a) {
    std::size_t count = 1;
    for (const std::size_t d : a.shape) count *= d;  // no overflow: the reader checked
    if (a.size() != count) std::abort();
    const std::size_t filled = a.f16.size() + a.bf16.size() + a.f32.size() + a.f64.size();
    if (filled != count) std::abort();
    repro::npy_read_options bf;
    bf.bfloat16_from_16_bit_int = true;
    const repro::npy_array b = repro::read_npy(write_npy(a), bf);
    if (b.dtype != a.dtype || b.shape != a.shape || b.fortran_order || b.big_endian) std::abort();
    check_values(a.f16, b.f16, a.shape);
    check_values(a.bf16, b.bf16, a.shape);
    check_values(a.f32, b.f32, a.shape);
    check_values(a.f64, b.f64, a.shape);
}

void fuzz_npy(const std::uint8_t* data, std::size_t size, bool bfloat16) {
    repro::npy_read_options options;
    options.bfloat16_from_16_bit_int = bfloat16;
    repro::npy_array a;
    try {
        a = repro::read_npy(data, size, options);
    } catch (const std::invalid_argument&) {
        return;
    } catch (const std::length_error&) {
        return;
    }
    check(a);
}

// Byte 0: the dtype; byte 1: the number of dimensions (0 to 3); then one
// byte per dimension; the rest is the data.
void fuzz_raw(const std::uint8_t* data, std::size_t size) {
    static const char* const dtypes[] = {"float16", "bfloat16", "float32", "float64", ">f2",  ">f4", ">f8", "<f8",
                                         "f4",      "half",     "bf16",    "double",  "int8", "",    "<u2", "|f4"};
    if (size < 2) return;
    const std::string dtype = dtypes[data[0] % 16];
    const std::size_t dims = data[1] % 4u;
    if (size < 2 + dims) return;
    std::vector<std::size_t> shape(data + 2, data + 2 + dims);
    repro::npy_array a;
    try {
        a = repro::read_raw(data + 2 + dims, size - 2 - dims, dtype, shape);
    } catch (const std::invalid_argument&) {
        return;
    } catch (const std::length_error&) {
        return;
    }
    check(a);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_npy(data, size, false);
    fuzz_npy(data, size, true);
    fuzz_raw(data, size);
    return 0;
}
