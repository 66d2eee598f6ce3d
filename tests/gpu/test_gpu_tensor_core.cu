// matmul_mode::tensor_core on the device: a row's bits do not depend on the
// batch size, on the row's position or on the other rows (batch_invariant),
// for float (TF32), __half and __nv_bfloat16, through matmul_bt and matmul;
// the values are close to the CPU's; and cuBLAS, in the same sweep, is not
// invariant (the sweep can see drift). Linked into test_gpu (its main is
// test_gpu.cu); the suite "arguments" runs without a GPU.
#include <doctest/doctest.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <repro/cuda.cuh>
#include <repro/cuda/linalg.cuh>
#include <repro/repro.hpp>

#include "../support/test_data.hpp"
#include "device_buffer.hpp"

using repro_test::device_buffer;
using repro_test::random_matrix;
using repro_test::to_host;

namespace {

namespace rc = repro::cuda;
using rc::matmul_mode;

template <class T>
std::vector<T> transposed(const std::vector<T>& m, std::size_t rows, std::size_t cols) {
    std::vector<T> t(m.size());
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
    return t;
}

bool same_row(const float* a, const float* b, std::size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// One problem: X (rows x K) and W, as Bt (N x K) and as B (K x N), on the
// device; products in tensor_core mode of rows [row0, row0 + M) of X.
template <class T>
struct problem {
    std::size_t rows, K, N;
    std::vector<T> x, wt;
    device_buffer<T> dx, dwt, dw;
    device_buffer<float> dc;
    problem(std::size_t rows_, std::size_t K_, std::size_t N_, std::uint64_t seed)
        : rows(rows_),
          K(K_),
          N(N_),
          x(random_matrix<T>(rows_, K_, seed)),
          wt(random_matrix<T>(N_, K_, seed + 1)),
          dx(x),
          dwt(wt),
          dw(transposed(wt, N_, K_)),
          dc(rows_ * N_) {}
    std::vector<float> product(std::size_t row0, std::size_t M, bool bt, const T* a = nullptr) {
        if (a == nullptr) a = dx.p + row0 * K;
        if (bt)
            rc::matmul_bt(a, static_cast<const T*>(dwt.p), dc.p, M, K, N, matmul_mode::tensor_core);
        else
            rc::matmul(a, static_cast<const T*>(dw.p), dc.p, M, K, N, matmul_mode::tensor_core);
        return to_host(dc.p, M * N);
    }
};

// Every row of X alone (M = 1): the reference of the invariance checks.
template <class T>
std::vector<float> rows_alone(problem<T>& p, bool bt) {
    std::vector<float> r(p.rows * p.N);
    for (std::size_t i = 0; i < p.rows; ++i) {
        const std::vector<float> one = p.product(i, 1, bt);
        std::memcpy(r.data() + i * p.N, one.data(), p.N * sizeof(float));
    }
    return r;
}

// The batch sizes swept: every M in 1..max, or 1, 2, 3, primes and powers
// of two +-1 (and the 128-row block edges) up to max.
std::vector<std::size_t> batch_sizes(std::size_t max, bool every) {
    std::vector<std::size_t> m;
    if (every) {
        for (std::size_t i = 1; i <= max; ++i) m.push_back(i);
        return m;
    }
    for (std::size_t v :
         {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 101, 127, 128, 129, 255, 256, 257, 383, 384, 385, 509, 511, 512})
        if (v <= max) m.push_back(v);
    return m;
}

// Rows of X[row0 : row0 + M] that differ from their M = 1 result, summed
// over the sweep.
template <class T>
std::size_t rows_that_drift(problem<T>& p, const std::vector<float>& alone, bool bt, bool every) {
    std::size_t differ = 0;
    for (std::size_t M : batch_sizes(p.rows, every)) {
        const std::vector<float> c = p.product(0, M, bt);
        for (std::size_t i = 0; i < M; ++i) differ += !same_row(&c[i * p.N], &alone[i * p.N], p.N);
    }
    // Row i at other positions: X[s : s + M] puts it at i - s.
    for (std::size_t s : {std::size_t(1), std::size_t(7), std::size_t(130)}) {
        if (s >= p.rows) continue;
        const std::size_t M = p.rows - s;
        const std::vector<float> c = p.product(s, M, bt);
        for (std::size_t i = 0; i < M; ++i) differ += !same_row(&c[i * p.N], &alone[(s + i) * p.N], p.N);
    }
    return differ;
}

// The CPU's product of the first M rows (repro::matmul_bt) and the sums
// sum_k |A[i][k] B[k][j]| that bound how far another order may stray.
struct cpu_reference {
    std::vector<float> c, magnitude;
};

template <class T>
cpu_reference cpu_product(const problem<T>& p, std::size_t M) {
    cpu_reference r{std::vector<float>(M * p.N), std::vector<float>(M * p.N)};
    std::vector<float> ax(M * p.K), aw(p.N * p.K);
    const repro::threads t{std::max(1u, std::thread::hardware_concurrency())};  // the same bits as 1 thread
    repro::matmul_bt(p.x.data(), p.wt.data(), r.c.data(), M, p.K, p.N, t);
    for (std::size_t e = 0; e < ax.size(); ++e) ax[e] = std::fabs(repro::widen(p.x[e]));
    for (std::size_t e = 0; e < aw.size(); ++e) aw[e] = std::fabs(repro::widen(p.wt[e]));
    repro::matmul_bt(ax.data(), aw.data(), r.magnitude.data(), M, p.K, p.N, t);
    return r;
}

// Elements with |C - CPU| > tol * sum_k |A[i][k] B[k][j]|.
std::size_t outside_bound(const cpu_reference& cpu, const std::vector<float>& c, double tol) {
    std::size_t bad = 0;
    for (std::size_t e = 0; e < cpu.c.size(); ++e) {
        const double err = std::fabs(static_cast<double>(c[e]) - static_cast<double>(cpu.c[e]));
        bad += !(err <= tol * static_cast<double>(cpu.magnitude[e]));
    }
    return bad;
}

// TF32 rounds each float input to 11 significant bits (a product is off by
// up to about 2^-10 of its size); FP16 and BF16 inputs are exact in float and
// only the tensor cores' float accumulation differs from the CPU's chain.
template <class T>
double tolerance() {
    return std::is_same<T, float>::value ? std::ldexp(1.0, -9) : std::ldexp(1.0, -14);
}

template <class T>
void check_invariant(std::size_t K, std::size_t N, bool every, std::uint64_t seed) {
    CAPTURE(K);
    CAPTURE(N);
    problem<T> p(512, K, N, seed);
    const cpu_reference cpu = cpu_product(p, p.rows);
    for (const bool bt : {true, false}) {
        CAPTURE(bt);
        const std::vector<float> alone = rows_alone(p, bt);
        CHECK(rows_that_drift(p, alone, bt, every) == 0);
        const std::vector<float> all = p.product(0, p.rows, bt);
        CHECK(outside_bound(cpu, all, tolerance<T>()) == 0);
    }
}

bool device_has_tensor_cores() {
    int device = 0, major = 0;
    rc::detail::check(cudaGetDevice(&device), "cudaGetDevice");
    rc::detail::check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device),
                      "cudaDeviceGetAttribute");
    if (major >= 8) return true;
    // Older GPUs refuse the mode with repro::cuda::error (cudaErrorNotSupported).
    device_buffer<float> a(1), b(1), c(1);
    CHECK_THROWS_AS(rc::matmul_bt(static_cast<const float*>(a.p), static_cast<const float*>(b.p), c.p, 1, 1, 1,
                                  matmul_mode::tensor_core),
                    rc::error);
    MESSAGE("compute capability below 8.0: tensor_core mode is refused, its other checks skipped");
    return false;
}

}  // namespace

TEST_CASE_TEMPLATE("tensor_core mode: a row's bits do not depend on the batch size or its position", T, float, __half,
                   __nv_bfloat16) {
    if (!device_has_tensor_cores()) return;
    check_invariant<T>(1024, 1024, true, 41);
    check_invariant<T>(1000, 1000, false, 43);  // a leftover k-slice and a partial column block
    check_invariant<T>(1001, 77, false, 47);    // rows not 16-byte aligned: element copies
    check_invariant<T>(1, 1, false, 53);
}

TEST_CASE_TEMPLATE("tensor_core mode: a row's bits do not depend on the other rows, even NaN and inf ones", T, float,
                   __half, __nv_bfloat16) {
    if (!device_has_tensor_cores()) return;
    const std::size_t M = 256, K = 520, N = 136;
    problem<T> p(M, K, N, 61);
    const std::vector<float> alone = rows_alone(p, true);
    std::vector<T> x = p.x;
    const float poison[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), 65504.0f};
    for (std::size_t i = 1; i < M; i += 2)
        for (std::size_t k = 0; k < K; ++k) x[i * K + k] = T(poison[(i / 2 + k) % 4]);
    const device_buffer<T> dx(x);
    const std::vector<float> c = p.product(0, M, true, dx.p);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < M; i += 2) differ += !same_row(&c[i * N], &alone[i * N], N);
    CHECK(differ == 0);
}

TEST_CASE_TEMPLATE("tensor_core mode: B as K x N, B as N x K and the copy paths give the same bits", T, float, __half,
                   __nv_bfloat16) {
    if (!device_has_tensor_cores()) return;
    for (const std::size_t K : {std::size_t(64), std::size_t(520), std::size_t(1000)}) {
        CAPTURE(K);
        const std::size_t M = 300, N = 264;
        problem<T> p(M + 1, K, N, 71 + K);
        const std::vector<float> bt = p.product(0, M, true), b = p.product(0, M, false);
        CHECK(std::memcmp(bt.data(), b.data(), bt.size() * sizeof(float)) == 0);
        // X starting one element in: rows no longer 16-byte aligned, so the
        // element-wise copies run; the values, and so the bits, are the same.
        device_buffer<T> shifted(M * K + 1);
        rc::detail::check(cudaMemcpy(shifted.p + 1, p.dx.p, M * K * sizeof(T), cudaMemcpyDeviceToDevice), "cudaMemcpy");
        const std::vector<float> unaligned = p.product(0, M, true, shifted.p + 1);
        CHECK(std::memcmp(bt.data(), unaligned.data(), bt.size() * sizeof(float)) == 0);
    }
}

TEST_CASE("tensor_core mode: K = 0 gives +0, M = 0 writes nothing") {
    if (!device_has_tensor_cores()) return;
    const std::size_t M = 130, N = 129;
    device_buffer<float> a(1), b(1), c(M * N);
    rc::detail::check(cudaMemset(c.p, 0xff, M * N * sizeof(float)), "cudaMemset");
    rc::matmul_bt(static_cast<const float*>(a.p), static_cast<const float*>(b.p), c.p, 0, 0, N,
                  matmul_mode::tensor_core);
    std::vector<float> h = to_host(c.p, M * N);
    CHECK(repro::to_bits(h[0]) == 0xffffffffu);
    rc::matmul_bt(static_cast<const float*>(a.p), static_cast<const float*>(b.p), c.p, M, 0, N,
                  matmul_mode::tensor_core);
    h = to_host(c.p, M * N);
    std::size_t not_plus_zero = 0;
    for (float v : h) not_plus_zero += repro::to_bits(v) != 0u;
    CHECK(not_plus_zero == 0);
}

// The same sweep on cuBLAS (C^T = W X^T in its column-major terms) finds
// rows that change with the batch size: the sweep above can see drift.
TEST_CASE("cuBLAS is not batch invariant in the same sweep (cublasSgemm, cublasGemmEx TF32)") {
    const std::size_t rows = 512, K = 1024, N = 1024;
    const std::vector<float> x = random_matrix<float>(rows, K, 41), wt = random_matrix<float>(N, K, 42);
    const device_buffer<float> dx(x), dwt(wt);
    device_buffer<float> dc(rows * N);
    cublasHandle_t handle = nullptr;
    REQUIRE(cublasCreate(&handle) == CUBLAS_STATUS_SUCCESS);
    const float one = 1.0f, zero = 0.0f;
    for (const bool tf32 : {false, true}) {
        const char* name = tf32 ? "cublasGemmEx (CUBLAS_COMPUTE_32F_FAST_TF32)" : "cublasSgemm (default math)";
        CAPTURE(name);
        const auto product = [&](std::size_t row0, std::size_t M) {
            const float* a = dx.p + row0 * K;
            const cublasStatus_t st =
                tf32 ? cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(N), int(M), int(K), &one, dwt.p, CUDA_R_32F,
                                    int(K), a, CUDA_R_32F, int(K), &zero, dc.p, CUDA_R_32F, int(N),
                                    CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT)
                     : cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(N), int(M), int(K), &one, dwt.p, int(K), a,
                                   int(K), &zero, dc.p, int(N));
            if (st != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(name) + " failed");
            return to_host(dc.p, M * N);
        };
        std::vector<float> alone(rows * N);
        for (std::size_t i = 0; i < rows; ++i) {
            const std::vector<float> r = product(i, 1);
            std::memcpy(&alone[i * N], r.data(), N * sizeof(float));
        }
        std::size_t batch_sizes_with_drift = 0, rows_with_drift = 0;
        for (std::size_t M = 1; M <= rows; ++M) {
            const std::vector<float> c = product(0, M);
            std::size_t differ = 0;
            for (std::size_t i = 0; i < M; ++i) differ += !same_row(&c[i * N], &alone[i * N], N);
            batch_sizes_with_drift += differ != 0;
            rows_with_drift += differ;
        }
        MESSAGE(name << ": " << batch_sizes_with_drift << " of " << rows
                     << " batch sizes give some row other bits than the row alone (" << rows_with_drift
                     << " rows in all)");
        CHECK(batch_sizes_with_drift > 0);
    }
    cublasDestroy(handle);
}

TEST_SUITE("arguments") {
    TEST_CASE("tensor_core mode refuses mixed or unsupported input types before any CUDA call") {
        const float* f = nullptr;
        const __half* h = nullptr;
        const double* d = nullptr;
        float* c = nullptr;
        const std::string expected =
            "repro::cuda::matmul: tensor_core mode takes float, __half or __nv_bfloat16 inputs of one type";
        const auto message = [](auto f) { return repro_test::invalid_argument_message(f); };
        CHECK(message([&] { rc::detail::tensor_core_product<true>(f, h, c, 1, 1, 1, 0); }) == expected);
        CHECK(message([&] { rc::detail::tensor_core_product<false>(h, f, c, 1, 1, 1, 0); }) == expected);
        CHECK(message([&] { rc::detail::tensor_core_product<true>(d, d, c, 1, 1, 1, 0); }) == expected);
    }
}
