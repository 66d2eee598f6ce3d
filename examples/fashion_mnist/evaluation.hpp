#pragma once
// Runs each configuration over the test images at each batch size and
// compares every image's logits with its logits at batch 1.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/compare.hpp>
#include <repro/invariance.hpp>
#include <repro/reduce.hpp>

#include "configurations.hpp"
#include "idx.hpp"

namespace fashion_mnist {

struct configuration {
    std::string key;    // "a", "b", "c1", "c2", "d", ...
    std::string label;  // one line
    unsigned threads = 1;
    bool claims_invariance = false;  // the demo fails when a claimed configuration drifts
    std::size_t reference = 0;       // the configuration whose batch-1 logits are the reference (often itself)
    pipeline model;
    bool gpu = false;  // runs on the GPU (threads is then not used)
};

struct evaluation_row {
    std::size_t configuration = 0, batch = 0;
    double accuracy = 0;
    std::size_t rows = 0, rows_bitwise = 0;  // images, and those whose 10 logits match batch 1 bitwise
    std::uint64_t max_ulp = 0;
    std::size_t argmax_flips = 0;  // images whose predicted class differs from batch 1
    bool bitwise() const { return rows_bitwise == rows; }
};

inline double accuracy(const float* logits, const dataset& test, std::size_t count, std::size_t classes) {
    std::size_t correct = 0;
    for (std::size_t i = 0; i < count; ++i) correct += repro::argmax(logits + i * classes, classes) == test.labels[i];
    return count ? double(correct) / double(count) : 0.0;
}

// Every configuration at every batch size (batch_sizes[0] must be 1) over the
// first `count` test images, in consecutive batches, each image's id its
// index. Per batch, each body runs once for all the configurations that share
// it. progress(batch size) before each batch size. Rows: configuration-major.
inline std::vector<evaluation_row> evaluate(const std::vector<configuration>& configs, const dataset& test,
                                            std::size_t count, const std::vector<std::size_t>& batch_sizes,
                                            std::size_t classes,
                                            const std::function<void(std::size_t)>& progress = {}) {
    if (batch_sizes.empty() || batch_sizes[0] != 1)
        throw std::invalid_argument("evaluate: batch_sizes must start with 1");
    if (count > test.count) throw std::invalid_argument("evaluate: count > test images");
    const std::size_t C = configs.size();
    for (std::size_t c = 0; c < C; ++c)
        if (configs[c].reference > c) throw std::invalid_argument("evaluate: a reference must come first");
    std::vector<std::uint64_t> ids(count);
    std::iota(ids.begin(), ids.end(), std::uint64_t(0));
    std::vector<std::vector<float>> alone(C), logits(C, std::vector<float>(count * classes));
    std::vector<evaluation_row> rows(C * batch_sizes.size());
    for (std::size_t k = 0; k < batch_sizes.size(); ++k) {
        const std::size_t b = batch_sizes[k];
        if (progress) progress(b);
        for (std::size_t i = 0; i < count; i += b) {
            const std::size_t n = std::min(b, count - i);
            std::vector<std::string> keys;
            std::vector<std::vector<float>> features;
            for (std::size_t c = 0; c < C; ++c) {
                const pipeline& p = configs[c].model;
                const std::size_t f = std::find(keys.begin(), keys.end(), p.body_key) - keys.begin();
                if (f == keys.size()) {
                    keys.push_back(p.body_key);
                    features.emplace_back(n * p.features);
                    p.body(test.image(i), ids.data() + i, n, features.back().data());
                }
                p.head(features[f].data(), ids.data() + i, n, logits[c].data() + i * classes);
            }
        }
        for (std::size_t c = 0; c < C; ++c) {
            if (b == 1) alone[c] = logits[c];
            const repro::compare_report d =
                repro::compare(repro::view(logits[c].data(), count, classes),
                               repro::view(alone[configs[c].reference].data(), count, classes));
            evaluation_row& r = rows[c * batch_sizes.size() + k];
            r.configuration = c;
            r.batch = b;
            r.accuracy = accuracy(logits[c].data(), test, count, classes);
            r.rows = count;
            r.rows_bitwise = count - d.rows_differing;
            r.max_ulp = d.worst_ulp.found() ? d.worst_ulp.value : 0;
            r.argmax_flips = d.argmax_flips.size();
        }
    }
    return rows;
}

// repro::check_batch_invariance on the first `count` test images: the
// diagnosis of each configuration.
inline repro::invariance_report diagnose(const configuration& c, const dataset& test, std::size_t count,
                                         std::size_t classes) {
    if (count > test.count) throw std::invalid_argument("diagnose: count > test images");
    return repro::check_batch_invariance(c.model.forward(), test.images.data(), count, test.image_size(), classes);
}

}  // namespace fashion_mnist
