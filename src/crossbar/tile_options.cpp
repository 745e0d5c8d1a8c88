// Validation and names of the tile options; accumulation of tile event counts.
#include "pcmsim/crossbar/tile_options.hpp"

#include <cmath>

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

}  // namespace pcmsim::crossbar
