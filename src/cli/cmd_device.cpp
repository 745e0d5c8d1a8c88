// `pcmsim device DEVICE.toml -o OUT.h5 [--cells N] [--levels L] [--seed S]`: characterise a
// PCM preset (pulse response, levels, drift, read noise, effective bits), write HDF5 and
// print a short summary. The numbers come from device::Characterize.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cmd_device_multiply.hpp"
#include "pcmsim/device/characterize.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/device/trace.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/trace_csv.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/io/output_file.hpp"

namespace pcmsim::cli {
namespace {

constexpr double kUs = 1e-6;

struct DeviceArgs {
  std::string device;
  std::string output;
  device::CharacterizeOptions options;
  bool statistical = false;
  std::string study = "characterize";  // or "multiply" (cmd_device_multiply.cpp)
  MultiplyArgs multiply;
  std::string traces;          // --traces FILE.csv: write synthetic traces instead
  Index trace_devices = 1000;  // --devices
  int trace_set_pulses = 30;   // --set-pulses
  int trace_trains = 1;        // --trains
};

// `--traces`: measure any device file with the trace protocol (device/trace.hpp) into CSV.
void RunTraces(const DeviceArgs& a) {
  if (!a.output.empty()) throw CLI::ValidationError("--traces", "writes a CSV file; -o belongs to the studies");
  const device::DeviceChoice model = experiment::LoadDeviceFile(a.device);
  device::TraceOptions o;
  o.devices = a.trace_devices;
  o.seed = a.options.seed;
  o.set_pulses = a.trace_set_pulses;
  o.set_trains = a.trace_trains;
  const std::vector<device::TraceRow> rows = device::GenerateTraces(*model, o);
  experiment::WriteTraceCsv(a.traces, rows,
                            StrCat("synthetic traces of ", model->Name(), " (", a.device, "), ", o.devices,
                                   " devices, ", o.set_trains, " x ", o.set_pulses, " SET pulses, seed ", o.seed, ", written by pcmsim device --traces"));
  std::printf("%zu readings of %lld devices of %s -> %s\n", rows.size(), static_cast<long long>(o.devices),
              std::string(model->Name()).c_str(), a.traces.c_str());
}

std::vector<double> InUs(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = v[i] / kUs;
  return out;
}

void WriteStudies(io::H5Writer& out, const device::CharacterizeResult& r) {
  out.CreateGroup("/pulse_response");
  out.WriteVector("/pulse_response/pulse_number", r.pulse_number);
  out.WriteVector("/pulse_response/mean_uS", InUs(r.pulse_mean));
  out.WriteVector("/pulse_response/std_uS", InUs(r.pulse_std));
  out.CreateGroup("/levels");
  out.WriteVector("/levels/target_uS", InUs(r.level_targets));
  out.WriteVector("/levels/stat_mean_uS", InUs(r.stat_mean));
  out.WriteVector("/levels/stat_std_uS", InUs(r.stat_std));
  out.WriteVector("/levels/pv_mean_uS", InUs(r.pv_mean));
  out.WriteVector("/levels/pv_std_uS", InUs(r.pv_std));
  out.WriteVector("/levels/pv_mean_pulses", r.pv_mean_pulses);
  out.WriteVector("/levels/pv_converged_fraction", r.pv_converged_fraction);
  out.WriteVector("/levels/nu_mean", r.nu_mean);
  out.WriteVector("/levels/nu_std", r.nu_std);
  out.WriteVector("/levels/nu_eff", r.nu_eff);
  out.WriteVector("/levels/read_sigma_1h_uS", InUs(r.read_sigma_1h));
  out.WriteVector("/levels/read_sigma_1d_uS", InUs(r.read_sigma_1d));
  out.WriteVector("/levels/hist_edges_uS", InUs(r.hist_edges));
  out.WriteMatrix("/levels/histogram", r.level_hist);
  out.CreateGroup("/drift");
  out.WriteVector("/drift/times_s", r.drift_times);
  out.WriteMatrix("/drift/mean_uS", MatrixD(r.drift_mean / kUs));
  out.WriteMatrix("/drift/std_uS", MatrixD(r.drift_std / kUs));
  out.CreateGroup("/precision");
  out.WriteVector("/precision/times_s", r.precision_times);
  out.WriteVector("/precision/effective_bits", r.effective_bits);
  out.WriteVector("/precision/effective_bits_uncompensated", r.effective_bits_uncompensated);
  out.WriteVector("/precision/rms_error_uS", InUs(r.rms_error));
}

void WriteSummary(io::H5Writer& out, const device::PcmParams& p, const DeviceArgs& a,
                  const device::CharacterizeResult& r) {
  out.CreateGroup("/summary");
  out.WriteAttr("/summary", "device", p.name);
  out.WriteAttr("/summary", "model", device::ToString(p.model));
  out.WriteAttr("/summary", "cells", static_cast<std::int64_t>(a.options.cells));
  out.WriteAttr("/summary", "levels", static_cast<std::int64_t>(a.options.levels));
  out.WriteAttr("/summary", "programming", a.statistical ? "statistical" : "program_verify");
  out.WriteAttr("/summary", "g_lo_uS", r.g_lo / kUs);
  out.WriteAttr("/summary", "g_max_uS", r.g_max / kUs);
  out.WriteAttr("/summary", "pv_mean_pulses", r.pv_stats.MeanPulses());
  out.WriteAttr("/summary", "pv_converged_fraction", double(r.pv_stats.converged) / double(r.pv_stats.cells));
  out.WriteAttr("/summary", "pv_rms_error_uS", r.pv_stats.RmsError() / kUs);
  out.WriteAttr("/summary", "effective_bits_definition",
                "log2((g_max - g_lo) / (sqrt(12) * rms(alpha * G_read - G_target))), x at full scale, "
                "targets uniform, alpha = global drift compensation from a separate read");
  out.WriteVector("/summary/times_s", r.precision_times);
  out.WriteVector("/summary/effective_bits", r.effective_bits);
  out.WriteVector("/summary/effective_bits_uncompensated", r.effective_bits_uncompensated);
  out.WriteVector("/summary/level_target_uS", InUs(r.level_targets));
  out.WriteVector("/summary/nu_mean", r.nu_mean);
  out.WriteVector("/summary/nu_std", r.nu_std);
  out.WriteVector("/summary/nu_eff", r.nu_eff);
  out.WriteVector("/summary/prog_sigma_uS", InUs(r.stat_std));
  out.WriteVector("/summary/pv_sigma_uS", InUs(r.pv_std));
  out.WriteVector("/summary/read_sigma_1h_uS", InUs(r.read_sigma_1h));
}

void PrintSummary(const device::PcmParams& p, const device::CharacterizeResult& r) {
  std::printf("device %s (%s): window %.3f .. %.3f uS\n", p.name.c_str(), std::string(device::ToString(p.model)).c_str(),
              r.g_lo / kUs, r.g_max / kUs);
  std::printf("pulse response: G after 0/1/10/all %zu pulses = %.3f / %.3f / %.3f / %.3f uS (std %.3f uS at the end)\n",
              r.pulse_mean.size() - 1, r.pulse_mean.front() / kUs, r.pulse_mean[1] / kUs,
              r.pulse_mean[std::min<size_t>(10, r.pulse_mean.size() - 1)] / kUs, r.pulse_mean.back() / kUs,
              r.pulse_std.back() / kUs);
  std::printf("program-and-verify: %.2f pulses/cell, %.1f %% converged, residual rms %.3f uS\n",
              r.pv_stats.MeanPulses(), 100.0 * double(r.pv_stats.converged) / double(r.pv_stats.cells),
              r.pv_stats.RmsError() / kUs);
  std::printf("  target uS  prog sd (fit)  P&V sd  pulses   nu mean   nu sd  nu_eff  read sd 1h  1d (uS)\n");
  for (size_t l = 0; l < r.level_targets.size(); ++l) {
    std::printf("  %9.3f  %13.3f  %6.3f  %6.2f  %8.4f  %6.4f  %6.4f  %10.4f  %.4f\n", r.level_targets[l] / kUs,
                r.stat_std[l] / kUs, r.pv_std[l] / kUs, r.pv_mean_pulses[l], r.nu_mean[l], r.nu_std[l],
                r.nu_eff[l], r.read_sigma_1h[l] / kUs, r.read_sigma_1d[l] / kUs);
  }
  std::printf("effective bits of x*G (compensated / uncompensated):");
  for (size_t k = 0; k < r.precision_times.size(); ++k)
    std::printf("  %gs %.2f/%.2f", r.precision_times[k], r.effective_bits[k], r.effective_bits_uncompensated[k]);
  std::printf("\n");
}

void RunDevice(DeviceArgs& a) {
  if (!a.traces.empty()) {
    RunTraces(a);
    return;
  }
  if (a.output.empty()) throw CLI::RequiredError("--output (or --traces FILE.csv)");
  if (a.study == "multiply") {
    a.multiply.device = a.device;
    a.multiply.output = a.output;
    a.multiply.options.seed = a.options.seed;
    a.multiply.options.program_verify = !a.statistical;
    RunMultiplyStudyCommand(a.multiply);
    return;
  }
  if (!a.multiply.with.empty() || !a.multiply.overrides.empty() || a.multiply.ablate)
    throw ConfigError("--with, --set and --ablate belong to --study multiply");
  io::ConfigReader reader = io::ConfigReader::FromFile(a.device);
  const device::PcmParams p = experiment::LoadPcmParams(reader);
  reader.CheckAllConsumed();
  a.options.program_verify = !a.statistical;
  io::RemoveStaleTemporary(a.output, [](const std::string& msg) { std::cerr << msg << "\n"; });
  io::CheckOutputFile(a.output, {a.device});
  const std::string start = experiment::UtcNow();
  const device::CharacterizeResult r = device::Characterize(p, a.options);
  io::H5Writer out(a.output);
  experiment::WriteProvenance(out, "device", a.options.seed, start);
  out.WriteString("/config", reader.Text());
  out.WriteAttr("/config", "source", a.device);
  WriteStudies(out, r);
  WriteSummary(out, p, a, r);
  out.Commit();
  PrintSummary(p, r);
  std::printf("-> %s\n", a.output.c_str());
}

}  // namespace

void RegisterDevice(CLI::App& app) {
  auto args = std::make_shared<DeviceArgs>();
  CLI::App* cmd = app.add_subcommand("device", "Characterise a PCM device preset (TOML) into an HDF5 file");
  cmd->add_option("device", args->device, "Device file, e.g. devices/pcm_conventional.toml")->required();
  cmd->add_option("-o,--output", args->output, "Result file (HDF5)");
  cmd->add_option("--traces", args->traces, "Write synthetic measurement traces of the device (CSV) instead");
  cmd->add_option("--devices", args->trace_devices, "--traces: devices (default 1000)");
  cmd->add_option("--set-pulses", args->trace_set_pulses, "--traces: SET pulses per train after a RESET (default 30)");
  cmd->add_option("--trains", args->trace_trains, "--traces: RESET + SET trains, repeated (default 1)");
  cmd->add_option("--cells", args->options.cells, "Cells of the level/drift/precision studies (default 100000)");
  cmd->add_option("--levels", args->options.levels, "Programmed levels, equally spaced (default 8)");
  cmd->add_option("--pulses", args->options.pulses, "SET pulses of the pulse-response study (default 50)");
  cmd->add_option("--seed", args->options.seed, "Master seed (default 1)");
  cmd->add_flag("--statistical", args->statistical,
                "Program levels and precision targets with the fast fit instead of program-and-verify");
  cmd->add_option("--study", args->study, "characterize (default) or multiply (scalar multiplication precision)")
      ->check(CLI::IsMember({"characterize", "multiply"}));
  cmd->add_option("--with", args->multiply.with, "multiply: a further device preset, side by side (repeatable)");
  cmd->add_option("--set", args->multiply.overrides, "multiply: override a device key, e.g. --set projection.ratio=4");
  cmd->add_flag("--ablate", args->multiply.ablate, "multiply: also run with one mechanism off at a time");
  cmd->add_option("--multiply-cells", args->multiply.options.cells, "multiply: cells (default 20000)");
  cmd->add_option("--input-bits", args->multiply.options.input_bits, "multiply: input grid bits (default 8)");
  cmd->add_option("--times", args->multiply.options.times_s, "multiply: times since programming, s");
  cmd->add_option("--temperatures", args->multiply.options.temperatures_K, "multiply: read temperatures, K");
  cmd->callback([args] { RunDevice(*args); });
}

}  // namespace pcmsim::cli
