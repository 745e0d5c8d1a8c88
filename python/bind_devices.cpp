// Devices from Python: a preset (devices/*.toml + overrides, through the same strict loader
// as experiments), arrays of its cells (program, pulse, read at a time with or without
// noise, drift and noise statistics, counters) and the device characterisation of
// `pcmsim device` as a dict of numpy arrays.
#include <pybind11/stl.h>

#include <memory>
#include <numeric>

#include "bindings.hpp"
#include "config_text.hpp"
#include "device_handle.hpp"
#include "numpy_views.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/characterize.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::python {

using device::CellArray;
using device::PcmArray;
using device::PcmParams;

namespace {

Device LoadDevice(const py::object& path, const py::object& overrides) {
  const bool builtin = path.is_none();
  io::ConfigReader r = builtin ? io::ConfigReader::FromString("", "built-in conventional preset")
                               : io::ConfigReader::FromFile(py::str(path).cast<std::string>());
  for (const auto& o : Overrides(overrides)) r.ApplyOverride(o);
  Device d;
  d.params = std::make_shared<PcmParams>(experiment::LoadPcmParams(r, ""));
  r.CheckAllConsumed();
  d.source = builtin ? std::string("built-in conventional preset") : py::str(path).cast<std::string>();
  d.config_text = r.Text();
  return d;
}

// The array's cells as a Python wrapper: the cell array and, when it is a PcmArray, its
// model-specific statistics.
struct Cells {
  std::unique_ptr<CellArray> array;
  PcmArray* pcm = nullptr;

  PcmArray& Pcm(const char* what) {
    if (pcm == nullptr) throw py::type_error(StrCat(what, ": only for PCM cell arrays"));
    return *pcm;
  }
};

std::vector<Index> AllCells(Index n) {
  std::vector<Index> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), Index{0});
  return v;
}

py::dict StatsDict(const device::ProgramStats& s) {
  py::dict d;
  d["cells"] = s.cells;
  d["pulses"] = s.pulses;
  d["verify_reads"] = s.verify_reads;
  d["converged"] = s.converged;
  d["mean_pulses"] = s.MeanPulses();
  d["mean_error_S"] = s.MeanError();
  d["rms_error_S"] = s.RmsError();
  d["max_abs_error_S"] = s.max_abs_error;
  return d;
}

py::object Program(Cells& c, const py::object& targets, double t, const std::string& method,
                   const py::object& cells) {
  CheckFiniteScalar(t, "t");
  const py::array ta = CheckFloat64(targets, "targets");
  const std::span<const double> tv = DoubleSpan(ta, "targets");
  CheckFinite(tv, "targets");
  const bool verify = method == "verify" || method == "program_verify";
  if (!verify && method != "statistical") {
    throw ConfigError(StrCat("method = '", method, "': expected 'statistical' or 'verify'"));
  }
  device::ProgramStats stats;
  if (cells.is_none()) {
    if (static_cast<Index>(tv.size()) != c.array->size()) {
      throw DimensionError(StrCat("targets: ", tv.size(), " values for ", c.array->size(), " cells"));
    }
    py::gil_scoped_release release;
    if (c.pcm != nullptr) {  // the whole-array path (uniform programming time: fast reads)
      const ArrayD all = Eigen::Map<const ArrayD>(tv.data(), static_cast<Index>(tv.size()));
      if (verify) stats = c.pcm->ProgramVerify(all, t);
      else c.pcm->ProgramStatistical(all, t);
    } else {
      const std::vector<Index> idx = AllCells(c.array->size());
      if (verify) stats = c.array->ProgramVerify(idx, tv, t);
      else c.array->ProgramStatistical(idx, tv, t);
    }
  } else {
    const py::array ca = CheckInt64(cells, "cells");
    const std::span<const Index> cv = IndexSpan(ca, "cells");
    if (cv.size() != tv.size()) throw DimensionError(StrCat("cells: ", cv.size(), " cells for ", tv.size(), " targets"));
    py::gil_scoped_release release;
    if (verify) stats = c.array->ProgramVerify(cv, tv, t);
    else c.array->ProgramStatistical(cv, tv, t);
  }
  if (!verify) return py::none();
  return StatsDict(stats);
}

py::array_t<double> ReadAll(Cells& c, double t, bool noise) {
  CheckFiniteScalar(t, "t");
  ArrayD out;
  {
    py::gil_scoped_release release;
    c.array->Read(t, out, noise);
  }
  return VectorToNumpy(std::move(out));
}

// A per-cell quantity at time t (CellArray::ExpectedConductance, ReadNoiseStd) as numpy.
py::array_t<double> PerCell(const Cells& c, double t, void (CellArray::*fn)(double, ArrayD&) const) {
  CheckFiniteScalar(t, "t");
  ArrayD out;
  ((*c.array).*fn)(t, out);
  return VectorToNumpy(std::move(out));
}

py::dict CharacterizeDict(const Device& d, const device::CharacterizeOptions& o) {
  device::CharacterizeResult r;
  {
    py::gil_scoped_release release;
    r = device::Characterize(*d.params, o);
  }
  py::dict out;
  out["device_name"] = r.device_name;
  out["g_lo"] = r.g_lo;
  out["g_max"] = r.g_max;
  auto put = [&](const char* k, std::vector<double>& v) { out[k] = VectorToNumpy(std::move(v)); };
  put("pulse_number", r.pulse_number);
  put("pulse_mean", r.pulse_mean);
  put("pulse_std", r.pulse_std);
  put("level_targets", r.level_targets);
  put("stat_mean", r.stat_mean);
  put("stat_std", r.stat_std);
  put("pv_mean", r.pv_mean);
  put("pv_std", r.pv_std);
  put("pv_mean_pulses", r.pv_mean_pulses);
  put("pv_converged_fraction", r.pv_converged_fraction);
  put("nu_mean", r.nu_mean);
  put("nu_std", r.nu_std);
  put("nu_eff", r.nu_eff);
  put("read_sigma_1h", r.read_sigma_1h);
  put("read_sigma_1d", r.read_sigma_1d);
  put("hist_edges", r.hist_edges);
  out["level_hist"] = MatrixToNumpy(std::move(r.level_hist));
  put("drift_times", r.drift_times);
  out["drift_mean"] = MatrixToNumpy(std::move(r.drift_mean));
  out["drift_std"] = MatrixToNumpy(std::move(r.drift_std));
  put("precision_times", r.precision_times);
  put("effective_bits", r.effective_bits);
  put("effective_bits_uncompensated", r.effective_bits_uncompensated);
  put("rms_error", r.rms_error);
  out["pv_stats"] = StatsDict(r.pv_stats);
  return out;
}

}  // namespace

void BindDevices(py::module_& m) {
  py::class_<Device>(m, "Device", R"doc(A PCM device preset: the cell population a tile or a cell array is made of.

    dev = pcmsim.Device.load("devices/pcm_projected.toml", overrides={"projection.ratio": 4})
    dev = pcmsim.Device.load()          # the built-in conventional preset (Joshi et al. 2020 fit)

Keys and units are those of the devices/*.toml files (README, "Device presets"); overrides are a
dict (nested dicts = TOML tables, or dotted keys) or a list of "key=value" strings, applied as
`--set` is. Unknown keys, wrong types and out-of-range values raise ConfigError naming the key.)doc")
      .def_static("load", &LoadDevice, py::arg("path") = py::none(), py::arg("overrides") = py::none(),
                  "Loads a device preset file (None = built-in conventional preset) with overrides.")
      .def_property_readonly("name", [](const Device& d) { return d.params->name; }, "preset name")
      .def_property_readonly("model", [](const Device& d) { return std::string(device::ToString(d.params->model)); },
                             "'conventional' or 'projected'")
      .def_property_readonly("g_max", [](const Device& d) { return d.params->g_max; }, "S, top of the programmable range")
      .def_property_readonly("g_min", [](const Device& d) { return d.params->g_min; }, "S, bottom of the amorphous range")
      .def_property_readonly("t0", [](const Device& d) { return d.params->t0; }, "s, first read after programming")
      .def_property_readonly("projection_ratio", [](const Device& d) { return d.params->projection_ratio; },
                             "G_p / G_a at t0 (0 = no projection)")
      .def_property_readonly("source", [](const Device& d) { return d.source; }, "file it was loaded from")
      .def_property_readonly("config_text", [](const Device& d) { return d.config_text; },
                             "the resolved preset (after overrides) as TOML")
      .def("__repr__", [](const Device& d) {
        return StrCat("pcmsim.Device('", d.params->name, "', model=", device::ToString(d.params->model), ")");
      });

  py::class_<Cells>(m, "CellArray", R"doc(n cells of one device, held as a structure of arrays.

    cells = pcmsim.CellArray(dev, 100000, seed=1)
    cells.program(np.full(100000, 10e-6), t=0.0)                 # statistical (one-shot fit)
    stats = cells.program(targets, t=0.0, method="verify")        # program-and-verify: dict
    g = cells.read(3600.0)              # noisy read one hour later (float64 array, S)
    g0 = cells.read(3600.0, noise=False)  # drift only (== expected(3600.0))

Times are absolute array times in seconds (the drift clock of a cell restarts when it is
programmed or pulsed; reads must not precede the latest programming). Conductances in S, as
float64 1-D arrays (targets: float64, cells: int64 indices). Random streams derive from
(seed, stream_index): same arguments, same bits as the C++ API. Long calls release the GIL.)doc")
      .def(py::init([](const Device& d, Index n, std::uint64_t seed, std::uint64_t stream_index) {
             if (n < 1) throw py::value_error(StrCat("n = ", n, ": a cell array needs at least one cell"));
             Cells c;
             c.array = d.params->MakeArray(n, seed, stream_index);
             c.pcm = dynamic_cast<PcmArray*>(c.array.get());
             return c;
           }),
           py::arg("device"), py::arg("n"), py::arg("seed") = 1, py::arg("stream_index") = 0)
      .def("__len__", [](const Cells& c) { return c.array->size(); })
      .def_property_readonly("size", [](const Cells& c) { return c.array->size(); }, "number of cells")
      .def_property_readonly("g_max", [](const Cells& c) { return c.array->g_max(); }, "S, nominal top of the range")
      .def_property_readonly("g_min", [](const Cells& c) { return c.array->g_min(); }, "S, bottom of the cell window")
      .def("program", &Program, py::arg("targets"), py::arg("t") = 0.0, py::arg("method") = "statistical",
           py::arg("cells") = py::none(), R"doc(Programs cells to target conductances (S) at absolute time t.

targets: float64 array, one per cell (or per entry of `cells`, int64 indices). method:
"statistical" (the fast fit; returns None) or "verify" (iterative program-and-verify;
returns a dict: cells, pulses, verify_reads, converged, mean_pulses, mean/rms/max_abs error in S).
Targets must be finite (ValueError); they are clipped to the cell window.)doc")
      .def("programmed", [](const Cells& c) {
             ArrayD out;
             c.array->ProgrammedConductance(out);
             return VectorToNumpy(std::move(out));
           }, "Noise-free conductance of every cell at t0 right after its programming (S).")
      .def("apply_set", [](Cells& c, const py::object& cells, const py::object& counts, double t) {
             CheckFiniteScalar(t, "t");
             const py::array ca = CheckInt64(cells, "cells"), na = CheckInt64(counts, "counts");
             const std::span<const Index> cv = IndexSpan(ca, "cells"), nv = IndexSpan(na, "counts");
             if (cv.size() != nv.size()) throw DimensionError(StrCat("counts: ", nv.size(), " for ", cv.size(), " cells"));
             std::vector<int> n(nv.begin(), nv.end());
             py::gil_scoped_release release;
             c.array->ApplySet(cv, n, t);
           }, py::arg("cells"), py::arg("counts"), py::arg("t"),
           "counts[i] gradual SET pulses on the distinct cells[i] (int64 arrays) at absolute time t.")
      .def("apply_reset", [](Cells& c, const py::object& cells, double t) {
             CheckFiniteScalar(t, "t");
             const py::array ca = CheckInt64(cells, "cells");
             const std::span<const Index> cv = IndexSpan(ca, "cells");
             py::gil_scoped_release release;
             c.array->ApplyReset(cv, t);
           }, py::arg("cells"), py::arg("t"), "One RESET pulse on each listed cell (int64 array) at absolute time t.")
      .def("read", &ReadAll, py::arg("t"), py::arg("noise") = true,
           "Conductance of every cell at absolute time t (S): drift (+ temperature) and, with noise, one 1/f "
           "read-noise draw per cell (new draws every call; counted as cell reads).")
      .def("expected", [](const Cells& c, double t) { return PerCell(c, t, &CellArray::ExpectedConductance); },
           py::arg("t"), "Noise-free expected conductance of every cell at absolute time t (no draw, no count).")
      .def("read_noise_std", [](const Cells& c, double t) { return PerCell(c, t, &CellArray::ReadNoiseStd); },
           py::arg("t"), "Read-noise standard deviation of every cell at absolute time t (S).")
      .def_property_readonly("nu", [](Cells& c) { return VectorToNumpy(ArrayD(c.Pcm("nu").nu())); },
                             "Drift exponent of every cell (PCM arrays; a copy).")
      .def_property_readonly("t_prog", [](Cells& c) { return VectorToNumpy(ArrayD(c.Pcm("t_prog").t_prog())); },
                             "Absolute time of every cell's latest programming (s; a copy).")
      .def("max_drift_rate", [](const Cells& c) { return c.array->MaxDriftRate(); },
           "Largest drift rate of all cells (for PCM: the largest nu).")
      .def("read_change_bound", [](const Cells& c, double rate, double t1, double t2) {
             return c.array->ReadChangeBound(rate, t1, t2);
           }, py::arg("rate"), py::arg("t1"), py::arg("t2"),
           "Bound on |ln G(t2) - ln G(t1)| of a cell with drift rate `rate` read at t1 and t2.")
      .def("set_temperature", [](Cells& c, double kelvin) { c.Pcm("set_temperature").SetTemperature(kelvin); },
           py::arg("kelvin"), "Ambient temperature of later reads (when the preset has a temperature model).")
      .def_property_readonly("counters", [](const Cells& c) {
             const device::CellCounters& k = c.array->counters();
             py::dict d;
             d["set_pulses"] = k.set_pulses;
             d["reset_pulses"] = k.reset_pulses;
             d["program_pulses"] = k.program_pulses;
             d["verify_reads"] = k.verify_reads;
             d["cell_reads"] = k.cell_reads;
             return d;
           }, "Event counts since construction: set/reset/program pulses, verify reads, cell reads.");

  m.def("characterize", [](const Device& d, Index cells, int levels, int pulses, Index pulse_cells, int hist_bins,
                           std::uint64_t seed, bool program_verify, const py::object& drift_times,
                           const py::object& precision_times) {
          device::CharacterizeOptions o;
          o.cells = cells;
          o.levels = levels;
          o.pulses = pulses;
          o.pulse_cells = pulse_cells;
          o.hist_bins = hist_bins;
          o.seed = seed;
          o.program_verify = program_verify;
          if (!drift_times.is_none()) o.drift_times_s = drift_times.cast<std::vector<double>>();
          if (!precision_times.is_none()) o.precision_times_s = precision_times.cast<std::vector<double>>();
          o.Validate();
          return CharacterizeDict(d, o);
        },
        py::arg("device"), py::arg("cells") = 100000, py::arg("levels") = 8, py::arg("pulses") = 50,
        py::arg("pulse_cells") = 10000, py::arg("hist_bins") = 64, py::arg("seed") = 1,
        py::arg("program_verify") = true, py::arg("drift_times") = py::none(),
        py::arg("precision_times") = py::none(), R"doc(The device characterisation of `pcmsim device`, computed live.

Pulse response, programmed level distributions, drift of every level, read noise and the
effective precision of an in-memory multiplication over time, with the same options (and
seed: the same numbers) as the CLI. Returns a dict of numpy arrays in SI units (S, s): keys
as device::CharacterizeResult (pulse_number, pulse_mean, pulse_std, level_targets, ...,
drift_times, drift_mean (levels x times), precision_times, effective_bits, ...).
pcmsim.plots.device_* accept this dict as well as a device file. Releases the GIL.)doc");
}

}  // namespace pcmsim::python
