// repro's Philox4x32-10 against NVIDIA's: cuRAND's host generator
// (curandCreateGeneratorHost, CURAND_RNG_PSEUDO_PHILOX4_32_10) runs on the
// CPU, so this needs the CUDA toolkit's libcurand but no GPU. Where no host
// generator can be created the program prints why and exits with 77, which
// CTest reports as skipped.
//
// How cuRAND's host Philox maps to Philox4x32-10 (worked out from its output
// and checked below; CUDA 13.0, cuRAND 10.4, the same for the default and the
// legacy ordering):
//   key     = {seed low 32 bits, seed high 32 bits}
//             (curandSetPseudoRandomGeneratorSeed; the default seed is 0)
//   element e of the generator's sequence, e = offset + (words generated so
//   far), offset from curandSetGeneratorOffset; each curandGenerate call
//   continues where the last one stopped (no rounding to whole blocks):
//     block i = e / 4, word e % 4 of that block;
//     the blocks are dealt round-robin to 65536 subsequences: subsequence
//     t = i % 65536 takes its j-th block, j = i / 65536, so
//     counter = {j low, j high, t, 0}
//   (that is, subsequence t starts at counter {0, 0, t, 0} and counts up in
//   words 0-1, as curand_init(seed, t, 0, &state) does on the device:
//   curand_kernel.h zeroes the counter and skipahead_sequence adds t to
//   counter words 2-3).
//   e is not reduced modulo 2^64: an offset near 2^64 runs on into blocks
//   past 2^62.
// In repro's terms, subsequence t of a seed is the stream
// random_stream(random_key::from_seed(seed), sample = t << 32, step = 0).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <curand.h>

#include <cstdint>
#include <cstdio>
#include <repro/isa.hpp>
#include <repro/random.hpp>
#include <string>
#include <vector>

#include "support/random_kat.hpp"
#include "support/test_data.hpp"

using repro::u32x2;
using repro::u32x4;

namespace {

static_assert(sizeof(unsigned int) == sizeof(std::uint32_t), "curandGenerate writes unsigned int");

constexpr std::uint64_t curand_subsequences = 65536;

// One cuRAND host Philox generator, released on scope exit.
class host_philox {
public:
    host_philox(std::uint64_t seed, std::uint64_t offset = 0,
                curandOrdering_t ordering = CURAND_ORDERING_PSEUDO_DEFAULT) {
        REQUIRE(curandCreateGeneratorHost(&g_, CURAND_RNG_PSEUDO_PHILOX4_32_10) == CURAND_STATUS_SUCCESS);
        created_ = true;
        REQUIRE(curandSetGeneratorOrdering(g_, ordering) == CURAND_STATUS_SUCCESS);
        REQUIRE(curandSetPseudoRandomGeneratorSeed(g_, seed) == CURAND_STATUS_SUCCESS);
        REQUIRE(curandSetGeneratorOffset(g_, offset) == CURAND_STATUS_SUCCESS);
    }
    ~host_philox() {
        if (created_) curandDestroyGenerator(g_);
    }
    host_philox(const host_philox&) = delete;
    host_philox& operator=(const host_philox&) = delete;

    std::vector<std::uint32_t> generate(std::size_t n) {
        std::vector<unsigned int> v(n);
        REQUIRE(curandGenerate(g_, v.data(), n) == CURAND_STATUS_SUCCESS);
        return std::vector<std::uint32_t>(v.begin(), v.end());
    }

private:
    curandGenerator_t g_{};
    bool created_ = false;
};

// Element offset + p of cuRAND's sequence under the mapping above, from
// repro::philox4x32_10; e = offset + p is kept as (block, word) so that it
// can pass 2^64.
std::uint32_t mapped(std::uint64_t seed, std::uint64_t offset, std::uint64_t p) {
    const std::uint64_t within = offset % 4 + p % 4;
    const std::uint64_t i = offset / 4 + p / 4 + within / 4;  // block
    const std::uint64_t t = i % curand_subsequences, j = i / curand_subsequences;
    const u32x4 ctr = {static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(j >> 32),
                       static_cast<std::uint32_t>(t), 0};
    return repro::philox4x32_10(ctr, repro::random_key::from_seed(seed).words)[within % 4];
}

std::string hex(std::uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

// Every word of cuRAND's output against the mapping; the first few
// mismatches are reported.
void check_mapping(std::uint64_t seed, std::uint64_t offset, const std::vector<std::uint32_t>& got) {
    std::size_t bad = 0;
    for (std::size_t p = 0; p < got.size(); ++p) {
        const std::uint32_t want = mapped(seed, offset, p);
        if (got[p] != want && ++bad <= 5)
            FAIL_CHECK("seed " << hex(seed) << " offset " << hex(offset) << " position " << p << ": cuRAND "
                               << hex(got[p]) << ", repro " << hex(want));
    }
    CHECK(bad == 0);
}

}  // namespace

TEST_CASE("cuRAND's host Philox4x32-10 is repro's philox4x32_10 under the documented seed and counter mapping") {
    int version = 0;
    curandGetVersion(&version);
    MESSAGE("cuRAND version " << version);
    // 2^20 + 12 words: every subsequence's blocks 0-3 and block 4 of the
    // first three, so both counter words 0 and 2 are exercised.
    constexpr std::size_t n = (std::size_t(1) << 20) + 12;
    repro_test::splitmix64 g(0xc0da);
    for (const std::uint64_t seed : {std::uint64_t(0), std::uint64_t(1), std::uint64_t(0xfedcba9876543210u),
                                     ~std::uint64_t(0), g.next(), g.next()}) {
        host_philox gen(seed);
        check_mapping(seed, 0, gen.generate(n));
    }
    // The legacy ordering, which cuRAND promises never to change, is the same.
    host_philox legacy(0x0123456789abcdefu, 0, CURAND_ORDERING_PSEUDO_LEGACY);
    check_mapping(0x0123456789abcdefu, 0, legacy.generate(n));
}

TEST_CASE("the generator offset moves the element index, one word per unit, up to and past 2^64") {
    const std::uint64_t seed = 0x5eed5eed5eed5eedu;
    const std::uint64_t offsets[] = {1,
                                     2,
                                     3,
                                     5,
                                     262143,
                                     262145,
                                     (std::uint64_t(1) << 32) + 1,
                                     (std::uint64_t(1) << 34) + 3,
                                     (std::uint64_t(1) << 40) - 1,
                                     (std::uint64_t(1) << 50) + 6,
                                     (std::uint64_t(1) << 62) + 7};
    for (const std::uint64_t offset : offsets) {
        host_philox gen(seed, offset);
        check_mapping(seed, offset, gen.generate(100000));
    }
    // 16 words before 2^64, then on into block 2^62 (subsequence 0, j = 2^46).
    const std::uint64_t near_end = ~std::uint64_t(0) - 15;
    host_philox gen(seed, near_end);
    const auto v = gen.generate(100);
    check_mapping(seed, near_end, v);
    CHECK(v[16] == repro::philox4x32_10({0, 0x4000, 0, 0}, repro::random_key::from_seed(seed).words)[0]);
}

TEST_CASE("successive curandGenerate calls continue the sequence word by word") {
    const std::uint64_t seed = 77;
    host_philox whole(seed, 3);
    const auto all = whole.generate(100000 + 13);
    host_philox parts(seed, 3);
    std::vector<std::uint32_t> joined;
    for (const std::size_t n : {std::size_t(6), std::size_t(6), std::size_t(1), std::size_t(100000)}) {
        const auto part = parts.generate(n);
        joined.insert(joined.end(), part.begin(), part.end());
    }
    CHECK(joined == all);
    check_mapping(seed, 3, joined);
}

TEST_CASE("each cuRAND subsequence t is repro's random_stream with sample id t << 32, on every ISA") {
    const std::uint64_t seed = 0xabcdef0123456789u;
    constexpr std::size_t blocks_per_subsequence = 4;
    host_philox gen(seed);
    const auto all = gen.generate(4 * curand_subsequences * blocks_per_subsequence);
    const repro::isa saved = repro::active_isa();
    for (const repro::isa i : {repro::isa::generic, repro::isa::avx2}) {
        repro::limit_isa(i);
        std::size_t bad = 0;
        for (const std::uint64_t t : {std::uint64_t(0), std::uint64_t(1), std::uint64_t(2), std::uint64_t(1000),
                                      std::uint64_t(40503), std::uint64_t(65535)}) {
            const repro::random_stream s(repro::random_key::from_seed(seed), t << 32, 0);
            std::vector<std::uint32_t> words(4 * blocks_per_subsequence);
            s.fill_bits(words.data(), words.size());
            for (std::size_t j = 0; j < blocks_per_subsequence; ++j)
                for (std::size_t w = 0; w < 4; ++w)
                    if (words[4 * j + w] != all[4 * (j * curand_subsequences + t) + w] && ++bad <= 5)
                        FAIL_CHECK("subsequence " << t << " block " << j << " word " << w);
        }
        CHECK(bad == 0);
    }
    repro::limit_isa(saved);
}

TEST_CASE("cuRAND reproduces the Philox known answers whose counters its mapping can reach") {
    // Reachable: counter word 3 = 0 and word 2 < 65536 (seed = key, offset =
    // 4 (65536 j + t)). Among Random123's vectors that is the all-zero one.
    int ran = 0;
    for (const auto& v : repro_test::random_kat_vectors()) {
        if (v.name != "philox4x32" || v.ctr[3] != 0 || v.ctr[2] >= curand_subsequences) continue;
        INFO("known-answer line " << v.line);
        const std::uint64_t seed = (static_cast<std::uint64_t>(v.key[1]) << 32) | v.key[0];
        const std::uint64_t j = (static_cast<std::uint64_t>(v.ctr[1]) << 32) | v.ctr[0];
        REQUIRE(j < (std::uint64_t(1) << 46));
        host_philox gen(seed, 4 * (j * curand_subsequences + v.ctr[2]));
        const auto got = gen.generate(4);
        for (std::size_t w = 0; w < 4; ++w) CHECK(got[w] == v.expected[w]);
        ++ran;
    }
    CHECK(ran >= 1);
}

int main(int argc, char** argv) {
    curandGenerator_t g{};
    const curandStatus_t status = curandCreateGeneratorHost(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10);
    if (status != CURAND_STATUS_SUCCESS) {
        std::printf(
            "test_random_curand: SKIPPED - curandCreateGeneratorHost(CURAND_RNG_PSEUDO_PHILOX4_32_10) "
            "failed with status %d, so cuRAND cannot be compared here\n",
            static_cast<int>(status));
        return 77;
    }
    curandDestroyGenerator(g);
    doctest::Context context(argc, argv);
    return context.run();
}
