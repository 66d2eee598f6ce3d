// The demo's own pieces: the IDX reader on handmade files, the options, the
// backprop against central differences, thread-count independence of
// training, and the forward configurations the demo compares.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <repro/compare.hpp>
#include <repro/doctest.hpp>

#include "configurations.hpp"
#include "evaluation.hpp"
#include "idx.hpp"
#include "model.hpp"
#include "options.hpp"
#include "report.hpp"
#include "status_line.hpp"
#include "train.hpp"

namespace fm = fashion_mnist;

namespace {

std::vector<std::uint8_t> idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims,
                                    const std::vector<std::uint8_t>& values) {
    std::vector<std::uint8_t> b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (const std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
    b.insert(b.end(), values.begin(), values.end());
    return b;
}

void write_gzip(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    gzFile f = gzopen(path.string().c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

void write_plain(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> read_plain(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// A fresh directory under the system's temporary directory.
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& name) : path(std::filesystem::temp_directory_path() / name) {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

// Values in [-1, 1) from a repro stream.
template <class T>
std::vector<T> uniform(std::size_t n, std::uint64_t seed) {
    std::vector<T> v(n);
    repro::random_stream(repro::random_key::from_seed(seed), 0).fill_uniform(v.data(), n);
    for (T& x : v) x = T(2) * x - T(1);
    return v;
}

// A small data set of random images whose label is the brightest quarter of
// the image (learnable, so training moves the weights in a definite way).
fm::dataset synthetic(std::size_t count, std::size_t side, std::uint64_t seed) {
    fm::dataset d;
    d.count = count;
    d.height = d.width = side;
    d.images = uniform<float>(count * side * side, seed);
    for (float& x : d.images) x = 0.5f * (x + 1.0f);
    for (std::size_t i = 0; i < count; ++i) {
        double q[4] = {0, 0, 0, 0};
        for (std::size_t y = 0; y < side; ++y)
            for (std::size_t x = 0; x < side; ++x) q[2 * (2 * y >= side) + (2 * x >= side)] += d.image(i)[y * side + x];
        d.labels.push_back(static_cast<std::uint8_t>(std::max_element(q, q + 4) - q));
    }
    return d;
}

fm::trained_model small_model(fm::architecture a, std::size_t side, std::uint64_t seed) {
    const fm::model_shape m = fm::make_shape(a, side, side, 4);
    fm::trained_model tm{m, fm::initial_parameters<float>(m, repro::random_key::from_seed(seed)), {}, 1e-3f};
    const std::vector<float> u = uniform<float>(4 * m.channels(), seed + 1);
    for (std::size_t c = 0; c < m.channels(); ++c) {
        tm.params.b1[c] = 0.1f * u[c];
        tm.params.gamma[c] = 1.0f + 0.5f * u[m.channels() + c];
        tm.params.beta[c] = 0.3f * u[2 * m.channels() + c];
        tm.stats.mean.push_back(0.4f + 0.2f * u[3 * m.channels() + c]);
        tm.stats.var.push_back(0.5f + 0.25f * u[c]);
    }
    for (float& b : tm.params.b2) b = 0.05f;
    return tm;
}

std::vector<float> run(const fm::pipeline& model, const std::vector<float>& x, std::size_t batch,
                       const std::vector<std::uint64_t>& ids, std::size_t classes) {
    std::vector<float> y(batch * classes);
    model.forward()(x.data(), ids.data(), batch, y.data());
    return y;
}

}  // namespace

TEST_CASE("load_split reads gzip IDX files, scales the images to [0, 1] and keeps the labels") {
    temp_dir dir("repro_fashion_mnist_idx_ok");
    const std::vector<std::uint8_t> pixels{0, 255, 51, 102, 7, 9, 200, 1, 2, 3, 4, 5};  // 2 images of 2x3
    write_gzip(dir.path / "t10k-images-idx3-ubyte.gz", idx_bytes(0x08, {2, 2, 3}, pixels));
    write_gzip(dir.path / "t10k-labels-idx1-ubyte.gz", idx_bytes(0x08, {2}, {7, 3}));
    const fm::dataset d = fm::load_split(dir.path.string(), "t10k");
    CHECK(d.count == 2);
    CHECK(d.height == 2);
    CHECK(d.width == 3);
    REQUIRE(d.images.size() == pixels.size());
    for (std::size_t i = 0; i < pixels.size(); ++i) CHECK(d.images[i] == static_cast<float>(pixels[i]) / 255.0f);
    CHECK(d.labels == std::vector<std::uint8_t>{7, 3});
    CHECK(d.image(1)[0] == 200.0f / 255.0f);
}

TEST_CASE("read_idx reads an uncompressed IDX file as it is") {
    temp_dir dir("repro_fashion_mnist_idx_plain");
    write_plain(dir.path / "labels", idx_bytes(0x08, {3}, {1, 2, 9}));
    const fm::idx_array a = fm::read_idx((dir.path / "labels").string(), 1);
    CHECK(a.dims == std::vector<std::size_t>{3});
    CHECK(a.values == std::vector<std::uint8_t>{1, 2, 9});
}

TEST_CASE("read_idx rejects a wrong magic number, sizes that do not match, and a cut gzip stream") {
    temp_dir dir("repro_fashion_mnist_idx_bad");
    const std::filesystem::path p = dir.path / "f.gz";

    write_gzip(p, idx_bytes(0x08, {4}, {1, 2, 3, 4}));
    std::string e = error_of([&] { fm::read_idx(p.string(), 3); });
    CHECK(e.find("magic number 0x00000801, expected 0x00000803") != std::string::npos);

    write_gzip(p, idx_bytes(0x0d, {4}, {1, 2, 3, 4}));  // 0x0d: float values
    CHECK(error_of([&] { fm::read_idx(p.string(), 1); }).find("magic number 0x00000d01") != std::string::npos);

    write_gzip(p, idx_bytes(0x08, {3, 2, 2}, std::vector<std::uint8_t>(11, 5)));
    e = error_of([&] { fm::read_idx(p.string(), 3); });
    CHECK(e.find("announces 12 values, the file holds 11") != std::string::npos);

    write_gzip(p, idx_bytes(0x08, {2}, {1, 2, 3}));
    CHECK(error_of([&] { fm::read_idx(p.string(), 1); }).find("announces 2 values, the file holds 3") !=
          std::string::npos);

    write_gzip(p, {0, 0, 8, 3, 0, 0});
    CHECK(error_of([&] { fm::read_idx(p.string(), 3); }).find("header cut short") != std::string::npos);

    write_gzip(p, idx_bytes(0x08, {1000}, std::vector<std::uint8_t>(1000, 77)));
    std::vector<std::uint8_t> gz = read_plain(p);
    gz.resize(gz.size() / 2);
    write_plain(p, gz);
    CHECK(error_of([&] { fm::read_idx(p.string(), 1); }).find("not a readable gzip stream") != std::string::npos);

    CHECK_THROWS_AS(fm::read_idx(p.string(), 0), std::invalid_argument);
}

TEST_CASE("load_split names the Debian package and --data when a file is missing, and checks the labels") {
    temp_dir dir("repro_fashion_mnist_idx_missing");
    std::string e = error_of([&] { fm::load_split(dir.path.string(), "train"); });
    CHECK(e.find("train-images-idx3-ubyte.gz") != std::string::npos);
    CHECK(e.find("apt-get install dataset-fashion-mnist") != std::string::npos);
    CHECK(e.find("--data DIR") != std::string::npos);

    write_gzip(dir.path / "train-images-idx3-ubyte.gz", idx_bytes(0x08, {2, 1, 1}, {1, 2}));
    write_gzip(dir.path / "train-labels-idx1-ubyte.gz", idx_bytes(0x08, {3}, {1, 2, 3}));
    CHECK(error_of([&] { fm::load_split(dir.path.string(), "train"); }).find("3 labels for 2 images") !=
          std::string::npos);
    write_gzip(dir.path / "train-labels-idx1-ubyte.gz", idx_bytes(0x08, {2}, {1, 10}));
    CHECK(error_of([&] { fm::load_split(dir.path.string(), "train"); }).find("label 10 of sample 1") !=
          std::string::npos);
}

TEST_CASE("parse_options reads every option and names the one that is wrong") {
    const fm::options o = fm::parse_options({"--data", "d", "--out", "o", "--epochs", "3", "--threads", "4",
                                             "--batch-sizes", "32,8,32", "--model", "mlp", "--quick"});
    CHECK(o.data_dir == "d");
    CHECK(o.out_dir == "o");
    CHECK(o.epochs == 3);
    CHECK(o.threads == 4);
    CHECK(o.batch_sizes == std::vector<std::size_t>{1, 8, 32});
    CHECK(o.model == fm::architecture::mlp);
    CHECK(o.quick);
    CHECK_FALSE(o.help);
    CHECK(fm::parse_options({"--help"}).help);
    CHECK(error_of([] { fm::parse_options({"--threads", "0"}); }).find("--threads 0") != std::string::npos);
    CHECK(error_of([] { fm::parse_options({"--epochs", "2x"}); }).find("--epochs 2x") != std::string::npos);
    CHECK(error_of([] { fm::parse_options({"--batch-sizes", "4,,8"}); }).find("--batch-sizes") != std::string::npos);
    CHECK(error_of([] { fm::parse_options({"--model", "rnn"}); }).find("--model rnn") != std::string::npos);
    CHECK(error_of([] { fm::parse_options({"--out"}); }).find("--out: missing value") != std::string::npos);
    CHECK(error_of([] { fm::parse_options({"--fast"}); }).find("--fast: unknown option") != std::string::npos);
    CHECK(fm::parse_options({}).run_on == fm::device::cpu);
    CHECK(fm::parse_options({"--device", "cuda"}).run_on == fm::device::cuda);
    CHECK(fm::parse_options({"--device", "cuda", "--device", "cpu"}).run_on == fm::device::cpu);
    CHECK(error_of([] {
              fm::parse_options({"--device", "gpu"});
          }).find("--device gpu: expected cpu or cuda") != std::string::npos);
    CHECK(error_of([] { fm::parse_options({"--device"}); }).find("--device: missing value") != std::string::npos);
}

TEST_CASE("im2col then repro::linear gives repro::conv2d's bits, for the conv and the mlp first layer") {
    for (const fm::architecture a : {fm::architecture::conv, fm::architecture::mlp}) {
        const fm::trained_model tm = small_model(a, 7, 11);
        const fm::model_shape& m = tm.shape;
        const std::size_t batch = 3, rows = batch * m.spatial();
        const std::vector<float> x = uniform<float>(batch * m.input(), 12);
        std::vector<float> patches(rows * m.patch()), by_linear(rows * m.channels()), by_conv(rows * m.channels());
        fm::im2col(x.data(), batch, m.first, patches.data());
        repro::linear(patches.data(), tm.params.w1.data(), tm.params.b1.data(), by_linear.data(), rows, m.patch(),
                      m.channels(), repro::activation::relu);
        fm::first_layer(m, tm.params, x.data(), batch, by_conv.data(), repro::threads{2});
        REPRO_CHECK_BITWISE_EQ(by_linear, by_conv);
    }
}

TEST_CASE("dense_layer gives repro::linear's bits") {
    const std::size_t in = 37, out = 10, batch = 5;
    const std::vector<float> w = uniform<float>(out * in, 21), b = uniform<float>(out, 22),
                             z = uniform<float>(batch * in, 23);
    std::vector<float> expected(batch * out), actual(batch * out);
    repro::linear(z.data(), w.data(), b.data(), expected.data(), batch, in, out);
    fm::dense_layer<float>(w, b, out, in).forward(z.data(), batch, actual.data(), repro::threads{3});
    REPRO_CHECK_BITWISE_EQ(actual, expected);
    CHECK_THROWS_AS(fm::dense_layer<float>(w, b, out, in + 1), std::invalid_argument);
}

TEST_CASE("the backprop gradient matches central differences of the loss (BatchNorm on batch statistics, dropout)") {
    for (const fm::architecture a : {fm::architecture::conv, fm::architecture::mlp}) {
        CAPTURE(int(a));
        const fm::model_shape m = fm::make_shape(a, 5, 5, 3);
        fm::parameters<double> p = fm::initial_parameters<double>(m, repro::random_key::from_seed(31));
        const std::vector<double> u = uniform<double>(2 * m.channels() + m.classes, 32);
        for (std::size_t c = 0; c < m.channels(); ++c) {
            p.gamma[c] = 1.0 + 0.5 * u[c];
            p.beta[c] = 0.2 * u[m.channels() + c];
            p.b1[c] = 0.1;  // keeps most units away from ReLU's kink
        }
        for (std::size_t o = 0; o < m.classes; ++o) p.b2[o] = 0.1 * u[2 * m.channels() + o];
        const std::size_t batch = 4;
        std::vector<double> x = uniform<double>(batch * m.input(), 33);
        for (double& v : x) v = 0.5 * (v + 1.0);
        const std::vector<std::uint8_t> labels{0, 2, 1, 2};
        const std::vector<std::uint64_t> ids{5, 9, 2, 14};
        fm::training_options o;
        o.dropout = 0.25;

        auto loss = [&](const fm::parameters<double>& q) {
            fm::trainer<double> tr(m, q, o, repro::threads{1});
            fm::parameters<double> g = fm::zeros_like(q);
            return tr.gradients(x.data(), labels.data(), ids.data(), batch, 3, g).loss;
        };
        fm::trainer<double> tr(m, p, o, repro::threads{1});
        fm::parameters<double> grad = fm::zeros_like(p);
        tr.gradients(x.data(), labels.data(), ids.data(), batch, 3, grad);

        const double h = 1e-6;
        for (std::size_t t = 0; t < 6; ++t) {
            const std::size_t n = p.tensors()[t]->size();
            for (std::size_t i = 0; i < n; i += std::max<std::size_t>(1, n / 7)) {
                fm::parameters<double> plus = p, minus = p;
                (*plus.tensors()[t])[i] += h;
                (*minus.tensors()[t])[i] -= h;
                const double numeric = (loss(plus) - loss(minus)) / (2 * h);
                const double analytic = (*grad.tensors()[t])[i];
                CAPTURE(t);
                CAPTURE(i);
                CHECK(analytic == doctest::Approx(numeric).epsilon(1e-5).scale(1e-3));
            }
        }
    }
}

TEST_CASE("training gives the same weights on 1, 2 and 3 threads, and moves them") {
    const fm::dataset d = synthetic(150, 8, 41);
    const fm::model_shape m = fm::make_shape(fm::architecture::conv, 8, 8, 4);
    const fm::parameters<float> init = fm::initial_parameters<float>(m, repro::random_key::from_seed(42));
    fm::training_options o;
    o.batch = 16;
    std::vector<std::uint64_t> hashes;
    float first_loss = 0, last_loss = 0;
    for (const unsigned t : {1u, 2u, 3u}) {
        fm::trainer<float> tr(m, init, o, repro::threads{t});
        fm::fit<float>(tr, d, 3, 25, [&](std::size_t s, std::size_t total, const fm::batch_result<float>& r) {
            if (s == 1) first_loss = r.loss;
            if (s == total) last_loss = r.loss;
        });
        CHECK(tr.steps() == 25);
        hashes.push_back(fm::fnv1a(tr.params()));
    }
    CHECK(hashes[0] == hashes[1]);
    CHECK(hashes[0] == hashes[2]);
    CHECK(hashes[0] != fm::fnv1a(init));
    CHECK(last_loss < first_loss);
}

TEST_CASE("population_norm_statistics is the same for any batching") {
    const fm::dataset d = synthetic(20, 6, 51);
    const fm::trained_model tm = small_model(fm::architecture::conv, 6, 52);
    const fm::norm_statistics<float> a =
        fm::population_norm_statistics(tm.shape, tm.params, d, 20, 20, repro::threads{1});
    const fm::norm_statistics<float> b =
        fm::population_norm_statistics(tm.shape, tm.params, d, 20, 3, repro::threads{2});
    REPRO_CHECK_BITWISE_EQ(a.mean, b.mean);
    REPRO_CHECK_BITWISE_EQ(a.var, b.var);
    // channel 0 recomputed in double from the first layer's outputs
    std::vector<float> h(20 * tm.shape.spatial() * tm.shape.channels());
    fm::first_layer(tm.shape, tm.params, d.images.data(), 20, h.data(), repro::threads{1});
    double sum = 0, squares = 0;
    const std::size_t rows = 20 * tm.shape.spatial();
    for (std::size_t r = 0; r < rows; ++r) sum += h[r * tm.shape.channels()];
    const double mean = sum / double(rows);
    for (std::size_t r = 0; r < rows; ++r)
        squares += (h[r * tm.shape.channels()] - mean) * (h[r * tm.shape.channels()] - mean);
    CHECK(a.mean[0] == doctest::Approx(mean).epsilon(1e-6));
    CHECK(a.var[0] == doctest::Approx(squares / double(rows)).epsilon(1e-5));
}

TEST_CASE("the folded dense layer computes BatchNorm followed by the dense layer") {
    for (const fm::architecture a : {fm::architecture::conv, fm::architecture::mlp}) {
        const fm::trained_model tm = small_model(a, 6, 61);
        const std::size_t batch = 4, classes = tm.shape.classes;
        const std::vector<float> x = uniform<float>(batch * tm.shape.input(), 62);
        const std::vector<std::uint64_t> ids{0, 1, 2, 3};
        // unfolded: keyed dropout with p = 0 is the identity
        const std::vector<float> unfolded =
            run(fm::keyed_dropout_model(tm, 0.0, {}, repro::threads{1}), x, batch, ids, classes);
        const std::vector<float> folded = run(fm::folded_model(tm, repro::threads{1}), x, batch, ids, classes);
        REPRO_CHECK_CLOSE(folded, unfolded, repro::tolerance::close(1e-5, 1e-5));
        const std::vector<float> eigen = run(fm::eigen_model(tm), x, batch, ids, classes);
        REPRO_CHECK_CLOSE(eigen, unfolded, repro::tolerance::close(1e-5, 1e-5));
    }
}

TEST_CASE("configurations: (d) and (c2) give a sample the same bits in any batch, (a) and (c1) do not") {
    const fm::trained_model tm = small_model(fm::architecture::conv, 6, 71);
    const std::size_t classes = tm.shape.classes, in = tm.shape.input(), batch = 5;
    const std::vector<float> x = uniform<float>(batch * in, 72);
    const std::vector<std::uint64_t> ids{10, 11, 12, 13, 14};
    const repro::random_key key = repro::random_key::from_seed(73);
    auto alone_vs_batched = [&](const fm::pipeline& f) {
        const std::vector<float> batched = run(f, x, batch, ids, classes);
        const std::vector<float> last(x.end() - static_cast<std::ptrdiff_t>(in), x.end());
        const std::vector<float> alone = run(f, last, 1, {ids.back()}, classes);
        return repro::compare(repro::view(batched.data() + (batch - 1) * classes, classes),
                              repro::view(alone.data(), classes));
    };
    CHECK(alone_vs_batched(fm::folded_model(tm, repro::threads{2})).passed());
    CHECK(alone_vs_batched(fm::keyed_dropout_model(tm, 0.3, key, repro::threads{2})).passed());
    CHECK_FALSE(alone_vs_batched(fm::stream_dropout_model(tm, 0.3, key, repro::threads{2})).passed());
    CHECK_FALSE(alone_vs_batched(fm::batch_statistics_model(tm, repro::threads{2})).passed());
    // (d) on 1 and on 3 threads
    const std::vector<float> one = run(fm::folded_model(tm, repro::threads{1}), x, batch, ids, classes);
    const std::vector<float> three = run(fm::folded_model(tm, repro::threads{3}), x, batch, ids, classes);
    REPRO_CHECK_BITWISE_EQ(one, three);
}

TEST_CASE("(e) is repro::conv2d + ReLU, repro::batch_norm and repro::linear, bit for bit, at any batch size") {
    // The GPU part (--device cuda) runs repro::cuda's twins of exactly these
    // three calls and compares its logits with (e)'s.
    for (const fm::architecture a : {fm::architecture::conv, fm::architecture::mlp}) {
        const fm::trained_model tm = small_model(a, 7, 91);
        const fm::model_shape& m = tm.shape;
        const std::size_t batch = 5, F = m.features();
        const std::vector<float> x = uniform<float>(batch * m.input(), 92);
        const std::vector<std::uint64_t> ids{0, 1, 2, 3, 4};
        repro::conv2d_shape s = m.first;
        s.n = batch;
        std::vector<float> h(batch * F), z(batch * F), expected(batch * m.classes);
        repro::conv2d(x.data(), tm.params.w1.data(), tm.params.b1.data(), h.data(), s, repro::activation::relu);
        repro::batch_norm(h.data(), z.data(), batch * m.spatial(), m.channels(), tm.stats.mean.data(),
                          tm.stats.var.data(), tm.params.gamma.data(), tm.params.beta.data(), tm.norm_eps,
                          repro::batch_norm_mode::inference);
        repro::linear(z.data(), tm.params.w2.data(), tm.params.b2.data(), expected.data(), batch, F, m.classes);
        for (const unsigned t : {1u, 2u}) {
            const fm::pipeline e = fm::inference_model(tm, repro::threads{t});
            REPRO_CHECK_BITWISE_EQ(run(e, x, batch, ids, m.classes), expected);
            for (std::size_t i = 0; i < batch; ++i) {  // each image alone
                const std::vector<float> xi(x.begin() + static_cast<std::ptrdiff_t>(i * m.input()),
                                            x.begin() + static_cast<std::ptrdiff_t>((i + 1) * m.input()));
                const std::vector<float> yi(expected.begin() + static_cast<std::ptrdiff_t>(i * m.classes),
                                            expected.begin() + static_cast<std::ptrdiff_t>((i + 1) * m.classes));
                REPRO_CHECK_BITWISE_EQ(run(e, xi, 1, {ids[i]}, m.classes), yi);
            }
        }
    }
}

TEST_CASE("the table and results.json name a GPU configuration's device instead of its threads") {
    const fm::dataset test = synthetic(6, 6, 101);
    const fm::trained_model tm = small_model(fm::architecture::conv, 6, 102);
    std::vector<fm::configuration> configs;
    configs.push_back({"e", "(e) cpu", 3, true, 0, fm::inference_model(tm, repro::threads{1})});
    configs.push_back({"e", "(e) gpu", 1, true, 0, fm::inference_model(tm, repro::threads{1}), true});
    const std::vector<fm::evaluation_row> rows = fm::evaluate(configs, test, 6, {1, 4}, tm.shape.classes);
    const std::vector<repro::invariance_report> diagnoses(2);
    const std::string table = fm::results_table(configs, rows, diagnoses, 6);
    CHECK(table.find("(e) cpu                                  3      1") != std::string::npos);
    CHECK(table.find("(e) gpu                                GPU      1") != std::string::npos);

    fm::training_summary t;
    std::string json = fm::results_json(t, configs, rows, diagnoses, true);
    CHECK(json.find("\"label\": \"(e) cpu\", \"threads\": 3,") != std::string::npos);
    CHECK(json.find("\"label\": \"(e) gpu\", \"device\": \"cuda\",") != std::string::npos);
    CHECK(json.find("\"gpu\":") == std::string::npos);  // no GPU part ran
    t.gpu_device = "a GPU";
    t.softmax_images = 6;
    t.softmax_bitwise = {{1, 6}, {4, 5}};
    json = fm::results_json(t, configs, rows, diagnoses, true);
    CHECK(json.find("\"gpu\": {\"device\": \"a GPU\", \"softmax\": [{\"batch\": 1, \"images\": 6, "
                    "\"bitwise_equal\": 6}, {\"batch\": 4, \"images\": 6, \"bitwise_equal\": 5}]},") !=
          std::string::npos);
    const std::string svg = fm::drift_svg(configs, rows, {1, 4});
    CHECK(svg.find(">3 thr.<") != std::string::npos);
    CHECK(svg.find(">GPU<") != std::string::npos);
}

TEST_CASE("evaluate runs a shared body once per batch without mixing up the heads, and counts drifting rows") {
    const fm::dataset test = synthetic(12, 6, 81);
    const fm::trained_model tm = small_model(fm::architecture::conv, 6, 82);
    const repro::random_key key = repro::random_key::from_seed(83);
    std::vector<fm::configuration> configs;
    configs.push_back({"c1", "stream", 1, false, 0, fm::stream_dropout_model(tm, 0.3, key, repro::threads{1})});
    configs.push_back({"d", "folded", 1, true, 1, fm::folded_model(tm, repro::threads{1})});
    configs.push_back({"d", "folded", 2, true, 1, fm::folded_model(tm, repro::threads{2})});
    CHECK(configs[0].model.body_key == configs[1].model.body_key);
    const std::vector<fm::evaluation_row> rows = fm::evaluate(configs, test, 12, {1, 5}, tm.shape.classes);
    REQUIRE(rows.size() == 6);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i].configuration == i / 2);
        CHECK(rows[i].batch == (i % 2 ? 5u : 1u));
    }
    // batches of 5: the first image of each batch (0, 5, 10) reads the stream where batch 1 does
    CHECK(rows[1].rows_bitwise == 3);
    for (std::size_t i = 2; i < rows.size(); ++i) CHECK(rows[i].bitwise());

    const std::vector<std::uint64_t> ids{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    const std::vector<float> logits = run(configs[1].model, test.images, 12, ids, tm.shape.classes);
    CHECK(rows[3].accuracy == fm::accuracy(logits.data(), test, 12, tm.shape.classes));
}

namespace {
// What a status_line wrote into a temporary file.
template <class Write>
std::string status_output(bool terminal, double interval_s, Write write) {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    {
        fm::status_line line(f, terminal, interval_s);
        write(line);
    }
    std::rewind(f);
    std::string text;
    for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
    std::fclose(f);
    return text;
}
}  // namespace

TEST_CASE("the status line is redrawn on a terminal and written as rare whole lines in a log") {
    auto three_updates = [](fm::status_line& line) {
        line.show("step 1");
        line.show("step 2");
        line.show("step 3 of 3", true);
    };
    // a terminal: every update, in place, the last one ended by a newline
    CHECK(status_output(true, 5.0, three_updates) == "\rstep 1\rstep 2\rstep 3 of 3\n");
    // a log: the first update, then nothing for 5 s but the final one; no carriage return
    CHECK(status_output(false, 5.0, three_updates) == "step 1\nstep 3 of 3\n");
    // a log with no wait between lines: every update, one line each
    CHECK(status_output(false, 0.0, three_updates) == "step 1\nstep 2\nstep 3 of 3\n");
    // a shorter text is padded over the longer one it replaces; clear() blanks the line
    CHECK(status_output(true, 5.0, [](fm::status_line& line) {
              line.show("long text");
              line.show("short");
              line.clear();
          }) == "\rlong text\rshort    \r     \r");
}
