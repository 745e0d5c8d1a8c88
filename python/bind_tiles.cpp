// Crossbar tiles and analog matrices from Python: options from a dict (the [analog.tile] keys
// of experiment files, through the same strict loader), weight mapping, forward / backward
// MVMs on numpy batches without copies, drift compensation, training pulses, event counts and
// their energy.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "config_text.hpp"
#include "device_handle.hpp"
#include "numpy_views.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/crossbar/tile_energy_events.hpp"
#include "pcmsim/energy/ledger.hpp"
#include "pcmsim/experiment/energy_tables.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::python {

using crossbar::AnalogMatrix;
using crossbar::Tile;
using crossbar::TileEvents;
using crossbar::TileOptions;

namespace {

TileOptions OptionsFrom(const py::object& options) {
  if (options.is_none()) return TileOptions{};
  if (py::isinstance<TileOptions>(options)) return options.cast<TileOptions>();
  io::ConfigReader r = io::ConfigReader::FromString("", "tile options");
  for (const auto& o : Overrides(options, "tile")) r.ApplyOverride(o);
  TileOptions t = experiment::LoadTileOptions(r, "tile");
  r.CheckAllConsumed();
  return t;
}

py::dict EventsDict(const TileEvents& e) {
  py::dict d;
  d["forward_mvms"] = e.forward_mvms;
  d["backward_mvms"] = e.backward_mvms;
  d["calibration_mvms"] = e.calibration_mvms;
  d["bound_reruns"] = e.bound_reruns;
  d["dac_forward"] = py::make_tuple(e.dac_forward.conversions, e.dac_forward.bits);
  d["adc_forward"] = py::make_tuple(e.adc_forward.conversions, e.adc_forward.bits);
  d["dac_backward"] = py::make_tuple(e.dac_backward.conversions, e.dac_backward.bits);
  d["adc_backward"] = py::make_tuple(e.adc_backward.conversions, e.adc_backward.bits);
  d["cell_reads"] = e.cell_reads;
  d["read_g_dt"] = e.read_g_dt;
  d["array_reads"] = e.array_reads;
  d["set_pulses"] = e.set_pulses;
  d["reset_pulses"] = e.reset_pulses;
  d["program_pulses"] = e.program_pulses;
  d["verify_reads"] = e.verify_reads;
  return d;
}

// The events priced with an energy table pair: joules per phase and component.
py::dict EnergyDict(const TileEvents& e, Index rows, Index cols, Index row_blocks, Index col_blocks,
                    const std::string& tables) {
  crossbar::TileEventsContext ctx;
  ctx.forward_samples = static_cast<double>(e.forward_mvms - e.calibration_mvms - e.bound_reruns);
  ctx.backward_samples = static_cast<double>(e.backward_mvms);
  ctx.out = rows;
  ctx.in = cols;
  ctx.row_blocks = row_blocks;
  ctx.col_blocks = col_blocks;
  energy::EventCounts counts;
  counts.layer = "tile";
  crossbar::AddTileEvents(e, ctx, counts);
  experiment::TableChoice choice;
  choice.tables = tables;
  const energy::EnergyTable table = experiment::LoadTables(choice);
  const energy::Ledger ledger = energy::ComputeLedger(counts, table);
  py::dict out, phases;
  for (int p = 0; p < energy::kNumPhases; ++p) {
    py::dict comp;
    for (int c = 0; c < energy::kNumComponents; ++c) {
      const double j = ledger.Of(static_cast<energy::Phase>(p), static_cast<energy::Component>(c));
      if (j != 0.0) comp[py::str(std::string(energy::ToString(static_cast<energy::Component>(c))))] = j;
    }
    phases[py::str(std::string(energy::ToString(static_cast<energy::Phase>(p))))] = comp;
  }
  out["total_J"] = ledger.Total();
  out["phases"] = phases;
  out["level"] = table.Level();
  out["samples_forward"] = ctx.forward_samples;
  out["samples_backward"] = ctx.backward_samples;
  return out;
}

crossbar::IntMatrix CountsFrom(const py::object& counts, Index rows, Index cols) {
  const py::array a = CheckInt64(counts, "counts");
  if (a.ndim() != 2 || a.shape(0) != rows || a.shape(1) != cols) {
    throw DimensionError(StrCat("counts: expected an int64 array of shape (", rows, ", ", cols, ")"));
  }
  const auto* p = static_cast<const std::int64_t*>(a.data());
  crossbar::IntMatrix m(rows, cols);
  const bool f = (a.flags() & py::array::f_style) != 0;
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = static_cast<int>(f ? p[j * rows + i] : p[i * cols + j]);
  return m;
}

// t.fn(time) for a finite time, without the GIL.
template <typename T>
void AtTime(T& t, double time, void (T::*fn)(double)) {
  CheckFiniteScalar(time, "t");
  py::gil_scoped_release release;
  (t.*fn)(time);
}

// Shared by Tile and AnalogMatrix: the methods with the same meaning on both.
template <typename T>
void BindMvmMethods(py::class_<T>& c) {
  c.def_property_readonly("rows", &T::rows, "outputs")
      .def_property_readonly("cols", &T::cols, "inputs")
      .def("program", [](T& t, const py::object& w, double time, double weight_scale) {
             CheckFiniteScalar(time, "t");
             const Matrix wm = MatrixCopy(CheckFloat32(w, "w"), "w");
             CheckFinite(wm.data(), wm.size(), "w");
             py::gil_scoped_release release;
             t.Program(wm, time, weight_scale);
           }, py::arg("w"), py::arg("t") = 0.0, py::arg("weight_scale") = 0.0,
           R"doc(Maps weights w (float32, shape (rows, cols) = (outputs, inputs), any order; copied) onto
conductance pairs, largest |w| at g_max (or weight_scale >= max|w|), programs them at absolute
time t (s), reads the array at t and records the drift-compensation reference there.
NaN / inf weights raise ValueError.)doc")
      .def("read_at", [](T& t, double time) { AtTime(t, time, &T::ReadAt); }, py::arg("t"),
           "Reads the conductances at absolute time t (s) and re-calibrates drift compensation (alpha).")
      .def("record_compensation_reference", [](T& t, double time) { AtTime(t, time, &T::RecordCompensationReference); },
           py::arg("t"), "Deployment calibration: drift compensation is neutral at t and measures drift only after.")
      .def("set_compensation_applied", &T::SetCompensationApplied, py::arg("on"),
           "Whether forward/backward/weights apply the drift-compensation factors (to compare with and without).")
      .def("forward", [](T& t, const py::object& x) {
             const py::array xa = CheckFloat32(x, "x");
             const Eigen::Map<const Matrix> xv = BatchView(xa, t.cols(), "x");
             Matrix y;
             {
               py::gil_scoped_release release;
               if constexpr (std::is_same_v<T, Tile>) t.Forward(xv, y);
               else t.Forward(Matrix(xv), y);
             }
             return BatchToNumpy(std::move(y));
           }, py::arg("x"), R"doc(y = W x through DAC, array, noise and ADC with the forward periphery.

x: float32 array of shape (batch, cols), C-contiguous (one sample per row: pcmsim's inputs x
batch column-major layout, read in place). Returns float32 (batch, rows), no copy. A Fortran-
ordered or strided x raises ValueError, another dtype TypeError, the wrong width DimensionError.
Each call draws new noise (streams keyed by seed, tile index and call number). Releases the GIL.)doc")
      .def("backward", [](T& t, const py::object& d) {
             const py::array da = CheckFloat32(d, "d");
             const Eigen::Map<const Matrix> dv = BatchView(da, t.rows(), "d");
             Matrix dx;
             {
               py::gil_scoped_release release;
               if constexpr (std::is_same_v<T, Tile>) t.Backward(dv, dx);
               else t.Backward(Matrix(dv), dx);
             }
             return BatchToNumpy(std::move(dx));
           }, py::arg("d"),
           "dx = W^T d with the backward periphery: d float32 (batch, rows) C-contiguous -> (batch, cols).")
      .def("weights", [](const T& t) { return MatrixToNumpy(t.Weights()); },
           "The weights the cached read realises (noise-free, IR drop and drift compensation included), float32 "
           "(rows, cols) in Fortran order (no copy).")
      .def("apply_pulses", [](T& t, const py::object& counts, double time, int pair) {
             CheckFiniteScalar(time, "t");
             const crossbar::IntMatrix k = CountsFrom(counts, t.rows(), t.cols());
             py::gil_scoped_release release;
             t.ApplyPulses(k, time, pair);
           }, py::arg("counts"), py::arg("t"), py::arg("pair") = 0,
           "Training update: counts (int64, (rows, cols)) > 0 fires that many SET pulses on G+, < 0 on G-.")
      .def("refresh_saturated", [](T& t, double threshold, double time, int pair) {
             py::gil_scoped_release release;
             return t.RefreshSaturated(threshold, time, pair);
           }, py::arg("threshold"), py::arg("t"), py::arg("pair") = 0,
           "RESETs and re-programs weights whose devices exceed threshold * g_max; returns how many.")
      .def_property_readonly("events", [](const T& t) { return EventsDict(t.Events()); },
                             "Event counts since construction (MVMs, conversions, cell reads, pulses) as a dict.");
}

}  // namespace

void BindTiles(py::module_& m) {
  py::class_<TileOptions>(m, "TileOptions", R"doc(Options of a crossbar tile (mapping, periphery, IR drop, drift compensation, ...).

    opts = pcmsim.TileOptions({"forward": {"adc_bits": 8, "output_noise": 0.0},
                               "drift_compensation": "global", "program_method": "program_verify"})

Keys are those of an experiment's [analog.tile] table (README, "Analog tiles"): max_rows,
max_cols, pairs_per_weight, significance_base, forward.* / backward.* (dac_bits, encoding,
noise_management, input_scale, adc_bits, output_bound, output_noise, bound_management,
max_bound_rounds), r_wire, ir_drop_model, read_noise, drift_compensation,
calibration_samples, program_method, reread_tolerance, v_read, t_integration,
input_encoding. Unknown keys and invalid values raise ConfigError naming the key.)doc")
      .def(py::init([](const py::object& options) { return OptionsFrom(options); }), py::arg("options") = py::none())
      .def_readonly("max_rows", &TileOptions::max_rows)
      .def_readonly("max_cols", &TileOptions::max_cols)
      .def_readonly("pairs_per_weight", &TileOptions::pairs_per_weight)
      .def_readonly("r_wire", &TileOptions::r_wire)
      .def_readonly("read_noise", &TileOptions::read_noise)
      .def_property_readonly("drift_compensation",
                             [](const TileOptions& o) { return std::string(crossbar::ToString(o.drift_compensation)); })
      .def_property_readonly("program_method",
                             [](const TileOptions& o) { return std::string(crossbar::ToString(o.program_method)); })
      .def_property_readonly("forward_adc_bits", [](const TileOptions& o) { return o.forward.adc_bits; })
      .def_property_readonly("forward_dac_bits", [](const TileOptions& o) { return o.forward.dac_bits; })
      .def_property_readonly("forward_output_noise", [](const TileOptions& o) { return o.forward.output_noise; });

  py::class_<Tile> tile(m, "Tile", R"doc(One PCM crossbar computing y = W x and d = W^T e with the periphery of a real array.

    tile = pcmsim.Tile(256, 512, pcmsim.Device.load("devices/pcm_projected.toml"),
                       options={"forward": {"adc_bits": 8}}, seed=1)
    tile.program(w)                    # w: float32 (256, 512)
    y = tile.forward(x)                # x: float32 (batch, 512) -> y: (batch, 256)
    tile.read_at(86400.0); y_day = tile.forward(x)   # one day later, drift-compensated

Layout contract: batches are C-contiguous (batch, features) float32 arrays (that memory is
pcmsim's features x batch column-major matrix, so nothing is copied); weights are (rows, cols)
float32. Random streams derive from (seed, tile_index): same arguments, same calls, same bits
as crossbar::Tile in C++. options: a dict (see TileOptions) or a TileOptions.)doc");
  tile.def(py::init([](Index rows, Index cols, const Device& d, const py::object& options, std::uint64_t seed,
                       std::uint64_t tile_index) {
             const TileOptions o = OptionsFrom(options);
             return new Tile(rows, cols, *d.params, o, seed, tile_index);
           }),
           py::arg("rows"), py::arg("cols"), py::arg("device"), py::arg("options") = py::none(), py::arg("seed") = 1,
           py::arg("tile_index") = 0);
  BindMvmMethods(tile);
  tile.def_property_readonly("full_reads", &Tile::full_reads, "whole-tile cache re-reads since construction")
      .def_property_readonly("partial_reads", &Tile::partial_reads, "re-reads of pulsed weights only")
      .def_property_readonly("mapping", [](const Tile& t) {
             py::dict d;
             d["weight_scale"] = t.mapping().weight_scale;
             d["g_lo"] = t.mapping().g_lo;
             d["g_unit"] = t.mapping().g_unit;
             d["out_gain"] = t.mapping().out_gain;
             d["significance"] = t.mapping().significance;
             return d;
           }, "Weight mapping fixed at program(): weight_scale, g_lo (S), g_unit (S), out_gain, significance.")
      .def_property_readonly("drift_compensation", [](const Tile& t) {
             py::dict d;
             d["ref_global"] = t.drift_compensation().ref_global;
             d["alpha"] = t.drift_compensation().alpha;
             d["alpha_rows"] = std::vector<float>(t.drift_compensation().alpha_rows.data(),
                                                  t.drift_compensation().alpha_rows.data() +
                                                      t.drift_compensation().alpha_rows.size());
             return d;
           }, "Drift-compensation state: reference and the factors of the last read (alpha, alpha_rows).")
      .def("energy", [](const Tile& t, const std::string& tables) {
             return EnergyDict(t.Events(), t.rows(), t.cols(), 1, 1, tables);
           }, py::arg("tables") = "device",
           "The events so far priced with an energy table pair ('device', 'chip' or 'DIGITAL.toml,ANALOG.toml'): "
           "dict with total_J, phases {phase: {component: J}} and the table level.");

  py::class_<AnalogMatrix> am(m, "AnalogMatrix", R"doc(A weight matrix of any size split across tiles of at most
max_rows x max_cols; partial sums along a row of tiles are added digitally in a fixed order.

    A = pcmsim.AnalogMatrix(784, 1000, dev, options={"max_rows": 512, "max_cols": 512}, seed=3)

Same methods and layout contract as Tile; tile (r, c) has stream index first_tile_index +
r * col_blocks + c. forward/backward copy the batch once (the C++ API takes an owned matrix).)doc");
  am.def(py::init([](Index rows, Index cols, const Device& d, const py::object& options, std::uint64_t seed,
                     std::uint64_t first_tile_index) {
           const TileOptions o = OptionsFrom(options);
           return new AnalogMatrix(rows, cols, *d.params, o, seed, first_tile_index);
         }),
         py::arg("rows"), py::arg("cols"), py::arg("device"), py::arg("options") = py::none(), py::arg("seed") = 1,
         py::arg("first_tile_index") = 0);
  BindMvmMethods(am);
  am.def_property_readonly("row_blocks", &AnalogMatrix::row_blocks, "tiles along the outputs")
      .def_property_readonly("col_blocks", &AnalogMatrix::col_blocks, "tiles along the inputs")
      .def("energy", [](const AnalogMatrix& a, const std::string& tables) {
             return EnergyDict(a.Events(), a.rows(), a.cols(), a.row_blocks(), a.col_blocks(), tables);
           }, py::arg("tables") = "device", "As Tile.energy, for the whole matrix.");
}

}  // namespace pcmsim::python
