// The demo's GPU part (gpu.hpp): the trained model on the device through
// repro::cuda, and through cuDNN and cuBLAS, each wrapped by
// repro::cuda::host_forward so that the evaluation and
// repro::check_batch_invariance run it like a CPU configuration.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#ifdef REPRO_FASHION_MNIST_CUDNN
#include <cudnn.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <repro/cuda.cuh>
#include <repro/cuda/conv.cuh>
#include <repro/cuda/invariance.cuh>
#include <repro/cuda/linalg.cuh>
#include <repro/cuda/nn.cuh>
#include <repro/nn.hpp>

#include "gpu.hpp"

namespace fashion_mnist {
namespace gpu {
namespace {

namespace rc = repro::cuda;

void check(cudaError_t code, const char* call) {
    if (code != cudaSuccess) throw rc::error(call, code);
}

void check(cublasStatus_t status, const char* call) {
    if (status != CUBLAS_STATUS_SUCCESS)
        throw std::runtime_error(std::string(call) + " failed: " + cublasGetStatusString(status));
}

#ifdef REPRO_FASHION_MNIST_CUDNN
void check(cudnnStatus_t status, const char* call) {
    if (status != CUDNN_STATUS_SUCCESS)
        throw std::runtime_error(std::string(call) + " failed: " + cudnnGetErrorString(status));
}
#endif

// Device floats, freed by the destructor; grow() keeps the allocation when
// it is large enough (host_forward waits for the stream after every call,
// so nothing is in flight when it reallocates).
class device_array {
public:
    device_array() = default;
    explicit device_array(const std::vector<float>& host) {
        check(cudaMemcpy(grow(host.size()), host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice),
              "cudaMemcpy");
    }
    device_array(const device_array&) = delete;
    device_array& operator=(const device_array&) = delete;
    ~device_array() {
        if (p_ != nullptr) cudaFree(p_);
    }
    float* grow(std::size_t n) {
        if (n > n_) {
            if (p_ != nullptr) check(cudaFree(p_), "cudaFree");
            p_ = nullptr;
            n_ = 0;
            check(cudaMalloc(&p_, n * sizeof(float)), "cudaMalloc");
            n_ = n;
        }
        return p_;
    }
    float* get() const { return p_; }

private:
    float* p_ = nullptr;
    std::size_t n_ = 0;
};

struct owned_stream {
    cudaStream_t s = nullptr;
    owned_stream() { check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags"); }
    owned_stream(const owned_stream&) = delete;
    owned_stream& operator=(const owned_stream&) = delete;
    ~owned_stream() { cudaStreamDestroy(s); }
};

// The trained model's tensors on the device, in the CPU layouts.
struct device_parameters {
    model_shape shape;
    float eps;
    device_array w1, b1, gamma, beta, mean, var, w2, b2;
    explicit device_parameters(const trained_model& tm)
        : shape(tm.shape),
          eps(tm.norm_eps),
          w1(tm.params.w1),
          b1(tm.params.b1),
          gamma(tm.params.gamma),
          beta(tm.params.beta),
          mean(tm.stats.mean),
          var(tm.stats.var),
          w2(tm.params.w2),
          b2(tm.params.b2) {}
};

// repro::cuda's first layer and BatchNorm: d_x [batch x input] -> d_z [batch x features].
void repro_first_layer_and_norm(const device_parameters& m, const float* d_x, std::size_t batch, float* d_h, float* d_z,
                                cudaStream_t stream) {
    repro::conv2d_shape s = m.shape.first;
    s.n = batch;
    rc::conv2d(d_x, m.w1.get(), m.b1.get(), d_h, s, repro::activation::relu, rc::matmul_mode::portable, stream);
    rc::batch_norm(d_h, d_z, batch * m.shape.spatial(), m.shape.channels(), m.mean.get(), m.var.get(), m.gamma.get(),
                   m.beta.get(), m.eps, stream);
}

// (e): every layer a repro::cuda function, the CPU's bits.
struct repro_runner {
    owned_stream stream;
    device_parameters m;
    device_array h, z, logits;
    explicit repro_runner(const trained_model& tm) : m(tm) {}

    void forward(const float* d_x, std::size_t batch, float* d_logits) {
        const std::size_t F = m.shape.features();
        float* d_z = z.grow(batch * F);
        repro_first_layer_and_norm(m, d_x, batch, h.grow(batch * F), d_z, stream.s);
        rc::linear(d_z, m.w2.get(), m.b2.get(), d_logits, batch, F, m.shape.classes, repro::activation::none,
                   rc::matmul_mode::portable, stream.s);
    }
};

__global__ void broadcast_rows(const float* row, float* out, std::size_t rows, std::size_t cols) {
    const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
    if (i < rows * cols) out[i] = row[i % cols];
}

// (f): cuDNN's convolution, bias, ReLU and BatchNorm, cuBLAS's SGEMM.
class vendor_runner {
public:
    explicit vendor_runner(const trained_model& tm) : m(tm) {
        try {
            create();
        } catch (...) {
            release();
            throw;
        }
    }
    vendor_runner(const vendor_runner&) = delete;
    vendor_runner& operator=(const vendor_runner&) = delete;
    ~vendor_runner() { release(); }

    cudaStream_t stream() const { return stream_.s; }

    void forward(const float* d_x, std::size_t batch, float* d_logits) {
        const std::size_t F = m.shape.features(), O = m.shape.classes;
        float* d_h = h_.grow(batch * F);
        float* d_z = z_.grow(batch * F);
#ifdef REPRO_FASHION_MNIST_CUDNN
        cudnn_first_layer_and_norm(d_x, batch, d_h, d_z);
#else
        repro_first_layer_and_norm(m, d_x, batch, d_h, d_z, stream_.s);
#endif
        // y^T (O x batch, column-major) = W z^T: W's row-major storage read
        // column-major is W^T (F x O), hence op T; z's storage is z^T (F x batch).
        const unsigned threads = 256;
        broadcast_rows<<<unsigned((batch * O + threads - 1) / threads), threads, 0, stream_.s>>>(m.b2.get(), d_logits,
                                                                                                 batch, O);
        check(cudaGetLastError(), "broadcast_rows<<<>>>");
        const float one = 1.0f;
        check(cublasSgemm(blas_, CUBLAS_OP_T, CUBLAS_OP_N, int(O), int(batch), int(F), &one, m.w2.get(), int(F), d_z,
                          int(F), &one, d_logits, int(O)),
              "cublasSgemm");
    }

private:
    void create() {
        check(cublasCreate(&blas_), "cublasCreate");
        check(cublasSetStream(blas_, stream_.s), "cublasSetStream");
        check(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");  // float, no TF32
#ifdef REPRO_FASHION_MNIST_CUDNN
        const repro::conv2d_shape& s = m.shape.first;
        check(cudnnCreate(&dnn_), "cudnnCreate");
        check(cudnnSetStream(dnn_, stream_.s), "cudnnSetStream");
        check(cudnnCreateTensorDescriptor(&x_desc_), "cudnnCreateTensorDescriptor");
        check(cudnnCreateTensorDescriptor(&h_desc_), "cudnnCreateTensorDescriptor");
        check(cudnnCreateTensorDescriptor(&channel_desc_), "cudnnCreateTensorDescriptor");
        check(cudnnCreateFilterDescriptor(&w_desc_), "cudnnCreateFilterDescriptor");
        check(cudnnCreateConvolutionDescriptor(&conv_desc_), "cudnnCreateConvolutionDescriptor");
        check(cudnnCreateActivationDescriptor(&relu_), "cudnnCreateActivationDescriptor");
        // OHWI weights are cuDNN's NHWC filter layout (KRSC).
        check(cudnnSetFilter4dDescriptor(w_desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, int(s.c_out), int(s.c_in),
                                         int(s.kh), int(s.kw)),
              "cudnnSetFilter4dDescriptor");
        check(cudnnSetConvolution2dDescriptor(conv_desc_, int(s.pad_h), int(s.pad_w), int(s.stride_h), int(s.stride_w),
                                              int(s.dilation_h), int(s.dilation_w), CUDNN_CROSS_CORRELATION,
                                              CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor");
        check(cudnnSetConvolutionMathType(conv_desc_, CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
        check(cudnnSetTensor4dDescriptor(channel_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, int(s.c_out), 1, 1),
              "cudnnSetTensor4dDescriptor");
        check(cudnnSetActivationDescriptor(relu_, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0),
              "cudnnSetActivationDescriptor");
#endif
    }

    void release() {
#ifdef REPRO_FASHION_MNIST_CUDNN
        if (relu_) cudnnDestroyActivationDescriptor(relu_);
        if (conv_desc_) cudnnDestroyConvolutionDescriptor(conv_desc_);
        if (w_desc_) cudnnDestroyFilterDescriptor(w_desc_);
        if (channel_desc_) cudnnDestroyTensorDescriptor(channel_desc_);
        if (h_desc_) cudnnDestroyTensorDescriptor(h_desc_);
        if (x_desc_) cudnnDestroyTensorDescriptor(x_desc_);
        if (dnn_) cudnnDestroy(dnn_);
        relu_ = nullptr, conv_desc_ = nullptr, w_desc_ = nullptr;
        channel_desc_ = h_desc_ = x_desc_ = nullptr;
        dnn_ = nullptr;
#endif
        if (blas_) cublasDestroy(blas_);
        blas_ = nullptr;
    }

#ifdef REPRO_FASHION_MNIST_CUDNN
    struct algorithm {
        cudnnConvolutionFwdAlgo_t algo;
        std::size_t workspace;
    };

    // What a framework does without autotuning: the first algorithm of
    // cuDNN's heuristics for this batch's shape (kept per batch size).
    algorithm algorithm_for(std::size_t batch) {
        const auto found = algorithms_.find(batch);
        if (found != algorithms_.end()) return found->second;
        cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        int returned = 0;
        check(cudnnGetConvolutionForwardAlgorithm_v7(dnn_, x_desc_, w_desc_, conv_desc_, h_desc_,
                                                     CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf),
              "cudnnGetConvolutionForwardAlgorithm_v7");
        for (int i = 0; i < returned; ++i)
            if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].mathType == CUDNN_FMA_MATH) {
                std::size_t bytes = 0;
                check(cudnnGetConvolutionForwardWorkspaceSize(dnn_, x_desc_, w_desc_, conv_desc_, h_desc_, perf[i].algo,
                                                              &bytes),
                      "cudnnGetConvolutionForwardWorkspaceSize");
                return algorithms_[batch] = {perf[i].algo, bytes};
            }
        throw std::runtime_error("cuDNN offers no float (CUDNN_FMA_MATH) convolution algorithm for batch " +
                                 std::to_string(batch));
    }

    void cudnn_first_layer_and_norm(const float* d_x, std::size_t batch, float* d_h, float* d_z) {
        const repro::conv2d_shape& s = m.shape.first;
        const int n = int(batch), C = int(s.c_out), oh = int(s.out_h()), ow = int(s.out_w());
        check(cudnnSetTensor4dDescriptor(x_desc_, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, n, int(s.c_in), int(s.h),
                                         int(s.w)),
              "cudnnSetTensor4dDescriptor");
        check(cudnnSetTensor4dDescriptor(h_desc_, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, n, C, oh, ow),
              "cudnnSetTensor4dDescriptor");
        int dims[4] = {};
        check(
            cudnnGetConvolution2dForwardOutputDim(conv_desc_, x_desc_, w_desc_, &dims[0], &dims[1], &dims[2], &dims[3]),
            "cudnnGetConvolution2dForwardOutputDim");
        if (dims[0] != n || dims[1] != C || dims[2] != oh || dims[3] != ow)
            throw std::runtime_error("cuDNN's convolution output shape differs from repro::conv2d's");
        const algorithm a = algorithm_for(batch);
        void* ws = a.workspace ? workspace_.grow((a.workspace + sizeof(float) - 1) / sizeof(float)) : nullptr;
        const float one = 1.0f, zero = 0.0f;
        check(cudnnConvolutionForward(dnn_, &one, x_desc_, d_x, w_desc_, m.w1.get(), conv_desc_, a.algo, ws,
                                      a.workspace, &zero, h_desc_, d_h),
              "cudnnConvolutionForward");
        check(cudnnAddTensor(dnn_, &one, channel_desc_, m.b1.get(), &one, h_desc_, d_h), "cudnnAddTensor");
        check(cudnnActivationForward(dnn_, relu_, &one, h_desc_, d_h, &zero, h_desc_, d_h), "cudnnActivationForward");
        check(cudnnBatchNormalizationForwardInference(dnn_, CUDNN_BATCHNORM_SPATIAL, &one, &zero, h_desc_, d_h, h_desc_,
                                                      d_z, channel_desc_, m.gamma.get(), m.beta.get(), m.mean.get(),
                                                      m.var.get(), double(m.eps)),
              "cudnnBatchNormalizationForwardInference");
    }

    cudnnHandle_t dnn_ = nullptr;
    cudnnTensorDescriptor_t x_desc_ = nullptr, h_desc_ = nullptr, channel_desc_ = nullptr;
    cudnnFilterDescriptor_t w_desc_ = nullptr;
    cudnnConvolutionDescriptor_t conv_desc_ = nullptr;
    cudnnActivationDescriptor_t relu_ = nullptr;
    std::map<std::size_t, algorithm> algorithms_;
    device_array workspace_;
#endif

    owned_stream stream_;
    device_parameters m;
    device_array h_, z_;
    cublasHandle_t blas_ = nullptr;
};

// A pipeline whose body is the whole device forward pass (logits out, through
// host_forward) and whose head passes the logits on.
template <class HostForward>
pipeline as_pipeline(std::string key, std::size_t classes, HostForward f) {
    pipeline p;
    p.body_key = std::move(key);
    p.features = classes;
    p.body = [f](const float* x, const std::uint64_t*, std::size_t batch, float* logits) { f(x, batch, logits); };
    p.head = [classes](const float* logits, const std::uint64_t*, std::size_t batch, float* out) {
        std::copy(logits, logits + batch * classes, out);
    };
    return p;
}

}  // namespace

std::string unavailable() {
    int devices = 0;
    const cudaError_t e = cudaGetDeviceCount(&devices);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return std::string("no CUDA device (") + cudaGetErrorString(e) + ")";
    }
    return devices == 0 ? "no CUDA device" : "";
}

std::string describe() {
    int device = 0, runtime = 0, driver = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
    check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
    check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
    char text[512];
    std::snprintf(text, sizeof text, "%s (sm_%d%d, %d SMs), CUDA runtime %d.%d, driver %d.%d", prop.name, prop.major,
                  prop.minor, prop.multiProcessorCount, runtime / 1000, runtime % 1000 / 10, driver / 1000,
                  driver % 1000 / 10);
    std::string s = text;
#ifdef REPRO_FASHION_MNIST_CUDNN
    const std::size_t v = cudnnGetVersion();
    s += ", cuDNN " + std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
#else
    s += ", no cuDNN (not found at build time)";
#endif
    return s;
}

bool with_cudnn() {
#ifdef REPRO_FASHION_MNIST_CUDNN
    return true;
#else
    return false;
#endif
}

pipeline repro_model(const trained_model& tm) {
    auto runner = std::make_shared<repro_runner>(tm);
    auto f = rc::host_forward(
        [runner](const float* d_x, std::size_t batch, float* d_logits) { runner->forward(d_x, batch, d_logits); },
        tm.shape.input(), tm.shape.classes, runner->stream.s);
    return as_pipeline("repro::cuda model", tm.shape.classes, f);
}

pipeline vendor_model(const trained_model& tm) {
    auto runner = std::make_shared<vendor_runner>(tm);
    auto f = rc::host_forward(
        [runner](const float* d_x, std::size_t batch, float* d_logits) { runner->forward(d_x, batch, d_logits); },
        tm.shape.input(), tm.shape.classes, runner->stream());
    // One image of zeros now, so that a cuDNN or cuBLAS call the library
    // refuses fails here (the demo then runs without (f)), not mid-table.
    std::vector<float> zeros(tm.shape.input(), 0.0f), logits(tm.shape.classes);
    f(zeros.data(), 1, logits.data());
    return as_pipeline("vendor model", tm.shape.classes, f);
}

std::string vendor_label() { return with_cudnn() ? "(f) cuDNN + cuBLAS on the GPU" : "(f) cuBLAS dense on the GPU"; }

std::string vendor_description() {
    return with_cudnn()
               ? "(f) cudnnConvolutionForward (cuDNN's heuristic algorithm for each batch size, float: "
                 "CUDNN_FMA_MATH), cuDNN bias, ReLU and BatchNormalizationForwardInference, cublasSgemm for the "
                 "dense layer."
               : "(f) repro::cuda first layer and BatchNorm, cublasSgemm for the dense layer (cuDNN was not "
                 "found at build time: no cuDNN comparison).";
}

std::vector<softmax_check> check_softmax(const trained_model& tm, const pipeline& cpu_reference, const float* images,
                                         std::size_t count, const std::vector<std::size_t>& batch_sizes) {
    const std::size_t in = tm.shape.input(), C = tm.shape.classes;
    // The CPU's probabilities: repro::softmax of the reference's logits,
    // computed in batches of 128 (the reference is batch-invariant).
    std::vector<float> cpu_logits(count * C), cpu(count * C);
    std::vector<std::uint64_t> ids(count);
    std::iota(ids.begin(), ids.end(), std::uint64_t(0));
    const forward_function cpu_forward = cpu_reference.forward();
    for (std::size_t i = 0; i < count; i += 128)
        cpu_forward(images + i * in, ids.data() + i, std::min<std::size_t>(128, count - i), cpu_logits.data() + i * C);
    repro::softmax(cpu_logits.data(), cpu.data(), count, C);

    auto runner = std::make_shared<repro_runner>(tm);
    auto probabilities = rc::host_forward(
        [runner, C](const float* d_x, std::size_t batch, float* d_p) {
            float* d_logits = runner->logits.grow(batch * C);
            runner->forward(d_x, batch, d_logits);
            rc::softmax(d_logits, d_p, batch, C, runner->stream.s);
        },
        in, C, runner->stream.s);
    std::vector<softmax_check> checks;
    std::vector<float> gpu(count * C);
    for (const std::size_t b : batch_sizes) {
        for (std::size_t i = 0; i < count; i += b)
            probabilities(images + i * in, std::min(b, count - i), gpu.data() + i * C);
        softmax_check c;
        c.batch = b;
        c.images = count;
        for (std::size_t i = 0; i < count; ++i)
            c.bitwise_equal += std::memcmp(gpu.data() + i * C, cpu.data() + i * C, C * sizeof(float)) == 0;
        checks.push_back(c);
    }
    return checks;
}

}  // namespace gpu
}  // namespace fashion_mnist
