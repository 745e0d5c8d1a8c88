# Install rules and the CMake package: `cmake --install` puts the static module libraries,
# the umbrella target, the CLI, the public headers (include/pcmsim only: src/ stays private)
# and pcmsimConfig.cmake + pcmsimConfigVersion.cmake + pcmsimTargets.cmake, so that another
# project writes
#   find_package(pcmsim 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE pcmsim::pcmsim)   # or pcmsim::crossbar, pcmsim::core, ...
# The config file finds pcmsim's own dependencies (find_dependency) with the options this
# build used. tests: package_test (cmake/package_test.sh) installs into a temporary prefix and
# builds and runs cmake/package_test/ against it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PCMSIM_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pcmsim CACHE STRING
    "Install directory of pcmsimConfig.cmake, relative to the prefix")
# Exported names: pcmsim::<module> (pcmsim_core -> pcmsim::core, as the build-tree aliases).
foreach(_t ${PCMSIM_MODULES})
  string(REGEX REPLACE "^pcmsim_" "" _name ${_t})
  set_target_properties(${_t} PROPERTIES EXPORT_NAME ${_name})
endforeach()
set_target_properties(pcmsim_settings PROPERTIES EXPORT_NAME settings)
set_target_properties(pcmsim_cli PROPERTIES EXPORT_NAME cli)
install(TARGETS pcmsim pcmsim_settings ${PCMSIM_MODULES} pcmsim_cli EXPORT pcmsimTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/pcmsim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pcmsimTargets NAMESPACE pcmsim:: DESTINATION ${PCMSIM_CMAKE_INSTALL_DIR})

# Eigen's alignment and vector width are part of the ABI of every function that takes a
# Matrix: users of a -march=native build must compile the same way (PCMSIM_NATIVE=OFF makes a
# portable package).
if(PCMSIM_NATIVE)
  target_compile_options(pcmsim_settings INTERFACE $<INSTALL_INTERFACE:-march=native>)
endif()

# What the config file must find again (the same packages the targets link).
set(PCMSIM_PACKAGE_OPENMP ${PCMSIM_OPENMP})
set(PCMSIM_PACKAGE_TOMLPLUSPLUS OFF)
if(TARGET tomlplusplus::tomlplusplus)
  set(PCMSIM_PACKAGE_TOMLPLUSPLUS ON)
endif()
configure_package_config_file(cmake/pcmsimConfig.cmake.in ${PROJECT_BINARY_DIR}/package/pcmsimConfig.cmake
  INSTALL_DESTINATION ${PCMSIM_CMAKE_INSTALL_DIR})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/pcmsimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/pcmsimConfig.cmake ${PROJECT_BINARY_DIR}/package/pcmsimConfigVersion.cmake
  DESTINATION ${PCMSIM_CMAKE_INSTALL_DIR})

# Not in sanitizer / fuzz builds: their static libraries need the instrumented runtime, which
# an outside project does not link.
if(PCMSIM_BUILD_TESTS AND NOT PCMSIM_SANITIZERS AND NOT PCMSIM_TSAN AND NOT PCMSIM_FUZZ)
  add_test(NAME package_test COMMAND bash ${PROJECT_SOURCE_DIR}/cmake/package_test.sh ${PROJECT_BINARY_DIR}
    ${PROJECT_SOURCE_DIR}/cmake/package_test ${PROJECT_BINARY_DIR}/package_test ${PCMSIM_PYTHON}
    "${Python_EXECUTABLE}" "${PCMSIM_PYTHON_INSTALL_DIR}")
  set_tests_properties(package_test PROPERTIES LABELS "package" TIMEOUT 300)
endif()
