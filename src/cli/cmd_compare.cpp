// `pcmsim compare A.h5 B.h5 ... [--format table|markdown|csv|json]`: one side-by-side table
// of accuracy, energy per inference and per training step, TOPS/W and the dominant energy
// component of several result files, followed by the energy assumptions they used.
#include <cmath>
#include <iostream>
#include <limits>

#include "commands.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/io/h5.hpp"
#include "text_table.hpp"

namespace pcmsim::cli {
namespace {

struct CompareArgs {
  std::vector<std::string> files;
  std::string format = "table";
};

// The numbers and strings compare shows for one result file.
struct RunRow {
  std::string file, experiment, backend, dominant, dominant_train;
  double accuracy = 0, inference_J = 0, train_step_J = 0, tops_inference = 0, tops_train = 0;
  std::vector<std::string> assumptions;
};

RunRow ReadRow(const std::string& file) {
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
  return r;
}

nlohmann::json JsonNum(double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); }

void Compare(const CompareArgs& a) {
  const TableFormat f = TableFormatFromString(a.format);
  std::vector<RunRow> rows;
  for (const auto& file : a.files) rows.push_back(ReadRow(file));
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
                           {"dominant_component_train", r.dominant_train},
                           {"assumptions", r.assumptions}});
    }
    j["same_assumptions"] = same;
    std::cout << j.dump(2) << "\n";
    return;
  }
  TextTable t;
  t.title = "runs";
  t.header = {"file", "experiment", "backend", "test acc %", "J/inference", "J/train step", "TOPS/W inf",
              "TOPS/W train", "dominant (inference)", "dominant (train step)"};
  for (const auto& r : rows) {
    t.rows.push_back({r.file, r.experiment, r.backend, Num(100 * r.accuracy), Num(r.inference_J),
                      Num(r.train_step_J), Num(r.tops_inference), Num(r.tops_train), r.dominant, r.dominant_train});
  }
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
  cmd->add_option("--format", args->format, "table | markdown | csv | json")->capture_default_str();
  cmd->callback([args] { Compare(*args); });
}

}  // namespace pcmsim::cli
