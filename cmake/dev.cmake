# Settings shared by repro's own tests, benchmarks and examples (not by
# consumers of the library).

# repro_dev: warnings, sanitizers and the CI's -Werror for repro's own code.
add_library(repro_dev INTERFACE)
target_link_libraries(repro_dev INTERFACE repro::repro)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(repro_dev INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
  if(REPRO_WERROR)
    target_compile_options(repro_dev INTERFACE -Werror)
  endif()
  if(REPRO_SANITIZE)
    target_compile_options(repro_dev INTERFACE -fsanitize=${REPRO_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(repro_dev INTERFACE -fsanitize=${REPRO_SANITIZE})
  endif()
endif()

find_package(Eigen3 3.4 CONFIG QUIET)
if(TARGET Eigen3::Eigen)
  # Eigen's own warnings are not ours to fix.
  get_target_property(_eigen_inc Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
  set_target_properties(Eigen3::Eigen PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_eigen_inc}")
endif()
