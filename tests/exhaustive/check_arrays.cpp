// The math array forms against the scalar functions, bit for bit, on every
// SIMD path this CPU has: all 2^32 float inputs per float function, 2^24
// double inputs (four ranges, in runs of 4096 so that groups take the SIMD
// path) per double function. Run by hand (see docs/testing.md):
//   check_arrays [function ...]      (default: every function with a SIMD form)
// Exits with 1 when any result differs.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <repro/isa.hpp>
#include <repro/math.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using float_array = void (*)(const float*, float*, std::size_t);
using double_array = void (*)(const double*, double*, std::size_t);

struct entry {
    const char* name;
    float_array fa;
    float (*fs)(float);
    double_array da;  // null: no double SIMD form
    double (*ds)(double);
};

#define REPRO_BOTH(fn)                                                                                     \
    {                                                                                                      \
#fn, [](const float* x, float* y, std::size_t n) { repro::math::fn(x, y, n); },                          \
     [](float v) { return repro::math::fn(v); }, [](const double* x, double* y, std::size_t n) { repro::math::fn(x, y, n); }, \
     [](double v) { return repro::math::fn(v); } \
    }
#define REPRO_FLOAT(fn)                                                                                            \
    {                                                                                                              \
#fn, [](const float* x, float* y,                                                                          \
                std::size_t n) { repro::math::fn(x, y, n); }, [](float v) { return repro::math::fn(v); }, nullptr, \
                                                                                                       nullptr     \
    }

const entry entries[] = {REPRO_BOTH(exp),    REPRO_BOTH(expm1), REPRO_BOTH(log),       REPRO_BOTH(log1p),
                         REPRO_BOTH(log2),   REPRO_BOTH(tanh),  REPRO_BOTH(sigmoid),   REPRO_BOTH(silu),
                         REPRO_FLOAT(erf),   REPRO_BOTH(gelu),  REPRO_BOTH(gelu_tanh), REPRO_BOTH(sin2pi),
                         REPRO_BOTH(cos2pi), REPRO_BOTH(rsqrt)};

// Every float bit pattern, split over the hardware threads in blocks of 2^16.
unsigned long long all_floats(const entry& e) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<unsigned long long> bad(threads, 0);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            std::vector<float> x(1 << 16), y(1 << 16);
            for (std::uint64_t block = t; block < (1u << 16); block += threads) {
                for (std::uint32_t i = 0; i < (1u << 16); ++i) {
                    const std::uint32_t b = static_cast<std::uint32_t>(block << 16) | i;
                    std::memcpy(&x[i], &b, 4);
                }
                e.fa(x.data(), y.data(), x.size());
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const float s = e.fs(x[i]);
                    bad[t] += std::memcmp(&s, &y[i], 4) != 0;
                }
            }
        });
    for (auto& th : pool) th.join();
    unsigned long long total = 0;
    for (auto b : bad) total += b;
    return total;
}

unsigned long long many_doubles(const entry& e) {
    std::vector<double> x;
    std::uint64_t s = 99;
    for (int i = 0; i < (1 << 24); ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const std::uint64_t z = s ^ (s >> 29);
        const double u = static_cast<double>(z >> 11) * 0x1p-53;
        double v;
        switch ((i >> 12) % 4) {
            case 0:
                v = -40 + 80 * u;
                break;
            case 1:
                v = -800 + 1600 * u;
                break;
            case 2:
                v = std::ldexp(1.0 + u, static_cast<int>(z % 2100) - 1075);
                break;
            default:
                std::memcpy(&v, &z, 8);
                break;
        }
        x.push_back(v);
    }
    std::vector<double> y(x.size());
    e.da(x.data(), y.data(), x.size());
    unsigned long long bad = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double r = e.ds(x[i]);
        bad += std::memcmp(&r, &y[i], 8) != 0;
    }
    return bad;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> wanted(argv + 1, argv + argc);
    bool failed = false;
    const repro::isa best = repro::active_isa();
    for (repro::isa path : {repro::isa::avx512, repro::isa::avx2}) {
        if (path > best) continue;
        repro::limit_isa(path);
        for (const entry& e : entries) {
            bool take = wanted.empty();
            for (const auto& w : wanted) take |= w == e.name;
            if (!take) continue;
            const unsigned long long f = all_floats(e);
            std::printf("%-10s float,  ISA level %d: %llu of 2^32 differ\n", e.name, static_cast<int>(path), f);
            failed |= f != 0;
            if (e.da != nullptr) {
                const unsigned long long d = many_doubles(e);
                std::printf("%-10s double, ISA level %d: %llu of 2^24 differ\n", e.name, static_cast<int>(path), d);
                failed |= d != 0;
            }
            std::fflush(stdout);
        }
    }
    repro::limit_isa(best);
    return failed ? 1 : 0;
}
