#pragma once
// repro/sequence_invariance.hpp - does a sequence model give a token the same
// bits however its sequence is served, and if not, why?
//
// check_sequence_invariance runs a model over a set of sequences in these
// experiments, every token's output compared with the token's output when
// its sequence runs alone, as one chunk:
//
//   repeat           every sequence alone again
//   chunks of c      all sequences together, each call taking the next c
//                    tokens of every unfinished sequence (c = 1: decode), so
//                    the batch mixes sequences and shrinks as they finish
//   prefill+decode   the first half of every sequence as one chunk, then one
//                    token per call, all sequences together
//   padded +p        (with a padded entry point) each sequence alone, padded
//                    by p rows whose contents are other tokens of the data;
//                    "padded +p'" repeats the first with other contents
//   padded batch     all sequences in one padded call
//   others replaced  the padded batch (else the largest chunks) with every
//                    other sequence replaced by different tokens
//
// The first rule that applies is the diagnosis:
//
//   run_to_run       the repeat differs from the first run
//   padding          a padded run differs from the first padded run: the
//                    output moved with the padding alone (a mask that lets
//                    padding into a reduction)
//   cross_sample     others replaced differs from the run it varies
//   reduction_order  any other difference: the number of tokens computed at
//                    once (chunk size, decode vs prefill, batch) changed a
//                    summation order
//   none             every token bitwise equal to its sequence alone
//
// first_divergent_layer (sequence_layer overload) runs a model given as a
// list of layers with whole sequences and in chunks and names the first layer
// whose output differs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "invariance.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// A sequence model as the harness drives it. In: the token's input values
// (token ids or embeddings), T: its outputs (logits, hidden states).
template <class In, class T>
struct sequence_model {
    std::size_t in_size = 1;   // values per token in
    std::size_t out_size = 0;  // values per token out
    // chunk(ids, counts, batch, in, out): sequence ids[b] continues with
    // counts[b] new tokens (an id not seen before starts a sequence; the model
    // keeps each sequence's state, e.g. its repro::kv_cache); in and out hold
    // the new tokens of sequence 0, then of sequence 1, ...
    std::function<void(const std::uint64_t* ids, const std::size_t* counts, std::size_t batch, const In* in, T* out)>
        chunk;
    // padded(lengths, batch, max_length, in, out), optional: whole sequences,
    // sequence b's lengths[b] tokens then padding, batch x max_length rows.
    std::function<void(const std::size_t* lengths, std::size_t batch, std::size_t max_length, const In* in, T* out)>
        padded;
    // release(id), optional: the harness will not continue sequence id.
    std::function<void(std::uint64_t id)> release;
};

struct sequence_invariance_options {
    std::vector<std::size_t> chunk_sizes{1, 2, 3, 7, 16, 64};  // 1 is decode
    std::vector<std::size_t> paddings{1, 5, 64};               // rows of padding in the padded runs
    bool prefill_then_decode = true;
    bool padded_batch = true;
    bool repeat = true;
    bool replace_others = true;
};

struct sequence_invariance_report {
    std::size_t sequences = 0, tokens = 0, in_size = 0, out_size = 0;
    std::string type_name;
    std::vector<experiment_drift> experiments;  // samples_compared counts tokens
    std::vector<sample_drift> per_sequence;     // sample: the sequence's index; margin unused
    std::size_t token_runs_compared = 0;
    double bitwise_fraction = 1.0;
    std::uint64_t max_ulp = 0;
    double max_abs = 0.0;
    std::size_t argmax_flips = 0;  // token runs whose argmax differs from the sequence alone
    invariance_cause cause = invariance_cause::none;
    std::string explanation;

    bool invariant() const { return cause == invariance_cause::none; }
    std::string table() const;
};

// A model as a list of layers over sequences, for first_divergent_layer: each
// layer's chunk() reads in_size (the previous layer's out_size) values per
// new token and keeps its own per-sequence state.
template <class T>
struct sequence_layer {
    std::string name;
    std::size_t out_size = 0;
    std::function<void(const std::uint64_t* ids, const std::size_t* counts, std::size_t batch, const T* in, T* out)>
        chunk;
};

namespace detail {

// The token rows of a set of sequences: sequence i's rows start at first[i].
template <class In>
struct sequence_set {
    const In* data;
    const std::size_t* lengths;
    std::size_t count, in_size;
    std::vector<std::size_t> first;
    const In* row(std::size_t i, std::size_t t) const { return data + (first[i] + t) * in_size; }
};

template <class T>
void fill_unwritten(T* out, std::size_t n) {
    std::fill(out, out + n, from_bits<T>(unwritten_bits<T>()));
}

template <class T>
void check_written(const T* out, std::size_t rows, std::size_t cols, const std::string& what) {
    for (std::size_t i = 0; i < rows * cols; ++i)
        if (to_bits(out[i]) == unwritten_bits<T>())
            throw std::invalid_argument("repro::check_sequence_invariance: " + what + " left output row " +
                                        std::to_string(i / cols) + ", column " + std::to_string(i % cols) +
                                        " unwritten");
}

// Runs every sequence through chunk() in steps: step_size(i, done) tokens of
// sequence i per call (0: it sits the call out), all sequences with work in
// each call. Returns the outputs in the data's token order.
template <class In, class T, class Step>
std::vector<T> run_chunks(const sequence_model<In, T>& m, const sequence_set<In>& s, std::uint64_t id_base, Step step,
                          const std::string& what) {
    std::vector<T> out(s.first.back() * m.out_size);
    std::vector<std::size_t> done(s.count, 0);
    for (;;) {
        std::vector<std::uint64_t> ids;
        std::vector<std::size_t> counts, which;
        std::vector<In> in;
        for (std::size_t i = 0; i < s.count; ++i) {
            const std::size_t n = std::min(step(i, done[i]), s.lengths[i] - done[i]);
            if (n == 0) continue;
            ids.push_back(id_base + i);
            counts.push_back(n);
            which.push_back(i);
            in.insert(in.end(), s.row(i, done[i]), s.row(i, done[i] + n));
        }
        if (ids.empty()) break;
        const std::size_t rows = in.size() / m.in_size;
        std::vector<T> o(rows * m.out_size);
        fill_unwritten(o.data(), o.size());
        m.chunk(ids.data(), counts.data(), ids.size(), in.data(), o.data());
        check_written(o.data(), rows, m.out_size, what);
        std::size_t at = 0;
        for (std::size_t b = 0; b < ids.size(); ++b) {
            const std::size_t i = which[b];
            std::copy(o.begin() + static_cast<std::ptrdiff_t>(at * m.out_size),
                      o.begin() + static_cast<std::ptrdiff_t>((at + counts[b]) * m.out_size),
                      out.begin() + static_cast<std::ptrdiff_t>((s.first[i] + done[i]) * m.out_size));
            at += counts[b];
            done[i] += counts[b];
        }
    }
    if (m.release)
        for (std::size_t i = 0; i < s.count; ++i) m.release(id_base + i);
    return out;
}

// Runs the listed sequences (indices into s, or replacement sequences taken
// from `replace`) through padded() in one call of max_length rows each,
// padding rows filled from the data's tokens starting at fill_offset.
template <class In, class T>
std::vector<T> run_padded(const sequence_model<In, T>& m, const sequence_set<In>& s,
                          const std::vector<std::size_t>& order, std::size_t max_length, std::size_t fill_offset,
                          const std::vector<bool>& replaced, const std::string& what) {
    const std::size_t batch = order.size(), total = s.first.back();
    std::vector<In> in(batch * max_length * m.in_size);
    std::vector<std::size_t> lengths(batch);
    for (std::size_t b = 0; b < batch; ++b) {
        const std::size_t i = order[b];
        lengths[b] = s.lengths[i];
        for (std::size_t t = 0; t < max_length; ++t) {
            // tokens: the sequence's own, or (replaced / padding) rows of the data elsewhere
            const std::size_t k =
                t < s.lengths[i] && !replaced[b] ? s.first[i] + t : (fill_offset + s.first[i] + t * 7 + 3) % total;
            std::copy(s.data + k * m.in_size, s.data + (k + 1) * m.in_size,
                      in.begin() + static_cast<std::ptrdiff_t>((b * max_length + t) * m.in_size));
        }
    }
    std::vector<T> o(batch * max_length * m.out_size);
    fill_unwritten(o.data(), o.size());
    m.padded(lengths.data(), batch, max_length, in.data(), o.data());
    std::vector<T> out(total * m.out_size, from_bits<T>(unwritten_bits<T>()));
    for (std::size_t b = 0; b < batch; ++b) {
        const std::size_t i = order[b];
        check_written(o.data() + b * max_length * m.out_size, s.lengths[i], m.out_size, what);
        std::copy(o.begin() + static_cast<std::ptrdiff_t>(b * max_length * m.out_size),
                  o.begin() + static_cast<std::ptrdiff_t>((b * max_length + s.lengths[i]) * m.out_size),
                  out.begin() + static_cast<std::ptrdiff_t>(s.first[i] * m.out_size));
    }
    return out;
}

// Token drift of the sequences in `include` (all when empty) into e.
template <class T>
void compare_tokens(const std::vector<T>& actual, const std::vector<T>& expected, std::size_t cols,
                    const std::vector<std::size_t>& first, const std::vector<bool>& include, experiment_drift& e,
                    std::vector<sample_drift>* per_sequence) {
    for (std::size_t i = 0; i + 1 < first.size(); ++i) {
        if (!include.empty() && !include[i]) continue;
        for (std::size_t t = first[i]; t < first[i + 1]; ++t) {
            const row_drift d = compare_row(actual.data() + t * cols, expected.data() + t * cols, cols);
            add(e, d);
            if (per_sequence) add((*per_sequence)[i], d);
        }
    }
}

}  // namespace detail

inline std::string sequence_invariance_report::table() const {
    using detail::printf_string;
    std::string s = printf_string("repro sequence invariance: %zu sequences, %zu tokens, %zu -> %zu %s values\n",
                                  sequences, tokens, in_size, out_size, type_name.c_str());
    s += printf_string("%-22s %-59s | %s\n", "", "------------- tokens against their sequence alone -------------",
                       "against its base run");
    s += printf_string("%-25s %s | %11s\n", "experiment", detail::drift_header().c_str(), "same bits");
    for (const experiment_drift& e : experiments) {
        s += printf_string("%-25s %s |", e.name.c_str(), detail::drift_columns(e).c_str());
        if (e.vs_full_batch)
            s += printf_string(" %11s", printf_string("%zu/%zu", e.full_batch_equal, e.samples_compared).c_str());
        s += "\n";
    }
    s += printf_string(
        "all runs: %zu token runs, %.1f%% bitwise equal to their sequence alone; max %s ULP, max abs %.3g\n",
        token_runs_compared, 100.0 * bitwise_fraction, detail::ulp_text(max_ulp).c_str(), max_abs);
    s += printf_string("predictions: argmax flipped in %zu token runs\n", argmax_flips);
    s += std::string("diagnosis: ") + repro::to_string(cause) + ". " + explanation + "\n";
    return s;
}

// Runs the model over `count` sequences (sequence i: lengths[i] tokens of
// in_size values, the sequences one after the other in `tokens`) in the
// experiments listed at the top of this header and diagnoses any drift.
// Throws std::invalid_argument for no sequences, a sequence of length 0,
// in_size or out_size 0, null pointers, a model without chunk(), a chunk size
// of 0 and a model that leaves output values unwritten; an exception thrown by
// the model propagates.
template <class In, class T>
sequence_invariance_report check_sequence_invariance(const sequence_model<In, T>& model, const In* tokens,
                                                     const std::size_t* lengths, std::size_t count,
                                                     const sequence_invariance_options& options = {}) {
    static_assert(float_traits<T>::supported, "repro::check_sequence_invariance: T must be a floating-point type");
    const char* function = "check_sequence_invariance";
    const std::string prefix = std::string("repro::") + function + ": ";
    if (count == 0) throw std::invalid_argument(prefix + "count = 0: no sequences to run");
    if (model.in_size == 0) throw std::invalid_argument(prefix + "model.in_size = 0");
    if (model.out_size == 0) throw std::invalid_argument(prefix + "model.out_size = 0");
    if (!model.chunk) throw std::invalid_argument(prefix + "model.chunk is empty");
    detail::check_pointer(lengths, count, function, "lengths");
    for (const std::size_t c : options.chunk_sizes)
        if (c == 0) throw std::invalid_argument(prefix + "options.chunk_sizes holds 0");
    detail::sequence_set<In> s{tokens, lengths, count, model.in_size, std::vector<std::size_t>(count + 1, 0)};
    for (std::size_t i = 0; i < count; ++i) {
        if (lengths[i] == 0) throw std::invalid_argument(prefix + "lengths[" + std::to_string(i) + "] = 0");
        s.first[i + 1] = s.first[i] + lengths[i];
    }
    detail::check_pointer(tokens, detail::checked_mul(s.first[count], model.in_size, function, "tokens"), function,
                          "tokens");

    sequence_invariance_report r;
    r.sequences = count;
    r.tokens = s.first[count];
    r.in_size = model.in_size;
    r.out_size = model.out_size;
    r.type_name = float_traits<T>::name;
    r.per_sequence.resize(count);
    for (std::size_t i = 0; i < count; ++i) r.per_sequence[i].sample = i;

    std::uint64_t next_id = 0;  // every run starts fresh sequences
    auto chunks = [&](auto step, const std::string& name) {
        next_id += count;
        return detail::run_chunks(model, s, next_id - count, step, "model.chunk (" + name + ")");
    };
    std::vector<T> reference(s.first[count] * model.out_size);
    for (std::size_t i = 0; i < count; ++i) {  // each sequence alone: its own calls
        const std::vector<T> out =
            chunks([&](std::size_t j, std::size_t done) { return j == i && done == 0 ? lengths[i] : 0; }, "alone");
        std::copy(out.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size),
                  out.begin() + static_cast<std::ptrdiff_t>(s.first[i + 1] * model.out_size),
                  reference.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size));
    }
    const experiment_drift* run_to_run = nullptr;
    const experiment_drift* padding = nullptr;
    const experiment_drift* cross_sample = nullptr;
    auto record = [&](experiment_drift e, const std::vector<T>& out, const std::vector<T>* base,
                      const std::vector<bool>& include) {
        detail::compare_tokens(out, reference, model.out_size, s.first, include, e, &r.per_sequence);
        if (base) {
            experiment_drift b;
            detail::compare_tokens(out, *base, model.out_size, s.first, include, b, nullptr);
            e.vs_full_batch = true;
            e.full_batch_equal = b.bitwise_equal;
            e.full_batch_max_abs = b.max_abs;
        }
        r.experiments.push_back(std::move(e));
    };
    auto named = [](std::string name, experiment_kind kind) {
        experiment_drift e;
        e.name = std::move(name);
        e.kind = kind;
        return e;
    };
    r.experiments.reserve(4 + options.chunk_sizes.size() + 2 * options.paddings.size());

    if (options.repeat) {
        std::vector<T> again(reference.size());
        for (std::size_t i = 0; i < count; ++i) {
            const std::vector<T> out =
                chunks([&](std::size_t j, std::size_t done) { return j == i && done == 0 ? lengths[i] : 0; }, "repeat");
            std::copy(out.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size),
                      out.begin() + static_cast<std::ptrdiff_t>(s.first[i + 1] * model.out_size),
                      again.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size));
        }
        record(named("repeat", experiment_kind::repeat), again, &reference, {});
        if (r.experiments.back().full_batch_equal < r.experiments.back().samples_compared)
            run_to_run = &r.experiments.back();
    }
    std::vector<T> largest_chunks;
    std::size_t largest = 0;
    for (const std::size_t c : options.chunk_sizes) {
        const std::string name = c == 1 ? "decode (chunks of 1)" : "chunks of " + std::to_string(c);
        std::vector<T> out = chunks([c](std::size_t, std::size_t) { return c; }, name);
        record(named(name, experiment_kind::batch), out, nullptr, {});
        r.experiments.back().batch_size = c;
        if (c >= largest) largest = c, largest_chunks = std::move(out);
    }
    if (options.prefill_then_decode)
        record(named("prefill+decode", experiment_kind::batch),
               chunks([&](std::size_t i, std::size_t done) { return done == 0 ? (lengths[i] + 1) / 2 : 1; },
                      "prefill+decode"),
               nullptr, {});
    std::vector<T> padded_batch;
    if (model.padded) {
        std::vector<T> first_padded;
        for (std::size_t variant = 0; variant < options.paddings.size() * 2; ++variant) {
            const std::size_t p = options.paddings[variant / 2], fill = variant % 2 ? 11 : 0;
            const std::string name = "padded +" + std::to_string(p) + (variant % 2 ? "'" : "");
            std::vector<T> out(reference.size());
            for (std::size_t i = 0; i < count; ++i) {
                const std::vector<T> one =
                    detail::run_padded(model, s, {i}, lengths[i] + p, fill, {false}, "model.padded (" + name + ")");
                std::copy(one.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size),
                          one.begin() + static_cast<std::ptrdiff_t>(s.first[i + 1] * model.out_size),
                          out.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size));
            }
            record(named(name, experiment_kind::padding), out, first_padded.empty() ? nullptr : &first_padded, {});
            const experiment_drift& e = r.experiments.back();
            if (!padding && e.vs_full_batch && e.full_batch_equal < e.samples_compared) padding = &e;
            if (first_padded.empty()) first_padded = out;
        }
        if (options.padded_batch) {
            std::vector<std::size_t> order(count);
            for (std::size_t i = 0; i < count; ++i) order[i] = i;
            const std::size_t max_length = *std::max_element(lengths, lengths + count);
            padded_batch = detail::run_padded(model, s, order, max_length, 0, std::vector<bool>(count, false),
                                              "model.padded (padded batch)");
            record(named("padded batch", experiment_kind::full_batch), padded_batch, nullptr, {});
        }
    }
    if (options.replace_others && count > 1) {
        // two runs: the even sequences kept (the odd ones replaced), then the odd ones
        const std::vector<T>& base = !padded_batch.empty() ? padded_batch : largest_chunks;
        std::vector<T> out(reference.size());
        for (std::size_t keep = 0; keep < 2; ++keep) {
            std::vector<bool> replaced(count);
            for (std::size_t i = 0; i < count; ++i) replaced[i] = i % 2 != keep;
            std::vector<T> run;
            if (!padded_batch.empty()) {
                std::vector<std::size_t> order(count);
                for (std::size_t i = 0; i < count; ++i) order[i] = i;
                run = detail::run_padded(model, s, order, *std::max_element(lengths, lengths + count), 5, replaced,
                                         "model.padded (others replaced)");
            } else {
                // the replaced sequences' tokens: the data read backwards
                std::vector<In> swapped(tokens, tokens + s.first[count] * model.in_size);
                for (std::size_t i = 0; i < count; ++i)
                    if (replaced[i])
                        for (std::size_t t = 0; t < lengths[i]; ++t) {
                            const std::size_t k = s.first[count] - 1 - (s.first[i] + t);
                            std::copy(tokens + k * model.in_size, tokens + (k + 1) * model.in_size,
                                      swapped.begin() + static_cast<std::ptrdiff_t>((s.first[i] + t) * model.in_size));
                        }
                detail::sequence_set<In> other = s;
                other.data = swapped.data();
                next_id += count;
                run = detail::run_chunks(
                    model, other, next_id - count, [largest](std::size_t, std::size_t) { return largest; },
                    "model.chunk (others replaced)");
            }
            for (std::size_t i = 0; i < count; ++i)
                if (!replaced[i])
                    std::copy(run.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size),
                              run.begin() + static_cast<std::ptrdiff_t>(s.first[i + 1] * model.out_size),
                              out.begin() + static_cast<std::ptrdiff_t>(s.first[i] * model.out_size));
        }
        if (!base.empty()) {
            record(named("others replaced", experiment_kind::others_replaced), out, &base, {});
            const experiment_drift& e = r.experiments.back();
            if (e.full_batch_equal < e.samples_compared) cross_sample = &e;
        }
    }

    std::size_t equal = 0;
    const experiment_drift* first_drift = nullptr;
    for (const experiment_drift& e : r.experiments) {
        r.token_runs_compared += e.samples_compared;
        equal += e.bitwise_equal;
        r.max_ulp = std::max(r.max_ulp, e.max_ulp);
        r.max_abs = std::max(r.max_abs, e.max_abs);
        r.argmax_flips += e.argmax_flips;
        if (!first_drift && e.bitwise_equal < e.samples_compared) first_drift = &e;
    }
    r.bitwise_fraction = r.token_runs_compared ? double(equal) / double(r.token_runs_compared) : 1.0;
    using detail::printf_string;
    auto moved = [](const experiment_drift& e) { return e.samples_compared - e.full_batch_equal; };
    if (run_to_run) {
        r.cause = invariance_cause::run_to_run;
        r.explanation = printf_string(
            "Running every sequence alone twice gave different bits for %zu of %zu tokens: the model is not "
            "deterministic from run to run, and its serving drift cannot be judged until it is.",
            moved(*run_to_run), run_to_run->samples_compared);
    } else if (padding) {
        r.cause = invariance_cause::padding;
        r.explanation = printf_string(
            "'%s' changed %zu of %zu tokens against the first padded run (max abs %.3g): only the padding "
            "differed, so padding enters a reduction (a mask that lets padded keys into the attention, a norm "
            "over the padded length). Pass the sequence lengths to repro::attention.",
            padding->name.c_str(), moved(*padding), padding->samples_compared, padding->full_batch_max_abs);
    } else if (cross_sample) {
        r.cause = invariance_cause::cross_sample;
        r.explanation = printf_string(
            "Replacing the other sequences changed %zu of %zu tokens (max abs %.3g): a token's output depends on "
            "the other sequences of its batch.",
            moved(*cross_sample), cross_sample->samples_compared, cross_sample->full_batch_max_abs);
    } else if (first_drift) {
        r.cause = invariance_cause::reduction_order;
        r.explanation = printf_string(
            "'%s' differs from the sequences alone for %zu of %zu tokens (max %s ULP, max rel %.3g): the "
            "summation order changes with how many tokens are computed at once (the attention's key split, GEMV "
            "vs GEMM for the projections); repro::attention and repro::linear keep one order.",
            first_drift->name.c_str(), first_drift->samples_compared - first_drift->bitwise_equal,
            first_drift->samples_compared, detail::ulp_text(first_drift->max_ulp).c_str(), first_drift->max_rel);
    } else {
        r.cause = invariance_cause::none;
        r.explanation = printf_string("All %zu token runs in %zu experiments gave the bits of their sequence alone.",
                                      r.token_runs_compared, r.experiments.size());
    }
    if (!model.padded) r.explanation += " Not tested: padding (the model has no padded entry point).";
    return r;
}

// Runs the layers over the sequences whole (all in one call, each as one
// chunk) and in chunks of chunk_size (1: decode), and compares
// every layer's output per token. The first layer whose output differs is
// the one that breaks invariance: the layers before it gave it the same
// input. Throws std::invalid_argument for an empty model, a layer with
// out_size 0 or no chunk(), no sequences, a length 0, null pointers and
// chunk_size 0.
template <class T>
layer_divergence first_divergent_layer(const std::vector<sequence_layer<T>>& model, const T* tokens,
                                       const std::size_t* lengths, std::size_t count, std::size_t in_size,
                                       std::size_t chunk_size) {
    const std::string prefix = "repro::first_divergent_layer: ";
    if (model.empty()) throw std::invalid_argument(prefix + "model has no layers");
    if (chunk_size == 0) throw std::invalid_argument(prefix + "chunk_size = 0");
    for (std::size_t l = 0; l < model.size(); ++l) {
        const std::string name = "layer " + std::to_string(l) + " '" + model[l].name + "'";
        if (model[l].out_size == 0) throw std::invalid_argument(prefix + name + " has out_size 0");
        if (!model[l].chunk) throw std::invalid_argument(prefix + name + " has no chunk()");
    }
    if (count == 0) throw std::invalid_argument(prefix + "count = 0: no sequences to run");
    if (in_size == 0) throw std::invalid_argument(prefix + "in_size = 0");
    detail::check_pointer(lengths, count, "first_divergent_layer", "lengths");
    for (std::size_t i = 0; i < count; ++i)
        if (lengths[i] == 0) throw std::invalid_argument(prefix + "lengths[" + std::to_string(i) + "] = 0");
    // The layers as one model that keeps each layer's outputs by token.
    std::vector<std::vector<T>> by_layer(model.size());
    std::vector<std::size_t> first(count + 1, 0);
    for (std::size_t i = 0; i < count; ++i) first[i + 1] = first[i] + lengths[i];
    sequence_model<T, T> whole;
    whole.in_size = in_size;
    whole.out_size = model.back().out_size;
    std::vector<std::size_t> done;  // tokens of each sequence seen in this run
    std::uint64_t base = 0;
    whole.chunk = [&](const std::uint64_t* ids, const std::size_t* counts, std::size_t batch, const T* in, T* out) {
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
        std::vector<T> x(in, in + rows * in_size), y;
        for (std::size_t l = 0; l < model.size(); ++l) {
            const std::size_t cols = model[l].out_size;
            y.assign(rows * cols, from_bits<T>(detail::unwritten_bits<T>()));
            model[l].chunk(ids, counts, batch, x.data(), y.data());
            detail::check_written(y.data(), rows, cols, "layer " + std::to_string(l) + " '" + model[l].name + "'");
            std::size_t at = 0;
            for (std::size_t b = 0; b < batch; ++b) {
                const std::size_t i = ids[b] - base;
                std::copy(y.begin() + static_cast<std::ptrdiff_t>(at * cols),
                          y.begin() + static_cast<std::ptrdiff_t>((at + counts[b]) * cols),
                          by_layer[l].begin() + static_cast<std::ptrdiff_t>((first[i] + done[i]) * cols));
                at += counts[b];
            }
            x.swap(y);
        }
        for (std::size_t b = 0; b < batch; ++b) done[ids[b] - base] += counts[b];
        std::copy(x.begin(), x.end(), out);
    };
    auto run = [&](auto step, std::uint64_t id_base) {
        for (std::size_t l = 0; l < model.size(); ++l) by_layer[l].assign(first[count] * model[l].out_size, T(0));
        done.assign(count, 0);
        base = id_base;
        detail::sequence_set<T> s{tokens, lengths, count, in_size, first};
        detail::run_chunks(whole, s, id_base, step, "first_divergent_layer");
        return by_layer;
    };
    detail::check_pointer(tokens, detail::checked_mul(first[count], in_size, "first_divergent_layer", "tokens"),
                          "first_divergent_layer", "tokens");
    const std::vector<std::vector<T>> alone =
        run([](std::size_t, std::size_t done_) { return done_ == 0 ? std::size_t(-1) : 0; }, 0);
    const std::vector<std::vector<T>> chunked =
        run([chunk_size](std::size_t, std::size_t) { return chunk_size; }, count);

    layer_divergence d;
    for (std::size_t l = 0; l < model.size(); ++l) {
        experiment_drift e;
        e.name = model[l].name;
        e.batch_size = chunk_size;
        detail::compare_tokens(chunked[l], alone[l], model[l].out_size, first, {}, e, nullptr);
        d.add_layer(std::move(e));
    }
    return d;
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
