// Strict loading of the per-event energy tables (devices/energy_*.toml) into energy::EnergyTable.
#include "pcmsim/experiment/energy_table_load.hpp"

#include <cmath>
#include <set>

#include "energy_chip_load.hpp"
#include "pcmsim/core/error.hpp"

namespace pcmsim::experiment {

using energy::AnalyticAssumptions;
using energy::BitScaling;
using energy::ConverterModel;
using energy::EnergyTable;
using energy::FormatCost;

namespace {

constexpr double kPico = 1e-12, kFemto = 1e-15;

// Typed, range-checked look-ups that fail with the file and key.
struct Reader {
  io::ConfigReader& cfg;
  double Positive(const std::string& key, double fallback = -1) {
    if (fallback < 0 && !cfg.Has(key)) cfg.Fail(key, "is required");
    const double v = cfg.GetDouble(key, fallback);
    if (!(v > 0) || !std::isfinite(v)) cfg.Fail(key, StrCat(v, " must be a finite number > 0"));
    return v;
  }
  int IntIn(const std::string& key, int lo, int hi) {
    if (!cfg.Has(key)) cfg.Fail(key, "is required");
    const std::int64_t v = cfg.GetInt(key, 0);
    if (v < lo || v > hi) cfg.Fail(key, StrCat(v, " must be in [", lo, ", ", hi, "]"));
    return static_cast<int>(v);
  }
  std::string Required(const std::string& key) {
    if (!cfg.Has(key)) cfg.Fail(key, "is required");
    return cfg.GetString(key, "");
  }
  // Names of the sub-tables below `prefix` ("format" -> fp32, fp16, ...).
  std::vector<std::string> Children(const std::string& prefix) const {
    std::set<std::string> names;
    for (const auto& k : cfg.Keys(prefix)) {
      const std::string rest = k.substr(prefix.size() + 1);
      names.insert(rest.substr(0, rest.find('.')));
    }
    return {names.begin(), names.end()};
  }
};

struct RawOp {
  bool cited = false;
  double pJ = 0, area = 0;
};

// One [format.NAME] section as written (cited values only; derivation comes later).
struct RawFormat {
  FormatCost cost;
  RawOp mul, add;
  std::string derive_from, source, status;
};

RawFormat ReadRawFormat(Reader& r, const std::string& k) {
  RawFormat f;
  f.cost.bits = r.IntIn(k + ".bits", 1, 64);
  f.cost.significand_bits = r.IntIn(k + ".significand_bits", 1, 64);
  for (auto [op, field] : {std::pair{"multiply", &f.mul}, {"add", &f.add}}) {
    if (r.cfg.Has(k + "." + op + "_pJ")) {
      field->cited = true;
      field->pJ = r.Positive(k + "." + op + "_pJ");
      field->area = r.Positive(k + "." + op + "_area_um2");
    }
  }
  f.derive_from = r.cfg.GetString(k + ".derive_from", "");
  f.source = r.cfg.GetString(k + ".source", "");
  f.status = r.cfg.GetString(k + ".status", "");
  if ((f.mul.cited || f.add.cited) && (f.source.empty() || f.status.empty())) {
    r.cfg.Fail(k + ".source", "cited entries need `source` and `status`");
  }
  if ((!f.mul.cited || !f.add.cited) && f.derive_from.empty()) {
    r.cfg.Fail(k + ".derive_from", "is required when multiply_pJ or add_pJ is not given");
  }
  return f;
}

// Fills the multiply (power 2) or add (power 1) cost of `f`, cited or derived from the
// reference format's cited value x (p / p_ref)^power, and records the table entries.
void ResolveOp(Reader& r, EnergyTable& t, const std::map<std::string, RawFormat>& raw, const std::string& k,
               RawFormat& f, int power) {
  const char* op = power == 2 ? "multiply" : "add";
  const std::string key = StrCat(k, ".", op);
  RawOp v = power == 2 ? f.mul : f.add;
  std::string source = f.source, status = f.status;
  if (!v.cited) {
    auto ref = raw.find(f.derive_from);
    const RawOp* rop = ref == raw.end() ? nullptr : (power == 2 ? &ref->second.mul : &ref->second.add);
    if (rop == nullptr || !rop->cited) {
      r.cfg.Fail(k + ".derive_from", StrCat("'", f.derive_from, "' is not a format with a cited ", op, " entry"));
    }
    const int p_ref = ref->second.cost.significand_bits;
    const double factor = std::pow(static_cast<double>(f.cost.significand_bits) / p_ref, power);
    v = {false, rop->pJ * factor, rop->area * factor};
    source = StrCat("derived from ", f.derive_from, " ", op, " x (", f.cost.significand_bits, "/", p_ref, ")^", power,
                    " (significand width)");
    status = "derived";
  }
  FormatCost& c = f.cost;
  (power == 2 ? c.multiply_J : c.add_J) = v.pJ * kPico * t.node_scale;
  (power == 2 ? c.multiply_area_um2 : c.add_area_um2) = v.area;
  (power == 2 ? c.multiply_key : c.add_key) = key;
  t.entries[key] = {key, v.pJ, "pJ", source, status};
  t.entries[key + "_area"] = {key + "_area", v.area, "um^2", source, status};
}

void ReadFormats(Reader& r, EnergyTable& t) {
  std::map<std::string, RawFormat> raw;
  for (const auto& name : r.Children("format")) raw[name] = ReadRawFormat(r, "format." + name);
  if (raw.empty()) r.cfg.Fail("format", "the table defines no number formats");
  for (auto& [name, f] : raw) {
    const std::string k = "format." + name;
    ResolveOp(r, t, raw, k, f, 2);
    ResolveOp(r, t, raw, k, f, 1);
    t.formats[name] = f.cost;
  }
}

void ReadMemoryAndPeriphery(Reader& r, EnergyTable& t) {
  for (const auto& level : r.Children("memory")) {
    const std::string k = "memory." + level;
    const double pj = r.Positive(k + ".pJ_per_64b");
    const bool scaled = r.cfg.GetBool(k + ".scale_with_node", true);
    t.memory_J_per_byte[level] = pj * kPico / 8.0 * (scaled ? t.node_scale : 1.0);
    t.entries[k] = {k, pj, "pJ per 64-bit access", r.Required(k + ".source"), r.Required(k + ".status")};
  }
  const std::string src = r.Required("periphery.source"), status = r.Required("periphery.status");
  for (auto [name, target, is_mul] : {std::tuple{"activation", &t.activation_J, false},
                                      {"scaling", &t.scaling_J, true},
                                      {"partial_sum", &t.partial_sum_add_J, false}}) {
    const std::string key = StrCat("periphery.", name, "_format");
    const std::string fmt = r.Required(key);
    auto it = t.formats.find(fmt);
    if (it == t.formats.end()) r.cfg.Fail(key, StrCat("'", fmt, "' is not a format of this table"));
    *target = is_mul ? it->second.multiply_J : it->second.add_J;
    const std::string entry = StrCat("periphery.", name);
    t.entries[entry] = {entry, *target / kPico / t.node_scale, "pJ",
                        StrCat(src, " (one ", fmt, is_mul ? " multiply)" : " add)"), status};
  }
}

BitScaling ReadScaling(Reader& r, const std::string& key) {
  return r.cfg.GetEnum<BitScaling>(key, BitScaling::kWalden,
                                   {{"walden", BitScaling::kWalden}, {"linear", BitScaling::kLinear}});
}

ConverterModel ReadConverter(Reader& r, EnergyTable& t, const std::string& kind) {
  ConverterModel m;
  m.preset = r.Required(kind + ".preset");
  if (!r.cfg.Has(kind + ".bits_scaling")) r.cfg.Fail(kind + ".bits_scaling", "is required (walden | linear)");
  m.scaling = ReadScaling(r, kind + ".bits_scaling");
  const auto presets = r.Children(kind + ".presets");
  bool found = false;
  for (const auto& p : presets) {
    const std::string k = StrCat(kind, ".presets.", p);
    const double fj = r.Positive(k + ".energy_fJ");
    const int bits = r.IntIn(k + ".ref_bits", 1, 24);
    const std::string scaling = m.scaling == BitScaling::kWalden ? "E ~ 2^bits (Walden)" : "E ~ bits (linear)";
    t.entries[k] = {k, fj, StrCat("fJ per conversion at ", bits, " bits"),
                    StrCat(r.Required(k + ".source"), "; bit scaling ", scaling), r.Required(k + ".status")};
    if (p == m.preset) {
      m.ref_J = fj * kFemto;
      m.ref_bits = bits;
      m.key = k;
      found = true;
    }
  }
  if (!found) {
    std::string list;
    for (const auto& p : presets) list += (list.empty() ? "" : ", ") + p;
    r.cfg.Fail(kind + ".preset", StrCat("'", m.preset, "' is not one of the presets: ", list));
  }
  return m;
}

void ReadAnalog(Reader& r, EnergyTable& t) {
  t.read_voltage_V = r.Positive("read.voltage_V");
  t.entries["read.voltage"] = {"read.voltage", t.read_voltage_V, "V (cell read E = V^2 G t)",
                               r.Required("read.source"), r.Required("read.status")};
  t.adc = ReadConverter(r, t, "adc");
  t.dac = ReadConverter(r, t, "dac");
  const double v = r.Positive("pulse.write_voltage_V");
  const std::string src = r.Required("pulse.source"), status = r.Required("pulse.status");
  for (auto [name, target] : {std::pair{"set", &t.set_J}, {"reset", &t.reset_J}, {"program", &t.program_J}}) {
    const double ua = r.Positive(StrCat("pulse.", name, "_current_uA"));
    const double ns = r.Positive(StrCat("pulse.", name, "_time_ns"));
    *target = v * ua * 1e-6 * ns * 1e-9;
    const std::string key = StrCat("pulse.", name);
    t.entries[key] = {key, *target / kPico, "pJ per pulse",
                      StrCat(src, " -> ", v, " V x ", ua, " uA x ", ns, " ns"), status};
  }
  t.verify_read_J = r.Positive("pulse.verify_read_pJ") * kPico;
  t.entries["pulse.verify_read"] = {"pulse.verify_read", t.verify_read_J / kPico, "pJ per read", src, status};

  AnalyticAssumptions& a = t.analytic;
  a.g_avg_S = r.Positive("analytic.g_avg_uS") * 1e-6;
  a.read_time_s = r.Positive("analytic.read_time_ns") * 1e-9;
  a.input_duty = r.cfg.GetDouble("analytic.input_duty", a.input_duty);
  if (!(a.input_duty >= 0 && a.input_duty <= 1)) r.cfg.Fail("analytic.input_duty", StrCat(a.input_duty, " must be in [0, 1]"));
  a.devices_per_weight = r.IntIn("analytic.devices_per_weight", 1, 4);
  a.weight_format = r.Required("analytic.weight_format");
  a.accumulator_format = r.Required("analytic.accumulator_format");
  a.weight_memory = r.Required("analytic.weight_memory");
  a.activation_memory = r.Required("analytic.activation_memory");
  const std::string asrc = r.Required("analytic.source"), astatus = r.Required("analytic.status");
  t.entries["analytic.g_avg"] = {"analytic.g_avg", a.g_avg_S * 1e6, "uS mean read conductance", asrc, astatus};
  t.entries["analytic.read_time"] = {"analytic.read_time", a.read_time_s * 1e9, "ns full-scale read", asrc, astatus};
  t.entries["analytic.input_duty"] = {"analytic.input_duty", a.input_duty, "mean input pulse share", asrc, astatus};
  t.entries["analytic.devices_per_weight"] = {"analytic.devices_per_weight", double(a.devices_per_weight),
                                              "devices", asrc, astatus};
}

}  // namespace

EnergyTable LoadEnergyTable(io::ConfigReader& digital, io::ConfigReader& analog) {
  EnergyTable t;
  t.digital_source = digital.Source();
  t.analog_source = analog.Source();
  Reader d{digital};
  d.Required("table.name");
  d.IntIn("table.node_nm", 1, 1000);
  t.node_scale = d.Positive("table.node_scale");
  t.entries["table.node_scale"] = {"table.node_scale", t.node_scale,
                                   StrCat("x (logic/SRAM energies of the ", digital.GetInt("table.node_nm", 0), " nm table)"),
                                   d.Required("table.node_scale_source"), "setting"};
  ReadFormats(d, t);
  ReadMemoryAndPeriphery(d, t);
  Reader a{analog};
  ReadAnalog(a, t);
  const AnalyticAssumptions& an = t.analytic;
  for (const auto& [key, f] : {std::pair{"analytic.weight_format", an.weight_format},
                               {"analytic.accumulator_format", an.accumulator_format}}) {
    if (!t.formats.count(f)) analog.Fail(key, StrCat("'", f, "' is not a format of ", t.digital_source));
  }
  for (const auto& [key, m] : {std::pair{"analytic.weight_memory", an.weight_memory},
                               {"analytic.activation_memory", an.activation_memory}}) {
    if (!t.memory_J_per_byte.count(m)) analog.Fail(key, StrCat("'", m, "' is not a memory level of ", t.digital_source));
  }
  ReadDigitalChip(digital, t);
  ReadAnalogChip(analog, t);
  digital.CheckAllConsumed();
  analog.CheckAllConsumed();
  energy::CalibrateChipOverhead(t);
  return t;
}

EnergyTable LoadEnergyTable(const std::filesystem::path& digital, const std::filesystem::path& analog) {
  io::ConfigReader d = io::ConfigReader::FromFile(digital);
  io::ConfigReader a = io::ConfigReader::FromFile(analog);
  return LoadEnergyTable(d, a);
}

EnergyTable ChipEnergyTable() {
  io::ConfigReader d = io::ConfigReader::FromString(ChipDigitalTableText(), "devices/energy_digital_7nm.toml (built in)");
  io::ConfigReader a = io::ConfigReader::FromString(ChipAnalogTableText(), "devices/energy_hermes_14nm.toml (built in)");
  return LoadEnergyTable(d, a);
}

EnergyTable DefaultEnergyTable() {
  io::ConfigReader d = io::ConfigReader::FromString(DefaultDigitalTableText(), "devices/energy_45nm.toml (built in)");
  io::ConfigReader a = io::ConfigReader::FromString(DefaultAnalogTableText(), "devices/energy_analog.toml (built in)");
  return LoadEnergyTable(d, a);
}

}  // namespace pcmsim::experiment
