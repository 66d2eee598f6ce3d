# Fails unless the only REPRO_* macros left after including repro's headers
# are the public ones: the version, the doctest, GoogleTest and Catch2
# assertions and the internal helpers those assertions expand to
# (REPRO_DETAIL_*).
execute_process(COMMAND ${COMPILER} -std=c++17 -dM -E ${FLAGS} ${SOURCE}
                OUTPUT_VARIABLE defines RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "preprocessing ${SOURCE} failed (${rc})")
endif()
string(REGEX MATCHALL "#define REPRO_[A-Z0-9_]+" macros "${defines}")
set(leaked "")
foreach(m IN LISTS macros)
  string(REPLACE "#define " "" m "${m}")
  if(NOT m MATCHES "^REPRO_(VERSION(_MAJOR|_MINOR|_PATCH)?|(CHECK|REQUIRE|EXPECT|ASSERT)_(BITWISE_EQ|ULP|CLOSE|BATCH_INVARIANT)|DETAIL_(ASSERT|GTEST_ASSERT)(_INVARIANT)?|DETAIL_CATCH2_INVARIANT)$")
    list(APPEND leaked "${m}")
  endif()
endforeach()
list(LENGTH macros count)
if(leaked)
  message(FATAL_ERROR "internal macros escape repro's headers: ${leaked}")
endif()
message("${count} REPRO_ macros defined, all public")
