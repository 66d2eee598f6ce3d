// Instantiates every kernel of repro/cuda/linalg.cuh, conv.cuh, nn.cuh and
// the tensor-core mode for each element type, for the SASS check
// (cuda_sass_layers_fmad_independent): compiled, never run.
#include <repro/cuda.cuh>

namespace {

template <class T>
void rows_layers(const T* x, T* y, const repro::accumulator_t<T>* p) {
    repro::cuda::softmax(x, y, 2, 3);
    repro::cuda::log_softmax(x, y, 2, 3);
    repro::cuda::rms_norm(x, p, y, 2, 3);
    repro::cuda::layer_norm(x, p, p, y, 2, 3);
    repro::cuda::group_norm(x, p, p, y, 2, 3, 4, 2);
    repro::cuda::activate(x, y, 6, repro::activation::gelu);
    repro::cuda::leaky_relu(x, y, 6, 0.01f);
}

template <class T>
void wide_layers(const T* x, T* y, T* w) {
    repro::cuda::batch_norm(x, y, 2, 3, x, x, x, x, T(1e-5));
    repro::cuda::fold_batch_norm(w, y, 2, 3, x, x, x, x, T(1e-5));
    repro::cuda::pool2d(x, y, 1, 4, 4, 2, 2, 2, 2, 0, repro::pooling::max);
    repro::cuda::matmul(x, x, y, 2, 3, 4);
    repro::cuda::matmul_bt(x, x, y, 2, 3, 4);
    repro::cuda::linear(x, x, x, y, 2, 3, 4, repro::activation::relu);
    repro::conv2d_shape s{1, 4, 4, 2, 3, 3, 3};
    repro::cuda::conv2d(x, x, x, y, s, repro::activation::relu);
}

template <class N>
void narrow(const N* a, float* c) {
    repro::cuda::matmul(a, a, c, 2, 3, 4);
    repro::cuda::matmul_bt(a, a, c, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
    repro::cuda::matmul(a, a, c, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
    repro::cuda::linear(a, a, c, c, 2, 3, 4, repro::activation::silu);
}

}  // namespace

void instantiate_all(float* f, double* d, __half* h, __nv_bfloat16* b) {
    rows_layers<float>(f, f, f);
    rows_layers<double>(d, d, d);
    rows_layers<__half>(h, h, f);
    rows_layers<__nv_bfloat16>(b, b, f);
    wide_layers<float>(f, f, f);
    wide_layers<double>(d, d, d);
    narrow(h, f);
    narrow(b, f);
    repro::cuda::matmul(f, f, f, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
    repro::cuda::matmul_bt(f, f, f, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
}

int main() { return 0; }
