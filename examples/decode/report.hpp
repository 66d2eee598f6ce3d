#pragma once
// How far a serving mode's generations are from the reference mode's.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <repro/fp.hpp>

#include "serving.hpp"

namespace decode {

// Logits are compared over the steps whose context is the same in both runs:
// up to and including each prompt's first differing token (after it the two
// runs continue different texts). Tokens are compared at every step.
struct drift {
    std::size_t logits = 0, logits_differing = 0;
    std::uint64_t max_ulp = 0;
    double max_abs = 0;
    std::size_t tokens = 0, tokens_differing = 0;
    std::size_t first_flip_step = SIZE_MAX, first_flip_prompt = 0;

    bool zero() const { return logits_differing == 0 && tokens_differing == 0; }
};

inline drift compare(const generation& run, const generation& reference, std::size_t vocab) {
    drift d;
    for (std::size_t r = 0; r < reference.tokens.size(); ++r) {
        const std::vector<int>& a = run.tokens[r];
        const std::vector<int>& b = reference.tokens[r];
        std::size_t flip = b.size();
        for (std::size_t s = 0; s < b.size(); ++s) {
            d.tokens += 1;
            if (a[s] != b[s]) {
                d.tokens_differing += 1;
                flip = std::min(flip, s);
            }
        }
        if (flip < d.first_flip_step) {
            d.first_flip_step = flip;
            d.first_flip_prompt = r;
        }
        const std::size_t compared = std::min(b.size(), flip + 1) * vocab;
        for (std::size_t i = 0; i < compared; ++i) {
            const float x = run.logits[r][i], y = reference.logits[r][i];
            d.logits += 1;
            if (!repro::bitwise_equal(x, y)) d.logits_differing += 1;
            d.max_ulp = std::max(d.max_ulp, repro::ulp_distance(x, y));
            d.max_abs = std::max(d.max_abs, std::fabs(double(x) - double(y)));
        }
    }
    return d;
}

// The step whose two best logits are closest: a change of the logits by
// more than `gap` there could flip the token.
struct closest_call {
    double gap = INFINITY;
    std::size_t prompt = 0, step = 0;
};

inline closest_call find_closest_call(const generation& g, std::size_t vocab) {
    closest_call c;
    for (std::size_t r = 0; r < g.tokens.size(); ++r)
        for (std::size_t s = 0; s < g.tokens[r].size(); ++s) {
            const float* l = g.logits[r].data() + s * vocab;
            const float best = l[g.tokens[r][s]];
            float second = -INFINITY;
            for (std::size_t i = 0; i < vocab; ++i)
                if (int(i) != g.tokens[r][s]) second = std::max(second, l[i]);
            if (double(best) - double(second) < c.gap) c = {double(best) - double(second), r, s};
        }
    return c;
}

// FNV-1a over the bytes of every logit, prompt after prompt.
inline std::uint64_t fnv1a(const generation& g) {
    std::uint64_t h = 0xcbf29ce484222325u;
    for (const std::vector<float>& l : g.logits)
        for (const float x : l) {
            const std::uint32_t bits = repro::to_bits(x);
            for (int b = 0; b < 32; b += 8) h = (h ^ ((bits >> b) & 0xffu)) * 0x100000001b3u;
        }
    return h;
}

// Bytes as text, '.' for anything not printable ASCII.
inline std::string printable(const std::vector<int>& bytes, std::size_t first = 0) {
    std::string s;
    for (std::size_t i = first; i < bytes.size(); ++i) s += bytes[i] >= 32 && bytes[i] < 127 ? char(bytes[i]) : '.';
    return s;
}

}  // namespace decode
