// repro-diff: compare two arrays dumped by any framework (NumPy .npy files,
// or raw binary) with repro::compare, and say where and by how much they
// differ. Exit status: 0 the arrays match under the tolerance, 1 they
// differ, 2 usage error or an input that cannot be read or compared.
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/compare.hpp>
#include <repro/npy.hpp>

namespace {

constexpr int exit_match = 0;
constexpr int exit_differ = 1;
constexpr int exit_error = 2;

const char usage_text[] =
    "usage: repro-diff [options] ACTUAL EXPECTED\n"
    "\n"
    "Compares two arrays dumped by any framework - NumPy .npy files (np.save, format 1.0/2.0/3.0)\n"
    "or raw binary - with repro::compare, and reports the mismatches, the worst ULP, absolute and\n"
    "relative differences with their indices, and along a batch axis the rows (samples) that differ\n"
    "and the rows whose argmax changed. Values are printed with round-trip precision and their bits.\n"
    "\n"
    "Tolerance (default: bitwise - every bit must match, +0 != -0, NaN payloads count):\n"
    "  --ulp N           match within N ULPs of the arrays' own type (+0 == -0, NaN == NaN)\n"
    "  --rtol X          match when |actual - expected| <= rtol * |expected| + atol, as\n"
    "  --atol Y            torch.testing.assert_close (the one not given is 0)\n"
    "  --close           --rtol/--atol at the type's defaults (float32 1.3e-6/1e-5, float64 1e-7/1e-7,\n"
    "                    float16 1e-3/1e-5, bfloat16 1.6e-2/1e-5)\n"
    "\n"
    "Shape:\n"
    "  --batch-axis      the first axis is the batch: rows = shape[0], cols = the product of the\n"
    "                    other axes; reports which rows differ and whose argmax flipped\n"
    "\n"
    "Input:\n"
    "  --raw DTYPE       both files are raw binary (C order, nothing else) of DTYPE: float16,\n"
    "                    bfloat16, float32, float64, little-endian (or a NumPy type string such\n"
    "                    as '>f4' for big-endian)\n"
    "  --shape D0,D1,..  the shape of raw files (required with --raw)\n"
    "  --bfloat16        read .npy files of dtype '<u2', '<i2' or '|V2' as bfloat16 bit patterns\n"
    "                    (NumPy has no bfloat16: torch's x.view(torch.int16).numpy() saves them so)\n"
    "\n"
    "Output:\n"
    "  --json            one JSON object on stdout instead of the text report\n"
    "  --list N          list at most N of the worst mismatches (default 10, at most 16)\n"
    "  -h, --help        this text\n"
    "  --version         repro's version\n"
    "\n"
    "float16 and bfloat16 are compared in their own format (ULPs are steps of that format); their\n"
    "values print widened exactly to float. Fortran-order files are read in C order, big-endian files\n"
    "in the host's order. Both arrays must have the same dtype and shape.\n"
    "\n"
    "Exit status: 0 the arrays match, 1 they differ, 2 usage error or unreadable/incomparable input\n"
    "(the message on stderr).\n";

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct options {
    bool have_ulp = false;
    std::uint64_t ulp = 0;
    bool have_rtol = false, have_atol = false, close_defaults = false;
    double rtol = 0.0, atol = 0.0;
    bool batch_axis = false;
    bool json = false;
    bool bfloat16 = false;
    std::string raw_dtype;
    bool have_shape = false;
    std::vector<std::size_t> shape;
    std::size_t list = 10;
    std::vector<std::string> files;
};

std::uint64_t parse_count(const std::string& option, const std::string& text) {
    bool ok = !text.empty();
    std::uint64_t v = 0;
    for (const char c : text) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (c < '0' || c > '9' || v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
            ok = false;
            break;
        }
        v = v * 10 + digit;
    }
    if (!ok) throw usage_error(option + " needs a non-negative integer below 2^64, not '" + text + "'");
    return v;
}

double parse_real(const std::string& option, const std::string& text) {
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v < 0.0)
        throw usage_error(option + " needs a finite number >= 0, not '" + text + "'");
    return v;
}

std::vector<std::size_t> parse_shape(const std::string& text) {
    std::vector<std::size_t> shape;
    if (text.empty() || text == "()") return shape;  // a scalar
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = text.find(',', start);
        const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::uint64_t d = parse_count("--shape", part);
        if (d > std::numeric_limits<std::size_t>::max()) throw usage_error("--shape: dimension " + part + " too large");
        shape.push_back(static_cast<std::size_t>(d));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return shape;
}

// Returns false when the program should exit 0 at once (--help, --version).
bool parse_arguments(int argc, char** argv, options& o) {
    bool only_files = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (only_files || arg.size() < 2 || arg[0] != '-') {
            o.files.push_back(arg);
            continue;
        }
        if (arg == "--") {
            only_files = true;
            continue;
        }
        std::string value;
        bool inline_value = false;
        const std::size_t eq = arg.find('=');
        if (arg.compare(0, 2, "--") == 0 && eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            inline_value = true;
        }
        auto take = [&]() -> std::string {
            if (inline_value) return value;
            if (i + 1 >= argc) throw usage_error(arg + " needs a value");
            return argv[++i];
        };
        auto flag = [&]() {
            if (inline_value) throw usage_error(arg + " takes no value");
        };
        if (arg == "-h" || arg == "--help") {
            std::fputs(usage_text, stdout);
            return false;
        } else if (arg == "--version") {
            std::printf("repro-diff (repro %d.%d.%d)\n", REPRO_VERSION_MAJOR, REPRO_VERSION_MINOR, REPRO_VERSION_PATCH);
            return false;
        } else if (arg == "--ulp") {
            o.ulp = parse_count(arg, take());
            o.have_ulp = true;
        } else if (arg == "--rtol") {
            o.rtol = parse_real(arg, take());
            o.have_rtol = true;
        } else if (arg == "--atol") {
            o.atol = parse_real(arg, take());
            o.have_atol = true;
        } else if (arg == "--close") {
            flag();
            o.close_defaults = true;
        } else if (arg == "--batch-axis") {
            flag();
            o.batch_axis = true;
        } else if (arg == "--json") {
            flag();
            o.json = true;
        } else if (arg == "--bfloat16") {
            flag();
            o.bfloat16 = true;
        } else if (arg == "--raw") {
            o.raw_dtype = take();
            if (o.raw_dtype.empty()) throw usage_error("--raw needs a dtype");
        } else if (arg == "--shape") {
            o.shape = parse_shape(take());
            o.have_shape = true;
        } else if (arg == "--list") {
            const std::uint64_t n = parse_count(arg, take());
            o.list = static_cast<std::size_t>(n < repro::compare_report::kept ? n : repro::compare_report::kept);
        } else {
            throw usage_error("unknown option " + arg);
        }
    }
    if (o.files.size() != 2)
        throw usage_error("expected two files, ACTUAL and EXPECTED, got " + std::to_string(o.files.size()));
    const int modes = (o.have_ulp ? 1 : 0) + (o.have_rtol || o.have_atol ? 1 : 0) + (o.close_defaults ? 1 : 0);
    if (modes > 1) throw usage_error("choose one tolerance: --ulp, --rtol/--atol or --close");
    if (o.have_shape && o.raw_dtype.empty()) throw usage_error("--shape is for raw files (with --raw DTYPE)");
    if (!o.raw_dtype.empty() && !o.have_shape) throw usage_error("--raw needs --shape D0,D1,...");
    if (o.bfloat16 && !o.raw_dtype.empty())
        throw usage_error("--bfloat16 is for .npy files; for raw files say --raw bfloat16");
    return true;
}

repro::tolerance make_tolerance(const options& o) {
    if (o.have_ulp) return repro::tolerance::ulp(o.ulp);
    if (o.close_defaults) return repro::tolerance::close();
    if (o.have_rtol || o.have_atol) return repro::tolerance::close(o.rtol, o.atol);
    return repro::tolerance::bitwise();
}

repro::npy_array read_input(const std::string& path, const options& o) {
    if (!o.raw_dtype.empty()) return repro::read_raw_file(path, o.raw_dtype, o.shape);
    repro::npy_read_options ro;
    ro.bfloat16_from_16_bit_int = o.bfloat16;
    try {
        return repro::read_npy_file(path, ro);
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        if (what.find("bad magic") != std::string::npos)
            throw std::invalid_argument(what + "; for raw binary use --raw DTYPE --shape D0,D1,...");
        throw;
    }
}

std::string shape_string(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

std::string describe(const std::string& path, const repro::npy_array& a) {
    std::string s = path + ": " + to_string(a.dtype) + ", shape " + shape_string(a.shape);
    if (a.version_major != 0) {
        s += ", .npy " + std::to_string(a.version_major) + "." + std::to_string(a.version_minor) + " '" + a.descr + "'";
        if (a.dtype == repro::npy_dtype::bfloat16) s += " read as bfloat16 bits";
        if (a.fortran_order) s += ", Fortran order (read in C order)";
    } else {
        s += ", raw '" + a.descr + "'";
    }
    if (a.big_endian) s += ", big-endian";
    return s;
}

// The index of flat position i in shape, as "(i0, i1, ...)".
std::vector<std::size_t> unravel(std::size_t i, const std::vector<std::size_t>& shape) {
    std::vector<std::size_t> at(shape.size(), 0);
    for (std::size_t j = shape.size(); j > 0; --j) {
        if (shape[j - 1] == 0) break;
        at[j - 1] = i % shape[j - 1];
        i /= shape[j - 1];
    }
    return at;
}

struct comparison {
    repro::compare_report report;
    std::vector<std::size_t> differing_rows;  // batch axis: every row with a mismatch
};

template <class T>
comparison compare_values(const std::vector<T>& a, const std::vector<T>& e, bool batch, std::size_t rows,
                          std::size_t cols, const repro::tolerance& tol) {
    comparison c;
    if (!batch) {
        c.report = repro::compare(repro::view(a.data(), a.size()), repro::view(e.data(), e.size()), tol);
        return c;
    }
    c.report = repro::compare(repro::view(a.data(), rows, cols), repro::view(e.data(), rows, cols), tol);
    // compare counts the differing rows; name them all (each row again, alone).
    for (std::size_t r = 0; r < rows && c.report.rows_differing != 0; ++r) {
        const repro::compare_report one =
            repro::compare(repro::view(a.data() + r * cols, cols), repro::view(e.data() + r * cols, cols), tol);
        if (!one.passed()) c.differing_rows.push_back(r);
    }
    return c;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

// A double as JSON: round-trip digits; null for NaN and the infinities.
std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string json_size_list(const std::vector<std::size_t>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

std::string json_bits(std::uint64_t bits, int hex_digits) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "\"0x%0*" PRIx64 "\"", hex_digits, bits);
    return buf;
}

std::string json_input(const std::string& path, const repro::npy_array& a) {
    std::string s = "{\"path\": " + json_string(path) + ", \"dtype\": \"" + to_string(a.dtype) +
                    "\", \"descr\": " + json_string(a.descr) + ", \"shape\": " + json_size_list(a.shape) +
                    ", \"format\": ";
    if (a.version_major != 0)
        s += "\"npy " + std::to_string(a.version_major) + "." + std::to_string(a.version_minor) + "\"";
    else
        s += "\"raw\"";
    s += std::string(", \"fortran_order\": ") + (a.fortran_order ? "true" : "false") +
         ", \"big_endian\": " + (a.big_endian ? "true" : "false") + "}";
    return s;
}

template <class V>
std::string json_worst(const repro::worst_at<V>& w, const std::vector<std::size_t>& shape, const std::string& value) {
    if (!w.found()) return "null";
    return "{\"value\": " + value + ", \"index\": " + std::to_string(w.index) +
           ", \"at\": " + json_size_list(unravel(w.index, shape)) + "}";
}

std::string tolerance_json(const repro::tolerance& t) {
    switch (t.mode) {
        case repro::compare_mode::bitwise:
            return "{\"mode\": \"bitwise\"}";
        case repro::compare_mode::ulp:
            return "{\"mode\": \"ulp\", \"max_ulp\": " + std::to_string(t.max_ulp) + "}";
        case repro::compare_mode::close:
            return "{\"mode\": \"close\", \"rtol\": " + json_number(t.rtol) + ", \"atol\": " + json_number(t.atol) +
                   "}";
    }
    return "null";
}

std::string json_report(const options& o, const repro::npy_array& a, const repro::npy_array& e, const comparison& c,
                        std::size_t rows, std::size_t cols) {
    const repro::compare_report& r = c.report;
    const std::vector<std::size_t>& shape = a.shape;
    std::string s = "{";
    s += "\"actual\": " + json_input(o.files[0], a) + ",\n";
    s += " \"expected\": " + json_input(o.files[1], e) + ",\n";
    s += std::string(" \"compared_as\": \"") + to_string(a.dtype) + "\", \"tolerance\": " + tolerance_json(r.tol) +
         ",\n";
    s += std::string(" \"match\": ") + (r.passed() ? "true" : "false") + ", \"count\": " + std::to_string(r.count) +
         ", \"mismatches\": " + std::to_string(r.mismatches) +
         ", \"mismatch_fraction\": " + json_number(r.mismatch_fraction()) +
         ", \"nan_mismatches\": " + std::to_string(r.nan_mismatches) +
         ", \"inf_mismatches\": " + std::to_string(r.inf_mismatches) + ",\n";
    s += " \"worst_ulp\": " + json_worst(r.worst_ulp, shape, std::to_string(r.worst_ulp.value)) + ",\n";
    s += " \"worst_abs\": " + json_worst(r.worst_abs, shape, json_number(r.worst_abs.value)) + ",\n";
    s += " \"worst_rel\": " + json_worst(r.worst_rel, shape, json_number(r.worst_rel.value)) + ",\n";
    s += " \"batch\": ";
    if (o.batch_axis) {
        s += "{\"rows\": " + std::to_string(rows) + ", \"cols\": " + std::to_string(cols) +
             ", \"rows_differing\": " + std::to_string(r.rows_differing) +
             ", \"differing_rows\": " + json_size_list(c.differing_rows) + ", \"worst_row\": " +
             (r.worst_row == repro::compare_report::npos ? std::string("null") : std::to_string(r.worst_row)) +
             ", \"worst_row_mismatches\": " + std::to_string(r.worst_row_mismatches) +
             ", \"argmax_flips\": " + json_size_list(r.argmax_flips) + "}";
    } else {
        s += "null";
    }
    s += ",\n \"worst\": [";
    for (std::size_t i = 0; i < r.worst.size() && i < o.list; ++i) {
        const repro::compared_element& w = r.worst[i];
        const bool nan = w.ulp == ~std::uint64_t(0);
        s += std::string(i ? ",\n   " : "\n   ") + "{\"index\": " + std::to_string(w.index) +
             ", \"at\": " + json_size_list(unravel(w.index, shape)) + ", \"actual\": " + json_number(w.actual) +
             ", \"expected\": " + json_number(w.expected) +
             ", \"actual_bits\": " + json_bits(w.actual_bits, r.hex_digits) +
             ", \"expected_bits\": " + json_bits(w.expected_bits, r.hex_digits) +
             ", \"abs_diff\": " + json_number(w.abs_diff) + ", \"rel_diff\": " + json_number(w.rel_diff) +
             ", \"ulp\": " + (nan ? std::string("null") : std::to_string(w.ulp)) + "}";
    }
    s += "]}\n";
    return s;
}

std::string text_report(const options& o, const repro::npy_array& a, const repro::npy_array& e, const comparison& c,
                        std::size_t rows, std::size_t cols) {
    const repro::compare_report& r = c.report;
    std::string s = "actual   " + describe(o.files[0], a) + "\n";
    s += "expected " + describe(o.files[1], e) + "\n";
    if (a.dtype == repro::npy_dtype::float16 || a.dtype == repro::npy_dtype::bfloat16)
        s += std::string("compared as ") + to_string(a.dtype) + ": ULPs are " + to_string(a.dtype) +
             " steps; values print widened exactly to float\n";
    if (o.batch_axis)
        s += "batch axis: " + std::to_string(rows) + " rows (samples) of " + std::to_string(cols) + " values\n";
    s += r.to_string(o.list);
    if (o.batch_axis && !c.differing_rows.empty()) {
        s += "  differing rows:";
        for (std::size_t i = 0; i < c.differing_rows.size() && i < 32; ++i)
            s += (i ? ", " : " ") + std::to_string(c.differing_rows[i]);
        if (c.differing_rows.size() > 32) s += ", ...";
        s += "\n";
    }
    // Indices in the array's own shape, where the flat or (row, col) index does not say them.
    if (a.shape.size() >= 2 && !(o.batch_axis && a.shape.size() == 2) && r.worst_ulp.found() &&
        (r.mismatches != 0 || r.worst_ulp.value != 0)) {
        s += "  in shape " + shape_string(a.shape) + ":";
        std::vector<std::size_t> shown;
        auto show = [&](std::size_t index) {
            for (const std::size_t x : shown)
                if (x == index) return;
            if (shown.size() >= 1 + o.list) return;
            shown.push_back(index);
            s += (shown.size() > 1 ? ", [" : " [") + std::to_string(index) +
                 "] = " + shape_string(unravel(index, a.shape));
        };
        show(r.worst_ulp.index);
        show(r.worst_abs.index);
        show(r.worst_rel.index);
        for (std::size_t i = 0; i < r.worst.size() && i < o.list; ++i) show(r.worst[i].index);
        s += "\n";
    }
    s += r.passed() ? "result: match\n" : "result: differ\n";
    return s;
}

int run(const options& o) {
    const repro::npy_array a = read_input(o.files[0], o);
    const repro::npy_array e = read_input(o.files[1], o);
    if (a.dtype != e.dtype)
        throw std::invalid_argument(std::string("dtypes differ: actual ") + to_string(a.dtype) + ", expected " +
                                    to_string(e.dtype) + " (convert one, e.g. with numpy's astype, to compare)");
    if (a.shape != e.shape)
        throw std::invalid_argument("shapes differ: actual " + shape_string(a.shape) + ", expected " +
                                    shape_string(e.shape));
    std::size_t rows = 1, cols = a.size();
    if (o.batch_axis) {
        if (a.shape.empty()) throw std::invalid_argument("--batch-axis: the arrays are scalars (no axis)");
        rows = a.shape[0];
        cols = 1;
        for (std::size_t j = 1; j < a.shape.size(); ++j) {
            // rows == 0 allows the other axes to overflow: nothing is compared then
            if (a.shape[j] != 0 && cols > std::numeric_limits<std::size_t>::max() / a.shape[j]) {
                cols = 0;
                break;
            }
            cols *= a.shape[j];
        }
        if (rows == 0) cols = 0;
    }
    const repro::tolerance tol = make_tolerance(o);
    comparison c;
    switch (a.dtype) {
        case repro::npy_dtype::float16:
            c = compare_values(a.f16, e.f16, o.batch_axis, rows, cols, tol);
            break;
        case repro::npy_dtype::bfloat16:
            c = compare_values(a.bf16, e.bf16, o.batch_axis, rows, cols, tol);
            break;
        case repro::npy_dtype::float32:
            c = compare_values(a.f32, e.f32, o.batch_axis, rows, cols, tol);
            break;
        case repro::npy_dtype::float64:
            c = compare_values(a.f64, e.f64, o.batch_axis, rows, cols, tol);
            break;
    }
    const std::string out = o.json ? json_report(o, a, e, c, rows, cols) : text_report(o, a, e, c, rows, cols);
    std::fputs(out.c_str(), stdout);
    if (std::fflush(stdout) != 0) throw std::runtime_error("cannot write the report");
    return c.report.passed() ? exit_match : exit_differ;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        options o;
        if (!parse_arguments(argc, argv, o)) return exit_match;
        return run(o);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "repro-diff: %s\n(repro-diff --help for the options)\n", e.what());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "repro-diff: out of memory\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "repro-diff: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "repro-diff: unknown error\n");
    }
    return exit_error;
}
