#pragma once
// repro/nn.hpp - layers whose output row depends only on that row's input
// and its sample id (`batch_invariant`, `portable`).
//
// Row-wise layers (softmax, log_softmax, rms_norm, layer_norm) take their
// row statistics from repro's deterministic reductions (one order per row
// length, no length-dependent switch) and the elementwise steps from
// repro::math; batch_norm in inference mode is a per-feature fma. All take
// row-major rows x cols data, y may be x, threads split rows.
//
// Random layers: row r draws from random_stream(key, sample_ids[r], step)
// (repro/random.hpp), element c of the row from element c of that stream, so a
// sample gets the same mask or noise at batch 1 and batch 1000, at any
// position and on any number of threads. Threads split rows.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <vector>

#include "detail/parallel.hpp"
#include "fp.hpp"
#include "linalg.hpp"
#include "math.hpp"
#include "random.hpp"
#include "reduce.hpp"

namespace repro {

namespace detail {

inline void check_rows(const void* x, const void* y, const std::uint64_t* ids, std::size_t rows, std::size_t cols,
                       const char* function) {
    check_input(x, rows * cols, function, "x");
    check_input(y, rows * cols, function, "y");
    check_input(ids, rows, function, "sample_ids");
}

// f(row, bits of that row's stream for columns [c0, c0 + len), c0, len) in
// chunks, rows split over threads.
template <class F>
void for_row_bits(std::size_t rows, std::size_t cols, random_key key, const std::uint64_t* ids, std::uint32_t step,
                  unsigned thread_count, F f) {
    parallel_for(rows, thread_count, [&](std::size_t r) {
        const random_stream s(key, ids[r], step);
        constexpr std::size_t chunk = 1024;
        std::uint32_t w[chunk];
        for (std::size_t c0 = 0; c0 < cols; c0 += chunk) {
            const std::size_t len = cols - c0 < chunk ? cols - c0 : chunk;
            s.fill_bits(w, len, c0);
            f(r, w, c0, len);
        }
    });
}

}  // namespace detail

// Inverted dropout (training): y[r][c] = x[r][c] * m with m = 1 / (1 - p)
// (rounded to T) where the unit is kept and m = 0 where it is dropped, i.e.
// where stream bits < floor(p 2^32) (so P(drop) = floor(p 2^32) / 2^32).
// p = 0 gives y = x exactly, p = 1 drops everything; x * 0 keeps NaN as NaN
// and gives -0 for negative x, as frameworks' x * mask does. Row-major
// rows x cols; y may be x. Throws std::invalid_argument for p outside [0, 1]
// (or NaN), null pointers and threads{0}.
template <class T>
void dropout(const T* x, T* y, std::size_t rows, std::size_t cols, double p, random_key key,
             const std::uint64_t* sample_ids, std::uint32_t step = 0, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "dropout");
    const std::uint64_t threshold = detail::bernoulli_threshold(p, "dropout");
    detail::check_rows(x, y, sample_ids, rows, cols, "dropout");
    if (rows == 0 || cols == 0) return;
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    detail::for_row_bits(rows, cols, key, sample_ids, step, tc,
                         [&](std::size_t r, const std::uint32_t* w, std::size_t c0, std::size_t len) {
                             const T* xr = x + r * cols + c0;
                             T* yr = y + r * cols + c0;
                             for (std::size_t c = 0; c < len; ++c) yr[c] = xr[c] * (w[c] < threshold ? T(0) : scale);
                         });
}

// Additive Gaussian noise: y[r][c] = fma(stddev, z, x[r][c]) with z element c
// of the row's stream's normal<T> (repro::random_stream::normal). stddev must
// be finite and >= 0; y may be x.
template <class T>
void add_gaussian_noise(const T* x, T* y, std::size_t rows, std::size_t cols, T stddev, random_key key,
                        const std::uint64_t* sample_ids, std::uint32_t step = 0, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "add_gaussian_noise");
    if (!(stddev >= T(0) && is_finite(stddev)))
        throw std::invalid_argument("repro::add_gaussian_noise: stddev = " + std::to_string(stddev) +
                                    " is not finite and >= 0");
    detail::check_rows(x, y, sample_ids, rows, cols, "add_gaussian_noise");
    if (rows == 0 || cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const random_stream s(key, sample_ids[r], step);
        constexpr std::size_t chunk = 512;
        T z[chunk];
        for (std::size_t c0 = 0; c0 < cols; c0 += chunk) {
            const std::size_t len = cols - c0 < chunk ? cols - c0 : chunk;
            s.fill_normal(z, len, c0);
            const T* xr = x + r * cols + c0;
            T* yr = y + r * cols + c0;
            detail::call_with_fma([&] {
                for (std::size_t c = 0; c < len; ++c) yr[c] = repro::fma(stddev, z[c], xr[c]);
            });
        }
    });
}

// ------------------------------------------------------------- row-wise layers

namespace detail {

// Optional pointer arguments (null allowed) must not take part in deducing T.
template <class T>
using opt = typename std::enable_if<true, T>::type;

template <class T>
void check_row_layer(const T* x, const T* y, std::size_t rows, std::size_t cols, threads t, const char* function,
                     unsigned& tc) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    tc = check_threads(t, function);
    check_input(x, rows * cols, function, "x");
    check_input(y, rows * cols, function, "y");
}

}  // namespace detail

// y = exp(x - max) / sum(exp(x - max)) per row: max by repro::max (a NaN in
// the row gives NaN), the exponentials by repro::math::exp, the sum by
// repro::sum.
template <class T>
void softmax(const T* x, T* y, std::size_t rows, std::size_t cols, threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "softmax", tc);
    if (cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = repro::max(xr, cols);
        for (std::size_t c = 0; c < cols; ++c) yr[c] = xr[c] - m;
        math::exp(yr, yr, cols);
        const T s = repro::sum(yr, cols);
        for (std::size_t c = 0; c < cols; ++c) yr[c] = yr[c] / s;
    });
}

// y = (x - max) - log(sum(exp(x - max))) per row.
template <class T>
void log_softmax(const T* x, T* y, std::size_t rows, std::size_t cols, threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "log_softmax", tc);
    if (cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = repro::max(xr, cols);
        std::vector<T> e(cols);
        for (std::size_t c = 0; c < cols; ++c) e[c] = xr[c] - m;
        math::exp(e.data(), e.data(), cols);
        const T ls = math::log(repro::sum(e.data(), cols));
        for (std::size_t c = 0; c < cols; ++c) yr[c] = (xr[c] - m) - ls;
    });
}

// y = x * rsqrt(mean(x^2) + eps) * weight (weight may be null: 1), per row;
// mean(x^2) = repro::dot(x, x) / cols.
template <class T>
void rms_norm(const T* x, const detail::opt<T>* weight, T* y, std::size_t rows, std::size_t cols,
              detail::opt<T> eps = T(1e-6),
              threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "rms_norm", tc);
    if (!(eps >= T(0))) throw std::invalid_argument("repro::rms_norm: eps must be >= 0");
    if (cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T ms = repro::dot(xr, xr, cols) / static_cast<T>(cols);
        const T inv = math::rsqrt(ms + eps);
        for (std::size_t c = 0; c < cols; ++c) {
            const T v = xr[c] * inv;
            yr[c] = weight ? v * weight[c] : v;
        }
    });
}

// y = (x - m) * rsqrt(v + eps) * gamma + beta per row (gamma, beta may be
// null: 1, 0), m = repro::mean(x), v = repro::dot(d, d) / cols with
// d = x - m; the last step is fma(d * rsqrt, gamma, beta).
template <class T>
void layer_norm(const T* x, const detail::opt<T>* gamma, const detail::opt<T>* beta, T* y, std::size_t rows, std::size_t cols,
                detail::opt<T> eps = T(1e-5), threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "layer_norm", tc);
    if (!(eps >= T(0))) throw std::invalid_argument("repro::layer_norm: eps must be >= 0");
    if (cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = repro::mean(xr, cols);
        std::vector<T> d(cols);
        for (std::size_t c = 0; c < cols; ++c) d[c] = xr[c] - m;
        const T v = repro::dot(d.data(), d.data(), cols) / static_cast<T>(cols);
        const T inv = math::rsqrt(v + eps);
        detail::call_with_fma([&] {
            for (std::size_t c = 0; c < cols; ++c) {
                const T u = d[c] * inv;
                yr[c] = repro::fma(u, gamma ? gamma[c] : T(1), beta ? beta[c] : T(0));
            }
        });
    });
}

// ------------------------------------------------------------- batch norm

// Which statistics batch_norm uses. inference: the stored running mean and
// variance (each row alone: batch_invariant). batch_statistics: the mean and
// variance of this batch's rows (training mode; every row depends on every
// other row - never batch-invariant; asked for by name so that nobody gets
// it by accident).
enum class batch_norm_mode { inference, batch_statistics };

// Per feature c (cols = features): y = fma(x, scale_c, shift_c) with
// scale_c = gamma_c / sqrt(var_c + eps) and shift_c = beta_c - mean_c scale_c
// (gamma, beta may be null: 1, 0). In batch_statistics mode mean_c and var_c
// (biased) are computed over the rows with repro::mean and repro::variance,
// and written to batch_mean / batch_var when those are not null.
template <class T>
void batch_norm(const T* x, T* y, std::size_t rows, std::size_t cols, const detail::opt<T>* mean,
                const detail::opt<T>* var, const detail::opt<T>* gamma, const detail::opt<T>* beta, detail::opt<T> eps,
                batch_norm_mode mode, detail::opt<T>* batch_mean = nullptr, detail::opt<T>* batch_var = nullptr,
                threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "batch_norm", tc);
    if (!(eps >= T(0))) throw std::invalid_argument("repro::batch_norm: eps must be >= 0");
    std::vector<T> m(cols), v(cols);
    if (mode == batch_norm_mode::inference) {
        detail::check_input(mean, cols, "batch_norm", "mean");
        detail::check_input(var, cols, "batch_norm", "var");
        for (std::size_t c = 0; c < cols; ++c) m[c] = mean[c], v[c] = var[c];
    } else {
        if (rows == 0) throw std::invalid_argument("repro::batch_norm: batch statistics of 0 rows");
        std::vector<T> column(rows);
        for (std::size_t c = 0; c < cols; ++c) {
            for (std::size_t r = 0; r < rows; ++r) column[r] = x[r * cols + c];
            m[c] = repro::mean(column.data(), rows);
            v[c] = repro::variance(column.data(), rows);
            if (batch_mean) batch_mean[c] = m[c];
            if (batch_var) batch_var[c] = v[c];
        }
    }
    std::vector<T> scale(cols), shift(cols);
    for (std::size_t c = 0; c < cols; ++c) {
        scale[c] = (gamma ? gamma[c] : T(1)) / std::sqrt(v[c] + eps);
        shift[c] = repro::fma(-m[c], scale[c], beta ? beta[c] : T(0));
    }
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        detail::call_with_fma([&] {
            for (std::size_t c = 0; c < cols; ++c) y[r * cols + c] = repro::fma(x[r * cols + c], scale[c], shift[c]);
        });
    });
}

// Folds an inference batch norm that follows y = x W^T + b (W out x in, b
// out, may be null: 0) into W and b in place (b must then be given): W[o][:]
// *= scale_o, b_o = fma(b_o - mean_o, scale_o, beta_o), with scale_o as in
// batch_norm. The folded layer is one linear layer: batch-invariant, and
// within a few ULP of linear followed by batch_norm (not bitwise: the order
// of operations changes).
template <class T>
void fold_batch_norm(T* W, T* b, std::size_t out, std::size_t in, const T* mean, const T* var,
                     const detail::opt<T>* gamma, const detail::opt<T>* beta, T eps) {
    detail::check_input(W, out * in, "fold_batch_norm", "W");
    detail::check_input(b, out, "fold_batch_norm", "b");
    detail::check_input(mean, out, "fold_batch_norm", "mean");
    detail::check_input(var, out, "fold_batch_norm", "var");
    for (std::size_t o = 0; o < out; ++o) {
        const T scale = (gamma ? gamma[o] : T(1)) / std::sqrt(var[o] + eps);
        for (std::size_t i = 0; i < in; ++i) W[o * in + i] *= scale;
        b[o] = repro::fma(b[o] - mean[o], scale, beta ? beta[o] : T(0));
    }
}

// ------------------------------------------------------------- convolution

// 2-D convolution, NHWC. x: n x h x w x c_in; weight: c_out x kh x kw x
// (c_in / groups) (OHWI); bias: c_out or null; y: n x oh x ow x c_out with
// oh = (h + 2 pad_h - dilation_h (kh - 1) - 1) / stride_h + 1 (ow alike).
struct conv2d_shape {
    std::size_t n, h, w, c_in;     // input
    std::size_t c_out, kh, kw;     // filters
    std::size_t stride_h = 1, stride_w = 1;
    std::size_t pad_h = 0, pad_w = 0;
    std::size_t dilation_h = 1, dilation_w = 1;
    std::size_t groups = 1;
    std::size_t out_h() const { return (h + 2 * pad_h - dilation_h * (kh - 1) - 1) / stride_h + 1; }
    std::size_t out_w() const { return (w + 2 * pad_w - dilation_w * (kw - 1) - 1) / stride_w + 1; }
};

// The order: y[b][oy][ox][o] is the matmul chain over k = (dy, dx, ci)
// ascending (dy outer, ci inner) of input value times weight, padding taken
// as +0 (which never changes the chain), then + bias[o] (one addition), then
// the activation. Each sample is computed from its own pixels only (im2col of
// that sample, then repro::matmul_bt's kernel), so a sample's output is the
// same at any batch size and position. Throws std::invalid_argument for a
// kernel larger than the padded input, channels not divisible by groups,
// zero stride or dilation, null pointers, threads{0}.
template <class T>
void conv2d(const T* x, const T* weight, const detail::opt<T>* bias, T* y, const conv2d_shape& s,
            activation act = activation::none, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "conv2d");
    if (s.stride_h == 0 || s.stride_w == 0 || s.dilation_h == 0 || s.dilation_w == 0 || s.groups == 0)
        throw std::invalid_argument("repro::conv2d: stride, dilation and groups must be >= 1");
    if (s.c_in % s.groups != 0 || s.c_out % s.groups != 0)
        throw std::invalid_argument("repro::conv2d: c_in and c_out must be divisible by groups");
    if (s.kh == 0 || s.kw == 0 || s.h + 2 * s.pad_h < s.dilation_h * (s.kh - 1) + 1 ||
        s.w + 2 * s.pad_w < s.dilation_w * (s.kw - 1) + 1)
        throw std::invalid_argument("repro::conv2d: the kernel is larger than the padded input");
    const std::size_t oh = s.out_h(), ow = s.out_w(), cg = s.c_in / s.groups, og = s.c_out / s.groups;
    const std::size_t K = s.kh * s.kw * cg, P = oh * ow;
    detail::check_input(x, s.n * s.h * s.w * s.c_in, "conv2d", "x");
    detail::check_input(weight, s.c_out * K, "conv2d", "weight");
    detail::check_input(y, s.n * P * s.c_out, "conv2d", "y");
    if (s.n == 0 || P == 0 || s.c_out == 0) return;
    std::vector<T> cols(P * K), out(s.groups > 1 ? P * og : 0);
    for (std::size_t b = 0; b < s.n; ++b) {
        const T* xb = x + b * s.h * s.w * s.c_in;
        T* yb = y + b * P * s.c_out;
        for (std::size_t g = 0; g < s.groups; ++g) {
            // im2col: row p = output pixel, columns (dy, dx, ci)
            for (std::size_t oy = 0; oy < oh; ++oy)
                for (std::size_t ox = 0; ox < ow; ++ox) {
                    T* row = cols.data() + (oy * ow + ox) * K;
                    for (std::size_t dy = 0; dy < s.kh; ++dy)
                        for (std::size_t dx = 0; dx < s.kw; ++dx) {
                            const std::ptrdiff_t iy = static_cast<std::ptrdiff_t>(oy * s.stride_h + dy * s.dilation_h) -
                                                      static_cast<std::ptrdiff_t>(s.pad_h);
                            const std::ptrdiff_t ix = static_cast<std::ptrdiff_t>(ox * s.stride_w + dx * s.dilation_w) -
                                                      static_cast<std::ptrdiff_t>(s.pad_w);
                            T* dst = row + (dy * s.kw + dx) * cg;
                            if (iy < 0 || ix < 0 || iy >= static_cast<std::ptrdiff_t>(s.h) ||
                                ix >= static_cast<std::ptrdiff_t>(s.w)) {
                                for (std::size_t ci = 0; ci < cg; ++ci) dst[ci] = T(0);
                            } else {
                                const T* src = xb + (static_cast<std::size_t>(iy) * s.w + static_cast<std::size_t>(ix)) * s.c_in + g * cg;
                                for (std::size_t ci = 0; ci < cg; ++ci) dst[ci] = src[ci];
                            }
                        }
                }
            const T* wg = weight + g * og * K;
            const detail::opt<T>* bg = bias ? bias + g * og : nullptr;
            if (s.groups == 1) {
                linear(cols.data(), wg, bg, yb, P, K, og, act, threads{tc});
            } else {
                linear(cols.data(), wg, bg, out.data(), P, K, og, act, threads{tc});
                for (std::size_t p = 0; p < P; ++p)
                    for (std::size_t o = 0; o < og; ++o) yb[p * s.c_out + g * og + o] = out[p * og + o];
            }
        }
    }
}

}  // namespace repro
