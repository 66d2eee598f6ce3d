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

configure_file(cmake/repro.pc.in "${PROJECT_BINARY_DIR}/repro.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/repro.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")

install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/repro")
