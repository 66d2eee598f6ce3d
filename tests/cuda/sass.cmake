# SASS-level checks of repro's device code, without a GPU (check_sass.py):
# every function in namespace repro must compile to the same SASS with
# --fmad=true and --fmad=false, and contain no floating-point atomic.
#
#   repro_add_sass_check(NAME SOURCE [extra nvcc arguments...])
#
# adds the ctest test NAME (label cuda_sass) that builds SOURCE for each
# architecture in CMAKE_CUDA_ARCHITECTURES with CMAKE_CUDA_COMPILER,
# -I<repro>/include -std=c++17 and the extra arguments. It needs cuobjdump
# and nvdisasm, which CUDA 13's nvcc packages lack:
#   python3 -m pip install nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm
# (Debian's own pip wants --break-system-packages). The script finds them in
# site-packages (nvidia/cu13/bin), beside nvcc or on PATH; REPRO_CUOBJDUMP
# names one. Without them the test reports itself skipped (exit 77).
#
# Included from tests/cuda/CMakeLists.txt, where the CUDA language is enabled.
include_guard()

find_package(Python3 COMPONENTS Interpreter)
set(REPRO_CUOBJDUMP "" CACHE FILEPATH
    "cuobjdump for the cuda_sass tests (empty: check_sass.py searches site-packages, nvcc's folder and PATH)")
# sm_90 by default: each architecture costs about 210 s of two nvcc builds
# on 2 cores, the largest test of the suite. The code sm_75 compiles is a
# subset of sm_90's (the tensor-core kernel's body needs sm_80), and every
# floating-point operation in it is an explicit _rn intrinsic on every
# architecture; "75;90" checks the oldest target as well.
set(REPRO_SASS_ARCHITECTURES "90" CACHE STRING
    "Architectures the SASS checks build (empty: CMAKE_CUDA_ARCHITECTURES)")
set(_repro_check_sass "${CMAKE_CURRENT_LIST_DIR}/check_sass.py" CACHE INTERNAL "tests/cuda/check_sass.py")

function(repro_add_sass_check NAME SOURCE)
  if(NOT Python3_Interpreter_FOUND)
    message(STATUS "repro: no Python 3 interpreter; SASS check ${NAME} not added")
    return()
  endif()
  if(NOT CMAKE_CUDA_COMPILER)
    message(STATUS "repro: no CUDA compiler; SASS check ${NAME} not added")
    return()
  endif()

  # 75;80-real;90-virtual -> --arch sm_75 --arch sm_80 --arch sm_90
  set(arch_args "")
  set(seen "")
  set(archs ${CMAKE_CUDA_ARCHITECTURES})
  if(REPRO_SASS_ARCHITECTURES)
    set(archs ${REPRO_SASS_ARCHITECTURES})
  endif()
  foreach(arch IN LISTS archs)
    string(REGEX REPLACE "-(real|virtual)$" "" arch "${arch}")
    string(REGEX REPLACE "^(sm_|compute_)" "" arch "${arch}")
    if(NOT arch MATCHES "^[0-9]+[a-z]?$")
      # all, all-major, native, OFF: nothing to name; check_sass.py's defaults stand
      message(STATUS "repro: SASS check ${NAME} ignores CUDA architecture '${arch}'")
    elseif(NOT "sm_${arch}" IN_LIST seen)
      list(APPEND seen "sm_${arch}")
      list(APPEND arch_args --arch "sm_${arch}")
    endif()
  endforeach()

  get_filename_component(source "${SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(tool_args "")
  if(REPRO_CUOBJDUMP)
    list(APPEND tool_args --cuobjdump "${REPRO_CUOBJDUMP}")
  endif()
  set(host_args "")
  if(CMAKE_CUDA_HOST_COMPILER)
    list(APPEND host_args "-ccbin=${CMAKE_CUDA_HOST_COMPILER}")
  endif()

  add_test(NAME ${NAME}
           COMMAND "${Python3_EXECUTABLE}" "${_repro_check_sass}"
                   --nvcc "${CMAKE_CUDA_COMPILER}" ${tool_args} ${arch_args} --source "${source}"
                   -- "-I${PROJECT_SOURCE_DIR}/include" -std=c++17 ${host_args} ${ARGN})
  set_tests_properties(${NAME} PROPERTIES SKIP_RETURN_CODE 77 LABELS cuda_sass)
endfunction()
