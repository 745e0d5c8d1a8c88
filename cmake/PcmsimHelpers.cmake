# Build helpers shared by the library, the CLI, the tests and the benchmarks.

# Warnings, native tuning and sanitizers, applied per target.
function(pcmsim_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion
    # GCC 12 reports false positives inside its own AVX-512 intrinsics when Eigen inlines them.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  if(PCMSIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(PCMSIM_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(PCMSIM_SANITIZERS)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(PCMSIM_FUZZ)
    # Coverage instrumentation for libFuzzer everywhere; only the harnesses link its main().
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined -g)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(PCMSIM_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer -g)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
endfunction()

# pcmsim_add_test(NAME source.cpp [LABELS l1 l2]): one GoogleTest binary registered with CTest.
function(pcmsim_add_test name)
  cmake_parse_arguments(ARG "" "" "LABELS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE pcmsim::pcmsim GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  # Assertions stay on in tests whatever the build type.
  target_compile_options(${name} PRIVATE -UNDEBUG)
  pcmsim_set_warnings(${name})
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "PCMSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
  # Labels are set by a script CTest includes after the discovered tests: given through
  # gtest_discover_tests' PROPERTIES, a list is split into separate arguments, so a second
  # label became a property name and `ctest -L` never saw it (no escaping survives CMake 3.25).
  if(ARG_LABELS)
    set(script ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(WRITE ${script} "if(DEFINED ${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
  endif()
endfunction()

# Git commit and dirty flag for provenance (empty when not a checkout).
function(pcmsim_git_describe out_commit out_dirty)
  set(commit "unknown")
  set(dirty "unknown")
  find_package(Git QUIET)
  if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      set(commit "unknown")
    endif()
    execute_process(COMMAND ${GIT_EXECUTABLE} status --porcelain --untracked-files=no
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE st ERROR_QUIET)
    if(st STREQUAL "")
      set(dirty "false")
    else()
      set(dirty "true")
    endif()
  endif()
  set(${out_commit} ${commit} PARENT_SCOPE)
  set(${out_dirty} ${dirty} PARENT_SCOPE)
endfunction()
