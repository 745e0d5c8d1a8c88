// `pcmsim energy [--tables device|chip|D.toml,A.toml] [--mvm N] [--adc-bits B] [--input-bits B]
// [--format ...]`: the analytic analog-vs-digital comparison — the scalar multiply and N x N MVM
// at device and chip level side by side, then for the chosen tables the bit-width dependence,
// sensitivity to ADC energy and tile size, digital MAC area and traffic per format — with the
// level, the calibration of chip-level overheads and every table entry used.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/analytic.hpp"
#include "pcmsim/experiment/energy_tables.hpp"
#include "text_table.hpp"

namespace pcmsim::cli {
namespace {

struct EnergyArgs {
  Index mvm = 256;
  int adc_bits = 8, input_bits = 8;
  experiment::TableChoice tables;  // --tables, --digital, --analog, --digital-set, --analog-set
  std::string format = "table";
};

// The scalar multiply and the MVM at both levels: the chosen tables price their own level, the
// built-in pair the other one.
TextTable LevelsTable(const energy::EnergyTable& chosen, const EnergyArgs& a) {
  const bool chosen_is_device = chosen.Level() == "device";
  experiment::TableChoice other;
  other.tables = chosen_is_device ? "chip" : "device";
  const energy::EnergyTable alt = experiment::LoadTables(other);
  const energy::EnergyTable& device = chosen_is_device ? chosen : alt;
  const energy::EnergyTable& chip = chosen_is_device ? alt : chosen;
  TextTable t{"device vs chip level (scalar multiply, " + StrCat(a.mvm, "x", a.mvm) + " MVM)",
              {"operation", "level", "digital J", "analog J", "digital TOPS/W", "analog TOPS/W", "digital/analog"},
              {}};
  energy::MvmOptions o;
  o.rows = o.cols = a.mvm;
  o.input_bits = a.input_bits;
  o.adc_bits = a.adc_bits;
  for (const auto& [name, scalar] : {std::pair{"scalar multiply", true}, {"MVM", false}}) {
    for (const energy::EnergyTable* table : {&device, &chip}) {
      const energy::Comparison c =
          scalar ? energy::CompareScalar(*table, a.input_bits, a.adc_bits) : energy::CompareMvm(*table, o);
      t.rows.push_back({name, table->Level(), Num(c.digital.Total()), Num(c.analog.Total()),
                        Num(energy::TopsPerWatt(2 * c.macs, c.digital.Total())),
                        Num(energy::TopsPerWatt(2 * c.macs, c.analog.Total())), Num(c.Ratio())});
    }
  }
  return t;
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

// Each anchor of a chip-level table next to the model's own pricing of the anchor's workload
// (the ledger with the calibrated overheads; equal by construction of the calibration).
TextTable AnchorTable(const energy::EnergyTable& t) {
  TextTable out{"chip-level anchors: measured vs model on the anchor workload",
                {"anchor", "workload", "measured TOPS/W", "model TOPS/W", "error %"},
                {}};
  auto row = [&](const std::string& key, const std::string& workload, double measured, double ops, double joules) {
    const double model = energy::TopsPerWatt(ops, joules);
    out.rows.push_back({key, workload, Num(measured), Num(model), Num(100 * (model - measured) / measured)});
  };
  for (const auto& d : t.chip.digital_anchors) {
    row(d.key, "1 " + d.mac + " MAC", d.tops_per_w, d.ops_per_mac,
        energy::Sum(energy::Price(energy::DigitalAnchorWorkload(d), t)));
  }
  if (t.chip.analog_anchor) {
    const energy::AnalogAnchor& an = *t.chip.analog_anchor;
    const energy::PhaseCounts w = energy::AnalogAnchorWorkload(t, an);
    row(an.key, StrCat(an.rows, "x", an.cols, " MVM, ", an.input_bits, "-bit in, ", an.adc_bits, "-bit out"),
        an.tops_per_w, an.ops_per_mac * w.analog_macs, energy::Sum(energy::Price(w, t)));
  }
  return out;
}

std::vector<TextTable> Tables(const energy::EnergyTable& table, const EnergyArgs& a, std::vector<std::string>& notes) {
  std::vector<TextTable> out;
  if (table.chip.digital || table.chip.analog) out.push_back(AnchorTable(table));
  out.push_back(LevelsTable(table, a));
  const energy::Comparison scalar = energy::CompareScalar(table, a.input_bits, a.adc_bits);
  out.push_back(SideTable("scalar multiply (one weight), " + table.Level() + " level", scalar));
  energy::MvmOptions o;
  o.rows = o.cols = a.mvm;
  o.input_bits = a.input_bits;
  o.adc_bits = a.adc_bits;
  const energy::Comparison mvm = energy::CompareMvm(table, o);
  out.push_back(SideTable(StrCat(a.mvm, "x", a.mvm, " MVM, ", table.Level(), " level"), mvm));

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
  notes = table.chip.derivation;
  for (const auto& s : mvm.assumptions)
    if (std::find(notes.begin(), notes.end(), s) == notes.end()) notes.push_back(s);
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
  const energy::EnergyTable table = experiment::LoadTables(a.tables);
  std::vector<std::string> notes;
  const auto tables = Tables(table, a, notes);
  const std::string header =
      StrCat("energy level: ", table.Level(), " (tables ", table.digital_source, " + ", table.analog_source, ")");
  if (f == TableFormat::kJson) {
    nlohmann::json j;
    j["level"] = table.Level();
    j["digital_table"] = table.digital_source;
    j["analog_table"] = table.analog_source;
    j["calibration"] = table.chip.derivation;
    for (const auto& t : tables) j["tables"].push_back({{"title", t.title}, {"rows", t.ToJson()}});
    j["assumptions"] = notes;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << (f == TableFormat::kCsv ? "# " : "") << header << "\n";
  if (!table.chip.derivation.empty()) std::cout << RenderList("chip-level calibration", table.chip.derivation, f);
  for (const auto& t : tables) std::cout << t.Render(f);
  std::cout << RenderList("assumptions", notes, f);
}

}  // namespace

void AddTableOptions(CLI::App& cmd, experiment::TableChoice& choice) {
  cmd.add_option("--tables", choice.tables,
                 "Energy tables: device (energy_45nm + energy_analog), chip (energy_digital_7nm + "
                 "energy_hermes_14nm, calibrated to measured chips) or DIGITAL.toml,ANALOG.toml")
      ->capture_default_str();
  cmd.add_option("--digital", choice.digital, "Digital energy table file replacing that side of --tables");
  cmd.add_option("--analog", choice.analog, "Analog energy table file replacing that side of --tables");
  cmd.add_option("--digital-set", choice.digital_set,
                 "Override a digital table key, e.g. table.node_scale=0.25 or chip.anchor.hfp8_training.tops_per_w=3");
  cmd.add_option("--analog-set", choice.analog_set,
                 "Override an analog table key, e.g. adc.preset=survey_median or chip.calibrate_to=four_phase");
}

void RegisterEnergy(CLI::App& app) {
  auto args = std::make_shared<EnergyArgs>();
  CLI::App* cmd = app.add_subcommand("energy", "Analytic analog-vs-digital energy: scalar multiply, MVM, sensitivity");
  cmd->add_option("--mvm", args->mvm, "N of the N x N MVM")->capture_default_str()->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--adc-bits", args->adc_bits, "ADC resolution")->capture_default_str()->check(CLI::Range(1, 24));
  cmd->add_option("--input-bits", args->input_bits, "DAC (input) resolution")->capture_default_str()->check(CLI::Range(1, 24));
  AddTableOptions(*cmd, args->tables);
  cmd->add_option("--format", args->format, "table | markdown | csv | json")->capture_default_str();
  cmd->callback([args] { Energy(*args); });
}

}  // namespace pcmsim::cli
