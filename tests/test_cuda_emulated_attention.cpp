// The CUDA attention's kernel body (detail/kernels/attention_rows.hpp) run on
// the host through a whole emulated grid, against repro::attention on the
// CPU, bit for bit: padded batches, chunked prefill, decode, grouped-query
// heads, half keys and values, rows of several 16384-chunks, grids of 1 to 7
// blocks.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/attention.hpp>
#include <repro/eigen.hpp>
#include <vector>

#include "support/attention_emulator.hpp"
#include "support/bit_checks.hpp"

using namespace repro_test;
namespace rk = repro::detail::kernels;

namespace {

repro::attention_config config(std::size_t heads, std::size_t kv_heads, std::size_t d, bool causal) {
    repro::attention_config c;
    c.num_heads = heads;
    c.num_kv_heads = kv_heads;
    c.head_dim = d;
    c.causal = causal;
    return c;
}

float scale_of(const repro::attention_config& c) {
    return static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim)));
}

template <class KV>
void padded_batch_matches(const repro::attention_config& c, std::uint64_t seed) {
    const std::size_t max_length = 70, batch = 3;
    const std::size_t lengths[] = {70, 1, 43};
    const std::size_t qn = batch * max_length * c.num_heads * c.head_dim;
    const std::size_t kn = batch * max_length * c.num_kv_heads * c.head_dim;
    const std::vector<float> q = random_matrix<float>(1, qn, seed, -3, 1);
    std::vector<float> kf = random_matrix<float>(1, kn, seed + 1, -3, 1), vf = random_matrix<float>(1, kn, seed + 2);
    const std::vector<KV> k = narrowed<KV>(kf), v = narrowed<KV>(vf);
    std::vector<float> cpu(qn), gpu(qn, 0.0f);
    repro::attention(q.data(), k.data(), v.data(), cpu.data(), batch, max_length, lengths, c);
    const auto items = rk::padded_items(q.data(), k.data(), v.data(), gpu.data(), batch, max_length, lengths,
                                        c.num_heads, c.num_kv_heads, c.head_dim, c.causal);
    for (const std::size_t blocks : {1, 3, 7}) {
        CAPTURE(blocks);
        std::fill(gpu.begin(), gpu.end(), 0.0f);  // the device call zeroes the padding rows too
        emulate_attention(rk::attention_rows<KV>{items.data(), items.size(), c.head_dim, scale_of(c)}, blocks);
        CHECK(first_difference(gpu, cpu) == npos);
    }
}

}  // namespace

TEST_CASE("emulated CUDA attention gives the CPU's bits for padded batches") {
    for (const bool causal : {true, false}) {
        CAPTURE(causal);
        padded_batch_matches<float>(config(4, 2, 32, causal), 1);
        padded_batch_matches<float>(config(3, 3, 5, causal), 2);
        padded_batch_matches<float>(config(8, 1, 64, causal), 3);
        padded_batch_matches<Eigen::half>(config(4, 2, 16, causal), 4);
        padded_batch_matches<Eigen::bfloat16>(config(2, 1, 24, causal), 5);
    }
}

TEST_CASE("emulated CUDA attention gives the CPU's bits in chunked prefill and decode against caches") {
    const repro::attention_config c = config(4, 2, 16, true);
    const std::size_t n = 90, q_row = 64, kv_row = 32;
    const std::vector<float> q = random_matrix<float>(n, q_row, 7), k = random_matrix<float>(n, kv_row, 8),
                             v = random_matrix<float>(n, kv_row, 9);
    std::vector<float> cpu(n * q_row);
    repro::attention(q.data(), k.data(), v.data(), cpu.data(), 1, n, nullptr, c);
    for (const std::size_t chunk : {1, 7, 64}) {
        CAPTURE(chunk);
        repro::kv_cache<float> cache(2, 16, n);
        std::vector<float> gpu(n * q_row);
        for (std::size_t first = 0; first < n; first += chunk) {
            const std::size_t count = std::min(chunk, n - first);
            cache.append(k.data() + first * kv_row, v.data() + first * kv_row, count);
            const repro::kv_cache<float>* one = &cache;
            const auto items = rk::cache_items<float>(q.data() + first * q_row, gpu.data() + first * q_row, &one,
                                                      &count, 1, 4, 2, 16, true);
            emulate_attention(rk::attention_rows<float>{items.data(), items.size(), 16, scale_of(c)}, 2);
        }
        CHECK(first_difference(gpu, cpu) == npos);
    }
}

TEST_CASE("emulated CUDA attention sums rows of several 16384-chunks in the CPU's order") {
    const repro::attention_config c = config(1, 1, 4, true);
    const std::size_t n = 3 * 16384 + 5;
    const std::vector<float> k = random_matrix<float>(n, 4, 11, -6, -3), v = random_matrix<float>(n, 4, 12);
    const std::vector<float> q = random_matrix<float>(1, 4, 13);
    repro::kv_cache<float> cache(1, 4, n);
    cache.append(k.data(), v.data(), n);
    float cpu[4], gpu[4];
    repro::attention(q.data(), cache, 1, cpu, c);
    const std::size_t one_query = 1;
    const repro::kv_cache<float>* p = &cache;
    const auto items = rk::cache_items<float>(q.data(), gpu, &p, &one_query, 1, 1, 1, 4, true);
    emulate_attention(rk::attention_rows<float>{items.data(), items.size(), 4, scale_of(c)}, 1, 256);
    for (int i = 0; i < 4; ++i) CHECK(repro::bitwise_equal(gpu[i], cpu[i]));
}

TEST_CASE("emulated CUDA attention keeps a NaN key to the queries that see it") {
    const repro::attention_config c = config(1, 1, 8, true);
    std::vector<float> q = random_matrix<float>(12, 8, 1), k = random_matrix<float>(12, 8, 2),
                       v = random_matrix<float>(12, 8, 3);
    k[5 * 8 + 1] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> cpu(q.size()), gpu(q.size());
    repro::attention(q.data(), k.data(), v.data(), cpu.data(), 1, 12, nullptr, c);
    const std::size_t len = 12;
    const auto items = rk::padded_items(q.data(), k.data(), v.data(), gpu.data(), 1, 12, &len, 1, 1, 8, true);
    emulate_attention(rk::attention_rows<float>{items.data(), items.size(), 8, scale_of(c)}, 2);
    CHECK(first_difference(gpu, cpu) == npos);
    CHECK(repro::is_nan(gpu[5 * 8]));
    CHECK(!repro::is_nan(gpu[4 * 8]));
}
