// Concurrency of the public kernels: many user threads calling them at once,
// with different thread counts, from inside an OpenMP region where the
// compiler has OpenMP, and a soak of random kernels, sizes and thread
// counts. Oracle: the same call made alone on one thread (threads{} never
// changes a bit, docs/reference/threads.md), computed before the threads
// start or, in the soak, by the calling thread itself.
//   test_concurrency                   the stress cases
//   REPRO_SOAK_SECONDS=60 test_concurrency -tc="soak*"   the soak (ctest: test_soak)
#define REPRO_GEMM_MIN_THREADED_FMAS 4096  // small products on several threads too
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <repro/linalg.hpp>
#include <repro/nn.hpp>
#include <repro/reduce.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/test_data.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

std::vector<float> values(std::size_t n, std::uint64_t seed) {
    repro_test::splitmix64 g(seed);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(static_cast<std::int64_t>(g.next() >> 40) - (1 << 23)) * 0x1p-23f;
    return v;
}

// One kernel call on fixed data: its result bits for a thread count.
struct job {
    int kernel;     // 0 sum, 1 dot, 2 exact_sum, 3 matmul, 4 softmax, 5 rms_norm
    std::size_t n;  // elements (sum, dot), or the row count M / rows
    std::uint64_t seed;

    std::vector<float> run(unsigned t) const {
        const repro::threads th{t};
        const std::size_t k = 48, cols = 37;
        switch (kernel) {
            case 0: {
                const auto x = values(n, seed);
                return {repro::sum(x.data(), n, th)};
            }
            case 1: {
                const auto x = values(n, seed), y = values(n, seed + 1);
                return {repro::dot(x.data(), y.data(), n, th)};
            }
            case 2: {
                const auto x = values(n, seed);
                return {repro::exact_sum(x.data(), n, th)};
            }
            case 3: {
                const auto a = values(n * k, seed), b = values(k * cols, seed + 1);
                std::vector<float> c(n * cols);
                repro::matmul(a.data(), b.data(), c.data(), n, k, cols, th);
                return c;
            }
            case 4: {
                const auto x = values(n * cols, seed);
                std::vector<float> y(n * cols);
                repro::softmax(x.data(), y.data(), n, cols, th);
                return y;
            }
            default: {
                const auto x = values(n * cols, seed), w = values(cols, seed + 1);
                std::vector<float> y(n * cols);
                repro::rms_norm(x.data(), w.data(), y.data(), n, cols, 1e-6f, th);
                return y;
            }
        }
    }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// Each job's bits on one thread, computed before any concurrency.
std::vector<std::vector<float>> single_thread_results(const std::vector<job>& all) {
    std::vector<std::vector<float>> r;
    for (const job& j : all) r.push_back(j.run(1));
    return r;
}

std::vector<job> jobs() {
    std::vector<job> j;
    for (int kernel = 0; kernel < 6; ++kernel)
        for (const std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(97), std::size_t(40000)})
            j.push_back({kernel, kernel >= 3 ? (n == 40000 ? 300 : n) : n, 1000u + static_cast<unsigned>(kernel)});
    return j;
}

}  // namespace

TEST_CASE("eight threads calling the kernels at once, with 1-4 threads each, get the single caller's bits") {
    const std::vector<job> all = jobs();
    const std::vector<std::vector<float>> expected = single_thread_results(all);
    std::atomic<int> wrong{0};
    std::vector<std::thread> callers;
    for (unsigned c = 0; c < 8; ++c)
        callers.emplace_back([&, c] {
            for (int round = 0; round < 3; ++round)
                for (std::size_t i = 0; i < all.size(); ++i) {
                    const std::size_t pick = (i * 7 + c * 5 + static_cast<std::size_t>(round)) % all.size();
                    wrong += !same_bits(all[pick].run(1 + (c + i) % 4), expected[pick]);
                }
        });
    for (auto& t : callers) t.join();
    CHECK(wrong == 0);
}

TEST_CASE("calls from inside the caller's own thread pool and OpenMP region give the same bits") {
    const std::vector<job> all = jobs();
    const std::vector<std::vector<float>> expected = single_thread_results(all);
    std::atomic<int> wrong{0};
    // A user's pool: workers that each run a repro call, which itself runs on repro's pool.
    std::vector<std::thread> pool;
    std::atomic<std::size_t> next{0};
    for (int w = 0; w < 4; ++w)
        pool.emplace_back([&] {
            for (std::size_t i; (i = next++) < all.size();) wrong += !same_bits(all[i].run(3), expected[i]);
        });
    for (auto& t : pool) t.join();
    CHECK(wrong == 0);
#if defined(_OPENMP)
    const int n = static_cast<int>(all.size());
    int omp_wrong = 0;
#pragma omp parallel for num_threads(4) reduction(+ : omp_wrong) schedule(dynamic)
    for (int i = 0; i < n; ++i)
        omp_wrong += !same_bits(all[static_cast<std::size_t>(i)].run(2), expected[static_cast<std::size_t>(i)]);
    CHECK(omp_wrong == 0);
#else
    MESSAGE("built without OpenMP: the OpenMP case is not run");
#endif
}

TEST_CASE("a call whose argument check throws on one thread leaves the others' concurrent calls intact") {
    const std::vector<job> all = jobs();
    const std::vector<std::vector<float>> expected = single_thread_results(all);
    std::atomic<int> wrong{0}, thrown{0};
    std::vector<std::thread> callers;
    for (unsigned c = 0; c < 4; ++c)
        callers.emplace_back([&, c] {
            for (std::size_t i = 0; i < all.size(); ++i) {
                if ((i + c) % 3 == 0) {
                    try {
                        const float* null = nullptr;
                        (void)repro::sum(null, 5, repro::threads{2});
                    } catch (const std::invalid_argument&) {
                        ++thrown;
                    }
                }
                wrong += !same_bits(all[i].run(2 + c % 3), expected[i]);
            }
        });
    for (auto& t : callers) t.join();
    CHECK(wrong == 0);
    CHECK(thrown == 4 * 8);
}

// Random kernels, sizes (0, 1, primes, powers of two +-1, up to 2^17) and
// thread counts (1-8) from four threads for REPRO_SOAK_SECONDS (default 5);
// each call is checked against the same call on one thread, made by the
// same caller right before.
TEST_CASE("soak: random kernels, sizes and thread counts from four threads keep the single-thread bits") {
    const char* env = std::getenv("REPRO_SOAK_SECONDS");
    const double seconds = env ? std::atof(env) : 5.0;
    const auto stop = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    const std::size_t sizes[] = {0,   1,    2,    3,    7,    31,    32,    33,    127,
                                 257, 1021, 4095, 4096, 4097, 16383, 16385, 65537, 131071};
    std::atomic<long> calls{0}, wrong{0};
    std::vector<std::thread> callers;
    for (unsigned c = 0; c < 4; ++c)
        callers.emplace_back([&, c] {
            repro_test::splitmix64 g(77 + c);
            while (std::chrono::steady_clock::now() < stop) {
                job j{static_cast<int>(g.below(6)), sizes[g.below(sizeof sizes / sizeof sizes[0])], g.next()};
                if (j.kernel >= 3) j.n = j.n % 700;  // rows of a product or a layer
                const unsigned t = 1 + static_cast<unsigned>(g.below(8));
                wrong += !same_bits(j.run(t), j.run(1));
                ++calls;
            }
        });
    for (auto& t : callers) t.join();
    MESSAGE(calls.load(), " calls in ", seconds, " s");
    CHECK(calls > 0);
    CHECK(wrong == 0);
}
