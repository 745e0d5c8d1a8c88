// Validation and names of the tile options; accumulation of tile event counts.
#include "pcmsim/crossbar/tile_options.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/tile_events.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::crossbar {

std::string_view ToString(DriftCompensation e) {
  switch (e) {
    case DriftCompensation::kNone: return "none";
    case DriftCompensation::kGlobal: return "global";
    case DriftCompensation::kPerColumn: return "per_column";
  }
  return "?";
}
std::string_view ToString(IrDropModel e) { return e == IrDropModel::kFast ? "fast" : "exact"; }
std::string_view ToString(ProgramMethod e) {
  return e == ProgramMethod::kStatistical ? "statistical" : "program_verify";
}

void TileOptions::Validate() const {
  io::Require(max_rows >= 1 && max_rows <= 65536, "max_rows", max_rows, "must be in [1, 65536]");
  io::Require(max_cols >= 1 && max_cols <= 65536, "max_cols", max_cols, "must be in [1, 65536]");
  io::Require(pairs_per_weight >= 1 && pairs_per_weight <= 4, "pairs_per_weight", pairs_per_weight,
              "must be in [1, 4]");
  io::Require(significance_base >= 1.0 && significance_base <= 256.0, "significance_base",
              significance_base, "must be in [1, 256]");
  forward.Validate();
  backward.Validate();
  io::Require(std::isfinite(r_wire) && r_wire >= 0.0, "r_wire", r_wire, "must be finite and >= 0 (ohm)");
  io::Require(calibration_samples >= 1 && calibration_samples <= 65536, "calibration_samples",
              calibration_samples, "must be in [1, 65536]");
  io::Require(reread_tolerance >= 0.0 && reread_tolerance <= 0.1, "reread_tolerance", reread_tolerance,
              "must be in [0, 0.1]");
  io::Require(std::isfinite(v_read) && v_read > 0.0, "v_read", v_read, "must be > 0 (V)");
  io::Require(std::isfinite(t_integration) && t_integration > 0.0, "t_integration", t_integration,
              "must be > 0 (s)");
}

TileEvents& TileEvents::operator+=(const TileEvents& o) {
  forward_mvms += o.forward_mvms;
  backward_mvms += o.backward_mvms;
  calibration_mvms += o.calibration_mvms;
  bound_reruns += o.bound_reruns;
  auto add = [](ConverterCount& a, const ConverterCount& b) {
    a.conversions += b.conversions;
    if (b.conversions > 0) a.bits = b.bits;
  };
  add(dac_forward, o.dac_forward);
  add(adc_forward, o.adc_forward);
  add(dac_backward, o.dac_backward);
  add(adc_backward, o.adc_backward);
  cell_reads += o.cell_reads;
  read_g_dt += o.read_g_dt;
  array_reads += o.array_reads;
  set_pulses += o.set_pulses;
  reset_pulses += o.reset_pulses;
  program_pulses += o.program_pulses;
  verify_reads += o.verify_reads;
  return *this;
}

TileEvents& TileEvents::operator-=(const TileEvents& o) {
  forward_mvms -= o.forward_mvms;
  backward_mvms -= o.backward_mvms;
  calibration_mvms -= o.calibration_mvms;
  bound_reruns -= o.bound_reruns;
  dac_forward.conversions -= o.dac_forward.conversions;
  adc_forward.conversions -= o.adc_forward.conversions;
  dac_backward.conversions -= o.dac_backward.conversions;
  adc_backward.conversions -= o.adc_backward.conversions;
  cell_reads -= o.cell_reads;
  read_g_dt -= o.read_g_dt;
  array_reads -= o.array_reads;
  set_pulses -= o.set_pulses;
  reset_pulses -= o.reset_pulses;
  program_pulses -= o.program_pulses;
  verify_reads -= o.verify_reads;
  return *this;
}

namespace {
constexpr std::size_t kTileEventNumbers = 19;
}  // namespace

std::vector<double> TileEvents::ToNumbers() const {
  const auto d = [](std::int64_t v) { return static_cast<double>(v); };
  return {d(forward_mvms), d(backward_mvms), d(calibration_mvms), d(bound_reruns),
          d(dac_forward.conversions), double(dac_forward.bits), d(adc_forward.conversions), double(adc_forward.bits),
          d(dac_backward.conversions), double(dac_backward.bits), d(adc_backward.conversions),
          double(adc_backward.bits), d(cell_reads), read_g_dt, d(array_reads), d(set_pulses), d(reset_pulses),
          d(program_pulses), d(verify_reads)};
}

TileEvents TileEvents::FromNumbers(const std::vector<double>& v) {
  if (v.size() != kTileEventNumbers) {
    throw DimensionError(StrCat("tile events: ", v.size(), " numbers, expected ", kTileEventNumbers));
  }
  const auto i = [&](size_t k) { return static_cast<std::int64_t>(v[k]); };
  TileEvents e;
  e.forward_mvms = i(0);
  e.backward_mvms = i(1);
  e.calibration_mvms = i(2);
  e.bound_reruns = i(3);
  e.dac_forward = {i(4), static_cast<int>(v[5])};
  e.adc_forward = {i(6), static_cast<int>(v[7])};
  e.dac_backward = {i(8), static_cast<int>(v[9])};
  e.adc_backward = {i(10), static_cast<int>(v[11])};
  e.cell_reads = i(12);
  e.read_g_dt = v[13];
  e.array_reads = i(14);
  e.set_pulses = i(15);
  e.reset_pulses = i(16);
  e.program_pulses = i(17);
  e.verify_reads = i(18);
  return e;
}

}  // namespace pcmsim::crossbar
