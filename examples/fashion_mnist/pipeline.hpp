#pragma once
// A trained model and a way of running it, in the form
// repro::check_batch_invariance takes: f(in [batch x in_size], sample ids
// [batch], batch, out [batch x out_size]). Free of Eigen, so that the GPU
// part (gpu.cu, compiled by nvcc) shares it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model.hpp"

namespace fashion_mnist {

using forward_function = std::function<void(const float*, const std::uint64_t*, std::size_t, float*)>;

// A way of running the model, in two stages: body (images -> features, per
// sample `features` values) and head (features -> logits). Bodies of one
// trained model with the same key compute the same bits, so an evaluation
// runs one of them per batch for all the heads that follow it.
struct pipeline {
    std::string body_key;
    std::size_t features = 0;
    forward_function body, head;

    // body, then head: the whole model, as check_batch_invariance takes it
    forward_function forward() const {
        return [body = body, head = head, features = features](const float* x, const std::uint64_t* ids,
                                                               std::size_t batch, float* logits) {
            std::vector<float> h(batch * features);
            body(x, ids, batch, h.data());
            head(h.data(), ids, batch, logits);
        };
    }
};

struct trained_model {
    model_shape shape;
    parameters<float> params;
    norm_statistics<float> stats;  // BatchNorm's inference statistics
    float norm_eps = 1e-3f;
};

}  // namespace fashion_mnist
