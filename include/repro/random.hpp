#pragma once
// repro/random.hpp - counter-based random streams keyed by what a draw
// belongs to (seed, layer, step, sample id, element), never by where it is
// computed: the same sample gets the same numbers at any batch size, batch
// position, thread count, on the CPU and on a GPU. `portable`.
//
// Generators: Random123's Philox4x32-10, Threefry2x32-20 and Threefry4x32-20
// (Salmon et al., SC11), bit for bit. The names carry the round count because
// Random123 defines function-like macros philox4x32(c, k) etc.
//
// Keys (random_key): from_seed(s) = {low 32 bits, high 32 bits} of s.
//   fold_in(tag) = words 0-1 of threefry4x32_20({tag_lo, tag_hi, 0, 0},
//                  {k0, k1, 0x666f6c64 "fold", 0});
//   split()      = {words 0-1, words 2-3} of threefry4x32_20({0, 0, 0, 0},
//                  {k0, k1, 0x73706c74 "splt", 0}).
//   Derivations use Threefry and streams use Philox, so a derived key never
//   coincides with a stream's output.
// Streams (random_stream): Philox4x32-10 with the stream's key and the counter
//   word 0: block index b (element i is word i % 4 of block i / 4)
//   word 1: sample id, low 32 bits
//   word 2: sample id, high 32 bits
//   word 3: step (training step, epoch, ...)
//   Typical key: random_key::from_seed(seed).fold_in(layer_id).
//
// Distributions (element i of a stream; exact conversions):
//   uniform<float>(i)       [0, 1): (bits(i) >> 8) * 2^-24
//   uniform<double>(i)      [0, 1): (u64 >> 11) * 2^-53, u64 = words 2i+1 (high) : 2i (low)
//   uniform_open<float>(i)  (0, 1): (2 (bits(i) >> 9) + 1) * 2^-24
//   uniform_open<double>(i) (0, 1): (2 (u64 >> 12) + 1) * 2^-53, u64 as for uniform<double>
//   bernoulli(i, p)         bits(i) < floor(p 2^32): probability floor(p 2^32) / 2^32
//   normal<T>(i)            Box-Muller through repro::math (portable): block
//                           j gives normals from the pairs (u1, u2) of its
//                           words; see normal() below.
//   uniform_int(n)          sequential, [0, n) without bias (Lemire's
//                           multiply-and-reject).

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/errors.hpp"
#include "detail/random/random.hpp"
#include "detail/simd/dispatch.hpp"
#include "math.hpp"
#include "detail/prologue.hpp"

REPRO_NAMESPACE_BEGIN

// ------------------------------------------------------------- generators

using u32x2 = std::array<std::uint32_t, 2>;
using u32x4 = std::array<std::uint32_t, 4>;

// Host and device (REPRO_HD), constexpr: the std::array arguments are read
// through detail::unpack and the results built by aggregate initialisation,
// never through std::array's member functions, which nvcc treats as host-only
// (so no --expt-relaxed-constexpr is needed).

// Random123's philox4x32_R(10, ctr, key).
REPRO_HD constexpr u32x4 philox4x32_10(u32x4 ctr, u32x2 key) {
    detail::raw_words<4> x = detail::unpack(ctr);
    const detail::raw_words<2> k = detail::unpack(key);
    detail::philox4x32_10_core(x.w, k.w[0], k.w[1]);
    return {x.w[0], x.w[1], x.w[2], x.w[3]};
}

// Random123's threefry2x32_R(20, ctr, key).
REPRO_HD constexpr u32x2 threefry2x32_20(u32x2 ctr, u32x2 key) {
    detail::raw_words<2> x = detail::unpack(ctr);
    const detail::raw_words<2> k = detail::unpack(key);
    detail::threefry2x32_20_core(x.w, k.w);
    return {x.w[0], x.w[1]};
}

// Random123's threefry4x32_R(20, ctr, key).
REPRO_HD constexpr u32x4 threefry4x32_20(u32x4 ctr, u32x4 key) {
    detail::raw_words<4> x = detail::unpack(ctr);
    const detail::raw_words<4> k = detail::unpack(key);
    detail::threefry4x32_20_core(x.w, k.w);
    return {x.w[0], x.w[1], x.w[2], x.w[3]};
}

// ------------------------------------------------------------- bulk Philox

// out[4b + w] = word w of philox4x32_10({ctr[0] + b, ctr[1], ctr[2], ctr[3]}, key)
// for b < blocks (word 0 of the counter wraps modulo 2^32; no carry). AVX2
// runs eight counters at once; the bits are the same on every path.
inline void philox4x32_10_fill(u32x4 ctr, u32x2 key, std::uint32_t* out, std::size_t blocks) {
    detail::check_pointer(out, blocks, "philox4x32_10_fill", "out");
    detail::philox_fill(ctr, key, out, blocks);
}

// ------------------------------------------------------------- keys

// Host and device (REPRO_HD), constexpr.
struct random_key {
    u32x2 words{};

    static REPRO_HD constexpr random_key from_seed(std::uint64_t seed) {
        return {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    }
    // The key of a named sub-stream: a layer id, an epoch, a purpose.
    REPRO_HD constexpr random_key fold_in(std::uint64_t tag) const {
        const detail::raw_words<2> k = detail::unpack(words);
        const detail::raw_words<4> r = detail::unpack(
            threefry4x32_20({static_cast<std::uint32_t>(tag), static_cast<std::uint32_t>(tag >> 32), 0, 0},
                            {k.w[0], k.w[1], 0x666f6c64u, 0}));
        return {{r.w[0], r.w[1]}};
    }
    // Two independent child keys.
    REPRO_HD constexpr std::array<random_key, 2> split() const {
        const detail::raw_words<2> k = detail::unpack(words);
        const detail::raw_words<4> r = detail::unpack(threefry4x32_20({0, 0, 0, 0}, {k.w[0], k.w[1], 0x73706c74u, 0}));
        return {random_key{{r.w[0], r.w[1]}}, random_key{{r.w[2], r.w[3]}}};
    }
    friend REPRO_HD constexpr bool operator==(const random_key& a, const random_key& b) {
        const detail::raw_words<2> x = detail::unpack(a.words), y = detail::unpack(b.words);
        return x.w[0] == y.w[0] && x.w[1] == y.w[1];
    }
    friend REPRO_HD constexpr bool operator!=(const random_key& a, const random_key& b) { return !(a == b); }
};

// ------------------------------------------------------------- streams

namespace detail {

// Box-Muller: u1 in (0, 1], u2 in [0, 1); r = sqrt(-2 log u1); (r cos 2 pi u2,
// r sin 2 pi u2). log and sincos2pi are repro::math's, sqrt is IEEE.
// Its last step, from log u1, sin 2 pi u2 and cos 2 pi u2 (the bulk fill
// takes those three through the math array forms).
template <class T>
REPRO_HD void box_muller_from(T log_u1, T s, T c, T& z0, T& z1) {
    const T r = std::sqrt(T(-2) * log_u1);
    z0 = r * c;
    z1 = r * s;
}
template <class T>
REPRO_HD void box_muller(T u1, T u2, T& z0, T& z1) {
    T s, c;
    math::sincos2pi(u2, s, c);
    box_muller_from(math::log(u1), s, c, z0, z1);
}
template <class T>
REPRO_HD T box_muller(T u1, T u2, bool second) {
    T z0, z1;
    box_muller(u1, u2, z0, z1);
    return second ? z1 : z0;
}

REPRO_HD constexpr float u01_float(std::uint32_t w) {
    return static_cast<float>(static_cast<std::int32_t>(w >> 8)) * 0x1p-24f;
}
REPRO_HD constexpr float u01_open_float(std::uint32_t w) { return static_cast<float>(((w >> 9) << 1) | 1u) * 0x1p-24f; }
REPRO_HD constexpr std::uint64_t join64(std::uint32_t hi, std::uint32_t lo) {
    return (static_cast<std::uint64_t>(hi) << 32) | lo;
}
REPRO_HD constexpr double u01_double(std::uint64_t w) { return static_cast<double>(w >> 11) * 0x1p-53; }
REPRO_HD constexpr double u01_open_double(std::uint64_t w) {
    return static_cast<double>(((w >> 12) << 1) | 1u) * 0x1p-53;
}

// Groups per buffer of the bulk fills (random_stream::fill_groups).
constexpr std::size_t fill_chunk = 512;

// A stream holds 2^34 words (2^32 blocks of four): 2^34 values of a 32-bit
// type, 2^33 doubles. The bulk fills (host and CUDA) refuse a range past
// that end, where the block counter would wrap to the stream's start.
template <class T>
constexpr std::uint64_t stream_values = (std::uint64_t(1) << 34) / (sizeof(T) / 4);
template <class T>
void check_stream_range(std::uint64_t first, std::size_t n, const char* function) {
    constexpr std::uint64_t values = stream_values<T>;
    if (n != 0 && (first > values || n > values - first))
        throw_invalid(function, "first = " + std::to_string(first) + ", n = " + std::to_string(n) +
                                    " is past the stream's " + std::to_string(values) + " values");
}

inline std::uint64_t bernoulli_threshold(double p, const char* function) {
    if (!(p >= 0.0 && p <= 1.0))
        throw std::invalid_argument(std::string("repro::") + function + ": p = " + std::to_string(p) +
                                    " is not a probability in [0, 1]");
    return static_cast<std::uint64_t>(p * 4294967296.0);  // exact product, floor
}

}  // namespace detail

// The constructor, the accessors, block, bits and the element forms of
// uniform, uniform_open and normal are host and device (REPRO_HD); bernoulli
// (which throws), the bulk and sequential forms and the string forms are
// host-only.
class random_stream {
public:
    REPRO_HD constexpr random_stream(random_key key, std::uint64_t sample, std::uint32_t step = 0)
        : key_(key), sample_(sample), step_(step) {}

    REPRO_HD constexpr random_key key() const { return key_; }
    REPRO_HD constexpr std::uint64_t sample() const { return sample_; }
    REPRO_HD constexpr std::uint32_t step() const { return step_; }

    // Philox block b: 4 words.
    REPRO_HD constexpr u32x4 block(std::uint32_t b) const {
        return philox4x32_10({b, static_cast<std::uint32_t>(sample_), static_cast<std::uint32_t>(sample_ >> 32), step_},
                             key_.words);
    }
    // Element i (i < 2^34): word i % 4 of block i / 4.
    REPRO_HD constexpr std::uint32_t bits(std::uint64_t i) const {
        return detail::unpack(block(static_cast<std::uint32_t>(i >> 2))).w[i & 3];
    }

    template <class T>
    REPRO_HD T uniform(std::uint64_t i) const {
        if constexpr (sizeof(T) == 4) {
            return detail::u01_float(bits(i));
        } else {
            const detail::raw_words<4> b = detail::unpack(block(static_cast<std::uint32_t>(i >> 1)));
            const std::size_t w = 2 * (i & 1);
            return detail::u01_double(detail::join64(b.w[w + 1], b.w[w]));
        }
    }
    template <class T>
    REPRO_HD T uniform_open(std::uint64_t i) const {
        if constexpr (sizeof(T) == 4) {
            return detail::u01_open_float(bits(i));
        } else {
            const detail::raw_words<4> b = detail::unpack(block(static_cast<std::uint32_t>(i >> 1)));
            const std::size_t w = 2 * (i & 1);
            return detail::u01_open_double(detail::join64(b.w[w + 1], b.w[w]));
        }
    }
    bool bernoulli(std::uint64_t i, double p) const {
        return bits(i) < detail::bernoulli_threshold(p, "random_stream::bernoulli");
    }
    // Standard normal, Box-Muller on pairs p = i / 2 (i even: the cos
    // output, i odd: the sin output). float: u1 = open(word 2p), u2 =
    // u01(word 2p+1). double: u1 = open(words 4p+1:4p), u2 = u01(words
    // 4p+3:4p+2) (high:low).
    template <class T>
    REPRO_HD T normal(std::uint64_t i) const {
        if constexpr (sizeof(T) == 4) {
            const detail::raw_words<4> b = detail::unpack(block(static_cast<std::uint32_t>(i >> 2)));
            const std::size_t w = (i & 2);
            return detail::box_muller(detail::u01_open_float(b.w[w]), detail::u01_float(b.w[w + 1]), (i & 1) != 0);
        } else {
            const detail::raw_words<4> b = detail::unpack(block(static_cast<std::uint32_t>(i >> 1)));
            return detail::box_muller(detail::u01_open_double(detail::join64(b.w[1], b.w[0])),
                                      detail::u01_double(detail::join64(b.w[3], b.w[2])), (i & 1) != 0);
        }
    }

    // Bulk forms: out[k] = f(first + k) for k < n, same bits as the element forms.
    void fill_bits(std::uint32_t* out, std::size_t n, std::uint64_t first = 0) const;
    template <class T>
    void fill_uniform(T* out, std::size_t n, std::uint64_t first = 0) const;
    template <class T>
    void fill_normal(T* out, std::size_t n, std::uint64_t first = 0) const;

    // Sequential use: a position that advances one element per word drawn.
    std::uint64_t position() const { return position_; }
    void seek(std::uint64_t i) { position_ = i; }
    std::uint32_t next_bits() { return bits(position_++); }
    // Uniform on [0, n), n >= 1, without bias (Lemire): rejects the
    // 2^32 mod n low products that would favour some values.
    std::uint32_t uniform_int(std::uint32_t n) {
        if (n == 0) throw std::invalid_argument("repro::random_stream::uniform_int: n = 0");
        std::uint64_t m = static_cast<std::uint64_t>(next_bits()) * n;
        if (static_cast<std::uint32_t>(m) < n) {
            const std::uint32_t t = static_cast<std::uint32_t>(-n) % n;
            while (static_cast<std::uint32_t>(m) < t) m = static_cast<std::uint64_t>(next_bits()) * n;
        }
        return static_cast<std::uint32_t>(m >> 32);
    }

    // The whole state as "repro.stream.v1:" and 56 lowercase hex digits: key
    // word 0, key word 1 (8 each), sample (16), step (8), position (16).
    // from_string() restores it exactly and rejects anything else.
    std::string to_string() const;
    static random_stream from_string(const std::string& s);

    friend bool operator==(const random_stream& a, const random_stream& b) {
        return a.key_ == b.key_ && a.sample_ == b.sample_ && a.step_ == b.step_ && a.position_ == b.position_;
    }

private:
    template <class T, class Make>
    void fill_groups(T* out, std::size_t n, std::uint64_t first, unsigned group, unsigned per, Make make) const;
    template <class T, class Make, class MakeMany>
    void fill_groups(T* out, std::size_t n, std::uint64_t first, unsigned group, unsigned per, Make make,
                     MakeMany make_many) const;

    random_key key_;
    std::uint64_t sample_;
    std::uint32_t step_;
    std::uint64_t position_ = 0;
};

inline void random_stream::fill_bits(std::uint32_t* out, std::size_t n, std::uint64_t first) const {
    if (n != 0 && out == nullptr) throw std::invalid_argument("repro::random_stream::fill_bits: out is a null pointer");
    detail::check_stream_range<std::uint32_t>(first, n, "random_stream::fill_bits");
    std::size_t k = 0;
    for (; k < n && ((first + k) & 3) != 0; ++k) out[k] = bits(first + k);  // to a block boundary
    const std::size_t blocks = (n - k) / 4;
    const u32x4 ctr = {static_cast<std::uint32_t>((first + k) >> 2), static_cast<std::uint32_t>(sample_),
                       static_cast<std::uint32_t>(sample_ >> 32), step_};
    philox4x32_10_fill(ctr, key_.words, out + k, blocks);
    for (k += 4 * blocks; k < n; ++k) out[k] = bits(first + k);
}

// The bulk forms work through a buffer of words: `per` words per group of
// `group` outputs (double uniform: 2 per 1; float
// normal: 2 per 2; double normal: 4 per 2); make(w, out) writes the group
// whose words start at w, make_many(w, groups, out) the groups whose words
// start at w (by default make on each, with hardware fma). Partial groups at
// either end go through one-group buffers.
template <class T, class Make>
void random_stream::fill_groups(T* out, std::size_t n, std::uint64_t first, unsigned group, unsigned per,
                                Make make) const {
    fill_groups(out, n, first, group, per, make, [&](const std::uint32_t* w, std::size_t groups, T* o) {
        // make's whole call tree (repro::math for the normals) with hardware fma
        detail::simd::with_fma([&] {
            for (std::size_t j = 0; j < groups; ++j) make(w + j * per, o + j * group);
        });
    });
}

template <class T, class Make, class MakeMany>
void random_stream::fill_groups(T* out, std::size_t n, std::uint64_t first, unsigned group, unsigned per, Make make,
                                MakeMany make_many) const {
    std::uint32_t one[4];
    T values[2] = {};  // initialised: GCC -O3 sees a read of values[1] for one-output groups (-Wmaybe-uninitialized)
    std::size_t k = 0;
    auto partial = [&](std::uint64_t g) {  // outputs of group g inside [first, first + n)
        fill_bits(one, per, g * per);
        make(one, values);
        for (unsigned o = 0; o < group; ++o) {
            const std::uint64_t i = g * group + o;
            if (i >= first && i < first + n) out[k++] = values[o];
        }
    };
    std::uint64_t g = first / group;
    if (n != 0 && first % group != 0) partial(g++);
    constexpr std::size_t chunk = detail::fill_chunk;
    std::uint32_t w[chunk * 4];
    while (n - k >= group) {
        const std::size_t whole = (n - k) / group;
        const std::size_t groups = whole < chunk ? whole : chunk;
        fill_bits(w, groups * per, g * per);
        make_many(static_cast<const std::uint32_t*>(w), groups, out + k);
        k += groups * group;
        g += groups;
    }
    if (k < n) partial(g);
}

template <class T>
void random_stream::fill_uniform(T* out, std::size_t n, std::uint64_t first) const {
    if (n != 0 && out == nullptr)
        throw std::invalid_argument("repro::random_stream::fill_uniform: out is a null pointer");
    detail::check_stream_range<T>(first, n, "random_stream::fill_uniform");
    if constexpr (sizeof(T) == 4) {
        constexpr std::size_t chunk = 2048;
        std::uint32_t w[chunk];
        for (std::size_t k = 0; k < n; k += chunk) {
            const std::size_t len = n - k < chunk ? n - k : chunk;
            fill_bits(w, len, first + k);
            for (std::size_t j = 0; j < len; ++j) out[k + j] = detail::u01_float(w[j]);
        }
    } else {
        fill_groups(out, n, first, 1, 2,
                    [](const std::uint32_t* w, T* o) { o[0] = detail::u01_double(detail::join64(w[1], w[0])); });
    }
}

template <class T>
void random_stream::fill_normal(T* out, std::size_t n, std::uint64_t first) const {
    if (n != 0 && out == nullptr)
        throw std::invalid_argument("repro::random_stream::fill_normal: out is a null pointer");
    detail::check_stream_range<T>(first, n, "random_stream::fill_normal");
    constexpr unsigned per = sizeof(T) == 4 ? 2 : 4;
    auto uniforms = [](const std::uint32_t* w, T& u1, T& u2) {
        if constexpr (sizeof(T) == 4) {
            u1 = detail::u01_open_float(w[0]);
            u2 = detail::u01_float(w[1]);
        } else {
            u1 = detail::u01_open_double(detail::join64(w[1], w[0]));
            u2 = detail::u01_double(detail::join64(w[3], w[2]));
        }
    };
    auto one = [&](const std::uint32_t* w, T* o) {
        T u1, u2;
        uniforms(w, u1, u2);
        detail::box_muller(u1, u2, o[0], o[1]);
    };
    // Whole buffers: log, sin2pi and cos2pi through the math array forms
    // (their SIMD lanes; the scalar functions' bits), then box_muller_from.
    auto many = [&](const std::uint32_t* w, std::size_t groups, T* o) {
        T u1[detail::fill_chunk], u2[detail::fill_chunk], l[detail::fill_chunk], s[detail::fill_chunk],
            c[detail::fill_chunk];
        for (std::size_t j = 0; j < groups; ++j) uniforms(w + j * per, u1[j], u2[j]);
        math::log(u1, l, groups);
        math::sin2pi(u2, s, groups);
        math::cos2pi(u2, c, groups);
        for (std::size_t j = 0; j < groups; ++j) detail::box_muller_from(l[j], s[j], c[j], o[2 * j], o[2 * j + 1]);
    };
    fill_groups(out, n, first, 2, per, one, many);
}

inline std::string random_stream::to_string() const {
    static const char* hex = "0123456789abcdef";
    std::string s = "repro.stream.v1:";
    auto put = [&](std::uint64_t v, int digits) {
        for (int d = digits - 1; d >= 0; --d) s += hex[(v >> (4 * d)) & 15];
    };
    put(key_.words[0], 8);
    put(key_.words[1], 8);
    put(sample_, 16);
    put(step_, 8);
    put(position_, 16);
    return s;
}

inline random_stream random_stream::from_string(const std::string& s) {
    const std::string prefix = "repro.stream.v1:", family = "repro.stream.v";
    auto shown = [&s] { return s.size() <= 100 ? s : s.substr(0, 100) + "..."; };  // for messages
    if (s.compare(0, prefix.size(), prefix) != 0 && s.compare(0, family.size(), family) == 0)
        throw std::invalid_argument("repro::random_stream::from_string: \"" + shown() +
                                    "\" is of another format version; this build reads repro.stream.v1");
    if (s.size() != prefix.size() + 56 || s.compare(0, prefix.size(), prefix) != 0)
        throw std::invalid_argument(
            "repro::random_stream::from_string: not a repro.stream.v1 state (\"repro.stream.v1:\" "
            "and 56 hex digits): \"" +
            shown() + "\"");
    std::size_t at = prefix.size();
    auto get = [&](int digits) {
        std::uint64_t v = 0;
        for (int d = 0; d < digits; ++d, ++at) {
            const char c = s[at];
            const int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (x < 0)
                throw std::invalid_argument("repro::random_stream::from_string: bad hex digit at " +
                                            std::to_string(at) + " in \"" + shown() + "\"");
            v = (v << 4) | static_cast<std::uint64_t>(x);
        }
        return v;
    };
    random_key k;
    k.words[0] = static_cast<std::uint32_t>(get(8));
    k.words[1] = static_cast<std::uint32_t>(get(8));
    const std::uint64_t sample = get(16);
    const auto step = static_cast<std::uint32_t>(get(8));
    random_stream r(k, sample, step);
    r.seek(get(16));
    return r;
}

// ------------------------------------------------------------- shuffling

// A keyed bijection on [0, n): a balanced Feistel network on the smallest
// even number of bits 2h >= bits(n - 1) (rounds: 8; round function: word 0
// of philox4x32_10({right half, round, 0, 0}, key.fold_in(0x7065726d "perm")),
// masked to h bits), with cycle walking back into [0, n) (fewer than 4 steps on
// average, since 2^(2h) < 4n). O(1) memory, random access: the position of
// a sample in an epoch does not depend on how the epoch is cut into batches.
// Key for (seed, epoch): random_key::from_seed(seed).fold_in(epoch).
class permutation {
public:
    permutation(std::uint64_t n, random_key key) : n_(n), key_(key.fold_in(0x7065726du)) {
        int bits = 0;
        while (bits < 64 && (n - 1) >> bits != 0 && n > 1) ++bits;
        half_ = bits <= 2 ? 1 : (bits + 1) / 2;
        mask_ = (half_ >= 32) ? 0xffffffffu : ((1u << half_) - 1u);
    }

    std::uint64_t size() const { return n_; }

    // The element at position i of the shuffled order (i < n).
    std::uint64_t operator()(std::uint64_t i) const {
        if (i >= n_)
            throw std::out_of_range("repro::permutation: index " + std::to_string(i) + " >= n = " + std::to_string(n_));
        std::uint64_t y = feistel(i);
        while (y >= n_) y = feistel(y);
        return y;
    }

    // Batch b of size `batch_size`: out[k] = (*this)(b * batch_size + k)
    // while that position is < n; returns how many were written.
    std::size_t batch(std::uint64_t b, std::size_t batch_size, std::uint64_t* out) const {
        if (batch_size != 0 && out == nullptr)
            throw std::invalid_argument("repro::permutation::batch: out is a null pointer");
        // Past the end, also where b * batch_size would overflow and wrap.
        if (batch_size == 0 || n_ == 0 || b > (n_ - 1) / batch_size) return 0;
        const std::uint64_t begin = b * batch_size;
        std::size_t k = 0;
        for (; k < batch_size && begin + k < n_ && begin + k >= begin; ++k) out[k] = (*this)(begin + k);
        return k;
    }
    std::vector<std::uint64_t> batch(std::uint64_t b, std::size_t batch_size) const {
        std::vector<std::uint64_t> out(batch_size);
        out.resize(batch(b, batch_size, out.data()));
        return out;
    }

private:
    std::uint64_t feistel(std::uint64_t v) const {
        std::uint32_t left = static_cast<std::uint32_t>(v >> half_) & mask_;
        std::uint32_t right = static_cast<std::uint32_t>(v) & mask_;
        for (std::uint32_t r = 0; r < 8; ++r) {
            const std::uint32_t f = philox4x32_10({right, r, 0, 0}, key_.words)[0] & mask_;
            const std::uint32_t next = left ^ f;
            left = right;
            right = next;
        }
        return (static_cast<std::uint64_t>(left) << half_) | right;
    }

    std::uint64_t n_;
    random_key key_;
    int half_ = 1;
    std::uint32_t mask_ = 1;
};

REPRO_NAMESPACE_END

#include "detail/epilogue.hpp"
