// repro/npy.hpp: the .npy and raw readers on known bytes (every dtype, the
// three format versions, big-endian, Fortran order, scalars and empty
// arrays), a table of malformed inputs each rejected with its own message,
// every truncation and single-byte change of a valid file, and the files'
// paths. The known bytes are those numpy.save writes (NumPy 2.4: the header
// padded with spaces to a multiple of 64 bytes, then '\n').
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include <repro/compare.hpp>
#include <repro/npy.hpp>

namespace {

using bytes = std::vector<std::uint8_t>;

bytes from_hex(const std::string& hex) {
    bytes b;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        b.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return b;
}

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

// A .npy file as numpy.lib.format writes it: magic, version, header length
// (2 bytes in 1.0, 4 in 2.0 and 3.0), the header padded with spaces so that
// the data starts at a multiple of 64, '\n', then the data. pad = false
// keeps the header exactly as given.
bytes npy(const std::string& header, const bytes& data, int major = 1, bool pad = true) {
    const std::size_t pre = major == 1 ? 10 : 12;
    std::string h = header;
    if (pad) {
        const std::size_t total = (pre + h.size() + 1 + 63) / 64 * 64;
        h += std::string(total - pre - h.size() - 1, ' ') + "\n";
    }
    bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
    b.push_back(static_cast<std::uint8_t>(h.size() & 0xff));
    b.push_back(static_cast<std::uint8_t>((h.size() >> 8) & 0xff));
    if (major != 1) {
        b.push_back(static_cast<std::uint8_t>((h.size() >> 16) & 0xff));
        b.push_back(static_cast<std::uint8_t>((h.size() >> 24) & 0xff));
    }
    b.insert(b.end(), h.begin(), h.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
    return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
           ", }";
}

std::uint32_t bits_of(float x) { return repro::to_bits(x); }
std::uint64_t bits_of(double x) { return repro::to_bits(x); }

// The message of what f throws, checking its type and "repro::<function>: " prefix.
template <class E, class F>
std::string message_of(F f, const char* function = "read_npy") {
    try {
        f();
    } catch (const std::exception& e) {
        const std::string m = e.what();
        CAPTURE(m);
        CHECK_MESSAGE(typeid(e) == typeid(E), "threw " << typeid(e).name());
        CHECK(m.rfind(std::string("repro::") + function + ": ", 0) == 0);
        return m;
    }
    FAIL("did not throw");
    return {};
}

// A valid float32 file, as numpy.save writes np.array([[1, -2, 0.5], [3, 1e-45, inf]], '<f4').
const bytes f32_file = npy(dict("<f4", "(2, 3)"), from_hex("0000803f000000c00000003f00004040010000000000807f"));

}  // namespace

TEST_CASE("read_npy: float32, format 1.0, byte for byte as numpy.save writes it") {
    REQUIRE(f32_file.size() == 152);  // numpy.save's file: 128 bytes of preamble and header, 24 of data
    CHECK(std::string(f32_file.begin() + 10, f32_file.begin() + 20) == "{'descr': ");
    CHECK(f32_file[8] == 'v');  // header length 118
    const repro::npy_array a = repro::read_npy(f32_file);
    CHECK(a.dtype == repro::npy_dtype::float32);
    CHECK(a.descr == "<f4");
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(a.version_major == 1);
    CHECK(a.version_minor == 0);
    CHECK_FALSE(a.fortran_order);
    CHECK_FALSE(a.big_endian);
    REQUIRE(a.size() == 6);
    CHECK(a.f64.empty());
    CHECK(a.f16.empty());
    CHECK(a.bf16.empty());
    CHECK(a.f32[0] == 1.0f);
    CHECK(a.f32[1] == -2.0f);
    CHECK(a.f32[2] == 0.5f);
    CHECK(a.f32[3] == 3.0f);
    CHECK(bits_of(a.f32[4]) == 1u);  // the smallest subnormal
    CHECK(std::isinf(a.f32[5]));
    CHECK(std::string(repro::to_string(a.dtype)) == "float32");
}

TEST_CASE("read_npy: float64 big-endian, format 2.0") {
    // np.lib.format.write_array(f, np.array([1.0, -0.0], '>f8'), version=(2, 0))
    const bytes b = npy(dict(">f8", "(2,)"), from_hex("3ff00000000000008000000000000000"), 2);
    REQUIRE(b.size() == 144);
    const repro::npy_array a = repro::read_npy(b);
    CHECK(a.dtype == repro::npy_dtype::float64);
    CHECK(a.big_endian);
    CHECK(a.version_major == 2);
    CHECK(a.shape == std::vector<std::size_t>{2});
    REQUIRE(a.f64.size() == 2);
    CHECK(a.f64[0] == 1.0);
    CHECK(bits_of(a.f64[1]) == 0x8000000000000000u);  // -0, its sign kept
}

TEST_CASE("read_npy: float16, format 3.0, compared in float16 ULPs") {
    // np.lib.format.write_array(f, np.array([1.0, 65504, 2**-24], '<f2'), version=(3, 0))
    const bytes b = npy(dict("<f2", "(3,)"), from_hex("003cff7b0100"), 3);
    REQUIRE(b.size() == 134);
    const repro::npy_array a = repro::read_npy(b);
    CHECK(a.dtype == repro::npy_dtype::float16);
    CHECK(a.version_major == 3);
    REQUIRE(a.f16.size() == 3);
    CHECK(a.f16[0].bits == 0x3c00);
    CHECK(repro::widen(a.f16[0]) == 1.0f);
    CHECK(repro::widen(a.f16[1]) == 65504.0f);
    CHECK(repro::widen(a.f16[2]) == std::ldexp(1.0f, -24));

    std::vector<repro::float16_bits> other = a.f16;
    other[1].bits = 0x7bfe;  // one float16 step below 65504
    const repro::compare_report r = repro::compare(other, a.f16, repro::tolerance::ulp(0));
    CHECK(r.mismatches == 1);
    CHECK(r.worst_ulp.value == 1);
    CHECK(r.worst_ulp.index == 1);
    CHECK(std::string(r.type_name) == "float16");
    CHECK(r.worst_abs.value == 32.0);
    CHECK(repro::compare(other, a.f16, repro::tolerance::ulp(1)).passed());
}

TEST_CASE("read_npy: big-endian float16 and float32") {
    const repro::npy_array h = repro::read_npy(npy(dict(">f2", "(2,)"), from_hex("3c00c000")));
    REQUIRE(h.f16.size() == 2);
    CHECK(repro::widen(h.f16[0]) == 1.0f);
    CHECK(repro::widen(h.f16[1]) == -2.0f);
    const repro::npy_array f = repro::read_npy(npy(dict(">f4", "(2,)"), from_hex("3f800000bf800001")));
    REQUIRE(f.f32.size() == 2);
    CHECK(f.f32[0] == 1.0f);
    CHECK(bits_of(f.f32[1]) == 0xbf800001u);
}

TEST_CASE("read_npy: bfloat16 held as uint16, int16 or void, when asked") {
    repro::npy_read_options bf;
    bf.bfloat16_from_16_bit_int = true;
    // 1.0, -2.0, 0x3f81 (1 + 2^-7) in bfloat16, little-endian
    const bytes data = from_hex("803f00c0813f");
    for (const char* descr : {"<u2", "<i2", "|V2", "<V2"}) {
        CAPTURE(descr);
        const repro::npy_array a = repro::read_npy(npy(dict(descr, "(3,)"), data), bf);
        CHECK(a.dtype == repro::npy_dtype::bfloat16);
        CHECK(a.descr == descr);
        REQUIRE(a.bf16.size() == 3);
        CHECK(repro::widen(a.bf16[0]) == 1.0f);
        CHECK(repro::widen(a.bf16[1]) == -2.0f);
        CHECK(repro::widen(a.bf16[2]) == 1.0f + std::ldexp(1.0f, -7));
        const std::string m =
            message_of<std::invalid_argument>([&] { repro::read_npy(npy(dict(descr, "(3,)"), data)); });
        CHECK(m.find("bfloat16_from_16_bit_int") != std::string::npos);
    }
    const repro::npy_array big = repro::read_npy(npy(dict(">u2", "(1,)"), from_hex("3f80")), bf);
    CHECK(repro::widen(big.bf16[0]) == 1.0f);
    // float16 stays float16 with the option on
    CHECK(repro::read_npy(npy(dict("<f2", "(1,)"), from_hex("003c")), bf).dtype == repro::npy_dtype::float16);

    std::vector<repro::bfloat16_bits> x = {{0x3f80}}, y = {{0x3f81}};
    const repro::compare_report r = repro::compare(x, y);
    CHECK(r.worst_ulp.value == 1);
    CHECK(std::string(r.type_name) == "bfloat16");
}

TEST_CASE("read_npy: Fortran order is read in C order") {
    // a = [[0, 1, 2], [3, 4, 5]] in Fortran order: 0 3 1 4 2 5
    bytes data;
    for (const float v : {0.0f, 3.0f, 1.0f, 4.0f, 2.0f, 5.0f}) {
        const std::uint32_t b = bits_of(v);
        for (int i = 0; i < 4; ++i) data.push_back(static_cast<std::uint8_t>(b >> (8 * i)));
    }
    const repro::npy_array a = repro::read_npy(npy(dict("<f4", "(2, 3)", true), data));
    CHECK(a.fortran_order);
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(a.f32 == std::vector<float>{0, 1, 2, 3, 4, 5});

    // 3-D, big-endian doubles: element (i, j, k) of shape (2, 3, 4) is stored
    // at i + 2 * (j + 3 * k) and holds 100 i + 10 j + k.
    bytes d3(24 * 8);
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k) {
                const std::uint64_t b = bits_of(static_cast<double>(100 * i + 10 * j + k));
                const std::size_t at = (i + 2 * (j + 3 * k)) * 8;
                for (std::size_t n = 0; n < 8; ++n) d3[at + n] = static_cast<std::uint8_t>(b >> (8 * (7 - n)));
            }
    const repro::npy_array c = repro::read_npy(npy(dict(">f8", "(2, 3, 4)", true), d3));
    REQUIRE(c.f64.size() == 24);
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t k = 0; k < 4; ++k)
                CHECK(c.f64[(i * 3 + j) * 4 + k] == static_cast<double>(100 * i + 10 * j + k));

    // 1-D in "Fortran order" is the same as C order
    const repro::npy_array v = repro::read_npy(npy(dict("<f4", "(2,)", true), from_hex("0000803f00000040")));
    CHECK(v.f32 == std::vector<float>{1, 2});
}

TEST_CASE("read_npy: scalars, empty arrays and the accepted spellings of a header") {
    const repro::npy_array s = repro::read_npy(npy(dict("<f8", "()"), from_hex("000000000000f03f")));
    CHECK(s.shape.empty());
    CHECK(s.f64 == std::vector<double>{1.0});
    const repro::npy_array e = repro::read_npy(npy(dict("<f4", "(0, 3)"), {}));
    CHECK(e.shape == std::vector<std::size_t>{0, 3});
    CHECK(e.size() == 0);
    const repro::npy_array e2 = repro::read_npy(npy(dict("<f4", "(3, 0)", true), {}));
    CHECK(e2.size() == 0);
    // key order, double quotes, no trailing comma, no padding or newline, tabs
    const bytes one = from_hex("0000803f");
    CHECK(repro::read_npy(npy("{\"shape\":(1,),\"fortran_order\":False,\"descr\":\"<f4\"}", one, 1, false)).size() ==
          1);
    CHECK(repro::read_npy(npy("{'descr':'<f4','fortran_order':False,'shape':(1,)}\t\r\n ", one, 1, false)).size() == 1);
    CHECK(repro::read_npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': ( 1 , ) }", one, 2)).size() == 1);
    // Python 2's long integers (3L) in format 1.0 and 2.0 headers, as numpy reads them
    CHECK(repro::read_npy(npy(dict("<f4", "(1L,)"), one)).shape == std::vector<std::size_t>{1});
    CHECK(repro::read_npy(npy(dict("<f4", "(1L, 1L)"), one, 2)).size() == 1);
}

TEST_CASE("read_npy: every malformed input is rejected with a message that says what is wrong") {
    const bytes one = from_hex("0000803f");
    const std::string big = std::to_string(std::numeric_limits<std::size_t>::max());
    bytes v2_huge = npy(dict("<f4", "(1,)"), one, 2);
    v2_huge[11] = 0x80;  // header length 2^31 + ...
    bytes v1_truncated = npy(dict("<f4", "(1,)"), one);
    v1_truncated.resize(40);
    std::string dims65 = "(";
    for (int i = 0; i < 65; ++i) dims65 += "1, ";
    dims65 += ")";
    struct bad {
        const char* what;
        bytes input;
        const char* message;  // what the message must contain
        bool length = false;  // std::length_error, else std::invalid_argument
    };
    const std::vector<bad> table = {
        {"empty input", {}, "empty input"},
        {"not a .npy file", text("hello world"), "bad magic: not a .npy file (it starts with 'hello wo...'"},
        {"a .npz archive", text("PK\x03\x04 and so on"), "a zip archive"},
        {"magic only", text("\x93NUMPY"), "truncated: 6 bytes"},
        {"a prefix of the magic", text("\x93NUM"), "truncated: 4 bytes"},
        {"version 4.0", bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 4, 0, 2, 0, '{', '}'},
         "unsupported .npy format version 4.0"},
        {"version 1.1", bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 1, 2, 0, '{', '}'},
         "unsupported .npy format version 1.1"},
        {"version 0.0", bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 0, 0, 0, 0}, "format version 0.0"},
        {"version 2.0, 11 bytes", bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 0}, "version 2.0 preamble (12)"},
        {"header too long", v2_huge, "header too long: 2147483"},
        {"header truncated", v1_truncated, "header truncated: 118 bytes announced, 30 present"},
        {"empty header", npy("", {}, 1, false), "the header is not a dict: expected '{' at the end of the header"},
        {"a list, not a dict", npy("['descr']", one), "the header is not a dict"},
        {"missing shape", npy("{'descr': '<f4', 'fortran_order': False}", one), "missing key 'shape'"},
        {"missing descr", npy("{'shape': (1,), 'fortran_order': False}", one), "missing key 'descr'"},
        {"missing fortran_order", npy("{'shape': (1,), 'descr': '<f4'}", one), "missing key 'fortran_order'"},
        {"duplicate key", npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", one),
         "duplicate key 'descr'"},
        {"unknown key", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", one), "unknown key 'x'"},
        {"unquoted key", npy("{descr: '<f4'}", one), "expected a key (a quoted string) or '}' at byte 1"},
        {"missing colon", npy("{'descr' '<f4'}", one), "expected ':' after the key 'descr' at byte 9"},
        {"missing comma", npy("{'descr': '<f4' 'fortran_order': False}", one),
         "expected ',' or '}' after the value of 'descr'"},
        {"unterminated dict", npy("{'descr': '<f4',", one, 1, false), "expected a key (a quoted string) or '}'"},
        {"text after the dict", npy(dict("<f4", "(1,)") + " x", one), "unexpected text after the dict"},
        {"unterminated string", npy("{'descr", one, 1, false), "unterminated string"},
        {"escape in a string", npy("{'de\\scr': 1}", one), "escape sequences in strings are not supported"},
        {"control byte in a string", npy(std::string("{'de\x01scr': 1}"), one), "unexpected byte in a string"},
        {"non-ASCII byte in a string", npy("{'d\xc3\xa9scr': 1}", one), "unexpected byte in a string"},
        {"NUL in the header", npy(std::string("{\0}", 3), one), "expected a key"},
        {"fortran_order not a bool", npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", one),
         "'fortran_order' must be True or False"},
        {"fortran_order lowercase", npy("{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}", one),
         "'fortran_order' must be True or False"},
        {"fortran_order Falsehood", npy("{'descr': '<f4', 'fortran_order': Falsehood, 'shape': (1,)}", one),
         "'fortran_order' must be True or False"},
        {"shape a list", npy(dict("<f4", "[1]"), one), "'shape' must be a tuple"},
        {"shape (1) is not a tuple", npy(dict("<f4", "(1)"), one), "one dimension is written (n,), not (n)"},
        {"negative dimension", npy(dict("<f4", "(-1,)"), one), "negative dimension"},
        {"non-integer dimension", npy(dict("<f4", "('1',)"), one), "'shape' must hold integers"},
        {"float dimension", npy(dict("<f4", "(1.0,)"), one), "expected ',' or ')' in 'shape'"},
        {"two commas", npy(dict("<f4", "(1,,)"), one), "'shape' must hold integers"},
        {"unterminated shape", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", one, 1, false),
         "'shape' must hold integers"},
        {"65 dimensions", npy(dict("<f4", dims65), one), "more than 64 dimensions"},
        {"long integer in 3.0", npy(dict("<f4", "(1L,)"), one, 3), "expected ',' or ')' in 'shape'"},
        {"dimension overflows", npy(dict("<f4", "(" + big + "0,)"), one), "dimension 0 of 'shape' does not fit", true},
        {"shape product overflows", npy(dict("<f4", "(4294967296, 4294967296, 2)"), one),
         "shape (4294967296, 4294967296, 2) has more values than std::size_t can count", true},
        {"bytes overflow", npy(dict("<f8", "(" + big + ",)"), one), "bytes) overflows std::size_t", true},
        {"int32", npy(dict("<i4", "(1,)"), one), "unsupported dtype '<i4' (signed integer, 4 bytes)"},
        {"uint16 without the option", npy(dict("<u2", "(2,)"), one),
         "unsupported dtype '<u2' (unsigned integer, 2 bytes)"},
        {"complex", npy(dict("<c8", "(1,)"), one), "(complex, 8 bytes)"},
        {"bool", npy(dict("|b1", "(4,)"), one), "(boolean, 1 byte)"},
        {"long double", npy(dict("<f16", "(1,)"), one), "unsupported dtype '<f16' (floating point, 16 bytes)"},
        {"Python objects", npy(dict("|O", "(1,)"), one), "unsupported dtype '|O'"},
        {"unknown kind", npy(dict("<q4", "(1,)"), one), "unsupported dtype '<q4'"},
        {"empty descr", npy(dict("", "(1,)"), one), "unsupported dtype ''"},
        {"order only", npy(dict("<", "(1,)"), one), "unsupported dtype '<'"},
        {"digits too long", npy(dict("<f00004", "(1,)"), one), "unsupported dtype '<f00004'"},
        {"native order", npy(dict("=f4", "(1,)"), one), "must say its byte order"},
        {"no order", npy(dict("f4", "(1,)"), one), "must say its byte order"},
        {"'|' order", npy(dict("|f4", "(1,)"), one), "byte order '|'"},
        {"structured dtype", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", one),
         "structured dtypes"},
        {"descr not a string", npy("{'descr': 4, 'fortran_order': False, 'shape': (1,)}", one),
         "expected a type string as 'descr'"},
        {"data truncated", npy(dict("<f4", "(2,)"), one),
         "data truncated: shape (2,) of float32 needs 8 bytes of data, 4 present"},
        {"no data", npy(dict("<f8", "()"), {}), "data truncated: shape () of float64 needs 8 bytes of data, 0"},
        {"trailing data", npy(dict("<f4", "()"), from_hex("0000803f00")), "1 bytes after the data"},
    };
    for (const bad& b : table) {
        const std::string what = b.what;
        CAPTURE(what);
        const std::string m = b.length ? message_of<std::length_error>([&] { repro::read_npy(b.input); })
                                       : message_of<std::invalid_argument>([&] { repro::read_npy(b.input); });
        CAPTURE(m);
        CHECK(m.find(b.message) != std::string::npos);
    }
    // a header is quoted in the message with its unprintable bytes escaped
    const std::string m = message_of<std::invalid_argument>([&] { repro::read_npy(npy(std::string("{\x01}"), one)); });
    CHECK(m.find("{\\x01}") != std::string::npos);
    // null data with a size
    CHECK(message_of<std::invalid_argument>([] { repro::read_npy(nullptr, 3); }).find("data is a null pointer") !=
          std::string::npos);
}

TEST_CASE("read_npy: every truncation and every single-byte change of a valid file is read or rejected cleanly") {
    const bytes f16 = npy(dict(">f2", "(2, 2)", true), from_hex("3c00c0007c000001"), 3);
    for (const bytes& valid : {f32_file, f16}) {
        for (std::size_t n = 0; n < valid.size(); ++n) {
            CAPTURE(n);
            // every proper prefix lacks data: rejected, never read past its end
            CHECK_THROWS_AS(repro::read_npy(valid.data(), n), std::invalid_argument);
        }
        for (std::size_t i = 0; i < valid.size(); ++i) {
            for (const int v : {0x00, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x31, 0x39, 0x3c, 0x3e, 0x7f, 0x80, 0xff}) {
                bytes b = valid;
                b[i] = static_cast<std::uint8_t>(v);
                CAPTURE(i);
                CAPTURE(v);
                try {
                    const repro::npy_array a = repro::read_npy(b);
                    std::size_t count = 1;
                    for (const std::size_t d : a.shape) count *= d;
                    CHECK(a.size() == count);
                } catch (const std::invalid_argument&) {
                } catch (const std::length_error&) {
                }
            }
        }
    }
}

TEST_CASE("read_raw: dtype names, byte order and size checks") {
    const bytes b = from_hex("0000803f000000c0");
    for (const char* name : {"float32", "float", "f4", "<f4"}) {
        CAPTURE(name);
        const repro::npy_array a = repro::read_raw(b, name, {2});
        CHECK(a.f32 == std::vector<float>{1.0f, -2.0f});
        CHECK(a.version_major == 0);
        CHECK(a.descr == name);
    }
    CHECK(repro::read_raw(from_hex("3f800000"), ">f4", {}).f32 == std::vector<float>{1.0f});
    const repro::npy_array d = repro::read_raw(b, "float64", {1, 1});
    CHECK(d.dtype == repro::npy_dtype::float64);
    CHECK(bits_of(d.f64[0]) == 0xc00000003f800000u);
    for (const char* name : {"float16", "half", "f2", "<f2"}) {
        const repro::npy_array h = repro::read_raw(b, name, {2, 2});
        CHECK(h.dtype == repro::npy_dtype::float16);
        CHECK(repro::widen(h.f16[1]) == 1.875f);  // 0x3f80
    }
    for (const char* name : {"bfloat16", "bf16"}) {
        const repro::npy_array h = repro::read_raw(b, name, {4});
        CHECK(h.dtype == repro::npy_dtype::bfloat16);
        CHECK(repro::widen(h.bf16[1]) == 1.0f);
        CHECK(repro::widen(h.bf16[3]) == -2.0f);
    }
    CHECK(repro::read_raw(bytes{}, "float32", {0, 5}).size() == 0);

    auto raw_message = [](auto f) { return message_of<std::invalid_argument>(f, "read_raw"); };
    CHECK(raw_message([&] {
              repro::read_raw(b, "float32", {3});
          }).find("raw data of 8 bytes, but shape (3,) of float32 needs 12 bytes") != std::string::npos);
    CHECK(raw_message([&] { repro::read_raw(b, "float32", {}); }).find("needs 4 bytes") != std::string::npos);
    CHECK(raw_message([&] { repro::read_raw(b, "int8", {8}); }).find("unsupported dtype 'int8'") != std::string::npos);
    CHECK(raw_message([&] { repro::read_raw(b, "<u2", {4}); }).find("unsupported dtype '<u2'") != std::string::npos);
    CHECK(raw_message([&] { repro::read_raw(b, "|f4", {2}); }).find("byte order '|'") != std::string::npos);
    CHECK(raw_message([] { repro::read_raw(nullptr, 4, "float32", {1}); }).find("data is a null pointer") !=
          std::string::npos);
    CHECK(raw_message([&] { repro::read_raw(b, "float32", std::vector<std::size_t>(65, 1)); }).find("more than 64") !=
          std::string::npos);
    const std::size_t half_max = std::size_t(1) << (std::numeric_limits<std::size_t>::digits - 1);
    CHECK(message_of<std::length_error>(
              [&] {
                  repro::read_raw(b, "float32", {half_max, 2});
              },
              "read_raw")
              .find("more values than std::size_t can count") != std::string::npos);
    CHECK(message_of<std::length_error>([&] { repro::read_raw(b, "float32", {half_max}); }, "read_raw")
              .find("overflows std::size_t") != std::string::npos);
}

TEST_CASE("read_npy_file and read_raw_file") {
    const std::string npy_path = "test_npy_tmp_file.npy", raw_path = "test_npy_tmp_file.bin";
    auto write = [](const std::string& path, const bytes& b) {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        REQUIRE(f != nullptr);
        if (!b.empty()) REQUIRE(std::fwrite(b.data(), 1, b.size(), f) == b.size());
        REQUIRE(std::fclose(f) == 0);
    };
    write(npy_path, f32_file);
    const repro::npy_array a = repro::read_npy_file(npy_path);
    CHECK(a.f32 == repro::read_npy(f32_file).f32);
    CHECK(a.shape == std::vector<std::size_t>{2, 3});

    // a large Fortran-order float16 file, read in chunks of 1 MiB
    const std::size_t rows = 1000, cols = 700;
    bytes data(rows * cols * 2);
    for (std::size_t k = 0; k < rows * cols; ++k) {  // stored index k = i + rows * j holds (i * cols + j) mod 2^15
        const std::size_t i = k % rows, j = k / rows;
        const auto v = static_cast<std::uint16_t>((i * cols + j) & 0x7fff);
        data[2 * k] = static_cast<std::uint8_t>(v & 0xff);
        data[2 * k + 1] = static_cast<std::uint8_t>(v >> 8);
    }
    write(npy_path, npy(dict("<f2", "(1000, 700)", true), data, 2));
    const repro::npy_array big = repro::read_npy_file(npy_path);
    REQUIRE(big.f16.size() == rows * cols);
    bool in_c_order = true;
    for (std::size_t c = 0; c < rows * cols; ++c) in_c_order = in_c_order && big.f16[c].bits == (c & 0x7fff);
    CHECK(in_c_order);

    bytes cut = f32_file;
    cut.resize(cut.size() - 1);
    write(npy_path, cut);
    const std::string m = message_of<std::invalid_argument>([&] { repro::read_npy_file(npy_path); }, "read_npy_file");
    CHECK(m.find("'" + npy_path + "': data truncated") != std::string::npos);
    write(npy_path, bytes(f32_file.begin(), f32_file.begin() + 50));
    CHECK(message_of<std::invalid_argument>([&] { repro::read_npy_file(npy_path); }, "read_npy_file")
              .find("header truncated: 118 bytes announced, 40 present") != std::string::npos);
    write(npy_path, bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    CHECK(message_of<std::invalid_argument>([&] { repro::read_npy_file(npy_path); }, "read_npy_file")
              .find("truncated: 8 bytes") != std::string::npos);
    write(npy_path, text("plain text"));
    CHECK(
        message_of<std::invalid_argument>([&] { repro::read_npy_file(npy_path); }, "read_npy_file").find("bad magic") !=
        std::string::npos);
    write(npy_path, bytes{});
    CHECK(message_of<std::invalid_argument>([&] { repro::read_npy_file(npy_path); }, "read_npy_file")
              .find("empty input") != std::string::npos);
    std::remove(npy_path.c_str());
    CHECK(message_of<std::invalid_argument>([&] { repro::read_npy_file(npy_path); }, "read_npy_file")
              .find("'" + npy_path + "': cannot open the file") != std::string::npos);

    write(raw_path, from_hex("0000803f000000c0"));
    CHECK(repro::read_raw_file(raw_path, "float32", {2}).f32 == std::vector<float>{1.0f, -2.0f});
    CHECK(repro::read_raw_file(raw_path, "bf16", {2, 2}).bf16[3].bits == 0xc000);
    CHECK(message_of<std::invalid_argument>([&] { repro::read_raw_file(raw_path, "float32", {3}); }, "read_raw_file")
              .find("raw data of 8 bytes") != std::string::npos);
    CHECK(message_of<std::invalid_argument>([&] { repro::read_raw_file(raw_path, "x", {3}); }, "read_raw_file")
              .find("unsupported dtype 'x'") != std::string::npos);
    std::remove(raw_path.c_str());
    CHECK(message_of<std::invalid_argument>([&] { repro::read_raw_file(raw_path, "float32", {2}); }, "read_raw_file")
              .find("cannot open the file") != std::string::npos);
}
