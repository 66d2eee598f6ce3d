#pragma once
// The demo's model, NHWC, row-major, one sample per row:
//   conv: Conv2D 32 filters 3x3 'same' + ReLU -> BatchNorm -> Flatten -> Dense 10 -> softmax
//   mlp:  Dense 64 + ReLU -> BatchNorm -> Dense 10 -> softmax
// The mlp's first Dense is written as a convolution with one filter as large
// as the image ('valid', output 1x1): its patch matrix is the image itself,
// so both models share every line below. BatchNorm normalises each channel
// of the first layer's output over the batch and the spatial positions.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <repro/nn.hpp>
#include <repro/random.hpp>

namespace fashion_mnist {

enum class architecture { conv, mlp };

inline const char* describe(architecture a) {
    return a == architecture::conv ? "Conv2D 32 3x3 'same' + ReLU -> BatchNorm -> Flatten -> Dense 10 -> softmax"
                                   : "Dense 64 + ReLU -> BatchNorm -> Dense 10 -> softmax";
}

struct model_shape {
    repro::conv2d_shape first{};  // the first layer; n is set per batch
    std::size_t classes = 10;

    std::size_t input() const { return first.h * first.w * first.c_in; }
    std::size_t patch() const { return first.kh * first.kw * first.c_in; }
    std::size_t spatial() const { return first.out_h() * first.out_w(); }
    std::size_t channels() const { return first.c_out; }
    std::size_t features() const { return spatial() * channels(); }
};

inline model_shape make_shape(architecture a, std::size_t height, std::size_t width, std::size_t classes = 10) {
    if (height == 0 || width == 0 || classes < 2)
        throw std::invalid_argument("make_shape: height and width must be >= 1 and classes >= 2");
    model_shape m;
    m.classes = classes;
    if (a == architecture::conv)
        m.first = {0, height, width, 1, 32, 3, 3, 1, 1, 1, 1};
    else
        m.first = {0, height, width, 1, 64, height, width};
    return m;
}

template <class T>
struct parameters {
    std::vector<T> w1, b1;       // channels x patch (OHWI), channels
    std::vector<T> gamma, beta;  // BatchNorm, per channel
    std::vector<T> w2, b2;       // classes x features, classes

    std::array<std::vector<T>*, 6> tensors() { return {&w1, &b1, &gamma, &beta, &w2, &b2}; }
    std::array<const std::vector<T>*, 6> tensors() const { return {&w1, &b1, &gamma, &beta, &w2, &b2}; }
};

// BatchNorm's inference statistics, per channel.
template <class T>
struct norm_statistics {
    std::vector<T> mean, var;
};

template <class T>
parameters<T> zeros_like(const parameters<T>& p) {
    parameters<T> z;
    for (std::size_t i = 0; i < 6; ++i) z.tensors()[i]->assign(p.tensors()[i]->size(), T(0));
    return z;
}

// He-normal first layer, N(0, 1/features) dense layer, each from its own key.
template <class T>
parameters<T> initial_parameters(const model_shape& m, repro::random_key key) {
    auto normal = [](std::size_t n, double stddev, repro::random_key k) {
        std::vector<T> v(n);
        repro::random_stream(k, 0).fill_normal(v.data(), n);
        for (T& x : v) x *= static_cast<T>(stddev);
        return v;
    };
    parameters<T> p;
    p.w1 = normal(m.channels() * m.patch(), std::sqrt(2.0 / double(m.patch())), key.fold_in(1));
    p.b1.assign(m.channels(), T(0));
    p.gamma.assign(m.channels(), T(1));
    p.beta.assign(m.channels(), T(0));
    p.w2 = normal(m.classes * m.features(), std::sqrt(1.0 / double(m.features())), key.fold_in(2));
    p.b2.assign(m.classes, T(0));
    return p;
}

// FNV-1a over the bytes of every tensor, in tensors() order.
template <class T>
std::uint64_t fnv1a(const parameters<T>& p) {
    std::uint64_t h = 0xcbf29ce484222325u;
    for (const std::vector<T>* t : p.tensors()) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(t->data());
        for (std::size_t i = 0; i < t->size() * sizeof(T); ++i) h = (h ^ bytes[i]) * 0x100000001b3u;
    }
    return h;
}

// The patch matrix of a batch: row (sample, oy, ox), columns (dy, dx, ci),
// padding +0 - the order in which repro::conv2d runs k, so
// repro::linear(patches, w1, b1) gives conv2d's bits.
template <class T>
void im2col(const T* x, std::size_t batch, const repro::conv2d_shape& s, T* patches) {
    if (s.groups != 1 || s.stride_h == 0 || s.stride_w == 0)
        throw std::invalid_argument("im2col: shape must have groups = 1 and strides >= 1");
    const std::size_t oh = s.out_h(), ow = s.out_w(), K = s.kh * s.kw * s.c_in;
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t oy = 0; oy < oh; ++oy)
            for (std::size_t ox = 0; ox < ow; ++ox) {
                T* row = patches + ((b * oh + oy) * ow + ox) * K;
                for (std::size_t dy = 0; dy < s.kh; ++dy)
                    for (std::size_t dx = 0; dx < s.kw; ++dx) {
                        T* dst = row + (dy * s.kw + dx) * s.c_in;
                        const std::size_t iy = oy * s.stride_h + dy * s.dilation_h;
                        const std::size_t ix = ox * s.stride_w + dx * s.dilation_w;
                        const bool inside = iy >= s.pad_h && ix >= s.pad_w && iy - s.pad_h < s.h && ix - s.pad_w < s.w;
                        const T* src = inside ? x + ((b * s.h + iy - s.pad_h) * s.w + ix - s.pad_w) * s.c_in : nullptr;
                        for (std::size_t c = 0; c < s.c_in; ++c) dst[c] = inside ? src[c] : T(0);
                    }
            }
}

// dst (cols x rows) = src (rows x cols) transposed, in 16 x 16 tiles that
// write whole cache lines (row strides of 4 KiB multiples would otherwise
// map every destination line to one cache set).
template <class T>
void transpose(const T* src, std::size_t rows, std::size_t cols, T* dst) {
    constexpr std::size_t tile = 16;
    for (std::size_t r0 = 0; r0 < rows; r0 += tile)
        for (std::size_t c0 = 0; c0 < cols; c0 += tile) {
            const std::size_t r1 = std::min(rows, r0 + tile), c1 = std::min(cols, c0 + tile);
            for (std::size_t c = c0; c < c1; ++c)
                for (std::size_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * cols + c];
        }
}

// The first layer with its ReLU, through repro::conv2d:
// x [batch x input] -> h [batch * spatial x channels].
template <class T>
void first_layer(const model_shape& m, const parameters<T>& p, const T* x, std::size_t batch, T* h, repro::threads t) {
    repro::conv2d_shape s = m.first;
    s.n = batch;
    repro::conv2d(x, p.w1.data(), p.b1.data(), h, s, repro::activation::relu, t);
}

// A dense layer y = z W^T + b (W out x in): repro::linear on weights stored
// once as W^T (repro::linear_weights), which the kernels read in place at
// every batch size; the bits are those of repro::linear(z, W, b).
template <class T>
class dense_layer {
public:
    dense_layer(const std::vector<T>& w, const std::vector<T>& b, std::size_t out, std::size_t in)
        : w_(checked(w, b, out, in), out, in), b_(b) {}

    void forward(const T* z, std::size_t batch, T* y, repro::threads t) const {
        repro::linear(z, w_, b_.data(), y, batch, repro::activation::none, t);
    }

private:
    static const T* checked(const std::vector<T>& w, const std::vector<T>& b, std::size_t out, std::size_t in) {
        if (w.size() != out * in || b.size() != out)
            throw std::invalid_argument("dense_layer: w must be out x in, b out");
        return w.data();
    }
    repro::linear_weights<T> w_;
    std::vector<T> b_;
};

}  // namespace fashion_mnist
