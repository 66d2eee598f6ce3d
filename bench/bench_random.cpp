// repro's counter-based streams against Random123 in the same binary:
// Philox4x32-10 words into a buffer, uniform floats, normal floats. Names:
// <task>/<implementation>/<n>; the peer: implementation is the reference of
// bench/ratios.py. Both sides produce the same Philox words (counter word 0
// = block index); the conversions differ as documented (Random123's u01 and
// boxmuller use libm; repro's use repro::math, portable).
#include <benchmark/benchmark.h>

#include <Random123/boxmuller.hpp>
#include <Random123/philox.h>
#include <Random123/uniform.hpp>
#include <cstdint>
#include <repro/random.hpp>
#include <vector>

namespace {

constexpr std::uint32_t kSample = 12345, kStep = 7;

r123::Philox4x32::ctr_type r123_ctr(std::uint32_t b) { return {{b, kSample, 0, kStep}}; }
const r123::Philox4x32::key_type r123_key = {{0xdeadbeef, 0x12345678}};
const repro::random_key repro_key{{0xdeadbeef, 0x12345678}};

void report(benchmark::State& state, std::size_t bytes_per_item) {
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * state.range(0) * static_cast<std::int64_t>(bytes_per_item));
}

void peer_r123_bits(benchmark::State& state) {
    std::vector<std::uint32_t> out(static_cast<std::size_t>(state.range(0)));
    r123::Philox4x32 philox;
    for (auto _ : state) {
        for (std::size_t b = 0; b < out.size() / 4; ++b) {
            const auto r = philox(r123_ctr(static_cast<std::uint32_t>(b)), r123_key);
            for (int w = 0; w < 4; ++w) out[4 * b + static_cast<std::size_t>(w)] = r.v[w];
        }
        benchmark::ClobberMemory();
    }
    report(state, 4);
}

void repro_bits(benchmark::State& state) {
    std::vector<std::uint32_t> out(static_cast<std::size_t>(state.range(0)));
    const repro::random_stream s(repro_key, kSample, kStep);
    for (auto _ : state) {
        s.fill_bits(out.data(), out.size());
        benchmark::ClobberMemory();
    }
    report(state, 4);
}

void peer_r123_uniform(benchmark::State& state) {
    std::vector<float> out(static_cast<std::size_t>(state.range(0)));
    r123::Philox4x32 philox;
    for (auto _ : state) {
        for (std::size_t b = 0; b < out.size() / 4; ++b) {
            const auto r = philox(r123_ctr(static_cast<std::uint32_t>(b)), r123_key);
            for (int w = 0; w < 4; ++w) out[4 * b + static_cast<std::size_t>(w)] = r123::u01<float>(r.v[w]);
        }
        benchmark::ClobberMemory();
    }
    report(state, 4);
}

void repro_uniform(benchmark::State& state) {
    std::vector<float> out(static_cast<std::size_t>(state.range(0)));
    const repro::random_stream s(repro_key, kSample, kStep);
    for (auto _ : state) {
        s.fill_uniform(out.data(), out.size());
        benchmark::ClobberMemory();
    }
    report(state, 4);
}

void peer_r123_normal(benchmark::State& state) {
    std::vector<float> out(static_cast<std::size_t>(state.range(0)));
    r123::Philox4x32 philox;
    for (auto _ : state) {
        for (std::size_t b = 0; b < out.size() / 4; ++b) {
            const auto r = philox(r123_ctr(static_cast<std::uint32_t>(b)), r123_key);
            const r123::float2 z0 = r123::boxmuller(r.v[0], r.v[1]);
            const r123::float2 z1 = r123::boxmuller(r.v[2], r.v[3]);
            out[4 * b] = z0.x;
            out[4 * b + 1] = z0.y;
            out[4 * b + 2] = z1.x;
            out[4 * b + 3] = z1.y;
        }
        benchmark::ClobberMemory();
    }
    report(state, 4);
}

void repro_normal(benchmark::State& state) {
    std::vector<float> out(static_cast<std::size_t>(state.range(0)));
    const repro::random_stream s(repro_key, kSample, kStep);
    for (auto _ : state) {
        s.fill_normal(out.data(), out.size());
        benchmark::ClobberMemory();
    }
    report(state, 4);
}

}  // namespace

#define N Arg(1 << 16)
BENCHMARK(peer_r123_bits)->Name("philox_bits/peer:random123_philox4x32")->N;
BENCHMARK(repro_bits)->Name("philox_bits/repro_fill_bits")->N;
BENCHMARK(peer_r123_uniform)->Name("uniform_float/peer:random123_u01")->N;
BENCHMARK(repro_uniform)->Name("uniform_float/repro_fill_uniform")->N;
BENCHMARK(peer_r123_normal)->Name("normal_float/peer:random123_boxmuller")->N;
BENCHMARK(repro_normal)->Name("normal_float/repro_fill_normal")->N;
BENCHMARK_MAIN();
