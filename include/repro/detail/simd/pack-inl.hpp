// repro/detail/simd/pack-inl.hpp - one double pack: REPRO_PACK (the type's
// name) over the double registers of REPRO_PACK_TAG, with the operators and
// functions of a double (see pack.hpp). No include guard on purpose:
// pack.hpp includes it once per ISA, each time inside that ISA's region.

struct REPRO_PACK {
    using V = registers<REPRO_PACK_TAG, double>;
    using index = V::index;
    V::reg v;
    REPRO_PACK() = default;
    REPRO_PACK(V::reg r) : v(r) {}               // NOLINT: implicit on purpose
    REPRO_PACK(double d) : v(V::constant(d)) {}  // NOLINT: constants in kernels
};

// Free functions, not friends: functions defined in a class template are
// instantiated outside the ISA's region.
inline REPRO_PACK operator+(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::add(a.v, b.v); }
inline REPRO_PACK operator-(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::sub(a.v, b.v); }
inline REPRO_PACK operator*(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::mul(a.v, b.v); }
inline REPRO_PACK operator/(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::div(a.v, b.v); }
inline REPRO_PACK operator-(REPRO_PACK a) { return REPRO_PACK::V::neg(a.v); }
inline REPRO_PACK mul_rn(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::mul(a.v, b.v); }
inline REPRO_PACK fma(REPRO_PACK a, REPRO_PACK b, REPRO_PACK c) { return REPRO_PACK::V::fma(a.v, b.v, c.v); }
inline REPRO_PACK sqrt_of(REPRO_PACK a) { return REPRO_PACK::V::sqrt(a.v); }
inline REPRO_PACK max_of(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::max(a.v, b.v); }
inline REPRO_PACK min_of(REPRO_PACK a, REPRO_PACK b) { return REPRO_PACK::V::min(a.v, b.v); }
inline REPRO_PACK pow2_shifted(REPRO_PACK t) { return REPRO_PACK::V::pow2_shifted(t.v); }
inline REPRO_PACK pow2_quarter_shifted(const std::uint64_t* table, REPRO_PACK t) {
    return REPRO_PACK::V::pow2_quarter_shifted(table, t.v);
}
inline void log_split(REPRO_PACK x, REPRO_PACK& f, REPRO_PACK& e) { REPRO_PACK::V::log_split(x.v, f.v, e.v); }
inline REPRO_PACK trunc_index(REPRO_PACK v, REPRO_PACK::index& i) { return REPRO_PACK::V::trunc_index(v.v, i); }
// Entry i of an eight-entry table column, per lane.
inline REPRO_PACK coefficient(const double* column, REPRO_PACK::index i) { return REPRO_PACK::V::pick8(column, i); }

inline REPRO_PACK coefficient16(const double* column, REPRO_PACK::index i) { return REPRO_PACK::V::pick16(column, i); }
inline REPRO_PACK half_binade_index(REPRO_PACK a, REPRO_PACK& m) { return REPRO_PACK::V::half_binade(a.v, m.v); }

inline REPRO_PACK abs_of(REPRO_PACK x) { return REPRO_PACK::V::abs(x.v); }
// a where x < 0, else b
inline REPRO_PACK if_negative(REPRO_PACK x, REPRO_PACK a, REPRO_PACK b) {
    return REPRO_PACK::V::select(REPRO_PACK::V::lt(x.v, REPRO_PACK::V::zero()), a.v, b.v);
}

// The error-free transformations of repro/fp.hpp, lane by lane.
inline exact_pair<REPRO_PACK> two_sum(REPRO_PACK a, REPRO_PACK b) {
    const REPRO_PACK s = a + b;
    const REPRO_PACK bb = s - a;
    return {s, (a - (s - bb)) + (b - bb)};
}
inline exact_pair<REPRO_PACK> fast_two_sum(REPRO_PACK a, REPRO_PACK b) {
    const REPRO_PACK s = a + b;
    return {s, b - (s - a)};
}
inline exact_pair<REPRO_PACK> two_prod(REPRO_PACK a, REPRO_PACK b) {
    const REPRO_PACK p = mul_rn(a, b);
    return {p, fma(a, b, -p)};
}

#undef REPRO_PACK
#undef REPRO_PACK_TAG
