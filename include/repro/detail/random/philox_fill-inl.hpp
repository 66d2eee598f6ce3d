// repro/detail/random/philox_fill-inl.hpp - philox_fill, written once over
// the 32-bit register traits and compiled once per instruction set, the
// scalar one included (simd/for_each_isa.hpp; no include guard, on purpose)
// as philox_kernels<REPRO_SIMD_TAG>: width counters at a time, one per lane,
// the rounds of philox4x32_10_core on each, then transposed to block order.

template <>
struct philox_kernels<REPRO_SIMD_TAG> {
    using U = simd::registers<REPRO_SIMD_TAG, std::uint32_t>;

    // Fills whole groups of U::width blocks; returns the blocks filled.
    REPRO_SIMD_TARGET static std::size_t fill(philox_counter ctr, philox_key key, std::uint32_t* out,
                                              std::size_t blocks) {
        const typename U::reg m0 = U::broadcast(philox_m0), m1 = U::broadcast(philox_m1);
        const raw_words<4> c = unpack(ctr);  // not operator[]: host-only under nvcc
        const raw_words<2> k = unpack(key);
        std::size_t b = 0;
        for (; b + U::width <= blocks; b += U::width) {
            typename U::reg x[4] = {U::iota(c.w[0] + static_cast<std::uint32_t>(b)), U::broadcast(c.w[1]),
                                    U::broadcast(c.w[2]), U::broadcast(c.w[3])};
            std::uint32_t k0 = k.w[0], k1 = k.w[1];
            for (int r = 0; r < 10; ++r) {
                if (r > 0) {
                    k0 += philox_w0;
                    k1 += philox_w1;
                }
                typename U::reg hi0, lo0, hi1, lo1;
                U::mulhilo(x[0], m0, hi0, lo0);
                U::mulhilo(x[2], m1, hi1, lo1);
                x[0] = U::bit_xor(U::bit_xor(hi1, x[1]), U::broadcast(k0));
                x[2] = U::bit_xor(U::bit_xor(hi0, x[3]), U::broadcast(k1));
                x[1] = lo1;
                x[3] = lo0;
            }
            U::store_blocks(out + 4 * b, x);
        }
        return b;
    }
};
