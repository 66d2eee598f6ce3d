#pragma once
// Prompts of real English text, as bytes: passages of the GPL-3 text that
// every Debian system ships (a few built-in sentences where it is missing),
// each starting at a sentence, of lengths spread evenly over [shortest,
// longest] and ordered long, short, long, ... so that neighbours differ.

#include <cctype>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace decode {

struct prompt_set {
    std::vector<std::vector<int>> prompts;
    std::string source;
};

inline const char* license_path() { return "/usr/share/common-licenses/GPL-3"; }

inline std::string fallback_text() {
    return "The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a single step. "
           "All that glitters is not gold. The early bird catches the worm, but the second mouse gets the cheese. "
           "Those who cannot remember the past are condemned to repeat it. It was the best of times, it was the "
           "worst of times, it was the age of wisdom, it was the age of foolishness. Call me Ishmael. Some years "
           "ago, never mind how long precisely, having little or no money in my purse, I thought I would sail "
           "about a little and see the watery part of the world. ";
}

inline prompt_set make_prompts(std::size_t count, std::size_t shortest, std::size_t longest) {
    prompt_set set;
    std::string raw;
    if (std::ifstream f{license_path(), std::ios::binary}) {
        std::ostringstream s;
        s << f.rdbuf();
        raw = s.str();
        set.source = license_path();
    }
    if (raw.size() < 4 * longest) {
        raw = fallback_text();
        set.source = "built-in sentences";
    }
    std::string text;  // whitespace runs collapsed to one space
    for (const char c : raw)
        if (!std::isspace(static_cast<unsigned char>(c)))
            text += c;
        else if (!text.empty() && text.back() != ' ')
            text += ' ';
    while (text.size() < 2 * longest) text += text;
    std::vector<std::size_t> starts;
    for (std::size_t i = 2; i + longest <= text.size(); ++i)
        if (text[i - 2] == '.' && text[i - 1] == ' ' && std::isupper(static_cast<unsigned char>(text[i])))
            starts.push_back(i);
    if (starts.empty()) starts.push_back(0);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t rank = i % 2 == 0 ? count - 1 - i / 2 : i / 2;  // long, short, long, ...
        const std::size_t length = count == 1 ? shortest : shortest + (longest - shortest) * rank / (count - 1);
        const std::size_t start = starts[(i * starts.size()) / count];
        std::vector<int> p;
        for (std::size_t j = 0; j < length; ++j) p.push_back(static_cast<unsigned char>(text[start + j]));
        set.prompts.push_back(std::move(p));
    }
    return set;
}

}  // namespace decode
