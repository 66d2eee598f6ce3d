#pragma once
// The planted fault of the assertion adapters' failure programs
// (doctest_failures, gtest_failures, catch2_failures): a forward pass that
// subtracts each column's batch mean, so that every sample depends on the
// others, and 16 samples of 2 values on which that shows.

#include <cstddef>
#include <vector>

namespace repro_test {

inline void subtract_batch_mean(const float* in, std::size_t batch, float* out) {
    for (std::size_t c = 0; c < 2; ++c) {
        float mean = 0.0f;
        for (std::size_t r = 0; r < batch; ++r) mean += in[r * 2 + c];
        mean /= static_cast<float>(batch);
        for (std::size_t r = 0; r < batch; ++r) out[r * 2 + c] = in[r * 2 + c] - mean;
    }
}

inline std::vector<float> batch_mean_samples() {
    std::vector<float> samples(32);
    for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = 0.25f * static_cast<float>(i % 7);
    return samples;
}

}  // namespace repro_test
