#pragma once
// repro/cuda.cuh - the CUDA variants: repro's functions on device data with
// the CPU functions' bits (docs/reference/cuda.md). Include from .cu files
// compiled by nvcc.

#include "cuda/attention.cuh"
#include "cuda/conv.cuh"
#include "cuda/error.cuh"
#include "cuda/half.cuh"
#include "cuda/invariance.cuh"
#include "cuda/linalg.cuh"
#include "cuda/memory.cuh"
#include "cuda/nn.cuh"
#include "cuda/random.cuh"
#include "cuda/reduce.cuh"
