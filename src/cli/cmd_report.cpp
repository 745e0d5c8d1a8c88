// `pcmsim report [--json] FILE.h5`: a readable summary of any pcmsim result file, or the
// /summary group as JSON (plus provenance) for scripts.
#include <cstdio>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/io/h5_json.hpp"

namespace pcmsim::cli {
namespace {

struct ReportArgs {
  std::string file;
  bool json = false;
};

// Fractions shown as percentages: accuracy keys, post-training-quantisation results, and
// the means and stds of the accuracy-over-time table.
bool IsAccuracy(const std::string& parent, const std::string& key) {
  return key.find("accuracy") != std::string::npos || (parent == "ptq" && key.rfind("int", 0) == 0) ||
         (parent == "accuracy_vs_time" && (key.rfind("mean", 0) == 0 || key.rfind("std", 0) == 0));
}

std::string Scalar(const nlohmann::json& v, bool percent) {
  if (v.is_number() && percent) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f %%", 100 * v.get<double>());
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

// One line per scalar; nested groups as "group.key"; short numeric arrays inline.
void PrintEntries(const nlohmann::json& obj, const std::string& parent, const std::string& prefix) {
  for (const auto& [key, value] : obj.items()) {
    const std::string name = prefix + key;
    const bool percent = IsAccuracy(parent, key);
    if (value.is_object()) {
      PrintEntries(value, key, name + ".");
    } else if (value.is_array()) {
      std::string line;
      if (value.size() <= 12) {
        for (const auto& x : value) line += (line.empty() ? "" : "  ") + Scalar(x, percent);
      } else {
        line = "[" + std::to_string(value.size()) + " values]";
      }
      std::printf("  %-40s %s\n", name.c_str(), line.c_str());
    } else {
      std::printf("  %-40s %s\n", name.c_str(), Scalar(value, percent).c_str());
    }
  }
}

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
  PrintEntries(root, "", "");
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
  experiment::CheckPcmsimFile(in);  // foreign HDF5 files and unknown schema versions are errors
  in.Verify();                      // every checksum, so corruption anywhere in the file is reported
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
