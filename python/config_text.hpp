// Python values as TOML text, so that dicts given to the bindings go through the same strict
// loaders (unknown keys, types and ranges are errors naming the key) as TOML files and
// `--set key=value` on the command line.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace pcmsim::python {

namespace py = pybind11;

// One TOML value: bool, int, float, str, list/tuple (array), dict (inline table).
// TypeError for anything else.
std::string TomlValue(const py::handle& v, const std::string& key);
// Overrides "a.b.c=value" from a dict (nested dicts become dotted keys, each key prefixed by
// `prefix.` when prefix is not empty), or from a list of "key=value" strings; None -> none.
std::vector<std::string> Overrides(const py::handle& overrides, const std::string& prefix = "");
// A whole TOML document from a dict ("key = value" lines, nested dicts as inline tables).
std::string TomlDocument(const py::dict& d);

}  // namespace pcmsim::python
