#pragma once
// Reads tests/data/random_kat.txt: known-answer vectors for Philox4x32 and
// Threefry2x32/4x32 in Random123's kat_vectors format,
//   name rounds counter-words... key-words... expected-words...
// (8 hex digits a word, word 0 first), so that every test program runs the
// same published vectors. CMake passes the file's path as
// REPRO_RANDOM_KAT_FILE; read_random_kat() takes any path.

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace repro_test {

struct random_kat {
    std::string name;  // philox4x32, threefry2x32 or threefry4x32
    unsigned rounds = 0;
    std::vector<std::uint32_t> ctr, key, expected;
    int line = 0;  // line number in the file, for messages
};

// Counter and key widths (in 32-bit words) of the generators the file may
// name; false for any other name. The output is as wide as the counter.
inline bool random_kat_shape(const std::string& name, std::size_t& ctr_words, std::size_t& key_words) {
    if (name == "philox4x32") {
        ctr_words = 4;
        key_words = 2;
    } else if (name == "threefry2x32") {
        ctr_words = 2;
        key_words = 2;
    } else if (name == "threefry4x32") {
        ctr_words = 4;
        key_words = 4;
    } else {
        return false;
    }
    return true;
}

namespace detail {

[[noreturn]] inline void bad_kat_line(const std::string& path, int line, const std::string& why) {
    throw std::runtime_error(path + ":" + std::to_string(line) + ": " + why);
}

// Exactly 8 hex digits.
inline std::uint32_t parse_kat_word(const std::string& token, const std::string& path, int line) {
    if (token.size() != 8) bad_kat_line(path, line, "\"" + token + "\" is not 8 hex digits");
    std::uint32_t v = 0;
    for (const char c : token) {
        const int d = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
        if (d < 0) bad_kat_line(path, line, "\"" + token + "\" is not 8 hex digits");
        v = (v << 4) | static_cast<std::uint32_t>(d);
    }
    return v;
}

}  // namespace detail

// Every vector in the file, in file order; throws std::runtime_error for a
// file that cannot be read, an unknown generator name or a malformed line.
inline std::vector<random_kat> read_random_kat(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open known-answer file " + path);
    std::vector<random_kat> out;
    std::string text;
    int line = 0;
    while (std::getline(in, text)) {
        ++line;
        std::istringstream fields(text);
        std::vector<std::string> tokens;
        for (std::string t; fields >> t;) tokens.push_back(t);
        if (tokens.empty() || tokens[0][0] == '#') continue;
        random_kat v;
        v.name = tokens[0];
        v.line = line;
        std::size_t nc = 0, nk = 0;
        if (!random_kat_shape(v.name, nc, nk)) detail::bad_kat_line(path, line, "unknown generator " + v.name);
        if (tokens.size() != 2 + 2 * nc + nk)
            detail::bad_kat_line(path, line,
                                 v.name + " needs " + std::to_string(2 + 2 * nc + nk) + " fields, found " +
                                     std::to_string(tokens.size()));
        if (tokens[1].empty() || tokens[1].find_first_not_of("0123456789") != std::string::npos || tokens[1].size() > 3)
            detail::bad_kat_line(path, line, "bad round count \"" + tokens[1] + "\"");
        v.rounds = static_cast<unsigned>(std::stoul(tokens[1]));
        std::size_t at = 2;
        for (std::size_t i = 0; i < nc; ++i) v.ctr.push_back(detail::parse_kat_word(tokens[at++], path, line));
        for (std::size_t i = 0; i < nk; ++i) v.key.push_back(detail::parse_kat_word(tokens[at++], path, line));
        for (std::size_t i = 0; i < nc; ++i) v.expected.push_back(detail::parse_kat_word(tokens[at++], path, line));
        out.push_back(v);
    }
    return out;
}

#ifdef REPRO_RANDOM_KAT_FILE
// The project's vectors (tests/data/random_kat.txt).
inline std::vector<random_kat> random_kat_vectors() { return read_random_kat(REPRO_RANDOM_KAT_FILE); }
#endif

}  // namespace repro_test
