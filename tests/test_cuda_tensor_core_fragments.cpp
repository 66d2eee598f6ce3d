// The tensor-core kernel's fragment addressing (detail/kernels/mma_fragments.hpp)
// on the host, against the PTX ISA's definitions: ldmatrix .x4 (and .trans)
// is emulated on shared-memory tiles whose elements hold their own
// coordinates, and every register a lane ends up with must hold the element
// that mma.m16n8k8 (TF32) or mma.m16n8k16 (FP16, BF16) expects there, at
// every fragment position the kernel uses. Also: the loads are free of bank
// conflicts, and the accumulator registers cover the 16 x 8 output once.
// (The MMAs themselves cannot run here; tests/gpu checks their results.)
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include <repro/detail/kernels/mma_fragments.hpp>

namespace {

namespace mma = repro::detail::kernels::mma;

using registers = std::array<std::array<std::uint32_t, 4>, 32>;  // [lane][register]

// A rows x stride tile of Bytes-byte elements; element (r, c) holds r * 256 + c.
template <int Bytes>
struct tile {
    int rows, stride;
    std::vector<std::uint8_t> bytes;
    tile(int rows_, int stride_) : rows(rows_), stride(stride_), bytes(std::size_t(rows_) * stride_ * Bytes) {
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < stride; ++c) {
                const std::uint32_t id = static_cast<std::uint32_t>(r * 256 + c);
                std::memcpy(&bytes[(std::size_t(r) * stride + c) * Bytes], &id, Bytes);  // little-endian
            }
    }
    static std::uint32_t id(int r, int c) { return static_cast<std::uint32_t>(r * 256 + c); }
    std::uint16_t b16_at(int byte_address) const {
        REQUIRE(byte_address >= 0);
        REQUIRE(std::size_t(byte_address) + 2 <= bytes.size());
        std::uint16_t v;
        std::memcpy(&v, &bytes[std::size_t(byte_address)], 2);
        return v;
    }
    std::uint32_t b32_at(int byte_address) const {
        REQUIRE(byte_address % 4 == 0);
        return b16_at(byte_address) | std::uint32_t(b16_at(byte_address + 2)) << 16;
    }
};

// ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16: lanes 8q .. 8q + 7 give
// the 16-byte-aligned addresses of rows 0..7 of matrix q (8 b16 each); lane l
// receives in register q the b16 pair (row l / 4, columns 2 (l % 4) and
// 2 (l % 4) + 1) of matrix q, or with .trans (rows 2 (l % 4) and 2 (l % 4) + 1,
// column l / 4), the first in the low half.
template <int Bytes>
registers ldmatrix_x4(const tile<Bytes>& t, const std::array<int, 32>& address, bool trans) {
    for (int a : address) REQUIRE(a % 16 == 0);
    const auto at = [&](int q, int row, int col) { return t.b16_at(address[8 * q + row] + 2 * col); };
    registers r{};
    for (int l = 0; l < 32; ++l)
        for (int q = 0; q < 4; ++q) {
            const std::uint32_t lo = trans ? at(q, 2 * (l % 4), l / 4) : at(q, l / 4, 2 * (l % 4));
            const std::uint32_t hi = trans ? at(q, 2 * (l % 4) + 1, l / 4) : at(q, l / 4, 2 * (l % 4) + 1);
            r[l][q] = lo | hi << 16;
        }
    return r;
}

// Each ldmatrix phase (one matrix: 8 rows of 16 bytes) touches 8 different
// 16-byte bank groups.
bool conflict_free(const std::array<int, 32>& address) {
    for (int q = 0; q < 4; ++q) {
        std::set<int> groups;
        for (int r = 0; r < 8; ++r) groups.insert(address[8 * q + r] / 16 % 8);
        if (groups.size() != 8) return false;
    }
    return true;
}

template <class F>
std::array<int, 32> lane_addresses(int elem, F offset) {
    std::array<int, 32> a{};
    for (int l = 0; l < 32; ++l) a[l] = offset(l) * elem;
    return a;
}

// The value a fragment register must hold: one 32-bit element (TF32), or two
// 16-bit ones, the first in the low half.
template <int Bytes>
std::uint32_t expect(std::uint32_t first, std::uint32_t second) {
    return Bytes == 4 ? first : (first | second << 16);
}

// A fragments at every (row0, k0) of the kernel: register r of lane l holds
// A[g + 8 (r % 2)][c + 8 (r / 2)], c = 2 t (and c + 1) for 16-bit inputs,
// A[g + 8 (r % 2)][t + 4 (r / 2)] for TF32 (g = l / 4, t = l % 4).
template <int Bytes>
void check_a() {
    using s = mma::tile_shape<Bytes>;
    const tile<Bytes> a(mma::block_m, s::k_major_stride);
    for (int row0 = 0; row0 < mma::block_m; row0 += 16)
        for (int k0 = 0; k0 < s::tile_k; k0 += s::k_step) {
            CAPTURE(row0);
            CAPTURE(k0);
            const auto address =
                lane_addresses(Bytes, [&](int l) { return mma::a_offset(l, row0, k0, s::k_major_stride, s::k_step); });
            CHECK(conflict_free(address));
            const registers got = ldmatrix_x4(a, address, false);
            int wrong = 0;
            for (int l = 0; l < 32; ++l)
                for (int r = 0; r < 4; ++r) {
                    const int g = l / 4, t = l % 4, row = row0 + g + 8 * (r % 2);
                    const int col = k0 + (Bytes == 4 ? t + 4 * (r / 2) : 2 * t + 8 * (r / 2));
                    wrong += got[l][r] != expect<Bytes>(a.id(row, col), a.id(row, col + 1));
                }
            CHECK(wrong == 0);
        }
}

// B fragments (k_step x 8, "col"): register r of lane l holds B[k][g] with
// k = 2 t + 8 r (and k + 1) for 16-bit inputs, k = t + 4 r for TF32. One
// ldmatrix.x4 gives the fragments at n0 and n0 + 8: registers 0, 1 and 2, 3.
// `element(k, n)` is the tile's id of B[k][n].
template <int Bytes, class E>
int wrong_b(const registers& got, E element) {
    int wrong = 0;
    for (int l = 0; l < 32; ++l)
        for (int f = 0; f < 2; ++f)
            for (int r = 0; r < 2; ++r) {
                const int g = l / 4, t = l % 4, n = 8 * f + g;
                const int k = Bytes == 4 ? t + 4 * r : 2 * t + 8 * r;
                wrong += got[l][2 * f + r] != expect<Bytes>(element(k, n), element(k + 1, n));
            }
    return wrong;
}

template <int Bytes>
void check_b_transposed() {  // an [n][k] tile, ldmatrix
    using s = mma::tile_shape<Bytes>;
    const tile<Bytes> b(mma::block_n, s::k_major_stride);
    for (int n0 = 0; n0 < mma::block_n; n0 += 16)
        for (int k0 = 0; k0 < s::tile_k; k0 += s::k_step) {
            CAPTURE(n0);
            CAPTURE(k0);
            const auto address =
                lane_addresses(Bytes, [&](int l) { return mma::bt_offset(l, n0, k0, s::k_major_stride, s::k_step); });
            CHECK(conflict_free(address));
            const registers got = ldmatrix_x4(b, address, false);
            CHECK(wrong_b<Bytes>(got, [&](int k, int n) { return b.id(n0 + n, k0 + k); }) == 0);
        }
}

void check_b_16bit() {  // a [k][n] tile of 16-bit elements, ldmatrix.trans
    using s = mma::tile_shape<2>;
    const tile<2> b(s::tile_k, s::n_major_stride);
    for (int n0 = 0; n0 < mma::block_n; n0 += 16)
        for (int k0 = 0; k0 < s::tile_k; k0 += s::k_step) {
            CAPTURE(n0);
            CAPTURE(k0);
            const auto address =
                lane_addresses(2, [&](int l) { return mma::b_trans_offset(l, n0, k0, s::n_major_stride); });
            CHECK(conflict_free(address));
            const registers got = ldmatrix_x4(b, address, true);
            CHECK(wrong_b<2>(got, [&](int k, int n) { return b.id(k0 + k, n0 + n); }) == 0);
        }
}

void check_b_tf32() {  // a [k][n] tile of floats, one 32-bit load per register
    using s = mma::tile_shape<4>;
    const tile<4> b(s::tile_k, s::n_major_stride);
    for (int n0 = 0; n0 < mma::block_n; n0 += 8)
        for (int k0 = 0; k0 < s::tile_k; k0 += s::k_step) {
            CAPTURE(n0);
            CAPTURE(k0);
            int wrong = 0;
            for (int r = 0; r < 2; ++r) {
                std::set<int> banks;
                for (int l = 0; l < 32; ++l) {
                    const int address = mma::b_tf32_offset(l, r, n0, k0, s::n_major_stride) * 4;
                    banks.insert(address / 4 % 32);
                    wrong += b.b32_at(address) != b.id(k0 + l % 4 + 4 * r, n0 + l / 4);
                }
                CHECK(banks.size() == 32);
            }
            CHECK(wrong == 0);
        }
}

}  // namespace

TEST_CASE("tensor-core A fragments: every register holds the element mma expects, without bank conflicts") {
    SUBCASE("TF32") { check_a<4>(); }
    SUBCASE("FP16 and BF16") { check_a<2>(); }
}

TEST_CASE("tensor-core B fragments from an N x K tile: every register holds the element mma expects") {
    SUBCASE("TF32") { check_b_transposed<4>(); }
    SUBCASE("FP16 and BF16") { check_b_transposed<2>(); }
}

TEST_CASE("tensor-core B fragments from a K x N tile: ldmatrix.trans (16-bit) and 32-bit loads (TF32)") {
    check_b_16bit();
    check_b_tf32();
}

TEST_CASE("tensor-core accumulators: register e of lane l is output (g + 8 (e / 2), 2 t + e % 2), each once") {
    // The PTX ISA's table for the m16n8 float accumulator: c0 (g, 2t), c1
    // (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1).
    const int row_of[4] = {0, 0, 8, 8}, col_of[4] = {0, 1, 0, 1};
    std::set<int> outputs;
    int wrong = 0;
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 4; ++e) {
            const int row = mma::c_row(l, e), col = mma::c_col(l, e);
            wrong += row != l / 4 + row_of[e] || col != 2 * (l % 4) + col_of[e];
            if (row >= 0 && row < 16 && col >= 0 && col < 8) outputs.insert(row * 8 + col);
        }
    CHECK(wrong == 0);
    CHECK(outputs.size() == 128);
}

TEST_CASE("tensor-core tiles: rows are whole 16-byte copies and the k-tile is whole MMA steps") {
    using f = mma::tile_shape<4>;
    using h = mma::tile_shape<2>;
    CHECK(f::k_major_stride * 4 % 16 == 0);
    CHECK(h::k_major_stride * 2 % 16 == 0);
    CHECK(f::n_major_stride * 4 % 16 == 0);
    CHECK(h::n_major_stride * 2 % 16 == 0);
    CHECK(f::tile_k % f::k_step == 0);
    CHECK(h::tile_k % h::k_step == 0);
    CHECK(f::tile_k % f::vec == 0);
    CHECK(h::tile_k % h::vec == 0);
}
