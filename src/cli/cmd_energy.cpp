// `pcmsim energy [--mvm N] [--adc-bits B] [--input-bits B] [--format ...]`: the analytic
// analog-vs-digital comparison (8-bit scalar multiply, N x N MVM, bit-width dependence,
// sensitivity to ADC energy and tile size), digital MAC area and traffic per format, and
// every table entry used.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/analytic.hpp"
#include "text_table.hpp"

namespace pcmsim::cli {
namespace {

struct EnergyArgs {
  Index mvm = 256;
  int adc_bits = 8, input_bits = 8;
  std::string digital, analog;  // table files (empty: built-in devices/ tables)
  std::vector<std::string> digital_set, analog_set;  // key=value overrides
  std::string format = "table";
};

energy::EnergyTable LoadTable(const EnergyArgs& a) {
  io::ConfigReader d = a.digital.empty() ? io::ConfigReader::FromString(energy::DefaultDigitalTableText(),
                                                                        "devices/energy_45nm.toml (built in)")
                                         : io::ConfigReader::FromFile(a.digital);
  io::ConfigReader g = a.analog.empty() ? io::ConfigReader::FromString(energy::DefaultAnalogTableText(),
                                                                       "devices/energy_analog.toml (built in)")
                                        : io::ConfigReader::FromFile(a.analog);
  for (const auto& s : a.digital_set) d.ApplyOverride(s);
  for (const auto& s : a.analog_set) g.ApplyOverride(s);
  return energy::LoadEnergyTable(d, g);
}

TextTable SideTable(const std::string& title, const energy::Comparison& c) {
  TextTable t;
  t.title = title;
  t.header = {"component", "digital J", "analog J"};
  for (int i = 0; i < energy::kNumComponents; ++i) {
    const auto k = static_cast<size_t>(i);
    if (c.digital.joules[k] == 0 && c.analog.joules[k] == 0) continue;
    t.rows.push_back({std::string(energy::ToString(static_cast<energy::Component>(i))), Num(c.digital.joules[k]),
                      Num(c.analog.joules[k])});
  }
  t.rows.push_back({"total", Num(c.digital.Total()), Num(c.analog.Total())});
  t.rows.push_back({"per MAC", Num(c.digital.Total() / c.macs), Num(c.analog.Total() / c.macs)});
  t.rows.push_back({"TOPS/W", Num(energy::TopsPerWatt(2 * c.macs, c.digital.Total())),
                    Num(energy::TopsPerWatt(2 * c.macs, c.analog.Total()))});
  t.rows.push_back({"digital/analog ratio", Num(c.Ratio()), ""});
  if (c.digital_weight_fetch_J > 0) {
    t.rows.push_back({"ratio without weight fetch", Num(c.RatioWithoutWeightFetch()), ""});
  }
  t.rows.push_back({"ADC share of analog", "", Num(c.AdcShare())});
  return t;
}

std::vector<TextTable> Tables(const energy::EnergyTable& table, const EnergyArgs& a, std::vector<std::string>& notes) {
  std::vector<TextTable> out;
  const energy::Comparison scalar = energy::CompareScalar(table, a.input_bits, a.adc_bits);
  out.push_back(SideTable("scalar multiply (one weight)", scalar));
  energy::MvmOptions o;
  o.rows = o.cols = a.mvm;
  o.input_bits = a.input_bits;
  o.adc_bits = a.adc_bits;
  const energy::Comparison mvm = energy::CompareMvm(table, o);
  out.push_back(SideTable(StrCat(a.mvm, "x", a.mvm, " MVM"), mvm));

  TextTable bits{StrCat("bit widths (", a.mvm, "x", a.mvm, " MVM)"), {"input bits", "ADC bits", "ratio", "ADC share", "ratio w/o weight fetch"}, {}};
  for (int b : {4, 6, 8, 10}) {
    energy::MvmOptions ob = o;
    ob.input_bits = ob.adc_bits = b;
    const auto c = energy::CompareMvm(table, ob);
    bits.rows.push_back({std::to_string(b), std::to_string(b), Num(c.Ratio()), Num(c.AdcShare()),
                         Num(c.RatioWithoutWeightFetch())});
  }
  out.push_back(bits);

  const std::vector<double> factors = {0.1, 0.3, 1, 3, 10};
  const std::vector<Index> sizes = {64, 128, 256, 512, 1024};
  const auto grid = energy::RatioSensitivity(table, o, factors, sizes);
  TextTable sens{"digital/analog MVM energy ratio vs ADC energy factor (rows) and N x N tile (columns)", {"ADC x"}, {}};
  for (Index n : sizes) sens.header.push_back(StrCat("N=", n));
  for (size_t i = 0; i < factors.size(); ++i) {
    std::vector<std::string> row = {Num(factors[i])};
    for (double r : grid[i]) row.push_back(Num(r));
    sens.rows.push_back(row);
  }
  out.push_back(sens);

  TextTable fmt{"digital MAC units per format (relative to fp32/fp32)",
                {"MAC", "pJ/MAC", "area um^2", "area vs fp32", "MACs/area vs fp32", "bytes/weight", "DRAM bytes vs fp32"},
                {}};
  const std::vector<std::string> mac_keys = {"fp32/fp32", "fp16/fp32", "fp16/fp16", "bf16/fp32",
                                             "fp8_152/fp16_169", "e4m3/fp16", "int8/int32"};
  for (const auto& f : energy::CompareFormats(table, mac_keys)) {
    fmt.rows.push_back({f.mac_key, Num(f.mac_J * 1e12), Num(f.mac_area_um2), Num(f.area_vs_fp32),
                        Num(f.throughput_per_area_vs_fp32), Num(f.weight_bytes), Num(f.dram_bytes_vs_fp32)});
  }
  out.push_back(fmt);
  notes = mvm.assumptions;
  for (const auto& s : scalar.assumptions)
    if (std::find(notes.begin(), notes.end(), s) == notes.end()) notes.push_back(s);
  for (const auto& f : mac_keys) {
    std::vector<std::string> keys;
    for (const auto& k : table.MacEntries(f)) {
      keys.push_back(k);
      keys.push_back(k + "_area");
    }
    for (const auto& s : table.Assumptions(keys))
      if (std::find(notes.begin(), notes.end(), s) == notes.end()) notes.push_back(s);
  }
  return out;
}

void Energy(const EnergyArgs& a) {
  const TableFormat f = TableFormatFromString(a.format);
  const energy::EnergyTable table = LoadTable(a);
  std::vector<std::string> notes;
  const auto tables = Tables(table, a, notes);
  if (f == TableFormat::kJson) {
    nlohmann::json j;
    for (const auto& t : tables) j["tables"].push_back({{"title", t.title}, {"rows", t.ToJson()}});
    j["assumptions"] = notes;
    std::cout << j.dump(2) << "\n";
    return;
  }
  for (const auto& t : tables) std::cout << t.Render(f);
  std::cout << RenderList("assumptions", notes, f);
}

}  // namespace

void RegisterEnergy(CLI::App& app) {
  auto args = std::make_shared<EnergyArgs>();
  CLI::App* cmd = app.add_subcommand("energy", "Analytic analog-vs-digital energy: scalar multiply, MVM, sensitivity");
  cmd->add_option("--mvm", args->mvm, "N of the N x N MVM")->capture_default_str()->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--adc-bits", args->adc_bits, "ADC resolution")->capture_default_str()->check(CLI::Range(1, 24));
  cmd->add_option("--input-bits", args->input_bits, "DAC (input) resolution")->capture_default_str()->check(CLI::Range(1, 24));
  cmd->add_option("--digital", args->digital, "Digital energy table (default: built-in devices/energy_45nm.toml)");
  cmd->add_option("--analog", args->analog, "Analog energy table (default: built-in devices/energy_analog.toml)");
  cmd->add_option("--digital-set", args->digital_set, "Override a digital table key, e.g. table.node_scale=0.25");
  cmd->add_option("--analog-set", args->analog_set, "Override an analog table key, e.g. adc.preset=survey_median");
  cmd->add_option("--format", args->format, "table | markdown | csv | json")->capture_default_str();
  cmd->callback([args] { Energy(*args); });
}

}  // namespace pcmsim::cli
