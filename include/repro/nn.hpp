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
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/errors.hpp"
#include "detail/meta.hpp"
#include "detail/nn/pool_window.hpp"
#include "detail/nn/scale_row.hpp"
#include "detail/parallel/pool.hpp"
#include "detail/simd/dispatch.hpp"
#include "fp.hpp"
#include "linalg.hpp"
#include "math.hpp"
#include "random.hpp"
#include "reduce.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

namespace detail {

template <class T>
void check_rows(const T* x, const T* y, const std::uint64_t* ids, std::size_t rows, std::size_t cols,
                const char* function) {
    const std::size_t n = check_matrix(x, rows, cols, function, "x");
    check_pointer(y, n, function, "y");
    check_in_place_or_apart(x, y, n * sizeof(T), function);
    check_pointer(ids, rows, function, "sample_ids");
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
// p = 0 gives y = x exactly (a signalling NaN comes back quiet: x * 1), p = 1
// drops everything; x * 0 keeps NaN as NaN
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
            detail::simd::with_fma([&] {
                for (std::size_t c = 0; c < len; ++c) yr[c] = repro::fma(stddev, z[c], xr[c]);
            });
        }
    });
}

// ------------------------------------------------------------- row-wise layers

namespace detail {

template <class T>
void check_row_layer(const T* x, const T* y, std::size_t rows, std::size_t cols, threads t, const char* function,
                     unsigned& tc) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    tc = check_threads(t, function);
    const std::size_t n = check_matrix(x, rows, cols, function, "x");
    check_pointer(y, n, function, "y");
    check_in_place_or_apart(x, y, n * sizeof(T), function);
}

}  // namespace detail

namespace detail {

// repro::max(x) as the shift of exp_shifted_sum: the same value, found in
// 16 independent lanes (vectorised), except that a maximum of zero may come
// back as -0 where repro::max gives +0 - which changes no exponential, x - 0
// and x + 0 being the same values and exp(-0) = exp(+0). A NaN gives NaN.
template <class T>
T shift_of(const T* x, std::size_t n) {
    constexpr std::size_t lanes = 16;
    T m[lanes];
    bool nan[lanes];
    for (std::size_t j = 0; j < lanes; ++j) m[j] = -std::numeric_limits<T>::infinity(), nan[j] = false;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (std::size_t j = 0; j < lanes; ++j) {
            const T v = x[i + j];
            m[j] = v > m[j] ? v : m[j];
            nan[j] = nan[j] | (v != v);
        }
    for (; i < n; ++i) {
        m[0] = x[i] > m[0] ? x[i] : m[0];
        nan[0] = nan[0] | (x[i] != x[i]);
    }
    T r = m[0];
    bool any_nan = nan[0];
    for (std::size_t j = 1; j < lanes; ++j) r = m[j] > r ? m[j] : r, any_nan = any_nan || nan[j];
    return any_nan ? std::numeric_limits<T>::quiet_NaN() : r;
}

// e = exp(x - m) with m = repro::max(x) (a NaN in x gives NaN) by
// repro::math::exp, and the sum of e by repro::sum: the shared steps of
// softmax and log_softmax. e may be x.
template <class T>
T exp_shifted_sum(const T* x, T* e, std::size_t n) {
    const T m = shift_of(x, n);
    for (std::size_t c = 0; c < n; ++c) e[c] = x[c] - m;
    math::exp(e, e, n);
    return repro::sum(e, n);
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
        T* yr = y + r * cols;
        const T s = detail::exp_shifted_sum(x + r * cols, yr, cols);
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
        std::vector<T> e(cols);
        const T m = repro::max(xr, cols);
        const T ls = math::log(detail::exp_shifted_sum(xr, e.data(), cols));
        for (std::size_t c = 0; c < cols; ++c) yr[c] = (xr[c] - m) - ls;
    });
}

// y = (x * rsqrt(mean(x^2) + eps)) * weight (weight may be null: 1), per
// row; mean(x^2) = s / cols, s the sum of the squares x[c] * x[c], each
// rounded, in the order of repro::sum (32 float / 16 double lanes, a
// product then an add per element: the add chain is the shorter one).
template <class T>
void rms_norm(const T* x, const detail::non_deduced<T>* weight, T* y, std::size_t rows, std::size_t cols,
              detail::non_deduced<T> eps = T(1e-6), threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "rms_norm", tc);
    if (!(eps >= T(0))) throw std::invalid_argument("repro::rms_norm: eps must be >= 0");
    if (cols == 0) return;
    detail::parallel_blocks(rows, tc, [&](std::size_t r0, std::size_t r1) {
        // The next row's sum of squares is taken before this row is scaled,
        // so that its chains of dependent adds run while this row's stores do.
        auto sum_of_squares = [cols](const T* row) {
            return detail::sum_impl<T, detail::sum_terms::squares>(row, cols, 1);
        };
        // For a power-of-two cols, s * (1 / cols) is s / cols: the same exact
        // quotient, rounded once, without a division's latency.
        const T reciprocal = (cols & (cols - 1)) == 0 ? T(1) / static_cast<T>(cols) : T(0);
        T squares = sum_of_squares(x + r0 * cols);
        for (std::size_t r = r0; r < r1; ++r) {
            const T* xr = x + r * cols;
            T* yr = y + r * cols;
            const T mean = reciprocal != T(0) ? mul_rn(squares, reciprocal) : squares / static_cast<T>(cols);
            const T inv = math::rsqrt(mean + eps);
            if (r + 1 < r1) squares = sum_of_squares(xr + cols);
            detail::scale_row(xr, inv, weight, yr, cols);
        }
    });
}

// y = (x - m) * rsqrt(v + eps) * gamma + beta per row (gamma, beta may be
// null: 1, 0), m = repro::mean(x), v = repro::dot(d, d) / cols with
// d = x - m; the last step is fma(d * rsqrt, gamma, beta).
template <class T>
void layer_norm(const T* x, const detail::non_deduced<T>* gamma, const detail::non_deduced<T>* beta, T* y,
                std::size_t rows, std::size_t cols, detail::non_deduced<T> eps = T(1e-5), threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "layer_norm", tc);
    if (!(eps >= T(0))) throw std::invalid_argument("repro::layer_norm: eps must be >= 0");
    if (cols == 0) return;
    detail::parallel_for(rows, tc, [&](std::size_t r) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        const T m = repro::mean(xr, cols);
        // the deviations go to y (x may be y: each is read before it is written)
        const T v = detail::deviation_dot(xr, m, yr, cols) / static_cast<T>(cols);
        const T inv = math::rsqrt(v + eps);
        detail::simd::with_fma([&] {
            for (std::size_t c = 0; c < cols; ++c) {
                const T u = yr[c] * inv;
                yr[c] = repro::fma(u, gamma ? gamma[c] : T(1), beta ? beta[c] : T(0));
            }
        });
    });
}

// ------------------------------------------------------------- leaky relu

// y = x where x > 0 or x is NaN, else x * slope (one rounding; -0 gives
// -0 * slope). y may be x. Throws std::invalid_argument for a slope that is
// not finite and for null pointers.
template <class T>
void leaky_relu(const T* x, T* y, std::size_t n, detail::non_deduced<T> slope) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    if (!is_finite(slope)) throw std::invalid_argument("repro::leaky_relu: slope must be finite");
    detail::check_matrix(x, n, 1, "leaky_relu", "x");
    detail::check_pointer(y, n, "leaky_relu", "y");
    detail::check_in_place_or_apart(x, y, n * sizeof(T), "leaky_relu");
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] > T(0) || is_nan(x[i]) ? x[i] : mul_rn(x[i], slope);
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
// and written to batch_mean / batch_var when those are not null; that mode
// throws for 0 rows (no statistics), inference mode does nothing.
template <class T>
void batch_norm(const T* x, T* y, std::size_t rows, std::size_t cols, const detail::non_deduced<T>* mean,
                const detail::non_deduced<T>* var, const detail::non_deduced<T>* gamma,
                const detail::non_deduced<T>* beta, detail::non_deduced<T> eps, batch_norm_mode mode,
                detail::non_deduced<T>* batch_mean = nullptr, detail::non_deduced<T>* batch_var = nullptr,
                threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, rows, cols, t, "batch_norm", tc);
    if (!(eps >= T(0))) throw std::invalid_argument("repro::batch_norm: eps must be >= 0");
    std::vector<T> m(cols), v(cols);
    if (mode == batch_norm_mode::inference) {
        detail::check_pointer(mean, cols, "batch_norm", "mean");
        detail::check_pointer(var, cols, "batch_norm", "var");
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
        detail::simd::with_fma([&] {
            for (std::size_t c = 0; c < cols; ++c) y[r * cols + c] = repro::fma(x[r * cols + c], scale[c], shift[c]);
        });
    });
}

// Folds an inference batch norm that follows y = x W^T + b (W out x in, b
// out; pass zeros for a layer without bias) into W and b in place: W[o][:]
// *= scale_o, b_o = fma(b_o - mean_o, scale_o, beta_o), with scale_o as in
// batch_norm. The folded layer is one linear layer: batch-invariant, and
// within a few ULP of linear followed by batch_norm (not bitwise: the order
// of operations changes).
template <class T>
void fold_batch_norm(T* W, T* b, std::size_t out, std::size_t in, const T* mean, const T* var,
                     const detail::non_deduced<T>* gamma, const detail::non_deduced<T>* beta, T eps) {
    detail::check_matrix(W, out, in, "fold_batch_norm", "W");
    if (!(eps >= T(0))) throw std::invalid_argument("repro::fold_batch_norm: eps must be >= 0");
    detail::check_pointer(b, out, "fold_batch_norm", "b");
    detail::check_pointer(mean, out, "fold_batch_norm", "mean");
    detail::check_pointer(var, out, "fold_batch_norm", "var");
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
    std::size_t n, h, w, c_in;  // input
    std::size_t c_out, kh, kw;  // filters
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
void conv2d(const T* x, const T* weight, const detail::non_deduced<T>* bias, T* y, const conv2d_shape& s,
            activation act = activation::none, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "conv2d");
    if (s.stride_h == 0 || s.stride_w == 0 || s.dilation_h == 0 || s.dilation_w == 0 || s.groups == 0)
        throw std::invalid_argument("repro::conv2d: stride, dilation and groups must be >= 1");
    if (s.c_in % s.groups != 0 || s.c_out % s.groups != 0)
        throw std::invalid_argument("repro::conv2d: c_in and c_out must be divisible by groups");
    const char* fn = "conv2d";
    const std::size_t padded_h =
        detail::checked_add(s.h, detail::checked_mul(2, s.pad_h, fn, "pad_h"), fn, "h + 2 pad_h");
    const std::size_t padded_w =
        detail::checked_add(s.w, detail::checked_mul(2, s.pad_w, fn, "pad_w"), fn, "w + 2 pad_w");
    if (s.kh == 0 || s.kw == 0 ||
        padded_h < detail::checked_mul(s.dilation_h, s.kh - 1, fn, "dilation_h (kh - 1)") + 1 ||
        padded_w < detail::checked_mul(s.dilation_w, s.kw - 1, fn, "dilation_w (kw - 1)") + 1)
        throw std::invalid_argument("repro::conv2d: the kernel is larger than the padded input");
    const std::size_t oh = s.out_h(), ow = s.out_w(), cg = s.c_in / s.groups, og = s.c_out / s.groups;
    const std::size_t K = detail::checked_product({s.kh, s.kw, cg}, fn, "weight (kh x kw x c_in / groups)"),
                      P = oh * ow;
    detail::check_pointer(x, detail::checked_product({s.n, s.h, s.w, s.c_in}, fn, "x (n x h x w x c_in)"), fn, "x");
    detail::check_pointer(weight, detail::checked_mul(s.c_out, K, fn, "weight (c_out x kh x kw x c_in / groups)"), fn,
                          "weight");
    detail::check_pointer(y, detail::checked_product({s.n, P, s.c_out}, fn, "y (n x out_h x out_w x c_out)"), fn, "y");
    if (s.n == 0 || P == 0 || s.c_out == 0) return;
    // Each group's filters as linear_weights, transposed once for the whole
    // batch rather than by every sample's linear call (the bits are the same).
    std::vector<linear_weights<T>> filters;
    filters.reserve(s.groups);
    for (std::size_t g = 0; g < s.groups; ++g) filters.emplace_back(weight + g * og * K, og, K);
    // One sample: its im2col rows, then linear's kernel on `inner` threads.
    auto one_sample = [&](std::size_t b, std::vector<T>& cols, std::vector<T>& out, unsigned inner) {
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
                                const T* src =
                                    xb + (static_cast<std::size_t>(iy) * s.w + static_cast<std::size_t>(ix)) * s.c_in +
                                    g * cg;
                                for (std::size_t ci = 0; ci < cg; ++ci) dst[ci] = src[ci];
                            }
                        }
                }
            const detail::non_deduced<T>* bg = bias ? bias + g * og : nullptr;
            if (s.groups == 1) {
                linear(cols.data(), filters[g], bg, yb, P, act, threads{inner});
            } else {
                linear(cols.data(), filters[g], bg, out.data(), P, act, threads{inner});
                for (std::size_t p = 0; p < P; ++p)
                    for (std::size_t o = 0; o < og; ++o) yb[p * s.c_out + g * og + o] = out[p * og + o];
            }
        }
    };
    // Threads take whole samples when there are enough of them, else split
    // each sample's rows and columns inside linear: the bits are the same.
    const bool by_sample = tc > 1 && s.n >= tc;
    detail::parallel_blocks(s.n, by_sample ? tc : 1, [&](std::size_t begin, std::size_t end) {
        std::vector<T> cols(P * K), out(s.groups > 1 ? P * og : 0);
        for (std::size_t b = begin; b < end; ++b) one_sample(b, cols, out, by_sample ? 1 : tc);
    });
}

// ------------------------------------------------------------- group norm, pooling

// Group normalisation, NHWC: x is n samples x spatial positions x channels;
// group g covers channels [g C/G, (g+1) C/G) over every position of one
// sample. Statistics as in layer_norm (repro::mean, then the deviations'
// repro::dot, gathered in (position, channel) order), then
// y = fma((x - m) * rsqrt(v + eps), gamma[c], beta[c]). Per sample: batch-invariant.
template <class T>
void group_norm(const T* x, const detail::non_deduced<T>* gamma, const detail::non_deduced<T>* beta, T* y,
                std::size_t n, std::size_t spatial, std::size_t channels, std::size_t groups,
                detail::non_deduced<T> eps = T(1e-5), threads t = threads{}) {
    unsigned tc;
    detail::check_row_layer(x, y, n, detail::checked_mul(spatial, channels, "group_norm", "spatial x channels"), t,
                            "group_norm", tc);
    if (groups == 0 || channels % groups != 0)
        throw std::invalid_argument("repro::group_norm: channels must be a multiple of groups >= 1");
    if (!(eps >= T(0))) throw std::invalid_argument("repro::group_norm: eps must be >= 0");
    const std::size_t cg = channels / groups, len = spatial * cg;
    if (len == 0) return;
    detail::parallel_for(n * groups, tc, [&](std::size_t task) {
        const std::size_t b = task / groups, g = task % groups;
        const T* xb = x + b * spatial * channels + g * cg;
        T* yb = y + b * spatial * channels + g * cg;
        std::vector<T> d(len);
        for (std::size_t p = 0; p < spatial; ++p)
            for (std::size_t c = 0; c < cg; ++c) d[p * cg + c] = xb[p * channels + c];
        const T m = repro::mean(d.data(), len);
        const T inv = math::rsqrt(detail::deviation_dot(d.data(), m, d.data(), len) / static_cast<T>(len) + eps);
        detail::simd::with_fma([&] {
            for (std::size_t p = 0; p < spatial; ++p)
                for (std::size_t c = 0; c < cg; ++c)
                    yb[p * channels + c] = repro::fma(d[p * cg + c] * inv, gamma ? gamma[g * cg + c] : T(1),
                                                      beta ? beta[g * cg + c] : T(0));
        });
    });
}

enum class pooling { max, mean };

// 2-D pooling, NHWC (x: n x h x w x c, y: n x oh x ow x c with the conv2d
// size formula, no dilation). max: the largest value of the window (a NaN in
// the window gives NaN); mean: the window's values outside the padding summed
// in (dy, dx) order, divided by their count (padding is not counted).
template <class T>
void pool2d(const T* x, T* y, std::size_t n, std::size_t h, std::size_t w, std::size_t c, std::size_t kh,
            std::size_t kw, std::size_t stride, std::size_t pad, pooling kind, threads t = threads{}) {
    const unsigned tc = detail::check_threads(t, "pool2d");
    const char* fn = "pool2d";
    const std::size_t pad2 = detail::checked_mul(2, pad, fn, "pad");
    if (kh == 0 || kw == 0 || stride == 0 || pad >= kh || pad >= kw ||
        detail::checked_add(h, pad2, fn, "h + 2 pad") < kh || detail::checked_add(w, pad2, fn, "w + 2 pad") < kw)
        throw std::invalid_argument("repro::pool2d: bad window (kernel, stride >= 1, pad < kernel <= padded input)");
    const std::size_t oh = (h + pad2 - kh) / stride + 1, ow = (w + pad2 - kw) / stride + 1;
    detail::check_pointer(x, detail::checked_product({n, h, w, c}, fn, "x (n x h x w x c)"), fn, "x");
    detail::check_pointer(y, detail::checked_product({n, oh, ow, c}, fn, "y (n x out_h x out_w x c)"), fn, "y");
    const detail::pool_geometry g{h, w, c, kh, kw, stride, pad, oh, ow};
    detail::parallel_for(n, tc, [&](std::size_t b) {
        const T* xb = x + b * h * w * c;
        T* yb = y + b * oh * ow * c;
        for (std::size_t oy = 0; oy < oh; ++oy)
            for (std::size_t ox = 0; ox < ow; ++ox)
                for (std::size_t ch = 0; ch < c; ++ch)
                    yb[(oy * ow + ox) * c + ch] = detail::pool_window(xb, g, kind == pooling::max, oy, ox, ch);
    });
}

// ------------------------------------------------------------- population statistics

// Per-feature mean and variance of activations over a whole data set, exact:
// bitwise the same however the data is batched, ordered or sharded (merge
// the shards' objects in any order). Two passes over the data: add() every
// batch, then add_deviations() every batch again (shards: merge and
// merge_deviations below); variance() is then
// sum (x - m)^2 / count with m = mean() (the correctly rounded mean) and the
// sum exact (x^2 - 2 m x + m^2 as exact products), rounded once before the
// division. Batch norm recalibration with true population statistics.
template <class T>
class population_statistics;

namespace detail {
// Access for the distributed variant (repro::mpi), which merges the
// accumulators of every rank in place.
template <class T>
struct statistics_parts {
    static std::vector<exact_accumulator<T>>& sums(population_statistics<T>& s) { return s.sums_; }
    static std::vector<exact_accumulator<T>>& deviations(population_statistics<T>& s) { return s.deviations_; }
};
}  // namespace detail

template <class T>
class population_statistics {
public:
    explicit population_statistics(std::size_t features) : sums_(features), deviations_(features) {}

    std::size_t features() const { return sums_.size(); }

    // Pass 1: rows x features, row-major.
    void add(const T* x, std::size_t rows) {
        if (frozen_) throw std::logic_error("repro::population_statistics::add: called after add_deviations");
        detail::check_matrix(x, rows, features(), "population_statistics::add", "x");
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t f = 0; f < features(); ++f) sums_[f].add(x[r * features() + f]);
    }

    std::vector<T> mean() const {
        std::vector<T> m(features());
        for (std::size_t f = 0; f < features(); ++f) m[f] = sums_[f].mean();
        return m;
    }

    // Pass 2: the same data again (any batching); freezes the means.
    void add_deviations(const T* x, std::size_t rows) {
        detail::check_matrix(x, rows, features(), "population_statistics::add_deviations", "x");
        if (!frozen_) {
            means_ = mean();
            frozen_ = true;
        }
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t f = 0; f < features(); ++f) {
                const T v = x[r * features() + f], m = means_[f];
                deviations_[f].add_product(v, v);
                deviations_[f].add_product(T(-2) * m, v);
                deviations_[f].add_product(m, m);
            }
    }

    // Biased (population) variance; needs the second pass over all count() rows.
    std::vector<T> variance() const {
        std::vector<T> v(features());
        for (std::size_t f = 0; f < features(); ++f) v[f] = deviations_[f].result() / static_cast<T>(sums_[f].count());
        return v;
    }

    std::uint64_t count() const { return features() ? sums_[0].count() : 0; }

    // Shards, pass 1: merge the shards' objects (any order).
    void merge(const population_statistics& other) {
        if (other.features() != features())
            throw std::invalid_argument("repro::population_statistics::merge: features differ");
        if (frozen_ || other.frozen_) throw std::logic_error("repro::population_statistics::merge: pass 1 only");
        for (std::size_t f = 0; f < features(); ++f) sums_[f].merge(other.sums_[f]);
    }
    // Shards, pass 2: give every shard a copy of the merged pass-1 object, run
    // add_deviations there, then fold the copies' deviations into one of them.
    void merge_deviations(const population_statistics& other) {
        if (other.features() != features() || !frozen_ || !other.frozen_ || other.means_ != means_ ||
            other.count() != count())
            throw std::invalid_argument(
                "repro::population_statistics::merge_deviations: not copies of one pass-1 object");
        for (std::size_t f = 0; f < features(); ++f) deviations_[f].merge(other.deviations_[f]);
    }

private:
    template <class U>
    friend struct detail::statistics_parts;

    std::vector<exact_accumulator<T>> sums_, deviations_;
    std::vector<T> means_;
    bool frozen_ = false;
};

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
