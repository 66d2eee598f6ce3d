// repro::attention against the Eigen attention a C++ user would write, in the
// same binary, float, 8 heads (num_kv_heads 8), on 1 and 2 threads. Names:
// attention_<prefill|decode>_d<head_dim>_t<threads>/<implementation>/<tokens>;
// peer: marks the references of bench/ratios.py.
//
// prefill: one causal sequence of n tokens; q, k, v and out token-major
// (n x heads x head_dim), repro::attention over a batch of one. The Eigen
// peers Map each head's rows in place (outer stride heads x head_dim):
//   peer:eigen_masked  S = scale (Q K^T) for all n x n scores (Eigen GEMM),
//                      -inf above the diagonal, row softmax (max, exp, sum,
//                      divide), O = P V (Eigen GEMM) - the textbook form
//   peer:eigen_tiles   only the valid part: tiles of 64 query rows against
//                      keys 0 .. the tile's last row, the tile's diagonal
//                      block masked, softmax over each row's keys, O = P V;
//                      the multiply-adds of repro's own tiling
// decode: one query (the last token) against a cache of n tokens, head_dim
// 128; repro reads a repro::kv_cache filled beforehand, the peers one
// row-major n x head_dim Eigen matrix of keys and one of values per head
// (s = scale K q and o = V^T p: Eigen's GEMV).
// The softmax is Eigen's vectorised array exp (faster than a std::exp loop:
// 1.2x in the default build, 12x with -march=native).
// Threads: repro::threads{T}; each peer twice at T = 2, with Eigen's own
// threads (Eigen::setNbThreads(T), the heads one after the other, as in
// bench_linalg.cpp; Eigen's GEMM is parallel under OpenMP, its GEMV and the
// softmax are not) and as peer:..._heads, the heads split over T OpenMP
// threads (each head on one thread).
// Not peers: eigen_gemms_only runs only the two products of
// peer:eigen_tiles (prefill) or the two GEMVs (decode), no softmax: the
// same multiply-adds as repro at Eigen's product speed, against which
// bench/ratios.py prints the peer's speed too. GFLOP/s counts the causal
// multiply-adds, 2 x 2 x head_dim per (query, visible key) pair, alike for
// every implementation.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <repro/attention.hpp>
#include <repro/kv_cache.hpp>
#include <vector>

namespace {

using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using in_map = Eigen::Map<const row_major, 0, Eigen::OuterStride<>>;
using out_map = Eigen::Map<row_major, 0, Eigen::OuterStride<>>;
constexpr Eigen::Index heads = 8, tile = 64;

std::vector<float> uniform(std::size_t n, std::uint32_t s) {
    std::vector<float> x(n);
    for (float& v : x) {
        s = s * 1664525u + 1013904223u;
        v = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
    }
    return x;
}

float default_scale(Eigen::Index d) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))); }

void flops(benchmark::State& state, double per_call) {
    state.counters["GFLOP/s"] = benchmark::Counter(per_call * double(state.iterations()), benchmark::Counter::kIsRate,
                                                   benchmark::Counter::kIs1000);
}

// Runs f(h, scratch) for every head: one after the other with Eigen's own
// threads, or split over `threads` OpenMP threads; scratch is the calling
// thread's.
template <class F>
void for_heads(int threads, bool split, std::vector<row_major>& scratch, F f) {
    if (split && threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
        for (Eigen::Index h = 0; h < heads; ++h) f(h, scratch[std::size_t(omp_get_thread_num())]);
    } else {
        for (Eigen::Index h = 0; h < heads; ++h) f(h, scratch[0]);
    }
}

// ------------------------------------------------------------------ prefill

struct prefill {
    Eigen::Index n, d, ld;
    float scale;
    std::vector<float> q, k, v, out;
    prefill(Eigen::Index tokens, Eigen::Index dim)
        : n(tokens),
          d(dim),
          ld(heads * dim),
          scale(default_scale(dim)),
          q(uniform(std::size_t(tokens * ld), 1)),
          k(uniform(std::size_t(tokens * ld), 2)),
          v(uniform(std::size_t(tokens * ld), 3)),
          out(std::size_t(tokens * ld)) {}
    in_map Q(Eigen::Index h) const { return {q.data() + h * d, n, d, Eigen::OuterStride<>(ld)}; }
    in_map K(Eigen::Index h) const { return {k.data() + h * d, n, d, Eigen::OuterStride<>(ld)}; }
    in_map V(Eigen::Index h) const { return {v.data() + h * d, n, d, Eigen::OuterStride<>(ld)}; }
    out_map O(Eigen::Index h) { return {out.data() + h * d, n, d, Eigen::OuterStride<>(ld)}; }
    // causal (query, key) pairs x 2 products x 2 flops x head_dim, all heads
    double causal_flops() const { return 4.0 * double(d) * double(n) * double(n + 1) / 2.0 * double(heads); }
};

// Row softmax in place, each row's first `valid(i)` entries (the rest -> 0).
template <class Block, class Valid>
void softmax_rows(Block&& S, Valid valid) {
    for (Eigen::Index i = 0; i < S.rows(); ++i) {
        const Eigen::Index n = valid(i);
        auto r = S.row(i).head(n);
        const float m = r.maxCoeff();
        r = (r.array() - m).exp().matrix();
        r /= r.sum();
        S.row(i).tail(S.cols() - n).setZero();
    }
}

void masked_head(prefill& p, Eigen::Index h, row_major& S) {
    const in_map Q = p.Q(h), K = p.K(h), V = p.V(h);
    out_map O = p.O(h);
    S.resize(p.n, p.n);
    S.noalias() = p.scale * (Q * K.transpose());
    S.triangularView<Eigen::StrictlyUpper>().setConstant(-std::numeric_limits<float>::infinity());
    const Eigen::VectorXf m = S.rowwise().maxCoeff();
    S.array() = (S.array().colwise() - m.array()).exp();
    const Eigen::VectorXf l = S.rowwise().sum();
    S.array().colwise() /= l.array();
    O.noalias() = S * V;
}

template <bool Softmax>
void tiles_head(prefill& p, Eigen::Index h, row_major& S) {
    const in_map Q = p.Q(h), K = p.K(h), V = p.V(h);
    out_map O = p.O(h);
    S.resize(tile, p.n);
    for (Eigen::Index r0 = 0; r0 < p.n; r0 += tile) {
        const Eigen::Index rows = std::min(tile, p.n - r0), keys = r0 + rows;
        auto St = S.topLeftCorner(rows, keys);
        St.noalias() = p.scale * (Q.middleRows(r0, rows) * K.topRows(keys).transpose());
        if constexpr (Softmax) softmax_rows(St, [&](Eigen::Index i) { return r0 + i + 1; });
        O.middleRows(r0, rows).noalias() = St * V.topRows(keys);
    }
}

enum class peer_form { masked, tiles, gemms_only };

template <int D, int Threads, peer_form Form, bool Split>
void peer_prefill(benchmark::State& state) {
    Eigen::setNbThreads(Split ? 1 : Threads);
    prefill p(state.range(0), D);
    std::vector<row_major> scratch(Threads);
    for (auto _ : state) {
        for_heads(Threads, Split, scratch, [&](Eigen::Index h, row_major& S) {
            if constexpr (Form == peer_form::masked)
                masked_head(p, h, S);
            else
                tiles_head<Form == peer_form::tiles>(p, h, S);
        });
        benchmark::ClobberMemory();
    }
    flops(state, p.causal_flops());
}

template <int D, int Threads>
void repro_prefill(benchmark::State& state) {
    prefill p(state.range(0), D);
    repro::attention_config c;
    c.num_heads = c.num_kv_heads = std::size_t(heads);
    c.head_dim = D;
    for (auto _ : state) {
        repro::attention(p.q.data(), p.k.data(), p.v.data(), p.out.data(), 1, std::size_t(p.n), nullptr, c,
                         repro::threads{Threads});
        benchmark::ClobberMemory();
    }
    flops(state, p.causal_flops());
}

// ------------------------------------------------------------------- decode

struct decode {
    Eigen::Index n, d;
    float scale;
    std::vector<float> q, out;
    std::vector<row_major> K, V;  // per head, n x d
    repro::kv_cache<float> cache;
    decode(Eigen::Index context, Eigen::Index dim)
        : n(context),
          d(dim),
          scale(default_scale(dim)),
          q(uniform(std::size_t(heads * dim), 1)),
          out(std::size_t(heads * dim)),
          cache(std::size_t(heads), std::size_t(dim), std::size_t(context)) {
        // token-major keys and values, as a linear layer writes them
        const std::vector<float> k = uniform(std::size_t(context * heads * dim), 2),
                                 v = uniform(std::size_t(context * heads * dim), 3);
        cache.append(k.data(), v.data(), std::size_t(context));
        for (Eigen::Index h = 0; h < heads; ++h) {
            K.push_back(in_map(k.data() + h * d, n, d, Eigen::OuterStride<>(heads * d)));
            V.push_back(in_map(v.data() + h * d, n, d, Eigen::OuterStride<>(heads * d)));
        }
    }
    double causal_flops() const { return 4.0 * double(d) * double(n) * double(heads); }
};

template <bool Softmax>
void decode_head(decode& p, Eigen::Index h, row_major&) {
    thread_local Eigen::VectorXf s;
    const Eigen::Map<const Eigen::VectorXf> q(p.q.data() + h * p.d, p.d);
    Eigen::Map<Eigen::VectorXf> o(p.out.data() + h * p.d, p.d);
    s.noalias() = p.scale * (p.K[std::size_t(h)] * q);
    if constexpr (Softmax) {
        const float m = s.maxCoeff();
        s = (s.array() - m).exp().matrix();
        s /= s.sum();
    }
    o.noalias() = p.V[std::size_t(h)].transpose() * s;
}

template <int D, int Threads, bool Softmax, bool Split>
void peer_decode(benchmark::State& state) {
    Eigen::setNbThreads(Split ? 1 : Threads);
    decode p(state.range(0), D);
    std::vector<row_major> scratch(Threads);
    for (auto _ : state) {
        for_heads(Threads, Split, scratch, [&](Eigen::Index h, row_major& S) { decode_head<Softmax>(p, h, S); });
        benchmark::ClobberMemory();
    }
    flops(state, p.causal_flops());
}

template <int D, int Threads>
void repro_decode(benchmark::State& state) {
    decode p(state.range(0), D);
    repro::attention_config c;
    c.num_heads = c.num_kv_heads = std::size_t(heads);
    c.head_dim = D;
    for (auto _ : state) {
        repro::attention(p.q.data(), p.cache, 1, p.out.data(), c, repro::threads{Threads});
        benchmark::ClobberMemory();
    }
    flops(state, p.causal_flops());
}

}  // namespace

// Short runs: the largest prefill is 0.1-0.6 s a call; the whole binary runs
// in about 30 s per build on 2 cores (2 minutes with 5 repetitions).
#define PREFILL_SIZES \
    Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Arg(2048)->MinTime(0.1)->Unit(benchmark::kMicrosecond)->UseRealTime()
#define DECODE_SIZES Arg(128)->Arg(512)->Arg(2048)->Arg(8192)->MinTime(0.1)->Unit(benchmark::kMicrosecond)->UseRealTime()
#define PREFILL_TASK(D, T) "attention_prefill_d" #D "_t" #T
#define DECODE_TASK(D, T) "attention_decode_d" #D "_t" #T

#define REPRO_PREFILL_PEERS(D, T, Split, suffix)                                                              \
    BENCHMARK(peer_prefill<D, T, peer_form::masked, Split>)                                                   \
        ->Name(PREFILL_TASK(D, T) "/peer:eigen_masked" suffix)                                                \
        ->PREFILL_SIZES;                                                                                      \
    BENCHMARK(peer_prefill<D, T, peer_form::tiles, Split>)->Name(PREFILL_TASK(D, T) "/peer:eigen_tiles" suffix) \
        ->PREFILL_SIZES
#define REPRO_PREFILL_BENCH(D, T)                                                                              \
    REPRO_PREFILL_PEERS(D, T, false, "");                                                                      \
    BENCHMARK(peer_prefill<D, T, peer_form::gemms_only, (T > 1)>)                                              \
        ->Name(PREFILL_TASK(D, T) "/eigen_gemms_only")                                                         \
        ->PREFILL_SIZES;                                                                                       \
    BENCHMARK(repro_prefill<D, T>)->Name(PREFILL_TASK(D, T) "/repro_attention")->PREFILL_SIZES
#define REPRO_DECODE_BENCH(D, T)                                                                                   \
    BENCHMARK(peer_decode<D, T, true, false>)->Name(DECODE_TASK(D, T) "/peer:eigen")->DECODE_SIZES;                \
    BENCHMARK(peer_decode<D, T, false, (T > 1)>)->Name(DECODE_TASK(D, T) "/eigen_gemms_only")->DECODE_SIZES;       \
    BENCHMARK(repro_decode<D, T>)->Name(DECODE_TASK(D, T) "/repro_attention")->DECODE_SIZES

REPRO_PREFILL_BENCH(64, 1);
REPRO_PREFILL_BENCH(128, 1);
REPRO_PREFILL_BENCH(64, 2);
REPRO_PREFILL_PEERS(64, 2, true, "_heads");
REPRO_PREFILL_BENCH(128, 2);
REPRO_PREFILL_PEERS(128, 2, true, "_heads");
REPRO_DECODE_BENCH(128, 1);
REPRO_DECODE_BENCH(128, 2);
BENCHMARK(peer_decode<128, 2, true, true>)->Name(DECODE_TASK(128, 2) "/peer:eigen_heads")->DECODE_SIZES;
BENCHMARK_MAIN();
