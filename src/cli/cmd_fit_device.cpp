// `pcmsim fit-device MEASUREMENTS.csv -o devices/NAME.toml [--report FIT.h5]`: fits a table
// device (model = "table") from measured traces (experiment/trace_csv.hpp layout) and, with
// --report, writes the fit quality: per statistic and conductance bin the measured value and
// the fitted model's value (the fitted device measured with the same protocol, seed 1).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "pcmsim/device/trace_fit.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/table_device_file.hpp"
#include "pcmsim/experiment/trace_csv.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/io/output_file.hpp"

namespace pcmsim::cli {
namespace {

struct FitArgs {
  std::string input, output, report, name;
  device::FitOptions options;
};

std::vector<double> Column(const std::vector<double>& v, double scale) {
  std::vector<double> out;
  for (double x : v) out.push_back(x * scale);
  return out;
}

void WriteReport(const FitArgs& a, const device::TraceAnalysis& measured, const device::TraceAnalysis& model,
                 const std::string& start) {
  io::RemoveStaleTemporary(a.report, [](const std::string& msg) { std::cerr << msg << "\n"; });
  io::CheckOutputFile(a.report, {a.input, a.output});
  io::H5Writer out(a.report);
  experiment::WriteProvenance(out, "fit-device", 1, start);
  out.CreateGroup("/fit");
  out.WriteAttr("/fit", "measurements", a.input);
  out.WriteAttr("/fit", "device_file", a.output);
  out.WriteAttr("/fit", "devices", static_cast<std::int64_t>(measured.devices));
  out.WriteAttr("/fit", "t0_s", measured.t0);
  out.WriteAttr("/fit", "note",
                "per statistic: bin edges and x (uS), measured and model values (uS; nu dimensionless), points per "
                "bin; model = the fitted device measured with the same protocol (seed 1)");
  for (const auto& m : measured.stats) {
    const device::BinnedStat& f = model.Get(m.name);
    const double s = m.name.rfind("nu_", 0) == 0 ? 1.0 : 1e6;
    const std::string g = "/fit/" + m.name;
    out.CreateGroup(g);
    out.WriteVector(g + "/edges_uS", Column(m.edges, 1e6));
    out.WriteVector(g + "/x_uS", Column(m.x, 1e6));
    out.WriteVector(g + "/measured", Column(m.y, s));
    out.WriteVector(g + "/model", Column(f.y, s));
    out.WriteVector(g + "/count", std::vector<std::int64_t>(m.count.begin(), m.count.end()));
  }
  out.Commit();
}

void RunFit(const FitArgs& a) {
  const std::string start = experiment::UtcNow();
  const std::vector<device::TraceRow> rows = experiment::ReadTraceCsv(a.input);
  // The fit's errors are about the traces as a whole (too few devices, points per bin): they
  // name the file, as the reader's name its line.
  auto in_file = [&](auto&& step) {
    try {
      return step();
    } catch (const ConfigError& e) {
      throw ConfigError(StrCat(a.input, ": ", e.what()));
    }
  };
  const device::TraceAnalysis measured = in_file([&] { return device::AnalyseTraces(rows, a.options); });
  const std::string file = std::filesystem::path(a.input).filename().string();
  const std::string name = a.name.empty() ? std::filesystem::path(a.output).stem().string() : a.name;
  const device::TableDevice fitted = in_file([&] { return device::TableFromAnalysis(measured, name, file); });
  // The fitted device measured again with the protocol's pulse trains as the traces show
  // them (SET pulses per train, RESETs numbered 1 .. trains + 1), so both see the same G.
  device::TraceOptions again;
  again.devices = measured.devices;
  int max_set = 0, max_reset = 0;
  for (const device::TraceRow& r : rows) {
    if (r.kind != device::TraceKind::kPulse) continue;
    if (r.polarity == device::Polarity::kSet) max_set = std::max(max_set, r.pulse);
    if (r.polarity == device::Polarity::kReset) max_reset = std::max(max_reset, r.pulse);
  }
  if (max_set > 0) again.set_pulses = max_set;
  again.set_trains = std::max(1, max_reset - 1);
  try {
    again.Validate();
  } catch (const ConfigError& e) {
    throw ConfigError(StrCat(a.input, ": the largest pulse numbers (SET ", max_set, ", RESET ", max_reset,
                             ") set the protocol the fitted device is measured again with: ", e.what()));
  }
  const device::TraceAnalysis model = device::AnalyseTraces(device::GenerateTraces(fitted, again), a.options, &measured);
  if (std::filesystem::exists(a.output) && std::filesystem::equivalent(a.output, a.input)) {
    throw ConfigError(StrCat(a.output, ": is the measurement file of this fit"));
  }
  const std::string text = experiment::TableDeviceToml(
      fitted, StrCat("Table device fitted by `pcmsim fit-device ", file, "` from ", measured.devices,
                     " devices (", rows.size(), " readings).\nprogram_verify: defaults, not measured (ASSUMPTION)."));
  if (!a.report.empty()) WriteReport(a, measured, model, start);
  const std::string tmp = a.output + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) throw IoError(StrCat(tmp, ": cannot write"));
  }
  std::filesystem::rename(tmp, a.output);
  std::printf("fitted %s from %lld devices (%zu readings), t0 = %.3g s -> %s\n", name.c_str(),
              static_cast<long long>(measured.devices), rows.size(), measured.t0, a.output.c_str());
  std::printf("  model measured again with %d x %d SET pulses (the traces' trains)\n", again.set_trains,
              again.set_pulses);
  std::printf("  statistic     bins  max |model - measured| / measured\n");
  for (const auto& m : measured.stats) {
    const device::BinnedStat& f = model.Get(m.name);
    double worst = 0;
    for (size_t k = 0; k < m.y.size(); ++k) {
      if (m.y[k] != 0) worst = std::max(worst, std::abs(f.y[k] - m.y[k]) / std::abs(m.y[k]));
    }
    std::printf("  %-12s  %4zu  %.3f\n", m.name.c_str(), m.y.size(), worst);
  }
  if (!a.report.empty()) std::printf("-> %s\n", a.report.c_str());
}

}  // namespace

void RegisterFitDevice(CLI::App& app) {
  auto args = std::make_shared<FitArgs>();
  CLI::App* cmd = app.add_subcommand("fit-device", "Fit a table device (model = \"table\") from measured traces (CSV)");
  cmd->add_option("measurements", args->input, "Trace file (CSV: device,kind,polarity,pulse,time_s,g_uS,target_uS)")
      ->required();
  cmd->add_option("-o,--output", args->output, "Device file to write, e.g. devices/my_cell.toml")->required();
  cmd->add_option("--report", args->report, "Fit quality (HDF5): measured vs model per conductance bin");
  cmd->add_option("--name", args->name, "Preset name (default: the output file's stem)");
  cmd->add_option("--bins", args->options.bins, "Conductance bins per statistic (default 8)");
  cmd->add_option("--min-points", args->options.min_points_per_bin, "Fewest points per bin (default 20)");
  cmd->callback([args] { RunFit(*args); });
}

}  // namespace pcmsim::cli
