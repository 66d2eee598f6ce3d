// repro's Fashion-MNIST demo: train a small classifier with deterministic
// backprop, then show which ways of running it change a test image's logits
// with the batch it runs in, and why (repro::check_batch_invariance).
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "configurations.hpp"
#include "evaluation.hpp"
#include "idx.hpp"
#include "model.hpp"
#include "options.hpp"
#include "report.hpp"
#include "status_line.hpp"
#include "train.hpp"
#ifdef REPRO_FASHION_MNIST_CUDA
#include "gpu.hpp"
#endif

namespace fm = fashion_mnist;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// One status line (fm::status_line: redrawn on a terminal, a line every few
// seconds in a log) updated when the percentage changes: bar, steps, running
// loss and accuracy (exponential averages over about 50 steps), time.
class progress_bar {
public:
    explicit progress_bar(std::size_t total) : total_(total) {}

    void update(std::size_t step, const fm::batch_result<float>& r) {
        const double acc = r.samples ? double(r.correct) / double(r.samples) : 0.0;
        loss_ = step == 1 ? r.loss : 0.98 * loss_ + 0.02 * r.loss;
        acc_ = step == 1 ? acc : 0.98 * acc_ + 0.02 * acc;
        const std::size_t percent = 100 * step / total_;
        if (percent == shown_ && step != total_) return;
        shown_ = percent;
        const std::size_t filled = 30 * step / total_;
        char text[160];
        std::snprintf(text, sizeof text, "  [%s%s] %3zu%%  %zu/%zu steps  loss %.3f  acc %.1f%%  %.0f s",
                      std::string(filled, '#').c_str(), std::string(30 - filled, '-').c_str(), percent, step, total_,
                      loss_, 100.0 * acc_, seconds_since(start_));
        line_.show(text, step == total_);
    }

private:
    fm::status_line line_;
    std::size_t total_, shown_ = ~std::size_t(0);
    double loss_ = 0, acc_ = 0;
    clock_type::time_point start_ = clock_type::now();
};

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

// Words in lines of at most `width` characters, every line after the first indented.
std::string wrap(const std::string& text, std::size_t width, const std::string& indent) {
    std::string out, line;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = indent;
        }
        line += (line.empty() || line == indent ? "" : " ") + word;
        start = end + 1;
    }
    return out + line;
}

std::string threads_text(unsigned n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); }

// --device cuda: whether the GPU part runs; prints one line either way.
bool gpu_part_runs(const fm::options& opt) {
    if (opt.run_on != fm::device::cuda) return false;
#ifdef REPRO_FASHION_MNIST_CUDA
    const std::string missing = fm::gpu::unavailable();
    if (missing.empty()) {
        std::printf("GPU: %s\n", fm::gpu::describe().c_str());
        return true;
    }
    std::printf("--device cuda: %s; running the CPU part only\n", missing.c_str());
#else
    std::printf("--device cuda: this build has no GPU part (built without nvcc); running the CPU part only\n");
#endif
    return false;
}

int run(const fm::options& opt) {
    const fm::dataset train = fm::load_split(opt.data_dir, "train");
    const fm::dataset test = fm::load_split(opt.data_dir, "t10k");
    if (test.height != train.height || test.width != train.width)
        throw std::runtime_error("the training and test images differ in size");
    const fm::model_shape shape = fm::make_shape(opt.model, train.height, train.width);
    const unsigned threads = opt.threads, other = threads > 1 ? 1 : 2;

    const fm::training_options to;
    const std::size_t per_epoch = (train.count + to.batch - 1) / to.batch;
    const std::size_t steps = opt.quick ? std::min<std::size_t>(300, opt.epochs * per_epoch) : opt.epochs * per_epoch;
    const std::size_t prefix = std::min<std::size_t>(opt.quick ? 50 : 100, steps);
    const std::size_t test_images = opt.quick ? std::min<std::size_t>(1000, test.count) : test.count;
    const std::size_t diagnosed = std::min<std::size_t>(opt.quick ? 32 : 64, test_images);
    const std::size_t norm_images = std::min<std::size_t>(opt.quick ? 512 : 2048, train.count);

    std::printf("repro Fashion-MNIST demo%s: %s, float, NHWC\n", opt.quick ? " (quick)" : "", fm::describe(opt.model));
    std::printf("data: %s (%zu training, %zu test images of %zux%zu)\n", opt.data_dir.c_str(), train.count, test.count,
                train.height, train.width);
    [[maybe_unused]] const bool on_gpu = gpu_part_runs(opt);
    std::printf("\n");

    const double epochs = double(steps) / double(per_epoch);
    std::printf(
        "training: %zu steps (%.3g epoch%s) of %zu images on %s; Adam, lr %g; dropout %g keyed by (image, "
        "step);\n  BatchNorm on batch statistics; image order repro::permutation(seed %" PRIu64 ", epoch)\n",
        steps, epochs, epochs == 1 ? "" : "s", to.batch, threads_text(threads).c_str(), to.learning_rate, to.dropout,
        to.seed);
    const fm::parameters<float> init =
        fm::initial_parameters<float>(shape, repro::random_key::from_seed(to.seed).fold_in(0x696e6974u /* "init" */));
    fm::trainer<float> trainer(shape, init, to, repro::threads{threads});
    std::uint64_t prefix_hash = 0;
    progress_bar bar(steps);
    fm::fit<float>(trainer, train, opt.epochs, steps,
                   [&](std::size_t s, std::size_t, const fm::batch_result<float>& r) {
                       bar.update(s, r);
                       if (s == prefix) prefix_hash = fm::fnv1a(trainer.params());
                   });
    const std::uint64_t final_hash = fm::fnv1a(trainer.params());

    std::printf("thread check: the first %zu steps again on %s", prefix, threads_text(other).c_str());
    std::fflush(stdout);
    const auto check_start = clock_type::now();
    fm::trainer<float> check(shape, init, to, repro::threads{other});
    fm::fit<float>(check, train, opt.epochs, prefix);
    std::printf(" (%.0f s)\n", seconds_since(check_start));
    const std::uint64_t prefix_hash_other = fm::fnv1a(check.params());
    const bool weights_identical = prefix_hash == prefix_hash_other;
    std::printf("  weights after %zu steps (FNV-1a of every parameter byte): %016" PRIx64 " on %s, %016" PRIx64
                " on %s: %s\n",
                prefix, prefix_hash, threads_text(threads).c_str(), prefix_hash_other, threads_text(other).c_str(),
                weights_identical ? "bitwise identical" : "DIFFERENT");
    std::printf("  weights after all %zu steps: %016" PRIx64 "\n", steps, final_hash);

    const auto norm_start = clock_type::now();
    const fm::trained_model model{
        shape, trainer.params(),
        fm::population_norm_statistics(shape, trainer.params(), train, norm_images, 128, repro::threads{threads}),
        static_cast<float>(to.norm_eps)};
    std::printf(
        "BatchNorm inference statistics: exact per-channel mean and variance of the first %zu training "
        "images\n  (repro::population_statistics, %.0f s)\n\n",
        norm_images, seconds_since(norm_start));

    const double p = 0.1;
    const repro::random_key mc_key = repro::random_key::from_seed(to.seed).fold_in(0x6d63u /* "mc" */);
    const repro::threads t{threads}, t_other{other};
    std::vector<fm::configuration> configs;
    configs.push_back({"a", "(a) BatchNorm in training mode", threads, false, 0, fm::batch_statistics_model(model, t)});
    configs.push_back({"b", "(b) Eigen, inference BatchNorm", 1, false, 1, fm::eigen_model(model)});
    configs.push_back(
        {"c1", "(c1) MC dropout, one stream", threads, false, 2, fm::stream_dropout_model(model, p, mc_key, t)});
    configs.push_back(
        {"c2", "(c2) MC dropout, keyed by image", threads, true, 3, fm::keyed_dropout_model(model, p, mc_key, t)});
    configs.push_back({"d", "(d) repro, BatchNorm folded", threads, true, 4, fm::folded_model(model, t)});
    configs.push_back({"d", "(d) repro, BatchNorm folded", other, true, 4, fm::folded_model(model, t_other)});
#ifdef REPRO_FASHION_MNIST_CUDA
    if (on_gpu) {
        // (e) on the CPU is the reference of (e) on the GPU: its rows compare
        // the GPU's logits with the CPU's batch-1 logits.
        const std::size_t cpu_e = configs.size();
        configs.push_back({"e", "(e) repro, inference BatchNorm", threads, true, cpu_e, fm::inference_model(model, t)});
        configs.push_back({"e", "(e) repro::cuda on the GPU", 1, true, cpu_e, fm::gpu::repro_model(model), true});
        try {
            configs.push_back(
                {"f", fm::gpu::vendor_label(), 1, false, configs.size(), fm::gpu::vendor_model(model), true});
        } catch (const std::runtime_error& e) {  // a cuDNN or cuBLAS set-up failure: (e) still runs
            std::printf("%s: not run (%s)\n", fm::gpu::vendor_label().c_str(), e.what());
        }
    }
#endif

    std::printf("evaluation: %zu test images at batch sizes", test_images);
    for (const std::size_t b : opt.batch_sizes) std::printf(" %zu", b);
    std::printf("; each image's 10 logits compared with batch 1\n");
    const auto eval_start = clock_type::now();
    fm::status_line status;
    char text[160];
    const std::vector<fm::evaluation_row> rows =
        fm::evaluate(configs, test, test_images, opt.batch_sizes, shape.classes, [&](std::size_t b) {
            std::snprintf(text, sizeof text, "  running every configuration at batch %zu  %.0f s", b,
                          seconds_since(eval_start));
            status.show(text);
        });
    const double diagnose_start_s = seconds_since(eval_start);
    std::vector<repro::invariance_report> diagnoses;
    for (const fm::configuration& c : configs) {
        std::snprintf(text, sizeof text, "  diagnosing %s  %.0f s", c.label.c_str(), seconds_since(eval_start));
        status.show(text);
        diagnoses.push_back(fm::diagnose(c, test, diagnosed, shape.classes));
    }
    status.clear();
    std::printf("  evaluated in %.0f s, diagnosed in %.0f s\n\n", diagnose_start_s,
                seconds_since(eval_start) - diagnose_start_s);
    std::printf("%s\n", fm::results_table(configs, rows, diagnoses, diagnosed).c_str());

    std::printf(
        "(a) statistics of each evaluation batch; (b) im2col + Eigen GEMM, Eigen dense product (one thread:\n"
        "no OpenMP); (c) dropout p = %g kept on at evaluation, (c1) drawn from one stream restarted per call and\n"
        "read in batch order, (c2) repro::dropout keyed by the image index; (d) repro::conv2d and a dense layer\n"
        "with the BatchNorm folded in.\n"
        "rows = batch 1: images whose 10 logits equal their batch-1 logits bitwise (for (d) on %s: the batch-1\n"
        "logits on %s); flips: images whose predicted class changed.\n\n",
        p, threads_text(other).c_str(), threads_text(threads).c_str());
#ifdef REPRO_FASHION_MNIST_CUDA
    if (on_gpu)
        std::printf(
            "(e) repro::conv2d + ReLU, repro::batch_norm on the inference statistics, the dense layer\n"
            "(repro::linear): on %s, and on the GPU through repro::cuda's twins of the same functions;\n"
            "for (e) on the GPU, rows = batch 1 compares its logits with the CPU's batch-1 logits.\n%s\n\n",
            threads_text(threads).c_str(), wrap(fm::gpu::vendor_description(), 104, "").c_str());
#endif
    std::printf("diagnoses (repro::check_batch_invariance, the first %zu test images):\n", diagnosed);
    for (std::size_t c = 0; c < configs.size(); ++c)
        std::printf("  %s\n", wrap(configs[c].label + (configs[c].gpu ? "" : ", " + threads_text(configs[c].threads)) +
                                       ": " + diagnoses[c].explanation,
                                   108, "      ")
                                  .c_str());

    bool claims_hold = weights_identical;
    std::printf("\nclaims:\n");
    for (std::size_t c = 0; c < configs.size(); ++c) {
        if (!configs[c].claims_invariance) continue;
        bool bitwise = diagnoses[c].invariant();
        for (const fm::evaluation_row& r : rows) bitwise = bitwise && (r.configuration != c || r.bitwise());
        claims_hold = claims_hold && bitwise;
        if (configs[c].gpu)
            std::printf("  %-34s logits equal to the CPU's bitwise at every batch size: %s\n", configs[c].label.c_str(),
                        bitwise ? "yes" : "NO");
        else
            std::printf("  %-34s on %-10s bitwise identical at every batch size: %s\n", configs[c].label.c_str(),
                        threads_text(configs[c].threads).c_str(), bitwise ? "yes" : "NO");
    }
    std::vector<std::pair<std::size_t, std::size_t>> softmax_bitwise;
#ifdef REPRO_FASHION_MNIST_CUDA
    if (on_gpu) {
        std::size_t cpu_e = 0;
        while (configs[cpu_e].key != "e") ++cpu_e;
        bool all = true;
        for (const fm::gpu::softmax_check& k :
             fm::gpu::check_softmax(model, configs[cpu_e].model, test.images.data(), test_images, opt.batch_sizes)) {
            softmax_bitwise.emplace_back(k.batch, k.bitwise_equal);
            all = all && k.bitwise_equal == k.images;
        }
        claims_hold = claims_hold && all;
        std::printf("  %-34s probabilities equal to repro::softmax's bitwise at every batch size: %s\n",
                    "(e) repro::cuda::softmax on the GPU", all ? "yes" : "NO");
    }
#endif
    std::printf("  weights after %zu steps on %s and on %s: %s\n", prefix, threads_text(threads).c_str(),
                threads_text(other).c_str(), weights_identical ? "bitwise identical" : "DIFFERENT");

    fm::training_summary summary;
    summary.model = fm::describe(opt.model);
    summary.epochs = opt.epochs;
    summary.steps = steps;
    summary.batch = to.batch;
    summary.learning_rate = to.learning_rate;
    summary.dropout = to.dropout;
    summary.seed = to.seed;
    summary.threads = threads;
    summary.other_threads = other;
    summary.prefix_steps = prefix;
    summary.prefix_hash = prefix_hash;
    summary.prefix_hash_other = prefix_hash_other;
    summary.final_hash = final_hash;
    summary.norm_images = norm_images;
    summary.test_images = test_images;
    summary.diagnosed_images = diagnosed;
#ifdef REPRO_FASHION_MNIST_CUDA
    if (on_gpu) summary.gpu_device = fm::gpu::describe();
#endif
    summary.softmax_images = test_images;
    summary.softmax_bitwise = softmax_bitwise;
    const std::filesystem::path out(opt.out_dir);
    std::filesystem::create_directories(out);
    write_file(out / "results.json", fm::results_json(summary, configs, rows, diagnoses, claims_hold));
    write_file(out / "drift.svg", fm::drift_svg(configs, rows, opt.batch_sizes));
    const std::string shown = std::filesystem::proximate(out).string();
    std::printf("\nwrote %s/results.json and %s/drift.svg\n", shown.c_str(), shown.c_str());
    if (!claims_hold) std::printf("an invariance claim failed\n");
    return claims_hold ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    fm::options opt;
    try {
        opt = fm::parse_options(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "fashion_mnist: %s\n\n%s", e.what(), fm::usage(argv[0]).c_str());
        return 2;
    }
    if (opt.help) {
        std::printf("%s", fm::usage(argv[0]).c_str());
        return 0;
    }
    try {
        return run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\nfashion_mnist: %s\n", e.what());
        return 2;
    }
}
