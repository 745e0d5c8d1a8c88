// pcmsim's error hierarchy (core/error.hpp) as Python exception classes with the same
// one-line messages: Error(Exception); ConfigError(Error, ValueError); DimensionError(Error,
// ValueError); IoError(Error, OSError). Argument errors of the bindings themselves (wrong
// dtype, rank, layout) are the built-in TypeError / ValueError.
#include "bindings.hpp"
#include "pcmsim/core/error.hpp"

namespace pcmsim::python {
namespace {

// Exception classes live as long as the interpreter (leaked on purpose: no decref after
// finalisation).
PyObject* g_error = nullptr;
PyObject* g_config = nullptr;
PyObject* g_io = nullptr;
PyObject* g_dimension = nullptr;

PyObject* NewException(py::module_& m, const char* name, py::handle bases, const char* doc) {
  const std::string full = std::string("pcmsim.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(full.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.attr(name) = py::handle(type);
  return type;
}

}  // namespace

void BindErrors(py::module_& m) {
  g_error = NewException(m, "Error", PyExc_Exception,
                         "Base of every error a user can cause in pcmsim (bad file, key, value or dimension).");
  g_config = NewException(m, "ConfigError", py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)),
                          "A config file, dict or override is wrong: unknown key, wrong type, out of range.");
  g_io = NewException(m, "IoError", py::make_tuple(py::handle(g_error), py::handle(PyExc_OSError)),
                      "A file cannot be read or written, or its content is malformed.");
  g_dimension = NewException(m, "DimensionError", py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError)),
                             "Shapes that do not fit together (e.g. a 784-input layer fed 780 features).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const DimensionError& e) {
      PyErr_SetString(g_dimension, e.what());
    } catch (const IoError& e) {
      PyErr_SetString(g_io, e.what());
    } catch (const ConfigError& e) {
      PyErr_SetString(g_config, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

}  // namespace pcmsim::python
