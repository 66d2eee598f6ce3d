#pragma once
// repro/detail/math/math.hpp - the cores behind repro/math.hpp:
//   exp_log.hpp               exp, expm1, log, log1p, log2, tanh, sigmoid, silu
//   erf.hpp                   erf, gelu, gelu_tanh
//   trig.hpp                  sin2pi, cos2pi, sincos2pi
//   rsqrt.hpp                 1 / sqrt
//   float_kernels-inl.hpp     the float functions in double, on one value or four
//   arrays.hpp                the array forms' loops

#include "arrays.hpp"
#include "erf.hpp"
#include "exp_log.hpp"
#include "rsqrt.hpp"
#include "trig.hpp"
