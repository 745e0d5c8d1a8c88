// Reading the optional [chip] sections of the energy tables (anchors of the chip-level overheads).
#include "energy_chip_load.hpp"

#include <cmath>
#include <cstdio>
#include <set>

#include "pcmsim/core/error.hpp"

namespace pcmsim::experiment {
namespace {

using energy::AnalogAnchor;
using energy::DigitalAnchor;
using energy::EnergyTable;
using energy::MacClass;
using energy::OverheadAttach;

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

}  // namespace pcmsim::experiment
