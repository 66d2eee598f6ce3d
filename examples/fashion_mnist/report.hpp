#pragma once
// The demo's results as a text table, JSON and a small SVG chart.

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <repro/invariance.hpp>

#include "evaluation.hpp"

namespace fashion_mnist {

struct training_summary {
    std::string model;
    std::size_t epochs = 0, steps = 0, batch = 0;
    double learning_rate = 0, dropout = 0;
    std::uint64_t seed = 0;
    unsigned threads = 0, other_threads = 0;
    std::size_t prefix_steps = 0;
    std::uint64_t prefix_hash = 0, prefix_hash_other = 0, final_hash = 0;
    std::size_t norm_images = 0, test_images = 0, diagnosed_images = 0;
    // --device cuda: the GPU (empty when the GPU part did not run) and the
    // softmax check, per batch size: (batch, images whose probabilities are the CPU's bits)
    std::string gpu_device;
    std::size_t softmax_images = 0;
    std::vector<std::pair<std::size_t, std::size_t>> softmax_bitwise;
};

namespace detail {

inline std::string format(const char* fmt, ...) {
    va_list args, again;
    va_start(args, fmt);
    va_copy(again, args);
    const int size = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    std::string s(size > 0 ? std::size_t(size) : 0, '\0');
    std::vsnprintf(&s[0], s.size() + 1, fmt, again);
    va_end(again);
    return s;
}

inline std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += std::string("\\") + c;
        else if (static_cast<unsigned char>(c) < 0x20)
            out += format("\\u%04x", unsigned(c));
        else
            out += c;
    }
    return out + "\"";
}

inline std::string xml_text(const std::string& s) {
    std::string out;
    for (const char c : s) out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return out;
}

inline std::string hex64(std::uint64_t h) { return format("%016" PRIx64, h); }

inline double drift(const evaluation_row& r) { return r.rows ? 1.0 - double(r.rows_bitwise) / double(r.rows) : 0.0; }

}  // namespace detail

// One line per configuration and batch size, the harness's diagnosis on the
// first line of each configuration.
inline std::string results_table(const std::vector<configuration>& configs, const std::vector<evaluation_row>& rows,
                                 const std::vector<repro::invariance_report>& diagnoses, std::size_t diagnosed_images) {
    using detail::format;
    std::string s = format("%-34s %7s %6s %9s %15s %12s %6s  %s\n", "configuration", "threads", "batch", "accuracy",
                           "rows = batch 1", "max ULP", "flips",
                           format("diagnosis (check_batch_invariance, %zu images)", diagnosed_images).c_str());
    std::size_t last = configs.size();
    for (const evaluation_row& r : rows) {
        const configuration& c = configs[r.configuration];
        const bool first = r.configuration != last;
        last = r.configuration;
        s += format("%-34s %7s %6zu %8.2f%% %14.2f%% %12" PRIu64 " %6zu  %s\n", first ? c.label.c_str() : "",
                    first ? (c.gpu ? std::string("GPU") : std::to_string(c.threads)).c_str() : "", r.batch,
                    100.0 * r.accuracy, 100.0 * double(r.rows_bitwise) / double(r.rows), r.max_ulp, r.argmax_flips,
                    first ? repro::to_string(diagnoses[r.configuration].cause) : "");
    }
    return s;
}

inline std::string results_json(const training_summary& t, const std::vector<configuration>& configs,
                                const std::vector<evaluation_row>& rows,
                                const std::vector<repro::invariance_report>& diagnoses, bool claims_hold) {
    using detail::format;
    using detail::json_string;
    std::string s = "{\n";
    s += "  \"model\": " + json_string(t.model) + ",\n";
    s += format(
        "  \"training\": {\"epochs\": %zu, \"steps\": %zu, \"batch\": %zu, \"learning_rate\": %.17g, "
        "\"dropout\": %.17g, \"seed\": %" PRIu64 ", \"threads\": %u},\n",
        t.epochs, t.steps, t.batch, t.learning_rate, t.dropout, t.seed, t.threads);
    s += format(
        "  \"weights\": {\"hash\": \"fnv1a-64\", \"prefix_steps\": %zu, \"prefix\": {\"%u\": \"%s\", \"%u\": \"%s\"}, "
        "\"prefix_identical\": %s, \"final\": \"%s\"},\n",
        t.prefix_steps, t.threads, detail::hex64(t.prefix_hash).c_str(), t.other_threads,
        detail::hex64(t.prefix_hash_other).c_str(), t.prefix_hash == t.prefix_hash_other ? "true" : "false",
        detail::hex64(t.final_hash).c_str());
    s += format("  \"norm_statistics_images\": %zu,\n  \"test_images\": %zu,\n  \"diagnosed_images\": %zu,\n",
                t.norm_images, t.test_images, t.diagnosed_images);
    if (!t.gpu_device.empty()) {
        s += "  \"gpu\": {\"device\": " + json_string(t.gpu_device) + ", \"softmax\": [";
        for (std::size_t i = 0; i < t.softmax_bitwise.size(); ++i)
            s += format("%s{\"batch\": %zu, \"images\": %zu, \"bitwise_equal\": %zu}", i ? ", " : "",
                        t.softmax_bitwise[i].first, t.softmax_images, t.softmax_bitwise[i].second);
        s += "]},\n";
    }
    s += std::string("  \"claims_hold\": ") + (claims_hold ? "true" : "false") + ",\n";
    s += "  \"configurations\": [";
    for (std::size_t c = 0; c < configs.size(); ++c) {
        s +=
            std::string(c ? "," : "") + "\n    {\"key\": " + json_string(configs[c].key) +
            ", \"label\": " + json_string(configs[c].label) +
            (configs[c].gpu ? std::string(", \"device\": \"cuda\"") : format(", \"threads\": %u", configs[c].threads)) +
            ", \"claims_invariance\": " + (configs[c].claims_invariance ? "true" : "false") +
            ", \"reference\": " + json_string(configs[configs[c].reference].label + ", batch 1") + ", \"rows\": [";
        bool first = true;
        for (const evaluation_row& r : rows) {
            if (r.configuration != c) continue;
            s += format(
                "%s\n      {\"batch\": %zu, \"accuracy\": %.17g, \"rows\": %zu, \"rows_bitwise\": %zu, "
                "\"max_ulp\": %" PRIu64 ", \"argmax_flips\": %zu}",
                first ? "" : ",", r.batch, r.accuracy, r.rows, r.rows_bitwise, r.max_ulp, r.argmax_flips);
            first = false;
        }
        std::string harness = diagnoses[c].to_json();
        for (std::size_t i = harness.find('\n'); i != std::string::npos && i + 1 < harness.size();
             i = harness.find('\n', i + 1))
            harness.insert(i + 1, "    ");
        while (!harness.empty() && harness.back() == '\n') harness.pop_back();
        s += "\n    ],\n    \"check_batch_invariance\": " + harness + "}";
    }
    s += "\n  ]\n}\n";
    return s;
}

// Bars: the share of test images whose logits differ bitwise from batch 1,
// per configuration and batch size, each labelled with its max ULP.
inline std::string drift_svg(const std::vector<configuration>& configs, const std::vector<evaluation_row>& rows,
                             const std::vector<std::size_t>& batch_sizes) {
    using detail::format;
    static const char* colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"};
    const double bar = 20, gap = 26, left = 58, top = 104, plot_h = 200;  // room above for the rotated labels
    const double group = bar * double(batch_sizes.size()) + gap;
    const double width = left + group * double(configs.size()) + 20, height = top + plot_h + 70;
    std::string s = format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
        "font-family=\"sans-serif\" font-size=\"11\">\n",
        width, height);
    s += format("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", width, height);
    s += format(
        "<text x=\"%.0f\" y=\"18\" font-size=\"13\" font-weight=\"bold\">Fashion-MNIST test images whose "
        "logits differ bitwise from batch 1</text>\n",
        left);
    s += format("<text x=\"%.0f\" y=\"34\" fill=\"#555\">numbers above the bars: max ULP distance of a logit</text>\n",
                left);
    for (int p = 0; p <= 100; p += 25) {
        const double y = top + plot_h * (1.0 - p / 100.0);
        s +=
            format("<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, width - 20, y, y);
        s += format("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>\n", left - 6, y + 4, p);
    }
    for (const evaluation_row& r : rows) {
        std::size_t k = 0;
        while (batch_sizes[k] != r.batch) ++k;
        const double x = left + gap / 2 + group * double(r.configuration) + bar * double(k);
        const double h = std::max(1.0, plot_h * detail::drift(r));
        s += format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"%s\"/>\n", x, top + plot_h - h,
                    bar - 2, h, colors[k % 7]);
        s += format("<text transform=\"translate(%.1f,%.1f) rotate(-90)\" font-size=\"9\">%" PRIu64 "</text>\n",
                    x + bar / 2 + 2, top + plot_h - h - 3, r.max_ulp);
    }
    for (std::size_t c = 0; c < configs.size(); ++c) {
        const double x = left + group * double(c) + group / 2;
        s += format("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">(%s)</text>\n", x, top + plot_h + 16,
                    detail::xml_text(configs[c].key).c_str());
        const std::string where = configs[c].gpu ? "GPU" : std::to_string(configs[c].threads) + " thr.";
        s += format("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n", x,
                    top + plot_h + 30, where.c_str());
    }
    double lx = left;
    for (std::size_t k = 0; k < batch_sizes.size(); ++k) {
        s += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>", lx, top + plot_h + 44,
                    colors[k % 7]);
        s += format("<text x=\"%.0f\" y=\"%.0f\">batch %zu</text>\n", lx + 14, top + plot_h + 53, batch_sizes[k]);
        lx += 84;
    }
    return s + "</svg>\n";
}

}  // namespace fashion_mnist
