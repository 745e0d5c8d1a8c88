// Calibrating the chip-level overheads to their anchors (the [chip] readers: experiment/energy_chip_load).
#include "pcmsim/energy/overhead.hpp"

#include <cmath>
#include <cstdio>

#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/energy_table.hpp"
#include "pcmsim/energy/ledger.hpp"

namespace pcmsim::energy {
namespace {

constexpr double kPico = 1e-12;

std::string ClassName(MacClass c) { return c == MacClass::kInteger ? "integer" : "float"; }

std::string Fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
  return buf;
}

}  // namespace

PhaseCounts DigitalAnchorWorkload(const DigitalAnchor& a) {
  PhaseCounts c;
  c.calls = 1;
  c.samples = 1;
  c.macs[a.mac] = 1;
  return c;
}

PhaseCounts AnalogAnchorWorkload(const EnergyTable& t, const AnalogAnchor& a) {
  const AnalyticAssumptions& s = t.analytic;
  const double weights = static_cast<double>(a.rows) * static_cast<double>(a.cols);
  PhaseCounts c;
  c.calls = 1;
  c.samples = 1;
  c.dac[a.input_bits] = static_cast<double>(a.cols);
  c.adc[a.adc_bits] = static_cast<double>(a.rows);
  c.cell_reads = s.devices_per_weight * weights;
  c.read_g_dt = c.cell_reads * s.g_avg_S * s.read_time_s * s.input_duty;
  c.analog_macs = weights;
  c.scalings = static_cast<double>(a.rows);
  return c;
}

double AnchorJoules(double tops_per_w, double ops_per_mac, double macs) {
  return ops_per_mac * macs / (tops_per_w * 1e12);
}

void CalibrateChipOverhead(EnergyTable& t) {
  ChipOverhead& o = t.chip;
  o.float_mac_J = o.integer_mac_J = o.analog_J = 0;  // price the device-level model alone
  o.derivation.clear();
  const EnergyTable device = t;
  if (o.digital) {
    for (MacClass cls : {MacClass::kFloat, MacClass::kInteger}) {
      const DigitalAnchor* anchor = nullptr;
      for (const auto& a : o.digital_anchors) {
        if (a.applies_to != cls) continue;
        if (anchor != nullptr) {
          throw ConfigError(StrCat(t.digital_source, ": chip.anchor: both '", anchor->name, "' and '", a.name,
                                   "' apply to ", ClassName(cls), " MACs; keep one"));
        }
        anchor = &a;
      }
      if (anchor == nullptr) {
        throw ConfigError(StrCat(t.digital_source, ": chip.anchor: no anchor applies to ", ClassName(cls),
                                 " MACs (add one with applies_to = \"", ClassName(cls), "\")"));
      }
      const std::string op = anchor->mac.substr(0, anchor->mac.find('/'));
      if (device.ClassOf(op) != cls) {
        throw ConfigError(StrCat(t.digital_source, ": ", anchor->key, ".applies_to: '", anchor->mac, "' is not a ",
                                 ClassName(cls), " MAC"));
      }
      const double model = Sum(Price(DigitalAnchorWorkload(*anchor), device));
      const double measured = AnchorJoules(anchor->tops_per_w, anchor->ops_per_mac, 1);
      if (!(measured > model)) {
        throw ConfigError(StrCat(t.digital_source, ": ", anchor->key, ".tops_per_w: the device-level model (",
                                 Fixed(model / kPico), " pJ per ", anchor->mac, " MAC) already costs more than the anchor (",
                                 Fixed(measured / kPico), " pJ); no overhead can be derived"));
      }
      (cls == MacClass::kInteger ? o.integer_mac_J : o.float_mac_J) = measured - model;
      const std::string line = StrCat(
          "calibrated to: ", anchor->key, " = ", Fixed(anchor->tops_per_w), " TOPS/W -> ", Fixed(measured / kPico),
          " pJ per ", anchor->mac, " MAC (", Fixed(anchor->ops_per_mac), " ops) = device model ", Fixed(model / kPico),
          " pJ + overhead ", Fixed((measured - model) / kPico), " pJ per ", ClassName(cls), " MAC");
      o.derivation.push_back(line);
      const std::string key = StrCat("chip.overhead.", ClassName(cls), "_mac");
      t.entries[key] = {key, (measured - model) / kPico, StrCat("pJ per ", ClassName(cls), " digital MAC"), line,
                        "calibrated"};
    }
  }
  if (o.analog) {
    const AnalogAnchor& a = *o.analog_anchor;
    const PhaseCounts w = AnalogAnchorWorkload(device, a);
    const ComponentJoules parts = Price(w, device);
    const double model = Sum(parts);
    const double measured = AnchorJoules(a.tops_per_w, a.ops_per_mac, w.analog_macs);
    if (!(measured > model)) {
      throw ConfigError(StrCat(t.analog_source, ": ", a.key, ".tops_per_w: the device-level model (", Fixed(model / kPico),
                               " pJ per MVM) already costs more than the anchor (", Fixed(measured / kPico),
                               " pJ); no overhead can be derived"));
    }
    const bool per_conversion = o.attach == OverheadAttach::kConversion;
    const double events = per_conversion ? static_cast<double>(a.rows) : w.analog_macs;
    o.analog_J = (measured - model) / events;
    std::string split;
    for (int c = 0; c < kNumComponents; ++c) {
      if (parts[static_cast<size_t>(c)] == 0) continue;
      split += StrCat(split.empty() ? "" : ", ", ToString(static_cast<Component>(c)), " ",
                      Fixed(parts[static_cast<size_t>(c)] / kPico));
    }
    const std::string unit = per_conversion ? "ADC conversion" : "in-array MAC";
    const std::string line = StrCat(
        "calibrated to: ", a.key, " = ", Fixed(a.tops_per_w), " TOPS/W on a ", a.rows, "x", a.cols, " MVM (",
        a.input_bits, "-bit in, ", a.adc_bits, "-bit out) -> ", Fixed(measured / kPico), " pJ per MVM = device model ",
        Fixed(model / kPico), " pJ (", split, ") + overhead ", Fixed((measured - model) / kPico), " pJ = ",
        Fixed(events), " x ", Fixed(o.analog_J / kPico), " pJ per ", unit);
    o.derivation.push_back(line);
    t.entries["chip.overhead.analog"] = {"chip.overhead.analog", o.analog_J / kPico, StrCat("pJ per ", unit), line,
                                         "calibrated"};
  }
}

}  // namespace pcmsim::energy
