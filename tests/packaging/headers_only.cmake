# The headers-only install on a machine without any of repro's optional or
# test dependencies, simulated by hiding each from find_package:
#   1. configure with -DBUILD_TESTING=OFF (as a user would): no warning that
#      the variable is unused, nothing but the headers and their install;
#   2. install, and build and run a consumer against the result;
#   3. configure with the tests on: one error naming every missing package.
# Arguments: SOURCE (repro), WORK (scratch folder), CONSUMER (source folder),
# GENERATOR.
set(hidden Eigen3 doctest Boost PkgConfig CUDAToolkit MPI benchmark OpenMP ZLIB Python3 GTest Catch2)
set(hide "")
foreach(p ${hidden})
  list(APPEND hide "-DCMAKE_DISABLE_FIND_PACKAGE_${p}=ON")
endforeach()
file(REMOVE_RECURSE "${WORK}")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}${err}" PARENT_SCOPE)
  message(STATUS "${what}: exit ${rc}")
endfunction()

run("configure, BUILD_TESTING=OFF" "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${WORK}/build" -G "${GENERATOR}"
    -DBUILD_TESTING=OFF ${hide})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "headers-only configure failed:\n${out}")
endif()
if(out MATCHES "not used by the project" AND out MATCHES "\n +BUILD_TESTING\n")
  message(FATAL_ERROR "BUILD_TESTING was reported unused:\n${out}")
endif()
run("install" "${CMAKE_COMMAND}" --install "${WORK}/build" --prefix "${WORK}/prefix")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "headers-only install failed:\n${out}")
endif()
# the consumer: find_package(repro) then a program; its pkg-config half needs PkgConfig, which stays visible
run("consumer" "${CMAKE_CTEST_COMMAND}" --build-and-test "${CONSUMER}" "${WORK}/consumer"
    --build-generator "${GENERATOR}" --build-options "-DCMAKE_PREFIX_PATH=${WORK}/prefix"
    "-DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON" --test-command repro_consumer)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer of the headers-only install failed:\n${out}")
endif()

run("configure, tests on" "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${WORK}/build-tests" -G "${GENERATOR}"
    -DREPRO_BUILD_TESTS=ON ${hide})
string(REGEX REPLACE "[ \n]+" " " flat "${out}")  # CMake wraps the message's lines
string(REGEX MATCH "need packages that are not installed: [a-z0-9 -]*" missing "${flat}")
message(STATUS "${missing}")
if(rc EQUAL 0 OR NOT missing MATCHES "doctest-dev libboost-dev libeigen3-dev pkg-config libmpfr-dev")
  message(FATAL_ERROR "configuring the tests without their packages should name them all at once:\n${out}")
endif()
if(NOT flat MATCHES "-DBUILD_TESTING=OFF")
  message(FATAL_ERROR "the message does not say how to skip the tests:\n${out}")
endif()
message(STATUS "headers-only install: ok")
