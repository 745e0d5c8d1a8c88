# One static library per module, linking only the modules it may use, so that the build
# itself enforces "dependencies point down". Every module's public headers are reachable
# only through its own target: the build tree holds one include root per module,
# modinc/<module>/pcmsim/<module> -> include/pcmsim/<module>, so an #include of a module
# that the target does not link fails to compile (tests/build/module_boundaries.cmake
# checks that this is so).
add_library(pcmsim_settings INTERFACE)
target_include_directories(pcmsim_settings INTERFACE
  $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated>
  $<INSTALL_INTERFACE:include>)
target_link_libraries(pcmsim_settings INTERFACE Eigen3::Eigen Boost::boost)
# Eigen must never thread on its own: all parallelism goes through core::ParallelFor with
# chunking fixed by problem shape, so results are bit-identical for any thread count.
target_compile_definitions(pcmsim_settings INTERFACE EIGEN_DONT_PARALLELIZE)
if(PCMSIM_OPENMP)
  target_link_libraries(pcmsim_settings INTERFACE OpenMP::OpenMP_CXX)
  target_compile_definitions(pcmsim_settings INTERFACE PCMSIM_HAVE_OPENMP=1)
endif()

set(PCMSIM_MODULES "")
# pcmsim_module(NAME [DEPENDS module ...] [PRIVATE_DEPENDS module ...] [LIBS target ...]):
# target pcmsim_NAME (alias pcmsim::NAME) built from src/NAME/CMakeLists.txt. DEPENDS are
# visible to the module's users too; PRIVATE_DEPENDS only to the module's own sources (and
# to users that link them themselves).
function(pcmsim_module name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;PRIVATE_DEPENDS;LIBS" ${ARGN})
  add_library(pcmsim_${name} STATIC)
  add_library(pcmsim::${name} ALIAS pcmsim_${name})
  set(root ${PROJECT_BINARY_DIR}/modinc/${name})
  file(MAKE_DIRECTORY ${root}/pcmsim)
  if(NOT EXISTS ${root}/pcmsim/${name})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/pcmsim/${name} ${root}/pcmsim/${name} SYMBOLIC)
  endif()
  target_include_directories(pcmsim_${name} PUBLIC $<BUILD_INTERFACE:${root}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src/${name})
  list(TRANSFORM ARG_DEPENDS PREPEND pcmsim_ OUTPUT_VARIABLE deps)
  list(TRANSFORM ARG_PRIVATE_DEPENDS PREPEND pcmsim_ OUTPUT_VARIABLE private_deps)
  target_link_libraries(pcmsim_${name} PUBLIC pcmsim_settings ${deps} ${ARG_LIBS} PRIVATE ${private_deps})
  pcmsim_set_warnings(pcmsim_${name})
  add_subdirectory(${PROJECT_SOURCE_DIR}/src/${name} ${PROJECT_BINARY_DIR}/src/${name})
  set(PCMSIM_MODULES ${PCMSIM_MODULES} pcmsim_${name} PARENT_SCOPE)
endfunction()
