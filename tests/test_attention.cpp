// repro/attention.hpp and repro/kv_cache.hpp. Oracles: the token's output
// in one prefill of its sequence alone (for the four serving modes, every
// thread count and every instruction set), the order written at the top of
// attention.hpp recomputed one scalar at a time from repro's reductions
// (bit for bit), and a long-double attention (accuracy). Then the cache's
// behaviour and every argument check.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/attention.hpp>
#include <repro/doctest.hpp>
#include <repro/eigen.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/bit_checks.hpp"

using namespace repro_test;

namespace {

// One sequence's q (length x heads x dim) and k, v (length x kv_heads x dim).
struct sequence_data {
    std::size_t length;
    std::vector<float> q, k, v;
};

sequence_data make_sequence(std::size_t length, const repro::attention_config& c, std::uint64_t seed) {
    return {length, random_matrix<float>(length, c.num_heads * c.head_dim, seed, -3, 1),
            random_matrix<float>(length, c.num_kv_heads * c.head_dim, seed + 1, -3, 1),
            random_matrix<float>(length, c.num_kv_heads * c.head_dim, seed + 2, -4, 2)};
}

// (a) the sequence alone, one prefill through the padded-batch entry point.
template <class KV>
std::vector<float> alone(const sequence_data& s, const repro::attention_config& c, repro::threads t = {}) {
    std::vector<float> out(s.q.size());
    const std::vector<KV> k = narrowed<KV>(s.k), v = narrowed<KV>(s.v);
    repro::attention(s.q.data(), k.data(), v.data(), out.data(), 1, s.length, nullptr, c, t);
    return out;
}

// (c) chunked prefill through a cache: chunks of `chunk` tokens (decode is chunk 1).
template <class KV>
std::vector<float> chunked(const sequence_data& s, const repro::attention_config& c, std::size_t chunk,
                           repro::threads t = {}) {
    const std::size_t qr = c.num_heads * c.head_dim, kr = c.num_kv_heads * c.head_dim;
    repro::kv_cache<KV> cache(c.num_kv_heads, c.head_dim, s.length);
    std::vector<float> out(s.q.size());
    for (std::size_t first = 0; first < s.length; first += chunk) {
        const std::size_t n = std::min(chunk, s.length - first);
        cache.append(s.k.data() + first * kr, s.v.data() + first * kr, n);
        repro::attention(s.q.data() + first * qr, cache, n, out.data() + first * qr, c, t);
    }
    return out;
}

void check_same_rows(const std::vector<float>& got, const std::vector<float>& want, std::size_t row,
                     const std::string& what) {
    const std::size_t at = first_difference(got, want);
    INFO(what << ": first difference at token " << (at == npos ? 0 : at / row) << ", value " << at % row);
    CHECK(at == npos);
}

const std::size_t lengths[] = {1, 2, 3, 5, 7, 8, 13, 16, 17, 31, 32, 33, 63, 64, 65, 97, 127, 128, 129, 211, 257, 300};

template <class KV>
void serving_modes_agree(const repro::attention_config& c, std::uint64_t seed) {
    const std::size_t row = c.num_heads * c.head_dim, kv_row = c.num_kv_heads * c.head_dim;
    for (const std::size_t length : lengths) {
        CAPTURE(length);
        const sequence_data s = make_sequence(length, c, seed + length);
        const std::vector<float> ref = alone<KV>(s, c);
        // (b) padded batch: the sequence at position 1 of 3, others shorter
        // and longer, padding filled with NaN (never read)
        const std::size_t other_lengths[] = {length / 2 + 1, length + 9};
        const std::size_t max_length = length + 9 + 4;
        std::vector<std::size_t> lens = {other_lengths[0], length, other_lengths[1]};
        std::vector<float> q(3 * max_length * row, std::numeric_limits<float>::quiet_NaN()),
            k(3 * max_length * kv_row, std::numeric_limits<float>::quiet_NaN()), v = k;
        for (std::size_t b = 0; b < 3; ++b) {
            const sequence_data o = b == 1 ? s : make_sequence(lens[b], c, seed + 1000 + b);
            std::copy(o.q.begin(), o.q.end(), q.begin() + b * max_length * row);
            std::copy(o.k.begin(), o.k.end(), k.begin() + b * max_length * kv_row);
            std::copy(o.v.begin(), o.v.end(), v.begin() + b * max_length * kv_row);
        }
        const std::vector<KV> kn = narrowed<KV>(k), vn = narrowed<KV>(v);
        std::vector<float> out(q.size());
        repro::attention(q.data(), kn.data(), vn.data(), out.data(), 3, max_length, lens.data(), c);
        const std::vector<float> padded(out.begin() + max_length * row, out.begin() + (max_length + length) * row);
        check_same_rows(padded, ref, row, "padded batch");
        CHECK(std::all_of(out.begin() + (max_length + length) * row, out.begin() + 2 * max_length * row,
                          [](float x) { return repro::bitwise_equal(x, 0.0f); }));
        // (c) chunked prefill, (d) decode
        for (const std::size_t chunk : {std::size_t(2), std::size_t(3), std::size_t(7), std::size_t(16),
                                        std::size_t(31), std::size_t(64)})
            if (chunk < length) check_same_rows(chunked<KV>(s, c, chunk), ref, row, "chunk " + std::to_string(chunk));
        check_same_rows(chunked<KV>(s, c, 1), ref, row, "decode");
    }
}

}  // namespace

TEST_CASE("a token's attention is bitwise the same alone, padded in a batch, in chunked prefill and in decode") {
    for (const bool causal : {true, false}) {
        repro::attention_config c;
        c.num_heads = 4;
        c.num_kv_heads = 2;
        c.head_dim = 32;
        c.causal = causal;
        CAPTURE(causal);
        if (causal) {
            serving_modes_agree<float>(c, 11);
        } else {
            // without the causal mask a chunk sees the keys after it, so only
            // whole sequences compare: alone vs padded
            const sequence_data s = make_sequence(77, c, 5);
            const std::vector<float> ref = alone<float>(s, c);
            std::vector<float> q(2 * 90 * 128, 1e30f), k(2 * 90 * 64, std::numeric_limits<float>::infinity()), v = k;
            std::copy(s.q.begin(), s.q.end(), q.begin() + 90 * 128);
            std::copy(s.k.begin(), s.k.end(), k.begin() + 90 * 64);
            std::copy(s.v.begin(), s.v.end(), v.begin() + 90 * 64);
            const std::size_t lens[] = {0, 77};
            std::vector<float> out(q.size());
            repro::attention(q.data(), k.data(), v.data(), out.data(), 2, 90, lens, c);
            check_same_rows(std::vector<float>(out.begin() + 90 * 128, out.begin() + (90 + 77) * 128), ref, 128,
                            "padded, not causal");
        }
    }
}

TEST_CASE("the serving modes agree for grouped-query ratios 1, 2, 4, 8 and head sizes 1 to 80") {
    for (const std::size_t heads_per_kv : {1, 2, 4, 8})
        for (const std::size_t dim : {1, 7, 64, 80}) {
            repro::attention_config c;
            c.num_kv_heads = 8 / heads_per_kv;
            c.num_heads = c.num_kv_heads * heads_per_kv;
            c.head_dim = dim;
            CAPTURE(heads_per_kv);
            CAPTURE(dim);
            for (const std::size_t length : {1, 29, 70}) {
                const sequence_data s = make_sequence(length, c, 300 + length + dim);
                const std::vector<float> ref = alone<float>(s, c);
                check_same_rows(chunked<float>(s, c, 5), ref, c.num_heads * dim, "chunk 5");
                check_same_rows(chunked<float>(s, c, 1), ref, c.num_heads * dim, "decode");
            }
        }
}

TEST_CASE("half and bfloat16 caches give the bits of the padded batch with the same narrow keys and values") {
    repro::attention_config c;
    c.num_heads = 2;
    c.num_kv_heads = 1;
    c.head_dim = 48;
    serving_modes_agree<Eigen::half>(c, 21);
    serving_modes_agree<Eigen::bfloat16>(c, 23);
    // and they compute with the widened values: the float path on widened inputs
    const sequence_data s = make_sequence(40, c, 3);
    sequence_data w = s;
    for (auto* x : {&w.k, &w.v})
        for (float& f : *x) f = repro::widen(repro::narrow<Eigen::half>(f));
    CHECK(first_difference(alone<Eigen::half>(s, c), alone<float>(w, c)) == npos);
}

TEST_CASE("continuous batching: sequences joining and leaving the batch keep their tokens' bits") {
    repro::attention_config c;
    c.num_heads = 4;
    c.num_kv_heads = 4;
    c.head_dim = 16;
    const std::size_t row = 64;
    // three requests: prompt lengths, joining steps, total lengths
    const std::size_t prompt[] = {9, 1, 23}, join[] = {0, 2, 5}, total[] = {30, 12, 40};
    std::vector<sequence_data> seq;
    std::vector<repro::kv_cache<float>> caches;
    std::vector<std::vector<float>> out(3);
    for (std::size_t r = 0; r < 3; ++r) {
        seq.push_back(make_sequence(total[r], c, 700 + r));
        caches.emplace_back(4, 16, total[r]);
        out[r].resize(total[r] * row);
    }
    std::size_t done[3] = {0, 0, 0};
    for (std::size_t step = 0; step < 60; ++step) {
        std::vector<const repro::kv_cache<float>*> batch;
        std::vector<std::size_t> counts, which;
        std::vector<float> q;
        for (std::size_t r = 0; r < 3; ++r) {
            if (step < join[r] || done[r] == total[r]) continue;
            const std::size_t n = done[r] == 0 ? prompt[r] : 1;  // the prompt, then one token a step
            caches[r].append(seq[r].k.data() + done[r] * row, seq[r].v.data() + done[r] * row, n);
            q.insert(q.end(), seq[r].q.begin() + done[r] * row, seq[r].q.begin() + (done[r] + n) * row);
            batch.push_back(&caches[r]);
            counts.push_back(n);
            which.push_back(r);
        }
        if (batch.empty()) continue;
        std::vector<float> o(q.size());
        repro::attention(q.data(), batch.data(), counts.data(), batch.size(), o.data(), c, repro::threads{2});
        std::size_t at = 0;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::copy(o.begin() + at * row, o.begin() + (at + counts[i]) * row,
                      out[which[i]].begin() + done[which[i]] * row);
            at += counts[i];
            done[which[i]] += counts[i];
        }
    }
    for (std::size_t r = 0; r < 3; ++r) {
        CAPTURE(r);
        REQUIRE(done[r] == total[r]);
        check_same_rows(out[r], alone<float>(seq[r], c), row, "continuous batching");
    }
}

TEST_CASE("thread counts 1 to 4 and every instruction set give the same bits") {
    repro::attention_config c;
    c.num_heads = 6;
    c.num_kv_heads = 3;
    c.head_dim = 64;
    const sequence_data s = make_sequence(150, c, 99);
    const std::vector<float> ref = alone<float>(s, c);
    for (unsigned t = 1; t <= 4; ++t) {
        CAPTURE(t);
        check_same_rows(alone<float>(s, c, repro::threads{t}), ref, 384, "prefill");
        check_same_rows(chunked<float>(s, c, 1, repro::threads{t}), ref, 384, "decode");
    }
    const isa_restorer restore;
    for (const repro::isa i : every_isa()) {
        repro::limit_isa(i);
        CAPTURE(isa_name(i));
        check_same_rows(alone<float>(s, c), ref, 384, "prefill");
        check_same_rows(chunked<float>(s, c, 13), ref, 384, "chunk 13");
    }
}

namespace {

// The order written at the top of attention.hpp, one scalar at a time.
std::vector<float> documented_order(const sequence_data& s, const repro::attention_config& c) {
    const std::size_t d = c.head_dim, H = c.num_heads, G = H / c.num_kv_heads;
    const float scale = c.scale != 0 ? c.scale : static_cast<float>(1.0 / std::sqrt(double(d)));
    std::vector<float> out(s.q.size());
    for (std::size_t p = 0; p < s.length; ++p)
        for (std::size_t h = 0; h < H; ++h) {
            const std::size_t n = c.causal ? p + 1 : s.length;
            const float* k = s.k.data() + (h / G) * d;
            const float* v = s.v.data() + (h / G) * d;
            const std::size_t kv_row = c.num_kv_heads * d;
            std::vector<float> e(n);
            for (std::size_t j = 0; j < n; ++j) {
                float acc = 0.0f;
                for (std::size_t i = 0; i < d; ++i) {
                    const float qs = s.q[(p * H + h) * d + i] * scale;
                    acc = repro::fma(qs, k[j * kv_row + i], acc);
                }
                e[j] = acc;
            }
            const float m = repro::max(e.data(), n);
            for (float& x : e) x = repro::math::exp(x - m);
            const float l = repro::sum(e.data(), n);
            for (std::size_t i = 0; i < d; ++i) {
                float o = 0.0f;
                for (std::size_t j = 0; j < n; ++j) o = repro::fma(e[j], v[j * kv_row + i], o);
                out[(p * H + h) * d + i] = o / l;
            }
        }
    return out;
}

}  // namespace

TEST_CASE("attention computes the order its header documents, bit for bit") {
    for (const bool causal : {true, false})
        for (const std::size_t length : {1, 2, 64, 65, 130}) {
            repro::attention_config c;
            c.num_heads = 4;
            c.num_kv_heads = 2;
            c.head_dim = 24;
            c.causal = causal;
            c.scale = causal ? 0.0f : 0.3f;
            CAPTURE(causal);
            CAPTURE(length);
            const sequence_data s = make_sequence(length, c, 40 + length);
            check_same_rows(alone<float>(s, c), documented_order(s, c), 96, "documented order");
        }
}

TEST_CASE("attention is within a few float roundings of a long-double attention") {
    // The error of out = sum e_j v_j / sum e_j, relative to max |v|: the
    // scores carry ~d ulp of the logits, exp adds its 1 ulp, the two chains
    // their length's roundings. Measured below for d = 64 and 128 and
    // lengths to 1024; the bound checked is 2^-16 (the worst seen is printed).
    double worst = 0;
    for (const std::size_t d : {64, 128})
        for (const std::size_t length : {1, 100, 1024}) {
            repro::attention_config c;
            c.num_heads = 2;
            c.num_kv_heads = 1;
            c.head_dim = d;
            const sequence_data s = make_sequence(length, c, 9 + d + length);
            const std::vector<float> out = alone<float>(s, c);
            const long double scale = 1.0L / std::sqrt(static_cast<long double>(d));
            double vmax = 0;
            for (float x : s.v) vmax = std::max(vmax, double(std::fabs(x)));
            for (std::size_t p = 0; p < length; p += 7)
                for (std::size_t h = 0; h < 2; ++h) {
                    std::vector<long double> sc(p + 1);
                    long double m = -std::numeric_limits<long double>::infinity(), l = 0;
                    for (std::size_t j = 0; j <= p; ++j) {
                        long double a = 0;
                        for (std::size_t i = 0; i < d; ++i)
                            a += static_cast<long double>(s.q[(p * 2 + h) * d + i]) * s.k[j * d + i];
                        sc[j] = a * scale;
                        m = std::max(m, sc[j]);
                    }
                    for (auto& x : sc) l += (x = std::exp(x - m));
                    for (std::size_t i = 0; i < d; ++i) {
                        long double o = 0;
                        for (std::size_t j = 0; j <= p; ++j) o += sc[j] * s.v[j * d + i];
                        const double err = std::fabs(double(o / l - out[(p * 2 + h) * d + i])) / vmax;
                        worst = std::max(worst, err);
                    }
                }
        }
    MESSAGE("worst error / max|v|: " << worst);
    CHECK(worst < std::ldexp(1.0, -16));
    CHECK(worst > 0);  // float arithmetic: a long-double result is never met exactly everywhere
}

TEST_CASE("attention's special values: a NaN key poisons only the queries that see it") {
    repro::attention_config c;
    c.head_dim = 4;
    sequence_data s = make_sequence(10, c, 1);
    s.k[6 * 4 + 2] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> out = alone<float>(s, c);
    for (std::size_t p = 0; p < 10; ++p) CHECK(repro::is_nan(out[p * 4]) == (p >= 6));
    // an infinite value row gives inf or NaN from the token where it appears
    sequence_data t = make_sequence(5, c, 2);
    t.v[3 * 4] = std::numeric_limits<float>::infinity();
    const std::vector<float> o2 = alone<float>(t, c);
    CHECK(std::isfinite(o2[2 * 4]));
    CHECK(!std::isfinite(o2[3 * 4]));
}

TEST_CASE("kv_cache appends, truncates, forks and grows without changing its bits") {
    repro::kv_cache<float> cache(2, 3, 100);
    CHECK(cache.length() == 0);
    const std::vector<float> k = random_matrix<float>(40, 6, 1), v = random_matrix<float>(40, 6, 2);
    for (std::size_t t = 0; t < 40; t += 8) cache.append(k.data() + t * 6, v.data() + t * 6, 8);
    CHECK(cache.length() == 40);
    CHECK(cache.capacity() >= 40);
    for (std::size_t h = 0; h < 2; ++h)
        for (std::size_t t = 0; t < 40; ++t)
            for (std::size_t i = 0; i < 3; ++i) {
                CHECK(repro::bitwise_equal(cache.keys(h)[t * 3 + i], k[t * 6 + h * 3 + i]));
                CHECK(repro::bitwise_equal(cache.values(h)[t * 3 + i], v[t * 6 + h * 3 + i]));
            }
    repro::kv_cache<float> beam = cache.fork();
    cache.truncate(10);
    CHECK(cache.length() == 10);
    CHECK(beam.length() == 40);
    cache.append(v.data(), k.data(), 1);  // the fork keeps its own token 10
    CHECK(repro::bitwise_equal(beam.keys(1)[10 * 3], k[10 * 6 + 3]));
    CHECK(repro::bitwise_equal(cache.keys(1)[10 * 3], v[3]));
    cache.clear();
    CHECK(cache.length() == 0);
    // a half cache rounds appended floats once, to nearest even
    repro::kv_cache<Eigen::half> hc(1, 2, 4);
    const float kk[] = {1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048}, vv[] = {65520.0f, -1e-8f};
    hc.append(kk, vv, 1);
    CHECK(repro::bitwise_equal(static_cast<float>(hc.keys(0)[0]), 1.0f));
    CHECK(repro::bitwise_equal(static_cast<float>(hc.keys(0)[1]), 1.0f + 4.0f / 2048));
    CHECK(std::isinf(static_cast<float>(hc.values(0)[0])));
    CHECK(repro::bitwise_equal(static_cast<float>(hc.values(0)[1]), -0.0f));
}

namespace {

template <class F>
void check_throws_naming(F f, const std::string& needle) {
    try {
        f();
        FAIL("no exception; expected one naming " << needle);
    } catch (const std::invalid_argument& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(needle) != std::string::npos);
    } catch (const std::length_error& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("bad attention and cache arguments are rejected with messages naming them") {
    repro::attention_config c;
    c.num_heads = 4;
    c.num_kv_heads = 2;
    c.head_dim = 8;
    std::vector<float> q(4 * 32, 0.5f), kv(4 * 16, 0.5f), out(q.size());
    const std::size_t too_long[] = {5};
    check_throws_naming([&] { repro::attention(q.data(), kv.data(), kv.data(), out.data(), 1, 4, too_long, c); },
                        "lengths[0] = 5 is above max_length 4");
    repro::attention_config bad = c;
    bad.num_kv_heads = 3;
    check_throws_naming([&] { repro::attention(q.data(), kv.data(), kv.data(), out.data(), 1, 4, nullptr, bad); },
                        "config.num_kv_heads (3) does not divide config.num_heads (4)");
    bad = c;
    bad.head_dim = 0;
    check_throws_naming([&] { repro::attention(q.data(), kv.data(), kv.data(), out.data(), 1, 4, nullptr, bad); },
                        "config.head_dim is 0");
    bad = c;
    bad.scale = std::numeric_limits<float>::quiet_NaN();
    check_throws_naming([&] { repro::attention(q.data(), kv.data(), kv.data(), out.data(), 1, 4, nullptr, bad); },
                        "config.scale");
    check_throws_naming(
        [&] { repro::attention(q.data(), static_cast<const float*>(nullptr), kv.data(), out.data(), 1, 4, nullptr, c); },
        "k is a null pointer");
    check_throws_naming([&] { repro::attention(q.data(), kv.data(), kv.data(), q.data() + 1, 1, 3, nullptr, c); },
                        "out overlaps");
    check_throws_naming(
        [&] { repro::attention(q.data(), kv.data(), kv.data(), out.data(), 1, 4, nullptr, c, repro::threads{0}); },
        "threads{0}");

    repro::kv_cache<float> cache(2, 8, 3);
    cache.append(kv.data(), kv.data(), 2);
    check_throws_naming([&] { repro::attention(q.data(), cache, 3, out.data(), c); },
                        "query_counts[0] = 3 is above caches[0]'s length 2");
    repro::kv_cache<float> other(1, 8, 3);
    check_throws_naming([&] { repro::attention(q.data(), other, 0, out.data(), c); },
                        "caches[0] has 1 kv heads of 8 values, the config 2 of 8");
    const repro::kv_cache<float>* none = nullptr;
    const std::size_t one = 1;
    check_throws_naming([&] { repro::attention(q.data(), &none, &one, 1, out.data(), c); },
                        "caches[0] is a null pointer");
    check_throws_naming([&] { cache.append(kv.data(), kv.data(), 2); }, "2 tokens after 2 exceed max_length 3");
    CHECK(cache.length() == 2);
    check_throws_naming([&] { cache.truncate(3); }, "length 3 is beyond the cache's length 2");
    check_throws_naming([&] { (void)cache.keys(2); }, "kv_cache::keys: head 2 is not below num_kv_heads 2");
    check_throws_naming([&] { repro::kv_cache<float>(0, 8, 3); }, "num_kv_heads is 0");
    check_throws_naming([&] { repro::kv_cache<float>(2, 8, std::size_t(-1) / 4); }, "overflows");
}

TEST_CASE("empty batches and zero-length sequences are accepted and write nothing but padding zeros") {
    repro::attention_config c;
    c.head_dim = 2;
    std::vector<float> x(8, 1.0f), out(8, 7.0f);
    const std::size_t lens[] = {0, 0};
    repro::attention(x.data(), x.data(), x.data(), out.data(), 2, 2, lens, c);
    CHECK(std::all_of(out.begin(), out.end(), [](float f) { return repro::bitwise_equal(f, 0.0f); }));
    repro::attention(static_cast<const float*>(nullptr), static_cast<const float*>(nullptr),
                     static_cast<const float*>(nullptr), static_cast<float*>(nullptr), 0, 5, nullptr, c);
    repro::kv_cache<float> cache(1, 2, 4);
    repro::attention(static_cast<const float*>(nullptr), cache, 0, static_cast<float*>(nullptr), c);
}

// The README's example, as written there.
TEST_CASE("README: a prompt prefilled at once and decoded token by token gives the same bits") {
    repro::attention_config c;
    c.num_heads = 8, c.num_kv_heads = 2, c.head_dim = 64;
    const std::size_t n = 100, q_row = 8 * 64, kv_row = 2 * 64;
    const std::vector<float> q = random_matrix<float>(n, q_row, 1), k = random_matrix<float>(n, kv_row, 2),
                             v = random_matrix<float>(n, kv_row, 3);
    std::vector<float> prefill(n * q_row), decode(n * q_row);

    repro::kv_cache<float> whole(2, 64, n), stepwise(2, 64, n);
    whole.append(k.data(), v.data(), n);  // the prompt at once
    repro::attention(q.data(), whole, n, prefill.data(), c, repro::threads{4});
    for (std::size_t t = 0; t < n; ++t) {  // one token per step
        stepwise.append(k.data() + t * kv_row, v.data() + t * kv_row, 1);
        repro::attention(q.data() + t * q_row, stepwise, 1, decode.data() + t * q_row, c);
    }
    REPRO_CHECK_BITWISE_EQ(repro::view(prefill.data(), n * q_row), repro::view(decode.data(), n * q_row));
}
