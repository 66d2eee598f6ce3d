// Prints one hash per `portable` function over fixed inputs built from
// integer bits. CI builds this program with different flags (fp-contract,
// ISA level, optimisation, compiler) and requires identical output: that is
// the proof of the `portable` level. Each new portable function adds a line.

#include <cstdint>
#include <cstdio>
#include <limits>
#include <repro/detail/reduce/fixed_window.hpp>
#include <repro/repro.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "../support/test_data.hpp"

namespace {

// FNV-1a over the bytes of the results.
struct hasher {
    std::uint64_t h = 0xcbf29ce484222325ull;
    void bytes(const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    }
    // Integers by value, least significant byte first, so that big-endian
    // machines (s390x) print the hashes of little-endian ones.
    template <class T>
    void add(const T& x) {
        static_assert(std::is_integral<T>::value, "hash integers and floating-point values");
        using U = std::make_unsigned_t<T>;
        const U u = static_cast<U>(x);
        for (std::size_t i = 0; i < sizeof u; ++i) {
            const auto b = static_cast<unsigned char>(u >> (8 * i));
            bytes(&b, 1);
        }
    }
    // IEEE-754 leaves the payload and sign of a NaN result open (x86 keeps an
    // operand's, libm's software fma and GPUs differ), so `portable` promises
    // the bits of every non-NaN result and NaN for NaN: all NaNs hash alike.
    void add(float x) { add_value(x); }
    void add(double x) { add_value(x); }
    template <class T>
    void add_value(T x) {
        add(repro::is_nan(x) ? repro::float_traits<T>::infinity_bits | 1 : repro::to_bits(x));
    }
};

constexpr int inputs = 1 << 16;

template <class T>
std::vector<T> inputs_for(std::uint64_t seed) {
    repro_test::splitmix64 g(seed);
    std::vector<T> v = repro_test::edge_values<T>();
    while (v.size() < inputs) v.push_back(repro_test::random_bits<T>(g));
    return v;
}

void print(const char* name, const hasher& h) { std::printf("%-28s %016llx\n", name, (unsigned long long)h.h); }

template <class T>
void hash_fp(const std::string& type) {
    const std::vector<T> a = inputs_for<T>(1), b = inputs_for<T>(2), c = inputs_for<T>(3);
    hasher ulp, neighbours, bits, sum, fsum, prod, fused;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ulp.add(repro::ulp_distance(a[i], b[i]));
        neighbours.add(repro::next_up(a[i]));
        neighbours.add(repro::next_down(a[i]));
        bits.add(repro::bitwise_equal(a[i], b[i]) + 2 * repro::is_nan(a[i]) + 4 * repro::is_inf(a[i]));
        const auto s = repro::two_sum(a[i], b[i]);
        sum.add(s.value);
        sum.add(s.error);
        const auto f = repro::fast_two_sum(a[i], b[i]);
        fsum.add(f.value);
        fsum.add(f.error);
        const auto p = repro::two_prod(a[i], b[i]);
        prod.add(p.value);
        prod.add(p.error);
        fused.add(repro::fma(a[i], b[i], c[i]));
    }
    print(("fp.ulp_distance." + type).c_str(), ulp);
    print(("fp.next_up_down." + type).c_str(), neighbours);
    print(("fp.classify." + type).c_str(), bits);
    print(("fp.two_sum." + type).c_str(), sum);
    print(("fp.fast_two_sum." + type).c_str(), fsum);
    print(("fp.two_prod." + type).c_str(), prod);
    print(("fp.fma." + type).c_str(), fused);
}

// compare is not a kernel, but its verdicts and its text must not depend on
// the build either (its close-mode bound is an explicit fma).
template <class T>
void hash_compare(const std::string& type) {
    const std::vector<T> a = inputs_for<T>(4);
    std::vector<T> b = a;
    repro_test::splitmix64 g(5);
    for (auto& x : b)
        if (g.below(3) == 0)
            x = repro::from_bits<T>(static_cast<repro::bits_t<T>>(repro::to_bits(x) ^ (g.next() & 0xff)));
    hasher h;
    for (const auto& tol : {repro::tolerance::bitwise(), repro::tolerance::ulp(16), repro::tolerance::close(),
                            repro::tolerance::close(1e-3, 1e-30)}) {
        const std::string text = repro::compare(a.data(), b.data(), a.size() / 64, 64, tol).to_string(16);
        h.bytes(text.data(), text.size());
    }
    print(("compare.report." + type).c_str(), h);
}

// Every reduction on arrays of several lengths (0, primes, powers of two +-1,
// several chunks), values with random signs over 2^-20..2^20, and once with
// 3 threads (which must not change a bit).
template <class T>
void hash_reduce(const std::string& type) {
    repro_test::splitmix64 g(6);
    const int bias = repro::float_traits<T>::precision == 24 ? 127 : 1023;
    std::vector<T> x(70000), y(70000);
    for (auto& v : x) v = repro_test::random_finite<T>(g, bias - 20, bias + 20);
    for (auto& v : y) v = repro_test::random_finite<T>(g, bias - 20, bias + 20);
    hasher sum, dot, sum2, dot2, exact, exact_dot, stats, ext, window;
    for (std::size_t n : {0u, 1u, 2u, 31u, 32u, 33u, 127u, 4097u, 16383u, 16384u, 16385u, 49157u, 70000u}) {
        sum.add(repro::sum(x.data(), n));
        sum.add(repro::sum(x.data(), n, repro::threads{3}));
        dot.add(repro::dot(x.data(), y.data(), n));
        dot.add(repro::dot(x.data(), y.data(), n, repro::threads{3}));
        sum2.add(repro::sum_compensated(x.data(), n));
        dot2.add(repro::dot_compensated(x.data(), y.data(), n));
        exact.add(repro::exact_sum(x.data(), n));
        exact.add(repro::exact_sum(x.data(), n, repro::threads{3}));
        exact_dot.add(repro::exact_dot(x.data(), y.data(), n));
        stats.add(repro::nrm2(x.data(), n));
        stats.add(repro::mean(x.data(), n));
        stats.add(repro::variance(x.data(), n));
        if (n) ext.add(repro::max(x.data(), n)), ext.add(repro::argmin(x.data(), n));
        // The fixed-point window of repro::mpi::allreduce_exact (its products
        // are exact, so contraction must not move a bit): x[0..n) as n terms.
        using w = repro::detail::fixed_window<T>;
        unsigned key = 0;
        for (std::size_t i = 0; i < n; ++i) key = w::key(x[i]) > key ? w::key(x[i]) : key;
        const int bits = w::magnitude_bits(n ? n : 1);
        double limb[2] = {0, 0};
        double fits = 0;
        for (std::size_t i = 0; i < n; ++i) fits += w::add(x[i], key, bits, limb) ? 1 : 0;
        window.add(limb[0]), window.add(limb[1]), window.add(fits), window.add(w::result(limb, key, bits));
    }
    print(("reduce.sum." + type).c_str(), sum);
    print(("reduce.dot." + type).c_str(), dot);
    print(("reduce.sum_compensated." + type).c_str(), sum2);
    print(("reduce.dot_compensated." + type).c_str(), dot2);
    print(("reduce.exact_sum." + type).c_str(), exact);
    print(("reduce.exact_dot." + type).c_str(), exact_dot);
    print(("reduce.nrm2_mean_variance." + type).c_str(), stats);
    print(("reduce.max_argmin." + type).c_str(), ext);
    print(("reduce.fixed_window." + type).c_str(), window);
}

// Every math function on 10^6 inputs from bits: half random bit patterns
// (NaN, Inf, subnormals and all), half finite values of magnitude 2^-30..2^8.
template <class T>
void hash_math(const std::string& type) {
    repro_test::splitmix64 g(7);
    std::vector<T> x = repro_test::edge_values<T>();
    const int bias = repro::float_traits<T>::precision == 24 ? 127 : 1023;
    while (x.size() < 500000) x.push_back(repro_test::random_bits<T>(g));
    while (x.size() < 1000000) x.push_back(repro_test::random_finite<T>(g, bias - 30, bias + 7));
    std::vector<T> y(x.size());
    // The array forms (SIMD for float where the CPU has it; the hashes of the
    // REPRO_ISA=generic run must match).
    auto run = [&](const char* name, auto f) {
        f(x.data(), y.data(), x.size());
        hasher h;
        for (T v : y) h.add(v);
        print(("math." + std::string(name) + "." + type).c_str(), h);
    };
    run("exp", [](const T* a, T* b, std::size_t n) { repro::math::exp(a, b, n); });
    run("expm1", [](const T* a, T* b, std::size_t n) { repro::math::expm1(a, b, n); });
    run("log", [](const T* a, T* b, std::size_t n) { repro::math::log(a, b, n); });
    run("log1p", [](const T* a, T* b, std::size_t n) { repro::math::log1p(a, b, n); });
    run("log2", [](const T* a, T* b, std::size_t n) { repro::math::log2(a, b, n); });
    run("tanh", [](const T* a, T* b, std::size_t n) { repro::math::tanh(a, b, n); });
    run("sigmoid", [](const T* a, T* b, std::size_t n) { repro::math::sigmoid(a, b, n); });
    run("silu", [](const T* a, T* b, std::size_t n) { repro::math::silu(a, b, n); });
    run("erf", [](const T* a, T* b, std::size_t n) { repro::math::erf(a, b, n); });
    run("gelu", [](const T* a, T* b, std::size_t n) { repro::math::gelu(a, b, n); });
    run("gelu_tanh", [](const T* a, T* b, std::size_t n) { repro::math::gelu_tanh(a, b, n); });
    run("sin2pi", [](const T* a, T* b, std::size_t n) { repro::math::sin2pi(a, b, n); });
    run("cos2pi", [](const T* a, T* b, std::size_t n) { repro::math::cos2pi(a, b, n); });
    run("rsqrt", [](const T* a, T* b, std::size_t n) { repro::math::rsqrt(a, b, n); });
}

// Random streams (generators, bulk fills, distributions, permutation) and
// the random layers keyed by sample id.
template <class T>
void hash_random(const std::string& type) {
    const repro::random_key key = repro::random_key::from_seed(2026).fold_in(3);
    hasher gen, dist, layers;
    for (std::uint32_t i = 0; i < 4096; ++i) {
        for (std::uint32_t w : repro::philox4x32_10({i, 1, 2, 3}, key.words)) gen.add(w);
        for (std::uint32_t w : repro::threefry2x32_20({i, 5}, key.words)) gen.add(w);
        for (std::uint32_t w : repro::threefry4x32_20({i, 5, 6, 7}, {1, 2, 3, 4})) gen.add(w);
        const auto kids = key.fold_in(i).split();
        gen.add(kids[0].words[0]);
        gen.add(kids[1].words[1]);
    }
    const repro::random_stream s(key, 0x123456789ull, 11);
    std::vector<std::uint32_t> bits(100003);
    s.fill_bits(bits.data(), bits.size(), 3);
    for (std::uint32_t w : bits) gen.add(w);
    std::vector<T> v(50001);
    s.fill_uniform(v.data(), v.size(), 1);
    for (T x : v) dist.add(x);
    s.fill_normal(v.data(), v.size(), 5);
    for (T x : v) dist.add(x);
    for (std::uint64_t i = 0; i < 1000; ++i) dist.add(s.uniform_open<T>(i * 7919));
    const repro::permutation perm(1000003, key);
    for (std::uint64_t i = 0; i < 1000003; i += 101) dist.add(perm(i));
    const std::size_t rows = 37, cols = 1001;
    std::vector<T> x(rows * cols), y(x.size());
    repro_test::splitmix64 g(5);
    for (T& e : x) e = repro_test::random_finite<T>(g, 100, 140);
    std::vector<std::uint64_t> ids(rows);
    for (std::size_t r = 0; r < rows; ++r) ids[r] = g.next();
    repro::dropout(x.data(), y.data(), rows, cols, 0.3, key, ids.data(), 9);
    for (T e : y) layers.add(e);
    repro::add_gaussian_noise(x.data(), y.data(), rows, cols, T(0.25), key, ids.data(), 9);
    for (T e : y) layers.add(e);
    print(("random.generators." + type).c_str(), gen);
    print(("random.distributions." + type).c_str(), dist);
    print(("nn.dropout_noise." + type).c_str(), layers);
}

// Every batch-invariant kernel and layer on fixed data.
template <class T>
void hash_layers(const std::string& type) {
    repro_test::splitmix64 g(17);
    const int bias = sizeof(T) == 4 ? 127 : 1023;
    auto values = [&](std::size_t n) {
        std::vector<T> v(n);
        for (T& e : v) e = repro_test::random_finite<T>(g, bias - 5, bias + 2);
        return v;
    };
    const std::size_t M = 37, K = 70, N = 45;
    const auto a = values(M * K), b = values(K * N), w = values(N * K), bias_v = values(N);
    std::vector<T> c(M * N);
    hasher h;
    auto add_all = [&](const std::vector<T>& v) {
        for (T e : v) h.add(e);
    };
    // N = 45: leftover columns only on AVX-512; 150: wide panels too, read in
    // place (13 rows) and packed (37 rows).
    for (const std::size_t n : {N, std::size_t(150)})
        for (const std::size_t m : {std::size_t(13), M}) {
            const auto bb = values(K * n), ww = values(n * K);
            std::vector<T> cc(m * n);
            repro::matmul(a.data(), bb.data(), cc.data(), m, K, n);
            add_all(cc);
            repro::matmul_bt(a.data(), ww.data(), cc.data(), m, K, n, repro::threads{2});
            add_all(cc);
        }
    for (auto act :
         {repro::activation::none, repro::activation::relu, repro::activation::sigmoid, repro::activation::tanh,
          repro::activation::silu, repro::activation::gelu, repro::activation::gelu_tanh}) {
        repro::linear(a.data(), w.data(), bias_v.data(), c.data(), M, K, N, act);
        add_all(c);
    }
    print(("linalg.matmul_linear." + type).c_str(), h);
    h = hasher{};
    const auto x = values(M * N), gamma = values(N), beta = values(N), mean = values(N);
    auto var = values(N);
    std::vector<T> y(x.size());
    repro::softmax(x.data(), y.data(), M, N);
    add_all(y);
    repro::log_softmax(x.data(), y.data(), M, N);
    add_all(y);
    repro::rms_norm(x.data(), gamma.data(), y.data(), M, N);
    add_all(y);
    repro::rms_norm(x.data(), nullptr, y.data(), M * N / 64, 64);  // a power-of-two row: mean by a product
    add_all(y);
    repro::layer_norm(x.data(), gamma.data(), beta.data(), y.data(), M, N);
    add_all(y);
    repro::batch_norm(x.data(), y.data(), M, N, mean.data(), var.data(), gamma.data(), beta.data(), T(1e-5),
                      repro::batch_norm_mode::inference);
    add_all(y);
    repro::group_norm(x.data(), nullptr, nullptr, y.data(), M, 9, 5, 5);
    add_all(y);
    repro::conv2d_shape s{};
    s.n = 2, s.h = 9, s.w = 7, s.c_in = 4, s.c_out = 6, s.kh = 3, s.kw = 3, s.pad_h = 1, s.pad_w = 1, s.groups = 2;
    const auto img = values(s.n * s.h * s.w * s.c_in), filt = values(s.c_out * 3 * 3 * 2);
    std::vector<T> out(s.n * s.out_h() * s.out_w() * s.c_out);
    repro::conv2d(img.data(), filt.data(), nullptr, out.data(), s, repro::activation::relu);
    add_all(out);
    std::vector<T> pooled(2 * 5 * 4 * 4);  // oh = (9 + 2 - 3) / 2 + 1 = 5, ow = 4
    repro::pool2d(img.data(), pooled.data(), 2, 9, 7, 4, 3, 3, 2, 1, repro::pooling::mean);
    add_all(pooled);
    repro::population_statistics<T> p(N);
    p.add(x.data(), M);
    p.add_deviations(x.data(), M);
    add_all(p.mean());
    add_all(p.variance());
    print(("nn.layers." + type).c_str(), h);
}

// Attention (a padded batch, then decode through a cache) and rope.
void hash_sequence() {
    repro_test::splitmix64 g(29);
    auto values = [&](std::size_t n) {
        std::vector<float> v(n);
        for (float& e : v) e = repro_test::random_finite<float>(g, 127 - 4, 127 + 1);
        return v;
    };
    repro::attention_config c;
    c.num_heads = 4, c.num_kv_heads = 2, c.head_dim = 24;
    const std::size_t L = 70, q_row = 96, kv_row = 48;
    const auto q = values(2 * L * q_row), k = values(2 * L * kv_row), v = values(2 * L * kv_row);
    const std::size_t lengths[] = {L, 33};
    std::vector<float> out(q.size());
    hasher h;
    for (const bool causal : {true, false}) {
        c.causal = causal;
        repro::attention(q.data(), k.data(), v.data(), out.data(), 2, L, lengths, c, repro::threads{2});
        for (float e : out) h.add(e);
    }
    c.causal = true;
    repro::kv_cache<float> cache(2, 24, L);
    for (std::size_t t = 0; t < L; ++t) {
        cache.append(k.data() + t * kv_row, v.data() + t * kv_row, 1);
        repro::attention(q.data() + t * q_row, cache, 1, out.data(), c);
        for (std::size_t i = 0; i < q_row; ++i) h.add(out[i]);
    }
    print("attention.float", h);
    h = hasher{};
    std::vector<std::size_t> pos(L);
    for (std::size_t t = 0; t < L; ++t) pos[t] = t * t * 3;
    for (const auto pairs : {repro::rope_pairs::halves, repro::rope_pairs::interleaved}) {
        std::vector<float> x(q.begin(), q.begin() + L * q_row);
        repro::rope(x.data(), L, 4, 24, pos.data(), 10000.0f, pairs);
        for (float e : x) h.add(e);
    }
    print("sequence.rope.float", h);
}

}  // namespace

// The serialized forms, byte for byte (not by value): they are defined as
// little-endian bytes, so a big-endian machine must write the same ones.
template <class T>
void hash_formats(const std::string& type) {
    repro_test::splitmix64 g(11);
    std::vector<T> x(10007);
    for (auto& v : x) v = static_cast<T>(static_cast<std::int64_t>(g.next() >> 24) - (std::int64_t(1) << 39)) / T(4096);
    repro::exact_accumulator<T> acc;
    acc.add(x.data(), x.size());
    acc.add(std::numeric_limits<T>::infinity());
    const std::vector<std::uint8_t> bytes = acc.serialize();
    hasher h;
    h.bytes(bytes.data(), bytes.size());
    const std::string stream =
        repro::random_stream(repro::random_key::from_seed(0x9876fedc1234abcdull), 42, 7).to_string();
    h.bytes(stream.data(), stream.size());
    print(("format.accumulator_and_stream." + type).c_str(), h);
}

int main() {
    hash_formats<float>("float");
    hash_formats<double>("double");
    hash_fp<float>("float");
    hash_fp<double>("double");
    hash_reduce<float>("float");
    hash_reduce<double>("double");
    hash_math<float>("float");
    hash_math<double>("double");
    hash_layers<float>("float");
    hash_layers<double>("double");
    hash_random<float>("float");
    hash_random<double>("double");
    hash_compare<float>("float");
    hash_compare<double>("double");
    hash_sequence();
    return 0;
}
