// Experiments from Python: load a TOML file or a dict with overrides, run it (progress to a
// Python callback, GIL released while it trains), and read any pcmsim result file. The
// result and sweep objects themselves (pcmsim.ResultFile, open, compare) are the pure-Python
// layer in pcmsim/experiments.py over the readers bound here.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <iostream>
#include <utility>

#include "bindings.hpp"
#include "config_text.hpp"
#include "numpy_views.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/io/h5_json.hpp"

namespace pcmsim::python {
namespace {

experiment::Experiment Load(const py::object& config, const py::object& overrides) {
  const std::vector<std::string> o = Overrides(overrides);
  if (py::isinstance<py::dict>(config)) {
    io::ConfigReader cfg = io::ConfigReader::FromString(TomlDocument(py::reinterpret_borrow<py::dict>(config)),
                                                        "<dict>");
    for (const auto& s : o) cfg.ApplyOverride(s);
    return experiment::ParseExperiment(cfg);
  }
  if (py::isinstance<py::str>(config) || py::hasattr(config, "__fspath__")) {
    return experiment::LoadExperiment(py::str(config).cast<std::string>(), o);
  }
  throw py::type_error("config: expected a path to an experiment TOML file or a dict");
}

// The per-epoch metrics by name (EpochMetrics::epoch is read separately: an int).
constexpr std::pair<const char*, double nn::EpochMetrics::*> kMetricFields[] = {
    {"lr", &nn::EpochMetrics::lr},
    {"train_loss", &nn::EpochMetrics::train_loss},
    {"train_accuracy", &nn::EpochMetrics::train_accuracy},
    {"test_accuracy", &nn::EpochMetrics::test_accuracy},
    {"seconds", &nn::EpochMetrics::seconds},
    {"samples_per_second", &nn::EpochMetrics::samples_per_second},
};

py::dict EpochDict(const nn::EpochMetrics& m, int epochs) {
  py::dict d;
  d["epoch"] = m.epoch;
  d["epochs"] = epochs;
  for (const auto& [name, field] : kMetricFields) d[name] = m.*field;
  return d;
}

py::dict Run(const py::object& config, const py::object& overrides, const std::string& output,
             const py::object& progress, bool log, bool checkpoint, bool resume, bool fresh) {
  const experiment::Experiment e = Load(config, overrides);
  experiment::RunOptions o;
  o.output = output;
  o.checkpoint = checkpoint;
  o.resume = resume;
  o.fresh = fresh;
  const int epochs = e.train.epochs;
  // Ctrl-C: the trainer checks for a pending Python signal after every batch.
  o.progress.on_batch = [](int, Index, Index, double) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  if (!progress.is_none()) {
    o.progress.on_epoch = [progress, epochs](const nn::EpochMetrics& m) {
      py::gil_scoped_acquire gil;
      progress(EpochDict(m, epochs));
    };
  }
  if (log) o.log = [](const std::string& msg) { std::cerr << msg << "\n"; };
  experiment::RunSummary s;
  {
    py::gil_scoped_release release;
    s = experiment::RunExperiment(e, o);
  }
  py::dict d;
  d["name"] = e.name;
  d["output"] = output;
  d["test_accuracy"] = s.test_accuracy;
  d["epochs"] = s.epochs;
  d["train_seconds"] = s.train_seconds;
  d["backend"] = s.backend;
  d["dataset"] = s.dataset;
  return d;
}

py::object JsonToPython(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

py::object ReadDataset(const io::H5Reader& in, const std::string& name) {
  if (!in.Exists(name)) throw IoError(StrCat(in.Path().string(), ": no dataset ", name));
  if (in.IsGroup(name)) throw IoError(StrCat(in.Path().string(), ": ", name, " is a group, not a dataset"));
  if (in.IsScalarString(name)) return py::str(in.ReadString(name));
  if (in.DatasetKind(name) == io::H5Kind::kString) return py::cast(in.ReadStrings(name));
  MatrixD m = in.ReadMatrix(name);
  if (m.cols() == 1) return VectorToNumpy(ArrayD(m.col(0).array()));
  return MatrixToNumpy(std::move(m));
}

}  // namespace

void BindExperiments(py::module_& m) {
  m.def("_load_experiment", [](const py::object& config, const py::object& overrides) {
          const experiment::Experiment e = Load(config, overrides);
          py::dict d;
          d["name"] = e.name;
          d["seed"] = e.seed;
          d["config_text"] = e.config_text;
          d["source"] = e.source;
          return d;
        }, py::arg("config"), py::arg("overrides") = py::none(),
        "Loads and validates an experiment (path or dict) with overrides; returns name, seed and resolved config.");
  m.def("_run", &Run, py::arg("config"), py::arg("overrides"), py::arg("output"), py::arg("progress"),
        py::arg("log"), py::arg("checkpoint"), py::arg("resume"), py::arg("fresh"),
        "Runs one experiment into `output` (use pcmsim.run).");
  m.def("_check_file", [](const std::string& path, const std::string& kind) {
          io::H5Reader in(path);
          experiment::CheckPcmsimFile(in, kind);
          return in.HasAttr("/", "kind") ? in.AttrString("/", "kind") : std::string();
        }, py::arg("path"), py::arg("kind") = "",
        "IoError unless `path` is a pcmsim file (of `kind`, if given); returns its kind.");
  m.def("_h5_json", [](const std::string& path, const std::string& group) {
          io::H5Reader in(path);
          return JsonToPython(io::GroupToJson(in, group));
        }, py::arg("path"), py::arg("group"), "A group and everything below it as nested dicts and lists.");
  m.def("_h5_attrs", [](const std::string& path, const std::string& object) {
          io::H5Reader in(path);
          return JsonToPython(io::AttributesToJson(in, object));
        }, py::arg("path"), py::arg("object"), "The attributes of an object as a dict.");
  m.def("_h5_read", [](const std::string& path, const std::string& dataset) {
          io::H5Reader in(path);
          return ReadDataset(in, dataset);
        }, py::arg("path"), py::arg("dataset"),
        "One dataset: numeric -> numpy float64 (1-D, or 2-D in Fortran order), strings -> str or list.");
  m.def("_h5_children", [](const std::string& path, const std::string& group) {
          io::H5Reader in(path);
          return in.Children(group);
        }, py::arg("path"), py::arg("group"));
  m.def("_h5_exists", [](const std::string& path, const std::string& object) {
          io::H5Reader in(path);
          return in.Exists(object);
        }, py::arg("path"), py::arg("object"));
  m.def("_h5_verify", [](const std::string& path) {
          io::H5Reader in(path);
          py::gil_scoped_release release;
          in.Verify();
        }, py::arg("path"), "Reads every dataset so that HDF5 verifies each checksum (IoError on corruption).");
  m.def("_metrics", [](const std::string& path) {
          io::H5Reader in(path);
          const auto h = experiment::ReadMetrics(in);
          py::dict d;
          std::vector<double> epoch;
          for (const auto& x : h) epoch.push_back(x.epoch);
          d["epoch"] = VectorToNumpy(std::move(epoch));
          for (const auto& [name, field] : kMetricFields) {
            std::vector<double> v;
            for (const auto& x : h) v.push_back(x.*field);
            d[name] = VectorToNumpy(std::move(v));
          }
          return d;
        }, py::arg("path"), "Per-epoch metrics of a run file as numpy arrays (test_accuracy -1 = not evaluated).");
}

}  // namespace pcmsim::python
