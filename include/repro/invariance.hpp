#pragma once
// repro/invariance.hpp - does a forward pass give a sample the same bits
// whatever batch it runs in, and if not, why?
//
// check_batch_invariance runs a forward pass over a set of n samples in
// these experiments:
//
//   batch 1          every sample alone: the reference of every comparison
//   batch B          consecutive chunks of B samples (the last chunk holds
//                    what is left), for each configured 1 < B < n
//   full batch       the n samples in order
//   rotation r       the full batch rotated by r n / (rotations + 1) rows
//   permutation r    the full batch in the order of a seeded repro::permutation
//   repeat           the full batch again
//   others replaced  the full batch run replace_groups times; run g keeps the
//                    samples at positions p = g (mod replace_groups) in their
//                    rows and replaces every other row by different data
//
// Every sample run is compared with the sample's batch-1 run. The runs of the
// whole set at batch n (rotation, permutation, repeat, others replaced) are
// also compared with the full-batch run: there only the run, the positions
// or the other rows changed, which separates the causes. The first rule that
// applies is the diagnosis:
//
//   run_to_run       the repeat differs from the full batch, or a
//                    confirmation rerun differs from the run it repeats
//   cross_sample     others replaced differs from the full batch
//   position         a rotation or permutation differs from the full batch by
//                    more than rounding_level * max |batch-1 output| of the
//                    sample
//   reduction_order  any other difference: the batch size (or the position,
//                    at rounding level) changed a summation order
//   none             every run bitwise equal to batch 1
//
// Confirmation: a forward pass that is nondeterministic only in some calls
// (one in four, say) or only at some batch sizes can pass the repeat and
// still corrupt the batch-1 reference or one experiment, which would read as
// a batch effect. So when any experiment differs, before naming a cause
// other than run_to_run, the harness reruns the batch-1 reference, the full
// batch (when a whole-set run differs from it) and every experiment that
// differs, options.confirm_repeats times each, and compares each rerun with
// the first run bitwise. Rerun k first makes k single-sample calls and runs
// the batches in reverse order, so that a fault tied to the call count falls
// on other samples. Cost: nothing when every run matches; otherwise, with
// R = confirm_repeats and S the runs reconfirmed (batch 1, the full batch
// where it applies, the differing experiments), R times the calls of those
// runs (n for batch 1, ceil(n / B) for batch B, 1 to replace_groups for a
// whole-set run) plus S R (R + 1) / 2 single-sample calls; the first
// rerun that differs ends it. invariance_report::confirmation_calls counts
// them.
//
// first_divergent_layer runs a model given as a list of layers batched and
// unbatched and names the first layer whose output differs.

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "compare.hpp"
#include "detail/parallel/pool.hpp"
#include "fp.hpp"
#include "random.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

struct invariance_options {
    std::vector<std::size_t> batch_sizes{1, 2, 3, 7, 8, 31, 32};  // n is added; 1 is the reference; > n skipped
    std::size_t rotations = 3;       // the full set rotated by n/(rotations+1), 2n/(rotations+1), ...
    std::size_t permutations = 2;    // random permutations of the full set (repro::permutation, seeded)
    bool repeat = true;              // the full batch run twice
    bool replace_others = true;      // the full batch with the other samples replaced by different data
    std::size_t replace_groups = 2;  // runs of that experiment (>= 2; n: every sample among n - 1 replacements)
    std::uint64_t seed = 2024;       // seeds the permutations and the replacement data
    double rounding_level = 1e-3;    // relative size of a position effect still read as rounding
    // Reruns of every experiment that differs from its reference, and of the
    // reference, before any cause but run_to_run is named (0: none); see
    // the header comment for what they cost.
    std::size_t confirm_repeats = 2;
};

enum class invariance_cause { none, reduction_order, position, cross_sample, run_to_run, padding };

inline const char* to_string(invariance_cause c) {
    switch (c) {
        case invariance_cause::none:
            return "bitwise invariant";
        case invariance_cause::reduction_order:
            return "reduction order";
        case invariance_cause::position:
            return "position dependence";
        case invariance_cause::cross_sample:
            return "cross-sample dependence";
        case invariance_cause::run_to_run:
            return "run-to-run nondeterminism";
        case invariance_cause::padding:
            return "padding dependence";
    }
    return "?";
}

enum class experiment_kind { batch, full_batch, rotation, permutation, repeat, others_replaced, padding };

// One experiment, every sample run compared with that sample's batch-1 run.
struct experiment_drift {
    std::string name;
    experiment_kind kind = experiment_kind::batch;
    std::size_t batch_size = 0;
    std::size_t samples_compared = 0;
    std::size_t bitwise_equal = 0;  // whole output row bitwise identical
    std::uint64_t max_ulp = 0;      // UINT64_MAX where a NaN met a number
    double max_abs = 0.0;           // +inf where a NaN met a number
    double max_rel = 0.0;
    std::size_t argmax_flips = 0;
    // The runs of the whole set at batch n only: the same samples against the
    // full-batch run.
    bool vs_full_batch = false;
    std::size_t full_batch_equal = 0;
    double full_batch_max_abs = 0.0;
    std::size_t beyond_rounding = 0;  // samples moved by more than rounding_level * max |output|
};

// One sample over all experiments.
struct sample_drift {
    std::size_t sample = 0;
    bool bitwise_invariant = true;
    std::uint64_t max_ulp = 0;
    double max_abs = 0.0;
    std::size_t argmax_flips = 0;  // experiments in which its argmax differs from batch 1
    double margin = 0.0;           // top-1 minus top-2 of its batch-1 output (+inf for one output, NaN with a NaN)
    bool flip_risk = false;        // margin < max_abs, or its argmax did flip
};

struct invariance_report {
    std::size_t samples = 0, in_size = 0, out_size = 0;
    std::string type_name;
    double rounding_level = 0.0;
    std::vector<experiment_drift> experiments;
    std::vector<sample_drift> per_sample;
    std::size_t runs_compared = 0;  // sample runs compared with batch 1, over all experiments
    double bitwise_fraction = 1.0;  // of those, bitwise equal
    std::uint64_t max_ulp = 0;
    double max_abs = 0.0, max_rel = 0.0;
    std::size_t argmax_flips = 0;        // samples whose argmax flipped in some experiment
    std::size_t flip_risk = 0;           // samples at flip risk
    std::size_t non_finite_outputs = 0;  // NaN or infinite values in the batch-1 outputs
    invariance_cause cause = invariance_cause::none;
    std::string explanation;
    std::size_t confirmation_calls = 0;  // forward calls made to confirm the diagnosis
    std::string unstable_run;            // the run a confirmation rerun could not reproduce, if any
    std::size_t unstable_samples = 0;    // samples whose bits that rerun changed

    bool invariant() const { return cause == invariance_cause::none; }
    std::string table() const;
    std::string to_json() const;
};

// A model as a list of layers, for first_divergent_layer.
template <class T>
struct layer {
    std::string name;
    std::size_t out_size = 0;  // per sample
    std::function<void(const T* in, const std::uint64_t* sample_ids, std::size_t batch, T* out)> forward;
};

struct layer_divergence {
    bool diverged = false;
    std::size_t layer = 0;  // first diverging layer (when diverged)
    std::string name;
    std::vector<experiment_drift> per_layer;  // each layer's output, batch vs batch 1
    std::string to_string() const;
    // Appends the next layer's drift; the first that differs is the divergence.
    void add_layer(experiment_drift e) {
        if (!diverged && e.bitwise_equal < e.samples_compared) {
            diverged = true;
            layer = per_layer.size();
            name = e.name;
        }
        per_layer.push_back(std::move(e));
    }
};

namespace detail {

template <class F, class T>
constexpr bool forward_takes_ids = std::is_invocable_v<F&, const T*, const std::uint64_t*, std::size_t, T*>;
template <class F, class T>
constexpr bool forward_takes_batch = std::is_invocable_v<F&, const T*, std::size_t, T*>;

template <class F, class T>
void call_forward(F& forward, const T* in, const std::uint64_t* ids, std::size_t batch, T* out) {
    static_assert(
        forward_takes_ids<F, T> || forward_takes_batch<F, T>,
        "repro::check_batch_invariance: forward must be callable as f(const T* in, std::size_t batch, T* out) "
        "or f(const T* in, const std::uint64_t* sample_ids, std::size_t batch, T* out)");
    if constexpr (forward_takes_ids<F, T>)
        forward(in, ids, batch, out);
    else
        forward(in, batch, out);
}

template <class T>
struct is_std_function : std::false_type {};
template <class R, class... A>
struct is_std_function<std::function<R(A...)>> : std::true_type {};

template <class F>
void check_callable(const F& f, const char* function, const std::string& name) {
    if constexpr (std::is_pointer_v<F> || is_std_function<F>::value)
        if (!f) throw std::invalid_argument(std::string("repro::") + function + ": " + name + " is empty");
}

// Output is pre-filled with this quiet NaN, so that a forward pass that leaves
// values unwritten is caught instead of compared.
template <class T>
bits_t<T> unwritten_bits() {
    using tr = float_traits<T>;
    using B = typename tr::bits_type;
    const B quiet = static_cast<B>(B(1) << (tr::fraction_bits - 1));
    return static_cast<B>(tr::infinity_bits | quiet | (static_cast<B>(0xa5a5a5a5a5a5a5a5ull) & tr::fraction_mask));
}

template <class T, class F>
void run_forward(F& forward, const T* in, const std::uint64_t* ids, std::size_t batch, T* out, std::size_t out_size,
                 const char* function, const std::string& name) {
    const bits_t<T> marker = unwritten_bits<T>();
    std::fill(out, out + batch * out_size, from_bits<T>(marker));
    call_forward(forward, in, ids, batch, out);
    for (std::size_t i = 0; i < batch * out_size; ++i)
        if (to_bits(out[i]) == marker)
            throw std::invalid_argument(std::string("repro::") + function + ": " + name + " left output row " +
                                        std::to_string(i / out_size) + ", column " + std::to_string(i % out_size) +
                                        " of a batch of " + std::to_string(batch) +
                                        " unwritten (it must write batch x " + std::to_string(out_size) + " values)");
}

using batch_plan = std::vector<std::vector<std::uint64_t>>;  // the sample ids of each batch, row by row

inline batch_plan consecutive_batches(std::size_t n, std::size_t size) {
    batch_plan plan;
    for (std::size_t begin = 0; begin < n; begin += size) {
        plan.emplace_back();
        for (std::size_t i = begin; i < n && i < begin + size; ++i) plan.back().push_back(i);
    }
    return plan;
}

// Runs the batches of a plan. Row ids < n are samples, ids n + p the
// replacement row p; the output of sample i lands in row i of the result.
template <class T, class F>
std::vector<T> run_plan(F& forward, const batch_plan& plan, const T* samples, const std::vector<T>& replacements,
                        std::size_t n, std::size_t in_size, std::size_t out_size, const char* function,
                        const std::string& name) {
    std::vector<T> by_sample(n * out_size), in, out;
    for (const std::vector<std::uint64_t>& ids : plan) {
        const std::size_t batch = ids.size();
        in.resize(batch * in_size);
        out.resize(batch * out_size);
        for (std::size_t r = 0; r < batch; ++r) {
            const T* src = ids[r] < n ? samples + ids[r] * in_size : replacements.data() + (ids[r] - n) * in_size;
            std::copy(src, src + in_size, in.begin() + static_cast<std::ptrdiff_t>(r * in_size));
        }
        run_forward(forward, in.data(), ids.data(), batch, out.data(), out_size, function, name);
        for (std::size_t r = 0; r < batch; ++r)
            if (ids[r] < n)
                std::copy(out.begin() + static_cast<std::ptrdiff_t>(r * out_size),
                          out.begin() + static_cast<std::ptrdiff_t>((r + 1) * out_size),
                          by_sample.begin() + static_cast<std::ptrdiff_t>(ids[r] * out_size));
    }
    return by_sample;
}

struct planned_experiment {
    std::string name;
    experiment_kind kind;
    batch_plan plan;
};

inline std::vector<planned_experiment> plan_experiments(std::size_t n, const invariance_options& o) {
    std::vector<planned_experiment> plans;
    std::vector<std::size_t> sizes = o.batch_sizes;
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    for (const std::size_t b : sizes)
        if (b > 1 && b < n)
            plans.push_back({"batch " + std::to_string(b), experiment_kind::batch, consecutive_batches(n, b)});
    plans.push_back({"full batch", experiment_kind::full_batch, consecutive_batches(n, n)});
    auto whole_set = [&](std::string name, experiment_kind kind, auto sample_at) {
        std::vector<std::uint64_t> ids(n);
        for (std::size_t p = 0; p < n; ++p) ids[p] = sample_at(p);
        plans.push_back({std::move(name), kind, {std::move(ids)}});
    };
    std::size_t previous_shift = 0;
    for (std::size_t r = 1; r <= o.rotations; ++r) {
        const std::size_t shift = r * n / (o.rotations + 1);
        if (shift == previous_shift) continue;  // small n: a shift already run
        previous_shift = shift;
        whole_set("rotation " + std::to_string(r), experiment_kind::rotation,
                  [&](std::size_t p) { return (p + shift) % n; });
    }
    const auto keys = random_key::from_seed(o.seed).split();
    for (std::size_t r = 1; r <= o.permutations && n > 1; ++r) {
        const permutation perm(n, keys[0].fold_in(r));
        whole_set("permutation " + std::to_string(r), experiment_kind::permutation,
                  [&](std::size_t p) { return perm(p); });
    }
    if (o.repeat) plans.push_back({"repeat", experiment_kind::repeat, consecutive_batches(n, n)});
    if (o.replace_others && n > 1) {
        planned_experiment replaced{"others replaced", experiment_kind::others_replaced, {}};
        const std::size_t groups = std::min(o.replace_groups, n);
        for (std::size_t g = 0; g < groups; ++g) {
            std::vector<std::uint64_t> ids(n);
            for (std::size_t p = 0; p < n; ++p) ids[p] = p % groups == g ? p : n + p;
            replaced.plan.push_back(std::move(ids));
        }
        plans.push_back(std::move(replaced));
    }
    return plans;
}

// Replacement row p: feature f uniform in the range the n samples span for f
// (widened around a constant feature), from random_stream(key, p).
template <class T>
std::vector<T> replacement_rows(const T* samples, std::size_t n, std::size_t in_size, random_key key) {
    using tr = float_traits<T>;
    std::vector<double> lo(in_size, std::numeric_limits<double>::infinity()), hi(in_size, -lo[0]);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t f = 0; f < in_size; ++f) {
            const double v = tr::to_double(samples[i * in_size + f]);
            if (std::isfinite(v)) lo[f] = std::min(lo[f], v), hi[f] = std::max(hi[f], v);
        }
    for (std::size_t f = 0; f < in_size; ++f) {
        if (lo[f] > hi[f]) lo[f] = hi[f] = 0.0;  // no finite value
        if (lo[f] == hi[f]) {
            const double half_width = std::max(1.0, std::fabs(lo[f]));
            lo[f] -= half_width;
            hi[f] += half_width;
        }
    }
    std::vector<T> rows(n * in_size);
    for (std::size_t p = 0; p < n; ++p) {
        const random_stream s(key, p);
        for (std::size_t f = 0; f < in_size; ++f)
            rows[p * in_size + f] = static_cast<T>(lo[f] + (hi[f] - lo[f]) * s.uniform<double>(f));
    }
    return rows;
}

// One sample run against its baseline row.
struct row_drift {
    bool equal = true;
    std::uint64_t ulp = 0;
    double abs = 0.0, rel = 0.0;
    bool flip = false;
};

template <class T>
row_drift compare_row(const T* actual, const T* expected, std::size_t cols) {
    const compare_report r = compare(actual, expected, 1, cols);
    row_drift d;
    d.equal = r.passed();
    d.flip = !r.argmax_flips.empty();
    if (r.nan_mismatches) {
        d.ulp = ~std::uint64_t(0);
        d.abs = d.rel = std::numeric_limits<double>::infinity();
    } else {
        d.ulp = r.worst_ulp.value;
        d.abs = r.worst_abs.value;
        d.rel = r.worst_rel.value;
    }
    return d;
}

// f(sample, drift of its row in actual against its row in expected), rows of cols values.
template <class T, class F>
void compare_samples(const std::vector<T>& actual, const std::vector<T>& expected, std::size_t cols, F f) {
    for (std::size_t i = 0; cols && i < actual.size() / cols; ++i)
        f(i, compare_row(actual.data() + i * cols, expected.data() + i * cols, cols));
}

inline void add(experiment_drift& e, const row_drift& d) {
    ++e.samples_compared;
    e.bitwise_equal += d.equal;
    e.max_ulp = std::max(e.max_ulp, d.ulp);
    e.max_abs = std::max(e.max_abs, d.abs);
    e.max_rel = std::max(e.max_rel, d.rel);
    e.argmax_flips += d.flip;
}

inline void add(sample_drift& s, const row_drift& d) {
    s.bitwise_invariant = s.bitwise_invariant && d.equal;
    s.max_ulp = std::max(s.max_ulp, d.ulp);
    s.max_abs = std::max(s.max_abs, d.abs);
    s.argmax_flips += d.flip;
}

// Top-1 minus top-2 of a row.
template <class T>
double top_margin(const T* row, std::size_t cols) {
    if (cols < 2) return std::numeric_limits<double>::infinity();
    double top1 = -std::numeric_limits<double>::infinity(), top2 = top1;
    for (std::size_t c = 0; c < cols; ++c) {
        const double v = float_traits<T>::to_double(row[c]);
        if (std::isnan(v)) return v;
        if (v > top1)
            top2 = top1, top1 = v;
        else if (v > top2)
            top2 = v;
    }
    return top1 - top2;
}

template <class T>
double max_abs_finite(const T* row, std::size_t cols) {
    double m = 0.0;
    for (std::size_t c = 0; c < cols; ++c) {
        const double v = std::fabs(float_traits<T>::to_double(row[c]));
        if (std::isfinite(v)) m = std::max(m, v);
    }
    return m;
}

inline std::string printf_string(const char* fmt, ...) {
    va_list args, again;
    va_start(args, fmt);
    va_copy(again, args);
    const int size = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    std::string s(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
    std::vsnprintf(&s[0], s.size() + 1, fmt, again);
    va_end(again);
    return s;
}

inline std::string ulp_text(std::uint64_t ulp) {
    return ulp == ~std::uint64_t(0) ? std::string("NaN") : std::to_string(ulp);
}

inline bool differs_from_full_batch(const experiment_drift& e) {
    return e.vs_full_batch && e.full_batch_equal < e.samples_compared;
}

inline const experiment_drift* first_differing(const std::vector<experiment_drift>& all, experiment_kind kind) {
    for (const experiment_drift& e : all)
        if (e.kind == kind && differs_from_full_batch(e)) return &e;
    return nullptr;
}

// The diagnosis rules of the header comment, in order, with their explanation.
inline void diagnose(invariance_report& r, const invariance_options& o) {
    const std::size_t n = r.samples;
    const experiment_drift* moved = nullptr;  // the reordering that moved most samples beyond rounding
    const experiment_drift* reordered = nullptr;
    const experiment_drift* first_drift = nullptr;
    for (const experiment_drift& e : r.experiments) {
        if (!first_drift && e.bitwise_equal < e.samples_compared) first_drift = &e;
        if (e.kind != experiment_kind::rotation && e.kind != experiment_kind::permutation) continue;
        if (!reordered && differs_from_full_batch(e)) reordered = &e;
        if (e.beyond_rounding && (!moved || e.beyond_rounding > moved->beyond_rounding)) moved = &e;
    }
    if (const experiment_drift* e = first_differing(r.experiments, experiment_kind::repeat)) {
        r.cause = invariance_cause::run_to_run;
        r.explanation = printf_string(
            "The same full batch of %zu run twice gave different bits for %zu of %zu samples (max abs %.3g): the "
            "forward pass is not deterministic from run to run (a race, a call counter, an unseeded draw), and "
            "its batch drift cannot be judged until it is.",
            n, e->samples_compared - e->full_batch_equal, e->samples_compared, e->full_batch_max_abs);
    } else if (!r.unstable_run.empty()) {
        r.cause = invariance_cause::run_to_run;
        r.explanation = printf_string(
            "Run again to confirm the drift, '%s' gave different bits than its first run for %zu of %zu samples: "
            "the forward pass is not deterministic from run to run, though only in some calls or at some batch "
            "sizes (the repeat of the full batch matched). Its batch drift cannot be judged until it is.",
            r.unstable_run.c_str(), r.unstable_samples, n);
    } else if ((e = first_differing(r.experiments, experiment_kind::others_replaced))) {
        r.cause = invariance_cause::cross_sample;
        r.explanation = printf_string(
            "Replacing the other samples of the full batch changed %zu of %zu samples (max abs %.3g) at the same "
            "batch size and positions: a sample's output depends on the other samples' values (batch statistics, "
            "per-batch normalisation, padding that enters a reduction).",
            e->samples_compared - e->full_batch_equal, e->samples_compared, e->full_batch_max_abs);
    } else if (moved) {
        r.cause = invariance_cause::position;
        r.explanation = printf_string(
            "'%s' (the same %zu samples in another order) moved %zu of them by more than rounding level (max abs "
            "%.3g against the full batch): the output depends on the sample's position in the batch, e.g. random "
            "numbers drawn from one stream in batch order; key them by sample id (repro::dropout).",
            moved->name.c_str(), n, moved->beyond_rounding, moved->full_batch_max_abs);
    } else if (first_drift) {
        r.cause = invariance_cause::reduction_order;
        r.explanation = printf_string(
            "'%s' differs from batch 1 for %zu of %zu samples (max %s ULP, max rel %.3g) and no other experiment "
            "points elsewhere%s: the summation order changes with the batch size (GEMV vs GEMM, K-blocking); "
            "repro::matmul and repro::linear keep one order.",
            first_drift->name.c_str(), first_drift->samples_compared - first_drift->bitwise_equal,
            first_drift->samples_compared, ulp_text(first_drift->max_ulp).c_str(), first_drift->max_rel,
            reordered ? " (reordering the batch changes bits at rounding level only)" : "");
    } else {
        r.cause = invariance_cause::none;
        r.explanation = printf_string("All %zu sample runs in %zu experiments gave the same bits as batch 1.",
                                      r.runs_compared, r.experiments.size());
    }
    std::string untested;
    if (!o.repeat) untested += ", run to run (repeat off)";
    if (!o.replace_others || n < 2) untested += ", other samples (replace_others off or n = 1)";
    if ((o.rotations == 0 && o.permutations == 0) || n < 2) untested += ", position (no rotation or permutation)";
    if (!untested.empty()) r.explanation += " Not tested: " + untested.substr(2) + ".";
}

inline std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\', out += c;
        else if (static_cast<unsigned char>(c) < 0x20)
            out += printf_string("\\u%04x", static_cast<unsigned>(c));
        else
            out += c;
    }
    return out + "\"";
}

// Round-trip digits; JSON has no infinity or NaN: null.
inline std::string json_number(double v) { return std::isfinite(v) ? printf_string("%.17g", v) : std::string("null"); }

inline const char* json_name(invariance_cause c) {
    switch (c) {
        case invariance_cause::none:
            return "none";
        case invariance_cause::reduction_order:
            return "reduction_order";
        case invariance_cause::position:
            return "position";
        case invariance_cause::cross_sample:
            return "cross_sample";
        case invariance_cause::run_to_run:
            return "run_to_run";
        case invariance_cause::padding:
            return "padding";
    }
    return "?";
}

inline const char* json_name(experiment_kind k) {
    switch (k) {
        case experiment_kind::batch:
            return "batch";
        case experiment_kind::full_batch:
            return "full_batch";
        case experiment_kind::rotation:
            return "rotation";
        case experiment_kind::permutation:
            return "permutation";
        case experiment_kind::repeat:
            return "repeat";
        case experiment_kind::others_replaced:
            return "others_replaced";
        case experiment_kind::padding:
            return "padding";
    }
    return "?";
}

// The columns every drift table shares: bitwise equal, max ULP, abs, rel, flips.
inline std::string drift_columns(const experiment_drift& e) {
    const double percent = e.samples_compared ? 100.0 * double(e.bitwise_equal) / double(e.samples_compared) : 100.0;
    const std::string equal = printf_string("%zu/%zu", e.bitwise_equal, e.samples_compared);
    return printf_string("%11s %6.1f%% %10s %10.3g %10.3g %6zu", equal.c_str(), percent, ulp_text(e.max_ulp).c_str(),
                         e.max_abs, e.max_rel, e.argmax_flips);
}
inline std::string drift_header() {
    return printf_string("%19s %10s %10s %10s %6s", "bitwise equal", "max ULP", "max abs", "max rel", "flips");
}

}  // namespace detail

inline std::string invariance_report::table() const {
    using detail::printf_string;
    std::string s = printf_string("repro batch invariance: %zu samples, %zu -> %zu %s values\n", samples, in_size,
                                  out_size, type_name.c_str());
    s += printf_string("%-25s %-59s | %s\n", "", "----------------------- against batch 1 -----------------------",
                       "against full batch");
    s += printf_string("%-18s %6s %s | %11s %6s\n", "experiment", "batch", detail::drift_header().c_str(), "same bits",
                       "moved");
    for (const experiment_drift& e : experiments) {
        s += printf_string("%-18s %6zu %s |", e.name.c_str(), e.batch_size, detail::drift_columns(e).c_str());
        if (e.vs_full_batch)
            s += printf_string(" %11s %6zu", printf_string("%zu/%zu", e.full_batch_equal, e.samples_compared).c_str(),
                               e.beyond_rounding);
        s += "\n";
    }
    s += printf_string(
        "(moved: samples that differ from the full batch by more than %g x their largest |batch-1 output|)\n",
        rounding_level);
    s += printf_string(
        "all runs: %zu sample runs, %.1f%% bitwise equal to batch 1; max %s ULP, max abs %.3g, "
        "max rel %.3g\n",
        runs_compared, 100.0 * bitwise_fraction, detail::ulp_text(max_ulp).c_str(), max_abs, max_rel);
    s +=
        printf_string("predictions: argmax flipped for %zu of %zu samples; flip risk (margin < drift) for %zu of %zu\n",
                      argmax_flips, samples, flip_risk, samples);
    if (non_finite_outputs)
        s += printf_string("warning: %zu of the batch-1 output values are NaN or infinite\n", non_finite_outputs);
    if (confirmation_calls)
        s += printf_string("confirmation: %zu more forward calls reran the runs that differ%s\n", confirmation_calls,
                           unstable_run.empty() ? ", each reproduced bit for bit"
                                                : (", and '" + unstable_run + "' did not reproduce").c_str());
    s += std::string("diagnosis: ") + repro::to_string(cause) + ". " + explanation + "\n";
    return s;
}

inline std::string invariance_report::to_json() const {
    using detail::json_number;
    using detail::json_string;
    std::string s = "{\n";
    s += "  \"samples\": " + std::to_string(samples) + ",\n";
    s += "  \"in_size\": " + std::to_string(in_size) + ",\n";
    s += "  \"out_size\": " + std::to_string(out_size) + ",\n";
    s += "  \"type\": " + json_string(type_name) + ",\n";
    s += "  \"cause\": " + json_string(detail::json_name(cause)) + ",\n";
    s += "  \"diagnosis\": " + json_string(repro::to_string(cause)) + ",\n";
    s += std::string("  \"invariant\": ") + (invariant() ? "true" : "false") + ",\n";
    s += "  \"explanation\": " + json_string(explanation) + ",\n";
    s += "  \"confirmation_calls\": " + std::to_string(confirmation_calls) + ",\n";
    s += "  \"unstable_run\": " + json_string(unstable_run) + ",\n";
    s += "  \"runs_compared\": " + std::to_string(runs_compared) + ",\n";
    s += "  \"bitwise_fraction\": " + json_number(bitwise_fraction) + ",\n";
    s += "  \"max_ulp\": " + std::to_string(max_ulp) + ",\n";
    s += "  \"max_abs\": " + json_number(max_abs) + ",\n";
    s += "  \"max_rel\": " + json_number(max_rel) + ",\n";
    s += "  \"argmax_flips\": " + std::to_string(argmax_flips) + ",\n";
    s += "  \"flip_risk\": " + std::to_string(flip_risk) + ",\n";
    s += "  \"non_finite_outputs\": " + std::to_string(non_finite_outputs) + ",\n";
    s += "  \"rounding_level\": " + json_number(rounding_level) + ",\n";
    s += "  \"experiments\": [";
    for (std::size_t i = 0; i < experiments.size(); ++i) {
        const experiment_drift& e = experiments[i];
        s += std::string(i ? "," : "") + "\n    {\"name\": " + json_string(e.name) + ", \"kind\": \"" +
             detail::json_name(e.kind) + "\", \"batch_size\": " + std::to_string(e.batch_size) +
             ", \"samples_compared\": " + std::to_string(e.samples_compared) +
             ", \"bitwise_equal\": " + std::to_string(e.bitwise_equal) + ", \"max_ulp\": " + std::to_string(e.max_ulp) +
             ", \"max_abs\": " + json_number(e.max_abs) + ", \"max_rel\": " + json_number(e.max_rel) +
             ", \"argmax_flips\": " + std::to_string(e.argmax_flips);
        if (e.vs_full_batch)
            s += ", \"full_batch_equal\": " + std::to_string(e.full_batch_equal) +
                 ", \"full_batch_max_abs\": " + json_number(e.full_batch_max_abs) +
                 ", \"beyond_rounding\": " + std::to_string(e.beyond_rounding);
        s += "}";
    }
    s += "\n  ],\n  \"per_sample\": [";
    for (std::size_t i = 0; i < per_sample.size(); ++i) {
        const sample_drift& d = per_sample[i];
        s += std::string(i ? "," : "") + "\n    {\"sample\": " + std::to_string(d.sample) +
             ", \"bitwise_invariant\": " + (d.bitwise_invariant ? "true" : "false") +
             ", \"max_ulp\": " + std::to_string(d.max_ulp) + ", \"max_abs\": " + json_number(d.max_abs) +
             ", \"argmax_flips\": " + std::to_string(d.argmax_flips) + ", \"margin\": " + json_number(d.margin) +
             ", \"flip_risk\": " + (d.flip_risk ? "true" : "false") + "}";
    }
    s += "\n  ]\n}\n";
    return s;
}

inline std::string layer_divergence::to_string() const {
    using detail::printf_string;
    std::string s = diverged ? printf_string("first divergent layer: %zu '%s'", layer, name.c_str())
                             : std::string("no layer diverges");
    if (!per_layer.empty()) s += printf_string(" (batch %zu against batch 1)", per_layer[0].batch_size);
    s += printf_string("\n%-25s %s\n", "layer", detail::drift_header().c_str());
    for (std::size_t l = 0; l < per_layer.size(); ++l)
        s += printf_string("%-25s %s\n", printf_string("%zu %s", l, per_layer[l].name.c_str()).c_str(),
                           detail::drift_columns(per_layer[l]).c_str());
    return s;
}

// Runs forward over the samples (n rows of in_size values, row-major) in the
// experiments listed at the top of this header and diagnoses any drift.
// forward: f(const T* in, std::size_t batch, T* out) or f(const T* in, const
// std::uint64_t* sample_ids, std::size_t batch, T* out), reading batch rows
// of in_size values and writing batch rows of out_size; the ids are the rows'
// sample indices (replacement rows: n + position). Throws
// std::invalid_argument for n, in_size or out_size 0, null samples, an empty
// forward, bad options and a forward that leaves output values unwritten;
// an exception thrown by forward propagates.
template <class T, class Forward>
invariance_report check_batch_invariance(Forward&& forward, const T* samples, std::size_t n, std::size_t in_size,
                                         std::size_t out_size, const invariance_options& options = {}) {
    static_assert(float_traits<T>::supported, "repro::check_batch_invariance: T must be a floating-point type");
    const char* function = "check_batch_invariance";
    const std::string prefix = std::string("repro::") + function + ": ";
    if (n == 0) throw std::invalid_argument(prefix + "n = 0: no samples to run");
    if (in_size == 0) throw std::invalid_argument(prefix + "in_size = 0");
    if (out_size == 0) throw std::invalid_argument(prefix + "out_size = 0");
    detail::check_pointer(samples, detail::checked_mul(n, in_size, "check_batch_invariance", "n * in_size"), function,
                          "samples");
    detail::checked_mul(n, out_size, "check_batch_invariance", "n * out_size");
    detail::check_callable(forward, function, "forward");
    for (const std::size_t b : options.batch_sizes)
        if (b == 0) throw std::invalid_argument(prefix + "options.batch_sizes holds 0");
    if (!(options.rounding_level >= 0.0)) throw std::invalid_argument(prefix + "options.rounding_level must be >= 0");
    if (options.replace_others && options.replace_groups < 2)
        throw std::invalid_argument(prefix + "options.replace_groups must be >= 2");

    invariance_report r;
    r.samples = n;
    r.in_size = in_size;
    r.out_size = out_size;
    r.type_name = float_traits<T>::name;
    r.rounding_level = options.rounding_level;

    const random_key replacement_key = random_key::from_seed(options.seed).split()[1];
    const std::vector<T> replacements =
        options.replace_others ? detail::replacement_rows(samples, n, in_size, replacement_key) : std::vector<T>{};
    auto run = [&](const detail::batch_plan& plan, const std::string& name) {
        return detail::run_plan(forward, plan, samples, replacements, n, in_size, out_size, function,
                                "forward (" + name + ")");
    };
    const std::vector<T> reference = run(detail::consecutive_batches(n, 1), "batch 1");
    std::vector<double> scale(n);
    r.per_sample.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const T* row = reference.data() + i * out_size;
        scale[i] = options.rounding_level * detail::max_abs_finite(row, out_size);
        r.per_sample[i].sample = i;
        r.per_sample[i].margin = detail::top_margin(row, out_size);
        for (std::size_t c = 0; c < out_size; ++c) r.non_finite_outputs += !is_finite(row[c]);
    }

    std::vector<T> full;
    std::vector<detail::planned_experiment> plans = detail::plan_experiments(n, options);
    std::vector<std::vector<T>> outputs;
    for (detail::planned_experiment& p : plans) {
        outputs.push_back(run(p.plan, p.name));
        const std::vector<T>& out = outputs.back();
        experiment_drift e;
        e.name = p.name;
        e.kind = p.kind;
        e.batch_size = p.plan.front().size();
        detail::compare_samples(out, reference, out_size, [&](std::size_t i, const detail::row_drift& d) {
            detail::add(e, d);
            detail::add(r.per_sample[i], d);
        });
        if (p.kind == experiment_kind::full_batch) {
            full = out;
        } else if (p.plan.front().size() == n && !full.empty()) {
            e.vs_full_batch = true;
            detail::compare_samples(out, full, out_size, [&](std::size_t i, const detail::row_drift& d) {
                e.full_batch_equal += d.equal;
                e.full_batch_max_abs = std::max(e.full_batch_max_abs, d.abs);
                e.beyond_rounding += d.abs > scale[i];
            });
        }
        r.experiments.push_back(std::move(e));
    }

    // Confirmation (header comment): the runs a diagnosis would rest on, again.
    struct rerun {
        std::string name;
        const detail::batch_plan* plan;
        const std::vector<T>* first;
    };
    std::vector<rerun> suspects;
    const detail::batch_plan singles = detail::consecutive_batches(n, 1);
    std::size_t full_batch = plans.size();
    bool whole_set_differs = false;
    for (std::size_t x = 0; x < plans.size(); ++x) {
        const experiment_drift& e = r.experiments[x];
        if (e.bitwise_equal < e.samples_compared || detail::differs_from_full_batch(e))
            suspects.push_back({plans[x].name, &plans[x].plan, &outputs[x]});
        whole_set_differs = whole_set_differs || detail::differs_from_full_batch(e);
        if (plans[x].kind == experiment_kind::full_batch) full_batch = x;
    }
    if (!suspects.empty() && !detail::first_differing(r.experiments, experiment_kind::repeat)) {
        suspects.insert(suspects.begin(), {"batch 1", &singles, &reference});
        if (whole_set_differs)
            suspects.insert(suspects.begin() + 1,
                            {plans[full_batch].name, &plans[full_batch].plan, &outputs[full_batch]});
    }
    for (std::size_t k = 1; k <= options.confirm_repeats && r.unstable_run.empty() && !suspects.empty(); ++k)
        for (const rerun& s : suspects) {
            for (std::size_t c = 0; c < k; ++c) run(detail::batch_plan{{0}}, "confirmation");
            const detail::batch_plan reversed(s.plan->rbegin(), s.plan->rend());
            const std::vector<T> again = run(reversed, s.name + ", again");
            r.confirmation_calls += k + reversed.size();
            std::size_t changed = 0;
            detail::compare_samples(again, *s.first, out_size,
                                    [&](std::size_t, const detail::row_drift& d) { changed += !d.equal; });
            if (changed) {
                r.unstable_run = s.name;
                r.unstable_samples = changed;
                break;
            }
        }

    std::size_t equal = 0;
    for (const experiment_drift& e : r.experiments) {
        r.runs_compared += e.samples_compared;
        equal += e.bitwise_equal;
        r.max_ulp = std::max(r.max_ulp, e.max_ulp);
        r.max_abs = std::max(r.max_abs, e.max_abs);
        r.max_rel = std::max(r.max_rel, e.max_rel);
    }
    r.bitwise_fraction = r.runs_compared ? double(equal) / double(r.runs_compared) : 1.0;
    for (sample_drift& d : r.per_sample) {
        d.flip_risk = d.argmax_flips > 0 || d.margin < d.max_abs;
        r.argmax_flips += d.argmax_flips > 0;
        r.flip_risk += d.flip_risk;
    }
    detail::diagnose(r, options);
    return r;
}

// Runs the model (its layers in order, the first reading in_size values per
// sample) over the n samples at batch 1 and in consecutive batches of
// batch_size, and compares every layer's output per sample. The first layer
// whose output differs is the one that breaks invariance: the layers before
// it gave it the same input in both runs. Throws std::invalid_argument for an
// empty model, a layer with out_size 0 or an empty forward, null samples, n,
// in_size or batch_size 0.
template <class T>
layer_divergence first_divergent_layer(const std::vector<layer<T>>& model, const T* samples, std::size_t n,
                                       std::size_t in_size, std::size_t batch_size) {
    const char* function = "first_divergent_layer";
    const std::string prefix = std::string("repro::") + function + ": ";
    if (model.empty()) throw std::invalid_argument(prefix + "model has no layers");
    if (n == 0) throw std::invalid_argument(prefix + "n = 0: no samples to run");
    if (in_size == 0) throw std::invalid_argument(prefix + "in_size = 0");
    if (batch_size == 0) throw std::invalid_argument(prefix + "batch_size = 0");
    detail::check_pointer(samples, detail::checked_mul(n, in_size, "first_divergent_layer", "n * in_size"), function,
                          "samples");
    for (std::size_t l = 0; l < model.size(); ++l) {
        const std::string name = "layer " + std::to_string(l) + " '" + model[l].name + "'";
        if (model[l].out_size == 0) throw std::invalid_argument(prefix + name + " has out_size 0");
        detail::checked_mul(n, model[l].out_size, "first_divergent_layer", "n * out_size");
        detail::check_callable(model[l].forward, function, name + " forward");
    }

    // The model as one forward pass that also keeps each layer's rows by sample.
    auto run = [&](std::size_t size) {
        std::vector<std::vector<T>> by_layer(model.size());
        for (std::size_t l = 0; l < model.size(); ++l) by_layer[l].resize(n * model[l].out_size);
        auto forward = [&](const T* in, const std::uint64_t* ids, std::size_t batch, T* out) {
            std::vector<T> x(in, in + batch * in_size), y;
            for (std::size_t l = 0; l < model.size(); ++l) {
                const std::size_t cols = model[l].out_size;
                y.resize(batch * cols);
                detail::run_forward(model[l].forward, x.data(), ids, batch, y.data(), cols, function,
                                    "layer " + std::to_string(l) + " '" + model[l].name + "'");
                for (std::size_t r = 0; r < batch; ++r)
                    std::copy(y.begin() + static_cast<std::ptrdiff_t>(r * cols),
                              y.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols),
                              by_layer[l].begin() + static_cast<std::ptrdiff_t>(ids[r] * cols));
                x.swap(y);
            }
            std::copy(x.begin(), x.end(), out);
        };
        detail::run_plan(forward, detail::consecutive_batches(n, size), samples, std::vector<T>{}, n, in_size,
                         model.back().out_size, function, "model");
        return by_layer;
    };
    const std::vector<std::vector<T>> alone = run(1), batched = run(batch_size);

    layer_divergence d;
    for (std::size_t l = 0; l < model.size(); ++l) {
        experiment_drift e;
        e.name = model[l].name;
        e.batch_size = std::min(batch_size, n);
        detail::compare_samples(batched[l], alone[l], model[l].out_size,
                                [&](std::size_t, const detail::row_drift& rd) { detail::add(e, rd); });
        d.add_layer(std::move(e));
    }
    return d;
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
