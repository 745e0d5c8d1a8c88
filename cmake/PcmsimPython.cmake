# Finds what the Python module (python/) needs and defines PCMSIM_PYTHON: ON by default when
# pybind11 and the Python headers and numpy are found. Not with the sanitizer or fuzzing
# builds (an ASan-instrumented extension cannot be imported by an uninstrumented python).
# The interpreter defaults to /usr/bin/python3 (Debian's, with python3-numpy), not whatever
# python3 comes first on PATH; pass -DPython_EXECUTABLE=... to choose another.
set(_pcmsim_python_default OFF)
if(NOT PCMSIM_SANITIZERS AND NOT PCMSIM_FUZZ AND NOT PCMSIM_TSAN)
  if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter the pcmsim module is built for")
  endif()
  find_package(Python 3.8 QUIET COMPONENTS Interpreter Development.Module NumPy)
  if(Python_FOUND)
    set(PYBIND11_FINDPYTHON ON)
    find_package(pybind11 2.6 CONFIG QUIET)
    if(pybind11_FOUND)
      set(_pcmsim_python_default ON)
    endif()
  endif()
endif()
option(PCMSIM_PYTHON "Build the Python module pcmsim (pybind11) into build/python" ${_pcmsim_python_default})
if(PCMSIM_PYTHON)
  if(NOT Python_FOUND OR NOT pybind11_FOUND)
    message(FATAL_ERROR "PCMSIM_PYTHON=ON needs pybind11 and the Python headers and numpy "
                        "(Debian: apt-get install pybind11-dev python3-dev python3-numpy)")
  endif()
  # The static module libraries are linked into a shared extension.
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  # Where `cmake --install` puts the package, relative to the prefix (Debian's python
  # reads <prefix>/lib/python3.X/dist-packages for /usr/local; others site-packages).
  if(Python_SITEARCH MATCHES "dist-packages")
    set(_pcmsim_py_dir "lib/python${Python_VERSION_MAJOR}.${Python_VERSION_MINOR}/dist-packages")
  else()
    set(_pcmsim_py_dir "lib/python${Python_VERSION_MAJOR}.${Python_VERSION_MINOR}/site-packages")
  endif()
  set(PCMSIM_PYTHON_INSTALL_DIR "${_pcmsim_py_dir}" CACHE STRING
      "Install directory of the Python package pcmsim, relative to CMAKE_INSTALL_PREFIX")
  message(STATUS "pcmsim Python module: ON (${Python_EXECUTABLE}, pybind11 ${pybind11_VERSION}, "
                 "installs into <prefix>/${PCMSIM_PYTHON_INSTALL_DIR})")
else()
  message(STATUS "pcmsim Python module: OFF")
endif()
