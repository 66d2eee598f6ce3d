// repro::cuda::attention and repro::cuda::kv_cache on the device against
// repro::attention on the CPU, bit for bit, in the four serving modes: one
// prefill alone, a padded batch (padding filled with NaN), chunked prefill
// and decode through device caches, and continuous batching; float, __half
// and __nv_bfloat16 keys and values. Linked into test_gpu (its main skips
// without a GPU; the argument checks run without one).

#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <repro/cuda/attention.cuh>
#include <repro/repro.hpp>

#include "device_buffer.hpp"

using repro_test::count_differences;
using repro_test::device_buffer;
using repro_test::narrowed;
using repro_test::random_data;

namespace {

namespace rc = repro::cuda;

repro::attention_config gqa_config(std::size_t d) {
    repro::attention_config c;
    c.num_heads = 8;
    c.num_kv_heads = 2;
    c.head_dim = d;
    return c;
}

template <class KV>
void serving_modes_match_cpu(std::size_t d) {
    const repro::attention_config c = gqa_config(d);
    const std::size_t n = 300, q_row = 8 * d, kv_row = 2 * d;
    const std::vector<float> q = random_data<float>(n * q_row, 1, -3, 1);
    const std::vector<KV> k = narrowed<KV>(random_data<float>(n * kv_row, 2, -3, 1)),
                          v = narrowed<KV>(random_data<float>(n * kv_row, 3, -4, 2));
    std::vector<float> cpu(n * q_row);
    repro::attention(q.data(), k.data(), v.data(), cpu.data(), 1, n, nullptr, c, repro::threads{4});

    // a padded batch: the sequence second of two, the first shorter, padding NaN
    const std::size_t max_length = n + 20, lengths[] = {77, n};
    std::vector<float> qp(2 * max_length * q_row, std::numeric_limits<float>::quiet_NaN());
    std::vector<KV> kp(2 * max_length * kv_row, repro::narrow<KV>(std::numeric_limits<float>::quiet_NaN())), vp = kp;
    std::copy(q.begin(), q.end(), qp.begin() + max_length * q_row);
    std::copy(k.begin(), k.end(), kp.begin() + max_length * kv_row);
    std::copy(v.begin(), v.end(), vp.begin() + max_length * kv_row);
    device_buffer<float> dq(qp), dout(qp.size());
    device_buffer<KV> dk(kp), dv(vp);
    rc::attention(dq.p, dk.p, dv.p, dout.p, 2, max_length, lengths, c);
    const std::vector<float> padded = dout.host();
    CHECK(count_differences(std::vector<float>(padded.begin() + max_length * q_row,
                                               padded.begin() + (max_length + n) * q_row),
                            cpu) == 0);

    // chunked prefill and decode through a device cache
    device_buffer<float> dq1(q), dout1(q.size());
    device_buffer<KV> dk1(k), dv1(v);
    for (const std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(64), n}) {
        CAPTURE(chunk);
        rc::kv_cache<KV> cache(2, d, n);
        for (std::size_t first = 0; first < n; first += chunk) {
            const std::size_t count = std::min(chunk, n - first);
            cache.append(dk1.p + first * kv_row, dv1.p + first * kv_row, count);
            rc::attention(dq1.p + first * q_row, cache, count, dout1.p + first * q_row, c);
        }
        CHECK(count_differences(dout1.host(), cpu) == 0);
    }
}

}  // namespace

TEST_CASE("CUDA attention gives the CPU's bits alone, padded, in chunks and in decode") {
    serving_modes_match_cpu<float>(64);
    serving_modes_match_cpu<float>(128);
    serving_modes_match_cpu<__half>(64);
    serving_modes_match_cpu<__nv_bfloat16>(128);
}

TEST_CASE("CUDA continuous batching: sequences joining and leaving keep the CPU's bits") {
    const repro::attention_config c = gqa_config(32);
    const std::size_t q_row = 256, kv_row = 64, total[] = {50, 9, 120}, join[] = {0, 3, 6};
    std::vector<std::vector<float>> q(3), k(3), v(3), cpu(3), got(3);
    std::vector<rc::kv_cache<float>> caches;
    for (std::size_t r = 0; r < 3; ++r) {
        q[r] = random_data<float>(total[r] * q_row, 10 + r, -3, 1);
        k[r] = random_data<float>(total[r] * kv_row, 20 + r, -3, 1);
        v[r] = random_data<float>(total[r] * kv_row, 30 + r, -3, 1);
        cpu[r].resize(q[r].size());
        got[r].resize(q[r].size());
        repro::attention(q[r].data(), k[r].data(), v[r].data(), cpu[r].data(), 1, total[r], nullptr, c);
        caches.emplace_back(2, 32, total[r]);
    }
    std::size_t done[3] = {0, 0, 0};
    for (std::size_t step = 0; step < 200; ++step) {
        std::vector<const rc::kv_cache<float>*> batch;
        std::vector<std::size_t> counts, which;
        std::vector<float> qs, ks, vs;
        for (std::size_t r = 0; r < 3; ++r) {
            if (step < join[r] || done[r] == total[r]) continue;
            const std::size_t count = done[r] == 0 ? std::min<std::size_t>(16, total[r]) : 1;
            device_buffer<float> dk(std::vector<float>(k[r].begin() + done[r] * kv_row,
                                                       k[r].begin() + (done[r] + count) * kv_row));
            device_buffer<float> dv(std::vector<float>(v[r].begin() + done[r] * kv_row,
                                                       v[r].begin() + (done[r] + count) * kv_row));
            caches[r].append(dk.p, dv.p, count);
            cudaDeviceSynchronize();
            qs.insert(qs.end(), q[r].begin() + done[r] * q_row, q[r].begin() + (done[r] + count) * q_row);
            batch.push_back(&caches[r]);
            counts.push_back(count);
            which.push_back(r);
        }
        if (batch.empty()) break;
        device_buffer<float> dq(qs), dout(qs.size());
        rc::attention(dq.p, batch.data(), counts.data(), batch.size(), dout.p, c);
        const std::vector<float> out = dout.host();
        std::size_t at = 0;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const std::size_t r = which[i];
            std::copy(out.begin() + at * q_row, out.begin() + (at + counts[i]) * q_row,
                      got[r].begin() + done[r] * q_row);
            at += counts[i];
            done[r] += counts[i];
        }
    }
    for (std::size_t r = 0; r < 3; ++r) CHECK(count_differences(got[r], cpu[r]) == 0);
}

TEST_CASE("CUDA kv_cache forks and truncates like the CPU cache") {
    const repro::attention_config c = gqa_config(16);
    const std::size_t n = 40;
    const std::vector<float> q = random_data<float>(n * 128, 5, -3, 1), k = random_data<float>(n * 32, 6, -3, 1),
                             v = random_data<float>(n * 32, 7, -3, 1);
    device_buffer<float> dq(q), dk(k), dv(v), a(128), b(128);
    rc::kv_cache<float> cache(2, 16, n);
    cache.append(dk.p, dv.p, 30);
    rc::kv_cache<float> beam = cache.fork();
    cache.truncate(20);
    cache.append(dk.p + 30 * 32, dv.p + 30 * 32, 1);  // token 20 of `cache` is token 30 of the data
    beam.truncate(21);
    rc::attention(dq.p, cache, 1, a.p, c);
    rc::attention(dq.p, beam, 1, b.p, c);
    repro::kv_cache<float> cpu_cache(2, 16, n);
    cpu_cache.append(k.data(), v.data(), 20);
    cpu_cache.append(k.data() + 30 * 32, v.data() + 30 * 32, 1);
    std::vector<float> cpu(128);
    repro::attention(q.data(), cpu_cache, 1, cpu.data(), c);
    CHECK(count_differences(a.host(), cpu) == 0);
    CHECK(count_differences(b.host(), cpu) > 0);  // the fork kept its own token 20
}

TEST_SUITE("arguments") {
    TEST_CASE("bad CUDA attention arguments throw what the CPU's throw") {
        const auto message = [](auto f) { return repro_test::invalid_argument_message(f); };
        const float* null = nullptr;
        float* out = nullptr;
        repro::attention_config c = gqa_config(8);
        c.num_kv_heads = 3;
        CHECK(message([&] { rc::attention(null, null, null, out, 1, 4, nullptr, c); }) ==
              "repro::cuda::attention: config.num_kv_heads (3) does not divide config.num_heads (8)");
        c = gqa_config(8);
        CHECK(message([&] { rc::attention(null, null, null, out, 1, 4, nullptr, c); }) ==
              "repro::cuda::attention: q is a null pointer");
        rc::kv_cache<float> cache(2, 8, 4);
        CHECK(message([&] { rc::attention(null, cache, 1, out, c); }) ==
              "repro::cuda::attention: query_counts[0] = 1 is above caches[0]'s length 0");
        rc::kv_cache<float> other(1, 8, 4);
        CHECK(message([&] { rc::attention(null, other, 0, out, c); }) ==
              "repro::cuda::attention: caches[0] has 1 kv heads of 8 values, the config 2 of 8");
        CHECK(message([&] { rc::kv_cache<float>(0, 8, 4); }) == "repro::cuda::kv_cache: num_kv_heads is 0");
        CHECK(message([&] { cache.truncate(1); }) ==
              "repro::cuda::kv_cache::truncate: length 1 is beyond the cache's length 0");
        CHECK(message([&] { cache.append(null, null, 1); }) == "repro::cuda::kv_cache::append: k is a null pointer");
    }
}
