// repro's decoding demo: a small byte-level transformer generates greedy
// continuations of real text, served four ways (one request at a time, a
// padded batch, chunked prefill, continuous batching), once on repro and once
// as a user writes it with Eigen. Every generated step's logits are compared
// with serving mode (1): repro's are the same bits in every mode, Eigen's
// change with the batch a token runs in. Exits with 1 if repro's differ.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <repro/isa.hpp>

#include "eigen_engine.hpp"
#include "model.hpp"
#include "prompts.hpp"
#include "report.hpp"
#include "repro_engine.hpp"
#include "serving.hpp"

namespace {

struct options {
    std::size_t prompts = 8, new_tokens = 48, chunk = 16;
    unsigned threads = 1;
    bool help = false;
};

const char* usage =
    "usage: decode [options]\n"
    "Greedy decoding with a small byte-level transformer, served four ways, on repro and on Eigen;\n"
    "shows which implementation's logits change with the way a request is batched.\n\n"
    "  --prompts N   prompts of 20 to 200 bytes of text (default 8)\n"
    "  --tokens N    tokens generated per prompt (default 48)\n"
    "  --chunk N     prefill chunk of modes (3) and (4) (default 16)\n"
    "  --threads N   threads for repro's kernels (default 1: a decode step is too small to split;\n"
    "                the bits are the same on any number). Eigen runs on one\n"
    "  --quick       4 prompts and 12 tokens unless given: the same checks, for CI\n"
    "  --help        this text\n\n"
    "Exits with 1 when repro's logits or tokens in modes (2)-(4) are not bitwise those of mode (1).\n";

std::size_t parse_count(const std::string& option, const std::string& text, std::size_t max) {
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

options parse_options(const std::vector<std::string>& args) {
    options o;
    bool quick = false, prompts = false, tokens = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw std::invalid_argument(a + ": missing value");
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            o.help = true;
        } else if (a == "--quick") {
            quick = true;
        } else if (a == "--prompts") {
            o.prompts = parse_count(a, value(), 64);
            prompts = true;
        } else if (a == "--tokens") {
            o.new_tokens = parse_count(a, value(), 1024);
            tokens = true;
        } else if (a == "--chunk") {
            o.chunk = parse_count(a, value(), 1 << 20);
        } else if (a == "--threads") {
            o.threads = static_cast<unsigned>(parse_count(a, value(), 1024));
        } else {
            throw std::invalid_argument(a + ": unknown option");
        }
    }
    if (quick && !prompts) o.prompts = 4;
    if (quick && !tokens) o.new_tokens = 12;
    return o;
}

using clock_type = std::chrono::steady_clock;

const decode::mode modes[] = {decode::mode::one_at_a_time, decode::mode::padded_batch, decode::mode::chunked_prefill,
                              decode::mode::continuous_batching};

struct row {
    std::string implementation;
    decode::mode m;
    double seconds;
    decode::generation result;
};

template <class Engine>
void serve_all(Engine& engine, const std::vector<std::vector<int>>& prompts, std::size_t vocab,
               const decode::serving_options& s, std::vector<row>& rows) {
    for (const decode::mode m : modes) {
        const auto start = clock_type::now();
        decode::generation g = decode::serve(engine, m, prompts, vocab, s);
        rows.push_back(
            {Engine::name(), m, std::chrono::duration<double>(clock_type::now() - start).count(), std::move(g)});
    }
}

std::string of(std::size_t part, std::size_t whole) { return std::to_string(part) + " of " + std::to_string(whole); }

int run(const options& opt) {
    const decode::model_config config;
    const decode::model_weights weights = decode::make_weights(config, 2024, decode::fallback_text());
    const decode::prompt_set set = decode::make_prompts(opt.prompts, 20, 200);
    decode::serving_options s;
    s.new_tokens = opt.new_tokens;
    s.chunk = opt.chunk;

    std::printf("repro decoding demo: %s\n", decode::describe(config).c_str());
    std::printf("weights: repro::random_stream, seed 2024; %zu prompts from %s, lengths", set.prompts.size(),
                set.source.c_str());
    for (const std::vector<int>& p : set.prompts) std::printf(" %zu", p.size());
    std::printf("\ngreedy decoding of %zu tokens per prompt; repro on %u thread%s, Eigen %d.%d.%d on one\n\n",
                s.new_tokens, opt.threads, opt.threads == 1 ? "" : "s", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION,
                EIGEN_MINOR_VERSION);
    std::printf(
        "serving modes:\n"
        "  (1) one request at a time: the prompt in one pass, then one token per pass\n"
        "  (2) padded batch: all prompts padded to the longest in one pass, then all requests' tokens per pass\n"
        "  (3) chunked prefill: the prompt in chunks of %zu tokens through the cache, then one token per pass\n"
        "  (4) continuous batching: request r arrives at pass %zu r; each pass runs the decoding requests'\n"
        "      tokens, then prefill chunks (up to %zu tokens) while its budget of %zu tokens lasts\n\n",
        s.chunk, s.arrival_gap, s.chunk, s.step_budget);

    std::vector<row> rows;
    decode::repro_engine repro_model(weights, opt.threads);
    serve_all(repro_model, set.prompts, config.vocab, s, rows);
    decode::eigen_engine eigen_model(weights);
    serve_all(eigen_model, set.prompts, config.vocab, s, rows);

    std::printf("%-6s %-27s %7s   %-20s %8s %11s   %-15s %s\n", "", "serving mode", "time", "logits != (1)", "max ULP",
                "max |diff|", "tokens != (1)", "first flip");
    bool repro_zero = true;
    const row* eigen_flip = nullptr;
    decode::drift eigen_first{};
    double eigen_max_abs = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const row& r = rows[i];
        const row& reference = rows[i - i % 4];
        std::printf("%-6s %-27s %6.2fs   ", r.implementation.c_str(), decode::describe(r.m), r.seconds);
        if (&r == &reference) {
            std::printf("reference\n");
            continue;
        }
        const decode::drift d = decode::compare(r.result, reference.result, config.vocab);
        std::string flip = "-";
        if (d.tokens_differing > 0)
            flip = "step " + std::to_string(d.first_flip_step) + ", prompt " + std::to_string(d.first_flip_prompt);
        std::printf("%-20s %8llu %11.3g   %-15s %s\n", of(d.logits_differing, d.logits).c_str(),
                    static_cast<unsigned long long>(d.max_ulp), d.max_abs, of(d.tokens_differing, d.tokens).c_str(),
                    flip.c_str());
        if (r.implementation == decode::repro_engine::name()) {
            repro_zero = repro_zero && d.zero();
        } else {
            eigen_max_abs = std::max(eigen_max_abs, d.max_abs);
            if (d.tokens_differing > 0 && (eigen_flip == nullptr || d.first_flip_step < eigen_first.first_flip_step)) {
                eigen_flip = &r;
                eigen_first = d;
            }
        }
    }
    std::printf(
        "(logits compared over the steps up to each prompt's first differing token; after it the texts differ)\n");
    const decode::closest_call close = decode::find_closest_call(rows[4].result, config.vocab);
    std::printf(
        "closest call: a step of Eigen (1) whose two best logits are %.3g apart (prompt %zu, step %zu);\n"
        "Eigen's logits moved by up to %.3g between serving modes; %s\n",
        close.gap, close.prompt, close.step, eigen_max_abs,
        eigen_flip != nullptr ? "greedy decoding picked a different byte" : "no greedy pick changed in this run");
    std::printf("continuous batching: %s\n\n", rows[3].result.schedule.c_str());

    auto show = [&](const std::string& label, std::size_t p, const decode::generation& g) {
        const std::vector<int>& prompt = set.prompts[p];
        const std::size_t tail = std::min<std::size_t>(prompt.size(), 30);
        std::printf("  %-24s %s%s|%s|\n", label.c_str(), tail < prompt.size() ? "..." : "",
                    decode::printable(prompt, prompt.size() - tail).c_str(), decode::printable(g.tokens[p]).c_str());
    };
    std::printf("continuations (last 30 prompt bytes ...|generated|, '.' for non-printable bytes):\n");
    for (std::size_t p = 0; p < set.prompts.size() && p < 2; ++p) show("repro (1)", p, rows[0].result);
    if (eigen_flip != nullptr) {
        const std::size_t p = eigen_first.first_flip_prompt;
        std::printf("Eigen's first flipped token, prompt %zu:\n", p);
        show("Eigen (1)", p, rows[4].result);
        show("Eigen " + std::string(decode::describe(eigen_flip->m), 3), p, eigen_flip->result);
    }
    static const char* isa_names[] = {"generic", "AVX2", "AVX-512"};
    std::printf(
        "\nlogits of mode (1), FNV-1a: repro %016llx (%s path: the same on every machine and path;\n"
        "REPRO_ISA=generic to try), Eigen %016llx (this build and CPU)\n",
        static_cast<unsigned long long>(decode::fnv1a(rows[0].result)),
        isa_names[static_cast<int>(repro::active_isa())],
        static_cast<unsigned long long>(decode::fnv1a(rows[4].result)));
    std::printf("repro: %s\n", repro_zero ? "every mode gives mode (1)'s logits, bit for bit"
                                          : "FAILED: a serving mode changed logits or tokens");
    return repro_zero ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    try {
        opt = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "decode: %s\n\n%s", e.what(), usage);
        return 2;
    }
    if (opt.help) {
        std::printf("%s", usage);
        return 0;
    }
    try {
        return run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\ndecode: %s\n", e.what());
        return 2;
    }
}
