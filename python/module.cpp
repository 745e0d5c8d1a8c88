// PYBIND11_MODULE of pcmsim._pcmsim, the compiled half of the `pcmsim` Python package.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "pcmsim/core/parallel.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_pcmsim, m) {
  m.doc() = "pcmsim: analog in-memory computing with phase-change memory (compiled core; use `import pcmsim`).";
  using namespace pcmsim::python;
  BindErrors(m);
  m.def("set_threads", &pcmsim::SetNumThreads, py::arg("n"),
        "Threads used by pcmsim's parallel loops (0 = PCMSIM_THREADS or all cores). Results do not depend on it.");
  m.def("threads", &pcmsim::NumThreads, "Threads pcmsim's parallel loops use.");
  BindFormats(m);
  BindDevices(m);
  BindTiles(m);
  BindExperiments(m);
  BindBench(m);
}
