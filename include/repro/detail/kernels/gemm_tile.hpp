#pragma once
// Kernel bodies of the CUDA matrix products (repro/cuda/linalg.cuh,
// repro/cuda/conv.cuh), run on the host by the emulator test. One block
// computes a BM x BN tile of C; each thread owns a TM x TN micro-tile of
// outputs and keeps one accumulator per output.
//
// The order, per output (repro/linalg.hpp): c = +0, then c = fma(A[i][k],
// B[k][j], c) for k = 0, 1, ..., K-1 ascending, one chain; then, for linear,
// c + bias[j] (one rounding) and the activation. Slices of BK values of k
// are staged in shared memory one after the other and a thread runs its
// chains through each slice in k order before the next, so neither the tile
// shape nor the grid can change a chain: leftover rows and columns are loaded
// as +0 and never stored, and the last, short slice runs only its kk < BK
// values (a padded term fma(0, 0, -0) would turn a -0 chain into +0).
//
// Phases (each ends at a barrier): phase 0 fetches slice 0 into registers
// and stores it to shared buffer 0; phase s + 1 fetches slice s + 1 from
// global memory, multiplies slice s out of buffer s % 2, then stores slice
// s + 1 into the other buffer (double buffering: the loads are in flight
// during the multiply). After the last phase each thread writes its outputs.

#include <cstddef>
#include <cstdint>

#include "../../fp.hpp"
#include "../meta.hpp"
#include "activation.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace detail {
namespace kernels {

// A tile: BM x BN outputs per block, BK values of k per slice, TM x TN
// outputs per thread. The shape decides speed only.
template <int BM_, int BN_, int BK_, int TM_, int TN_>
struct tile_shape {
    static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
    static constexpr int threads_m = BM / TM, threads_n = BN / TN, threads = threads_m * threads_n;
    static constexpr int a_loads = BM * BK / threads, b_loads = BN * BK / threads;
    // A thread's rows (columns) come in runs of up to 4 adjacent ones, the
    // runs BM * run / TM apart, so that a warp's shared reads of one k are
    // few wide accesses.
    static constexpr int run_m = TM < 4 ? TM : 4, run_n = TN < 4 ? TN : 4;
    static constexpr int pad = 4;  // shared rows padded: the transposing stores spread over the banks
    static_assert(BM % TM == 0 && BN % TN == 0 && TM % run_m == 0 && TN % run_n == 0, "tile_shape: divisibility");
    static_assert(BM * BK % threads == 0 && BN * BK % threads == 0, "tile_shape: whole loads per thread");
    REPRO_HD static int row_of(int tm, int r) { return (r / run_m) * (BM * run_m / TM) + tm * run_m + r % run_m; }
    REPRO_HD static int col_of(int tn, int c) { return (c / run_n) * (BN * run_n / TN) + tn * run_n + c % run_n; }
};

// The shapes the CUDA launcher picks from (every one gives the same bits).
using tile_large = tile_shape<128, 128, 8, 8, 8>;   // float, many rows
using tile_medium = tile_shape<64, 64, 8, 4, 4>;    // double, or too few 128 x 128 tiles to fill the GPU
using tile_few_rows = tile_shape<8, 32, 32, 1, 1>;  // M <= 8: one output per thread, loads spread over the block

// Which shape the launcher runs for `count` M x N products of T: M <= 8
// few_rows; float with enough 128 x 128 tiles to fill a GPU large; else
// medium. Shared with the emulator test; it decides speed only.
enum class tile_kind { few_rows, medium, large };
inline constexpr std::size_t large_tile_min_blocks = 256;

template <class T>
tile_kind tile_for(std::size_t M, std::size_t N, std::size_t count) {
    if (M <= static_cast<std::size_t>(tile_few_rows::BM)) return tile_kind::few_rows;
    const std::size_t large = (M + 127) / 128 * ((N + 127) / 128) * count;
    return sizeof(T) == 4 && large >= large_tile_min_blocks ? tile_kind::large : tile_kind::medium;
}

// ------------------------------------------------------------- operands

// A as a row-major matrix (lda apart), TA widened exactly to T.
template <class T, class TA>
struct a_matrix {
    static constexpr bool k_contiguous = true;
    const TA* A;
    std::size_t lda;
    REPRO_HD T at(std::size_t i, std::size_t k) const { return widen_to<T>(A[i * lda + k]); }
};

// B as stored (K x N, ldb apart) or transposed (N x K, ldb apart).
template <class T, class TB>
struct b_matrix {
    static constexpr bool k_contiguous = false;
    const TB* B;
    std::size_t ldb;
    REPRO_HD T at(std::size_t k, std::size_t j) const { return widen_to<T>(B[k * ldb + j]); }
};

template <class T, class TB>
struct bt_matrix {
    static constexpr bool k_contiguous = true;
    const TB* Bt;
    std::size_t ldb;
    REPRO_HD T at(std::size_t k, std::size_t j) const { return widen_to<T>(Bt[j * ldb + k]); }
};

// One product: C (M x N, ldc apart) = A B, then per output + bias[j] (when
// bias is not null) and the activation.
template <class T, class ASrc, class BSrc>
struct gemm_problem {
    using value_type = T;
    ASrc a;
    BSrc b;
    T* C;
    std::size_t ldc;
    const T* bias;
    activation act;
    std::size_t M, K, N;
};

// A batch of `count` products with the same M, K, N (the block's z index
// picks one): matmul and linear have one.
template <class P>
struct single_product {
    using problem_type = P;
    P p;
    REPRO_HD std::size_t count() const { return 1; }
    REPRO_HD P problem(std::size_t) const { return p; }
};

// ------------------------------------------------------------- convolution

// What the convolution's im2col needs of repro::conv2d_shape (repro/nn.hpp),
// with the output width and the channels of one group.
struct conv_geometry {
    std::size_t h, w, c_in, cg, kw, ow;
    std::size_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
};

// The im2col matrix of one sample and one group, read on the fly: row p =
// output pixel (oy, ox), column k = (dy, dx, ci) with ci fastest, the input
// pixel's channel g * cg + ci, and +0 where the pixel is padding (repro::
// conv2d's rows, so the chains are its chains).
template <class T>
struct conv_rows {
    static constexpr bool k_contiguous = true;
    const T* x;  // the sample's first pixel, at channel g * cg
    conv_geometry s;
    REPRO_HD T at(std::size_t p, std::size_t k) const {
        const std::size_t ci = k % s.cg, t = k / s.cg, dx = t % s.kw, dy = t / s.kw;
        const std::size_t oy = p / s.ow, ox = p % s.ow;
        // unsigned: a pixel above or left of the input wraps to a huge index
        const std::size_t iy = oy * s.stride_h + dy * s.dilation_h - s.pad_h;
        const std::size_t ix = ox * s.stride_w + dx * s.dilation_w - s.pad_w;
        if (iy >= s.h || ix >= s.w) return T(0);
        return x[(iy * s.w + ix) * s.c_in + ci];
    }
};

// conv2d as n * groups products, z = sample * groups + group: P x K rows of
// the sample times the group's og filters (og x K, OHWI) transposed, into
// the group's og channels of the sample's P output pixels.
template <class T>
struct conv_batch {
    const T* x;
    const T* weight;
    const T* bias;
    T* y;
    conv_geometry s;
    std::size_t n, groups, c_out, og, P, K;
    activation act;
    using problem_type = gemm_problem<T, conv_rows<T>, bt_matrix<T, T>>;
    REPRO_HD std::size_t count() const { return n * groups; }
    REPRO_HD problem_type problem(std::size_t z) const {
        const std::size_t b = z / groups, g = z % groups;
        return {conv_rows<T>{x + b * s.h * s.w * s.c_in + g * s.cg, s},
                bt_matrix<T, T>{weight + g * og * K, K},
                y + b * P * c_out + g * og,
                c_out,
                bias != nullptr ? bias + g * og : nullptr,
                act,
                P,
                K,
                og};
    }
};

// The explicit im2col matrix (for the tensor-core mode): element e of the
// (n P) x K matrix of group g, rows sample by sample.
template <class T>
struct conv_im2col {
    const T* x;
    T* out;
    conv_geometry s;
    std::size_t g, P, K;
    REPRO_HD void operator()(std::size_t e) const {
        const std::size_t row = e / K, k = e % K, b = row / P;
        out[e] = conv_rows<T>{x + b * s.h * s.w * s.c_in + g * s.cg, s}.at(row % P, k);
    }
};

// ------------------------------------------------------------- the tile

template <class Shape, class T>
struct tile_shared {
    T a[2][Shape::BK][Shape::BM + Shape::pad];  // a[buffer][k][row]
    T b[2][Shape::BK][Shape::BN + Shape::pad];  // b[buffer][k][column]
};

template <class Shape, class T>
struct tile_thread {
    T acc[Shape::TM][Shape::TN];
    T next_a[Shape::a_loads], next_b[Shape::b_loads];  // the slice in flight
};

template <class Shape, class P>
struct gemm_tile {
    using T = typename P::value_type;
    using shared = tile_shared<Shape, T>;
    using thread = tile_thread<Shape, T>;
    static constexpr int BM = Shape::BM, BN = Shape::BN, BK = Shape::BK, TM = Shape::TM, TN = Shape::TN;

    // Phases before the outputs are written: one per slice, plus one.
    REPRO_HD static std::size_t phases(std::size_t K) {
        return K == 0 ? 0 : (K + static_cast<std::size_t>(BK) - 1) / static_cast<std::size_t>(BK) + 1;
    }

    REPRO_HD static void begin(thread& th) {
        for (int r = 0; r < TM; ++r)
            for (int c = 0; c < TN; ++c) th.acc[r][c] = T(0);
    }

    // Element e of a rows x BK slice, numbered so that consecutive threads
    // read consecutive addresses: along k when the operand's k is
    // contiguous, else along its rows (B's columns).
    template <class Src, int Rows>
    REPRO_HD static void slice_position(int e, int& row, int& k) {
        if (Src::k_contiguous)
            row = e / BK, k = e % BK;
        else
            k = e / Rows, row = e % Rows;
    }

    // Slice s (values k0 .. k0 + BK - 1) of the tile at (i0, j0) into the
    // thread's registers; outside the matrices +0.
    REPRO_HD static void fetch(const P& p, std::size_t i0, std::size_t j0, std::size_t k0, int tid, thread& th) {
        REPRO_UNROLL(8)
        for (int l = 0; l < Shape::a_loads; ++l) {
            int row, k;
            slice_position<decltype(p.a), BM>(tid + l * Shape::threads, row, k);
            const std::size_t i = i0 + static_cast<std::size_t>(row), kk = k0 + static_cast<std::size_t>(k);
            th.next_a[l] = i < p.M && kk < p.K ? p.a.at(i, kk) : T(0);
        }
        REPRO_UNROLL(8)
        for (int l = 0; l < Shape::b_loads; ++l) {
            int col, k;
            slice_position<decltype(p.b), BN>(tid + l * Shape::threads, col, k);
            const std::size_t j = j0 + static_cast<std::size_t>(col), kk = k0 + static_cast<std::size_t>(k);
            th.next_b[l] = j < p.N && kk < p.K ? p.b.at(kk, j) : T(0);
        }
    }

    REPRO_HD static void stash(shared& sh, int buffer, int tid, const thread& th) {
        REPRO_UNROLL(8)
        for (int l = 0; l < Shape::a_loads; ++l) {
            int row, k;
            slice_position<decltype(P::a), BM>(tid + l * Shape::threads, row, k);
            sh.a[buffer][k][row] = th.next_a[l];
        }
        REPRO_UNROLL(8)
        for (int l = 0; l < Shape::b_loads; ++l) {
            int col, k;
            slice_position<decltype(P::b), BN>(tid + l * Shape::threads, col, k);
            sh.b[buffer][k][col] = th.next_b[l];
        }
    }

    // One k of every chain of the thread: c = fma(a, b, c).
    REPRO_HD static void step(const shared& sh, int buffer, int k, int tm, int tn, thread& th) {
        T a[std::size_t{TM}], b[std::size_t{TN}];
        REPRO_UNROLL(8)
        for (int r = 0; r < TM; ++r) a[r] = sh.a[buffer][k][Shape::row_of(tm, r)];
        REPRO_UNROLL(8)
        for (int c = 0; c < TN; ++c) b[c] = sh.b[buffer][k][Shape::col_of(tn, c)];
        REPRO_UNROLL(8)
        for (int r = 0; r < TM; ++r) {
            REPRO_UNROLL(8)
            for (int c = 0; c < TN; ++c) th.acc[r][c] = repro::fma(a[r], b[c], th.acc[r][c]);
        }
    }

    // The slice in `buffer`, its first kk values of k (kk = BK but in the
    // last slice), in ascending order.
    REPRO_HD static void multiply(const shared& sh, int buffer, int kk, int tid, thread& th) {
        const int tm = tid / Shape::threads_n, tn = tid % Shape::threads_n;
        if (kk == BK) {
            REPRO_UNROLL(32)
            for (int k = 0; k < BK; ++k) step(sh, buffer, k, tm, tn, th);
        } else {
            for (int k = 0; k < kk; ++k) step(sh, buffer, k, tm, tn, th);
        }
    }

    // Phase `ph` (0 .. phases(K) - 1) of thread tid of the block at (i0, j0).
    REPRO_HD static void phase(const P& p, std::size_t i0, std::size_t j0, std::size_t ph, int tid, shared& sh,
                               thread& th) {
        const std::size_t slices = phases(p.K) - 1;
        if (ph == 0) {
            fetch(p, i0, j0, 0, tid, th);
            stash(sh, 0, tid, th);
            return;
        }
        const std::size_t s = ph - 1;  // the slice multiplied now
        const bool more = s + 1 < slices;
        if (more) fetch(p, i0, j0, (s + 1) * BK, tid, th);
        const std::size_t left = p.K - s * BK;
        multiply(sh, static_cast<int>(s % 2), left < static_cast<std::size_t>(BK) ? static_cast<int>(left) : BK, tid,
                 th);
        if (more) stash(sh, static_cast<int>((s + 1) % 2), tid, th);
    }

    // The epilogue: + bias[j] into C, then the activation of what the
    // thread stored (re-read by the thread that wrote it). The activation
    // has one call site, not one per output: repro::math's cores are long,
    // and TM x TN inlined copies would swell every kernel.
    REPRO_HD static void finish(const P& p, std::size_t i0, std::size_t j0, int tid, const thread& th) {
        const int tm = tid / Shape::threads_n, tn = tid % Shape::threads_n;
        REPRO_UNROLL(8)
        for (int r = 0; r < TM; ++r) {
            const std::size_t i = i0 + static_cast<std::size_t>(Shape::row_of(tm, r));
            REPRO_UNROLL(8)
            for (int c = 0; c < TN; ++c) {
                const std::size_t j = j0 + static_cast<std::size_t>(Shape::col_of(tn, c));
                if (i < p.M && j < p.N)
                    p.C[i * p.ldc + j] = p.bias != nullptr ? th.acc[r][c] + p.bias[j] : th.acc[r][c];
            }
        }
        if (p.act == activation::none) return;
        REPRO_UNROLL(1)
        for (int e = 0; e < TM * TN; ++e) {
            const std::size_t i = i0 + static_cast<std::size_t>(Shape::row_of(tm, e / TN)),
                              j = j0 + static_cast<std::size_t>(Shape::col_of(tn, e % TN));
            if (i < p.M && j < p.N) p.C[i * p.ldc + j] = activate_one(p.C[i * p.ldc + j], p.act);
        }
    }
};

// ------------------------------------------------------------- elementwise epilogue

// The epilogue alone, for products computed elsewhere (the tensor-core
// mode): element (i, j) of an M x N float result `from` (row-major, N
// apart), + bias[j] and the activation, written to to[i * ldc + j].
template <class T>
struct bias_activation {
    const T* from;
    T* to;
    std::size_t ldc;
    const T* bias;
    activation act;
    std::size_t M, N;
    REPRO_HD void operator()(std::size_t e) const {
        const std::size_t i = e / N, j = e % N;
        T v = from[e];
        if (bias != nullptr) v = v + bias[j];
        to[i * ldc + j] = activate_one(v, act);
    }
};

}  // namespace kernels
}  // namespace detail
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
