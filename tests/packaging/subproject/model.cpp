// A consumer's code that instantiates repro's kernels (float and double)
// under the strictest warnings: repro's headers, included as system headers,
// must not break its -Werror build.
#include <cstdint>
#include <vector>

#include <repro/repro.hpp>

double run_model() {
    const std::size_t rows = 3, in = 8, out = 5;
    std::vector<float> x(rows * in, 0.5f), w(out * in, 0.25f), b(out, 0.125f), y(rows * out), z(rows * out);
    repro::linear(x.data(), w.data(), b.data(), y.data(), rows, in, out, repro::activation::gelu);
    repro::softmax(y.data(), z.data(), rows, out);
    repro::layer_norm<float>(z.data(), nullptr, nullptr, y.data(), rows, out);
    repro::math::exp(y.data(), z.data(), y.size());
    const std::vector<std::uint64_t> ids{0, 1, 2};
    repro::dropout(z.data(), y.data(), rows, out, 0.25, repro::random_key::from_seed(7), ids.data());
    std::vector<double> d(100, 0.1);
    repro::random_stream(repro::random_key::from_seed(1), 0).fill_normal(d.data(), d.size());
    return static_cast<double>(repro::sum(y.data(), y.size())) + repro::exact_sum(d.data(), d.size()) + repro::dot(d.data(), d.data(), 10) +
           (repro::compare(y, z, repro::tolerance::ulp(4)).passed() ? 1.0 : 0.0);
}
