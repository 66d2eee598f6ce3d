#pragma once
// The demo's command line.

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "model.hpp"

#ifndef REPRO_FASHION_MNIST_OUT
#define REPRO_FASHION_MNIST_OUT "fashion_mnist"
#endif

namespace fashion_mnist {

enum class device { cpu, cuda };

struct options {
    std::string data_dir = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist
    std::string out_dir = REPRO_FASHION_MNIST_OUT;
    std::size_t epochs = 1;
    unsigned threads = 2;
    std::vector<std::size_t> batch_sizes{1, 32, 128};  // sorted, 1 always first: the reference
    architecture model = architecture::conv;
    device run_on = device::cpu;  // cuda: the CPU part, then the same model on the GPU
    bool quick = false;
    bool help = false;
};

inline std::string usage(const std::string& program) {
    const options d;
    return "usage: " + program +
           " [options]\n"
           "Trains a small Fashion-MNIST classifier with deterministic backprop, then evaluates the test set\n"
           "at several batch sizes in four configurations and shows which ones change a sample's logits.\n\n"
           "  --data DIR          the four *-idx?-ubyte.gz files (default " +
           d.data_dir +
           ",\n"
           "                      from Debian's dataset-fashion-mnist)\n"
           "  --epochs N          training epochs (default 1)\n"
           "  --threads N         threads for training and evaluation (default 2); the thread checks\n"
           "                      compare N with 1 (with 2 when N is 1)\n"
           "  --batch-sizes LIST  evaluation batch sizes, comma-separated (default 1,32,128; 1 is always run:\n"
           "                      it is the reference)\n"
           "  --model conv|mlp    conv: Conv2D 32 3x3 'same' + ReLU -> BatchNorm -> Dense 10 (default);\n"
           "                      mlp: Dense 64 + ReLU -> BatchNorm -> Dense 10\n"
           "  --device cpu|cuda   cuda: also run the trained model on the GPU, through repro::cuda (bitwise\n"
           "                      against the CPU) and through cuDNN + cuBLAS (default cpu)\n"
           "  --out DIR           where results.json and drift.svg go (default " +
           std::filesystem::proximate(d.out_dir).string() +
           ")\n"
           "  --quick             a few hundred training steps and 1000 test images, the same checks\n"
           "  --help              this text\n\n"
           "Exits with 1 when an invariance claim fails: configuration (c2) or (d) not bitwise identical\n"
           "at every batch size and thread count, (e) on the GPU (--device cuda) not the CPU's bits, or the\n"
           "weights trained on 1 and on N threads differ.\n";
}

namespace detail {

inline std::size_t parse_count(const std::string& option, const std::string& text, std::size_t max) {
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size() || text[0] == '-' || v < 1 || v > max)
        throw std::invalid_argument(option + " " + text + ": expected an integer in [1, " + std::to_string(max) + "]");
    return static_cast<std::size_t>(v);
}

}  // namespace detail

// Throws std::invalid_argument naming the option for unknown options, missing
// values and values out of range.
inline options parse_options(const std::vector<std::string>& args) {
    options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw std::invalid_argument(a + ": missing value");
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            o.help = true;
        } else if (a == "--quick") {
            o.quick = true;
        } else if (a == "--data") {
            o.data_dir = value();
        } else if (a == "--out") {
            o.out_dir = value();
        } else if (a == "--epochs") {
            o.epochs = detail::parse_count(a, value(), 1000);
        } else if (a == "--threads") {
            o.threads = static_cast<unsigned>(detail::parse_count(a, value(), 1024));
        } else if (a == "--model") {
            const std::string& m = value();
            if (m != "conv" && m != "mlp") throw std::invalid_argument("--model " + m + ": expected conv or mlp");
            o.model = m == "conv" ? architecture::conv : architecture::mlp;
        } else if (a == "--device") {
            const std::string& d = value();
            if (d != "cpu" && d != "cuda") throw std::invalid_argument("--device " + d + ": expected cpu or cuda");
            o.run_on = d == "cuda" ? device::cuda : device::cpu;
        } else if (a == "--batch-sizes") {
            const std::string& list = value();
            o.batch_sizes = {1};
            std::size_t start = 0;
            while (start <= list.size()) {
                const std::size_t comma = std::min(list.find(',', start), list.size());
                o.batch_sizes.push_back(detail::parse_count(a, list.substr(start, comma - start), 1 << 20));
                start = comma + 1;
            }
            std::sort(o.batch_sizes.begin(), o.batch_sizes.end());
            o.batch_sizes.erase(std::unique(o.batch_sizes.begin(), o.batch_sizes.end()), o.batch_sizes.end());
        } else {
            throw std::invalid_argument(a + ": unknown option");
        }
    }
    if (o.data_dir.empty() || o.out_dir.empty()) throw std::invalid_argument("--data and --out need a directory");
    return o;
}

}  // namespace fashion_mnist
