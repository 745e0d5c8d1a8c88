// Validation and names of the tile options; accumulation of tile event counts.
#include "pcmsim/crossbar/tile_options.hpp"

#include <array>
#include <cmath>
#include <type_traits>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/tile_events.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::crossbar {

std::string_view ToString(DriftCompensation e) {
  switch (e) {
    case DriftCompensation::kNone: return "none";
    case DriftCompensation::kGlobal: return "global";
    case DriftCompensation::kPerColumn: return "per_column";
  }
  return "?";
}
std::string_view ToString(ReadNoiseModel e) { return e == ReadNoiseModel::kPerMvm ? "per_mvm" : "frozen"; }
std::string_view ToString(IrDropModel e) { return e == IrDropModel::kFast ? "fast" : "exact"; }
std::string_view ToString(ProgramMethod e) {
  return e == ProgramMethod::kStatistical ? "statistical" : "program_verify";
}

void TileOptions::Validate() const {
  Require(max_rows >= 1 && max_rows <= 65536, "max_rows", max_rows, "must be in [1, 65536]");
  Require(max_cols >= 1 && max_cols <= 65536, "max_cols", max_cols, "must be in [1, 65536]");
  Require(pairs_per_weight >= 1 && pairs_per_weight <= 4, "pairs_per_weight", pairs_per_weight,
              "must be in [1, 4]");
  Require(significance_base >= 1.0 && significance_base <= 256.0, "significance_base",
              significance_base, "must be in [1, 256]");
  forward.Validate();
  backward.Validate();
  Require(std::isfinite(r_wire) && r_wire >= 0.0, "r_wire", r_wire, "must be finite and >= 0 (ohm)");
  Require(calibration_samples >= 1 && calibration_samples <= 65536, "calibration_samples",
              calibration_samples, "must be in [1, 65536]");
  Require(reread_tolerance >= 0.0 && reread_tolerance <= 0.1, "reread_tolerance", reread_tolerance,
              "must be in [0, 0.1]");
  Require(std::isfinite(v_read) && v_read > 0.0, "v_read", v_read, "must be > 0 (V)");
  Require(std::isfinite(t_integration) && t_integration > 0.0, "t_integration", t_integration,
              "must be > 0 (s)");
}

namespace {

// The one list of TileEvents' counts: f(name, a.count, b.count) for each (converter bits
// apart; they are named by Converters' kConverterNames).
template <class A, class B, class F>
void ForEachCount(A& a, B& b, F&& f) {
  f("forward_mvms", a.forward_mvms, b.forward_mvms);
  f("backward_mvms", a.backward_mvms, b.backward_mvms);
  f("calibration_mvms", a.calibration_mvms, b.calibration_mvms);
  f("bound_reruns", a.bound_reruns, b.bound_reruns);
  f("dac_forward.conversions", a.dac_forward.conversions, b.dac_forward.conversions);
  f("adc_forward.conversions", a.adc_forward.conversions, b.adc_forward.conversions);
  f("dac_backward.conversions", a.dac_backward.conversions, b.dac_backward.conversions);
  f("adc_backward.conversions", a.adc_backward.conversions, b.adc_backward.conversions);
  f("cell_reads", a.cell_reads, b.cell_reads);
  f("read_g_dt", a.read_g_dt, b.read_g_dt);
  f("array_reads", a.array_reads, b.array_reads);
  f("set_pulses", a.set_pulses, b.set_pulses);
  f("reset_pulses", a.reset_pulses, b.reset_pulses);
  f("program_pulses", a.program_pulses, b.program_pulses);
  f("verify_reads", a.verify_reads, b.verify_reads);
}

template <class E>
auto Converters(E& e) {
  return std::array{&e.dac_forward, &e.adc_forward, &e.dac_backward, &e.adc_backward};
}
constexpr std::array<const char*, 4> kConverterNames{"dac_forward", "adc_forward", "dac_backward", "adc_backward"};

}  // namespace

TileEvents& TileEvents::operator+=(const TileEvents& o) {
  ForEachCount(*this, o, [](const char*, auto& x, const auto& y) { x += y; });
  // A converter's width is the one of its latest conversions.
  const auto mine = Converters(*this);
  const auto theirs = Converters(o);
  for (size_t k = 0; k < mine.size(); ++k) {
    if (theirs[k]->conversions > 0) mine[k]->bits = theirs[k]->bits;
  }
  return *this;
}

TileEvents& TileEvents::operator-=(const TileEvents& o) {
  ForEachCount(*this, o, [](const char*, auto& x, const auto& y) { x -= y; });
  return *this;
}

std::vector<double> TileEvents::ToNumbers() const {
  std::vector<double> v;
  ForEachCount(*this, *this, [&](const char*, const auto& x, const auto&) { v.push_back(static_cast<double>(x)); });
  for (const ConverterCount* c : Converters(*this)) v.push_back(c->bits);
  return v;
}

TileEvents TileEvents::FromNumbers(const std::vector<double>& v) {
  TileEvents e;
  std::size_t n = Converters(e).size();
  ForEachCount(e, e, [&](const char*, const auto&, const auto&) { ++n; });
  PCMSIM_CHECK(n == kNumbers, "TileEvents::kNumbers is ", kNumbers, ", the field list has ", n);
  if (v.size() != n) throw DimensionError(StrCat("tile events: ", v.size(), " numbers, expected ", n));
  std::size_t k = 0;
  ForEachCount(e, e, [&](const char*, auto& x, const auto&) { x = static_cast<std::remove_reference_t<decltype(x)>>(v[k++]); });
  for (ConverterCount* c : Converters(e)) c->bits = static_cast<int>(v[k++]);
  return e;
}

void TileEvents::SaveState(const std::string& prefix, StateMap& state) const {
  ForEachCount(*this, *this, [&](const char* name, const auto& x, const auto&) {
    PutScalar(state, prefix + name, static_cast<double>(x));
  });
  const auto conv = Converters(*this);
  for (size_t k = 0; k < conv.size(); ++k) PutScalar(state, prefix + kConverterNames[k] + ".bits", conv[k]->bits);
}

TileEvents TileEvents::LoadState(const std::string& prefix, const StateMap& state) {
  TileEvents e;
  ForEachCount(e, e, [&](const char* name, auto& x, const auto&) {
    x = static_cast<std::remove_reference_t<decltype(x)>>(GetScalar(state, prefix + name));
  });
  const auto conv = Converters(e);
  for (size_t k = 0; k < conv.size(); ++k) {
    conv[k]->bits = static_cast<int>(GetScalar(state, prefix + kConverterNames[k] + ".bits"));
  }
  return e;
}

}  // namespace pcmsim::crossbar
