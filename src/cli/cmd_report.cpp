// `pcmsim report [--json] FILE.h5`: a readable summary of any pcmsim result file, or the
// /summary group as JSON (plus provenance) for scripts.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/io/h5_json.hpp"

namespace pcmsim::cli {
namespace {

struct ReportArgs {
  std::string file;
  bool json = false;
};

void PrintHuman(const io::H5Reader& in) {
  const nlohmann::json root = io::GroupToJson(in, "/summary");
  std::printf("%s  (%s, pcmsim %s, git %.12s%s)\n", in.Path().string().c_str(),
              in.HasAttr("/", "kind") ? in.AttrString("/", "kind").c_str() : "?",
              in.HasAttr("/", "pcmsim_version") ? in.AttrString("/", "pcmsim_version").c_str() : "?",
              in.HasAttr("/", "git_commit") ? in.AttrString("/", "git_commit").c_str() : "?",
              in.HasAttr("/", "git_dirty") && in.AttrString("/", "git_dirty") == "true" ? ", dirty" : "");
  if (in.HasAttr("/", "start_time")) std::printf("started %s, seed %s\n", in.AttrString("/", "start_time").c_str(),
                                                 in.HasAttr("/", "seed") ? in.AttrString("/", "seed").c_str() : "?");
  std::printf("\nsummary\n");
  for (const auto& [key, value] : root.items()) {
    if (value.is_number_float() && key.find("accuracy") != std::string::npos) {
      std::printf("  %-24s %.2f %%\n", key.c_str(), 100 * value.get<double>());
    } else if (value.is_structured()) {
      std::printf("  %-24s %s\n", key.c_str(), value.dump().c_str());
    } else {
      std::printf("  %-24s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
  }
  const auto history = experiment::ReadMetrics(in);
  if (!history.empty()) {
    std::printf("\n  epoch        lr      loss   train %%   test %%   seconds\n");
    for (const auto& m : history) {
      char test[16] = "      -";
      if (m.test_accuracy >= 0) std::snprintf(test, sizeof(test), "%7.2f", 100 * m.test_accuracy);
      std::printf("  %5d  %8.4g  %8.4f  %8.2f  %s  %8.2f\n", m.epoch, m.lr, m.train_loss, 100 * m.train_accuracy,
                  test, m.seconds);
    }
  }
}

void Report(const ReportArgs& a) {
  io::H5Reader in(a.file);
  if (!a.json) {
    PrintHuman(in);
    return;
  }
  nlohmann::json j = in.Exists("/summary") ? io::GroupToJson(in, "/summary") : nlohmann::json::object();
  j["provenance"] = io::AttributesToJson(in, "/");
  j["file"] = a.file;
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void RegisterReport(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Summarise a result file (.h5)");
  cmd->add_option("file", args->file, "Result file")->required();
  cmd->add_flag("--json", args->json, "Machine-readable JSON (the /summary group plus provenance)");
  cmd->callback([args] { Report(*args); });
}

}  // namespace pcmsim::cli
