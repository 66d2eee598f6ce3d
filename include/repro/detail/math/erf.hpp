#pragma once
// repro/detail/math/erf.hpp - the cores of repro::math::erf, gelu (erf
// form) and gelu_tanh for float and double: `portable` - fixed polynomials
// evaluated with explicit repro::fma, only +, -, *, / and the exp of
// exp_log.hpp, so every platform and
// build mode gives the same bits. No libm call.
//
// Coefficients: Chebyshev interpolants fitted with mpmath at 60 digits
// (tools of this implementation, not copied from any library) and rounded
// to double; each table's comment gives its degree and the largest relative
// fitting error measured with the rounded coefficients.
//
// The float functions are evaluated in double arithmetic (double ops are
// IEEE-754 and correctly rounded everywhere) and rounded once to float.
//
// Piecewise evaluation: on a piece with centre m, f(m + t) is hi + rest with
// hi = f(m) rounded to double and rest = lo + t * g(t) (lo = f(m) - hi, g a
// polynomial in t evaluated by Horner); t = x - m is exact (Sterbenz: every
// piece lies within [m/2, 2m]).

#include <cstdint>

#include "../../fp.hpp"
#include "exp_log.hpp"
#include "../prologue.hpp"

REPRO_NAMESPACE_BEGIN
namespace math {
namespace detail {
namespace erf_impl {

struct split_value {
    double hi;    // f(m) rounded to double
    double rest;  // the rest of f(m + t), small against hi
};

template <int N>
REPRO_HD double horner(const double* c, double t) {
    double r = c[N - 1];
    for (int k = N - 2; k >= 0; --k) r = repro::fma(r, t, c[k]);
    return r;
}

// c = {hi, lo, g0, g1, ...}: f(m + t) = hi + (lo + t * g(t)).
template <int W>
REPRO_HD split_value piece(const double* c, double t) {
    const double g = horner<W - 2>(c + 2, t);
    return {c[0], repro::fma(t, g, c[1])};
}

REPRO_HD double abs_value(double x) { return repro::from_bits<double>(repro::to_bits(x) & ~(std::uint64_t(1) << 63)); }

// Index of the half-binade of a in [0.5, 2^k): [0.5, 0.75) -> 0, [0.75, 1) -> 1,
// [1, 1.5) -> 2, ...; m = its centre, exact.
REPRO_HD int half_binade(double a, double& m) { return static_cast<int>(half_binade_index(a, m)); }

// erf_small: erf(x) = x + x * Q(x^2) for |x| < 0.75, Q(s) = erf(sqrt s)/sqrt s - 1.
// erf_mid: erf on [0.75 + k/2, 1.25 + k/2), centre 1 + k/2.
// gelu_small: Phi(x) = 1/2 + x * G(x^2) for |x| < 0.5 (Phi the normal cdf).
// phi_pos: Phi on [0.5 + k/2, 1 + k/2), centre 0.75 + k/2.
// mills: Q(a) = Phi(-a) * exp(a^2/2) on the half-binades of [0.5, 2^k).
// erf_small: degree 10 in s, max rel err 2.7e-17
REPRO_HD double erf_small_double(double s) {
    REPRO_MATH_TABLE constexpr double c[11] = {0x1.06eba8214db69p-3,   -0x1.812746b0379e0p-2,  0x1.ce2f21a0424c3p-4,
                                               -0x1.b82ce31257412p-6,  0x1.565bcd03657c0p-8,   -0x1.c02db1220cfe6p-11,
                                               0x1.f9a2afa3a8f86p-14,  -0x1.f4c5debf1228ap-17, 0x1.b90ecd4aeec12p-20,
                                               -0x1.564f71bbc0d35p-23, 0x1.8a312cb07e6ccp-27};
    return horner<11>(c, s);
}
// erf_mid: 11 pieces, degree 13, max rel fit err 5.41e-17
REPRO_HD split_value erf_mid_double(int i, double t) {
    REPRO_MATH_TABLE constexpr double c[11][16] = {
        {0x1.af767a741088bp-1, -0x1.c97f778122797p-56, 0x1.a911f096fbc26p-2, -0x1.a911f096fbc26p-2,
         0x1.1b614b0f528a1p-3, 0x1.1b614b0f52883p-4, -0x1.1b614b0f63857p-4, 0x1.2e45a56543c5fp-8, 0x1.f096fda347eb4p-7,
         -0x1.39114693fdc27p-8, -0x1.ee3122b669cdcp-10, 0x1.4176a7e8ac725p-10, 0x1.672249751d480p-14,
         -0x1.a37701463edaep-13, 0x1.265117dc5aca8p-16, 0x1.86295a477b53fp-16},
        {0x1.eea5557137ae0p-1, -0x1.385e445f2c96dp-55, 0x1.e723726b824a9p-4, -0x1.6d5a95d0a1b21p-3,
         0x1.1c2a02beb6ab4p-3, -0x1.6d5a95d0cad48p-5, -0x1.e723726b7bfadp-7, 0x1.3ca3d7556aeb1p-6,
         -0x1.36d73a6830facp-8, -0x1.35ae94d32f58bp-9, 0x1.c03811b0122f7p-10, -0x1.84ca1fcea47eep-14,
         -0x1.0ad1461537e63p-12, 0x1.3a02ea84bcf85p-14, 0x1.2f20b49aa9edap-16, 0x0.0p+0},
        {0x1.fd9ae142795e3p-1, 0x1.972801904b9a3p-56, 0x1.529b9e8cf9a1ep-6, -0x1.529b9e8cf9a86p-5, 0x1.8b0ae3a478909p-5,
         -0x1.1a2c59756f53bp-5, 0x1.ace7404c36b0ap-7, 0x1.e1935bce27d06p-12, -0x1.bae0abb4abd4fp-9,
         0x1.a1145b58048edp-10, -0x1.a46b1a085d664p-15, -0x1.13a1d35dea568p-12, 0x1.b32917e5d7ef2p-14,
         0x1.93a7ac130c0a9p-18, -0x1.0d39041541806p-16, 0x0.0p+0},
        {0x1.ffcaa8f4c9beap-1, 0x1.b0cee160116f9p-55, 0x1.1d83170fbf6fbp-9, -0x1.64e3dcd3af4eap-8, 0x1.119da0c46ccf7p-7,
         -0x1.1a89b97ce830ap-7, 0x1.90e81283eb77ap-8, -0x1.6ecdbf6cef708p-9, 0x1.1c610c0876a85p-11,
         0x1.115526b3ab1d0p-12, -0x1.067192dd70cf3p-12, 0x1.4a80b1a0099d3p-14, 0x1.596b0d8e8dfb2p-18,
         -0x1.d70f5cff88762p-17, 0x1.321815b3da8a9p-18, 0x0.0p+0},
        {0x1.fffd1ac4135f9p-1, 0x1.eeafa1ecd6cefp-55, 0x1.2408e9ba3327fp-13, -0x1.b60d5e974c58dp-12,
         0x1.9db74b1d1dbc2p-11, -0x1.11c85b1ebb4e1p-10, 0x1.0a7b5546c49b4p-10, -0x1.82f23584f90dep-11,
         0x1.998b47a745cf7p-12, -0x1.1aa6075b9da9cp-13, 0x1.d2a411d53cc8bp-17, 0x1.061e292bd5ea0p-16,
         -0x1.6a42bb27e73a9p-17, 0x1.8a687a8a83d42p-19, 0x1.50727ff6302b7p-23, 0x0.0p+0},
        {0x1.ffffe710d565ep-1, 0x1.c9ea52d76dc04p-55, 0x1.6a597219abc79p-18, -0x1.3d0e43d67446ap-16,
         0x1.62ccea625d750p-15, -0x1.1c07721a912d6p-14, 0x1.586bb04f00d7ap-14, -0x1.46153fe186182p-14,
         0x1.e827b3e877cf9p-15, -0x1.1f62ef85e283ap-15, 0x1.014646c205abbp-16, -0x1.3788b1694e58cp-18,
         0x1.a0a2f7a8e35fdp-22, 0x1.eee341896429fp-22, 0x0.0p+0, 0x0.0p+0},
        {0x1.ffffff7b91176p-1, 0x1.0b2865615db40p-56, 0x1.10b1488aeb235p-23, -0x1.10b14895e920bp-21,
         0x1.603a5309881f4p-20, -0x1.4980dee302de9p-19, 0x1.da5f10624913cp-19, -0x1.1050ed719cd79p-18,
         0x1.fd7c9040c67eep-19, -0x1.889ba764c2f0dp-19, 0x1.f41818e8f2529p-20, -0x1.09f8f4ad56605p-20,
         0x1.b1710eaeed40cp-22, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.fffffffe4fa30p-1, 0x1.d166bcb681c7bp-57, 0x1.f1e35379b6eabp-30, -0x1.180fde5481e3dp-27,
         0x1.99b828270e0aap-26, -0x1.b598bc4ba2fc0p-25, 0x1.6b2372a4705d9p-24, -0x1.e654a1191fc8bp-24,
         0x1.0cba269700d34p-23, -0x1.f54bca4374328p-24, 0x1.a5ccb7012c446p-24, -0x1.1821689f19a10p-24, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.fffffffffc9e8p-1, -0x1.a759f7738935fp-56, 0x1.13af4f04f9998p-36, -0x1.5899f7c26fc85p-34,
         0x1.196d6c92e2173p-32, -0x1.518c5280610d1p-31, 0x1.3c5ca6a00a39ap-30, -0x1.debb1e0d38828p-30,
         0x1.3190639f4e72fp-29, -0x1.7070a4073f3f0p-29, 0x1.4eab7328c1f95p-29, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
        {0x1.fffffffffffbep-1, -0x1.182b326b228dcp-55, 0x1.7258610b3b233p-44, -0x1.fe21928241723p-42,
         0x1.cb4f1f16d70fep-40, -0x1.29ce828038cbfp-38, 0x1.3a8bfa369580cp-37, -0x1.47ba4775c6ac5p-36,
         0x1.bf7b24a33d251p-36, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.0000000000000p+0, -0x1.8cf81557d20b6p-56, 0x1.11a00679c4825p-52, -0x1.b809370df570ap-50,
         0x1.4d459a633a9c4p-47, -0x1.a87b0869d14f8p-46, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
    };
    return piece<16>(c[i], t);
}
// gelu_small: degree 7 in s, max rel err 4.36e-17
REPRO_HD double gelu_small_double(double s) {
    REPRO_MATH_TABLE constexpr double c[8] = {0x1.9884533d43651p-2,   -0x1.1058377e2cebbp-4, 0x1.46d042976303ap-7,
                                              -0x1.37403f65858b8p-10, 0x1.e42b075001d50p-14, -0x1.3ce75f806f85dp-17,
                                              0x1.65100cd621464p-21,  -0x1.4f2b66e4c7b44p-25};
    return horner<8>(c, s);
}
// phi_pos: 16 pieces, degree 11, max rel fit err 6.94e-17
REPRO_HD split_value phi_pos_double(int i, double t) {
    REPRO_MATH_TABLE constexpr double c[16][14] = {
        {0x1.8bf77fea5316dp-1, -0x1.b52c7a0f01a0cp-55, 0x1.345d5efad3415p-2, -0x1.ce8c0e783ce1fp-4,
         -0x1.67c24424a2524p-6, 0x1.77d1cbc1b1562p-6, -0x1.345d5e8bb1b0fp-13, -0x1.8e770d8759d55p-9,
         0x1.67e5732ff1dafp-12, 0x1.33cd18119db0fp-12, -0x1.e5107b1a7759dp-15, -0x1.6cfb3aa662f9dp-16,
         0x1.9ab2e27dae76cp-18, 0x1.4f5aa5f9298f4p-20},
        {0x1.c9e845da8ac7bp-1, -0x1.44f461319207bp-56, 0x1.7610b9431f0c8p-3, -0x1.d394e793e6cfap-4,
         0x1.188c8af256f48p-6, 0x1.c0195dedbdb95p-7, -0x1.886102541b69fp-8, -0x1.2dfad595b49bfp-11,
         0x1.ab9e81b908c13p-11, -0x1.13af17557d933p-14, -0x1.264ba43c88f15p-14, 0x1.ea4ba76441510p-17,
         0x1.100f55c94f6a0p-18, -0x1.9598d3cdc8532p-20},
        {0x1.eb7d5dbebaa92p-1, 0x1.abac6192eb04dp-56, 0x1.6164536bf162bp-4, -0x1.3537c8fe73366p-4, 0x1.e5e9f2b46ca16p-6,
         -0x1.9c4a615345445p-12, -0x1.1a878ab3bf2cep-8, 0x1.575c5841200a5p-10, 0x1.8594dfa016c00p-13,
         -0x1.7b87b46d1e2c2p-13, 0x1.1f4dec94721fap-16, 0x1.b732dc202cc4fp-17, -0x1.cbd2101830a13p-19,
         -0x1.0445a53974828p-21},
        {0x1.f9bdb6c378b28p-1, -0x1.24e1010e1a582p-55, 0x1.0402dfd3dc1a2p-5, -0x1.24833bce579d6p-5,
         0x1.601939c43a127p-6, -0x1.9234723bb8e85p-8, -0x1.e4455a7b64e63p-12, 0x1.03e8df8b8d7a8p-10,
         -0x1.1484acce319a8p-12, -0x1.0cf3f1bc4af45p-15, 0x1.1a4ea1e17078ep-15, -0x1.3cdba45b96fcep-18,
         -0x1.df817722f84fap-20, 0x1.6f53ecfde3059p-21},
        {0x1.fe796fbcb6138p-1, -0x1.675288aa995bcp-60, 0x1.29fa54c6341e4p-7, -0x1.99b8349087752p-7,
         0x1.45e9ccb8c8dacp-7, -0x1.378ebd4e6a5ccp-8, 0x1.2654aacf2441cp-10, 0x1.f4330fe98b4fap-14,
         -0x1.7a9187bc55ac8p-13, 0x1.9d554dce7bb51p-15, 0x1.4ee24c5a49b52p-19, -0x1.525414d4f2c37p-18,
         0x1.1861fd74a871fp-20, 0x0.0p+0},
        {0x1.ffb45e40a0bf3p-1, -0x1.98013f4d6a451p-61, 0x1.09f38e18a2820p-9, -0x1.b02bc6e809181p-9,
         0x1.a7dc2a774304bp-9, -0x1.105b96ae49b92p-9, 0x1.c5d06e4d98732p-11, -0x1.923bf8ee1a724p-13,
         -0x1.d59b4dfd10ccfp-17, 0x1.b83160b53f97bp-16, -0x1.103d3cff2acc0p-17, 0x1.26866fc040079p-22,
         0x1.34661f1b52aecp-21, 0x0.0p+0},
        {0x1.fff469354da69p-1, 0x1.90048ea521d6ep-57, 0x1.71b92ecaaa791p-12, -0x1.5a9d9bde00c8cp-11,
         0x1.927594449cb9fp-11, -0x1.3f894baf72d32p-11, 0x1.669111d991691p-12, -0x1.15c9fc7072b34p-13,
         0x1.fb8a484cb34d5p-16, 0x1.9faeaf40128cbp-27, -0x1.8b6f881977b7bp-19, 0x1.265a3fcf9a19fp-20,
         -0x1.1a8119da2c84fp-23, 0x0.0p+0},
        {0x1.fffe995a4340ep-1, -0x1.13a820723649fp-55, 0x1.904afdde8cca3p-15, -0x1.a94fadbc71438p-14,
         0x1.1c95507c38257p-13, -0x1.0aed570c50b6dp-13, 0x1.7066af048a321p-14, -0x1.7b8a56cd1be99p-15,
         0x1.1d710276beaacp-16, -0x1.194275e6cccbfp-18, 0x1.5cdbaad5f9d7ep-22, 0x1.001149585c8a0p-22,
         -0x1.f6caad3a7127ap-24, 0x0.0p+0},
        {0x1.ffffdddf524c0p-1, -0x1.e5c28188f2146p-55, 0x1.518646fbb0c6cp-18, -0x1.90cf744ad4688p-17,
         0x1.2f3ea3c61ee0cp-16, -0x1.46b3c37d7b735p-16, 0x1.08e16120b270ap-16, -0x1.4c45f51263509p-17,
         0x1.44cf10ae7f6f4p-18, -0x1.e6a44b19e330dp-20, 0x1.05092041a923ep-21, -0x1.250f22435f5abp-24,
         -0x1.5ab3498fa7b6fp-27, 0x0.0p+0},
        {0x1.fffffd72bd265p-1, 0x1.22aacc8cd6a79p-58, 0x1.bb4a8be2b2f65p-22, -0x1.22e8ebcc9457bp-20,
         0x1.ea9f2bebbd90fp-20, -0x1.29ba6152003fcp-19, 0x1.13d16b5c58457p-19, -0x1.93497c7623f3cp-20,
         0x1.d98c4ab6b4cedp-21, -0x1.c0be7f35fe341p-22, 0x1.56595e61125c4p-23, -0x1.8a1eeeb36afffp-25, 0x0.0p+0,
         0x0.0p+0},
        {0x1.ffffffd9ab944p-1, -0x1.9af095a03b42fp-55, 0x1.c56b24c7123c9p-26, -0x1.45e5026dda643p-24,
         0x1.2ede90d59bef9p-23, -0x1.98378634c1d84p-23, 0x1.a8053b56933fep-23, -0x1.5fec47bdb571ep-23,
         0x1.dd1316e9a0b02p-24, -0x1.0b8c0d6980fd0p-24, 0x1.fb84c09744805p-26, -0x1.83069c1e33827p-27, 0x0.0p+0,
         0x0.0p+0},
        {0x1.fffffffe3cb3dp-1, 0x1.c3285767760d0p-55, 0x1.6930a864fa47bp-30, -0x1.1a2dff99a9b7ap-28,
         0x1.1e6994c33a5a5p-27, -0x1.a802c9f0bd593p-27, 0x1.e70bd428530b8p-27, -0x1.c26edaac0e67ep-27,
         0x1.5860a7fa5a117p-27, -0x1.c973bbdb75b49p-28, 0x1.ebc3bae8c46abp-29, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.ffffffffefbe8p-1, 0x1.d8522d97e0769p-55, 0x1.c027cdafdb7eep-35, -0x1.7a21894699910p-33,
         0x1.a00f9bd2b1657p-32, -0x1.4f4e55974aa71p-31, 0x1.a57318e501222p-31, -0x1.acd8979f8e788p-31,
         0x1.6ba630350b83cp-31, -0x1.1135acb8de840p-31, 0x1.4bee8063ba512p-32, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.ffffffffff8abp-1, 0x1.c17d2563a2190p-59, 0x1.b10f57d25a805p-40, -0x1.8882c98cd7c46p-38,
         0x1.d137d5511292cp-37, -0x1.93a172c22e8c8p-36, 0x1.13cef3b56b5dep-35, -0x1.4c5a738db8febp-35,
         0x1.2e35cff944df7p-35, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.fffffffffffd7p-1, -0x1.89f54d4fae189p-55, 0x1.45fe5b89d6b37p-45, -0x1.3bbda535d401ap-43,
         0x1.8de866ea4a4d1p-42, -0x1.76022e45301aap-41, 0x1.349afd5798669p-40, -0x1.6739f9e96dd42p-40, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.fffffffffffffp-1, 0x1.2588bfdea70cdp-55, 0x1.7e07497086507p-51, -0x1.f8191135f1feep-49,
         0x1.34fbacdf8b145p-47, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
         0x0.0p+0},
    };
    return piece<14>(c[i], t);
}
// mills: 14 pieces, degree 16, max rel fit err 1.37e-16
REPRO_HD split_value mills_double(int i, double t) {
    REPRO_MATH_TABLE constexpr double c[14][19] = {
        {0x1.4b1de1265fdfap-2, -0x1.b31066794951ap-56, -0x1.93234d0a8ef29p-3, 0x1.9a45b2262667ap-4,
         -0x1.6e920728d8397p-5, 0x1.27b80fe961f98p-6, -0x1.b6a736c3a7fd3p-8, 0x1.2ee7e9da72d25p-9,
         -0x1.8922c4fa37710p-11, 0x1.e2f4790c65aeep-13, -0x1.1b34fa7d6d326p-14, 0x1.3ca0a0254f929p-16, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.1e7c2d26d017dp-2, -0x1.51009c34e43e8p-56, -0x1.3baf57769aa07p-3, 0x1.28beedc5d8e33p-4,
         -0x1.ef9f7e801e559p-6, 0x1.78a81433a398fp-7, -0x1.08ab2af5c4b8cp-8, 0x1.5bd19741bb75cp-10,
         -0x1.af0bd212b55bap-12, 0x1.fb0d861ae5a8ap-14, -0x1.1d555aef59d04p-15, 0x1.32d1c87e63744p-17, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.d898de09c6f19p-3, 0x1.d6ac48da9b5e4p-57, -0x1.c49321dc9c382p-4, 0x1.7b79d1bfca9d0p-5,
         -0x1.1f33fe5ba78cdp-6, 0x1.8ff2a58d0401cp-8, -0x1.038d10febe7f6p-9, 0x1.3cf8a3e6b5803p-11,
         -0x1.6ed9fd74f6962p-13, 0x1.94a90d3cc7562p-15, -0x1.ab599bd361236p-17, 0x1.b1c145de51397p-19,
         -0x1.accba64f38daap-21, 0x1.955cd05f533e8p-23, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.7b5abd2fd03adp-3, 0x1.800e52e98304cp-58, -0x1.3253b6cdb4c64p-4, 0x1.bd45f4ef483dap-6,
         -0x1.2962f462b8809p-7, 0x1.721ebe317b357p-9, -0x1.b17803c2b4d69p-11, 0x1.e145f89902ed9p-13,
         -0x1.fd8337ea43bacp-15, 0x1.025a8083999b8p-16, -0x1.f7e3fc416667fp-19, 0x1.de217853ab218p-21,
         -0x1.b2d171fd48706p-23, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.21725231700b8p-3, 0x1.b027a77ad33e6p-57, -0x1.75ab63fbbab50p-5, 0x1.bf399da0dacccp-7,
         -0x1.f6275d265fab8p-9, 0x1.0ac206d1d46cep-10, -0x1.0dee210060c9bp-12, 0x1.057885acb7fe4p-14,
         -0x1.e6e83cbfa0f6bp-17, 0x1.b54017b9fb6d5p-19, -0x1.7bc7fc502e0dep-21, 0x1.3fb1ad1918b81p-23,
         -0x1.05925e2c91567p-25, 0x1.ad67bfc022ce0p-28, -0x1.4ce5d6897ce24p-30, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.b396f9cf1e260p-4, -0x1.1646b36c1f44dp-61, -0x1.b6038a80903c9p-6, 0x1.a29f04f4ff870p-8,
         -0x1.7e8220e10372ep-10, 0x1.4fb4a0c0788aap-12, -0x1.1c0d0d82032fep-14, 0x1.d0dbc4df17402p-17,
         -0x1.70cd4605ee87ep-19, 0x1.1c5065867a3c6p-21, -0x1.aac3adfb521c4p-24, 0x1.38431b50357cap-26,
         -0x1.be5dfe3d45b00p-29, 0x1.3f626f2929339p-31, -0x1.b4a0047549853p-34, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
        {0x1.3b0fbcb4c77bep-4, 0x1.31794a900891fp-58, -0x1.d614eb6941456p-7, 0x1.542a992feb0a3p-9,
         -0x1.dea729e3cfc64p-12, 0x1.4810f80c42a14p-14, -0x1.b6d94bb6121e9p-17, 0x1.1edb83ebb4201p-19,
         -0x1.6efaface2c1d6p-22, 0x1.cbf52e598234bp-25, -0x1.1ab0bda231d75p-27, 0x1.551dc73353861p-30,
         -0x1.9461fc47f00c1p-33, 0x1.d63e4365d915dp-36, -0x1.0dad1692c4e6fp-38, 0x1.47da55643c79ap-41,
         -0x1.6bec266aff292p-44, 0x0.0p+0, 0x0.0p+0},
        {0x1.c9e120e488937p-5, -0x1.25b6cb9d698b5p-59, -0x1.f7d59d52f902cp-8, 0x1.106373beeb10dp-10,
         -0x1.21a61d893c0fap-13, 0x1.2f219e6d65cfbp-16, -0x1.386f587a63cf2p-19, 0x1.3d57601f26bb4p-22,
         -0x1.3dd14b93e99dbp-25, 0x1.3a01e85876ca9p-28, -0x1.3236eb09f3b6dp-31, 0x1.26dd1fe9c1f66p-34,
         -0x1.183c0de129d46p-37, 0x1.077204e575cf9p-40, -0x1.0089936b25a0bp-43, 0x1.d71505edc1d0ap-47, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0},
        {0x1.43a38ae46ed46p-5, -0x1.93a50d2c0d7b4p-59, -0x1.fbf2cfdc6dcc5p-9, 0x1.8af23eaa8d286p-12,
         -0x1.305575efc7ba1p-15, 0x1.d0ed67da79fa7p-19, -0x1.601bb3ebb647dp-22, 0x1.0872f4cab100dp-25,
         -0x1.8a0023f2f812ep-29, 0x1.232debf5e3a9ap-32, -0x1.ab0a2f8a496e0p-36, 0x1.36c4677023117p-39,
         -0x1.c10622782dce0p-43, 0x1.41f7f75b9568fp-46, -0x1.c74a15c2c16c5p-50, 0x1.41ebe5c40fd1dp-53,
         -0x1.00fe6c500de4bp-56, 0x1.65da40798b1a6p-60, 0x0.0p+0},
        {0x1.d087ad6e0cbf6p-6, -0x1.ef06b4b4e2b80p-60, -0x1.06cdbe7c1ecddp-9, 0x1.27e80535b5cd9p-13,
         -0x1.4b934f0a935f6p-17, 0x1.71c8031d34554p-21, -0x1.9a75a9cd859a4p-25, 0x1.c5826c4088f1cp-29,
         -0x1.f2cabaa1e19a3p-33, 0x1.11108ba053b78p-36, -0x1.29a71a0cd09f2p-40, 0x1.430aa862c93e3p-44,
         -0x1.5d11d67db0b7ep-48, 0x1.76e008bfe760ep-52, -0x1.91a86fc57505bp-56, 0x1.cabffffcbedf3p-60,
         -0x1.e72ddab6cea43p-64, 0x0.0p+0, 0x0.0p+0},
        {0x1.4600a61e969bep-6, 0x1.dcd44ab33de4ap-63, -0x1.03839707222fap-10, 0x1.9c2955abe04fap-15,
         -0x1.4680fd23fe576p-19, 0x1.02064fb89a5b1p-23, -0x1.96d6fee63dcf8p-28, 0x1.3ffacd8e2b4dcp-32,
         -0x1.f623fb9d347f7p-37, 0x1.8914156639b0bp-41, -0x1.32fce186643bbp-45, 0x1.de647ce47f246p-50,
         -0x1.73e5b0890ad8ap-54, 0x1.2091532eb24dfp-58, -0x1.be9e6eba6dc10p-63, 0x1.54c4e73847950p-67,
         -0x1.068dbbf8f0eedp-71, 0x1.de2003e9142bbp-76, -0x1.6e752d55b1829p-80},
        {0x1.d2488076fa77fp-7, -0x1.325a545fda847p-61, -0x1.09c5aa5078360p-11, 0x1.2e966a2819675p-16,
         -0x1.5811e72d4fec3p-21, 0x1.86bfe07374ea0p-26, -0x1.bb356d050d427p-31, 0x1.f6160a10639e3p-36,
         -0x1.1c0a5b5536f7ep-40, 0x1.40fa88bf18328p-45, -0x1.6a465f358859cp-50, 0x1.9865e3a25cd80p-55,
         -0x1.cbd0b8bc878a6p-60, 0x1.01ef419976e14p-64, -0x1.21b5289a20444p-69, 0x1.5ec3b0ed6b4afp-74,
         -0x1.88f30a7fdeae9p-79, 0x0.0p+0, 0x0.0p+0},
        {0x1.469c1154bd34ep-7, 0x1.754f47acf6f1ap-61, -0x1.04f64d5b8ba61p-12, 0x1.a0c2893a95167p-18,
         -0x1.4c943d26964ebp-23, 0x1.093cca5a6b33dp-28, -0x1.a6cd227ded7f4p-34, 0x1.50c662d28745dp-39,
         -0x1.0c1645269f6e5p-44, 0x1.aa8dfba1c0680p-50, -0x1.5322d14a7cde5p-55, 0x1.0d784ac2f5937p-60,
         -0x1.ac226a1356ebep-66, 0x1.53c5280804a10p-71, -0x1.0a53cb2701c66p-76, 0x1.a6377e138e991p-82,
         -0x1.8c8bdebc6e150p-87, 0x1.39e086ac86b18p-92, 0x0.0p+0},
        {0x1.d2ba4baf34fe1p-8, -0x1.ec28b3ce616eep-62, -0x1.0a881fa8360c7p-13, 0x1.30512359a19aep-19,
         -0x1.5b59342e18ddep-25, 0x1.8c56c52ab9795p-31, -0x1.c418824d958e6p-37, 0x1.01c43a011d6a8p-42,
         -0x1.25d7c0244d8e2p-48, 0x1.4edcc23802828p-54, -0x1.7d7fab60b454fp-60, 0x1.b27af3994af56p-66,
         -0x1.ed9e59f2f3c68p-72, 0x1.18e8bfe2c82ebp-77, -0x1.57f200a11be28p-83, 0x1.87336f6b386bep-89, 0x0.0p+0,
         0x0.0p+0, 0x0.0p+0},
    };
    return piece<19>(c[i], t);
}

}  // namespace erf_impl
}  // namespace detail
}  // namespace math
REPRO_NAMESPACE_END

#include "../epilogue.hpp"
