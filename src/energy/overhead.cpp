// Reading the [chip] sections and calibrating the chip-level overheads to their anchors.
#include "pcmsim/energy/overhead.hpp"

#include <cmath>
#include <cstdio>
#include <set>

#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/energy_table.hpp"
#include "pcmsim/energy/ledger.hpp"

namespace pcmsim::energy {
namespace {

constexpr double kPico = 1e-12;

std::vector<std::string> AnchorNames(const io::ConfigReader& cfg) {
  std::set<std::string> names;
  const std::string prefix = "chip.anchor.";
  for (const auto& k : cfg.Keys("chip.anchor")) {
    const std::string rest = k.substr(prefix.size());
    names.insert(rest.substr(0, rest.find('.')));
  }
  return {names.begin(), names.end()};
}

double PositiveAt(io::ConfigReader& cfg, const std::string& key, double fallback = -1) {
  if (fallback < 0 && !cfg.Has(key)) cfg.Fail(key, "is required");
  const double v = cfg.GetDouble(key, fallback);
  if (!(v > 0) || !std::isfinite(v)) cfg.Fail(key, StrCat(v, " must be a finite number > 0"));
  return v;
}

std::string RequiredAt(io::ConfigReader& cfg, const std::string& key) {
  if (!cfg.Has(key)) cfg.Fail(key, "is required");
  return cfg.GetString(key, "");
}

int IntAt(io::ConfigReader& cfg, const std::string& key, int lo, int hi) {
  if (!cfg.Has(key)) cfg.Fail(key, "is required");
  const std::int64_t v = cfg.GetInt(key, 0);
  if (v < lo || v > hi) cfg.Fail(key, StrCat(v, " must be in [", lo, ", ", hi, "]"));
  return static_cast<int>(v);
}

// Records an anchor as a printed table entry.
void AddAnchorEntry(io::ConfigReader& cfg, EnergyTable& t, const std::string& k, double tops, const std::string& what) {
  t.entries[k] = {k, tops, StrCat("TOPS/W measured (", what, ")"), RequiredAt(cfg, k + ".source"),
                  RequiredAt(cfg, k + ".status")};
}

std::string ClassName(MacClass c) { return c == MacClass::kInteger ? "integer" : "float"; }

std::string Fixed(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
  return buf;
}

}  // namespace

void ReadDigitalChip(io::ConfigReader& cfg, EnergyTable& t) {
  if (cfg.Keys("chip").empty()) return;
  t.chip.digital = true;
  for (const auto& name : AnchorNames(cfg)) {
    const std::string k = "chip.anchor." + name;
    DigitalAnchor a;
    a.name = name;
    a.key = k;
    a.mac = RequiredAt(cfg, k + ".mac");
    if (!cfg.Has(k + ".applies_to")) cfg.Fail(k + ".applies_to", "is required (float | integer)");
    a.applies_to = cfg.GetEnum<MacClass>(k + ".applies_to", MacClass::kFloat,
                                         {{"float", MacClass::kFloat}, {"integer", MacClass::kInteger}});
    a.tops_per_w = PositiveAt(cfg, k + ".tops_per_w");
    a.ops_per_mac = PositiveAt(cfg, k + ".ops_per_mac", 2);
    AddAnchorEntry(cfg, t, k, a.tops_per_w, StrCat(a.mac, " MACs, ", Fixed(a.ops_per_mac), " ops per MAC"));
    t.chip.digital_anchors.push_back(a);
  }
  if (t.chip.digital_anchors.empty()) cfg.Fail("chip.anchor", "a [chip] section needs at least one [chip.anchor.NAME]");
}

void ReadAnalogChip(io::ConfigReader& cfg, EnergyTable& t) {
  if (cfg.Keys("chip").empty()) return;
  t.chip.analog = true;
  const std::string chosen = RequiredAt(cfg, "chip.calibrate_to");
  if (!cfg.Has("chip.attach")) cfg.Fail("chip.attach", "is required (conversion | mac)");
  t.chip.attach = cfg.GetEnum<OverheadAttach>("chip.attach", OverheadAttach::kConversion,
                                              {{"conversion", OverheadAttach::kConversion}, {"mac", OverheadAttach::kMac}});
  std::string list;
  for (const auto& name : AnchorNames(cfg)) {
    const std::string k = "chip.anchor." + name;
    AnalogAnchor a;
    a.name = name;
    a.key = k;
    a.tops_per_w = PositiveAt(cfg, k + ".tops_per_w");
    a.ops_per_mac = PositiveAt(cfg, k + ".ops_per_mac", 2);
    a.rows = IntAt(cfg, k + ".rows", 1, 1 << 16);
    a.cols = IntAt(cfg, k + ".cols", 1, 1 << 16);
    a.input_bits = IntAt(cfg, k + ".input_bits", 1, 24);
    a.adc_bits = IntAt(cfg, k + ".adc_bits", 1, 24);
    AddAnchorEntry(cfg, t, k, a.tops_per_w,
                   StrCat(a.rows, "x", a.cols, " MVM, ", a.input_bits, "-bit in, ", a.adc_bits, "-bit out"));
    if (name == chosen) t.chip.analog_anchor = a;
    list += (list.empty() ? "" : ", ") + name;
  }
  if (!t.chip.analog_anchor) cfg.Fail("chip.calibrate_to", StrCat("'", chosen, "' is not one of the anchors: ", list));
}

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
