# Installs the build tree to PREFIX after removing PREFIX and the consumer builds.
file(REMOVE_RECURSE "${PREFIX}" "${CONSUMERS}/find_package" "${CONSUMERS}/find_package_without_cuda"
     "${CONSUMERS}/find_package_cuda" "${CONSUMERS}/find_package_mpi")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD}" --prefix "${PREFIX}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
