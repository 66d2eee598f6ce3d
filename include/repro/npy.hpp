#pragma once
// repro/npy.hpp - read the arrays other frameworks dump: NumPy .npy files
// (format versions 1.0, 2.0 and 3.0) and raw binary, holding float16,
// bfloat16, float32 or float64 values. The values come back in C (row-major)
// order and in the host's byte order, whatever the file's order and byte
// order, ready for repro::compare.
//
// A parser of outside bytes: every malformed input is rejected with
// std::invalid_argument (std::length_error when a shape's size overflows
// std::size_t) whose message starts "repro::<function>: " and says what is
// wrong. Nothing is read out of bounds, and nothing is allocated for the
// values before the bytes that hold them are known to be there.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <ios>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "detail/errors.hpp"
#include "fp.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// A float16 (IEEE binary16) or bfloat16 value held as its bit pattern: the
// storage the readers return, with the float_traits that let compare()
// measure differences in the format's own ULPs and repro::widen give the
// exact float. No arithmetic is defined on them.
struct float16_bits {
    std::uint16_t bits;
};
struct bfloat16_bits {
    std::uint16_t bits;
};

template <>
struct float_traits<float16_bits> : detail::half_format {
    static constexpr const char* name = "float16";
    static double to_double(float16_bits x) { return static_cast<double>(widen(x)); }
};

template <>
struct float_traits<bfloat16_bits> : detail::bfloat16_format {
    static constexpr const char* name = "bfloat16";
    static double to_double(bfloat16_bits x) { return static_cast<double>(widen(x)); }
};

enum class npy_dtype { float16, bfloat16, float32, float64 };

inline const char* to_string(npy_dtype t) {
    switch (t) {
        case npy_dtype::float16:
            return "float16";
        case npy_dtype::bfloat16:
            return "bfloat16";
        case npy_dtype::float32:
            return "float32";
        case npy_dtype::float64:
            return "float64";
    }
    return "?";
}

struct npy_read_options {
    // Read the 16-bit integer dtypes '<u2', '<i2' (and '>u2', '>i2') and the
    // 2-byte void '|V2' (or '<V2') as bfloat16 bit patterns. NumPy has no bfloat16:
    // PyTorch's x.view(torch.int16).numpy() and ml_dtypes' bfloat16 arrays
    // are saved that way. Off, those dtypes are rejected.
    bool bfloat16_from_16_bit_int = false;
};

// An array read by read_npy or read_raw: its values, in C order and host
// byte order, are in the vector that matches dtype; the other three are empty.
struct npy_array {
    npy_dtype dtype = npy_dtype::float32;
    std::string descr;               // the dtype as the file spells it ("<f4"), or as given to read_raw
    std::vector<std::size_t> shape;  // empty: a scalar (one value)
    bool fortran_order = false;      // the file's order: values in Fortran order were transposed to C order
    bool big_endian = false;         // the file's byte order: values were swapped to the host's
    int version_major = 0;           // the .npy format version; 0.0 for raw data
    int version_minor = 0;
    std::vector<float16_bits> f16;
    std::vector<bfloat16_bits> bf16;
    std::vector<float> f32;
    std::vector<double> f64;

    // The number of values (the product of shape; 1 for a scalar).
    std::size_t size() const {
        switch (dtype) {
            case npy_dtype::float16:
                return f16.size();
            case npy_dtype::bfloat16:
                return bf16.size();
            case npy_dtype::float32:
                return f32.size();
            case npy_dtype::float64:
                return f64.size();
        }
        return 0;
    }
};

namespace detail {

// The largest header read (NumPy writes ~128 bytes for the dtypes read here;
// version 2.0 allows 4 GiB) and the most dimensions (NumPy's limit).
inline constexpr std::size_t npy_max_header_bytes = std::size_t(1) << 20;
inline constexpr std::size_t npy_max_dims = 64;

// Who is reading what, for the messages: "repro::<function>: <prefix><message>".
struct npy_context {
    const char* function;
    std::string prefix;  // "'<path>': " for files, else empty

    [[noreturn]] void fail(const std::string& message) const { throw_invalid(function, prefix + message); }
    [[noreturn]] void overflow(const std::string& message) const {
        throw std::length_error(std::string("repro::") + function + ": " + prefix + message);
    }
};

// Bytes shown in a message: printable ASCII as is, anything else as \xNN,
// at most `limit` bytes then "...".
inline std::string npy_printable(const unsigned char* p, std::size_t n, std::size_t limit) {
    static const char hex[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n && i < limit; ++i) {
        const unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            s += static_cast<char>(c);
        } else {
            s += "\\x";
            s += hex[c >> 4];
            s += hex[c & 15u];
        }
    }
    if (n > limit) s += "...";
    return s;
}

inline std::string npy_shape_string(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

// What the values of an array are and where they are.
struct npy_layout {
    npy_dtype dtype = npy_dtype::float32;
    std::string descr;
    std::size_t item_bytes = 4;
    bool big_endian = false;
    bool fortran_order = false;
    std::vector<std::size_t> shape;
    std::size_t count = 1;       // values
    std::size_t data_bytes = 4;  // count * item_bytes
};

// count and data_bytes of layout.shape, or std::length_error.
inline void npy_size_layout(npy_layout& l, const npy_context& cx) {
    std::size_t count = 1;
    bool zero = false, overflow = false;
    for (const std::size_t d : l.shape) {
        if (d == 0) zero = true;
        if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d) overflow = true;
        if (!overflow) count *= d;
    }
    if (zero) count = 0;
    if (overflow && !zero)
        cx.overflow("shape " + npy_shape_string(l.shape) + " has more values than std::size_t can count");
    if (count > std::numeric_limits<std::size_t>::max() / l.item_bytes)
        cx.overflow("shape " + npy_shape_string(l.shape) + " of " + to_string(l.dtype) + " (" + std::to_string(count) +
                    " values of " + std::to_string(l.item_bytes) + " bytes) overflows std::size_t");
    l.count = count;
    l.data_bytes = count * l.item_bytes;
}

// A NumPy type string: byte order ('<', '>'; '|' for void), kind, size.
// `raw`: read_raw's names (float32, bfloat16, ...) and an order left out
// (little-endian) are accepted too.
inline void npy_parse_descr(const std::string& descr, bool bf16_ints, bool raw, npy_layout& l, const npy_context& cx) {
    const std::string quoted =
        "dtype '" + npy_printable(reinterpret_cast<const unsigned char*>(descr.data()), descr.size(), 32) + "'";
    if (raw) {
        static const struct {
            const char* name;
            npy_dtype dtype;
            std::size_t bytes;
        } names[] = {
            {"float16", npy_dtype::float16, 2},   {"half", npy_dtype::float16, 2},  {"f2", npy_dtype::float16, 2},
            {"bfloat16", npy_dtype::bfloat16, 2}, {"bf16", npy_dtype::bfloat16, 2}, {"float32", npy_dtype::float32, 4},
            {"float", npy_dtype::float32, 4},     {"f4", npy_dtype::float32, 4},    {"float64", npy_dtype::float64, 8},
            {"double", npy_dtype::float64, 8},    {"f8", npy_dtype::float64, 8}};
        for (const auto& n : names) {
            if (descr == n.name) {
                l.descr = descr;
                l.dtype = n.dtype;
                l.item_bytes = n.bytes;
                l.big_endian = false;
                return;
            }
        }
    }
    const std::string supported =
        raw ? "read_raw reads float16, bfloat16, float32, float64 (or f2, f4, f8, with '<' or '>')"
            : "reads float16, float32 and float64 ('<f2', '<f4', '<f8', or '>' big-endian), and bfloat16 held as "
              "'<u2', '<i2' or '|V2' when asked (npy_read_options::bfloat16_from_16_bit_int)";
    std::size_t i = 0;
    char order = '=';
    if (i < descr.size() && (descr[i] == '<' || descr[i] == '>' || descr[i] == '|' || descr[i] == '='))
        order = descr[i++];
    if (i >= descr.size()) cx.fail("unsupported " + quoted + ": " + supported);
    const char kind = descr[i++];
    std::size_t bytes = 0;
    const std::size_t digits_at = i;
    for (; i < descr.size() && descr[i] >= '0' && descr[i] <= '9' && i - digits_at < 4; ++i)
        bytes = bytes * 10 + static_cast<std::size_t>(descr[i] - '0');
    if (i != descr.size() || i == digits_at) cx.fail("unsupported " + quoted + ": " + supported);

    const char* what = nullptr;
    switch (kind) {
        case 'f':
            what = "floating point";
            break;
        case 'i':
            what = "signed integer";
            break;
        case 'u':
            what = "unsigned integer";
            break;
        case 'b':
            what = "boolean";
            break;
        case 'c':
            what = "complex";
            break;
        case 'V':
            what = "void (raw bytes)";
            break;
        case 'S':
        case 'a':
            what = "byte string";
            break;
        case 'U':
            what = "unicode string";
            break;
        case 'M':
            what = "datetime";
            break;
        case 'm':
            what = "timedelta";
            break;
        case 'O':
            what = "Python object";
            break;
        default:
            cx.fail("unsupported " + quoted + ": " + supported);
    }
    const bool is_float = kind == 'f' && (bytes == 2 || bytes == 4 || bytes == 8);
    const bool is_bf16 = bf16_ints && (((kind == 'u' || kind == 'i') && bytes == 2) || (kind == 'V' && bytes == 2));
    if (!is_float && !is_bf16) {
        std::string hint;
        if ((kind == 'u' || kind == 'i' || kind == 'V') && bytes == 2 && !raw)
            hint = "; if it holds bfloat16 bit patterns, set npy_read_options::bfloat16_from_16_bit_int";
        cx.fail("unsupported " + quoted + " (" + what + ", " + std::to_string(bytes) +
                (bytes == 1 ? " byte" : " bytes") + "): " + supported + hint);
    }
    if (kind == 'V') {
        if (order == '>') cx.fail("unsupported " + quoted + ": a void dtype has no byte order ('|V2')");
        order = '<';  // the bytes as the (little-endian) writer held them
    }
    if (order == '|') cx.fail("unsupported " + quoted + ": byte order '|' (not applicable) on a multi-byte type");
    if (order == '=') {
        if (!raw) cx.fail("unsupported " + quoted + ": a .npy file must say its byte order, '<' (little) or '>' (big)");
        order = '<';
    }
    l.descr = descr;
    l.item_bytes = bytes;
    l.big_endian = order == '>';
    l.dtype = is_bf16      ? npy_dtype::bfloat16
              : bytes == 2 ? npy_dtype::float16
              : bytes == 4 ? npy_dtype::float32
                           : npy_dtype::float64;
}

// The format version and where the header is: magic "\x93NUMPY", major and
// minor version bytes, then the header's length, 2 bytes (1.0) or 4 bytes
// (2.0, 3.0), little-endian.
struct npy_preamble {
    int major = 0;
    int minor = 0;
    std::size_t header_at = 0;
    std::size_t header_bytes = 0;
};

inline constexpr std::size_t npy_longest_preamble = 12;

// p holds the first n bytes of the input (all of it when shorter than 12).
inline npy_preamble npy_parse_preamble(const unsigned char* p, std::size_t n, const npy_context& cx) {
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (n == 0) cx.fail("empty input: not a .npy file");
    const std::size_t m = n < 6 ? n : 6;
    if (std::memcmp(p, magic, m) != 0) {
        std::string hint;
        if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
            hint = " (a zip archive: a .npz file holds several .npy files; extract the one to read)";
        cx.fail("bad magic: not a .npy file (it starts with '" + npy_printable(p, n, 8) + "', not '\\x93NUMPY')" +
                hint);
    }
    if (n < 10) cx.fail("truncated: " + std::to_string(n) + " bytes, shorter than the smallest .npy preamble (10)");
    npy_preamble pre;
    pre.major = p[6];
    pre.minor = p[7];
    if ((pre.major != 1 && pre.major != 2 && pre.major != 3) || pre.minor != 0)
        cx.fail("unsupported .npy format version " + std::to_string(pre.major) + "." + std::to_string(pre.minor) +
                " (reads 1.0, 2.0 and 3.0)");
    if (pre.major == 1) {
        pre.header_at = 10;
        pre.header_bytes = static_cast<std::size_t>(p[8]) | static_cast<std::size_t>(p[9]) << 8;
    } else {
        if (n < 12)
            cx.fail("truncated: " + std::to_string(n) + " bytes, shorter than the version " +
                    std::to_string(pre.major) + ".0 preamble (12)");
        std::uint32_t len = 0;
        for (int i = 3; i >= 0; --i) len = (len << 8) | p[8 + i];
        if (len > npy_max_header_bytes)
            cx.fail("header too long: " + std::to_string(len) + " bytes, over the limit of " +
                    std::to_string(npy_max_header_bytes));
        pre.header_at = 12;
        pre.header_bytes = len;
    }
    return pre;
}

// The header: a Python dict literal with exactly the keys 'descr' (a type
// string), 'fortran_order' (True or False) and 'shape' (a tuple of
// non-negative integers), as numpy.lib.format writes and reads it, then
// whitespace (NumPy pads with spaces and ends with '\n').
class npy_header_parser {
public:
    npy_header_parser(const unsigned char* p, std::size_t n, int major, const npy_context& cx)
        : p_(p), n_(n), major_(major), cx_(cx) {}

    npy_layout parse(bool bf16_ints) {
        npy_layout l;
        bool have_descr = false, have_fortran = false, have_shape = false;
        std::string descr;
        skip_space();
        expect('{', "the header is not a dict: expected '{'");
        for (;;) {
            skip_space();
            if (peek() == '}') break;
            const std::string key = string("a key (a quoted string) or '}'");
            skip_space();
            expect(':', "expected ':' after the key '" + key + "'");
            skip_space();
            if (key == "descr") {
                if (have_descr) fail("duplicate key 'descr'");
                have_descr = true;
                if (peek() == '[') fail("structured dtypes (a list as 'descr') are not supported");
                descr = string("a type string as 'descr'");
            } else if (key == "fortran_order") {
                if (have_fortran) fail("duplicate key 'fortran_order'");
                have_fortran = true;
                if (word("True")) {
                    l.fortran_order = true;
                } else if (word("False")) {
                    l.fortran_order = false;
                } else {
                    fail("'fortran_order' must be True or False");
                }
            } else if (key == "shape") {
                if (have_shape) fail("duplicate key 'shape'");
                have_shape = true;
                l.shape = shape();
            } else {
                fail("unknown key '" + key + "' (a .npy header has 'descr', 'fortran_order' and 'shape')");
            }
            skip_space();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
        }
        ++i_;  // '}'
        skip_space();
        if (i_ != n_) fail("unexpected text after the dict");
        if (!have_descr) fail("missing key 'descr'", false);
        if (!have_fortran) fail("missing key 'fortran_order'", false);
        if (!have_shape) fail("missing key 'shape'", false);
        npy_parse_descr(descr, bf16_ints, false, l, cx_);
        npy_size_layout(l, cx_);
        return l;
    }

private:
    int peek() const { return i_ < n_ ? p_[i_] : -1; }

    [[noreturn]] void fail(const std::string& what, bool at = true) const {
        std::string where = at ? (i_ < n_ ? " at byte " + std::to_string(i_) : " at the end") + " of the header" : "";
        std::size_t shown = n_;
        while (shown > 0 && (p_[shown - 1] == ' ' || p_[shown - 1] == '\n')) --shown;
        cx_.fail("bad header: " + what + where + ": " + npy_printable(p_, shown, 120));
    }

    void skip_space() {
        while (i_ < n_ && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n' || p_[i_] == '\r' || p_[i_] == '\f')) ++i_;
    }

    void expect(char c, const std::string& what) {
        if (peek() != static_cast<unsigned char>(c)) fail(what);
        ++i_;
    }

    bool word(const char* w) {
        const std::size_t len = std::strlen(w);
        if (n_ - i_ < len || std::memcmp(p_ + i_, w, len) != 0) return false;
        const std::size_t end = i_ + len;
        if (end < n_) {
            const unsigned char c = p_[end];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return false;
        }
        i_ = end;
        return true;
    }

    // A quoted string of printable ASCII without escapes.
    std::string string(const std::string& what) {
        const int q = peek();
        if (q != '\'' && q != '"') fail("expected " + what);
        const std::size_t start = ++i_;
        while (i_ < n_ && p_[i_] != q) {
            if (p_[i_] < 0x20 || p_[i_] >= 0x7f) fail("unexpected byte in a string");
            if (p_[i_] == '\\') fail("escape sequences in strings are not supported");
            ++i_;
        }
        if (i_ == n_) fail("unterminated string");
        std::string s(reinterpret_cast<const char*>(p_ + start), i_ - start);
        ++i_;
        return s;
    }

    // A tuple of non-negative integers: (), (n,), (n, m), (n, m,), ...;
    // a trailing L (Python 2's long) in format versions 1.0 and 2.0.
    std::vector<std::size_t> shape() {
        expect('(', "'shape' must be a tuple, as (2, 3), (5,) or ()");
        std::vector<std::size_t> dims;
        bool comma = false;
        for (;;) {
            skip_space();
            if (peek() == ')') break;
            if (!dims.empty() && !comma) fail("expected ',' or ')' in 'shape'");
            if (peek() == '-') fail("negative dimension in 'shape'");
            if (peek() < '0' || peek() > '9') fail("'shape' must hold integers");
            if (dims.size() == npy_max_dims)
                fail("'shape' has more than " + std::to_string(npy_max_dims) + " dimensions");
            std::size_t d = 0;
            while (peek() >= '0' && peek() <= '9') {
                const auto digit = static_cast<std::size_t>(p_[i_] - '0');
                if (d > (std::numeric_limits<std::size_t>::max() - digit) / 10)
                    cx_.overflow("dimension " + std::to_string(dims.size()) +
                                 " of 'shape' does not fit in std::size_t");
                d = d * 10 + digit;
                ++i_;
            }
            if (major_ <= 2 && peek() == 'L') ++i_;
            dims.push_back(d);
            skip_space();
            comma = peek() == ',';
            if (comma) ++i_;
        }
        if (dims.size() == 1 && !comma) fail("'shape' must be a tuple: one dimension is written (n,), not (n)");
        ++i_;  // ')'
        return dims;
    }

    const unsigned char* p_;
    std::size_t n_;
    std::size_t i_ = 0;
    int major_;
    const npy_context& cx_;
};

// Decodes the values of a layout, in the order they are stored, into the
// array's vector (allocated here), in C order and host byte order.
class npy_decoder {
public:
    npy_decoder(const npy_layout& l, npy_array& a) : l_(l), a_(a) {
        a.dtype = l.dtype;
        a.descr = l.descr;
        a.shape = l.shape;
        a.fortran_order = l.fortran_order;
        a.big_endian = l.big_endian;
        switch (l.dtype) {
            case npy_dtype::float16:
                a.f16.assign(l.count, float16_bits{0});
                break;
            case npy_dtype::bfloat16:
                a.bf16.assign(l.count, bfloat16_bits{0});
                break;
            case npy_dtype::float32:
                a.f32.assign(l.count, 0.0f);
                break;
            case npy_dtype::float64:
                a.f64.assign(l.count, 0.0);
                break;
        }
        // Fortran order: the first index varies fastest in the file; the
        // destination steps by the C strides of the shape.
        if (l.fortran_order && l.shape.size() > 1 && l.count != 0) {
            const std::size_t k = l.shape.size();
            stride_.assign(k, 1);
            for (std::size_t j = k - 1; j > 0; --j) stride_[j - 1] = stride_[j] * l.shape[j];
            index_.assign(k, 0);
        }
    }

    // The next `items` values, stored at p (items * item_bytes bytes).
    void decode(const unsigned char* p, std::size_t items) {
        if (items > l_.count - done_) throw std::logic_error("repro::read_npy: more values than the shape holds");
        switch (l_.dtype) {
            case npy_dtype::float16:
                run<2>(a_.f16, p, items);
                break;
            case npy_dtype::bfloat16:
                run<2>(a_.bf16, p, items);
                break;
            case npy_dtype::float32:
                run<4>(a_.f32, p, items);
                break;
            case npy_dtype::float64:
                run<8>(a_.f64, p, items);
                break;
        }
    }

private:
    template <std::size_t Bytes, class T>
    void run(std::vector<T>& out, const unsigned char* p, std::size_t items) {
        static_assert(sizeof(T) == Bytes && sizeof(bits_t<T>) == Bytes, "one value per item");
        for (std::size_t i = 0; i < items; ++i, p += Bytes) {
            std::uint64_t v = 0;
            if (l_.big_endian) {
                for (std::size_t b = 0; b < Bytes; ++b) v = (v << 8) | p[b];
            } else {
                for (std::size_t b = Bytes; b > 0; --b) v = (v << 8) | p[b - 1];
            }
            out[next()] = from_bits<T>(static_cast<bits_t<T>>(v));
        }
    }

    // The C-order position of the next stored value.
    std::size_t next() {
        const std::size_t d = stride_.empty() ? done_ : dest_;
        ++done_;
        for (std::size_t j = 0; j < stride_.size(); ++j) {
            dest_ += stride_[j];
            if (++index_[j] < l_.shape[j]) break;
            dest_ -= stride_[j] * l_.shape[j];
            index_[j] = 0;
        }
        return d;
    }

    const npy_layout& l_;
    npy_array& a_;
    std::size_t done_ = 0;                     // values decoded so far
    std::vector<std::size_t> stride_, index_;  // Fortran order only: C strides, current index
    std::size_t dest_ = 0;                     // Fortran order only: C position of index_
};

// Decodes l.count values from p (l.data_bytes bytes).
inline void npy_decode_all(const npy_layout& l, const unsigned char* p, npy_array& a) {
    npy_decoder d(l, a);
    d.decode(p, l.count);
}

// `available` bytes follow the header (`more`: that many were read from a
// pipe, which may hold more).
inline void npy_check_data_size(const npy_layout& l, std::size_t available, const npy_context& cx, bool more = false) {
    const std::string needs = "shape " + npy_shape_string(l.shape) + " of " + to_string(l.dtype) + " needs " +
                              std::to_string(l.data_bytes) + " bytes of data";
    if (available < l.data_bytes) cx.fail("data truncated: " + needs + ", " + std::to_string(available) + " present");
    if (available > l.data_bytes)
        cx.fail((more ? "more bytes after the data: " + needs
                      : std::to_string(available - l.data_bytes) + " bytes after the data: " + needs + ", " +
                            std::to_string(available) + " present") +
                " (a .npy file holds one array)");
}

inline npy_array npy_read_bytes(const unsigned char* data, std::size_t size, const npy_read_options& options,
                                const npy_context& cx) {
    const npy_preamble pre = npy_parse_preamble(data, size < npy_longest_preamble ? size : npy_longest_preamble, cx);
    if (size - pre.header_at < pre.header_bytes)
        cx.fail("header truncated: " + std::to_string(pre.header_bytes) + " bytes announced, " +
                std::to_string(size - pre.header_at) + " present");
    npy_header_parser parser(data + pre.header_at, pre.header_bytes, pre.major, cx);
    const npy_layout l = parser.parse(options.bfloat16_from_16_bit_int);
    const std::size_t data_at = pre.header_at + pre.header_bytes;
    npy_check_data_size(l, size - data_at, cx);
    npy_array a;
    a.version_major = pre.major;
    a.version_minor = pre.minor;
    npy_decode_all(l, data + data_at, a);
    return a;
}

inline npy_layout npy_raw_layout(const std::string& dtype, const std::vector<std::size_t>& shape,
                                 const npy_context& cx) {
    npy_layout l;
    npy_parse_descr(dtype, false, true, l, cx);
    if (shape.size() > npy_max_dims)
        cx.fail("shape has " + std::to_string(shape.size()) + " dimensions, more than " + std::to_string(npy_max_dims));
    l.shape = shape;
    npy_size_layout(l, cx);
    return l;
}

// `more`: size bytes were read from a pipe, which may hold more.
inline void npy_check_raw_size(const npy_layout& l, std::size_t size, const npy_context& cx, bool more = false) {
    if (size != l.data_bytes)
        cx.fail("raw data of " + std::string(more && size > l.data_bytes ? "more than " : "") +
                std::to_string(more && size > l.data_bytes ? l.data_bytes : size) + " bytes, but shape " +
                npy_shape_string(l.shape) + " of " + to_string(l.dtype) + " needs " + std::to_string(l.data_bytes) +
                " bytes");
}

// A binary input file: reads exactly n bytes or says why not.
class npy_file {
public:
    npy_file(const std::string& path, const npy_context& cx) : cx_(cx) {
        errno = 0;
        in_.open(path, std::ios::binary);
        if (!in_) {
            const int err = errno;
            cx.fail(std::string("cannot open the file") +
                    (err ? ": " + std::error_code(err, std::generic_category()).message() : std::string()));
        }
    }

    // Up to n bytes into p; how many were read.
    std::size_t read_some(unsigned char* p, std::size_t n) {
        std::size_t got = 0;
        errno = 0;
        while (got < n && in_) {
            const std::size_t chunk = n - got < (std::size_t(1) << 30) ? n - got : (std::size_t(1) << 30);
            in_.read(reinterpret_cast<char*>(p + got), static_cast<std::streamsize>(chunk));
            got += static_cast<std::size_t>(in_.gcount());
        }
        const int err = errno;
        if (in_.bad() || (got < n && err != 0))
            cx_.fail(std::string("cannot read the file") +
                     (err ? ": " + std::error_code(err, std::generic_category()).message() : std::string()));
        return got;
    }

    // The bytes left after the current position, when the file can tell
    // (a regular file); false for a pipe or a terminal.
    bool remaining(std::size_t& left) {
        const std::streampos here = in_.tellg();
        if (here == std::streampos(-1)) return clear_false();
        if (!in_.seekg(0, std::ios::end)) return clear_false();
        const std::streampos end = in_.tellg();
        if (end == std::streampos(-1) || !in_.seekg(here)) return clear_false();
        const std::streamoff diff = end - here;
        if (diff < 0) return false;
        left = static_cast<std::size_t>(diff);
        return true;
    }

    // What is left, for an input that cannot say its size (a pipe): at most
    // `wanted` bytes and one more (to tell that there are more), so that an
    // endless input does not fill the memory.
    std::vector<unsigned char> rest(std::size_t wanted) {
        const std::size_t limit = wanted < std::numeric_limits<std::size_t>::max() ? wanted + 1 : wanted;
        std::vector<unsigned char> all;
        std::vector<unsigned char> chunk(std::size_t(1) << 20);
        while (all.size() < limit) {
            const std::size_t want = limit - all.size() < chunk.size() ? limit - all.size() : chunk.size();
            const std::size_t got = read_some(chunk.data(), want);
            all.insert(all.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
            if (got < want) break;
        }
        return all;
    }

private:
    bool clear_false() {
        in_.clear();
        return false;
    }

    std::ifstream in_;
    const npy_context& cx_;
};

// Decodes l.count values from the file, reading them in chunks (no copy of
// the whole data); `left` is what the file has after the current position
// (checked against l.data_bytes by the caller).
inline void npy_decode_file(const npy_layout& l, npy_file& f, npy_array& a, const npy_context& cx) {
    npy_decoder d(l, a);
    constexpr std::size_t chunk_bytes = std::size_t(1) << 20;  // a multiple of every item size
    std::vector<unsigned char> buf(l.data_bytes < chunk_bytes ? l.data_bytes : chunk_bytes);
    std::size_t left = l.data_bytes;
    while (left != 0) {
        const std::size_t want = left < buf.size() ? left : buf.size();
        const std::size_t got = f.read_some(buf.data(), want);
        if (got != want)
            cx.fail("data truncated: the file ended " + std::to_string(left - got) + " bytes early while reading");
        d.decode(buf.data(), got / l.item_bytes);
        left -= got;
    }
}

}  // namespace detail

// A .npy file's bytes. Throws std::invalid_argument naming what is wrong
// (bad magic, unsupported version or dtype, header truncated or malformed,
// data truncated or followed by more bytes), std::length_error when the
// shape's size overflows std::size_t.
inline npy_array read_npy(const std::uint8_t* data, std::size_t size, const npy_read_options& options = {}) {
    detail::check_pointer(data, size, "read_npy", "data");
    const detail::npy_context cx{"read_npy", {}};
    return detail::npy_read_bytes(data, size, options, cx);
}

inline npy_array read_npy(const std::vector<std::uint8_t>& bytes, const npy_read_options& options = {}) {
    return read_npy(bytes.data(), bytes.size(), options);
}

// A .npy file; messages start "repro::read_npy_file: '<path>': ". A file
// that cannot be opened or read throws std::invalid_argument too.
inline npy_array read_npy_file(const std::string& path, const npy_read_options& options = {}) {
    const detail::npy_context cx{"read_npy_file", "'" + path + "': "};
    detail::npy_file f(path, cx);
    unsigned char pre_bytes[detail::npy_longest_preamble];
    const std::size_t n = f.read_some(pre_bytes, sizeof pre_bytes);
    const detail::npy_preamble pre = detail::npy_parse_preamble(pre_bytes, n, cx);
    // The header: at most npy_max_header_bytes, so its buffer is bounded.
    std::vector<unsigned char> header(pre.header_bytes);
    const std::size_t before = n - pre.header_at;  // header bytes already read with the preamble
    std::memcpy(header.data(), pre_bytes + pre.header_at, before < header.size() ? before : header.size());
    std::size_t have = before < header.size() ? before : header.size();
    have += f.read_some(header.data() + have, header.size() - have);
    if (have < header.size())
        cx.fail("header truncated: " + std::to_string(header.size()) + " bytes announced, " + std::to_string(have) +
                " present");
    detail::npy_header_parser parser(header.data(), header.size(), pre.major, cx);
    const detail::npy_layout l = parser.parse(options.bfloat16_from_16_bit_int);
    // A 1.0 preamble is 10 bytes: 2 data bytes may have come with it.
    const std::size_t extra = before > header.size() ? before - header.size() : 0;
    npy_array a;
    a.version_major = pre.major;
    a.version_minor = pre.minor;
    std::size_t left = 0;
    if (extra == 0 && f.remaining(left)) {
        detail::npy_check_data_size(l, left, cx);
        detail::npy_decode_file(l, f, a, cx);
        return a;
    }
    // A pipe, or data that started in the preamble's bytes: read it all (no
    // more than the input holds), then check and decode.
    const std::size_t data_from = pre.header_at + header.size() < n ? pre.header_at + header.size() : n;
    std::vector<unsigned char> rest(pre_bytes + data_from, pre_bytes + n);
    const std::vector<unsigned char> more =
        f.rest(l.data_bytes - (rest.size() < l.data_bytes ? rest.size() : l.data_bytes));
    rest.insert(rest.end(), more.begin(), more.end());
    detail::npy_check_data_size(l, rest.size(), cx, true);
    detail::npy_decode_all(l, rest.data(), a);
    return a;
}

// Raw binary: the values of an array of the given dtype and shape in C order
// with nothing else (tensor.numpy().tofile(), a CUDA buffer dumped with
// fwrite). dtype: float16 (half, f2), bfloat16 (bf16), float32 (float, f4),
// float64 (double, f8), little-endian; or a NumPy type string, '<f4' or
// '>f4' (big-endian). An empty shape is a scalar. The size must match exactly.
inline npy_array read_raw(const std::uint8_t* data, std::size_t size, const std::string& dtype,
                          const std::vector<std::size_t>& shape) {
    detail::check_pointer(data, size, "read_raw", "data");
    const detail::npy_context cx{"read_raw", {}};
    const detail::npy_layout l = detail::npy_raw_layout(dtype, shape, cx);
    detail::npy_check_raw_size(l, size, cx);
    npy_array a;
    detail::npy_decode_all(l, data, a);
    return a;
}

inline npy_array read_raw(const std::vector<std::uint8_t>& bytes, const std::string& dtype,
                          const std::vector<std::size_t>& shape) {
    return read_raw(bytes.data(), bytes.size(), dtype, shape);
}

// Raw binary from a file; messages start "repro::read_raw_file: '<path>': ".
inline npy_array read_raw_file(const std::string& path, const std::string& dtype,
                               const std::vector<std::size_t>& shape) {
    const detail::npy_context cx{"read_raw_file", "'" + path + "': "};
    const detail::npy_layout l = detail::npy_raw_layout(dtype, shape, cx);
    detail::npy_file f(path, cx);
    npy_array a;
    std::size_t left = 0;
    if (f.remaining(left)) {
        detail::npy_check_raw_size(l, left, cx);
        detail::npy_decode_file(l, f, a, cx);
        return a;
    }
    const std::vector<unsigned char> all = f.rest(l.data_bytes);
    detail::npy_check_raw_size(l, all.size(), cx, true);
    detail::npy_decode_all(l, all.data(), a);
    return a;
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
