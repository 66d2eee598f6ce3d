# Install rules: headers, the exported repro::repro target (and repro::cuda
# when the CUDA toolkit was found, repro::mpi when MPI was), a version file
# that ignores the architecture (header-only), and a pkg-config file.
include(CMakePackageConfigHelpers)

set(REPRO_CMAKE_DIR "${CMAKE_INSTALL_DATADIR}/cmake/repro" CACHE STRING "Where reproConfig.cmake is installed")

install(DIRECTORY include/repro DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS repro EXPORT reproTargets)
install(EXPORT reproTargets NAMESPACE repro:: DESTINATION "${REPRO_CMAKE_DIR}")

# repro::cuda, when the CUDA toolkit was found, in an export set of its own:
# reproCudaTargets.cmake names CUDA::cudart, so reproConfig.cmake includes it
# only after finding CUDAToolkit, and CPU-only consumers never need it. The
# .cuh headers are installed with the include/repro directory above.
if(TARGET repro_cuda)
  set(REPRO_CUDA_EXPORTED TRUE)
  install(TARGETS repro_cuda EXPORT reproCudaTargets)
  install(EXPORT reproCudaTargets NAMESPACE repro:: DESTINATION "${REPRO_CMAKE_DIR}")
else()
  set(REPRO_CUDA_EXPORTED FALSE)
endif()

# repro::mpi likewise, in reproMpiTargets.cmake (it names MPI::MPI_CXX).
if(TARGET repro_mpi)
  set(REPRO_MPI_EXPORTED TRUE)
  install(TARGETS repro_mpi EXPORT reproMpiTargets)
  install(EXPORT reproMpiTargets NAMESPACE repro:: DESTINATION "${REPRO_CMAKE_DIR}")
else()
  set(REPRO_MPI_EXPORTED FALSE)
endif()

configure_package_config_file(cmake/reproConfig.cmake.in
  "${PROJECT_BINARY_DIR}/reproConfig.cmake"
  INSTALL_DESTINATION "${REPRO_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/reproConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion
  ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/reproConfig.cmake" "${PROJECT_BINARY_DIR}/reproConfigVersion.cmake"
  DESTINATION "${REPRO_CMAKE_DIR}")

# repro.pc is written when it is installed, for the prefix actually used
# (`cmake --install --prefix` included), with normalised absolute paths; the
# include and data folders may be relative (to the prefix) or absolute. A
# copied tree: `pkg-config --define-prefix`. -pthread (std::thread) is in
# Libs only, so `--cflags --libs` prints it once.
install(CODE "
  set(REPRO_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(REPRO_PC_INCLUDEDIR [[${CMAKE_INSTALL_INCLUDEDIR}]])
  set(_repro_pcdir [[${CMAKE_INSTALL_DATADIR}/pkgconfig]])
  foreach(_var REPRO_PC_INCLUDEDIR _repro_pcdir)
    if(NOT IS_ABSOLUTE \"\${\${_var}}\")
      set(\${_var} \"\${CMAKE_INSTALL_PREFIX}/\${\${_var}}\")
    endif()
    cmake_path(NORMAL_PATH \${_var})
  endforeach()
  cmake_path(NORMAL_PATH REPRO_PC_PREFIX)
  string(REGEX REPLACE \"(.)/$\" \"\\\\1\" REPRO_PC_PREFIX \"\${REPRO_PC_PREFIX}\")
  string(REGEX REPLACE \"(.)/$\" \"\\\\1\" REPRO_PC_INCLUDEDIR \"\${REPRO_PC_INCLUDEDIR}\")
  string(FIND \"\${REPRO_PC_INCLUDEDIR}\" \"\${REPRO_PC_PREFIX}/\" _at)
  if(_at EQUAL 0)  # inside the prefix: relative to it, so that --define-prefix moves it too
    string(LENGTH \"\${REPRO_PC_PREFIX}\" _length)
    string(SUBSTRING \"\${REPRO_PC_INCLUDEDIR}\" \${_length} -1 _rest)
    set(REPRO_PC_INCLUDEDIR \"\\\${prefix}\${_rest}\")
  endif()
  set(PROJECT_DESCRIPTION [[${PROJECT_DESCRIPTION}]])
  set(PROJECT_VERSION [[${PROJECT_VERSION}]])
  configure_file([[${PROJECT_SOURCE_DIR}/cmake/repro.pc.in]] [[${PROJECT_BINARY_DIR}/install/repro.pc]] @ONLY)
  file(INSTALL DESTINATION \"\${_repro_pcdir}\" TYPE FILE FILES [[${PROJECT_BINARY_DIR}/install/repro.pc]])
")

install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/repro")
