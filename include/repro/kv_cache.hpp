#pragma once
// repro/kv_cache.hpp - the keys and values of one sequence's past tokens, as
// repro::attention reads them (`batch_invariant`, `portable`: a cache holds
// bits, it computes nothing).
//
// Contiguous per head: head h's keys are length() rows of head_dim values,
// one after the other (and its values alike), the layout the attention
// kernels read in place. Storage is KV: float, or half / bfloat16 (any type
// whose float_traits has those layouts, e.g. Eigen::half with
// repro/eigen.hpp); appended floats are rounded to KV once, by repro::narrow.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "detail/aligned.hpp"
#include "detail/errors.hpp"
#include "fp.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

namespace detail {

// Value e of appended token-major rows (token, head, i) to its place in a
// cache of `capacity` tokens per head holding `length`: the one copy loop of
// repro::kv_cache and repro::cuda::kv_cache.
template <class KV, class U>
struct kv_scatter {
    const U* k;
    const U* v;
    KV* keys;
    KV* values;
    std::size_t heads, dim, capacity, length;
    REPRO_HD void operator()(std::size_t e) const {
        const std::size_t i = e % dim, h = e / dim % heads, t = e / dim / heads;
        const std::size_t to = (h * capacity + length + t) * dim + i;
        keys[to] = repro::narrow<KV>(widen(k[e]));
        values[to] = repro::narrow<KV>(widen(v[e]));
    }
};

inline void check_kv_append(std::size_t tokens, std::size_t length, std::size_t max_length, const char* fn) {
    if (tokens > max_length - length)
        throw std::length_error(std::string("repro::") + fn + ": " + std::to_string(tokens) + " tokens after " +
                                std::to_string(length) + " exceed max_length " + std::to_string(max_length));
}

inline void check_kv_truncate(std::size_t length, std::size_t current, const char* fn) {
    if (length > current)
        throw_invalid(fn,
                      "length " + std::to_string(length) + " is beyond the cache's length " + std::to_string(current));
}

// The capacity a cache grows to for `length` tokens: doubling from 16, at
// most max_length; std::length_error beyond it.
inline std::size_t kv_capacity_for(std::size_t length, std::size_t capacity, std::size_t max_length, const char* fn) {
    if (length > max_length)
        throw std::length_error(std::string("repro::") + fn + ": " + std::to_string(length) +
                                " tokens exceed max_length " + std::to_string(max_length));
    std::size_t cap = capacity == 0 ? 16 : capacity;
    while (cap < length) cap = cap > max_length / 2 ? max_length : 2 * cap;
    return cap < max_length ? cap : max_length;
}

inline std::size_t check_kv_head(std::size_t h, std::size_t heads, const char* fn) {
    if (h >= heads)
        throw_invalid(fn, "head " + std::to_string(h) + " is not below num_kv_heads " + std::to_string(heads));
    return h;
}

inline void check_kv_cache_shape(std::size_t heads, std::size_t dim, std::size_t max_length, std::size_t value_bytes,
                                 const char* fn) {
    if (heads == 0) throw_invalid(fn, "num_kv_heads is 0");
    if (dim == 0) throw_invalid(fn, "head_dim is 0");
    checked_product({heads, dim, max_length, 2 * value_bytes}, fn,
                    "the cache (num_kv_heads x head_dim x max_length, keys and values)");
}

}  // namespace detail

template <class KV = float>
class kv_cache {
    static_assert(is_widenable_v<KV>, "repro::kv_cache: KV is float, half or bfloat16");

public:
    // Room for max_length tokens of num_kv_heads heads of head_dim values.
    // Memory grows with the length (doubling), up to max_length.
    kv_cache(std::size_t num_kv_heads, std::size_t head_dim, std::size_t max_length)
        : heads_(num_kv_heads), dim_(head_dim), max_length_(max_length) {
        detail::check_kv_cache_shape(num_kv_heads, head_dim, max_length, sizeof(KV), "kv_cache");
    }

    std::size_t num_kv_heads() const { return heads_; }
    std::size_t head_dim() const { return dim_; }
    std::size_t max_length() const { return max_length_; }
    std::size_t length() const { return length_; }
    std::size_t capacity() const { return capacity_; }

    // Appends `tokens` tokens: k and v hold tokens x num_kv_heads x head_dim
    // values (token-major, as a linear layer writes them), in KV or in float
    // (rounded to KV). Throws std::length_error when the cache would exceed
    // max_length, std::invalid_argument for null pointers; nothing is
    // appended then.
    template <class U>
    void append(const U* k, const U* v, std::size_t tokens) {
        static_assert(std::is_same<U, KV>::value || std::is_same<U, float>::value,
                      "repro::kv_cache::append: k and v are KV or float");
        const std::size_t n = detail::checked_mul(tokens, heads_ * dim_, "kv_cache::append", "tokens");
        detail::check_pointer(k, n, "kv_cache::append", "k");
        detail::check_pointer(v, n, "kv_cache::append", "v");
        detail::check_kv_append(tokens, length_, max_length_, "kv_cache::append");
        reserve(length_ + tokens);
        const detail::kv_scatter<KV, U> scatter{k, v, keys_.data(), values_.data(), heads_, dim_, capacity_, length_};
        for (std::size_t e = 0; e < n; ++e) scatter(e);
        length_ += tokens;
    }

    // Keeps the first `length` tokens (rolling back a rejected draft or a
    // beam). Throws std::invalid_argument for a length beyond length().
    void truncate(std::size_t length) {
        detail::check_kv_truncate(length, length_, "kv_cache::truncate");
        length_ = length;
    }

    void clear() { length_ = 0; }

    // An independent copy (beam search: each beam continues its own).
    kv_cache fork() const { return *this; }

    // Head h's length() x head_dim keys / values, contiguous.
    const KV* keys(std::size_t h) const { return keys_.data() + checked_head(h, "kv_cache::keys") * capacity_ * dim_; }
    const KV* values(std::size_t h) const {
        return values_.data() + checked_head(h, "kv_cache::values") * capacity_ * dim_;
    }

    // Memory for `length` tokens (no more than max_length), so that appends
    // up to it never move the cache.
    void reserve(std::size_t length) {
        if (length <= capacity_) return;
        const std::size_t cap = detail::kv_capacity_for(length, capacity_, max_length_, "kv_cache::reserve");
        detail::aligned_vector<KV> k(heads_ * cap * dim_), v(heads_ * cap * dim_);
        for (std::size_t h = 0; h < heads_; ++h)
            for (std::size_t i = 0; i < length_ * dim_; ++i) {
                k[h * cap * dim_ + i] = keys_[h * capacity_ * dim_ + i];
                v[h * cap * dim_ + i] = values_[h * capacity_ * dim_ + i];
            }
        keys_.swap(k);
        values_.swap(v);
        capacity_ = cap;
    }

private:
    std::size_t checked_head(std::size_t h, const char* function) const {
        return detail::check_kv_head(h, heads_, function);
    }

    std::size_t heads_, dim_, max_length_, length_ = 0, capacity_ = 0;
    detail::aligned_vector<KV> keys_, values_;
};

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
