// repro/nn.hpp's row-wise layers (softmax, log_softmax, rms_norm,
// layer_norm), batch_norm and fold_batch_norm. Oracles: a row's result at
// batch size 1 (for batch invariance), the documented formulas recomputed
// from repro's reductions and repro::math scalars (bit for bit), MPFR with
// error bounds derived below (accuracy), repro::mean / repro::variance (batch
// statistics), and linear followed by batch_norm (folding). Then bad
// arguments, empty shapes and NaN.

#include <doctest/doctest.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/linalg.hpp>
#include <repro/nn.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/bit_checks.hpp"

using namespace repro_test;

namespace {

template <class T>
std::vector<T> magnitudes(std::vector<T> v) {
    for (auto& x : v) x = std::fabs(x);
    return v;
}

enum class layer { softmax, log_softmax, rms_norm, layer_norm, batch_norm };
const layer all_layers[] = {layer::softmax, layer::log_softmax, layer::rms_norm, layer::layer_norm, layer::batch_norm};

const char* name_of(layer l) {
    switch (l) {
        case layer::softmax:
            return "softmax";
        case layer::log_softmax:
            return "log_softmax";
        case layer::rms_norm:
            return "rms_norm";
        case layer::layer_norm:
            return "layer_norm";
        case layer::batch_norm:
            return "batch_norm (inference)";
    }
    return "?";
}

// Per-feature parameters of the layers for rows of `cols` values.
template <class T>
struct layer_params {
    std::size_t cols;
    std::vector<T> weight, gamma, beta, mean, var;
    T eps = T(1e-5);

    layer_params(std::size_t c, std::uint64_t seed)
        : cols(c),
          weight(random_matrix<T>(1, c, seed, -1, 0)),
          gamma(random_matrix<T>(1, c, seed + 1, -1, 0)),
          beta(random_matrix<T>(1, c, seed + 2, -3, 0)),
          mean(random_matrix<T>(1, c, seed + 3, -3, 1)),
          var(magnitudes(random_matrix<T>(1, c, seed + 4, -2, 2))) {}

    void apply(layer l, const T* x, T* y, std::size_t rows, unsigned t) const {
        const repro::threads th{t};
        switch (l) {
            case layer::softmax:
                return repro::softmax(x, y, rows, cols, th);
            case layer::log_softmax:
                return repro::log_softmax(x, y, rows, cols, th);
            case layer::rms_norm:
                return repro::rms_norm(x, weight.data(), y, rows, cols, eps, th);
            case layer::layer_norm:
                return repro::layer_norm(x, gamma.data(), beta.data(), y, rows, cols, eps, th);
            case layer::batch_norm:
                return repro::batch_norm(x, y, rows, cols, mean.data(), var.data(), gamma.data(), beta.data(), eps,
                                         repro::batch_norm_mode::inference, nullptr, nullptr, th);
        }
    }

    std::vector<T> run(layer l, const std::vector<T>& x, std::size_t rows, unsigned t) const {
        std::vector<T> y(rows * cols, quiet_nan<T>());
        apply(l, x.data(), y.data(), rows, t);
        return y;
    }
};

// The most roundings one term meets in repro::sum / repro::dot's documented
// order for n <= 16384 (one chunk): its lane's folds (lanes of 32 floats or
// 16 doubles), then the lane tree. Bounds below use gamma_h ~ h u for these.
template <class T>
double tree_height(std::size_t n) {
    const std::size_t lanes = std::is_same<T, float>::value ? 32 : 16;
    REQUIRE(n <= 16384);
    return static_cast<double>((n + lanes - 1) / lanes + (std::is_same<T, float>::value ? 5 : 4));
}

template <class T>
constexpr double unit_roundoff() {
    return std::numeric_limits<T>::epsilon() / 2;
}

}  // namespace

// ---------------------------------------------------------------------------
// (1) Batch invariance.

namespace {

// A fixed target row and a pool of other random rows for one layer, each with
// its result at batch size 1 on one thread.
template <class T>
struct batch_setup {
    layer l;
    const layer_params<T>& params;
    std::size_t cols;
    std::vector<T> target, target_alone;
    std::vector<std::vector<T>> pool, pool_alone;

    batch_setup(layer which, const layer_params<T>& p, std::uint64_t seed) : l(which), params(p), cols(p.cols) {
        target = random_matrix<T>(1, cols, seed, -6, 3);
        target_alone = params.run(l, target, 1, 1);
        for (std::size_t q = 0; q < 71; ++q) {
            pool.push_back(random_matrix<T>(1, cols, seed + 1 + q, -6, 3));
            pool_alone.push_back(params.run(l, pool.back(), 1, 1));
        }
    }

    // The target at position p of a batch of M rows, random pool rows
    // elsewhere (a different selection for every batch). Every row of the
    // output must be that row's batch-1 result, bit for bit.
    bool check(std::size_t M, std::size_t p, unsigned t, splitmix64& g) const {
        std::vector<T> x(M * cols);
        std::vector<const std::vector<T>*> alone(M);
        for (std::size_t r = 0; r < M; ++r) {
            const std::vector<T>* row = &target;
            alone[r] = &target_alone;
            if (r != p) {
                const auto q = static_cast<std::size_t>(g.below(pool.size()));
                row = &pool[q];
                alone[r] = &pool_alone[q];
            }
            std::copy(row->begin(), row->end(), x.begin() + static_cast<std::ptrdiff_t>(r * cols));
        }
        const auto y = params.run(l, x, M, t);
        for (std::size_t r = 0; r < M; ++r) {
            const std::size_t at = first_difference(y.data() + r * cols, alone[r]->data(), cols);
            if (at != npos) {
                CAPTURE(name_of(l));
                CAPTURE(isa_name());
                CAPTURE(cols);
                CAPTURE(M);
                CAPTURE(p);
                CAPTURE(r);
                CAPTURE(t);
                CAPTURE(at);
                FAIL_CHECK("a row's output depends on the batch around it");
                return false;
            }
        }
        return true;
    }
};

}  // namespace

TEST_CASE_TEMPLATE("each row-wise layer gives a row the same bits at every position of batches of 1..70 rows", T, float,
                   double) {
    // One thread: the target at every position p < M of every M = 1..70.
    for (const std::size_t cols : {std::size_t(1), std::size_t(7), std::size_t(33), std::size_t(257)}) {
        const layer_params<T> params(cols, 0x2a11 + cols);
        for (const layer l : all_layers) {
            const batch_setup<T> s(l, params, 0x2a12 + cols);
            splitmix64 g(0x2a13 + cols);
            for (std::size_t M = 1; M <= 70; ++M)
                for (std::size_t p = 0; p < M; ++p) REQUIRE(s.check(M, p, 1, g));
        }
    }
}

TEST_CASE_TEMPLATE("each row-wise layer gives a row the same bits on 1-4 threads, every ISA and large batches", T,
                   float, double) {
    const isa_restorer restore;
    for (const std::size_t cols : {std::size_t(257), std::size_t(1000)}) {
        const layer_params<T> params(cols, 0x2b11 + cols);
        for (const layer l : all_layers) {
            const batch_setup<T> s(l, params, 0x2b12 + cols);  // batch-1 results on the default ISA
            splitmix64 g(0x2b13 + cols);
            // Rows of 257 on every ISA and every thread count; rows of 1000 on
            // the default ISA, one thread count per M (this keeps the number
            // of thread start-ups, which dominate the time, down).
            for (const repro::isa cap : every_isa()) {
                repro::limit_isa(cap);
                if (cols == 1000 && cap != restore.saved) continue;
                for (unsigned t = 2; t <= 4; ++t)
                    for (std::size_t M = 1; M <= 70; ++M)
                        if (cols == 257 || t == 2 + M % 3) REQUIRE(s.check(M, (7 * M + t) % M, t, g));
            }
            // Large batches on the default ISA (every row is checked; the
            // target goes first, last or in the middle).
            repro::limit_isa(restore.saved);
            for (unsigned t = 1; t <= 4; ++t)
                for (const std::size_t M : {std::size_t(256), std::size_t(1000)})
                    REQUIRE(s.check(M, t == 1 ? 0 : t == 2 ? M - 1 : M / 2 + t, t, g));
        }
    }
}

// ---------------------------------------------------------------------------
// (2) The documented formulas, recomputed from their description.

namespace {

template <class T>
std::vector<T> documented_softmax(const std::vector<T>& x, std::size_t rows, std::size_t cols) {
    std::vector<T> y(rows * cols), e(cols);
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x.data() + r * cols;
        const T m = repro::max(xr, cols);
        for (std::size_t c = 0; c < cols; ++c) e[c] = repro::math::exp(T(xr[c] - m));
        const T s = repro::sum(e.data(), cols);
        for (std::size_t c = 0; c < cols; ++c) y[r * cols + c] = e[c] / s;
    }
    return y;
}

template <class T>
std::vector<T> documented_log_softmax(const std::vector<T>& x, std::size_t rows, std::size_t cols) {
    std::vector<T> y(rows * cols), e(cols);
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x.data() + r * cols;
        const T m = repro::max(xr, cols);
        for (std::size_t c = 0; c < cols; ++c) e[c] = repro::math::exp(T(xr[c] - m));
        const T ls = repro::math::log(repro::sum(e.data(), cols));
        for (std::size_t c = 0; c < cols; ++c) y[r * cols + c] = T(xr[c] - m) - ls;
    }
    return y;
}

// y = x * rsqrt(sum(x * x) / cols + eps) * weight, the squares rounded
// before repro::sum adds them.
template <class T>
std::vector<T> documented_rms_norm(const std::vector<T>& x, const T* w, std::size_t rows, std::size_t cols, T eps) {
    std::vector<T> y(rows * cols), squares(cols);
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x.data() + r * cols;
        for (std::size_t c = 0; c < cols; ++c) squares[c] = repro::mul_rn(xr[c], xr[c]);
        const T ms = repro::sum(squares.data(), cols) / static_cast<T>(cols);
        const T inv = repro::math::rsqrt(T(ms + eps));
        for (std::size_t c = 0; c < cols; ++c) {
            const T v = xr[c] * inv;
            y[r * cols + c] = w ? T(v * w[c]) : v;
        }
    }
    return y;
}

// d = x - mean(x); y = fma(d * rsqrt(dot(d, d) / cols + eps), gamma, beta).
template <class T>
std::vector<T> documented_layer_norm(const std::vector<T>& x, const T* gamma, const T* beta, std::size_t rows,
                                     std::size_t cols, T eps) {
    std::vector<T> y(rows * cols), d(cols);
    for (std::size_t r = 0; r < rows; ++r) {
        const T* xr = x.data() + r * cols;
        const T m = repro::mean(xr, cols);
        for (std::size_t c = 0; c < cols; ++c) d[c] = xr[c] - m;
        const T v = repro::dot(d.data(), d.data(), cols) / static_cast<T>(cols);
        const T inv = repro::math::rsqrt(T(v + eps));
        for (std::size_t c = 0; c < cols; ++c)
            y[r * cols + c] = std::fma(T(d[c] * inv), gamma ? gamma[c] : T(1), beta ? beta[c] : T(0));
    }
    return y;
}

// scale = gamma / sqrt(var + eps), shift = fma(-mean, scale, beta), y = fma(x, scale, shift).
template <class T>
std::vector<T> documented_batch_norm(const std::vector<T>& x, std::size_t rows, std::size_t cols, const T* mean,
                                     const T* var, const T* gamma, const T* beta, T eps) {
    std::vector<T> y(rows * cols);
    for (std::size_t c = 0; c < cols; ++c) {
        const T scale = (gamma ? gamma[c] : T(1)) / std::sqrt(T(var[c] + eps));
        const T shift = std::fma(-mean[c], scale, beta ? beta[c] : T(0));
        for (std::size_t r = 0; r < rows; ++r) y[r * cols + c] = std::fma(x[r * cols + c], scale, shift);
    }
    return y;
}

}  // namespace

TEST_CASE_TEMPLATE("each layer equals its documented formula bit for bit (every ISA, 1-4 threads, in place)", T, float,
                   double) {
    const isa_restorer restore;
    const std::size_t rows = 5;
    const std::size_t col_list[] = {1, 2, 7, 31, 32, 33, 100, 1000, 4099};
    for (const std::size_t cols : col_list) {
        const layer_params<T> p(cols, 0x3c11 + cols);
        auto x = random_matrix<T>(rows, cols, 0x3c12 + cols, -6, 3);
        // A row with a large common offset (layer_norm's mean matters).
        for (std::size_t c = 0; c < cols; ++c) x[cols + c] = T(x[cols + c] + T(100));
        for (const bool optional_null : {false, true}) {
            const T* w = optional_null ? nullptr : p.weight.data();
            const T* g = optional_null ? nullptr : p.gamma.data();
            const T* b = optional_null ? nullptr : p.beta.data();
            const std::vector<T> want[] = {
                documented_softmax(x, rows, cols),
                documented_log_softmax(x, rows, cols),
                documented_rms_norm(x, w, rows, cols, p.eps),
                documented_layer_norm(x, g, b, rows, cols, p.eps),
                documented_batch_norm(x, rows, cols, p.mean.data(), p.var.data(), g, b, p.eps),
            };
            for (const repro::isa cap : every_isa()) {
                repro::limit_isa(cap);
                for (unsigned t = 1; t <= 4; ++t)
                    for (const bool in_place : {false, true}) {
                        const repro::threads th{t};
                        for (const layer l : all_layers) {
                            std::vector<T> y(rows * cols, quiet_nan<T>());
                            if (in_place) y = x;
                            const T* in = in_place ? y.data() : x.data();
                            switch (l) {
                                case layer::softmax:
                                    repro::softmax(in, y.data(), rows, cols, th);
                                    break;
                                case layer::log_softmax:
                                    repro::log_softmax(in, y.data(), rows, cols, th);
                                    break;
                                case layer::rms_norm:
                                    repro::rms_norm(in, w, y.data(), rows, cols, p.eps, th);
                                    break;
                                case layer::layer_norm:
                                    repro::layer_norm(in, g, b, y.data(), rows, cols, p.eps, th);
                                    break;
                                case layer::batch_norm:
                                    repro::batch_norm(in, y.data(), rows, cols, p.mean.data(), p.var.data(), g, b,
                                                      p.eps, repro::batch_norm_mode::inference, nullptr, nullptr, th);
                                    break;
                            }
                            const std::size_t at = first_difference(y, want[static_cast<int>(l)]);
                            if (at != npos) {
                                CAPTURE(name_of(l));
                                CAPTURE(isa_name());
                                CAPTURE(cols);
                                CAPTURE(optional_null);
                                CAPTURE(t);
                                CAPTURE(in_place);
                                CAPTURE(at);
                                CAPTURE(y[at]);
                                CAPTURE(want[static_cast<int>(l)][at]);
                                FAIL("differs from the documented formula");
                            }
                        }
                    }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// (2, continued) Accuracy against MPFR.

namespace {

constexpr mpfr_prec_t oracle_bits = 256;

struct mp {
    mpfr_t v;
    mp() {
        mpfr_init2(v, oracle_bits);
        mpfr_set_zero(v, 1);
    }
    ~mp() { mpfr_clear(v); }
    mp(const mp&) = delete;
    mp& operator=(const mp&) = delete;
    double d() const { return mpfr_get_d(v, MPFR_RNDN); }
};

// |computed - exact|, rounded up.
double error_of(double computed, const mp& exact) {
    mp diff;
    mpfr_set_d(diff.v, computed, MPFR_RNDN);
    mpfr_sub(diff.v, diff.v, exact.v, MPFR_RNDN);
    mpfr_abs(diff.v, diff.v, MPFR_RNDN);
    return mpfr_get_d(diff.v, MPFR_RNDU);
}

const std::size_t accuracy_cols[] = {1, 2, 7, 33, 100, 1000, 4099};

}  // namespace

// softmax. With u the unit roundoff, m = max x (exact), D = max_j (m - x_j):
//  d_c = fl(x_c - m) = (x_c - m) + e_c, |e_c| <= u |x_c - m|, which changes
//    exp by a factor exp(e_c): relative |x_c - m| u;
//  repro::math::exp is within 1 ULP (documented), a relative 2u;
//  so each e_c is exp(x_c - m) (1 + r_c), |r_c| <= (|x_c - m| + 2) u;
//  repro::sum of these positive terms has relative error <= gamma_h (h the
//    tree height above), so S = S_exact (1 + s), |s| <= (h + D + 2) u;
//  the division rounds once: u.
// Relative error of y_c <= (|x_c - m| + D + h + 5) u, to first order (the
// factor 1.001 covers the higher-order terms for these sizes).
// log_softmax: y_c = fl(fl(x_c - m) - fl(log(S))): absolute error <=
// u |x_c - m| + |s| + 2u |log S| (log within 1 ULP) + u |y_c|.
// Rows of softmax sum to 1 within sum_c y_c rel_c; log_softmax and log(softmax)
// differ by at most the log_softmax bound plus softmax's relative bound.
TEST_CASE_TEMPLATE("softmax and log_softmax are within their derived error bounds of MPFR and consistent", T, float,
                   double) {
    const double u = unit_roundoff<T>();
    const std::size_t rows = 6;
    for (const std::size_t cols : accuracy_cols) {
        const auto x = random_matrix<T>(rows, cols, 0x4d11 + cols, -6, 3);  // |x| < 16: no underflow in exp
        std::vector<T> y(rows * cols), z(rows * cols);
        repro::softmax(x.data(), y.data(), rows, cols);
        repro::log_softmax(x.data(), z.data(), rows, cols);
        const double h = tree_height<T>(cols);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* xr = x.data() + r * cols;
            double m = static_cast<double>(xr[0]);
            for (std::size_t c = 1; c < cols; ++c) m = std::max(m, static_cast<double>(xr[c]));
            double D = 0;
            for (std::size_t c = 0; c < cols; ++c) D = std::max(D, m - static_cast<double>(xr[c]));
            mp S, t, log_s, total, ly;
            for (std::size_t c = 0; c < cols; ++c) {
                mpfr_set_d(t.v, static_cast<double>(xr[c]), MPFR_RNDN);
                mpfr_sub_d(t.v, t.v, m, MPFR_RNDN);
                mpfr_exp(t.v, t.v, MPFR_RNDN);
                mpfr_add(S.v, S.v, t.v, MPFR_RNDN);
            }
            mpfr_log(log_s.v, S.v, MPFR_RNDN);
            const double s_rel = (h + D + 2) * u;
            double sum_bound = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                const double xc = static_cast<double>(xr[c]);
                const T yc = y[r * cols + c], zc = z[r * cols + c];
                // softmax
                mpfr_set_d(t.v, xc, MPFR_RNDN);
                mpfr_sub_d(t.v, t.v, m, MPFR_RNDN);
                mpfr_exp(t.v, t.v, MPFR_RNDN);
                mpfr_div(t.v, t.v, S.v, MPFR_RNDN);
                const double rel = (m - xc + D + h + 5) * u * 1.001;
                const double y_err = error_of(static_cast<double>(yc), t);
                // log_softmax
                mpfr_set_d(t.v, xc, MPFR_RNDN);
                mpfr_sub_d(t.v, t.v, m, MPFR_RNDN);
                mpfr_sub(t.v, t.v, log_s.v, MPFR_RNDN);
                const double z_bound =
                    ((m - xc) * u + s_rel + 2 * u * std::fabs(log_s.d()) + u * std::fabs(static_cast<double>(zc))) *
                    1.001;
                const double z_err = error_of(static_cast<double>(zc), t);
                // log(softmax) against log_softmax
                mpfr_set_d(ly.v, static_cast<double>(yc), MPFR_RNDN);
                mpfr_log(ly.v, ly.v, MPFR_RNDN);
                const double consistency = error_of(static_cast<double>(zc), ly);
                mpfr_add_d(total.v, total.v, static_cast<double>(yc), MPFR_RNDN);
                sum_bound += static_cast<double>(yc) * rel;
                if (!(y_err <= rel * std::fabs(static_cast<double>(yc)) && z_err <= z_bound &&
                      consistency <= z_bound + rel * 1.001)) {
                    CAPTURE(cols);
                    CAPTURE(r);
                    CAPTURE(c);
                    CAPTURE(yc);
                    CAPTURE(y_err / (u * std::fabs(static_cast<double>(yc))));
                    CAPTURE(rel / u);
                    CAPTURE(zc);
                    CAPTURE(z_err);
                    CAPTURE(z_bound);
                    CAPTURE(consistency);
                    FAIL("softmax / log_softmax outside the derived bound");
                }
            }
            mpfr_sub_d(total.v, total.v, 1.0, MPFR_RNDN);
            CAPTURE(cols);
            CAPTURE(r);
            CHECK(std::fabs(total.d()) <= sum_bound * 1.001);
        }
    }
}

// rms_norm: the squares one u each, their sum (positive terms) gamma_h more;
// the division by cols and the addition of eps (both positive) one u each, so
// the argument of rsqrt is off by (h + 3) u relative, which rsqrt halves;
// rsqrt is within 1 ULP (2u); x * inv and * weight one u each:
//   relative error <= ((h + 3) / 2 + 4) u   (first order; factor 1.001).
TEST_CASE_TEMPLATE("rms_norm is within its derived relative error bound of MPFR", T, float, double) {
    const double u = unit_roundoff<T>();
    const std::size_t rows = 4;
    for (const std::size_t cols : accuracy_cols) {
        const layer_params<T> p(cols, 0x4e11 + cols);
        const auto x = random_matrix<T>(rows, cols, 0x4e12 + cols, -4, 4);
        std::vector<T> y(rows * cols);
        repro::rms_norm(x.data(), p.weight.data(), y.data(), rows, cols, p.eps);
        const double rel = ((tree_height<T>(cols) + 3) / 2 + 4) * u * 1.001;
        for (std::size_t r = 0; r < rows; ++r) {
            mp q, t;
            for (std::size_t c = 0; c < cols; ++c) {
                mpfr_set_d(t.v, static_cast<double>(x[r * cols + c]), MPFR_RNDN);
                mpfr_mul(t.v, t.v, t.v, MPFR_RNDN);
                mpfr_add(q.v, q.v, t.v, MPFR_RNDN);
            }
            mpfr_div_ui(q.v, q.v, static_cast<unsigned long>(cols), MPFR_RNDN);
            mpfr_add_d(q.v, q.v, static_cast<double>(p.eps), MPFR_RNDN);
            mpfr_sqrt(q.v, q.v, MPFR_RNDN);
            for (std::size_t c = 0; c < cols; ++c) {
                mpfr_set_d(t.v, static_cast<double>(x[r * cols + c]), MPFR_RNDN);
                mpfr_div(t.v, t.v, q.v, MPFR_RNDN);
                mpfr_mul_d(t.v, t.v, static_cast<double>(p.weight[c]), MPFR_RNDN);
                const double got = static_cast<double>(y[r * cols + c]);
                if (!(error_of(got, t) <= rel * std::fabs(got))) {
                    CAPTURE(cols);
                    CAPTURE(r);
                    CAPTURE(c);
                    CAPTURE(error_of(got, t) / (u * std::fabs(got)));
                    CAPTURE(rel / u);
                    FAIL("rms_norm outside the derived bound");
                }
            }
        }
    }
}

// layer_norm. Exact: mu = mean, d_c = x_c - mu, v = sum d^2 / n, sigma =
// sqrt(v + eps), y_c = d_c / sigma * g_c + b_c. Computed (first order):
//  mean: |m - mu| <= Dm = (h sum|x| / n + |mu|) u  (sum gamma_h, division u);
//  d_c = fl(x_c - m): |d_c' - d_c| <= Dd_c = Dm + u (|d_c| + Dm);
//  sum d'^2 - sum d^2 = 2 sum d_c e_c + sum e_c^2 with e_c = (mu - m)(1 + a_c)
//    + a_c d_c, and sum d_c (mu - m) = 0, so |.| <= DD = 2u sum d^2 +
//    2u Dm sum|d| + sum Dd_c^2; the dot adds gamma_h, /n and + eps one u
//    each: relative error of v + eps <= DD / n / (v + eps) + (h + 2) u;
//  rsqrt halves that and adds 2u (1 ULP): rho;
//  u_c = fl(d_c' inv): |u_c' - d_c / sigma| <= Dd_c / sigma + |d_c| / sigma (rho + u);
//  fma(u_c, g_c, b_c) rounds once: |y_c' - y_c| <= |g_c| (that) + u |y_c|.
// The factor 1.01 covers the higher-order terms.
TEST_CASE_TEMPLATE("layer_norm is within its derived error bound of MPFR, offset rows included", T, float, double) {
    const double u = unit_roundoff<T>();
    const std::size_t rows = 4;
    for (const std::size_t cols : accuracy_cols) {
        const layer_params<T> p(cols, 0x4f11 + cols);
        auto x = random_matrix<T>(rows, cols, 0x4f12 + cols, -3, 1);
        // Rows 2 and 3 sit on offsets 3 and -1000: the mean's rounding matters.
        for (std::size_t c = 0; c < cols; ++c) {
            x[2 * cols + c] = T(x[2 * cols + c] + T(3));
            x[3 * cols + c] = T(x[3 * cols + c] - T(1000));
        }
        std::vector<T> y(rows * cols);
        repro::layer_norm(x.data(), p.gamma.data(), p.beta.data(), y.data(), rows, cols, p.eps);
        const double h = tree_height<T>(cols);
        const double n = static_cast<double>(cols);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* xr = x.data() + r * cols;
            mp mu, t, v, sigma;
            double sum_abs = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                mpfr_add_d(mu.v, mu.v, static_cast<double>(xr[c]), MPFR_RNDN);
                sum_abs += std::fabs(static_cast<double>(xr[c]));
            }
            mpfr_div_ui(mu.v, mu.v, static_cast<unsigned long>(cols), MPFR_RNDN);
            std::vector<double> d(cols);
            double sum_abs_d = 0, sum_d2 = 0;
            for (std::size_t c = 0; c < cols; ++c) {
                mpfr_set_d(t.v, static_cast<double>(xr[c]), MPFR_RNDN);
                mpfr_sub(t.v, t.v, mu.v, MPFR_RNDN);
                d[c] = t.d();
                sum_abs_d += std::fabs(d[c]);
                sum_d2 += d[c] * d[c];
                mpfr_mul(t.v, t.v, t.v, MPFR_RNDN);
                mpfr_add(v.v, v.v, t.v, MPFR_RNDN);
            }
            mpfr_div_ui(v.v, v.v, static_cast<unsigned long>(cols), MPFR_RNDN);
            mpfr_add_d(sigma.v, v.v, static_cast<double>(p.eps), MPFR_RNDN);
            mpfr_sqrt(sigma.v, sigma.v, MPFR_RNDN);
            const double s = sigma.d(), v_eps = s * s;
            const double dm = (h * sum_abs / n + std::fabs(mu.d())) * u * 1.001;
            double dd = 2 * u * sum_d2 + 2 * u * dm * sum_abs_d;
            for (std::size_t c = 0; c < cols; ++c) {
                const double ddc = dm + u * (std::fabs(d[c]) + dm);
                dd += ddc * ddc;
            }
            const double rho = (dd / n / v_eps + (h + 2) * u) / 2 + 2 * u;
            for (std::size_t c = 0; c < cols; ++c) {
                mpfr_set_d(t.v, static_cast<double>(xr[c]), MPFR_RNDN);
                mpfr_sub(t.v, t.v, mu.v, MPFR_RNDN);
                mpfr_div(t.v, t.v, sigma.v, MPFR_RNDN);
                mpfr_mul_d(t.v, t.v, static_cast<double>(p.gamma[c]), MPFR_RNDN);
                mpfr_add_d(t.v, t.v, static_cast<double>(p.beta[c]), MPFR_RNDN);
                const double ddc = dm + u * (std::fabs(d[c]) + dm);
                const double bound =
                    (std::fabs(static_cast<double>(p.gamma[c])) * (ddc / s + std::fabs(d[c]) / s * (rho + u)) +
                     u * std::fabs(t.d())) *
                    1.01;
                const double err = error_of(static_cast<double>(y[r * cols + c]), t);
                if (!(err <= bound)) {
                    CAPTURE(cols);
                    CAPTURE(r);
                    CAPTURE(c);
                    CAPTURE(err);
                    CAPTURE(bound);
                    FAIL("layer_norm outside the derived bound");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// (3) batch_norm's two modes.

TEST_CASE_TEMPLATE("batch_statistics mode uses repro::mean / repro::variance of the columns and depends on other rows",
                   T, float, double) {
    const std::size_t cols = 37;
    const layer_params<T> p(cols, 0x5a11);
    for (const std::size_t rows : {std::size_t(1), std::size_t(2), std::size_t(8), std::size_t(100)}) {
        auto x = random_matrix<T>(rows, cols, 0x5a12 + rows, -6, 3);
        std::vector<T> bm(cols, quiet_nan<T>()), bv(cols, quiet_nan<T>());
        std::vector<T> y(rows * cols);
        repro::batch_norm(x.data(), y.data(), rows, cols, p.mean.data(), p.var.data(), p.gamma.data(), p.beta.data(),
                          p.eps, repro::batch_norm_mode::batch_statistics, bm.data(), bv.data());
        std::vector<T> column(rows);
        for (std::size_t c = 0; c < cols; ++c) {
            for (std::size_t r = 0; r < rows; ++r) column[r] = x[r * cols + c];
            CAPTURE(rows);
            CAPTURE(c);
            CHECK(repro::bitwise_equal(bm[c], T(repro::mean(column.data(), rows))));
            CHECK(repro::bitwise_equal(bv[c], T(repro::variance(column.data(), rows))));
        }
        // The output is the inference formula with the batch's statistics,
        // on every thread count; the running mean and var are not used.
        const auto want =
            documented_batch_norm(x, rows, cols, bm.data(), bv.data(), p.gamma.data(), p.beta.data(), p.eps);
        CHECK(first_difference(y, want) == npos);
        for (unsigned t = 2; t <= 4; ++t) {
            std::vector<T> yt(rows * cols);
            repro::batch_norm(x.data(), yt.data(), rows, cols, static_cast<const T*>(nullptr),
                              static_cast<const T*>(nullptr), p.gamma.data(), p.beta.data(), p.eps,
                              repro::batch_norm_mode::batch_statistics, nullptr, nullptr, repro::threads{t});
            CHECK(first_difference(yt, y) == npos);
        }
        if (rows == 1) {
            // A batch of one row normalises to beta: y = fma(x, s, fl(beta - x s))
            // is beta up to the two roundings, u |beta - x s| + u |y|.
            const double u = unit_roundoff<T>();
            for (std::size_t c = 0; c < cols; ++c) {
                const double s = static_cast<double>(p.gamma[c]) / std::sqrt(static_cast<double>(p.eps));
                const double xs = std::fabs(static_cast<double>(x[c]) * s),
                             be = std::fabs(static_cast<double>(p.beta[c]));
                CHECK(std::fabs(static_cast<double>(y[c]) - static_cast<double>(p.beta[c])) <=
                      2.01 * u * (xs + 2 * be));
            }
        }
        if (rows >= 2) {
            // Changing another row changes the target row: never batch-invariant,
            // which is why this mode must be asked for by name.
            const std::size_t target = 0, other = rows - 1;
            for (std::size_t c = 0; c < cols; ++c) x[other * cols + c] = T(x[other * cols + c] * T(3) + T(1));
            std::vector<T> y2(rows * cols);
            repro::batch_norm(x.data(), y2.data(), rows, cols, p.mean.data(), p.var.data(), p.gamma.data(),
                              p.beta.data(), p.eps, repro::batch_norm_mode::batch_statistics);
            std::size_t changed = 0;
            for (std::size_t c = 0; c < cols; ++c)
                changed += !repro::bitwise_equal(y2[target * cols + c], y[target * cols + c]);
            CAPTURE(rows);
            CHECK(changed > 0);
            // (With two rows y = +-gamma / sqrt(1 + eps / d^2) + beta saturates
            // where |x0 - x1| >> sqrt(eps), so a few columns may keep their bits.)
            if (rows >= 8) CHECK(changed == cols);
            // In inference mode the same change leaves the target row alone.
            std::vector<T> yi(rows * cols), yi2(rows * cols);
            auto x_before = x;
            for (std::size_t c = 0; c < cols; ++c) x_before[other * cols + c] = T(-x_before[other * cols + c]);
            p.apply(layer::batch_norm, x.data(), yi.data(), rows, 1);
            p.apply(layer::batch_norm, x_before.data(), yi2.data(), rows, 1);
            CHECK(first_difference(yi.data(), yi2.data(), cols) == npos);
        }
    }
}

// ---------------------------------------------------------------------------
// (4) fold_batch_norm.

namespace {

template <class T>
struct folding_case {
    std::size_t in, out;
    std::vector<T> W, b, mean, var, gamma, beta;
    T eps = T(1e-3);
    folding_case(std::size_t i, std::size_t o, std::uint64_t seed)
        : in(i),
          out(o),
          W(random_matrix<T>(o, i, seed, -4, 0)),
          b(random_matrix<T>(1, o, seed + 1, -3, 1)),
          mean(random_matrix<T>(1, o, seed + 2, -3, 1)),
          var(magnitudes(random_matrix<T>(1, o, seed + 3, -3, 2))),
          gamma(random_matrix<T>(1, o, seed + 4, -2, 1)),
          beta(random_matrix<T>(1, o, seed + 5, -3, 1)) {}
};

}  // namespace

// Tolerance. With s_o = gamma_o / sqrt(var_o + eps) computed identically in
// both, P = sum_k |x_k W_ok|, E = s (sum_k x_k W_ok + b - mean) + beta:
//  linear + batch_norm: y1 = chain (error <= gamma_K P), y2 = fl(y1 + b)
//    (u |y2|), shift = fl(beta - mean s) (u |shift|), z = fl(y2 s + shift)
//    (u |z|): |z - E| <= |s| (gamma_K P + u |y2|) + u |shift| + u |z|;
//  folded: W'_k = fl(W_k s) (u |s| P in all), chain over W' (gamma_K |s| P
//    (1 + u)), b' = fl((b - mean) s + beta) after fl(b - mean) (u |s| |b -
//    mean| + u |b'|), z' = fl(y1' + b') (u |z'|).
// So |z - z'| <= |s| P (2 gamma_K + u)(1 + u) + u |s| (|y2| + |b - mean|)
//   + u (|shift| + |b'| + |z| + |z'|), times 1.001 for higher-order terms.
TEST_CASE_TEMPLATE("linear with folded weights equals linear then batch_norm within the derived tolerance", T, float,
                   double) {
    const double u = unit_roundoff<T>();
    for (const std::size_t in : {std::size_t(1), std::size_t(64), std::size_t(300)})
        for (const bool optional_null : {false, true}) {
            const std::size_t out = 48, M = 9;
            const folding_case<T> f(in, out, 0x6a11 + in);
            const T* g = optional_null ? nullptr : f.gamma.data();
            const T* be = optional_null ? nullptr : f.beta.data();
            const auto x = random_matrix<T>(M, in, 0x6a12 + in, -3, 2);
            std::vector<T> y(M * out), z(M * out);
            repro::linear(x.data(), f.W.data(), f.b.data(), y.data(), M, in, out);
            repro::batch_norm(y.data(), z.data(), M, out, f.mean.data(), f.var.data(), g, be, f.eps,
                              repro::batch_norm_mode::inference);
            auto W2 = f.W;
            auto b2 = f.b;
            repro::fold_batch_norm(W2.data(), b2.data(), out, in, f.mean.data(), f.var.data(), g, be, f.eps);
            std::vector<T> z2(M * out);
            repro::linear(x.data(), W2.data(), b2.data(), z2.data(), M, in, out);
            std::size_t differ = 0;
            for (std::size_t o = 0; o < out; ++o) {
                // The documented folding, bit for bit.
                const T s = (g ? g[o] : T(1)) / std::sqrt(T(f.var[o] + f.eps));
                for (std::size_t k = 0; k < in; ++k)
                    REQUIRE(repro::bitwise_equal(W2[o * in + k], T(f.W[o * in + k] * s)));
                REQUIRE(repro::bitwise_equal(b2[o], std::fma(T(f.b[o] - f.mean[o]), s, be ? be[o] : T(0))));
                const T shift = std::fma(-f.mean[o], s, be ? be[o] : T(0));
                const double sd = std::fabs(static_cast<double>(s));
                for (std::size_t i = 0; i < M; ++i) {
                    double P = 0;
                    for (std::size_t k = 0; k < in; ++k)
                        P += std::fabs(static_cast<double>(x[i * in + k]) * static_cast<double>(f.W[o * in + k]));
                    const double gk = in * u / (1 - in * u);
                    const double zi = static_cast<double>(z[i * out + o]), zf = static_cast<double>(z2[i * out + o]);
                    const double tol = (sd * P * (2 * gk + u) * (1 + u) +
                                        u * sd *
                                            (std::fabs(static_cast<double>(y[i * out + o])) +
                                             std::fabs(static_cast<double>(f.b[o]) - static_cast<double>(f.mean[o]))) +
                                        u * (std::fabs(static_cast<double>(shift)) +
                                             std::fabs(static_cast<double>(b2[o])) + std::fabs(zi) + std::fabs(zf))) *
                                       1.001;
                    differ += !repro::bitwise_equal(z[i * out + o], z2[i * out + o]);
                    if (!(std::fabs(zi - zf) <= tol)) {
                        CAPTURE(in);
                        CAPTURE(optional_null);
                        CAPTURE(i);
                        CAPTURE(o);
                        CAPTURE(zi);
                        CAPTURE(zf);
                        CAPTURE(tol);
                        FAIL("folded layer outside the derived tolerance");
                    }
                }
            }
            // Not bitwise (the order of operations changes), as documented.
            if (in > 1) CHECK(differ > 0);
        }
}

TEST_CASE_TEMPLATE("linear with folded weights is batch-invariant", T, float, double) {
    const std::size_t in = 64, out = 48;
    const folding_case<T> f(in, out, 0x6b11);
    auto W = f.W;
    auto b = f.b;
    repro::fold_batch_norm(W.data(), b.data(), out, in, f.mean.data(), f.var.data(), f.gamma.data(), f.beta.data(),
                           f.eps);
    const auto target = random_matrix<T>(1, in, 0x6b12, -3, 2);
    std::vector<T> alone(out);
    repro::linear(target.data(), W.data(), b.data(), alone.data(), 1, in, out);
    splitmix64 g(0x6b13);
    auto check = [&](std::size_t M, std::size_t p, unsigned t) {
        auto x = random_matrix<T>(M, in, g.next(), -3, 2);
        std::copy(target.begin(), target.end(), x.begin() + static_cast<std::ptrdiff_t>(p * in));
        std::vector<T> y(M * out);
        repro::linear(x.data(), W.data(), b.data(), y.data(), M, in, out, repro::activation::none, repro::threads{t});
        CAPTURE(M);
        CAPTURE(p);
        CAPTURE(t);
        REQUIRE(first_difference(y.data() + p * out, alone.data(), out) == npos);
    };
    for (std::size_t M = 1; M <= 70; ++M)
        for (std::size_t p = 0; p < M; ++p) check(M, p, 1);
    for (unsigned t = 2; t <= 4; ++t) {
        for (std::size_t M = 1; M <= 70; ++M) check(M, (5 * M + t) % M, t);
        for (const std::size_t M : {std::size_t(256), std::size_t(1000)})
            for (const std::size_t p : {std::size_t(0), M / 2 + t, M - 1}) check(M, p, t);
    }
}

// ---------------------------------------------------------------------------
// (5) Bad arguments, empty shapes, NaN.

TEST_CASE_TEMPLATE("null pointers, threads{0} and eps < 0 are refused", T, float, double) {
    const std::size_t rows = 3, cols = 4;
    const layer_params<T> p(cols, 0x7a11);
    const auto x = random_matrix<T>(rows, cols, 0x7a12, -2, 2);
    std::vector<T> y(rows * cols);
    const T* none = nullptr;
    T* none_out = nullptr;
    const T* m = p.mean.data();
    const T* v = p.var.data();
    const auto inference = repro::batch_norm_mode::inference;
    const auto batch = repro::batch_norm_mode::batch_statistics;
    using ia = std::invalid_argument;
    // null x or y
    CHECK_THROWS_AS(repro::softmax(none, y.data(), rows, cols), ia);
    CHECK_THROWS_AS(repro::softmax(x.data(), none_out, rows, cols), ia);
    CHECK_THROWS_AS(repro::log_softmax(none, y.data(), rows, cols), ia);
    CHECK_THROWS_AS(repro::log_softmax(x.data(), none_out, rows, cols), ia);
    CHECK_THROWS_AS(repro::rms_norm(none, none, y.data(), rows, cols), ia);
    CHECK_THROWS_AS(repro::rms_norm(x.data(), none, none_out, rows, cols), ia);
    CHECK_THROWS_AS(repro::layer_norm(none, none, none, y.data(), rows, cols), ia);
    CHECK_THROWS_AS(repro::layer_norm(x.data(), none, none, none_out, rows, cols), ia);
    CHECK_THROWS_AS(repro::batch_norm(none, y.data(), rows, cols, m, v, none, none, p.eps, inference), ia);
    CHECK_THROWS_AS(repro::batch_norm(x.data(), none_out, rows, cols, m, v, none, none, p.eps, inference), ia);
    // inference needs the running statistics
    CHECK_THROWS_AS(repro::batch_norm(x.data(), y.data(), rows, cols, none, v, none, none, p.eps, inference), ia);
    CHECK_THROWS_AS(repro::batch_norm(x.data(), y.data(), rows, cols, m, none, none, none, p.eps, inference), ia);
    // threads{0}
    const repro::threads zero{0};
    CHECK_THROWS_AS(repro::softmax(x.data(), y.data(), rows, cols, zero), ia);
    CHECK_THROWS_AS(repro::log_softmax(x.data(), y.data(), rows, cols, zero), ia);
    CHECK_THROWS_AS(repro::rms_norm(x.data(), none, y.data(), rows, cols, p.eps, zero), ia);
    CHECK_THROWS_AS(repro::layer_norm(x.data(), none, none, y.data(), rows, cols, p.eps, zero), ia);
    CHECK_THROWS_AS(
        repro::batch_norm(x.data(), y.data(), rows, cols, m, v, none, none, p.eps, inference, nullptr, nullptr, zero),
        ia);
    // eps < 0 or NaN
    for (const T bad : {T(-1e-5), -std::numeric_limits<T>::min(), quiet_nan<T>()}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(repro::rms_norm(x.data(), none, y.data(), rows, cols, bad), ia);
        CHECK_THROWS_AS(repro::layer_norm(x.data(), none, none, y.data(), rows, cols, bad), ia);
        CHECK_THROWS_AS(repro::batch_norm(x.data(), y.data(), rows, cols, m, v, none, none, bad, inference), ia);
        CHECK_THROWS_AS(repro::batch_norm(x.data(), y.data(), rows, cols, m, v, none, none, bad, batch), ia);
    }
    // eps = 0 is allowed.
    CHECK_NOTHROW(repro::rms_norm(x.data(), none, y.data(), rows, cols, T(0)));
    CHECK_NOTHROW(repro::layer_norm(x.data(), none, none, y.data(), rows, cols, T(0)));
    // Batch statistics of no rows do not exist.
    CHECK_THROWS_AS(repro::batch_norm(x.data(), y.data(), 0, cols, m, v, none, none, p.eps, batch), ia);
    // fold_batch_norm: W, b, mean, var must be given.
    auto W = random_matrix<T>(cols, 2, 0x7a13, -2, 2);
    auto b = random_matrix<T>(1, cols, 0x7a14, -2, 2);
    T* none_w = nullptr;
    CHECK_THROWS_AS(repro::fold_batch_norm(none_w, b.data(), cols, 2, m, v, none, none, p.eps), ia);
    CHECK_THROWS_AS(repro::fold_batch_norm(W.data(), none_w, cols, 2, m, v, none, none, p.eps), ia);
    CHECK_THROWS_AS(repro::fold_batch_norm(W.data(), b.data(), cols, 2, none, v, none, none, p.eps), ia);
    CHECK_THROWS_AS(repro::fold_batch_norm(W.data(), b.data(), cols, 2, m, none, none, none, p.eps), ia);
}

TEST_CASE_TEMPLATE("rows = 0 or cols = 0 is a no-op that accepts null pointers", T, float, double) {
    const T* none = nullptr;
    T* none_out = nullptr;
    const auto inference = repro::batch_norm_mode::inference;
    const layer_params<T> p(5, 0x7b11);
    for (unsigned t : {1u, 4u}) {
        const repro::threads th{t};
        for (const std::size_t rows : {std::size_t(0), std::size_t(3)})
            for (const std::size_t cols : {std::size_t(0), std::size_t(5)}) {
                if (rows != 0 && cols != 0) continue;
                CAPTURE(rows);
                CAPTURE(cols);
                CHECK_NOTHROW(repro::softmax(none, none_out, rows, cols, th));
                CHECK_NOTHROW(repro::log_softmax(none, none_out, rows, cols, th));
                CHECK_NOTHROW(repro::rms_norm(none, none, none_out, rows, cols, T(1e-6), th));
                CHECK_NOTHROW(repro::layer_norm(none, none, none, none_out, rows, cols, T(1e-5), th));
                CHECK_NOTHROW(repro::batch_norm(none, none_out, rows, cols, cols ? p.mean.data() : none,
                                                cols ? p.var.data() : none, none, none, T(1e-5), inference, nullptr,
                                                nullptr, th));
                // With real buffers nothing is written.
                std::vector<T> x(16, T(2)), y(16, quiet_nan<T>());
                repro::softmax(x.data(), y.data(), rows, cols, th);
                repro::log_softmax(x.data(), y.data(), rows, cols, th);
                repro::rms_norm(x.data(), p.weight.data(), y.data(), rows, cols, T(1e-6), th);
                repro::layer_norm(x.data(), p.gamma.data(), p.beta.data(), y.data(), rows, cols, T(1e-5), th);
                repro::batch_norm(x.data(), y.data(), rows, cols, p.mean.data(), p.var.data(), p.gamma.data(),
                                  p.beta.data(), T(1e-5), inference, nullptr, nullptr, th);
                for (const T v : y) CHECK(repro::is_nan(v));
            }
    }
    // fold_batch_norm with out = 0 or in = 0.
    CHECK_NOTHROW(repro::fold_batch_norm(static_cast<T*>(nullptr), static_cast<T*>(nullptr), 0, 7, none, none, none,
                                         none, T(1e-5)));
    std::vector<T> b = {T(1), T(2)}, m = {T(0.5), T(-1)}, v = {T(4), T(0.25)};
    repro::fold_batch_norm(static_cast<T*>(nullptr), b.data(), 2, 0, m.data(), v.data(), none, none, T(0));
    CHECK(b[0] == T(0.25));  // (1 - 0.5) / 2
    CHECK(b[1] == T(6));     // (2 + 1) / 0.5
}

TEST_CASE_TEMPLATE("a NaN stays in its row (and, for batch_norm, in its element)", T, float, double) {
    const std::size_t rows = 9, cols = 70, i0 = 4, c0 = 33;
    const layer_params<T> p(cols, 0x7c11);
    const auto x = random_matrix<T>(rows, cols, 0x7c12, -6, 3);
    auto xn = x;
    xn[i0 * cols + c0] = quiet_nan<T>();
    for (const layer l : all_layers)
        for (unsigned t : {1u, 3u}) {
            CAPTURE(name_of(l));
            CAPTURE(t);
            const auto clean = p.run(l, x, rows, t);
            const auto y = p.run(l, xn, rows, t);
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t c = 0; c < cols; ++c) {
                    const T v = y[r * cols + c];
                    if (r != i0)
                        REQUIRE(repro::bitwise_equal(v, clean[r * cols + c]));
                    else if (l != layer::batch_norm || c == c0)
                        REQUIRE(repro::is_nan(v));  // row statistics are NaN, so is the whole row
                    else
                        REQUIRE(repro::bitwise_equal(v, clean[r * cols + c]));  // per-element: only (i0, c0)
                }
        }
    // In batch_statistics mode a NaN reaches its whole column (every row).
    std::vector<T> y(rows * cols);
    repro::batch_norm(xn.data(), y.data(), rows, cols, p.mean.data(), p.var.data(), p.gamma.data(), p.beta.data(),
                      p.eps, repro::batch_norm_mode::batch_statistics);
    for (std::size_t r = 0; r < rows; ++r) {
        CHECK(repro::is_nan(y[r * cols + c0]));
        CHECK(!repro::is_nan(y[r * cols + c0 + 1]));
    }
}

TEST_CASE_TEMPLATE("leaky_relu keeps positives and NaN, scales the rest by slope once rounded, in place too", T, float,
                   double) {
    auto x = random_matrix<T>(1, 1000, 0x1ea4, -30, 30);
    x[0] = T(0);
    x[1] = -T(0);
    x[2] = quiet_nan<T>();
    x[3] = std::numeric_limits<T>::infinity();
    x[4] = -std::numeric_limits<T>::infinity();
    x[5] = std::numeric_limits<T>::denorm_min();
    x[6] = -std::numeric_limits<T>::denorm_min();
    const T slope = T(0.01);
    std::vector<T> y(x.size());
    repro::leaky_relu(x.data(), y.data(), x.size(), slope);
    for (std::size_t i = 0; i < x.size(); ++i) {
        CAPTURE(i);
        const volatile T product = x[i] * slope;  // one rounding, never fused
        if (repro::is_nan(x[i]))
            CHECK(repro::is_nan(y[i]));
        else
            CHECK(repro::bitwise_equal(y[i], x[i] > T(0) ? x[i] : T(product)));
    }
    CHECK(repro::sign_bit(y[1]));              // -0 * slope
    CHECK(repro::bitwise_equal(y[6], -T(0)));  // underflows to -0
    CHECK(y[4] == -std::numeric_limits<T>::infinity());
    auto z = x;
    repro::leaky_relu(z.data(), z.data(), z.size(), slope);
    CHECK(first_difference(z, y) == npos);
    CHECK_THROWS_WITH_AS(repro::leaky_relu(x.data(), y.data(), 1, std::numeric_limits<T>::infinity()),
                         "repro::leaky_relu: slope must be finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::leaky_relu(x.data(), y.data(), 1, quiet_nan<T>()),
                         "repro::leaky_relu: slope must be finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(repro::leaky_relu(static_cast<const T*>(nullptr), y.data(), 1, slope),
                         "repro::leaky_relu: x is a null pointer", std::invalid_argument);
    repro::leaky_relu(static_cast<const T*>(nullptr), static_cast<T*>(nullptr), 0, slope);  // empty: no-op
}

TEST_CASE("the softmax shift is repro::max's value (a zero's sign aside) for every length and special value") {
    for (std::size_t n = 1; n <= 70; n += (n < 20 ? 1 : 7)) {
        for (int special = 0; special < 6; ++special) {
            std::vector<float> x = random_matrix<float>(1, n, 100 + n);
            const float values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                    -std::numeric_limits<float>::infinity(), 0.0f, -0.0f, 1e30f};
            x[(static_cast<std::size_t>(special) * 13 + n / 2) % n] = values[special];
            if (special >= 3)
                for (float& v : x) v = -std::fabs(v);  // all <= 0: the maximum may be a zero
            const float want = repro::max(x.data(), n), got = repro::detail::shift_of(x.data(), n);
            CAPTURE(n);
            CAPTURE(special);
            if (repro::is_nan(want))
                CHECK(repro::is_nan(got));
            else
                CHECK(got == want);  // +0 == -0
        }
    }
}
