// Instantiates every kernel of repro/cuda.cuh - reductions, random fills,
// products, convolution, the tensor-core mode, the layers, attention and the
// NCCL allreduce - for each
// element type, for the SASS checks (cuda_sass_fmad_independent,
// cuda_ptxas_no_spills): compiled, never run. Without the tests around
// them, it builds in a fraction of the GPU tests' time.
#include <repro/cuda.cuh>
#include <repro/cuda/nccl.cuh>

namespace {

template <class T>
void reductions(const T* x, repro::accumulator_t<T>* out, std::size_t* index) {
    using namespace repro::cuda;
    (void)sum(x, 5), (void)dot(x, x, 5), (void)mean(x, 5), (void)nrm2(x, 5), (void)variance(x, 5, 1);
    (void)argmax(x, 5), (void)argmin(x, 5), (void)sum_compensated(x, 5), (void)dot_compensated(x, x, 5);
    (void)exact_sum(x, 5), (void)exact_dot(x, x, 5), (void)exact_accumulate(x, 5);
    (void)exact_accumulate_products(x, x, 5);
    sum_rows(x, 2, 3, out), mean_rows(x, 2, 3, out), dot_rows(x, x, 2, 3, out), nrm2_rows(x, 2, 3, out);
    variance_rows(x, 2, 3, out), argmax_rows(x, 2, 3, index), argmin_rows(x, 2, 3, index);
    sum_compensated_rows(x, 2, 3, out), exact_sum_rows(x, 2, 3, out);
}

template <class T>
void random(T* x, const std::uint64_t* ids) {
    const repro::random_stream s(repro::random_key::from_seed(1), 2);
    repro::cuda::fill_uniform(s, x, 5), repro::cuda::fill_normal(s, x, 5);
    repro::cuda::dropout(x, x, 2, 3, 0.5, repro::random_key::from_seed(3), ids);
    repro::cuda::add_gaussian_noise(x, x, 2, 3, T(1), repro::random_key::from_seed(3), ids);
}

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
void products(const T* x, T* y) {
    repro::cuda::matmul(x, x, y, 2, 3, 4);
    repro::cuda::matmul_bt(x, x, y, 2, 3, 4);
    repro::conv2d_shape s{1, 4, 4, 2, 3, 3, 3};
    repro::cuda::conv2d(x, x, x, y, s, repro::activation::relu);
}

template <class T>
void wide_layers(const T* x, T* y, T* w) {
    repro::cuda::batch_norm(x, y, 2, 3, x, x, x, x, T(1e-5));
    repro::cuda::fold_batch_norm(w, y, 2, 3, x, x, x, x, T(1e-5));
    repro::cuda::pool2d(x, y, 1, 4, 4, 2, 2, 2, 2, 0, repro::pooling::max);
    products(x, y);
    repro::cuda::linear(x, x, x, y, 2, 3, 4, repro::activation::relu);
}

template <class N>
void narrow(const N* a, float* c) {
    repro::cuda::matmul(a, a, c, 2, 3, 4);
    repro::cuda::matmul_bt(a, a, c, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
    repro::cuda::matmul(a, a, c, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
    repro::cuda::linear(a, a, c, c, 2, 3, 4, repro::activation::silu);
}

template <class KV>
void attention(const float* q, const KV* kv, float* out) {
    repro::attention_config c;
    c.head_dim = 4;
    repro::cuda::attention(q, kv, kv, out, 1, 2, nullptr, c);
    repro::cuda::kv_cache<KV> cache(1, 4, 8);
    cache.append(kv, kv, 2);
    cache.append(q, q, 1);
    repro::cuda::attention(q, cache, 1, out, c);
}

}  // namespace

void instantiate_all(float* f, double* d, __half* h, __nv_bfloat16* b, std::size_t* index, std::uint32_t* bits,
                     const std::uint64_t* ids) {
#ifdef REPRO_SASS_PRODUCTS_ONLY
    // The spill check reads the product kernels only; the rest would triple its build time.
    (void)index, (void)bits, (void)ids;
    products(f, f), products(d, d);
    narrow(h, f);
    narrow(b, f);
    repro::cuda::matmul(f, f, f, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
    repro::cuda::matmul_bt(f, f, f, 2, 3, 4, repro::cuda::matmul_mode::tensor_core);
#else
    reductions(f, f, index), reductions(d, d, index), reductions(h, f, index), reductions(b, f, index);
    repro::cuda::fill_bits(repro::random_stream(repro::random_key::from_seed(1), 2), bits, 5);
    random(f, ids), random(d, ids);
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
    attention(f, f, f), attention(f, h, f), attention(f, b, f);
    repro::cuda::nccl::allreduce_exact(f, f, 5, nullptr);
    repro::cuda::nccl::allreduce_exact(d, d, 5, nullptr);
#endif
}

int main() { return 0; }
