#pragma once
// The row layers (softmax, log_softmax, rms_norm, layer_norm, with and
// without parameters) as one enum, with their random parameters and the CPU
// layer that the emulated and the device runs are compared with.

#include <cstddef>
#include <cstdint>
#include <repro/nn.hpp>
#include <vector>

#include "bit_checks.hpp"

namespace repro_test {

enum class row_layer { softmax, log_softmax, rms_norm, rms_norm_unweighted, layer_norm, layer_norm_plain };
inline constexpr row_layer row_layers[] = {row_layer::softmax,    row_layer::log_softmax,
                                           row_layer::rms_norm,   row_layer::rms_norm_unweighted,
                                           row_layer::layer_norm, row_layer::layer_norm_plain};

inline const char* name_of(row_layer l) {
    switch (l) {
        case row_layer::softmax:
            return "softmax";
        case row_layer::log_softmax:
            return "log_softmax";
        case row_layer::rms_norm:
            return "rms_norm";
        case row_layer::rms_norm_unweighted:
            return "rms_norm without weight";
        case row_layer::layer_norm:
            return "layer_norm";
        case row_layer::layer_norm_plain:
            return "layer_norm without gamma, beta";
    }
    return "?";
}

// A layer's parameters (A = float or double) and the CPU layer on A data.
template <class A>
struct row_layer_params {
    std::vector<A> gamma, beta;
    A eps = A(1e-5);
    explicit row_layer_params(std::size_t cols, std::uint64_t seed)
        : gamma(random_matrix<A>(1, cols, seed, -2, 1)), beta(random_matrix<A>(1, cols, seed + 1, -3, 0)) {}

    std::vector<A> cpu(row_layer l, const std::vector<A>& x, std::size_t rows, std::size_t cols) const {
        std::vector<A> y(x.size());
        const A* none = nullptr;
        switch (l) {
            case row_layer::softmax:
                repro::softmax(x.data(), y.data(), rows, cols);
                break;
            case row_layer::log_softmax:
                repro::log_softmax(x.data(), y.data(), rows, cols);
                break;
            case row_layer::rms_norm:
                repro::rms_norm(x.data(), gamma.data(), y.data(), rows, cols, eps);
                break;
            case row_layer::rms_norm_unweighted:
                repro::rms_norm(x.data(), none, y.data(), rows, cols, eps);
                break;
            case row_layer::layer_norm:
                repro::layer_norm(x.data(), gamma.data(), beta.data(), y.data(), rows, cols, eps);
                break;
            case row_layer::layer_norm_plain:
                repro::layer_norm(x.data(), none, none, y.data(), rows, cols, eps);
                break;
        }
        return y;
    }
};

}  // namespace repro_test
