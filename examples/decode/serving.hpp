#pragma once
// Four ways to serve the same greedy generations, for any engine (repro or
// Eigen): each records every generated token and the logits it came from.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"

namespace decode {

enum class mode { one_at_a_time, padded_batch, chunked_prefill, continuous_batching };

inline const char* describe(mode m) {
    switch (m) {
        case mode::one_at_a_time:
            return "(1) one request at a time";
        case mode::padded_batch:
            return "(2) padded batch";
        case mode::chunked_prefill:
            return "(3) chunked prefill";
        case mode::continuous_batching:
            return "(4) continuous batching";
    }
    return "";
}

struct serving_options {
    std::size_t new_tokens = 32;
    std::size_t chunk = 16;        // (3), (4): prefill chunk
    std::size_t step_budget = 48;  // (4): tokens per forward pass, decode tokens first
    std::size_t arrival_gap = 3;   // (4): request r arrives at step r * arrival_gap
};

struct generation {
    std::vector<std::vector<float>> logits;  // per prompt: new_tokens x vocab
    std::vector<std::vector<int>> tokens;    // per prompt: new_tokens
    std::string schedule;                    // (4): how the batches looked
};

namespace detail {

inline int argmax(const float* v, std::size_t n) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < n; ++i)
        if (v[i] > v[best]) best = i;
    return int(best);
}

}  // namespace detail

template <class Engine>
generation serve(Engine& engine, mode m, const std::vector<std::vector<int>>& prompts, std::size_t vocab,
                 const serving_options& o) {
    using sequence = typename Engine::sequence;
    using batch = std::vector<segment<sequence>>;
    const std::size_t n = prompts.size(), G = o.new_tokens;
    std::size_t max_length = 0;
    for (const std::vector<int>& p : prompts) max_length = std::max(max_length, p.size() + G);
    generation g;
    g.logits.resize(n);
    g.tokens.resize(n);
    // Appends request r's next token, from the logits at `l`.
    auto record = [&](std::size_t r, const float* l) {
        g.logits[r].insert(g.logits[r].end(), l, l + vocab);
        g.tokens[r].push_back(detail::argmax(l, vocab));
    };
    auto done = [&](std::size_t r) { return g.tokens[r].size() == G; };
    auto decode_alone = [&](std::size_t r, sequence& s) {
        while (!done(r)) {
            const int last = g.tokens[r].back();
            record(r, engine.forward(batch{{&s, &last, 1, true}}).data());
        }
    };

    switch (m) {
        case mode::one_at_a_time:
            for (std::size_t r = 0; r < n; ++r) {
                sequence s = engine.start(max_length);
                record(r, engine.forward(batch{{&s, prompts[r].data(), prompts[r].size(), true}}).data());
                decode_alone(r, s);
            }
            break;
        case mode::chunked_prefill:
            for (std::size_t r = 0; r < n; ++r) {
                sequence s = engine.start(max_length);
                const std::size_t len = prompts[r].size();
                for (std::size_t first = 0; first < len; first += o.chunk) {
                    const std::size_t count = std::min(o.chunk, len - first);
                    const std::vector<float> l =
                        engine.forward(batch{{&s, prompts[r].data() + first, count, first + count == len}});
                    if (first + count == len) record(r, l.data());
                }
                decode_alone(r, s);
            }
            break;
        case mode::padded_batch: {
            std::vector<sequence> seqs;
            std::vector<sequence*> all;
            for (std::size_t r = 0; r < n; ++r) seqs.push_back(engine.start(max_length));
            for (sequence& s : seqs) all.push_back(&s);
            std::vector<float> l = engine.prefill_padded(all, prompts);
            for (std::size_t r = 0; r < n; ++r) record(r, l.data() + r * vocab);
            std::vector<int> last(n);
            while (n > 0 && !done(0)) {
                batch b;
                for (std::size_t r = 0; r < n; ++r) {
                    last[r] = g.tokens[r].back();
                    b.push_back({&seqs[r], &last[r], 1, true});
                }
                l = engine.forward(b);
                for (std::size_t r = 0; r < n; ++r) record(r, l.data() + r * vocab);
            }
            break;
        }
        case mode::continuous_batching: {
            // Request r arrives at step r * arrival_gap; each step runs every
            // decoding request's next token, then prefill chunks of the
            // arrived requests in arrival order while the step's budget lasts.
            // A request leaves (its caches freed) once it has G tokens.
            std::vector<std::optional<sequence>> seqs(n);
            std::vector<std::size_t> prefilled(n, 0);
            std::vector<int> last(n);
            std::size_t finished = 0, steps = 0, mixed = 0, widest = 0;
            for (std::size_t step = 0; finished < n; ++step) {
                batch b;
                std::vector<std::size_t> owners;  // whose logits come back, in order
                std::size_t budget = o.step_budget, decoding = 0;
                for (std::size_t r = 0; r < n && r * o.arrival_gap <= step; ++r)
                    if (seqs[r] && prefilled[r] == prompts[r].size()) {
                        last[r] = g.tokens[r].back();
                        b.push_back({&*seqs[r], &last[r], 1, true});
                        owners.push_back(r);
                        --budget;
                        ++decoding;
                    }
                for (std::size_t r = 0; r < n && r * o.arrival_gap <= step && budget > 0; ++r) {
                    if (!seqs[r] && !done(r)) seqs[r] = engine.start(max_length);
                    if (!seqs[r] || prefilled[r] == prompts[r].size()) continue;
                    const std::size_t count = std::min({o.chunk, budget, prompts[r].size() - prefilled[r]});
                    const bool complete = prefilled[r] + count == prompts[r].size();
                    b.push_back({&*seqs[r], prompts[r].data() + prefilled[r], count, complete});
                    if (complete) owners.push_back(r);
                    prefilled[r] += count;
                    budget -= count;
                }
                if (b.empty()) continue;
                ++steps;
                if (decoding > 0 && decoding < b.size()) ++mixed;
                widest = std::max(widest, b.size());
                const std::vector<float> l = engine.forward(b);
                for (std::size_t i = 0; i < owners.size(); ++i) record(owners[i], l.data() + i * vocab);
                for (const std::size_t r : owners)
                    if (done(r)) {
                        seqs[r].reset();
                        ++finished;
                    }
            }
            g.schedule = std::to_string(steps) + " forward passes of up to " + std::to_string(o.step_budget) +
                         " tokens, at most " + std::to_string(widest) + " requests in one; " + std::to_string(mixed) +
                         " mix prefill chunks with decode tokens";
            break;
        }
    }
    return g;
}

}  // namespace decode
