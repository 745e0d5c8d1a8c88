// Analytic comparisons built as synthetic event counts and priced by the ledger's Price().
#include "pcmsim/energy/analytic.hpp"

#include <set>

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::energy {
namespace {

std::vector<std::string> AnalyticStatements(const EnergyTable& t) {
  const AnalyticAssumptions& a = t.analytic;
  return {
      StrCat("digital MAC = ", a.weight_format, " multiply + ", a.accumulator_format, " add"),
      StrCat("digital MVM fetches every weight from ", a.weight_memory, " (", t.Format(a.weight_format).bits / 8.0,
             " byte(s) each); scalar multiply: operands in registers, no memory"),
      StrCat("both MVM sides read inputs and write outputs via ", a.activation_memory, " (1 byte per element)"),
      "analog: one DAC conversion per input per MVM, one ADC conversion per output per MVM, cell read energy "
      "V^2 x g_avg x (input_duty x read_time) per device",
      t.chip.digital || t.chip.analog
          ? StrCat("level ", t.Level(), ": calibrated chip overheads included (chip_overhead; see the calibrated-to "
                   "lines); not counted: per-output scaling/requantisation")
          : "not counted on either side: per-output scaling/requantisation, control, leakage",
  };
}

void Finish(const EnergyTable& t, Comparison& c) {
  std::set<std::string> used;
  c.digital.joules = Price(c.digital.counts, t, &used);
  c.analog.joules = Price(c.analog.counts, t, &used);
  for (const char* k : {"analytic.g_avg", "analytic.read_time", "analytic.input_duty", "analytic.devices_per_weight"}) {
    used.insert(k);
  }
  c.assumptions = AnalyticStatements(t);
  const auto entries = t.Assumptions({used.begin(), used.end()});
  c.assumptions.insert(c.assumptions.end(), entries.begin(), entries.end());
}

double CellGdt(const EnergyTable& t, double devices) {
  const AnalyticAssumptions& a = t.analytic;
  return devices * a.g_avg_S * a.read_time_s * a.input_duty;
}

}  // namespace

void MvmOptions::Validate() const {
  io::Require(rows >= 1, "mvm.rows", rows, "must be >= 1");
  io::Require(cols >= 1, "mvm.cols", cols, "must be >= 1");
  io::Require(input_bits >= 1 && input_bits <= 24, "mvm.input_bits", input_bits, "must be in [1, 24]");
  io::Require(adc_bits >= 1 && adc_bits <= 24, "mvm.adc_bits", adc_bits, "must be in [1, 24]");
  io::Require(adc_scale > 0, "mvm.adc_scale", adc_scale, "must be > 0");
}

double Comparison::AdcShare() const {
  return analog.joules[static_cast<size_t>(Component::kAdc)] / analog.Total();
}

Comparison CompareScalar(const EnergyTable& t, int input_bits, int adc_bits) {
  const AnalyticAssumptions& a = t.analytic;
  Comparison c;
  c.macs = 1;
  c.analog.counts.dac[input_bits] = 1;
  c.analog.counts.adc[adc_bits] = 1;
  c.analog.counts.cell_reads = a.devices_per_weight;
  c.analog.counts.read_g_dt = CellGdt(t, a.devices_per_weight);
  c.analog.counts.analog_macs = 1;
  Finish(t, c);
  // A lone multiply: no accumulation, so only the multiplier of the weight format.
  const FormatCost& w = t.Format(a.weight_format);
  c.digital.joules[static_cast<size_t>(Component::kDigitalMacs)] = w.multiply_J;
  c.assumptions.push_back(StrCat("scalar digital side: one ", a.weight_format, " multiply only (no accumulate)"));
  c.assumptions.push_back(t.entries.at(w.multiply_key).Text());
  if (t.chip.digital) {
    const MacClass cls = t.ClassOf(a.weight_format);
    c.digital.joules[static_cast<size_t>(Component::kChipOverhead)] = t.chip.MacJ(cls);
    c.assumptions.push_back(StrCat("scalar digital side at chip level: plus one ",
                                   cls == MacClass::kInteger ? "integer" : "float", " MAC overhead"));
    c.assumptions.push_back(
        t.entries.at(cls == MacClass::kInteger ? "chip.overhead.integer_mac" : "chip.overhead.float_mac").Text());
  }
  return c;
}

Comparison CompareMvm(const EnergyTable& t, const MvmOptions& o) {
  o.Validate();
  const AnalyticAssumptions& a = t.analytic;
  EnergyTable tt = t;
  tt.adc.ref_J *= o.adc_scale;
  const double n_w = static_cast<double>(o.rows) * static_cast<double>(o.cols);
  const double io_bytes = static_cast<double>(o.rows + o.cols);
  Comparison c;
  c.macs = n_w;
  PhaseCounts& d = c.digital.counts;
  d.macs[a.weight_format + "/" + a.accumulator_format] = n_w;
  d.bytes[a.weight_memory] += n_w * t.Format(a.weight_format).bits / 8.0;
  d.bytes[a.activation_memory] += io_bytes;
  PhaseCounts& an = c.analog.counts;
  an.dac[o.input_bits] = static_cast<double>(o.cols);
  an.adc[o.adc_bits] = static_cast<double>(o.rows);
  an.cell_reads = a.devices_per_weight * n_w;
  an.read_g_dt = CellGdt(t, a.devices_per_weight * n_w);
  an.analog_macs = n_w;
  an.bytes[a.activation_memory] += io_bytes;
  Finish(tt, c);
  c.digital_weight_fetch_J = n_w * t.Format(a.weight_format).bits / 8.0 * t.MemoryEnergyPerByte(a.weight_memory);
  if (o.adc_scale != 1.0) c.assumptions.push_back(StrCat("ADC energy scaled by ", o.adc_scale, " (sensitivity)"));
  return c;
}

std::vector<std::vector<double>> RatioSensitivity(const EnergyTable& t, const MvmOptions& base,
                                                  const std::vector<double>& adc_factors,
                                                  const std::vector<Index>& sizes) {
  std::vector<std::vector<double>> out;
  for (double f : adc_factors) {
    auto& row = out.emplace_back();
    for (Index n : sizes) {
      MvmOptions o = base;
      o.rows = o.cols = n;
      o.adc_scale = f;
      row.push_back(CompareMvm(t, o).Ratio());
    }
  }
  return out;
}

std::vector<FormatFigures> CompareFormats(const EnergyTable& t, const std::vector<std::string>& mac_keys) {
  auto area = [&](const std::string& key) {
    const size_t slash = key.find('/');
    if (slash == std::string::npos) throw ConfigError(StrCat("MAC key '", key, "' must be \"operand/accumulator\""));
    return t.Format(key.substr(0, slash)).multiply_area_um2 + t.Format(key.substr(slash + 1)).add_area_um2;
  };
  const double ref_area = area("fp32/fp32");
  const double ref_bytes = t.Format("fp32").bits / 8.0;
  std::vector<FormatFigures> out;
  for (const auto& k : mac_keys) {
    FormatFigures f;
    f.mac_key = k;
    f.mac_J = t.MacEnergy(k);
    f.mac_area_um2 = area(k);
    f.area_vs_fp32 = f.mac_area_um2 / ref_area;
    f.throughput_per_area_vs_fp32 = ref_area / f.mac_area_um2;
    f.weight_bytes = t.Format(k.substr(0, k.find('/'))).bits / 8.0;
    f.dram_bytes_vs_fp32 = f.weight_bytes / ref_bytes;
    out.push_back(f);
  }
  return out;
}

}  // namespace pcmsim::energy
