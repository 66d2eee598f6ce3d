// Data-parallel training on Fashion-MNIST over MPI, run with mpirun -np R.
//
// A 784-64-10 MLP trained with SGD; each global batch of `batch` samples is
// split over the ranks (as evenly as the counts allow: 64 samples on 3 ranks
// are 21 + 21 + 22), every rank computes the per-sample gradients of its
// samples and the ranks sum them. Two models are trained side by side from
// the same keyed initial weights:
//   repro  the per-sample gradients summed by repro::mpi::allreduce_exact
//          (the correctly rounded sum over all samples of all ranks)
//   plain  each rank sums its samples' gradients in float, then
//          MPI_Allreduce(MPI_SUM) sums the ranks - what data-parallel code
//          does without repro
// The forward pass is repro::linear (bitwise the same for a sample in any
// batch), so the only difference between the two is the gradient sum.
// Rank 0 prints one line with both models' weight hashes; run.sh runs
// R = 1..4 and prints the table: repro's hash is the same for every R, the
// plain one is not.

#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/linalg.hpp>
#include <repro/mpi.hpp>
#include <repro/nn.hpp>
#include <repro/random.hpp>

#include "../fashion_mnist/idx.hpp"

namespace {

constexpr std::size_t in = 784, hidden = 64, classes = 10;
constexpr std::size_t w1_size = hidden * in, params = hidden * in + hidden + classes * hidden + classes;

struct options {
    std::string data = "/usr/share/datasets/fashion-mnist";
    std::size_t steps = 1000, batch = 64;
    float learning_rate = 0.1f;
};

// Parameters in one vector: W1 (hidden x in), b1, W2 (classes x hidden), b2.
struct mlp {
    std::vector<float> p = std::vector<float>(params, 0.0f);
    const float* w1() const { return p.data(); }
    const float* b1() const { return p.data() + w1_size; }
    const float* w2() const { return b1() + hidden; }
    const float* b2() const { return w2() + classes * hidden; }

    // He initialisation from a keyed stream: the same weights on every rank.
    static mlp initial() {
        mlp m;
        const repro::random_stream s(repro::random_key::from_seed(7), 0);
        s.fill_normal(m.p.data(), w1_size);
        for (std::size_t i = 0; i < w1_size; ++i) m.p[i] *= std::sqrt(2.0f / in);
        float* w2 = m.p.data() + w1_size + hidden;
        s.fill_normal(w2, classes * hidden, w1_size);
        for (std::size_t i = 0; i < classes * hidden; ++i) w2[i] *= std::sqrt(2.0f / hidden);
        return m;
    }

    // Hidden activations and logits of `rows` samples.
    void forward(const float* x, std::size_t rows, std::vector<float>& h, std::vector<float>& logits) const {
        h.resize(rows * hidden);
        logits.resize(rows * classes);
        repro::linear(x, w1(), b1(), h.data(), rows, in, hidden, repro::activation::relu);
        repro::linear(h.data(), w2(), b2(), logits.data(), rows, hidden, classes, repro::activation::none);
    }

    std::uint64_t hash() const {  // FNV-1a of the weights' bytes
        std::uint64_t v = 0xcbf29ce484222325u;
        const auto* bytes = reinterpret_cast<const unsigned char*>(p.data());
        for (std::size_t i = 0; i < p.size() * sizeof(float); ++i) v = (v ^ bytes[i]) * 0x100000001b3u;
        return v;
    }
};

// Row s of g: sample s's gradient of the mean cross-entropy over the global
// batch (hence the 1 / batch), laid out as mlp::p.
void per_sample_gradients(const mlp& m, const float* x, const std::uint8_t* labels, std::size_t rows,
                          std::size_t batch, std::vector<float>& g) {
    std::vector<float> h, logits, prob(classes), dz(hidden);
    m.forward(x, rows, h, logits);
    g.assign(rows * params, 0.0f);
    for (std::size_t s = 0; s < rows; ++s) {
        float* gs = g.data() + s * params;
        repro::softmax(logits.data() + s * classes, prob.data(), 1, classes);
        prob[labels[s]] -= 1.0f;
        for (std::size_t o = 0; o < classes; ++o) prob[o] /= static_cast<float>(batch);
        float* gw1 = gs;
        float* gb1 = gs + w1_size;
        float* gw2 = gb1 + hidden;
        float* gb2 = gw2 + classes * hidden;
        const float* hs = h.data() + s * hidden;
        for (std::size_t o = 0; o < classes; ++o) {
            gb2[o] = prob[o];
            for (std::size_t f = 0; f < hidden; ++f) gw2[o * hidden + f] = prob[o] * hs[f];
        }
        for (std::size_t f = 0; f < hidden; ++f) {
            float d = 0.0f;  // the same fixed order for every sample
            for (std::size_t o = 0; o < classes; ++o) d += prob[o] * m.w2()[o * hidden + f];
            dz[f] = hs[f] > 0.0f ? d : 0.0f;
            gb1[f] = dz[f];
            for (std::size_t i = 0; i < in; ++i) gw1[f * in + i] = dz[f] * x[s * in + i];
        }
    }
}

float accuracy(const mlp& m, const std::vector<float>& x, const std::vector<std::uint8_t>& labels) {
    std::vector<float> h, logits;
    m.forward(x.data(), labels.size(), h, logits);
    std::size_t correct = 0;
    for (std::size_t s = 0; s < labels.size(); ++s) correct += repro::argmax(logits.data() + s * classes, classes) == labels[s];
    return static_cast<float>(correct) / static_cast<float>(labels.size());
}

void load(const std::string& dir, const char* set, std::vector<float>& x, std::vector<std::uint8_t>& y) {
    const auto images = fashion_mnist::read_idx(dir + "/" + set + "-images-idx3-ubyte.gz", 3);
    const auto labels = fashion_mnist::read_idx(dir + "/" + set + "-labels-idx1-ubyte.gz", 1);
    if (images.dims[1] * images.dims[2] != in || images.dims[0] != labels.dims[0])
        throw std::runtime_error(dir + ": " + set + " images are not 28 x 28 or do not match the labels");
    x.resize(images.values.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(images.values[i]) / 255.0f;
    y = labels.values;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
            return argv[++i];
        };
        if (a == "--data")
            o.data = value();
        else if (a == "--steps")
            o.steps = std::stoul(value());
        else if (a == "--batch")
            o.batch = std::stoul(value());
        else if (a == "--quick")
            o.steps = 60;
        else if (a == "--help") {
            std::printf("mpirun -np R data_parallel [--steps N (1000)] [--batch B (64)] [--quick] [--data DIR]\n");
            std::exit(0);
        } else
            throw std::invalid_argument("unknown argument " + a + " (--help lists them)");
    }
    if (o.batch == 0 || o.steps == 0) throw std::invalid_argument("--steps and --batch must be >= 1");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int status = 0;
    try {
        const options o = parse(argc, argv);
        std::vector<float> train_x, test_x;
        std::vector<std::uint8_t> train_y, test_y;
        load(o.data, "train", train_x, train_y);
        load(o.data, "t10k", test_x, test_y);

        mlp exact = mlp::initial(), plain = exact;
        std::vector<float> g, grad(params), local(params), summed(params);
        const double t0 = MPI_Wtime();
        for (std::size_t step = 0; step < o.steps; ++step) {
            // This rank's share of the global batch.
            const std::size_t first = step * o.batch % train_y.size();
            const std::size_t begin = o.batch * static_cast<std::size_t>(rank) / static_cast<std::size_t>(size);
            const std::size_t end = o.batch * static_cast<std::size_t>(rank + 1) / static_cast<std::size_t>(size);
            std::vector<float> x((end - begin) * in);
            std::vector<std::uint8_t> y(end - begin);
            for (std::size_t s = begin; s < end; ++s) {
                const std::size_t j = (first + s) % train_y.size();
                std::copy(train_x.begin() + static_cast<std::ptrdiff_t>(j * in),
                          train_x.begin() + static_cast<std::ptrdiff_t>((j + 1) * in), x.begin() + static_cast<std::ptrdiff_t>((s - begin) * in));
                y[s - begin] = train_y[j];
            }

            per_sample_gradients(exact, x.data(), y.data(), end - begin, o.batch, g);
            repro::mpi::allreduce_exact(g.data(), end - begin, grad.data(), params, MPI_COMM_WORLD);
            for (std::size_t i = 0; i < params; ++i) exact.p[i] -= o.learning_rate * grad[i];

            per_sample_gradients(plain, x.data(), y.data(), end - begin, o.batch, g);
            local.assign(params, 0.0f);
            for (std::size_t s = 0; s < end - begin; ++s)
                for (std::size_t i = 0; i < params; ++i) local[i] += g[s * params + i];
            MPI_Allreduce(local.data(), summed.data(), static_cast<int>(params), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            for (std::size_t i = 0; i < params; ++i) plain.p[i] -= o.learning_rate * summed[i];
        }
        const double seconds = MPI_Wtime() - t0;
        if (rank == 0)
            std::printf(
                "ranks %d | steps %zu x batch %zu | repro::mpi::allreduce_exact: weights %016llx, test accuracy "
                "%.4f | MPI_Allreduce(MPI_SUM): weights %016llx, test accuracy %.4f | %.1f s\n",
                size, o.steps, o.batch, static_cast<unsigned long long>(exact.hash()), accuracy(exact, test_x, test_y),
                static_cast<unsigned long long>(plain.hash()), accuracy(plain, test_x, test_y), seconds);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "data_parallel (rank %d): %s\n", rank, e.what());
        status = 1;
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
    return status;
}
