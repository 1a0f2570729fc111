# Declarative helpers in the spirit of absl_cc_library / absl_cc_test.
#
# bridgework_cc_library(NAME n SRCS ... HDRS ... DEPS ...)
#   Defines library bridgework_n, aliased bridgework::n.
# bridgework_cc_test(NAME n SRCS ... DEPS ... [LABELS ...])
#   Defines a GoogleTest executable n registered with ctest.
# bridgework_cc_binary(NAME n SRCS ... DEPS ...)
#   Defines an executable n in build/bin.

function(bridgework_cc_library)
  cmake_parse_arguments(BW "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  set(target bridgework_${BW_NAME})
  if(BW_SRCS)
    add_library(${target} STATIC ${BW_SRCS} ${BW_HDRS})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} PUBLIC ${BW_DEPS})
  else()
    add_library(${target} INTERFACE ${BW_HDRS})
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE ${BW_DEPS})
  endif()
  add_library(bridgework::${BW_NAME} ALIAS ${target})
endfunction()

# A GoogleTest executable registered with CTest. SPLIT names parameter
# suffixes (for example the CRMs of a TEST_P): each becomes a CTest test of
# its own, `<NAME>_<suffix>` running `--gtest_filter=*/<suffix>`, so a long
# parameterized test runs in parallel with itself.
function(bridgework_cc_test)
  cmake_parse_arguments(BW "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS;SPLIT" ${ARGN})
  if(NOT BRIDGEWORK_BUILD_TESTS)
    return()
  endif()
  add_executable(${BW_NAME} ${BW_SRCS})
  set_target_properties(${BW_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin/tests)
  # In the sanitizer build a test's own sources compile at -O0: a third to
  # a half of the time they take at the preset's -O1 with instrumentation
  # (trace_test 29 -> 9 s, map_test 15 -> 6 s). The code under test
  # (libraries, services) keeps -O1.
  if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=")
    target_compile_options(${BW_NAME} PRIVATE -O0)
  endif()
  target_include_directories(${BW_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${BW_NAME} PRIVATE ${BW_DEPS} GTest::gmock GTest::gtest_main)
  if(NOT BW_TIMEOUT)
    set(BW_TIMEOUT 300)
  endif()
  set(tests)
  if(BW_SPLIT)
    foreach(suffix IN LISTS BW_SPLIT)
      add_test(NAME ${BW_NAME}_${suffix}
        COMMAND ${BW_NAME} --gtest_filter=*/${suffix})
      list(APPEND tests ${BW_NAME}_${suffix})
    endforeach()
  else()
    add_test(NAME ${BW_NAME} COMMAND ${BW_NAME})
    set(tests ${BW_NAME})
  endif()
  foreach(t IN LISTS tests)
    set_property(TEST ${t} PROPERTY ENVIRONMENT
      "BRIDGEWORK_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
      "BRIDGEWORK_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
    set_property(TEST ${t} PROPERTY TIMEOUT ${BW_TIMEOUT})
    if(BW_LABELS)
      set_property(TEST ${t} PROPERTY LABELS ${BW_LABELS})
    endif()
  endforeach()
endfunction()

function(bridgework_cc_binary)
  cmake_parse_arguments(BW "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${BW_NAME} ${BW_SRCS})
  target_include_directories(${BW_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${BW_NAME} PRIVATE ${BW_DEPS})
endfunction()

# A service binary: bridgework_cc_binary, allocating with jemalloc when the
# build has it (BRIDGEWORK_JEMALLOC; its malloc and free replace glibc's in
# the whole process, libraries included), with the services' jemalloc
# options.
function(bridgework_service_binary)
  bridgework_cc_binary(${ARGN})
  cmake_parse_arguments(BW "" "NAME" "SRCS;DEPS" ${ARGN})
  if(TARGET PkgConfig::JEMALLOC)
    target_link_libraries(${BW_NAME} PRIVATE PkgConfig::JEMALLOC)
    # Its options (libs/common/jemalloc_conf.cc), in the binary itself.
    target_sources(${BW_NAME} PRIVATE
      ${PROJECT_SOURCE_DIR}/libs/common/jemalloc_conf.cc)
  endif()
endfunction()
