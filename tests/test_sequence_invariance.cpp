// repro/sequence_invariance.hpp: the sequence harness diagnoses each cause
// from a model built to have exactly that cause (and a repro model has
// none), and first_divergent_layer names the layer built to drift.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <map>
#include <repro/attention.hpp>
#include <repro/linalg.hpp>
#include <repro/sequence_invariance.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/bit_checks.hpp"

using namespace repro_test;

namespace {

constexpr std::size_t dim = 16;

// Five sequences of lengths 1, 9, 23, 40, 66 (embeddings of dim values).
struct data_set {
    std::vector<std::size_t> lengths{1, 9, 23, 40, 66};
    std::vector<float> tokens = random_matrix<float>(139, dim, 5, -2, 1);
};

repro::attention_config config(bool causal = true) {
    repro::attention_config c;
    c.num_heads = 2;
    c.num_kv_heads = 1;
    c.head_dim = 8;
    c.causal = causal;
    return c;
}

// q = x, k = v = the first 8 values of x: one attention layer over its caches.
struct attention_model {
    std::map<std::uint64_t, repro::kv_cache<float>> caches;
    repro::attention_config c = config();

    repro::sequence_model<float, float> model() {
        repro::sequence_model<float, float> m;
        m.in_size = m.out_size = dim;
        m.chunk = [this](const std::uint64_t* ids, const std::size_t* counts, std::size_t batch, const float* in,
                         float* out) {
            std::vector<const repro::kv_cache<float>*> list;
            std::size_t at = 0;
            for (std::size_t b = 0; b < batch; ++b) {
                auto it = caches.try_emplace(ids[b], 1, 8, 1000).first;
                for (std::size_t t = 0; t < counts[b]; ++t)
                    it->second.append(in + (at + t) * dim, in + (at + t) * dim, 1);
                list.push_back(&it->second);
                at += counts[b];
            }
            repro::attention(in, list.data(), counts, batch, out, c, repro::threads{2});
        };
        m.padded = [this](const std::size_t* lengths, std::size_t batch, std::size_t max_length, const float* in,
                          float* out) {
            std::vector<float> kv(batch * max_length * 8);
            for (std::size_t r = 0; r < batch * max_length; ++r)
                for (std::size_t i = 0; i < 8; ++i) kv[r * 8 + i] = in[r * dim + i];
            repro::attention(in, kv.data(), kv.data(), out, batch, max_length, lengths, c);
        };
        m.release = [this](std::uint64_t id) { caches.erase(id); };
        return m;
    }
};

}  // namespace

TEST_CASE("a model built from repro::attention is invariant in every serving experiment") {
    const data_set d;
    attention_model a;
    const auto r = repro::check_sequence_invariance(a.model(), d.tokens.data(), d.lengths.data(), 5);
    INFO(r.table());
    CHECK(r.cause == repro::invariance_cause::none);
    CHECK(r.invariant());
    CHECK(r.bitwise_fraction == 1.0);
    CHECK(r.tokens == 139);
    CHECK(r.experiments.size() == 1 + 6 + 1 + 6 + 1 + 1);  // repeat, chunks, prefill+decode, padded, batch, replaced
    CHECK(a.caches.empty());                               // every sequence released
}

TEST_CASE("padding that enters the attention is diagnosed as padding") {
    const data_set d;
    attention_model a;
    auto m = a.model();
    // the bug: the padded entry point forgets the lengths and runs an encoder over the padded rows
    m.padded = [&](const std::size_t*, std::size_t batch, std::size_t max_length, const float* in, float* out) {
        std::vector<float> kv(batch * max_length * 8);
        for (std::size_t r = 0; r < batch * max_length; ++r)
            for (std::size_t i = 0; i < 8; ++i) kv[r * 8 + i] = in[r * dim + i];
        repro::attention(in, kv.data(), kv.data(), out, batch, max_length, nullptr, config(false));
    };
    const auto r = repro::check_sequence_invariance(m, d.tokens.data(), d.lengths.data(), 5);
    INFO(r.table());
    CHECK(r.cause == repro::invariance_cause::padding);
    CHECK(r.explanation.find("padded +") != std::string::npos);
}

TEST_CASE("statistics over the whole call are diagnosed as cross-sample dependence") {
    const data_set d;
    repro::sequence_model<float, float> m;
    m.in_size = m.out_size = dim;
    m.chunk = [](const std::uint64_t*, const std::size_t* counts, std::size_t batch, const float* in, float* out) {
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
        for (std::size_t c = 0; c < dim; ++c) {
            float mean = 0;
            for (std::size_t r = 0; r < rows; ++r) mean += in[r * dim + c];
            mean /= float(rows);
            for (std::size_t r = 0; r < rows; ++r) out[r * dim + c] = in[r * dim + c] - mean;
        }
    };
    const auto r = repro::check_sequence_invariance(m, d.tokens.data(), d.lengths.data(), 5);
    INFO(r.table());
    CHECK(r.cause == repro::invariance_cause::cross_sample);
}

TEST_CASE("a projection whose GEMM kernel follows the number of rows is diagnosed as reduction order") {
    const std::size_t in = 256, out = 16;
    const std::vector<float> w = random_matrix<float>(in, out, 3);
    const std::vector<std::size_t> lengths{3, 17, 40};
    const std::vector<float> tokens = random_matrix<float>(60, in, 4);
    repro::sequence_model<float, float> m;
    m.in_size = in;
    m.out_size = out;
    m.chunk = [&](const std::uint64_t*, const std::size_t* counts, std::size_t batch, const float* x, float* y) {
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
        using rm = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        Eigen::Map<rm>(y, Eigen::Index(rows), Eigen::Index(out)).noalias() =
            Eigen::Map<const rm>(x, Eigen::Index(rows), Eigen::Index(in)) *
            Eigen::Map<const rm>(w.data(), Eigen::Index(in), Eigen::Index(out));
    };
    const auto r = repro::check_sequence_invariance(m, tokens.data(), lengths.data(), 3);
    INFO(r.table());
    CHECK(r.cause == repro::invariance_cause::reduction_order);
    // repro::linear in its place: none
    m.chunk = [&](const std::uint64_t*, const std::size_t* counts, std::size_t batch, const float* x, float* y) {
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
        repro::matmul(x, w.data(), y, rows, in, out);
    };
    CHECK(repro::check_sequence_invariance(m, tokens.data(), lengths.data(), 3).cause ==
          repro::invariance_cause::none);
}

TEST_CASE("a model that changes from call to call is diagnosed as run-to-run nondeterminism") {
    const data_set d;
    repro::sequence_model<float, float> m;
    m.in_size = m.out_size = dim;
    int calls = 0;
    m.chunk = [&](const std::uint64_t*, const std::size_t* counts, std::size_t batch, const float* in, float* out) {
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
        ++calls;
        for (std::size_t i = 0; i < rows * dim; ++i) out[i] = in[i] * (1.0f + float(calls % 3) * 1e-6f);
    };
    const auto r = repro::check_sequence_invariance(m, d.tokens.data(), d.lengths.data(), 5);
    CHECK(r.cause == repro::invariance_cause::run_to_run);
}

TEST_CASE("first_divergent_layer names the sequence layer that drifts between whole sequences and decode") {
    const std::size_t width = 256;
    const std::vector<float> w = random_matrix<float>(width, width, 8, -5, -4);
    auto repro_layer = [&](std::string name) {
        repro::sequence_layer<float> l{std::move(name), width, {}};
        l.chunk = [&](const std::uint64_t*, const std::size_t* counts, std::size_t batch, const float* x, float* y) {
            std::size_t rows = 0;
            for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
            repro::matmul(x, w.data(), y, rows, width, width);
        };
        return l;
    };
    repro::sequence_layer<float> eigen{"eigen projection", width, {}};
    eigen.chunk = [&](const std::uint64_t*, const std::size_t* counts, std::size_t batch, const float* x, float* y) {
        std::size_t rows = 0;
        for (std::size_t b = 0; b < batch; ++b) rows += counts[b];
        using rm = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        Eigen::Map<rm>(y, Eigen::Index(rows), Eigen::Index(width)).noalias() =
            Eigen::Map<const rm>(x, Eigen::Index(rows), Eigen::Index(width)) *
            Eigen::Map<const rm>(w.data(), Eigen::Index(width), Eigen::Index(width));
    };
    const std::vector<std::size_t> lengths{12, 30};
    const std::vector<float> tokens = random_matrix<float>(42, width, 9);
    const auto d = repro::first_divergent_layer<float>({repro_layer("in"), eigen, repro_layer("out")},
                                                       tokens.data(), lengths.data(), 2, width, 1);
    INFO(d.to_string());
    CHECK(d.diverged);
    CHECK(d.layer == 1);
    CHECK(d.per_layer[0].bitwise_equal == 42);
    const auto none = repro::first_divergent_layer<float>({repro_layer("a"), repro_layer("b")}, tokens.data(),
                                                          lengths.data(), 2, width, 5);
    CHECK(!none.diverged);
}

TEST_CASE("bad sequence harness arguments are rejected with messages naming them") {
    const data_set d;
    attention_model a;
    auto m = a.model();
    auto message = [&](auto f) {
        try {
            f();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(none)");
    };
    CHECK(message([&] { repro::check_sequence_invariance(m, d.tokens.data(), d.lengths.data(), 0); }) ==
          "repro::check_sequence_invariance: count = 0: no sequences to run");
    const std::size_t zero[] = {3, 0};
    CHECK(message([&] { repro::check_sequence_invariance(m, d.tokens.data(), zero, 2); }) ==
          "repro::check_sequence_invariance: lengths[1] = 0");
    repro::sequence_invariance_options o;
    o.chunk_sizes = {4, 0};
    CHECK(message([&] { repro::check_sequence_invariance(m, d.tokens.data(), d.lengths.data(), 5, o); }) ==
          "repro::check_sequence_invariance: options.chunk_sizes holds 0");
    auto lazy = m;
    lazy.chunk = [](const std::uint64_t*, const std::size_t*, std::size_t, const float*, float*) {};
    CHECK(message([&] { repro::check_sequence_invariance(lazy, d.tokens.data(), d.lengths.data(), 5); })
              .find("model.chunk (alone) left output row 0, column 0 unwritten") != std::string::npos);
    lazy.chunk = nullptr;
    CHECK(message([&] { repro::check_sequence_invariance(lazy, d.tokens.data(), d.lengths.data(), 5); }) ==
          "repro::check_sequence_invariance: model.chunk is empty");
    CHECK(message([&] {
              repro::first_divergent_layer<float>({}, d.tokens.data(), d.lengths.data(), 5, dim, 1);
          }) == "repro::first_divergent_layer: model has no layers");
}
