// repro/cuda/detail/prologue.cuh - the internal macros of the CUDA headers,
// on top of detail/prologue.hpp's; closed by detail/epilogue.cuh. (No
// include guard: once per header.)

#include "../../detail/prologue.hpp"

#define REPRO_CUDA_CAT_(a, b) a##b
#define REPRO_CUDA_CAT(a, b) REPRO_CUDA_CAT_(a, b)

// Kernels live in an inline namespace named after the architectures the
// translation unit is compiled for (nvcc's __CUDA_ARCH_LIST__, e.g. 750,800,900
// gives sm_750_800_900): two translation units built with different -arch
// lists instantiate differently named kernels, so the linker cannot pair one
// unit's launch with the other unit's device code.
#define REPRO_CUDA_ARCH_1(a) sm_##a
#define REPRO_CUDA_ARCH_2(a, b) sm_##a##_##b
#define REPRO_CUDA_ARCH_3(a, b, c) sm_##a##_##b##_##c
#define REPRO_CUDA_ARCH_4(a, b, c, d) sm_##a##_##b##_##c##_##d
#define REPRO_CUDA_ARCH_5(a, b, c, d, e) sm_##a##_##b##_##c##_##d##_##e
#define REPRO_CUDA_ARCH_6(a, b, c, d, e, f) sm_##a##_##b##_##c##_##d##_##e##_##f
#define REPRO_CUDA_ARCH_7(a, b, c, d, e, f, g) sm_##a##_##b##_##c##_##d##_##e##_##f##_##g
#define REPRO_CUDA_ARCH_8(a, b, c, d, e, f, g, h) sm_##a##_##b##_##c##_##d##_##e##_##f##_##g##_##h
#define REPRO_CUDA_ARCH_PICK(_1, _2, _3, _4, _5, _6, _7, _8, name, ...) name
#define REPRO_CUDA_ARCH_NAME_(...)                                                                             \
    REPRO_CUDA_ARCH_PICK(__VA_ARGS__, REPRO_CUDA_ARCH_8, REPRO_CUDA_ARCH_7, REPRO_CUDA_ARCH_6, REPRO_CUDA_ARCH_5, \
                         REPRO_CUDA_ARCH_4, REPRO_CUDA_ARCH_3, REPRO_CUDA_ARCH_2, REPRO_CUDA_ARCH_1)          \
    (__VA_ARGS__)
#define REPRO_CUDA_ARCH_NAME(list) REPRO_CUDA_ARCH_NAME_(list)
#if defined(__CUDA_ARCH_LIST__)
#define REPRO_CUDA_KERNELS_BEGIN inline namespace REPRO_CUDA_ARCH_NAME(__CUDA_ARCH_LIST__) {
#else
#define REPRO_CUDA_KERNELS_BEGIN inline namespace sm_unknown {
#endif
#define REPRO_CUDA_KERNELS_END }
