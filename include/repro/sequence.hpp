#pragma once
// repro/sequence.hpp - the per-token layers of sequence models: embedding
// lookup and rotary position embedding (`batch_invariant`, `portable`).
//
// A token's output depends on its id, or its values and its position within
// its own sequence, and nothing else: padding and other sequences in a batch
// never enter. With repro::linear, rms_norm, layer_norm and softmax used per
// token (rows are tokens) and repro::attention across tokens, a whole
// decoder gives a token the same bits however its sequence is batched,
// padded, chunked or decoded.

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/errors.hpp"
#include "detail/parallel/pool.hpp"
#include "detail/simd/dispatch.hpp"
#include "fp.hpp"
#include "math.hpp"
#include "threads.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// out row i = table row ids[i] (table: vocab x dim; out: n x dim), copied, or
// widened exactly for a half / bfloat16 table and a float out. Throws
// std::invalid_argument naming the first id that is negative or not below
// vocab (nothing is written then), and for null pointers.
template <class T, class Id, class Out>
void embedding(const T* table, std::size_t vocab, std::size_t dim, const Id* ids, std::size_t n, Out* out) {
    static_assert(std::is_integral<Id>::value, "repro::embedding: integer token ids");
    static_assert(std::is_same<T, Out>::value || (std::is_same<Out, float>::value && is_widenable_v<T>),
                  "repro::embedding: out has the table's type, or float for a half / bfloat16 table");
    const char* fn = "embedding";
    detail::check_matrix(table, vocab, dim, fn, "table");
    detail::check_pointer(ids, n, fn, "ids");
    detail::check_matrix(out, n, dim, fn, "out");
    for (std::size_t i = 0; i < n; ++i)
        if (ids[i] < Id(0) || static_cast<std::size_t>(ids[i]) >= vocab)
            detail::throw_invalid(fn, "ids[" + std::to_string(i) + "] = " + std::to_string(ids[i]) +
                                          " is not in [0, vocab = " + std::to_string(vocab) + ")");
    for (std::size_t i = 0; i < n; ++i) {
        const T* row = table + static_cast<std::size_t>(ids[i]) * dim;
        for (std::size_t c = 0; c < dim; ++c) {
            if constexpr (std::is_same<T, Out>::value)
                out[i * dim + c] = row[c];
            else
                out[i * dim + c] = widen(row[c]);
        }
    }
}

// Which values of a head rotate together: (i, i + head_dim / 2) (Llama,
// GPT-NeoX) or (2i, 2i + 1) (GPT-J, the RoFormer paper).
enum class rope_pairs { halves, interleaved };

// Rotary position embedding, in place: x holds tokens x heads x head_dim
// floats, token i at position positions[i] of its sequence. Pair i of a head
// (i < head_dim / 2) turns by the angle pos * base^(-2i / head_dim):
//   f_i  = math::exp(-(2i / head_dim) math::log(base)) / (2 pi)   (turns, double)
//   c, s = math::sincos2pi(pos * f_i), in double, rounded to float
//   (a, b) -> (fma(a, c, -(b * s)), fma(b, c, a * s))
// all through repro::math and explicit fma, so portable. Throws
// std::invalid_argument for an odd head_dim, a base that is not finite and
// > 1, null pointers and threads{0}.
inline void rope(float* x, std::size_t tokens, std::size_t heads, std::size_t head_dim, const std::size_t* positions,
                 float base = 10000.0f, rope_pairs pairs = rope_pairs::halves, threads t = threads{}) {
    const char* fn = "rope";
    const unsigned tc = detail::check_threads(t, fn);
    if (head_dim % 2 != 0) detail::throw_invalid(fn, "head_dim " + std::to_string(head_dim) + " is odd");
    if (!is_finite(base) || !(base > 1.0f)) detail::throw_invalid(fn, "base is not finite and > 1");
    const std::size_t row = detail::checked_mul(heads, head_dim, fn, "heads x head_dim");
    detail::check_matrix(x, tokens, row, fn, "x");
    detail::check_pointer(positions, tokens, fn, "positions");
    const std::size_t half = head_dim / 2;
    std::vector<double> turns(half);
    const double log_base = math::log(static_cast<double>(base));
    for (std::size_t i = 0; i < half; ++i)
        turns[i] = math::exp(-(static_cast<double>(2 * i) / static_cast<double>(head_dim)) * log_base) /
                   6.283185307179586;
    detail::parallel_for(tokens, tc, [&](std::size_t token) {
        // sin2pi and cos2pi of the angles: the bits of sincos2pi, by the
        // array forms (SIMD lanes)
        std::vector<double> angle(half), sd(half), cd(half);
        for (std::size_t i = 0; i < half; ++i) angle[i] = static_cast<double>(positions[token]) * turns[i];
        math::sin2pi(angle.data(), sd.data(), half);
        math::cos2pi(angle.data(), cd.data(), half);
        std::vector<float> cs(half), sn(half);
        for (std::size_t i = 0; i < half; ++i) {
            cs[i] = static_cast<float>(cd[i]);
            sn[i] = static_cast<float>(sd[i]);
        }
        detail::simd::with_fma([&] {
            for (std::size_t h = 0; h < heads; ++h) {
                float* v = x + token * row + h * head_dim;
                for (std::size_t i = 0; i < half; ++i) {
                    float& a = pairs == rope_pairs::halves ? v[i] : v[2 * i];
                    float& b = pairs == rope_pairs::halves ? v[i + half] : v[2 * i + 1];
                    const float bs = b * sn[i], as = a * sn[i];
                    const float na = repro::fma(a, cs[i], -bs), nb = repro::fma(b, cs[i], as);
                    a = na;
                    b = nb;
                }
            }
        });
    });
}

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
