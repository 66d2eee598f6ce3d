// conv2d, group_norm, pool2d, population_statistics and the Eigen adapters
// of matmul/linear: the documented definitions recomputed independently,
// batch invariance (a sample's output does not depend on the batch around
// it, its position or the thread count), and bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <repro/eigen.hpp>
#include <repro/nn.hpp>
#include <stdexcept>
#include <vector>

#include "support/test_data.hpp"

namespace {

using repro_test::splitmix64;

template <class T>
std::vector<T> random_values(splitmix64& g, std::size_t n) {
    std::vector<T> v(n);
    const int bias = sizeof(T) == 4 ? 127 : 1023;
    for (T& x : v) x = repro_test::random_finite<T>(g, bias - 6, bias + 3);
    return v;
}

template <class T>
bool same_bits(const T* a, const T* b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (!repro::bitwise_equal(a[i], b[i])) return false;
    return true;
}

// The documented order of conv2d, written out directly with std::fma.
template <class T>
std::vector<T> conv2d_definition(const std::vector<T>& x, const std::vector<T>& w, const std::vector<T>& b,
                                 const repro::conv2d_shape& s) {
    const std::size_t cg = s.c_in / s.groups, og = s.c_out / s.groups, K = s.kh * s.kw * cg;
    std::vector<T> y(s.n * s.out_h() * s.out_w() * s.c_out);
    for (std::size_t n = 0; n < s.n; ++n)
        for (std::size_t oy = 0; oy < s.out_h(); ++oy)
            for (std::size_t ox = 0; ox < s.out_w(); ++ox)
                for (std::size_t o = 0; o < s.c_out; ++o) {
                    const std::size_t gr = o / og;
                    T c = 0;
                    for (std::size_t dy = 0; dy < s.kh; ++dy)
                        for (std::size_t dx = 0; dx < s.kw; ++dx)
                            for (std::size_t ci = 0; ci < cg; ++ci) {
                                const long iy = long(oy * s.stride_h + dy * s.dilation_h) - long(s.pad_h);
                                const long ix = long(ox * s.stride_w + dx * s.dilation_w) - long(s.pad_w);
                                const bool pad = iy < 0 || ix < 0 || iy >= long(s.h) || ix >= long(s.w);
                                const T xv = pad ? T(0)
                                                 : x[((n * s.h + std::size_t(iy)) * s.w + std::size_t(ix)) * s.c_in +
                                                     gr * cg + ci];
                                c = std::fma(xv, w[o * K + (dy * s.kw + dx) * cg + ci], c);
                            }
                    y[((n * s.out_h() + oy) * s.out_w() + ox) * s.c_out + o] = b.empty() ? c : c + b[o];
                }
    return y;
}

}  // namespace

TEST_CASE_TEMPLATE("conv2d: every output is the documented fma chain, for strides, padding, dilation and groups", T,
                   float, double) {
    splitmix64 g(11);
    int checked = 0;
    for (int trial = 0; trial < 80; ++trial) {
        repro::conv2d_shape s{};
        s.n = 1 + g.below(3);
        s.h = 1 + g.below(9);
        s.w = 1 + g.below(9);
        s.groups = 1 + g.below(3);
        s.c_in = s.groups * (1 + g.below(4));
        s.c_out = s.groups * (1 + g.below(19));
        s.kh = 1 + g.below(3);
        s.kw = 1 + g.below(3);
        s.stride_h = 1 + g.below(3);
        s.stride_w = 1 + g.below(2);
        s.pad_h = g.below(3);
        s.pad_w = g.below(2);
        s.dilation_h = 1 + g.below(2);
        s.dilation_w = 1 + g.below(2);
        if (s.h + 2 * s.pad_h < s.dilation_h * (s.kh - 1) + 1 || s.w + 2 * s.pad_w < s.dilation_w * (s.kw - 1) + 1)
            continue;
        const std::size_t K = s.kh * s.kw * (s.c_in / s.groups);
        const auto x = random_values<T>(g, s.n * s.h * s.w * s.c_in);
        const auto w = random_values<T>(g, s.c_out * K);
        const auto b = trial % 2 ? random_values<T>(g, s.c_out) : std::vector<T>{};
        std::vector<T> y(s.n * s.out_h() * s.out_w() * s.c_out);
        repro::conv2d(x.data(), w.data(), b.empty() ? nullptr : b.data(), y.data(), s, repro::activation::none,
                      repro::threads{1 + unsigned(trial % 3)});
        const auto expected = conv2d_definition(x, w, b, s);
        CHECK(same_bits(y.data(), expected.data(), y.size()));
        ++checked;
    }
    CHECK(checked > 40);
}

TEST_CASE("conv2d: a sample's output is the same at every batch size and position") {
    splitmix64 g(12);
    repro::conv2d_shape s{};
    s.h = 12, s.w = 12, s.c_in = 3, s.c_out = 32, s.kh = 3, s.kw = 3, s.pad_h = 1, s.pad_w = 1;
    const std::size_t in = s.h * s.w * s.c_in, out = s.out_h() * s.out_w() * s.c_out;
    const auto w = random_values<float>(g, s.c_out * 27);
    const auto b = random_values<float>(g, s.c_out);
    const auto target = random_values<float>(g, in);
    s.n = 1;
    std::vector<float> alone(out);
    repro::conv2d(target.data(), w.data(), b.data(), alone.data(), s, repro::activation::relu);
    for (std::size_t n : {2u, 3u, 7u, 16u}) {
        for (std::size_t pos = 0; pos < n; ++pos) {
            auto x = random_values<float>(g, n * in);
            std::copy(target.begin(), target.end(), x.begin() + static_cast<std::ptrdiff_t>(pos * in));
            s.n = n;
            std::vector<float> y(n * out);
            repro::conv2d(x.data(), w.data(), b.data(), y.data(), s, repro::activation::relu,
                          repro::threads{1 + unsigned(pos % 4)});
            CHECK(same_bits(y.data() + pos * out, alone.data(), out));
        }
    }
}

TEST_CASE("conv2d: bad shapes and pointers are rejected") {
    std::vector<float> x(100), w(100), y(100);
    repro::conv2d_shape s{};
    s.n = 1, s.h = 4, s.w = 4, s.c_in = 2, s.c_out = 2, s.kh = 5, s.kw = 1;
    CHECK_THROWS_AS(repro::conv2d(x.data(), w.data(), nullptr, y.data(), s), std::invalid_argument);  // kernel too big
    s.kh = 3;
    s.groups = 3;
    CHECK_THROWS_AS(repro::conv2d(x.data(), w.data(), nullptr, y.data(), s), std::invalid_argument);  // groups
    s.groups = 1;
    s.stride_h = 0;
    CHECK_THROWS_AS(repro::conv2d(x.data(), w.data(), nullptr, y.data(), s), std::invalid_argument);
    s.stride_h = 1;
    CHECK_THROWS_AS(repro::conv2d(static_cast<const float*>(nullptr), w.data(), nullptr, y.data(), s),
                    std::invalid_argument);
    CHECK_THROWS_AS(repro::conv2d(x.data(), w.data(), nullptr, y.data(), s, repro::activation::none, repro::threads{0}),
                    std::invalid_argument);
    CHECK_NOTHROW(repro::conv2d(x.data(), w.data(), nullptr, y.data(), s));
}

TEST_CASE_TEMPLATE("group_norm: per-sample statistics, invariant to the batch, matching the definition", T, float,
                   double) {
    splitmix64 g(13);
    // 43 positions x 3 channels: 129 values a group, whole blocks of the reductions' lanes and one left over
    const std::size_t spatial = 43, channels = 12, groups = 4, cg = channels / groups, per = spatial * channels;
    const auto gamma = random_values<T>(g, channels), beta = random_values<T>(g, channels);
    const auto x = random_values<T>(g, 9 * per);
    std::vector<T> y(x.size());
    repro::group_norm(x.data(), gamma.data(), beta.data(), y.data(), 9, spatial, channels, groups, T(1e-5),
                      repro::threads{3});
    for (std::size_t b = 0; b < 9; ++b) {
        std::vector<T> alone(per);
        repro::group_norm(x.data() + b * per, gamma.data(), beta.data(), alone.data(), 1, spatial, channels, groups);
        CHECK(same_bits(alone.data(), y.data() + b * per, per));
        for (std::size_t gr = 0; gr < groups; ++gr) {
            std::vector<T> d;
            for (std::size_t p = 0; p < spatial; ++p)
                for (std::size_t c = 0; c < cg; ++c) d.push_back(x[b * per + p * channels + gr * cg + c]);
            const T m = repro::mean(d.data(), d.size());
            for (T& v : d) v -= m;
            const T inv = repro::math::rsqrt(repro::dot(d.data(), d.data(), d.size()) / T(d.size()) + T(1e-5));
            for (std::size_t p = 0; p < spatial; ++p)
                for (std::size_t c = 0; c < cg; ++c) {
                    const std::size_t ch = gr * cg + c;
                    const T e = std::fma(d[p * cg + c] * inv, gamma[ch], beta[ch]);
                    CHECK(repro::bitwise_equal(y[b * per + p * channels + ch], e));
                }
        }
    }
    CHECK_THROWS_AS(repro::group_norm(x.data(), nullptr, nullptr, y.data(), 1, spatial, channels, 5),
                    std::invalid_argument);
}

TEST_CASE("pool2d: max and mean windows, padding excluded, NaN propagates") {
    splitmix64 g(14);
    const std::size_t n = 3, h = 7, w = 6, c = 5, k = 3, stride = 2, pad = 1;
    const std::size_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
    auto x = random_values<float>(g, n * h * w * c);
    x[(1 * h * w + 2 * w + 3) * c + 4] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> ymax(n * oh * ow * c), ymean(ymax.size());
    repro::pool2d(x.data(), ymax.data(), n, h, w, c, k, k, stride, pad, repro::pooling::max, repro::threads{2});
    repro::pool2d(x.data(), ymean.data(), n, h, w, c, k, k, stride, pad, repro::pooling::mean);
    std::size_t nans = 0;
    for (std::size_t b = 0; b < n; ++b)
        for (std::size_t oy = 0; oy < oh; ++oy)
            for (std::size_t ox = 0; ox < ow; ++ox)
                for (std::size_t ch = 0; ch < c; ++ch) {
                    float mx = -INFINITY, sum = 0;
                    bool nan = false;
                    int count = 0;
                    for (std::size_t dy = 0; dy < k; ++dy)
                        for (std::size_t dx = 0; dx < k; ++dx) {
                            const long iy = long(oy * stride + dy) - long(pad), ix = long(ox * stride + dx) - long(pad);
                            if (iy < 0 || ix < 0 || iy >= long(h) || ix >= long(w)) continue;
                            const float v = x[((b * h + std::size_t(iy)) * w + std::size_t(ix)) * c + ch];
                            nan = nan || std::isnan(v);
                            mx = std::fmax(mx, v);
                            sum += v;
                            ++count;
                        }
                    const std::size_t at = ((b * oh + oy) * ow + ox) * c + ch;
                    if (nan) {
                        ++nans;
                        CHECK(std::isnan(ymax[at]));
                        CHECK(std::isnan(ymean[at]));
                    } else {
                        CHECK(repro::bitwise_equal(ymax[at], mx));
                        CHECK(repro::bitwise_equal(ymean[at], sum / float(count)));
                    }
                }
    CHECK(nans > 0);
    CHECK_THROWS_AS(repro::pool2d(x.data(), ymax.data(), n, h, w, c, 3, 3, 0, 0, repro::pooling::max),
                    std::invalid_argument);
}

TEST_CASE_TEMPLATE("population_statistics: bitwise the same however the data set is batched or sharded", T, float,
                   double) {
    splitmix64 g(15);
    const std::size_t rows = 3001, feats = 7;
    std::vector<T> data(rows * feats);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<T>(1000.0 + static_cast<double>(i % feats)) +
                  repro_test::random_finite<T>(g, sizeof(T) == 4 ? 120 : 1016, sizeof(T) == 4 ? 128 : 1024);
    repro::population_statistics<T> whole(feats);
    whole.add(data.data(), rows);
    whole.add_deviations(data.data(), rows);
    const auto m = whole.mean(), v = whole.variance();
    // long double oracle (for float data it is exact enough to bound the result)
    for (std::size_t f = 0; f < feats; ++f) {
        long double s = 0, s2 = 0;
        for (std::size_t r = 0; r < rows; ++r) s += data[r * feats + f];
        const long double mean = s / rows;
        for (std::size_t r = 0; r < rows; ++r) s2 += (data[r * feats + f] - mean) * (data[r * feats + f] - mean);
        CHECK(std::fabs(static_cast<double>(m[f] - mean)) <= std::fabs(static_cast<double>(mean)) * 1e-6);
        CHECK(std::fabs(static_cast<double>(v[f] - s2 / rows)) <= static_cast<double>(s2 / rows) * 1e-5);
    }
    for (std::size_t batch : {1u, 7u, 64u, 1000u}) {
        repro::population_statistics<T> p(feats);
        for (std::size_t r = 0; r < rows; r += batch) p.add(data.data() + r * feats, std::min(batch, rows - r));
        // pass 2 in a different batching, reversed
        const std::size_t b2 = batch * 3 + 1;
        for (std::size_t end = rows; end > 0;) {
            const std::size_t len = std::min(b2, end);
            p.add_deviations(data.data() + (end - len) * feats, len);
            end -= len;
        }
        CHECK(same_bits(p.mean().data(), m.data(), feats));
        CHECK(same_bits(p.variance().data(), v.data(), feats));
    }
    // two shards
    repro::population_statistics<T> a(feats), b(feats);
    a.add(data.data(), 1200);
    b.add(data.data() + 1200 * feats, rows - 1200);
    b.merge(a);
    auto a2 = b, b2 = b;
    a2.add_deviations(data.data(), 1200);
    b2.add_deviations(data.data() + 1200 * feats, rows - 1200);
    b2.merge_deviations(a2);
    CHECK(same_bits(b2.mean().data(), m.data(), feats));
    CHECK(same_bits(b2.variance().data(), v.data(), feats));
    CHECK_THROWS_AS(whole.add(data.data(), 1), std::logic_error);
}

TEST_CASE(
    "Eigen adapters: matmul, matmul_bt and linear give the pointer forms' bits for every storage order and view") {
    using row_major = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::MatrixXf A = Eigen::MatrixXf::Random(37, 65), big = Eigen::MatrixXf::Random(80, 100);
    const row_major Ar = A, Br = big.block(3, 5, 65, 29);
    row_major expected(37, 29);
    repro::matmul(Ar.data(), Br.data(), expected.data(), 37, 65, 29);
    Eigen::MatrixXf c1;
    repro::matmul(A, big.block(3, 5, 65, 29), c1);  // column-major operands, a block
    row_major c2(37, 29);
    repro::matmul(Ar, Eigen::Ref<const row_major>(Br), c2);
    Eigen::Map<const row_major> mapped(Br.data(), 65, 29);
    row_major c3(37, 29);
    repro::matmul(Ar, mapped, c3);
    CHECK((c1.array() == expected.array()).all());
    CHECK((c2.array() == expected.array()).all());
    CHECK((c3.array() == expected.array()).all());
    CHECK_THROWS_AS(repro::matmul(A, A, c1), std::invalid_argument);

    const Eigen::VectorXf b = Eigen::VectorXf::Random(29);
    const Eigen::MatrixXf W = big.block(3, 5, 65, 29).transpose();
    const row_major Wr = W;
    row_major y_ptr(37, 29);
    repro::linear(Ar.data(), Wr.data(), b.data(), y_ptr.data(), 37, 65, 29, repro::activation::gelu);
    Eigen::MatrixXf y;
    repro::linear(A, W, b, y, repro::activation::gelu);
    CHECK((y.array() == y_ptr.array()).all());

    // matmul_bt: Bt (N x K) column-major and as a block; the bits of matmul(A, Bt^T)
    Eigen::MatrixXf c4;
    repro::matmul_bt(A, W, c4);
    CHECK((c4.array() == expected.array()).all());
    row_major c5(37, 29);
    repro::matmul_bt(Ar, big.block(3, 5, 65, 29).transpose(), c5);
    CHECK((c5.array() == expected.array()).all());
    CHECK_THROWS_AS(repro::matmul_bt(A, Br, c4), std::invalid_argument);  // Bt 65 x 29: K differs
}
