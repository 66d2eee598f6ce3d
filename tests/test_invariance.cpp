// repro/invariance.hpp: the harness on a small MLP built from repro's layers,
// with one fault planted at a time; each must be diagnosed as its cause.
// Oracles: the construction of each fault (what it depends on is known), the
// batch-1 and full-batch runs recomputed here, and margins and drifts built
// into the data.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <repro/doctest.hpp>
#include <repro/invariance.hpp>
#include <repro/nn.hpp>
#include <repro/random.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_data.hpp"

namespace {

using repro::invariance_cause;
using repro::layer;
using model = std::vector<layer<float>>;

constexpr std::size_t in_size = 32, hidden = 24, out_size = 10;

// Uniform in [-1, 1), from integer bits.
std::vector<float> uniform_values(std::size_t count, std::uint64_t seed) {
    repro_test::splitmix64 g(seed);
    std::vector<float> v(count);
    for (float& x : v) x = static_cast<float>(g.next() >> 40) * 0x1p-23f - 1.0f;
    return v;
}

std::vector<float> samples_for(std::size_t n) { return uniform_values(n * in_size, 7); }

struct weights {
    std::vector<float> w1 = uniform_values(hidden * in_size, 1), b1 = uniform_values(hidden, 2);
    std::vector<float> w2 = uniform_values(out_size * hidden, 3), b2 = uniform_values(out_size, 4);
    std::vector<float> mean = uniform_values(hidden, 5), var = std::vector<float>(hidden, 0.5f);
    std::vector<float> gamma = std::vector<float>(hidden, 1.25f), beta = uniform_values(hidden, 6);
};
const weights& w() {
    static const weights instance;
    return instance;
}

const repro::random_key dropout_key = repro::random_key::from_seed(99).fold_in(3);
constexpr double drop_p = 0.25;

// ---- layers: repro's, and the planted faults ----

layer<float> repro_dense1() {
    return {"repro dense", hidden, [](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                repro::linear(x, w().w1.data(), w().b1.data(), y, b, in_size, hidden, repro::activation::relu);
            }};
}

// Eigen's product, y = act(x W^T + b) (W out x in): GEMV for one row, blocked
// GEMM for more.
layer<float> eigen_dense(std::string name, std::size_t in, std::size_t out, const std::vector<float>& W,
                         const std::vector<float>& b, bool relu) {
    return {std::move(name), out,
            [in, out, &W, &b, relu](const float* x, const std::uint64_t*, std::size_t batch, float* y) {
                using rows = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
                const auto ei = static_cast<Eigen::Index>(in), eo = static_cast<Eigen::Index>(out);
                const Eigen::Map<const rows> X(x, static_cast<Eigen::Index>(batch), ei);
                const Eigen::Map<const rows> Wm(W.data(), eo, ei);
                Eigen::Map<rows> Y(y, static_cast<Eigen::Index>(batch), eo);
                Y.noalias() = X * Wm.transpose();
                Y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(b.data(), eo);
                if (relu) Y = Y.cwiseMax(0.0f);
            }};
}

// Dense + ReLU whose dot products are summed in `parts(row, batch)` consecutive
// chunks, the chunk sums added left to right: race-free, deterministic, and the
// order follows whatever parts depends on.
layer<float> split_dense1(std::string name, std::function<std::size_t(std::size_t, std::size_t)> parts) {
    return {std::move(name), hidden, [parts](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                for (std::size_t r = 0; r < b; ++r) {
                    const std::size_t k = parts(r, b), chunk = (in_size + k - 1) / k;
                    for (std::size_t j = 0; j < hidden; ++j) {
                        float total = 0.0f;
                        for (std::size_t c0 = 0; c0 < in_size; c0 += chunk) {
                            float s = 0.0f;
                            for (std::size_t c = c0; c < std::min(in_size, c0 + chunk); ++c)
                                s = repro::fma(x[r * in_size + c], w().w1[j * in_size + c], s);
                            total += s;
                        }
                        y[r * hidden + j] = std::max(total + w().b1[j], 0.0f);
                    }
                }
            }};
}

layer<float> batch_size_split_dense1() {
    return split_dense1("batch-size split dense", [](std::size_t, std::size_t b) { return 1 + b % 4; });
}
layer<float> position_split_dense1() {
    return split_dense1("position split dense", [](std::size_t r, std::size_t) { return 1 + r % 3; });
}

// Adds calls * 2^-20 to its input: every call gives other bits.
layer<float> call_counter() {
    auto calls = std::make_shared<std::uint32_t>(0);
    return {"call counter", hidden, [calls](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                const float tiny = static_cast<float>(++*calls) * 0x1p-20f;
                for (std::size_t i = 0; i < b * hidden; ++i) y[i] = x[i] + tiny;
            }};
}

layer<float> batch_norm(repro::batch_norm_mode mode) {
    const bool inference = mode == repro::batch_norm_mode::inference;
    return {inference ? "batch norm" : "batch norm (batch statistics)", hidden,
            [mode](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                repro::batch_norm(x, y, b, hidden, w().mean.data(), w().var.data(), w().gamma.data(), w().beta.data(),
                                  1e-5f, mode);
            }};
}

layer<float> keyed_dropout() {
    return {"dropout", hidden, [](const float* x, const std::uint64_t* ids, std::size_t b, float* y) {
                repro::dropout(x, y, b, hidden, drop_p, dropout_key, ids);
            }};
}

// One stream per call, consumed row by row in batch order: a sample's mask
// depends on its row.
layer<float> stream_dropout() {
    return {"stream dropout", hidden, [](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                repro::random_stream s(dropout_key, 0);
                const float scale = static_cast<float>(1.0 / (1.0 - drop_p));
                for (std::size_t i = 0; i < b * hidden; ++i)
                    y[i] = s.next_bits() < static_cast<std::uint32_t>(drop_p * 4294967296.0) ? 0.0f : x[i] * scale;
            }};
}

layer<float> repro_dense2() {
    return {"repro dense 2", out_size, [](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                repro::linear(x, w().w2.data(), w().b2.data(), y, b, hidden, out_size);
            }};
}

layer<float> softmax() {
    return {"softmax", out_size,
            [](const float* x, const std::uint64_t*, std::size_t b, float* y) { repro::softmax(x, y, b, out_size); }};
}

// repro's MLP: dense + ReLU, batch norm (inference), dropout keyed by sample
// id, dense, softmax; a planted fault replaces one of the first three layers.
model mlp(const layer<float>* dense1 = nullptr, const layer<float>* norm = nullptr,
          const layer<float>* drop = nullptr) {
    return {dense1 ? *dense1 : repro_dense1(), norm ? *norm : batch_norm(repro::batch_norm_mode::inference),
            drop ? *drop : keyed_dropout(), repro_dense2(), softmax()};
}

// The model as one forward pass over a batch.
std::function<void(const float*, const std::uint64_t*, std::size_t, float*)> forward_of(model m) {
    return [m](const float* in, const std::uint64_t* ids, std::size_t b, float* out) {
        std::vector<float> x(in, in + b * in_size), y;
        for (const layer<float>& l : m) {
            y.resize(b * l.out_size);
            l.forward(x.data(), ids, b, y.data());
            x.swap(y);
        }
        std::copy(x.begin(), x.end(), out);
    };
}

repro::invariance_report check(const model& m, std::size_t n, const repro::invariance_options& o = {}) {
    const std::vector<float> samples = samples_for(n);
    return repro::check_batch_invariance(forward_of(m), samples.data(), n, in_size, out_size, o);
}

const repro::experiment_drift& experiment(const repro::invariance_report& r, const std::string& name) {
    for (const auto& e : r.experiments)
        if (e.name == name) return e;
    FAIL("no experiment named ", name);
    throw std::logic_error("unreachable");
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// out row = the first out_size values of the in row: invariant by construction.
void copy_head(const float* in, std::size_t b, float* out) {
    for (std::size_t r = 0; r < b; ++r) std::copy(in + r * in_size, in + r * in_size + out_size, out + r * out_size);
}

}  // namespace

TEST_CASE("repro's own layers are bitwise invariant in every experiment") {
    const std::size_t n = 64;
    const repro::invariance_report r = check(mlp(), n);
    CHECK(r.cause == invariance_cause::none);
    CHECK(r.invariant());
    CHECK(r.bitwise_fraction == 1.0);
    CHECK(r.max_ulp == 0);
    CHECK(r.max_abs == 0.0);
    CHECK(r.argmax_flips == 0);
    CHECK(r.flip_risk == 0);
    for (const auto& s : r.per_sample) CHECK(s.bitwise_invariant);
    for (const auto& e : r.experiments) {
        CHECK(e.samples_compared == n);
        CHECK(e.bitwise_equal == n);
        if (e.vs_full_batch) CHECK(e.full_batch_equal == n);
    }
    CHECK(has(r.explanation, "same bits as batch 1"));
}

TEST_CASE("the experiments are the documented ones: sizes up to n, rotations, permutations, repeat, others replaced") {
    const std::size_t n = 20;
    std::set<std::size_t> sizes;
    std::size_t calls = 0;
    const std::vector<float> samples = samples_for(n);
    auto forward = [&](const float* in, std::size_t b, float* out) {
        sizes.insert(b);
        ++calls;
        copy_head(in, b, out);
    };
    repro::invariance_options o;
    o.batch_sizes = {8, 3, 3, 31};
    const repro::invariance_report r = repro::check_batch_invariance(forward, samples.data(), n, in_size, out_size, o);
    std::vector<std::string> names;
    for (const auto& e : r.experiments) names.push_back(e.name);
    CHECK(names == std::vector<std::string>{"batch 3", "batch 8", "full batch", "rotation 1", "rotation 2",
                                            "rotation 3", "permutation 1", "permutation 2", "repeat",
                                            "others replaced"});
    // batch 1, chunks of 3 (and the 2 left), of 8 (and 4), 20; never 31
    CHECK(sizes == std::set<std::size_t>{1, 2, 3, 4, 8, 20});
    CHECK(calls == n + 7 + 3 + 1 + 3 + 2 + 1 + 2);
    CHECK(r.runs_compared == n * names.size());  // every experiment compares every sample
    CHECK(experiment(r, "rotation 2").batch_size == n);
    CHECK(experiment(r, "rotation 2").vs_full_batch);
    CHECK_FALSE(experiment(r, "batch 8").vs_full_batch);
    CHECK(r.invariant());
}

TEST_CASE("rows carry their sample's index as id; replacement rows get ids >= n and other data") {
    const std::size_t n = 40;
    const std::vector<float> samples = samples_for(n);
    std::size_t sample_rows = 0, replacement_rows = 0;
    auto forward = [&](const float* in, const std::uint64_t* ids, std::size_t b, float* out) {
        for (std::size_t r = 0; r < b; ++r) {
            const float* row = in + r * in_size;
            if (ids[r] < n) {
                ++sample_rows;
                CHECK(std::equal(row, row + in_size, samples.begin() + static_cast<std::ptrdiff_t>(ids[r] * in_size)));
            } else {
                ++replacement_rows;
                CHECK(ids[r] < 2 * n);
                const auto same_position = samples.begin() + static_cast<std::ptrdiff_t>((ids[r] - n) * in_size);
                CHECK_FALSE(std::equal(row, row + in_size, same_position));
            }
            for (std::size_t c = 0; c < out_size; ++c) out[r * out_size + c] = row[c] + static_cast<float>(ids[r]);
        }
    };
    const repro::invariance_report r = repro::check_batch_invariance(forward, samples.data(), n, in_size, out_size);
    CHECK(r.invariant());
    CHECK(replacement_rows == n);  // two runs, each replacing half of the rows
    CHECK(sample_rows > 10 * n);
}

TEST_CASE("batch statistics (batch norm in training mode) are diagnosed as cross-sample dependence") {
    const auto bn = batch_norm(repro::batch_norm_mode::batch_statistics);
    const repro::invariance_report r = check(mlp(nullptr, &bn), 64);
    CHECK(r.cause == invariance_cause::cross_sample);
    CHECK_FALSE(r.invariant());
    CHECK(experiment(r, "others replaced").full_batch_equal == 0);
    CHECK(experiment(r, "repeat").full_batch_equal == 64);
    CHECK(has(r.explanation, "other samples"));
}

TEST_CASE("dropout drawn from one stream in batch order is diagnosed as position dependence") {
    const auto drop = stream_dropout();
    const repro::invariance_report r = check(mlp(nullptr, nullptr, &drop), 64);
    CHECK(r.cause == invariance_cause::position);
    const auto& rot = experiment(r, "rotation 1");
    CHECK(rot.beyond_rounding > 32);
    CHECK(experiment(r, "others replaced").full_batch_equal == 64);  // same positions: same masks
    CHECK(experiment(r, "repeat").full_batch_equal == 64);
    CHECK(has(r.explanation, "position"));

    SUBCASE("below the rounding level it would be read as reduction order") {
        repro::invariance_options o;
        o.rounding_level = 1e9;
        CHECK(check(mlp(nullptr, nullptr, &drop), 64, o).cause == invariance_cause::reduction_order);
    }
    SUBCASE("without reordered batches position is not tested, and the explanation says so") {
        repro::invariance_options o;
        o.rotations = 0;
        o.permutations = 0;
        const repro::invariance_report u = check(mlp(nullptr, nullptr, &drop), 64, o);
        CHECK(u.cause == invariance_cause::reduction_order);
        CHECK(has(u.explanation, "Not tested: position"));
    }
}

TEST_CASE("Eigen's GEMM (GEMV at batch 1) is diagnosed as reduction order") {
    // n = 67 and 10 outputs: Eigen's leftover-row kernels also change bits with the row's position
    model m = mlp();
    m[3] = eigen_dense("eigen dense 2", hidden, out_size, w().w2, w().b2, false);
    const repro::invariance_report r = check(m, 67);
    CHECK(r.cause == invariance_cause::reduction_order);
    CHECK(r.bitwise_fraction < 0.5);
    CHECK(experiment(r, "repeat").full_batch_equal == 67);
    CHECK(experiment(r, "others replaced").full_batch_equal == 67);
    for (const auto& e : r.experiments) CHECK(e.beyond_rounding == 0);
    std::size_t moved = 0;
    for (const auto& e : r.experiments)
        if (e.kind == repro::experiment_kind::rotation || e.kind == repro::experiment_kind::permutation)
            moved += e.samples_compared - e.full_batch_equal;
    MESSAGE("Eigen: ", moved, " reordered sample runs differ from the full batch at rounding level");
}

TEST_CASE("a summation split that depends on the batch size is diagnosed as reduction order") {
    const auto dense = batch_size_split_dense1();
    repro::invariance_options o;
    o.batch_sizes.push_back(5);
    const repro::invariance_report r = check(mlp(&dense), 64, o);
    CHECK(r.cause == invariance_cause::reduction_order);
    CHECK(experiment(r, "batch 2").bitwise_equal < 64);
    // batch 5 sums in 2 chunks like batch 1, except the last chunk of 64 - 60 samples (1 + 4 % 4 = 1 chunk)
    CHECK(experiment(r, "batch 5").bitwise_equal >= 60);
    for (const auto& e : r.experiments)
        if (e.vs_full_batch) CHECK(e.full_batch_equal == 64);
    CHECK(r.max_ulp > 0);
    CHECK(r.max_rel < 1e-4);
}

TEST_CASE("a position-dependent order at rounding level is still reduction order, not position") {
    const auto dense = position_split_dense1();
    const repro::invariance_report r = check(mlp(&dense), 64);
    CHECK(r.cause == invariance_cause::reduction_order);
    const auto& rot = experiment(r, "rotation 1");
    CHECK(rot.full_batch_equal < 64);  // the position did change bits
    CHECK(rot.beyond_rounding == 0);
    CHECK(has(r.explanation, "rounding level"));
}

TEST_CASE("a forward pass whose bits change from call to call is diagnosed as run-to-run nondeterminism") {
    const auto counter = call_counter();
    model m = mlp();
    m.insert(m.begin() + 1, counter);
    const repro::invariance_report r = check(m, 64);
    CHECK(r.cause == invariance_cause::run_to_run);  // wins over the others replaced run, which differs too
    CHECK(experiment(r, "repeat").full_batch_equal < 64);
    CHECK(experiment(r, "others replaced").full_batch_equal < 64);
    CHECK(has(r.explanation, "run twice"));
}

// Faults that show only in some calls: the layer adds 2^-10 to its output in
// the calls where misbehaves(call number, batch size) holds.
layer<float> intermittent(std::function<bool(std::uint32_t, std::size_t)> misbehaves) {
    auto calls = std::make_shared<std::uint32_t>(0);
    return {"intermittent", hidden, [calls, misbehaves](const float* x, const std::uint64_t*, std::size_t b, float* y) {
                const float bump = misbehaves(++*calls, b) ? 0x1p-10f : 0.0f;
                for (std::size_t i = 0; i < b * hidden; ++i) y[i] = x[i] + bump;
            }};
}

TEST_CASE("nondeterminism in some calls or at some batch sizes is named run-to-run, confirmed by rerunning") {
    struct fault {
        const char* name;
        std::function<bool(std::uint32_t, std::size_t)> misbehaves;
    };
    const fault faults[] = {
        {"one call in two", [](std::uint32_t c, std::size_t) { return c % 2 == 0; }},
        {"one call in four", [](std::uint32_t c, std::size_t) { return c % 4 == 3; }},
        {"one call in seven", [](std::uint32_t c, std::size_t) { return c % 7 == 5; }},
        {"every other call at batch 8 only", [](std::uint32_t c, std::size_t b) { return b == 8 && c % 2 == 1; }},
        {"one call in three at batch >= 31", [](std::uint32_t c, std::size_t b) { return b >= 31 && c % 3 == 0; }},
        {"the first batch-1 call only", [](std::uint32_t c, std::size_t) { return c == 1; }},
    };
    int misread = 0;
    for (const fault& f : faults) {
        for (const std::size_t n : {std::size_t(40), std::size_t(64)}) {
            const std::string name = f.name;
            CAPTURE(name);
            CAPTURE(n);
            model m = mlp();
            m.insert(m.begin() + 1, intermittent(f.misbehaves));
            const repro::invariance_report r = check(m, n);
            CHECK(r.cause == invariance_cause::run_to_run);
            CHECK(has(r.explanation, "not deterministic from run to run"));
            // Without the confirmation most of these faults pass the repeat and read as a batch effect.
            repro::invariance_options unconfirmed;
            unconfirmed.confirm_repeats = 0;
            model m2 = mlp();
            m2.insert(m2.begin() + 1, intermittent(f.misbehaves));
            const repro::invariance_report u = check(m2, n, unconfirmed);
            CHECK(u.confirmation_calls == 0);
            misread += u.cause != invariance_cause::run_to_run;
        }
    }
    MESSAGE(misread, " of 12 faults are misread without the confirmation");
    CHECK(misread >= 6);
}

TEST_CASE("a deterministic batch effect survives its confirmation; the extra calls are as documented") {
    const auto dense = batch_size_split_dense1();
    std::size_t calls = 0;
    const model m = mlp(&dense);
    const auto inner = forward_of(m);
    auto counted = [&](const float* in, const std::uint64_t* ids, std::size_t b, float* out) {
        ++calls;
        inner(in, ids, b, out);
    };
    const std::size_t n = 64;
    const std::vector<float> samples = samples_for(n);
    for (const std::size_t repeats : {std::size_t(0), std::size_t(1), std::size_t(3)}) {
        CAPTURE(repeats);
        repro::invariance_options o;
        o.confirm_repeats = repeats;
        calls = 0;
        const repro::invariance_report r =
            repro::check_batch_invariance(counted, samples.data(), n, in_size, out_size, o);
        CHECK(r.cause == invariance_cause::reduction_order);
        CHECK(r.unstable_run.empty());
        // The reference (n single calls) and each experiment that differs from batch 1, each rerun
        // `repeats` times, rerun k after k single-sample calls.
        std::size_t per_round = n, differing = 0;
        for (const auto& e : r.experiments)
            if (e.bitwise_equal < e.samples_compared) {
                ++differing;
                per_round += e.kind == repro::experiment_kind::others_replaced ? o.replace_groups
                             : e.batch_size == n                               ? 1
                                                                               : (n + e.batch_size - 1) / e.batch_size;
            }
        CHECK(differing > 0);
        const std::size_t phase_calls = (differing + 1) * repeats * (repeats + 1) / 2;
        CHECK(r.confirmation_calls == repeats * per_round + phase_calls);
        const std::size_t unconfirmed_calls = calls - r.confirmation_calls;
        // batch 1; 2, 3, 7, 8, 31, 32; full batch, 3 rotations, 2 permutations, repeat, 2 replaced runs
        CHECK(unconfirmed_calls == n + 32 + 22 + 10 + 8 + 3 + 2 + 1 + 3 + 2 + 1 + 2);
    }
}

TEST_CASE("flip risk counts samples whose batch-1 margin is below their drift; argmax flips are counted") {
    // Identity on 10 values, except that output 1 gains (batch - 1) 1e-6.
    const std::size_t n = 40, k = 10;
    auto forward = [](const float* in, std::size_t b, float* out) {
        std::copy(in, in + b * k, out);
        for (std::size_t r = 0; r < b; ++r) out[r * k + 1] += static_cast<float>(b - 1) * 1e-6f;
    };
    std::vector<float> samples(n * k, 0.5f);
    for (std::size_t i = 2; i < n; ++i) samples[i * k + i % k] = 1.0f;  // margin 0.5: safe
    samples[0 * k + 0] = 1.0f, samples[0 * k + 1] = 1.0f - 1e-5f;       // margin 1e-5, drift raises the runner-up
    samples[1 * k + 1] = 1.0f, samples[1 * k + 0] = 1.0f - 1e-5f;       // margin 1e-5, drift raises the winner
    const repro::invariance_report r = repro::check_batch_invariance(forward, samples.data(), n, k, k);
    CHECK(r.per_sample[0].margin == double(1.0f - (1.0f - 1e-5f)));
    const double full_drift = double(1.0f + static_cast<float>(n - 1) * 1e-6f) - 1.0;  // sample 1 in the full batch
    CHECK(r.per_sample[1].max_abs == full_drift);
    CHECK(r.per_sample[0].flip_risk);
    CHECK(r.per_sample[0].argmax_flips > 0);
    CHECK(r.per_sample[1].flip_risk);
    CHECK(r.per_sample[1].argmax_flips == 0);
    CHECK(r.flip_risk == 2);
    CHECK(r.argmax_flips == 1);
    CHECK(experiment(r, "batch 2").argmax_flips == 0);
    CHECK(experiment(r, "full batch").argmax_flips == 1);
    CHECK(has(r.table(), "argmax flipped for 1 of 40 samples; flip risk (margin < drift) for 2 of 40"));
}

namespace {

// The number after "key": in a JSON text (the first occurrence after `from`).
double json_number_after(const std::string& json, const std::string& key, std::size_t from = 0) {
    const auto at = json.find("\"" + key + "\": ", from);
    REQUIRE(at != std::string::npos);
    return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

std::string json_string_after(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\": \"");
    REQUIRE(at != std::string::npos);
    const auto begin = at + key.size() + 5;
    return json.substr(begin, json.find('"', begin) - begin);
}

// Brackets balance outside strings and every string is closed.
bool balanced(const std::string& json) {
    std::string open;
    bool in_string = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            open += c;
        } else if (c == '}' || c == ']') {
            if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return false;
            open.pop_back();
        }
    }
    return open.empty() && !in_string;
}

}  // namespace

TEST_CASE("the table and the JSON carry the diagnosis and the numbers") {
    const auto dense = batch_size_split_dense1();
    const repro::invariance_report r = check(mlp(&dense), 64);
    REQUIRE(r.cause == invariance_cause::reduction_order);

    const std::string t = r.table();
    CHECK(has(t, "64 samples, 32 -> 10 float values"));
    for (const auto& e : r.experiments) CHECK(has(t, "\n" + e.name));
    CHECK(has(t, "diagnosis: reduction order. " + r.explanation));
    CHECK(has(t, "max " + std::to_string(r.max_ulp) + " ULP"));

    const std::string j = r.to_json();
    CHECK(balanced(j));
    CHECK(json_string_after(j, "cause") == "reduction_order");
    CHECK(json_string_after(j, "diagnosis") == "reduction order");
    CHECK(has(j, "\"invariant\": false"));
    CHECK(json_number_after(j, "bitwise_fraction") == r.bitwise_fraction);
    CHECK(json_number_after(j, "runs_compared") == double(r.runs_compared));
    CHECK(json_number_after(j, "max_ulp") == double(r.max_ulp));
    CHECK(json_number_after(j, "max_abs") == r.max_abs);
    CHECK(json_number_after(j, "flip_risk") == double(r.flip_risk));
    const auto batch2 = j.find("\"name\": \"batch 2\"");
    REQUIRE(batch2 != std::string::npos);
    CHECK(json_number_after(j, "bitwise_equal", batch2) == double(experiment(r, "batch 2").bitwise_equal));
    const auto sample5 = j.find("\"sample\": 5,");
    REQUIRE(sample5 != std::string::npos);
    CHECK(json_number_after(j, "margin", sample5) == r.per_sample[5].margin);

    std::size_t names = 0;
    for (auto at = j.find("\"name\": "); at != std::string::npos; at = j.find("\"name\": ", at + 1)) ++names;
    CHECK(names == r.experiments.size());

    const std::string none = check(mlp(), 64).to_json();
    CHECK(json_string_after(none, "cause") == "none");
    CHECK(has(none, "\"invariant\": true"));
    CHECK(json_number_after(none, "bitwise_fraction") == 1.0);
}

TEST_CASE("first_divergent_layer names the first layer that is not batch-invariant") {
    const std::size_t n = 48;
    const std::vector<float> samples = samples_for(n);
    SUBCASE("Eigen's dense layer after repro's layers") {
        model m = mlp();
        m[3] = eigen_dense("eigen dense 2", hidden, out_size, w().w2, w().b2, false);
        const repro::layer_divergence d = repro::first_divergent_layer(m, samples.data(), n, in_size, 8);
        CHECK(d.diverged);
        CHECK(d.layer == 3);
        CHECK(d.name == "eigen dense 2");
        REQUIRE(d.per_layer.size() == m.size());
        for (std::size_t l = 0; l < 3; ++l) CHECK(d.per_layer[l].bitwise_equal == n);
        CHECK(d.per_layer[3].bitwise_equal < n);
        CHECK(d.per_layer[3].batch_size == 8);
        CHECK(has(d.to_string(), "first divergent layer: 3 'eigen dense 2'"));
    }
    SUBCASE("dropout drawn in batch order") {
        const auto drop = stream_dropout();
        const repro::layer_divergence d =
            repro::first_divergent_layer(mlp(nullptr, nullptr, &drop), samples.data(), n, in_size, 16);
        CHECK(d.diverged);
        CHECK(d.layer == 2);
        CHECK(d.name == "stream dropout");
    }
    SUBCASE("repro's layers: none") {
        const repro::layer_divergence d = repro::first_divergent_layer(mlp(), samples.data(), n, in_size, 16);
        CHECK_FALSE(d.diverged);
        for (const auto& e : d.per_layer) CHECK(e.bitwise_equal == n);
        CHECK(has(d.to_string(), "no layer diverges"));
    }
}

TEST_CASE("REPRO_CHECK_BATCH_INVARIANT passes for repro's layers") {
    const std::size_t n = 40;
    const std::vector<float> samples = samples_for(n);
    const auto forward = forward_of(mlp());
    REPRO_CHECK_BATCH_INVARIANT(forward, samples.data(), n, in_size, out_size);
    repro::invariance_options o;
    o.batch_sizes = {5, 13};
    REPRO_REQUIRE_BATCH_INVARIANT(forward, samples.data(), n, in_size, out_size, o);
}

TEST_CASE("bad input gives clear errors; an exception of the forward pass propagates") {
    const std::size_t n = 8;
    const std::vector<float> samples = samples_for(n);
    const auto copy = copy_head;
    using repro::check_batch_invariance;
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, static_cast<const float*>(nullptr), n, in_size, out_size),
                         "repro::check_batch_invariance: samples is a null pointer", std::invalid_argument);
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, samples.data(), 0, in_size, out_size), doctest::Contains("n = 0"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, samples.data(), n, 0, out_size), doctest::Contains("in_size = 0"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, samples.data(), n, in_size, 0), doctest::Contains("out_size = 0"),
                         std::invalid_argument);
    const std::function<void(const float*, std::size_t, float*)> empty;
    CHECK_THROWS_WITH_AS(check_batch_invariance(empty, samples.data(), n, in_size, out_size),
                         "repro::check_batch_invariance: forward is empty", std::invalid_argument);
    void (*null_function)(const float*, std::size_t, float*) = nullptr;
    CHECK_THROWS_WITH_AS(check_batch_invariance(null_function, samples.data(), n, in_size, out_size),
                         doctest::Contains("forward is empty"), std::invalid_argument);

    // A forward pass that writes fewer values than out_size per row.
    auto short_rows = [](const float* in, std::size_t b, float* out) {
        for (std::size_t r = 0; r < b; ++r) std::copy(in + r * in_size, in + r * in_size + 4, out + r * out_size);
    };
    CHECK_THROWS_WITH_AS(check_batch_invariance(short_rows, samples.data(), n, in_size, out_size),
                         doctest::Contains("left output row 0, column 4 of a batch of 1 unwritten"),
                         std::invalid_argument);

    auto writes_nothing = [](const float*, std::size_t, float*) {};
    CHECK_THROWS_WITH_AS(check_batch_invariance(writes_nothing, samples.data(), n, in_size, out_size),
                         "repro::check_batch_invariance: forward (batch 1) left output row 0, column 0 of a batch of 1 "
                         "unwritten (it must write batch x 10 values)",
                         std::invalid_argument);
    auto throws = [](const float* in, std::size_t b, float* out) {
        copy_head(in, b, out);
        if (b > 1) throw std::runtime_error("model failed at batch > 1");
    };
    CHECK_THROWS_WITH_AS(check_batch_invariance(throws, samples.data(), n, in_size, out_size),
                         "model failed at batch > 1", std::runtime_error);

    repro::invariance_options o;
    o.batch_sizes = {4, 0};
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, samples.data(), n, in_size, out_size, o),
                         doctest::Contains("options.batch_sizes holds 0"), std::invalid_argument);
    o = {};
    o.rounding_level = -1.0;
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, samples.data(), n, in_size, out_size, o),
                         doctest::Contains("options.rounding_level"), std::invalid_argument);
    o = {};
    o.replace_groups = 1;
    CHECK_THROWS_WITH_AS(check_batch_invariance(copy, samples.data(), n, in_size, out_size, o),
                         doctest::Contains("options.replace_groups"), std::invalid_argument);

    using repro::first_divergent_layer;
    CHECK_THROWS_WITH_AS(first_divergent_layer(model{}, samples.data(), n, in_size, 4),
                         doctest::Contains("model has no layers"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(first_divergent_layer(mlp(), samples.data(), n, in_size, 0),
                         doctest::Contains("batch_size = 0"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(first_divergent_layer(mlp(), static_cast<const float*>(nullptr), n, in_size, 4),
                         doctest::Contains("samples is a null pointer"), std::invalid_argument);
    model m = mlp();
    m[1].forward = nullptr;
    CHECK_THROWS_WITH_AS(first_divergent_layer(m, samples.data(), n, in_size, 4),
                         "repro::first_divergent_layer: layer 1 'batch norm' forward is empty", std::invalid_argument);
    m = mlp();
    m[3].out_size = 0;
    CHECK_THROWS_WITH_AS(first_divergent_layer(m, samples.data(), n, in_size, 4),
                         doctest::Contains("layer 3 'repro dense 2' has out_size 0"), std::invalid_argument);
}
