#pragma once
// The demo's GPU part (--device cuda), implemented in gpu.cu and built only
// where CMake finds nvcc (REPRO_FASHION_MNIST_CUDA is then defined). Plain
// C++: main.cpp, compiled by the host compiler, sees only these declarations.
//
// Each model here is a pipeline (pipeline.hpp) whose body runs the whole
// forward pass on the device and brings the 10 logits back through
// repro::cuda::host_forward, so the demo's evaluation and
// repro::check_batch_invariance run it like any CPU configuration.

#include <cstddef>
#include <string>
#include <vector>

#include "pipeline.hpp"

namespace fashion_mnist {
namespace gpu {

// Empty when a CUDA device can run the GPU part, else why not (a few words).
std::string unavailable();

// The device, the CUDA runtime and the cuDNN the part runs with, one line.
std::string describe();

// True when the build found cuDNN (REPRO_FASHION_MNIST_CUDNN): the vendor
// model then runs its first layer and BatchNorm through cuDNN.
bool with_cudnn();

// (e) on the GPU: repro::cuda::conv2d with its ReLU, repro::cuda::batch_norm
// on the inference statistics, repro::cuda::linear; logits. Every function
// is the twin of the CPU one (configurations.hpp, inference_model), so the
// logits are the CPU's bits at any batch size.
pipeline repro_model(const trained_model& tm);

// (f) the same model as a framework runs it on a GPU: cudnnConvolutionForward
// (the algorithm cuDNN's heuristics pick for the batch, float arithmetic:
// CUDNN_FMA_MATH), cudnnAddTensor and cudnnActivationForward for bias and
// ReLU, cudnnBatchNormalizationForwardInference, and cublasSgemm for the
// dense layer (its bias broadcast into the output first, beta = 1, as
// torch.addmm does). Without cuDNN: repro::cuda's first layer and BatchNorm,
// then the cuBLAS dense layer. Runs one image to check the set-up; throws
// std::runtime_error (repro::cuda::error for CUDA calls) when a cuDNN,
// cuBLAS or CUDA call fails.
pipeline vendor_model(const trained_model& tm);
std::string vendor_label();        // the configuration's one-line label
std::string vendor_description();  // what it runs, for the text under the table

// The softmax: repro::cuda::softmax of (e)'s GPU logits against
// repro::softmax of the CPU logits of `cpu_reference`, per batch size, over
// the first `count` images.
struct softmax_check {
    std::size_t batch = 0, images = 0, bitwise_equal = 0;  // images whose 10 probabilities are the CPU's bits
};
std::vector<softmax_check> check_softmax(const trained_model& tm, const pipeline& cpu_reference, const float* images,
                                         std::size_t count, const std::vector<std::size_t>& batch_sizes);

}  // namespace gpu
}  // namespace fashion_mnist
