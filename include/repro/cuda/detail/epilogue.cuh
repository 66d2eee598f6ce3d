// repro/cuda/detail/epilogue.cuh - closes detail/prologue.cuh. (No include guard.)

#undef REPRO_CUDA_CAT_
#undef REPRO_CUDA_CAT
#undef REPRO_CUDA_ARCH_1
#undef REPRO_CUDA_ARCH_2
#undef REPRO_CUDA_ARCH_3
#undef REPRO_CUDA_ARCH_4
#undef REPRO_CUDA_ARCH_5
#undef REPRO_CUDA_ARCH_6
#undef REPRO_CUDA_ARCH_7
#undef REPRO_CUDA_ARCH_8
#undef REPRO_CUDA_ARCH_PICK
#undef REPRO_CUDA_ARCH_NAME_
#undef REPRO_CUDA_ARCH_NAME
#undef REPRO_CUDA_KERNELS_BEGIN
#undef REPRO_CUDA_KERNELS_END

#include "../../detail/epilogue.hpp"
