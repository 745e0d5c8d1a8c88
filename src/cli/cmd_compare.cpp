// `pcmsim compare A.h5 B.h5 ... [--tables device|chip|D.toml,A.toml] [--baseline R.h5]
// [--format table|markdown|csv|json]`: one side-by-side table of accuracy, energy per inference
// and per training step, TOPS/W and the dominant energy component of several result files, as
// the runs priced them or priced again from their stored event counts with the chosen tables,
// with the energy level in the header and the energy assumptions beneath.
#include <cmath>
#include <iostream>
#include <limits>
#include <optional>

#include "commands.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/counts_file.hpp"
#include "pcmsim/energy/ledger.hpp"
#include "pcmsim/io/h5.hpp"
#include "text_table.hpp"

namespace pcmsim::cli {
namespace {

struct CompareArgs {
  std::vector<std::string> files;
  std::string baseline;          // result file the energy ratios refer to ("" = none)
  experiment::TableChoice tables;    // tables.tables == "" and no files/overrides: as the runs priced them
  std::string format = "table";
  bool Reprice() const {
    return !tables.tables.empty() || !tables.digital.empty() || !tables.analog.empty() ||
           !tables.digital_set.empty() || !tables.analog_set.empty();
  }
};

// The numbers and strings compare shows for one result file.
struct RunRow {
  std::string file, experiment, backend, dominant, dominant_train, level;
  double accuracy = 0, inference_J = 0, train_step_J = 0, tops_inference = 0, tops_train = 0;
  std::vector<std::string> assumptions;
};

RunRow ReadRow(const std::string& file, const energy::EnergyTable* reprice) {
  io::H5Reader in(file);
  experiment::CheckPcmsimFile(in);
  in.Verify();
  auto num = [&](const char* key) {
    return in.HasAttr("/summary", key) ? in.AttrDouble("/summary", key) : std::numeric_limits<double>::quiet_NaN();
  };
  auto str = [&](const char* key) {
    return in.HasAttr("/summary", key) ? in.AttrString("/summary", key) : std::string("-");
  };
  RunRow r;
  r.file = file;
  if (!in.Exists("/summary")) throw IoError(StrCat(file, ": no /summary group (not a pcmsim run result?)"));
  r.experiment = str("experiment");
  r.backend = str("backend");
  r.dominant = str("energy_dominant_component");
  r.dominant_train = str("energy_dominant_component_train");
  r.accuracy = num("test_accuracy");
  r.inference_J = num("energy_per_inference_J");
  r.train_step_J = num("energy_per_train_step_J");
  r.tops_inference = num("tops_per_w_inference");
  r.tops_train = num("tops_per_w_train");
  if (in.Exists("/energy/assumptions")) r.assumptions = in.ReadStrings("/energy/assumptions");
  r.level = in.Exists("/energy") && in.HasAttr("/energy", "level") ? in.AttrString("/energy", "level")
                                                                   : std::string("device (not recorded)");
  if (reprice != nullptr) {
    const energy::EnergyReport e = energy::MakeReport(experiment::ReadEventCounts(in), *reprice);
    r.inference_J = e.energy_per_inference_J;
    r.train_step_J = e.energy_per_train_step_J;
    r.tops_inference = e.tops_per_w_inference;
    r.tops_train = e.tops_per_w_train;
    const std::string none = "-";
    r.dominant = e.DominantInference().empty() ? none : e.DominantInference();
    r.dominant_train = e.DominantTrainStep().empty() ? none : e.DominantTrainStep();
    r.assumptions = e.assumptions;
    r.level = e.level;
  }
  return r;
}

nlohmann::json JsonNum(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

void Compare(const CompareArgs& a) {
  const TableFormat f = TableFormatFromString(a.format);
  std::optional<energy::EnergyTable> table;
  if (a.Reprice()) {
    experiment::TableChoice c = a.tables;
    if (c.tables.empty()) c.tables = "device";
    table = experiment::LoadTables(c);
  }
  const energy::EnergyTable* reprice = table ? &*table : nullptr;
  std::vector<RunRow> rows;
  for (const auto& file : a.files) rows.push_back(ReadRow(file, reprice));
  std::optional<RunRow> base;
  if (!a.baseline.empty()) base = ReadRow(a.baseline, reprice);
  auto ratio = [](double baseline, double v) {
    return std::isfinite(baseline) && std::isfinite(v) && v > 0 ? baseline / v : std::numeric_limits<double>::quiet_NaN();
  };
  bool same_level = true;
  for (const auto& r : rows) same_level = same_level && r.level == rows.front().level;
  const std::string header =
      reprice != nullptr
          ? StrCat("energy level: ", reprice->Level(), " (priced again from each run's /energy/counts with ",
                   reprice->digital_source, " + ", reprice->analog_source, ")")
          : StrCat("energy level: ", same_level ? rows.front().level : std::string("differs per run (see column)"),
                   " (as priced by the runs)");
  // Assumptions: once if every file used the same list, else per file.
  bool same = true;
  for (const auto& r : rows) same = same && r.assumptions == rows.front().assumptions;

  if (f == TableFormat::kJson) {
    nlohmann::json j;
    j["runs"] = nlohmann::json::array();
    for (const auto& r : rows) {
      j["runs"].push_back({{"file", r.file}, {"experiment", r.experiment}, {"backend", r.backend},
                           {"test_accuracy", JsonNum(r.accuracy)}, {"energy_per_inference_J", JsonNum(r.inference_J)},
                           {"energy_per_train_step_J", JsonNum(r.train_step_J)},
                           {"tops_per_w_inference", JsonNum(r.tops_inference)},
                           {"tops_per_w_train", JsonNum(r.tops_train)}, {"dominant_component", r.dominant},
                           {"dominant_component_train", r.dominant_train}, {"level", r.level},
                           {"assumptions", r.assumptions}});
      if (base) {
        j["runs"].back()["baseline_over_this_inference"] = JsonNum(ratio(base->inference_J, r.inference_J));
        j["runs"].back()["baseline_over_this_train_step"] = JsonNum(ratio(base->train_step_J, r.train_step_J));
      }
    }
    j["same_assumptions"] = same;
    j["energy_level"] = header;
    if (base) j["baseline"] = base->file;
    std::cout << j.dump(2) << "\n";
    return;
  }
  TextTable t;
  t.title = "runs";
  t.header = {"file", "experiment", "backend", "test acc %", "J/inference", "J/train step", "TOPS/W inf",
              "TOPS/W train", "dominant (inference)", "dominant (train step)"};
  if (!same_level && reprice == nullptr) t.header.push_back("level");
  if (base) {
    t.header.push_back("baseline/this inf");
    t.header.push_back("baseline/this train");
  }
  for (const auto& r : rows) {
    t.rows.push_back({r.file, r.experiment, r.backend, Num(100 * r.accuracy), Num(r.inference_J),
                      Num(r.train_step_J), Num(r.tops_inference), Num(r.tops_train), r.dominant, r.dominant_train});
    if (!same_level && reprice == nullptr) t.rows.back().push_back(r.level);
    if (base) {
      t.rows.back().push_back(Num(ratio(base->inference_J, r.inference_J)));
      t.rows.back().push_back(Num(ratio(base->train_step_J, r.train_step_J)));
    }
  }
  std::cout << (f == TableFormat::kCsv ? "# " : "") << header << "\n";
  if (base) std::cout << (f == TableFormat::kCsv ? "# " : "") << "baseline: " << base->file << "\n";
  std::cout << t.Render(f);
  if (same) {
    std::cout << RenderList("energy assumptions (all runs)", rows.front().assumptions, f);
  } else {
    for (const auto& r : rows) std::cout << RenderList("energy assumptions of " + r.file, r.assumptions, f);
  }
}

}  // namespace

void RegisterCompare(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "Side-by-side accuracy and energy of result files (.h5)");
  cmd->add_option("files", args->files, "Result files")->required();
  args->tables.tables = "";  // none given: the energies as the runs priced them
  AddTableOptions(*cmd, args->tables);
  cmd->add_option("--baseline", args->baseline,
                  "Result file the energy ratios refer to (columns baseline/this, same tables)");
  cmd->add_option("--format", args->format, "table | markdown | csv | json")->capture_default_str();
  cmd->callback([args] { Compare(*args); });
}

}  // namespace pcmsim::cli
