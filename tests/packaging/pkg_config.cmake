# repro.pc for relative and absolute install folders: normalised paths, one
# -pthread, and a copied tree found again with `pkg-config --define-prefix`.
# Arguments: SOURCE (repro), WORK (scratch folder), GENERATOR.
file(REMOVE_RECURSE "${WORK}")
find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)

function(install_repro name)
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${WORK}/${name}-build" -G "${GENERATOR}"
                          -DBUILD_TESTING=OFF ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configure ${name} failed:\n${err}")
  endif()
  # a trailing slash on the prefix must not show in the paths
  execute_process(COMMAND "${CMAKE_COMMAND}" --install "${WORK}/${name}-build" --prefix "${WORK}/${name}/"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install ${name} failed:\n${err}")
  endif()
endfunction()

function(expect_flags pc_dir expected)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${pc_dir}" "${PKG_CONFIG}" ${ARGN} --cflags --libs repro
                  OUTPUT_VARIABLE flags RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0 OR NOT flags STREQUAL expected)
    message(FATAL_ERROR "pkg-config ${ARGN} --cflags --libs repro in ${pc_dir}:\n  got      '${flags}' ${err}\n"
                        "  expected '${expected}'")
  endif()
  message(STATUS "${pc_dir}: ${flags}")
endfunction()

# the defaults: include/ and share/pkgconfig under the prefix
install_repro(relative)
expect_flags("${WORK}/relative/share/pkgconfig" "-I${WORK}/relative/include -pthread")
# the tree copied elsewhere: --define-prefix takes the prefix from the .pc file's place
file(COPY "${WORK}/relative/" DESTINATION "${WORK}/moved")
expect_flags("${WORK}/moved/share/pkgconfig" "-I${WORK}/moved/include -pthread" --define-prefix)

# an absolute include folder and a deeper, relative data folder (the include
# folder outside the source tree, which CMake refuses as an install path; the
# build tree may be inside it)
if(DEFINED ENV{TMPDIR})
  set(tmp "$ENV{TMPDIR}")
else()
  set(tmp /tmp)
endif()
string(RANDOM LENGTH 8 suffix)
set(include_dir "${tmp}/repro-pkg-config-${suffix}/include")
install_repro(absolute "-DCMAKE_INSTALL_INCLUDEDIR=${include_dir}" "-DCMAKE_INSTALL_DATADIR=lib/x/share")
if(NOT EXISTS "${include_dir}/repro/repro.hpp")
  message(FATAL_ERROR "the headers are not in the absolute include folder")
endif()
expect_flags("${WORK}/absolute/lib/x/share/pkgconfig" "-I${include_dir} -pthread")
file(REMOVE_RECURSE "${tmp}/repro-pkg-config-${suffix}")
message(STATUS "repro.pc: ok")
