// Loading PcmParams from a device TOML (devices/*.toml): strict keys, units in key names,
// parse into a temporary, validate, then return (errors name the file and the key).
#include <string>

#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::device {

namespace {

constexpr double kUs = 1e-6;

// A fit table replaces the preset's fit entirely (absent keys take StateFit defaults), so a
// file never silently mixes its own coefficients with hidden ones.
StateFit ReadFit(io::ConfigReader& r, const std::string& key, const StateFit& fallback) {
  if (r.Keys(key).empty()) return fallback;
  StateFit f;
  f.split = r.GetDouble(key + ".split", f.split);
  f.log_a = r.GetDouble(key + ".log_a", f.log_a);
  f.log_b = r.GetDouble(key + ".log_b", f.log_b);
  f.pow_c = r.GetDouble(key + ".pow_c", f.pow_c);
  f.pow_e = r.GetDouble(key + ".pow_e", f.pow_e);
  f.low_min = r.GetDouble(key + ".low_min", f.low_min);
  f.low_max = r.GetDouble(key + ".low_max", f.low_max);
  const std::vector<double> poly = r.GetDoubleList(key + ".poly", {});
  if (poly.size() > 4) r.Fail(key + ".poly", "at most 4 coefficients (c0..c3)");
  for (size_t i = 0; i < poly.size(); ++i) f.poly[i] = poly[i];
  f.high_min = r.GetDouble(key + ".high_min", f.high_min);
  f.high_max = r.GetDouble(key + ".high_max", f.high_max);
  return f;
}

void ReadRangeAndProgramming(io::ConfigReader& r, const std::string& K, PcmParams& p) {
  p.g_max = r.GetDouble(K + "range.g_max_uS", p.g_max / kUs) * kUs;
  p.g_min = r.GetDouble(K + "range.g_min_uS", p.g_min / kUs) * kUs;
  p.g_clip_max = r.GetDouble(K + "range.g_clip_max_uS", p.g_clip_max / kUs) * kUs;
  p.g_max_dtod = r.GetDouble(K + "range.g_max_dtod", p.g_max_dtod);
  p.sigma_prog = ReadFit(r, K + "programming.sigma_prog", p.sigma_prog);
  p.prog_ref_g_max = r.GetDouble(K + "programming.ref_g_max_uS", p.prog_ref_g_max / kUs) * kUs;
  p.prog_noise_scale = r.GetDouble(K + "programming.noise_scale", p.prog_noise_scale);
}

void ReadDriftAndNoise(io::ConfigReader& r, const std::string& K, PcmParams& p) {
  p.t0 = r.GetDouble(K + "drift.t0_s", p.t0);
  p.nu_mean = ReadFit(r, K + "drift.nu_mean", p.nu_mean);
  p.nu_std = ReadFit(r, K + "drift.nu_std", p.nu_std);
  p.drift_scale = r.GetDouble(K + "drift.scale", p.drift_scale);
  p.read_model = r.GetEnum<ReadNoiseModel>(
      K + "read.model", p.read_model,
      {{"one_over_f", ReadNoiseModel::kOneOverF}, {"affine", ReadNoiseModel::kAffine}});
  p.q_s = ReadFit(r, K + "read.q_s", p.q_s);
  p.t_read = r.GetDouble(K + "read.t_read_ns", p.t_read * 1e9) * 1e-9;
  p.read_affine_rel = r.GetDouble(K + "read.affine_rel", p.read_affine_rel);
  p.read_affine = r.GetDouble(K + "read.affine_uS", p.read_affine / kUs) * kUs;
  p.read_noise_scale = r.GetDouble(K + "read.noise_scale", p.read_noise_scale);
}

void ReadPulsesAndVerify(io::ConfigReader& r, const std::string& K, PcmParams& p) {
  p.set_dg_slope = r.GetDouble(K + "pulse.set_dg_slope", p.set_dg_slope);
  p.set_dg_offset = r.GetDouble(K + "pulse.set_dg_offset_uS", p.set_dg_offset / kUs) * kUs;
  p.set_sd_slope = r.GetDouble(K + "pulse.set_sd_slope", p.set_sd_slope);
  p.set_sd_offset = r.GetDouble(K + "pulse.set_sd_offset_uS", p.set_sd_offset / kUs) * kUs;
  p.set_gain_dtod = r.GetDouble(K + "pulse.set_gain_dtod", p.set_gain_dtod);
  p.reset_g = r.GetDouble(K + "pulse.reset_g_uS", p.reset_g / kUs) * kUs;
  p.reset_std_rel = r.GetDouble(K + "pulse.reset_std_rel", p.reset_std_rel);
  p.pv_tolerance = r.GetDouble(K + "program_verify.tolerance_uS", p.pv_tolerance / kUs) * kUs;
  const std::int64_t iters = r.GetInt(K + "program_verify.max_iterations", p.pv_max_iterations);
  if (iters < 1 || iters > 100000) r.Fail(K + "program_verify.max_iterations", "must be in [1, 100000]");
  p.pv_max_iterations = static_cast<int>(iters);
  p.pv_write_noise_rel = r.GetDouble(K + "program_verify.write_noise_rel", p.pv_write_noise_rel);
  p.pv_write_noise = r.GetDouble(K + "program_verify.write_noise_uS", p.pv_write_noise / kUs) * kUs;
  p.pv_tolerance_mode = r.GetEnum<PvToleranceMode>(
      K + "program_verify.tolerance", p.pv_tolerance_mode,
      {{"fixed", PvToleranceMode::kFixed}, {"verify_noise", PvToleranceMode::kVerifyNoise}});
  p.pv_verify_sigmas = r.GetDouble(K + "program_verify.verify_sigmas", p.pv_verify_sigmas);
  p.pv_granularity = r.GetDouble(K + "program_verify.granularity_uS", p.pv_granularity / kUs) * kUs;
}

void ReadOthers(io::ConfigReader& r, const std::string& K, PcmParams& p) {
  p.stuck_set_prob = r.GetDouble(K + "faults.stuck_set_prob", p.stuck_set_prob);
  p.stuck_reset_prob = r.GetDouble(K + "faults.stuck_reset_prob", p.stuck_reset_prob);
  p.activation_energy_eV = r.GetDouble(K + "temperature.activation_energy_eV", p.activation_energy_eV);
  p.t_ref_K = r.GetDouble(K + "temperature.t_ref_K", p.t_ref_K);
  p.ea_log_slope_eV = r.GetDouble(K + "temperature.ea_log_slope_eV", p.ea_log_slope_eV);
  p.ea_std_eV = r.GetDouble(K + "temperature.ea_std_eV", p.ea_std_eV);
  p.temperature_trace_time_s = r.GetDoubleList(K + "temperature.trace_time_s", p.temperature_trace_time_s);
  p.temperature_trace_K = r.GetDoubleList(K + "temperature.trace_K", p.temperature_trace_K);
  p.projection_tcr_per_K = r.GetDouble(K + "temperature.projection_tcr_per_K", p.projection_tcr_per_K);
  p.iv_v0_V = r.GetDouble(K + "read.iv_v0_V", p.iv_v0_V);
  p.iv_v_read_V = r.GetDouble(K + "read.iv_v_read_V", p.iv_v_read_V);
  p.projection_ratio = r.GetDouble(K + "projection.ratio", p.projection_ratio);
  p.series_resistance = r.GetDouble(K + "projection.series_resistance_kohm", p.series_resistance / 1e3) * 1e3;
}

}  // namespace

PcmParams LoadPcmParams(io::ConfigReader& r, std::string_view prefix) {
  const std::string K = prefix.empty() ? std::string() : std::string(prefix) + ".";
  PcmParams p = ConventionalParams();  // parse into a temporary
  p.name = r.GetString(K + "name", p.name);
  p.model = r.GetEnum<CellModel>(K + "model", p.model,
                                 {{"conventional", CellModel::kConventional}, {"projected", CellModel::kProjected}});
  ReadRangeAndProgramming(r, K, p);
  ReadDriftAndNoise(r, K, p);
  ReadPulsesAndVerify(r, K, p);
  ReadOthers(r, K, p);
  try {
    p.Validate();
  } catch (const ConfigError& e) {
    throw ConfigError(StrCat(r.Source(), ": ", K, e.what()));
  }
  return p;
}

PcmParams LoadPcmParamsFile(const std::filesystem::path& path) {
  io::ConfigReader r = io::ConfigReader::FromFile(path);
  PcmParams p = LoadPcmParams(r, "");
  r.CheckAllConsumed();
  return p;
}

}  // namespace pcmsim::device
