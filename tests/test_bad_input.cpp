// Every public entry point of repro against bad input, from one table: null
// pointers with n > 0, n = 0, sizes whose product overflows std::size_t,
// mismatched lengths, aliasing that is not allowed, invalid probabilities,
// tolerances and thread counts. Each bad call must throw exactly the
// documented exception type, with a message that starts "repro::<function>: "
// and names the argument. An entry point without bad input says why.
//
// The table is checked against the list of public entry points that clang
// reads from the headers (tests/static/entry_points.py): a function missing
// from the table, or listed but gone from the headers, fails
// "every public entry point is in the bad-input table".
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include <repro/eigen.hpp>
#include <repro/invariance.hpp>
#include <repro/npy.hpp>
#include <repro/repro.hpp>
#include <repro/sequence_invariance.hpp>
#ifdef REPRO_TEST_MPI
#include <repro/mpi.hpp>
#endif

namespace {

using std::size_t;

struct bad_call {
    std::string what;      // the bad input, in words
    std::string argument;  // a word the message must contain (the argument's name); empty: the call must succeed
    const std::type_info* expected = nullptr;
    std::function<void()> call;
};

struct entry {
    entry(std::string n, std::vector<bad_call> c, std::string why = {})
        : name(std::move(n)), calls(std::move(c)), no_bad_input(std::move(why)) {}
    std::string name;  // qualified, as entry_points.py prints it
    std::vector<bad_call> calls;
    std::string no_bad_input;  // why there is none, when calls is empty
};

template <class E, class F>
bad_call rejects(std::string what, std::string argument, F f) {
    return {std::move(what), std::move(argument), &typeid(E), f};
}
template <class F>
bad_call accepts(std::string what, F f) {
    return {std::move(what), "", nullptr, f};
}
entry none(std::string name, std::string why) { return {std::move(name), {}, std::move(why)}; }

using invalid = std::invalid_argument;
using length = std::length_error;

// 2^63 (on 64-bit): times 2 wraps to 0, so an unchecked product looks empty.
// Read through a volatile, so that the optimiser does not follow it into the
// kernels' loops (which the checks never let it reach) and warn there.
size_t opaque(size_t v) {
    volatile size_t hidden = v;
    return hidden;
}
const size_t half_max = opaque(size_t(1) << (std::numeric_limits<size_t>::digits - 1));

// Valid buffers, large enough for every valid call below.
float f[256] = {};
float g[256] = {};
double d[256] = {};
double e[256] = {};
std::uint64_t ids[64] = {0, 1, 2, 3, 4, 5, 6, 7};
size_t lengths[8] = {2, 2, 2, 2, 2, 2, 2, 2};

const repro::random_key key = repro::random_key::from_seed(1);

repro::attention_config head(size_t dim) {
    repro::attention_config c;
    c.head_dim = dim;
    return c;
}

// A forward function that is bitwise batch-invariant (the identity).
void identity(const float* in, size_t batch, float* out) {
    for (size_t i = 0; i < batch * 2; ++i) out[i] = in[i];
}

std::vector<entry> reductions() {
    std::vector<float> three(3, 1.0f), two(2, 1.0f);
    std::vector<entry> t;
    t.push_back({"repro::sum",
                 {rejects<invalid>("x null, n = 3", "x", [] { repro::sum<float>(nullptr, 3); }),
                  rejects<invalid>("threads{0}", "threads", [] { repro::sum(f, 3, repro::threads{0}); }),
                  accepts("x null, n = 0", [] { CHECK(repro::sum<float>(nullptr, 0) == 0.0); })}});
    t.push_back({"repro::dot",
                 {rejects<invalid>("x null", "x", [] { repro::dot<float>(nullptr, f, 3); }),
                  rejects<invalid>("y null", "y", [] { repro::dot<float>(f, nullptr, 3); }),
                  rejects<invalid>("threads{0}", "threads", [] { repro::dot(f, g, 3, repro::threads{0}); }),
                  rejects<invalid>("containers of 3 and 2", "y", [=] { repro::dot(three, two); }),
                  accepts("n = 0", [] { CHECK(repro::dot<float>(nullptr, nullptr, 0) == 0.0); })}});
    t.push_back({"repro::nrm2",
                 {rejects<invalid>("x null", "x", [] { repro::nrm2<double>(nullptr, 3); }),
                  accepts("n = 0", [] { CHECK(repro::nrm2<double>(nullptr, 0) == 0.0); })}});
    t.push_back({"repro::mean",
                 {rejects<invalid>("x null", "x", [] { repro::mean<float>(nullptr, 3); }),
                  accepts("n = 0: NaN, as documented", [] { CHECK(std::isnan(repro::mean(f, 0))); })}});
    t.push_back({"repro::variance",
                 {rejects<invalid>("x null", "x", [] { repro::variance<float>(nullptr, 3); }),
                  accepts("n <= ddof: NaN, as documented", [] { CHECK(std::isnan(repro::variance(f, 1, 1))); })}});
    for (const char* name : {"argmax", "argmin", "max", "min"}) {
        const std::string n = name;
        auto call = [n](const float* x, size_t count) {
            if (n == "argmax") repro::argmax(x, count);
            if (n == "argmin") repro::argmin(x, count);
            if (n == "max") repro::max(x, count);
            if (n == "min") repro::min(x, count);
        };
        t.push_back({"repro::" + n,
                     {rejects<invalid>("x null", "x", [=] { call(nullptr, 3); }),
                      rejects<invalid>("n = 0", "empty", [=] { call(f, 0); })}});
    }
    t.push_back({"repro::sum_compensated",
                 {rejects<invalid>("x null", "x", [] { repro::sum_compensated<float>(nullptr, 3); }),
                  rejects<invalid>("threads{0}", "threads", [] { repro::sum_compensated(f, 3, repro::threads{0}); }),
                  accepts("n = 0", [] { CHECK(repro::sum_compensated<float>(nullptr, 0) == 0.0); })}});
    t.push_back(
        {"repro::dot_compensated",
         {rejects<invalid>("x null", "x", [] { repro::dot_compensated<float>(nullptr, f, 3); }),
          rejects<invalid>("y null", "y", [] { repro::dot_compensated<float>(f, nullptr, 3); }),
          rejects<invalid>("threads{0}", "threads", [] { repro::dot_compensated(f, g, 3, repro::threads{0}); })}});
    t.push_back({"repro::exact_sum",
                 {rejects<invalid>("x null", "x", [] { repro::exact_sum<double>(nullptr, 3); }),
                  rejects<invalid>("threads{0}", "threads", [] { repro::exact_sum(d, 3, repro::threads{0}); }),
                  accepts("n = 0", [] { CHECK(repro::exact_sum<double>(nullptr, 0) == 0.0); })}});
    t.push_back({"repro::exact_dot",
                 {rejects<invalid>("x null", "x", [] { repro::exact_dot<double>(nullptr, d, 3); }),
                  rejects<invalid>("y null", "y", [] { repro::exact_dot<double>(d, nullptr, 3); }),
                  rejects<invalid>("threads{0}", "threads", [] { repro::exact_dot(d, e, 3, repro::threads{0}); }),
                  rejects<invalid>("containers of 3 and 2", "y", [=] { repro::exact_dot(three, two); })}});
    t.push_back({"repro::exact_accumulator::add",
                 {rejects<invalid>("x null", "x", [] { repro::exact_accumulator<double>().add<double>(nullptr, 3); }),
                  accepts("x null, n = 0", [] { repro::exact_accumulator<double>().add<double>(nullptr, 0); })}});
    t.push_back({"repro::exact_accumulator::add_products",
                 {rejects<invalid>("x null", "x",
                                   [] { repro::exact_accumulator<double>().add_products<double>(nullptr, d, 3); }),
                  rejects<invalid>("y null", "y",
                                   [] { repro::exact_accumulator<double>().add_products<double>(d, nullptr, 3); })}});
    t.push_back(
        {"repro::exact_accumulator::deserialize",
         {rejects<invalid>("data null", "data", [] { repro::exact_accumulator<double>::deserialize(nullptr, 8); }),
          rejects<invalid>("empty", "truncated",
                           [] { repro::exact_accumulator<double>::deserialize(std::vector<std::uint8_t>{}); }),
          rejects<invalid>("a float's bytes read as double", "float", [] {
              repro::exact_accumulator<double>::deserialize(repro::exact_accumulator<float>().serialize());
          })}});
    t.push_back({"repro::exact_accumulator::merge", {rejects<std::overflow_error>("count past 2^64 - 1", "terms", [] {
                     // a serialized accumulator with count 2^64 - 1, built from a real one
                     std::vector<std::uint8_t> bytes = repro::exact_accumulator<float>().serialize();
                     repro::exact_accumulator<float> one;
                     one.add(1.0f);
                     const std::vector<std::uint8_t> with_one = one.serialize();
                     size_t at = 0;  // the count field: the one 8-byte run that differs by 1
                     while (at < bytes.size() && bytes[at] == with_one[at]) ++at;
                     REQUIRE(at < bytes.size());
                     for (size_t i = 0; i < 8 && at + i < bytes.size(); ++i) bytes[at + i] = 0xff;
                     auto full = repro::exact_accumulator<float>::deserialize(bytes);
                     full.merge(one);
                 })}});
    for (const char* m : {"add_product", "count", "mean", "result", "serialize"})
        t.push_back(none(std::string("repro::exact_accumulator::") + m,
                         "takes values or nothing; every value, NaN and infinities included, is defined"));
    return t;
}

std::vector<entry> layers() {
    std::vector<entry> t;
    const repro::threads zero{0};
    t.push_back(
        {"repro::dropout",
         {rejects<invalid>("x null", "x", [] { repro::dropout<float>(nullptr, g, 2, 3, 0.5, key, ids); }),
          rejects<invalid>("y null", "y", [] { repro::dropout<float>(f, nullptr, 2, 3, 0.5, key, ids); }),
          rejects<invalid>("sample_ids null", "sample_ids", [] { repro::dropout(f, g, 2, 3, 0.5, key, nullptr); }),
          rejects<invalid>("p = 1.5", "p", [] { repro::dropout(f, g, 2, 3, 1.5, key, ids); }),
          accepts("p = 1: everything dropped", [] { repro::dropout(f, g, 2, 3, 1.0, key, ids); }),
          rejects<invalid>("p = -0.1", "p", [] { repro::dropout(f, g, 2, 3, -0.1, key, ids); }),
          rejects<invalid>("p NaN", "p", [] { repro::dropout(f, g, 2, 3, std::nan(""), key, ids); }),
          rejects<invalid>("threads{0}", "threads", [=] { repro::dropout(f, g, 2, 3, 0.5, key, ids, 0, zero); }),
          rejects<length>("rows x cols overflows", "x", [] { repro::dropout(f, g, half_max, 2, 0.5, key, ids); }),
          rejects<invalid>("y overlaps x, shifted", "overlap", [] { repro::dropout(f, f + 1, 2, 3, 0.5, key, ids); }),
          accepts("in place", [] { repro::dropout(f, f, 2, 3, 0.5, key, ids); }),
          accepts("rows = 0, null pointers",
                  [] { repro::dropout<float>(nullptr, nullptr, 0, 3, 0.5, key, nullptr); })}});
    t.push_back(
        {"repro::add_gaussian_noise",
         {rejects<invalid>("x null", "x", [] { repro::add_gaussian_noise<float>(nullptr, g, 2, 3, 1.0f, key, ids); }),
          rejects<invalid>("y null", "y", [] { repro::add_gaussian_noise<float>(f, nullptr, 2, 3, 1.0f, key, ids); }),
          rejects<invalid>("sample_ids null", "sample_ids",
                           [] { repro::add_gaussian_noise(f, g, 2, 3, 1.0f, key, nullptr); }),
          rejects<invalid>("stddev < 0", "stddev", [] { repro::add_gaussian_noise(f, g, 2, 3, -1.0f, key, ids); }),
          rejects<invalid>("stddev infinite", "stddev",
                           [] { repro::add_gaussian_noise(f, g, 2, 3, INFINITY, key, ids); }),
          rejects<invalid>("threads{0}", "threads",
                           [=] { repro::add_gaussian_noise(f, g, 2, 3, 1.0f, key, ids, 0, zero); }),
          rejects<length>("rows x cols overflows", "x",
                          [] { repro::add_gaussian_noise(f, g, 2, half_max, 1.0f, key, ids); }),
          rejects<invalid>("y overlaps x, shifted", "overlap",
                           [] { repro::add_gaussian_noise(f + 1, f, 2, 3, 1.0f, key, ids); })}});
    // the row layers: x, y (in place allowed, a shifted overlap not), rows x cols
    using row_layer = std::function<void(const float*, float*, size_t, size_t, repro::threads)>;
    const std::vector<std::pair<std::string, row_layer>> row_layers = {
        {"softmax",
         [](const float* x, float* y, size_t r, size_t c, repro::threads th) { repro::softmax(x, y, r, c, th); }},
        {"log_softmax",
         [](const float* x, float* y, size_t r, size_t c, repro::threads th) { repro::log_softmax(x, y, r, c, th); }},
        {"rms_norm", [](const float* x, float* y, size_t r, size_t c,
                        repro::threads th) { repro::rms_norm(x, g, y, r, c, 1e-6f, th); }},
        {"layer_norm", [](const float* x, float* y, size_t r, size_t c,
                          repro::threads th) { repro::layer_norm(x, g, g, y, r, c, 1e-5f, th); }},
        {"batch_norm", [](const float* x, float* y, size_t r, size_t c, repro::threads th) {
             repro::batch_norm(x, y, r, c, g, g, g, g, 1e-5f, repro::batch_norm_mode::inference, nullptr, nullptr, th);
         }}};
    for (const auto& [name, run] : row_layers) {
        auto calls = std::vector<bad_call>{
            rejects<invalid>("x null", "x", [run = run] { run(nullptr, g, 2, 3, {}); }),
            rejects<invalid>("y null", "y", [run = run] { run(f, nullptr, 2, 3, {}); }),
            rejects<invalid>("threads{0}", "threads", [run = run] { run(f, g, 2, 3, repro::threads{0}); }),
            rejects<length>("rows x cols overflows", "x", [run = run] { run(f, g, half_max, 2, {}); }),
            rejects<invalid>("y overlaps x, shifted", "overlap", [run = run] { run(f, f + 1, 2, 3, {}); }),
            accepts("in place", [run = run] { run(f, f, 2, 3, {}); }),
            accepts("rows = 0, null pointers", [run = run] { run(nullptr, nullptr, 0, 3, {}); })};
        t.push_back({"repro::" + name, std::move(calls)});
    }
    auto& rms = t[t.size() - 3].calls;
    rms.push_back(accepts("weight null: 1", [] { repro::rms_norm<float>(f, nullptr, g, 2, 3); }));
    rms.push_back(rejects<invalid>("eps < 0", "eps", [] { repro::rms_norm(f, g, g, 2, 3, -1.0f); }));
    auto& ln = t[t.size() - 2].calls;
    ln.push_back(
        accepts("gamma and beta null: 1 and 0", [] { repro::layer_norm<float>(f, nullptr, nullptr, g, 2, 3); }));
    ln.push_back(rejects<invalid>("eps NaN", "eps", [] { repro::layer_norm(f, g, g, g, 2, 3, NAN); }));
    auto& bn = t.back().calls;
    bn.push_back(rejects<invalid>("mean null", "mean", [] {
        repro::batch_norm<float>(f, g, 2, 3, nullptr, g, g, g, 1e-5f, repro::batch_norm_mode::inference);
    }));
    bn.push_back(rejects<invalid>("var null", "var", [] {
        repro::batch_norm<float>(f, g, 2, 3, g, nullptr, g, g, 1e-5f, repro::batch_norm_mode::inference);
    }));
    bn.push_back(rejects<invalid>("eps < 0", "eps", [] {
        repro::batch_norm<float>(f, g, 2, 3, g, g, g, g, -1.0f, repro::batch_norm_mode::inference);
    }));
    bn.push_back(rejects<invalid>("batch statistics of 0 rows", "rows", [] {
        repro::batch_norm<float>(f, g, 0, 3, nullptr, nullptr, g, g, 1e-5f, repro::batch_norm_mode::batch_statistics);
    }));
    t.push_back({"repro::leaky_relu",
                 {rejects<invalid>("x null", "x", [] { repro::leaky_relu<float>(nullptr, g, 3, 0.1f); }),
                  rejects<invalid>("y null", "y", [] { repro::leaky_relu<float>(f, nullptr, 3, 0.1f); }),
                  rejects<invalid>("slope NaN", "slope", [] { repro::leaky_relu(f, g, 3, NAN); }),
                  rejects<invalid>("y overlaps x, shifted", "overlap", [] { repro::leaky_relu(f, f + 2, 3, 0.1f); }),
                  accepts("in place", [] { repro::leaky_relu(f, f, 3, 0.1f); })}});
    t.push_back(
        {"repro::fold_batch_norm",
         {rejects<invalid>("W null", "W", [] { repro::fold_batch_norm<float>(nullptr, g, 2, 3, g, g, g, g, 1e-5f); }),
          rejects<invalid>("b null", "b", [] { repro::fold_batch_norm<float>(f, nullptr, 2, 3, g, g, g, g, 1e-5f); }),
          rejects<invalid>("mean null", "mean",
                           [] { repro::fold_batch_norm<float>(f, g, 2, 3, nullptr, g, g, g, 1e-5f); }),
          rejects<invalid>("var null", "var",
                           [] { repro::fold_batch_norm<float>(f, g, 2, 3, g, nullptr, g, g, 1e-5f); }),
          rejects<invalid>("eps < 0", "eps", [] { repro::fold_batch_norm<float>(f, g, 2, 3, g, g, g, g, -1.0f); }),
          rejects<length>("out x in overflows", "W",
                          [] { repro::fold_batch_norm<float>(f, g, half_max, 2, g, g, g, g, 1e-5f); })}});
    auto shape = [] {
        repro::conv2d_shape s{};
        s.n = 1, s.h = 3, s.w = 3, s.c_in = 2, s.c_out = 2, s.kh = 2, s.kw = 2;
        return s;
    };
    t.push_back(
        {"repro::conv2d",
         {rejects<invalid>("x null", "x", [=] { repro::conv2d<float>(nullptr, f, nullptr, g, shape()); }),
          rejects<invalid>("weight null", "weight", [=] { repro::conv2d<float>(f, nullptr, nullptr, g, shape()); }),
          rejects<invalid>("y null", "y", [=] { repro::conv2d<float>(f, f, nullptr, nullptr, shape()); }),
          rejects<invalid>("stride 0", "stride",
                           [=] {
                               auto s = shape();
                               s.stride_h = 0;
                               repro::conv2d<float>(f, f, nullptr, g, s);
                           }),
          rejects<invalid>("groups not dividing c_in", "groups",
                           [=] {
                               auto s = shape();
                               s.c_in = 3;
                               s.groups = 2;
                               repro::conv2d<float>(f, f, nullptr, g, s);
                           }),
          rejects<invalid>("kernel larger than the input", "kernel",
                           [=] {
                               auto s = shape();
                               s.kh = 5;
                               repro::conv2d<float>(f, f, nullptr, g, s);
                           }),
          rejects<length>("n x h x w x c_in overflows", "x",
                          [=] {
                              auto s = shape();
                              s.n = half_max;
                              repro::conv2d<float>(f, f, nullptr, g, s);
                          }),
          rejects<invalid>("threads{0}", "threads",
                           [=] { repro::conv2d<float>(f, f, nullptr, g, shape(), {}, repro::threads{0}); })}});
    t.push_back(none("repro::conv2d_shape::out_h", "arithmetic on the shape; conv2d validates the shape first"));
    t.push_back(none("repro::conv2d_shape::out_w", "arithmetic on the shape; conv2d validates the shape first"));
    t.push_back(
        {"repro::group_norm",
         {rejects<invalid>("x null", "x", [] { repro::group_norm<float>(nullptr, g, g, g, 1, 2, 4, 2); }),
          rejects<invalid>("y null", "y", [] { repro::group_norm<float>(f, g, g, nullptr, 1, 2, 4, 2); }),
          accepts("gamma and beta null: 1 and 0", [] { repro::group_norm<float>(f, nullptr, nullptr, g, 1, 2, 4, 2); }),
          rejects<invalid>("groups not dividing channels", "groups", [] { repro::group_norm(f, g, g, g, 1, 2, 4, 3); }),
          rejects<invalid>("groups 0", "groups", [] { repro::group_norm(f, g, g, g, 1, 2, 4, 0); }),
          rejects<invalid>("eps < 0", "eps", [] { repro::group_norm(f, g, g, g, 1, 2, 4, 2, -1.0f); }),
          rejects<length>("spatial x channels overflows", "spatial",
                          [] { repro::group_norm(f, g, g, g, 1, half_max, 2, 2); }),
          rejects<invalid>("threads{0}", "threads",
                           [] { repro::group_norm(f, g, g, g, 1, 2, 4, 2, 1e-5f, repro::threads{0}); })}});
    t.push_back(
        {"repro::pool2d",
         {rejects<invalid>("x null", "x",
                           [] { repro::pool2d<float>(nullptr, g, 1, 4, 4, 2, 2, 2, 2, 0, repro::pooling::max); }),
          rejects<invalid>("y null", "y",
                           [] { repro::pool2d<float>(f, nullptr, 1, 4, 4, 2, 2, 2, 2, 0, repro::pooling::max); }),
          rejects<invalid>("stride 0", "stride",
                           [] { repro::pool2d(f, g, 1, 4, 4, 2, 2, 2, 0, 0, repro::pooling::max); }),
          rejects<invalid>("kernel 0", "kernel",
                           [] { repro::pool2d(f, g, 1, 4, 4, 2, 0, 2, 2, 0, repro::pooling::max); }),
          rejects<length>("n x h x w x c overflows", "x",
                          [] { repro::pool2d(f, g, half_max, 4, 4, 2, 2, 2, 2, 0, repro::pooling::max); }),
          rejects<invalid>("threads{0}", "threads", [] {
              repro::pool2d(f, g, 1, 4, 4, 2, 2, 2, 2, 0, repro::pooling::max, repro::threads{0});
          })}});
    using stats = repro::population_statistics<float>;
    t.push_back({"repro::population_statistics::add",
                 {rejects<invalid>("x null", "x", [] { stats(3).add(nullptr, 2); }),
                  rejects<length>("rows x features overflows", "x", [] { stats(2).add(f, half_max); }),
                  rejects<std::logic_error>("after add_deviations", "add_deviations", [] {
                      stats s(3);
                      s.add(f, 2);
                      s.add_deviations(f, 2);
                      s.add(f, 2);
                  })}});
    t.push_back({"repro::population_statistics::add_deviations", {rejects<invalid>("x null", "x", [] {
                     stats s(3);
                     s.add(f, 2);
                     s.add_deviations(nullptr, 2);
                 })}});
    t.push_back({"repro::population_statistics::merge",
                 {rejects<invalid>("features differ", "features", [] { stats(3).merge(stats(2)); })}});
    t.push_back({"repro::population_statistics::merge_deviations",
                 {rejects<invalid>("features differ", "pass-1", [] { stats(3).merge_deviations(stats(2)); })}});
    t.push_back(none("repro::population_statistics::population_statistics", "any feature count, 0 included"));
    for (const char* m : {"count", "features", "mean", "variance"})
        t.push_back(none(std::string("repro::population_statistics::") + m, "takes no argument"));
    return t;
}

std::vector<entry> products() {
    std::vector<entry> t;
    t.push_back({"repro::matmul",
                 {rejects<invalid>("A null", "A", [] { repro::matmul<float>(nullptr, f, g, 2, 3, 4); }),
                  rejects<invalid>("B null", "B", [] { repro::matmul<float>(f, nullptr, g, 2, 3, 4); }),
                  rejects<invalid>("C null", "C", [] { repro::matmul<float>(f, f, nullptr, 2, 3, 4); }),
                  rejects<length>("M x K overflows", "A", [] { repro::matmul(f, f, g, half_max, 2, 1); }),
                  rejects<invalid>("C overlaps A", "overlap", [] { repro::matmul(f, g, f + 1, 2, 3, 4); }),
                  rejects<invalid>("threads{0}", "threads", [] { repro::matmul(f, f, g, 2, 3, 4, repro::threads{0}); }),
                  rejects<invalid>("Eigen shapes that do not chain", "A",
                                   [] {
                                       Eigen::MatrixXf A(2, 3), B(2, 2), C(2, 2);
                                       repro::matmul(A, B, C);
                                   }),
                  accepts("M = 0", [] { repro::matmul<float>(nullptr, f, nullptr, 0, 3, 4); })}});
    t.push_back({"repro::matmul_bt",
                 {rejects<invalid>("A null", "A", [] { repro::matmul_bt<float>(nullptr, f, g, 2, 3, 4); }),
                  rejects<invalid>("Bt null", "Bt", [] { repro::matmul_bt<float>(f, nullptr, g, 2, 3, 4); }),
                  rejects<length>("N x K overflows", "Bt", [] { repro::matmul_bt(f, f, g, 1, 2, half_max); }),
                  rejects<invalid>("C overlaps Bt", "overlap", [] { repro::matmul_bt(g, f, f, 2, 3, 4); }),
                  rejects<invalid>("Eigen shapes that do not chain", "Bt", [] {
                      Eigen::MatrixXf A(2, 3), Bt(2, 2), C(2, 2);
                      repro::matmul_bt(A, Bt, C);
                  })}});
    t.push_back(
        {"repro::linear",
         {rejects<invalid>("x null", "x", [] { repro::linear<float>(nullptr, f, nullptr, g, 2, 3, 4); }),
          rejects<invalid>("W null", "W", [] { repro::linear<float>(f, nullptr, nullptr, g, 2, 3, 4); }),
          rejects<invalid>("y null", "y", [] { repro::linear<float>(f, f, nullptr, nullptr, 2, 3, 4); }),
          rejects<invalid>("y overlaps the bias", "bias", [] { repro::linear<float>(f, f, g + 1, g, 2, 3, 4); }),
          rejects<length>("M x in overflows", "x", [] { repro::linear<float>(f, f, nullptr, g, half_max, 2, 1); }),
          rejects<invalid>(
              "threads{0}", "threads",
              [] { repro::linear<float>(f, f, nullptr, g, 2, 3, 4, repro::activation::none, repro::threads{0}); }),
          rejects<invalid>("packed weights, x null", "x",
                           [] {
                               const repro::linear_weights<float> w(f, 4, 3);
                               repro::linear<float>(nullptr, w, nullptr, g, 2);
                           }),
          rejects<invalid>("Eigen: bias of the wrong length", "b", [] {
              Eigen::MatrixXf x(2, 3), W(4, 3), y(2, 4);
              Eigen::VectorXf b(3);
              repro::linear(x, W, b, y);
          })}});
    t.push_back({"repro::linear_weights::linear_weights",
                 {rejects<invalid>("W null", "W",
                                   [] { repro::linear_weights<float>(static_cast<const float*>(nullptr), 4, 3); }),
                  rejects<length>("out x in overflows", "W", [] { repro::linear_weights<float>(f, half_max, 2); })}});
    for (const char* m : {"in", "out", "transposed"})
        t.push_back(none(std::string("repro::linear_weights::") + m, "takes no argument"));
    return t;
}

std::vector<entry> sequences() {
    std::vector<entry> t;
    const int tokens[3] = {0, 1, 2};
    t.push_back(
        {"repro::embedding",
         {rejects<invalid>("table null", "table", [=] { repro::embedding<float>(nullptr, 4, 2, tokens, 3, g); }),
          rejects<invalid>("ids null", "ids", [] { repro::embedding<float, int>(f, 4, 2, nullptr, 3, g); }),
          rejects<invalid>("out null", "out",
                           [=] { repro::embedding<float, int, float>(f, 4, 2, tokens, 3, nullptr); }),
          rejects<invalid>("id >= vocab", "ids", [=] { repro::embedding(f, 2, 2, tokens, 3, g); }),
          rejects<invalid>("id < 0", "ids",
                           [] {
                               const int negative[1] = {-1};
                               repro::embedding(f, 4, 2, negative, 1, g);
                           }),
          rejects<length>("vocab x dim overflows", "table", [=] { repro::embedding(f, half_max, 2, tokens, 3, g); })}});
    t.push_back(
        {"repro::rope",
         {rejects<invalid>("x null", "x", [] { repro::rope(nullptr, 2, 1, 4, lengths); }),
          rejects<invalid>("positions null", "positions", [] { repro::rope(f, 2, 1, 4, nullptr); }),
          rejects<invalid>("odd head_dim", "head_dim", [] { repro::rope(f, 2, 1, 3, lengths); }),
          rejects<invalid>("base 1", "base", [] { repro::rope(f, 2, 1, 4, lengths, 1.0f); }),
          rejects<length>("heads x head_dim overflows", "heads", [] { repro::rope(f, 2, half_max, 4, lengths); }),
          rejects<invalid>("threads{0}", "threads", [] {
              repro::rope(f, 2, 1, 4, lengths, 10000.0f, repro::rope_pairs::halves, repro::threads{0});
          })}});
    using cache = repro::kv_cache<float>;
    t.push_back(
        {"repro::attention",
         {rejects<invalid>("q null", "q", [] { repro::attention<float>(nullptr, f, f, g, 1, 2, lengths, head(4)); }),
          rejects<invalid>("k null", "k", [] { repro::attention<float>(f, nullptr, f, g, 1, 2, lengths, head(4)); }),
          accepts("lengths null: all max_length", [] { repro::attention<float>(f, f, f, g, 1, 2, nullptr, head(4)); }),
          rejects<invalid>("head_dim 0", "head_dim",
                           [] { repro::attention<float>(f, f, f, g, 1, 2, lengths, head(0)); }),
          rejects<invalid>("num_kv_heads not dividing num_heads", "num_kv_heads",
                           [] {
                               auto c = head(4);
                               c.num_heads = 3;
                               c.num_kv_heads = 2;
                               repro::attention<float>(f, f, f, g, 1, 2, lengths, c);
                           }),
          rejects<invalid>("a length above max_length", "lengths",
                           [] {
                               const size_t three[1] = {3};
                               repro::attention<float>(f, f, f, g, 1, 2, three, head(4));
                           }),
          rejects<invalid>("out overlaps k", "out",
                           [] { repro::attention<float>(f, g, g, g + 1, 1, 2, lengths, head(4)); }),
          rejects<length>("batch x max_length overflows", "max_length",
                          [] { repro::attention<float>(f, f, f, g, half_max, 2, lengths, head(4)); }),
          rejects<invalid>("threads{0}", "threads",
                           [] { repro::attention<float>(f, f, f, g, 1, 2, lengths, head(4), repro::threads{0}); }),
          rejects<invalid>("cache of another head_dim", "caches[0]",
                           [] {
                               cache c(1, 8, 4);
                               c.append(f, f, 1);
                               repro::attention(f, c, 1, g, head(4));
                           }),
          rejects<invalid>("caches null", "caches",
                           [] {
                               const size_t one[1] = {1};
                               repro::attention<float>(f, static_cast<const cache* const*>(nullptr), one, 1, g,
                                                       head(4));
                           }),
          rejects<invalid>("more queries than cached tokens", "quer", [] {
              cache c(1, 4, 4);
              c.append(f, f, 1);
              repro::attention(f, c, 2, g, head(4));
          })}});
    t.push_back(
        {"repro::kv_cache::kv_cache",
         {rejects<invalid>("head_dim 0", "head_dim", [] { cache(1, 0, 4); }),
          rejects<invalid>("num_kv_heads 0", "num_kv_heads", [] { cache(0, 4, 4); }),
          rejects<length>("heads x head_dim x max_length overflows", "max_length", [] { cache(2, 4, half_max); })}});
    t.push_back({"repro::kv_cache::append",
                 {rejects<invalid>("k null", "k", [] { cache(1, 4, 4).append<float>(nullptr, f, 1); }),
                  rejects<invalid>("v null", "v", [] { cache(1, 4, 4).append<float>(f, nullptr, 1); }),
                  rejects<std::length_error>("past max_length", "max_length", [] { cache(1, 4, 2).append(f, f, 3); }),
                  accepts("tokens = 0, null pointers", [] { cache(1, 4, 2).append<float>(nullptr, nullptr, 0); })}});
    t.push_back({"repro::kv_cache::truncate",
                 {rejects<invalid>("beyond the length", "length", [] { cache(1, 4, 4).truncate(1); })}});
    t.push_back({"repro::kv_cache::reserve",
                 {rejects<std::length_error>("beyond max_length", "max_length", [] { cache(1, 4, 4).reserve(5); })}});
    t.push_back(
        {"repro::kv_cache::keys", {rejects<invalid>("head out of range", "head", [] { cache(2, 4, 4).keys(2); })}});
    t.push_back(
        {"repro::kv_cache::values", {rejects<invalid>("head out of range", "head", [] { cache(2, 4, 4).values(2); })}});
    for (const char* m : {"capacity", "clear", "fork", "head_dim", "length", "max_length", "num_kv_heads"})
        t.push_back(none(std::string("repro::kv_cache::") + m, "takes no argument"));
    return t;
}

std::vector<entry> randomness() {
    std::vector<entry> t;
    const repro::random_stream s(key, 0);
    t.push_back({"repro::random_stream::fill_bits",
                 {rejects<invalid>("out null", "out", [=] { s.fill_bits(nullptr, 3); }),
                  rejects<invalid>("past the stream's end", "first", [=] {
                      std::uint32_t w[4];
                      s.fill_bits(w, 4, (std::uint64_t(1) << 34) - 2);
                  })}});
    t.push_back({"repro::random_stream::fill_uniform",
                 {rejects<invalid>("out null", "out", [=] { s.fill_uniform<float>(nullptr, 3); }),
                  rejects<invalid>("a double past the stream's 2^33", "first", [=] {
                      double w[2];
                      s.fill_uniform(w, 2, (std::uint64_t(1) << 33) - 1);
                  }),
                  accepts("the stream's last float", [=] {
                      float w[1];
                      s.fill_uniform(w, 1, (std::uint64_t(1) << 34) - 1);
                  })}});
    t.push_back({"repro::random_stream::fill_normal",
                 {rejects<invalid>("out null", "out", [=] { s.fill_normal<double>(nullptr, 3); })}});
    t.push_back({"repro::random_stream::bernoulli",
                 {rejects<invalid>("p = 2", "p", [=] { (void)s.bernoulli(0, 2.0); }),
                  rejects<invalid>("p NaN", "p", [=] { (void)s.bernoulli(0, std::nan("")); })}});
    t.push_back({"repro::random_stream::uniform_int",
                 {rejects<invalid>("n = 0", "n", [=] { repro::random_stream(s).uniform_int(0); })}});
    t.push_back({"repro::random_stream::from_string",
                 {rejects<invalid>("empty", "repro.stream.v1", [] { repro::random_stream::from_string(""); }),
                  rejects<invalid>("a bad hex digit", "hex digit", [] {
                      std::string text = repro::random_stream(key, 0).to_string();
                      text.back() = 'g';
                      repro::random_stream::from_string(text);
                  })}});
    for (const char* m : {"bits", "block", "uniform", "uniform_open", "normal"})
        t.push_back(none(std::string("repro::random_stream::") + m,
                         "every index is valid: the counter is taken modulo the stream's 2^34 values, as documented"));
    for (const char* m : {"key", "next_bits", "position", "sample", "seek", "step", "to_string", "random_stream"})
        t.push_back(none(std::string("repro::random_stream::") + m, "takes no argument, or any value is valid"));
    for (const char* m : {"fold_in", "from_seed", "split"})
        t.push_back(none(std::string("repro::random_key::") + m, "every 64-bit value is a valid tag or seed"));
    for (const char* m : {"philox4x32_10", "threefry2x32_20", "threefry4x32_20"})
        t.push_back(none(std::string("repro::") + m, "every counter and key is valid"));
    t.push_back({"repro::philox4x32_10_fill", {rejects<invalid>("out null", "out", [] {
                     repro::philox4x32_10_fill({0, 0, 0, 0}, key.words, nullptr, 2);
                 })}});
    t.push_back({"repro::permutation::batch",
                 {rejects<invalid>("out null", "out", [] { repro::permutation(10, key).batch(0, 3, nullptr); }),
                  accepts("batch past the end: none written", [] {
                      std::uint64_t out[4];
                      CHECK(repro::permutation(10, key).batch(3, 4, out) == 0);
                  })}});
    t.push_back(none("repro::permutation::permutation", "any n, 0 included (an empty permutation)"));
    t.push_back(none("repro::permutation::size", "takes no argument"));
    return t;
}

std::vector<entry> comparisons() {
    std::vector<entry> t;
    t.push_back({"repro::compare",
                 {rejects<invalid>("actual null", "actual", [] { repro::compare<float>(nullptr, f, 3); }),
                  rejects<invalid>("expected null", "expected", [] { repro::compare<float>(f, nullptr, 3); }),
                  rejects<invalid>("a view of null data", "actual",
                                   [] { repro::compare(repro::view<float>(nullptr, 3), repro::view(f, 3)); }),
                  rejects<invalid>("containers of 3 and 2", "expected",
                                   [] { repro::compare(std::vector<float>(3), std::vector<float>(2)); }),
                  rejects<length>("rows x cols overflows", "rows", [] { repro::compare(f, g, half_max, 2); }),
                  rejects<invalid>("Eigen shapes differ", "expected",
                                   [] { repro::compare(Eigen::MatrixXf(2, 3), Eigen::MatrixXf(3, 2)); }),
                  accepts("n = 0", [] { CHECK(repro::compare<float>(nullptr, nullptr, 0).passed()); })}});
    t.push_back({"repro::view",
                 {accepts("data null: a view is only a description", [] { repro::view<float>(nullptr, 3); }),
                  rejects<invalid>("row_stride < cols", "row_stride", [] { repro::view(f, 2, 3, 2); }),
                  rejects<length>("rows x cols overflows", "rows", [] { repro::view(f, half_max, 2); })}});
    t.push_back({"repro::tolerance::ulp", {}, "every ULP count is valid (0: bitwise)"});
    t.push_back({"repro::tolerance::close",
                 {rejects<invalid>("rtol < 0", "rtol", [] { repro::tolerance::close(-1.0, 0.0); }),
                  rejects<invalid>("atol NaN", "atol", [] { repro::tolerance::close(0.0, std::nan("")); })}});
    for (const char* m : {"bitwise", "with_nan_equal", "resolved_for"})
        t.push_back(none(std::string("repro::tolerance::") + m, "takes no argument, or a bool"));
    t.push_back(none("repro::array_view::size", "takes no argument"));
    t.push_back(none("repro::array_view::row", "unchecked element access, like std::span::operator[]"));
    for (const char* m :
         {"describe_tolerance", "format_value", "mismatch_fraction", "passed", "summary", "to_string", "where"})
        t.push_back(
            none(std::string("repro::compare_report::") + m, "formats the report; every argument value is valid"));
    t.push_back(none("repro::worst_at::found", "takes no argument"));
    return t;
}

// A .npy file (format 1.0) with this header and no data.
std::vector<std::uint8_t> npy_header_only(const std::string& header) {
    // (sized first, then filled: GCC 12 at -O3 misreads an insert after the 10 bytes as out of bounds)
    std::vector<std::uint8_t> b(10 + header.size());
    const std::uint8_t magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<std::uint8_t>(header.size()), 0};
    for (size_t i = 0; i < b.size(); ++i) b[i] = i < 10 ? magic[i] : static_cast<std::uint8_t>(header[i - 10]);
    return b;
}

std::vector<entry> readers() {
    std::vector<entry> t;
    const std::vector<std::uint8_t> eight(8, 0);
    const std::string overflow = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 2)}";
    t.push_back(
        {"repro::read_npy",
         {rejects<invalid>("data null, size 3", "data", [] { repro::read_npy(nullptr, 3); }),
          rejects<invalid>("not a .npy file", "magic", [=] { repro::read_npy(eight); }),
          rejects<invalid>(
              "int32 data", "dtype",
              [] { repro::read_npy(npy_header_only("{'descr': '<i4', 'fortran_order': False, 'shape': (0,)}")); }),
          rejects<invalid>(
              "data truncated", "truncated",
              [] { repro::read_npy(npy_header_only("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}")); }),
          rejects<length>("shape's size overflows", "shape", [=] { repro::read_npy(npy_header_only(overflow)); }),
          accepts("an empty float32 array", [] {
              CHECK(
                  repro::read_npy(npy_header_only("{'descr': '<f4', 'fortran_order': False, 'shape': (0,)}")).size() ==
                  0);
          })}});
    t.push_back({"repro::read_npy_file", {rejects<invalid>("no such file", "cannot open", [] {
                     repro::read_npy_file("/nonexistent/repro_bad_input.npy");
                 })}});
    t.push_back(
        {"repro::read_raw",
         {rejects<invalid>("data null, size 3", "data", [] { repro::read_raw(nullptr, 3, "float32", {1}); }),
          rejects<invalid>("8 bytes for shape (3,) of float32", "shape",
                           [=] { repro::read_raw(eight, "float32", {3}); }),
          rejects<invalid>("unknown dtype", "dtype", [=] { repro::read_raw(eight, "int8", {8}); }),
          rejects<length>("shape's size overflows", "shape",
                          [=] {
                              repro::read_raw(eight, "float32", {half_max, 2});
                          }),
          accepts("8 bytes as 2 float32", [=] { CHECK(repro::read_raw(eight, "float32", {2}).size() == 2); })}});
    t.push_back(
        {"repro::read_raw_file",
         {rejects<invalid>("unknown dtype", "dtype", [] { repro::read_raw_file("/nonexistent/x.bin", "int8", {1}); }),
          rejects<invalid>("no such file", "cannot open",
                           [] { repro::read_raw_file("/nonexistent/x.bin", "float32", {1}); })}});
    t.push_back(none("repro::npy_array::size", "takes no argument"));
    return t;
}

std::vector<entry> harnesses() {
    std::vector<entry> t;
    const std::function<void(const float*, size_t, float*)> forward = identity;
    t.push_back(
        {"repro::check_batch_invariance",
         {rejects<invalid>("samples null", "samples",
                           [=] { repro::check_batch_invariance(forward, (const float*)nullptr, 4, 2, 2); }),
          rejects<invalid>("n = 0", "n = 0", [=] { repro::check_batch_invariance(forward, f, 0, 2, 2); }),
          rejects<invalid>("in_size = 0", "in_size", [=] { repro::check_batch_invariance(forward, f, 4, 0, 2); }),
          rejects<invalid>(
              "empty std::function", "forward",
              [] { repro::check_batch_invariance(std::function<void(const float*, size_t, float*)>(), f, 4, 2, 2); }),
          rejects<invalid>("batch size 0", "batch_sizes",
                           [=] {
                               repro::invariance_options o;
                               o.batch_sizes = {0};
                               repro::check_batch_invariance(forward, f, 4, 2, 2, o);
                           }),
          rejects<invalid>("rounding_level NaN", "rounding_level",
                           [=] {
                               repro::invariance_options o;
                               o.rounding_level = std::nan("");
                               repro::check_batch_invariance(forward, f, 4, 2, 2, o);
                           }),
          rejects<length>("n x in_size overflows", "in_size",
                          [=] { repro::check_batch_invariance(forward, f, half_max, 2, 2); })}});
    t.push_back(
        {"repro::first_divergent_layer",
         {rejects<invalid>("no layers", "model",
                           [] { repro::first_divergent_layer(std::vector<repro::layer<float>>{}, f, 4, 2, 2); }),
          rejects<invalid>("batch_size 0", "batch_size",
                           [] {
                               std::vector<repro::layer<float>> model{
                                   {"id", 2, [](const float* in, const std::uint64_t*, size_t b, float* out) {
                                        identity(in, b, out);
                                    }}};
                               repro::first_divergent_layer(model, f, 4, 2, 0);
                           }),
          rejects<invalid>("sequence model, chunk_size 0", "chunk_size", [] {
              std::vector<repro::sequence_layer<float>> model(1);
              repro::first_divergent_layer(model, f, lengths, 2, 2, 0);
          })}});
    t.push_back({"repro::check_sequence_invariance",
                 {rejects<invalid>("count = 0", "count",
                                   [] {
                                       repro::sequence_model<float, float> m;
                                       repro::check_sequence_invariance(m, f, lengths, 0);
                                   }),
                  rejects<invalid>("no chunk function", "chunk",
                                   [] {
                                       repro::sequence_model<float, float> m;
                                       m.out_size = 1;
                                       repro::check_sequence_invariance(m, f, lengths, 2);
                                   }),
                  rejects<invalid>("lengths null", "lengths", [] {
                      repro::sequence_model<float, float> m;
                      m.out_size = 1;
                      m.chunk = [](const std::uint64_t*, const size_t*, size_t, const float*, float*) {};
                      repro::check_sequence_invariance(m, f, nullptr, 2);
                  })}});
    t.push_back({"repro::layer_divergence::add_layer", {}, "any drift record is valid"});
    for (const char* m : {"invariance_report::invariant", "invariance_report::table", "invariance_report::to_json",
                          "layer_divergence::to_string", "sequence_invariance_report::invariant",
                          "sequence_invariance_report::table", "to_string"})
        t.push_back(none(std::string("repro::") + m, "formats a report or names an enumerator; takes no bad input"));
    return t;
}

std::vector<entry> scalars() {
    std::vector<entry> t;
    for (const char* m : {"to_bits", "from_bits", "is_nan", "is_inf", "is_finite", "sign_bit", "bitwise_equal",
                          "ulp_distance", "next_up", "next_down", "fma", "mul_rn", "add_rn", "div_rn", "sqrt_rn",
                          "two_sum", "two_prod", "widen", "narrow"})
        t.push_back(none(std::string("repro::") + m,
                         "every value of its argument types, NaN and infinities "
                         "included, has a defined result"));
    t.push_back(none("repro::fast_two_sum",
                     "precondition |a| >= |b| (or a = 0), documented and unchecked: it is an inner-loop primitive"));
    t.push_back(none("repro::active_isa", "takes no argument"));
    t.push_back(none("repro::limit_isa", "every isa value is valid; one above the CPU's is capped to the CPU's"));
    t.push_back(none("repro::math::sincos2pi", "scalar only: every value has a defined result"));
    // the math functions: the scalar form takes every value; the array form is checked
    for (const char* m : {"exp", "expm1", "log", "log1p", "log2", "tanh", "erf", "sigmoid", "silu", "gelu", "gelu_tanh",
                          "rsqrt", "sin2pi", "cos2pi"}) {
        const std::string n = m;
        auto run = [n](const float* x, float* y, size_t count) {
            using namespace repro::math;
            if (n == "exp") exp(x, y, count);
            if (n == "expm1") expm1(x, y, count);
            if (n == "log") log(x, y, count);
            if (n == "log1p") log1p(x, y, count);
            if (n == "log2") log2(x, y, count);
            if (n == "tanh") tanh(x, y, count);
            if (n == "erf") erf(x, y, count);
            if (n == "sigmoid") sigmoid(x, y, count);
            if (n == "silu") silu(x, y, count);
            if (n == "gelu") gelu(x, y, count);
            if (n == "gelu_tanh") gelu_tanh(x, y, count);
            if (n == "rsqrt") rsqrt(x, y, count);
            if (n == "sin2pi") sin2pi(x, y, count);
            if (n == "cos2pi") cos2pi(x, y, count);
        };
        t.push_back({"repro::math::" + n,
                     {rejects<invalid>("x null", "x", [=] { run(nullptr, g, 3); }),
                      rejects<invalid>("y null", "y", [=] { run(f, nullptr, 3); }),
                      rejects<invalid>("y overlaps x, shifted", "overlap", [=] { run(f, f + 1, 3); }),
                      accepts("in place", [=] { run(f, f, 3); }),
                      accepts("n = 0, null pointers", [=] { run(nullptr, nullptr, 0); })}});
    }
    return t;
}

#ifdef REPRO_TEST_MPI
// Called without MPI_Init: the argument checks come before any MPI call, and
// an uninitialized MPI is itself reported.
std::vector<entry> distributed() {
    std::vector<entry> t;
    const MPI_Comm world = MPI_COMM_WORLD;
    t.push_back(
        {"repro::mpi::exact_sum",
         {rejects<invalid>("local null", "local", [=] { repro::mpi::exact_sum<double>(nullptr, 3, world); }),
          rejects<std::logic_error>("MPI not initialized", "MPI", [=] { repro::mpi::exact_sum(d, 3, world); })}});
    t.push_back({"repro::mpi::exact_dot",
                 {rejects<invalid>("x null", "x", [=] { repro::mpi::exact_dot<double>(nullptr, d, 3, world); }),
                  rejects<invalid>("y null", "y", [=] { repro::mpi::exact_dot<double>(d, nullptr, 3, world); })}});
    t.push_back(
        {"repro::mpi::allreduce_exact",
         {rejects<invalid>("local null", "local", [=] { repro::mpi::allreduce_exact<double>(nullptr, e, 3, world); }),
          rejects<invalid>("out null", "out", [=] { repro::mpi::allreduce_exact<double>(d, nullptr, 3, world); }),
          rejects<length>("rows x n overflows", "rows",
                          [=] { repro::mpi::allreduce_exact(d, half_max, e, 2, world); })}});
    t.push_back({"repro::mpi::population_statistics",
                 {rejects<invalid>("local null", "local",
                                   [=] { repro::mpi::population_statistics<double>(nullptr, 2, 3, world); }),
                  rejects<length>("rows x features overflows", "rows",
                                  [=] { repro::mpi::population_statistics(d, half_max, 2, world); })}});
    t.push_back({"repro::mpi::allreduce", {rejects<std::logic_error>("MPI not initialized", "MPI", [=] {
                     repro::exact_accumulator<double> a;
                     repro::mpi::allreduce(a, world);
                 })}});
    t.push_back(none("repro::mpi::error::error", "the exception repro::mpi throws; built by repro only"));
    t.push_back(none("repro::mpi::error::code", "takes no argument"));
    return t;
}
#endif

std::vector<entry> table() {
    std::vector<entry> all;
    for (auto part : {reductions, layers, products, sequences, randomness, comparisons, readers, harnesses, scalars
#ifdef REPRO_TEST_MPI
                      ,
                      distributed
#endif
         })
        for (auto& x : part()) all.push_back(std::move(x));
    return all;
}

// "repro::kv_cache::kv_cache" -> "kv_cache"; "repro::math::exp" -> "math::exp"
std::string message_prefix(const std::string& name) {
    std::string n = name.substr(std::string("repro::").size());
    const size_t last = n.rfind("::");
    if (last != std::string::npos && n.compare(last + 2, std::string::npos, n, 0, last) == 0 && n.find("::") == last)
        n = n.substr(0, last);  // a constructor: the class name
    return "repro::" + n + ":";
}

}  // namespace

TEST_CASE("every bad call throws the documented exception, naming the function and the argument") {
    // REPRO_BAD_INPUT_TRACE=1 names each call before it runs: the one a crash interrupted is the last
    const bool trace = std::getenv("REPRO_BAD_INPUT_TRACE") != nullptr;
    for (const entry& en : table()) {
        for (const bad_call& c : en.calls) {
            if (trace) std::fprintf(stderr, "%s: %s\n", en.name.c_str(), c.what.c_str());
            CAPTURE(en.name);
            CAPTURE(c.what);
            if (c.expected == nullptr) {
                CHECK_NOTHROW(c.call());
                continue;
            }
            bool threw = false;
            try {
                c.call();
            } catch (const std::exception& ex) {
                threw = true;
                const std::string message = ex.what();
                CAPTURE(message);
                CHECK_MESSAGE(typeid(ex) == *c.expected,
                              "threw " << typeid(ex).name() << ", expected " << c.expected->name());
                CHECK(message.rfind(message_prefix(en.name), 0) == 0);
                CHECK(message.find(c.argument) != std::string::npos);
            }
            CHECK_MESSAGE(threw, "did not throw");
        }
    }
}

TEST_CASE("an entry point without bad calls says why") {
    for (const entry& en : table()) {
        CAPTURE(en.name);
        CHECK((en.calls.empty() != en.no_bad_input.empty()));
    }
}

TEST_CASE("every public entry point is in the bad-input table") {
#ifndef REPRO_ENTRY_POINTS_FILE
    MESSAGE("built without the entry-point list (needs clang++ and python3); the table is not checked for gaps");
#else
    std::ifstream in(REPRO_ENTRY_POINTS_FILE);
    REQUIRE(in);
    std::set<std::string> declared, listed;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) declared.insert(line);
    REQUIRE(declared.size() > 100);
    for (const entry& en : table()) listed.insert(en.name);
    for (const std::string& n : declared) {
        CAPTURE(n);
        CHECK_MESSAGE(listed.count(n) == 1, "a public entry point the bad-input table does not list");
    }
    for (const std::string& n : listed) {
        CAPTURE(n);
        CHECK_MESSAGE(declared.count(n) == 1, "listed, but no public header declares it");
    }
#endif
}
