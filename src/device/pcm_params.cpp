// PcmParams: state-dependent fits, validation and the presets built into the code.
#include "pcmsim/device/pcm_params.hpp"

#include <algorithm>
#include <cmath>

#include "pcmsim/io/config.hpp"

namespace pcmsim::device {

namespace {
constexpr double kMinRelative = 1e-7;  // aihwkit's clamp of g_r before ln (code)
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kUs = 1e-6;
}  // namespace

double StateFit::operator()(double g_r) const {
  const double g = std::clamp(g_r, kMinRelative, 1.0);
  if (g < split) {
    double v = log_a * std::log(g) + log_b;
    if (pow_c != 0.0) v += pow_c * std::pow(g, pow_e);
    return std::clamp(v, low_min, low_max);
  }
  const double v = poly[0] + g * (poly[1] + g * (poly[2] + g * poly[3]));
  return std::clamp(v, high_min, high_max);
}

StateFit StateFit::Constant(double value) {
  StateFit f;
  f.split = 0.0;
  f.poly = {value, 0.0, 0.0, 0.0};
  return f;
}

std::string_view ToString(ReadNoiseModel m) {
  return m == ReadNoiseModel::kOneOverF ? "one_over_f" : "affine";
}

std::string_view ToString(PvToleranceMode m) {
  return m == PvToleranceMode::kFixed ? "fixed" : "verify_noise";
}

std::string_view ToString(CellModel m) {
  return m == CellModel::kConventional ? "conventional" : "projected";
}

namespace {

void ValidateFit(const StateFit& f, const std::string& key) {
  using io::Require;
  using io::RequireAllowInfinite;
  // split = inf (low branch only) and open clip bounds (±inf) are documented; the
  // coefficients must be finite.
  RequireAllowInfinite(f.split >= 0.0, key + ".split", f.split, "must be >= 0");
  RequireAllowInfinite(f.low_min <= f.low_max, key + ".low_min", f.low_min, "must be <= low_max");
  RequireAllowInfinite(true, key + ".low_max", f.low_max, "");
  RequireAllowInfinite(f.high_min <= f.high_max, key + ".high_min", f.high_min, "must be <= high_max");
  RequireAllowInfinite(true, key + ".high_max", f.high_max, "");
  io::RequireFinite(key + ".log_a", f.log_a);
  io::RequireFinite(key + ".log_b", f.log_b);
  io::RequireFinite(key + ".pow_c", f.pow_c);
  io::RequireFinite(key + ".pow_e", f.pow_e);
  for (double c : f.poly) io::RequireFinite(key + ".poly", c);
  // Probe the fit over the whole range: it must be finite and non-negative everywhere.
  constexpr int kProbes = 96;  // log-spaced from 1e-7 to 1 inclusive
  for (int i = 0; i <= kProbes; ++i) {
    const double g = std::exp(std::log(kMinRelative) * (1.0 - double(i) / kProbes));
    const double v = f(g);
    Require(std::isfinite(v) && v >= 0.0, key, v,
            StrCat("evaluates to a negative or non-finite value at g_r = ", g,
                   " (clip the branch with low_min/high_min)"));
  }
}

}  // namespace

void PcmParams::Validate() const {
  using io::Require;
  Require(g_min >= 0.0, "range.g_min_uS", g_min / kUs, "must be >= 0");
  Require(g_max > g_min, "range.g_max_uS", g_max / kUs, StrCat("must be > range.g_min_uS = ", g_min / kUs));
  Require(g_clip_max >= g_max, "range.g_clip_max_uS", g_clip_max / kUs, "must be >= range.g_max_uS");
  Require(g_max_dtod >= 0.0 && g_max_dtod < 0.5, "range.g_max_dtod", g_max_dtod, "must be in [0, 0.5)");
  ValidateFit(sigma_prog, "programming.sigma_prog");
  Require(prog_ref_g_max > 0.0, "programming.ref_g_max_uS", prog_ref_g_max / kUs, "must be > 0");
  Require(prog_noise_scale >= 0.0, "programming.noise_scale", prog_noise_scale, "must be >= 0");
  Require(t0 > 0.0 && std::isfinite(t0), "drift.t0_s", t0, "must be a positive time");
  ValidateFit(nu_mean, "drift.nu_mean");
  ValidateFit(nu_std, "drift.nu_std");
  Require(drift_scale >= 0.0, "drift.scale", drift_scale, "must be >= 0");
  ValidateFit(q_s, "read.q_s");
  Require(t_read > 0.0 && std::isfinite(t_read), "read.t_read_ns", t_read * 1e9, "must be a positive time");
  Require(read_affine_rel >= 0.0, "read.affine_rel", read_affine_rel, "must be >= 0");
  Require(read_affine >= 0.0, "read.affine_uS", read_affine / kUs, "must be >= 0");
  Require(read_noise_scale >= 0.0, "read.noise_scale", read_noise_scale, "must be >= 0");
  io::RequireFinite("pulse.set_dg_slope", set_dg_slope);
  io::RequireFinite("pulse.set_dg_offset_uS", set_dg_offset / kUs);
  Require(set_sd_slope >= 0.0, "pulse.set_sd_slope", set_sd_slope, "must be >= 0");
  Require(set_sd_offset >= 0.0, "pulse.set_sd_offset_uS", set_sd_offset / kUs, "must be >= 0");
  Require(set_gain_dtod >= 0.0 && set_gain_dtod < 1.0, "pulse.set_gain_dtod", set_gain_dtod, "must be in [0, 1)");
  Require(reset_g >= g_min && reset_g <= g_max, "pulse.reset_g_uS", reset_g / kUs,
          "must lie in [range.g_min_uS, range.g_max_uS]");
  Require(reset_std_rel >= 0.0 && reset_std_rel < 1.0, "pulse.reset_std_rel", reset_std_rel, "must be in [0, 1)");
  Require(pv_tolerance >= 0.0, "program_verify.tolerance_uS", pv_tolerance / kUs, "must be >= 0");
  Require(pv_max_iterations >= 1, "program_verify.max_iterations", pv_max_iterations, "must be >= 1");
  Require(pv_write_noise_rel >= 0.0, "program_verify.write_noise_rel", pv_write_noise_rel, "must be >= 0");
  Require(pv_write_noise >= 0.0, "program_verify.write_noise_uS", pv_write_noise / kUs, "must be >= 0");
  Require(stuck_set_prob >= 0.0 && stuck_set_prob <= 1.0, "faults.stuck_set_prob", stuck_set_prob, "must be in [0, 1]");
  Require(stuck_reset_prob >= 0.0 && stuck_reset_prob <= 1.0, "faults.stuck_reset_prob", stuck_reset_prob,
          "must be in [0, 1]");
  Require(stuck_set_prob + stuck_reset_prob <= 1.0, "faults.stuck_reset_prob", stuck_reset_prob,
          "faults.stuck_set_prob + faults.stuck_reset_prob must be <= 1");
  Require(activation_energy_eV >= 0.0, "temperature.activation_energy_eV", activation_energy_eV, "must be >= 0");
  Require(t_ref_K > 0.0 && std::isfinite(t_ref_K), "temperature.t_ref_K", t_ref_K, "must be > 0");
  Require(ea_log_slope_eV >= 0.0 && std::isfinite(ea_log_slope_eV), "temperature.ea_log_slope_eV", ea_log_slope_eV,
          "must be >= 0");
  Require(ea_std_eV >= 0.0 && std::isfinite(ea_std_eV), "temperature.ea_std_eV", ea_std_eV, "must be >= 0");
  Require(std::isfinite(projection_tcr_per_K) && std::abs(projection_tcr_per_K) < 0.01, "temperature.projection_tcr_per_K",
          projection_tcr_per_K, "must be finite with |tcr| < 0.01 per K (a metal's coefficient)");
  Require(temperature_trace_time_s.size() == temperature_trace_K.size(), "temperature.trace_K",
          double(temperature_trace_K.size()), "needs as many entries as temperature.trace_time_s");
  for (size_t i = 0; i < temperature_trace_K.size(); ++i) {
    Require(std::isfinite(temperature_trace_K[i]) && temperature_trace_K[i] > 0.0, "temperature.trace_K",
            temperature_trace_K[i], "must be positive temperatures");
    Require(std::isfinite(temperature_trace_time_s[i]) && (i == 0 || temperature_trace_time_s[i] > temperature_trace_time_s[i - 1]),
            "temperature.trace_time_s", temperature_trace_time_s[i], "must be finite and strictly increasing");
  }
  Require(iv_v0_V >= 0.0 && std::isfinite(iv_v0_V), "read.iv_v0_V", iv_v0_V, "must be >= 0 (0 = ohmic)");
  Require(iv_v_read_V > 0.0 && std::isfinite(iv_v_read_V), "read.iv_v_read_V", iv_v_read_V, "must be > 0");
  Require(pv_verify_sigmas > 0.0 && std::isfinite(pv_verify_sigmas), "program_verify.verify_sigmas", pv_verify_sigmas,
          "must be > 0");
  Require(pv_granularity >= 0.0 && std::isfinite(pv_granularity), "program_verify.granularity_uS", pv_granularity / kUs,
          "must be >= 0");
  Require(projection_ratio >= 0.0 && std::isfinite(projection_ratio), "projection.ratio", projection_ratio,
          "must be >= 0 and finite");
  Require(series_resistance >= 0.0, "projection.series_resistance_kohm", series_resistance / 1e3, "must be >= 0");
  Require(series_resistance * g_clip_max < 1.0, "projection.series_resistance_kohm", series_resistance / 1e3,
          "must be below 1 / range.g_clip_max (the series resistance alone caps the cell conductance)");
  if (model == CellModel::kConventional) {
    Require(projection_ratio == 0.0, "projection.ratio", projection_ratio, "needs model = \"projected\"");
    Require(series_resistance == 0.0, "projection.series_resistance_kohm", series_resistance / 1e3,
            "needs model = \"projected\"");
    Require(projection_tcr_per_K == 0.0, "temperature.projection_tcr_per_K", projection_tcr_per_K,
            "needs model = \"projected\"");
  }
}

PcmParams ConventionalParams() {
  PcmParams p;  // field defaults are the conventional (Joshi 2020) values where they exist
  p.name = "pcm_conventional";
  // Joshi et al., Nat. Commun. 2020 fit as implemented in aihwkit PCMLikeNoiseModel (code).
  p.sigma_prog.split = 0.0;
  p.sigma_prog.poly = {0.2635, 1.9650, -1.1731, 0.0};
  p.sigma_prog.high_min = 0.0;
  p.nu_mean.split = kInf;
  p.nu_mean.log_a = -0.0155;
  p.nu_mean.log_b = 0.0244;
  p.nu_mean.low_min = 0.049;
  p.nu_mean.low_max = 0.1;
  p.nu_std.split = kInf;
  p.nu_std.log_a = -0.0125;
  p.nu_std.log_b = -0.0059;
  p.nu_std.low_min = 0.008;
  p.nu_std.low_max = 0.045;
  p.q_s.split = kInf;
  p.q_s.pow_c = 0.0088;
  p.q_s.pow_e = -0.65;
  p.q_s.low_min = 0.0;
  p.q_s.low_max = 0.2;
  // Program-and-verify: ASSUMPTION (calibrated here, not published): 10 % write noise per
  // pulse, +-0.25 uS accept band, 20 pulses at most. With these, one read at t0 after P&V
  // spreads like the sigma_prog fit (which was measured that way) within ~10 %.
  p.pv_tolerance = 0.25e-6;
  p.pv_write_noise_rel = 0.1;
  p.pv_max_iterations = 20;
  return p;
}

PcmParams IdealParams() {
  PcmParams p;
  p.name = "ideal";
  p.sigma_prog = StateFit::Constant(0.0);
  p.nu_mean = StateFit::Constant(0.0);
  p.nu_std = StateFit::Constant(0.0);
  p.q_s = StateFit::Constant(0.0);
  p.set_sd_slope = 0.0;
  p.set_sd_offset = 0.0;
  p.reset_std_rel = 0.0;
  p.pv_tolerance = 0.0;
  p.pv_max_iterations = 1;
  p.g_clip_max = p.g_max;
  return p;
}

}  // namespace pcmsim::device
