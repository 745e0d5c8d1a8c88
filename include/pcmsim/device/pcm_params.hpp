// Parameters of a PCM cell population (one preset = one devices/*.toml file): conductance
// range, programming noise, drift, read noise, SET/RESET pulse response, program-and-verify,
// faults, temperature and the projection segment. SI units inside (S, s, K, eV).
#pragma once

#include <array>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/device/cell_array.hpp"

namespace pcmsim::device {

// A statistic of the programmed state as a function of g_r = G / g_max, clamped to
// [1e-7, 1] (1e-7 as aihwkit does to keep ln finite; the fits are not defined above 1).
// Covers the published fit shapes:
//   g_r <  split:  clip(log_a * ln(g_r) + log_b + pow_c * g_r^pow_e, low_min, low_max)
//   g_r >= split:  clip(c[0] + c[1] g_r + c[2] g_r^2 + c[3] g_r^3, high_min, high_max)
// split = +inf -> only the low branch; split = 0 -> only the polynomial. The unit is that of
// the quantity (uS for sigma_prog at the fit's reference g_max, dimensionless for nu and Q_s).
struct StateFit {
  double split = 0.0;                 // g_r where the polynomial branch starts, >= 0
  double log_a = 0.0;                 // coefficient of ln(g_r) in the low branch
  double log_b = 0.0;                 // constant of the low branch
  double pow_c = 0.0;                 // coefficient of the power term g_r^pow_e (low branch)
  double pow_e = 0.0;                 // exponent of the power term
  double low_min = -std::numeric_limits<double>::infinity();  // clip of the low branch (±inf = open)
  double low_max = std::numeric_limits<double>::infinity();
  std::array<double, 4> poly{0.0, 0.0, 0.0, 0.0};  // c0..c3 of the polynomial branch
  double high_min = -std::numeric_limits<double>::infinity();  // clip of the polynomial
  double high_max = std::numeric_limits<double>::infinity();

  double operator()(double g_r) const;
  // A constant (both branches), e.g. nu = 0.04 for the Nandakumar training simplification.
  static StateFit Constant(double value);
};

// How a read perturbs the conductance.
enum class ReadNoiseModel {
  kOneOverF,  // sigma = G(t) Q_s(g_r) sqrt(ln((t + t_read) / (2 t_read))), Joshi 2020 / aihwkit
  kAffine,    // sigma = read_affine_rel * G + read_affine_S, Nandakumar 2018 simplification
};

// How program-and-verify sets its accept band (see PcmParams::pv_tolerance_mode).
enum class PvToleranceMode {
  kFixed,        // |target - read| <= pv_tolerance
  kVerifyNoise,  // |target - read| <= max(pv_verify_sigmas sigma_verify, pv_granularity / 2)
};

// Which cell equations PcmArray evaluates.
enum class CellModel {
  kConventional,  // G(t) = G_prog (t/t0)^-nu: the statistical model of PHYSICS.md sec. 1
  kProjected,     // amorphous || projection segment, in series with R_s (sec. 3); with
                  // projection_ratio = 0 and series_resistance = 0 it equals kConventional
};

// A PCM preset is a DeviceModel: it builds PcmArrays of its cells.
struct PcmParams : DeviceModel {
  std::string name = "unnamed";  // preset name, written into results
  CellModel model = CellModel::kConventional;  // key: model = "conventional" | "projected"

  // --- conductance range (keys: range.g_max_uS, ...) ---
  double g_max = 25e-6;       // S, top of the programmable range; targets are clipped to it. > g_min
  double g_min = 0.0;         // S, bottom of the range and floor clip of every conductance. >= 0
  double g_clip_max = 40e-6;  // S, physical ceiling: no conductance exceeds it. >= g_max
  double g_max_dtod = 0.0;    // relative device-to-device std of a cell's g_max, [0, 0.5)

  // --- programming noise, fast statistical path (keys: programming.*) ---
  StateFit sigma_prog;           // uS at prog_ref_g_max, function of the TARGET g_r
  double prog_ref_g_max = 25e-6; // S, g_max the sigma_prog fit was made at; sigma scales g_max/ref. > 0
  double prog_noise_scale = 1.0; // multiplier on sigma_prog (sweepable), >= 0

  // --- drift (keys: drift.*) ---
  double t0 = 20.0;             // s, first read after programming; t = t_since_programming + t0. > 0
  StateFit nu_mean;             // mean drift exponent vs programmed g_r
  StateFit nu_std;              // device-to-device std of nu vs programmed g_r (>= 0 after clip)
  double drift_scale = 1.0;     // multiplier on nu (0 = no drift), >= 0

  // --- read noise (keys: read.*) ---
  ReadNoiseModel read_model = ReadNoiseModel::kOneOverF;
  StateFit q_s;                 // 1/f noise amplitude Q_s vs programmed g_r (kOneOverF)
  double t_read = 250e-9;       // s, read integration time of the 1/f fit. > 0
  double read_affine_rel = 0.0; // kAffine: sigma = rel * G + abs
  double read_affine = 0.0;     // S, kAffine constant term
  double read_noise_scale = 1.0;  // multiplier on read noise (0 = noise-free reads), >= 0

  // --- SET / RESET pulses (keys: pulse.*), Nandakumar 2018 form ---
  double set_dg_slope = -0.084;   // mu_dG = slope * G + offset (per pulse, dimensionless slope)
  double set_dg_offset = 0.892e-6;  // S
  double set_sd_slope = 0.09;     // sd_dG = sd_slope * G + sd_offset, pulse to pulse
  double set_sd_offset = 0.575e-6;  // S
  double set_gain_dtod = 0.0;     // relative device-to-device std of the mean step, [0, 1)
  double reset_g = 0.1e-6;        // S, conductance right after a RESET, in [g_min, g_max]
  double reset_std_rel = 0.1;     // relative spread of the RESET level, [0, 1)

  // --- iterative program-and-verify (keys: program_verify.*) ---
  // A first programming pulse writes target (1 + rel xi) + abs xi from any state; a verify
  // read (read noise at t = t0) follows; while |target - read| > tolerance, a correction
  // pulse changes G by err (1 + rel xi) + abs xi with err = target - read (iterative
  // write-and-verify, Papandreou et al. 2011). Pulses and verify reads are counted.
  double pv_tolerance = 0.25e-6;  // S, accept band around the target, >= 0
  int pv_max_iterations = 20;     // cap on programming pulses per cell, >= 1
  double pv_write_noise_rel = 0.0;  // relative write noise of a programming pulse, >= 0
  double pv_write_noise = 0.0;      // S, absolute write noise of a programming pulse, >= 0
  // How the accept band is set (key program_verify.tolerance = "fixed" | "verify_noise"):
  // kFixed uses pv_tolerance (the behaviour of every result before issue 15); kVerifyNoise
  // derives it per cell from what the verify read can resolve and what a pulse can do:
  //   tol = max(pv_verify_sigmas * sigma_verify(G_T), pv_granularity / 2)
  // with sigma_verify the read noise of one verify read at t0 (so a quieter cell converges
  // tighter). pv_granularity > 0 also rounds every correction step to a whole number of
  // granules (smallest conductance change one correction pulse can be set to), in both modes.
  PvToleranceMode pv_tolerance_mode = PvToleranceMode::kFixed;
  double pv_verify_sigmas = 1.0;    // accept band in verify-read sigmas (kVerifyNoise), > 0
  double pv_granularity = 0.0;      // S, correction-pulse granularity, >= 0 (0 = continuous)

  // --- faults (keys: faults.*) ---
  double stuck_set_prob = 0.0;    // probability a cell is stuck at its g_max (no drift), [0,1]
  double stuck_reset_prob = 0.0;  // probability a cell is stuck at reset_g, [0,1]; sum <= 1

  // --- temperature (keys: temperature.*) ---
  // Amorphous conduction is thermally activated (see devices/README.md for sources):
  //   G_a(T) = G_a(T_ref) exp(-E_a,i/k (1/T - 1/T_ref)),
  //   E_a,i  = activation_energy_eV - ea_log_slope_eV ln(g_r,i) + ea_std_eV z_i
  // per cell (g_r,i = programmed amorphous g_a0 / g_max, so more amorphous = higher E_a when
  // the slope is > 0; z_i a fixed per-device normal from its own stream). The projection is a
  // metal: G_p(T) = G_p(T_ref) / (1 + projection_tcr_per_K (T - T_ref)). The crystalline
  // remainder R_s is taken as T-independent. The ambient temperature at time t is the trace
  // (trace_time_s, trace_K), piecewise linear and constant beyond its ends; without a trace it
  // is the array's SetTemperature() value (t_ref_K at construction). Programming and verify
  // reads happen at the temperature of the programming time. activation_energy_eV = 0 and
  // projection_tcr_per_K = 0 disable every temperature effect (reads equal today's bit for bit).
  double activation_energy_eV = 0.0;  // eV, >= 0 (at g_r = 1)
  double ea_log_slope_eV = 0.0;       // eV per unit of -ln(g_r), >= 0
  double ea_std_eV = 0.0;             // eV, device-to-device std of E_a, >= 0
  double t_ref_K = 300.0;             // K, temperature at which the fits hold, > 0
  std::vector<double> temperature_trace_time_s;  // s, increasing (absolute array time)
  std::vector<double> temperature_trace_K;       // K, > 0, same length
  double projection_tcr_per_K = 0.0;  // 1/K, temperature coefficient of the projection's resistance

  // --- read I-V law (keys: read.iv_*) ---
  // The amorphous segment conducts by trap-limited (Poole-Frenkel-type) transport: at a
  // voltage V across it I_a grows like sinh(V / V_0). Normalised so that the conductances of
  // the model (fits, verify reads) are chord conductances at the full-scale read voltage V_r:
  //   I_a(x V_r) = G_a V_r sinh(x u) / sinh(u),
  // u = V_r / V_0(T), V_0(T) = iv_v0_V T / T_ref (V_0 = 2kT u_a/(q dz) is proportional to T).
  // The projection and R_s are ohmic. iv_v0_V = 0 means an ohmic amorphous segment (today).
  double iv_v0_V = 0.0;   // V, characteristic voltage of the sinh law at T_ref, >= 0 (0 = ohmic)
  double iv_v_read_V = 0.2;  // V, full-scale read voltage (inputs x in [-1, 1] map to x V_r), > 0

  // --- projection segment (keys: projection.*) ---
  // See pcm_array.hpp for the mechanism (model = projected only; must be 0 otherwise).
  // projection_ratio = G_p / G_a at t0 over the same amorphous length (= R_a / R_p);
  // 0 means no projection (exactly the conventional cell).
  double projection_ratio = 0.0;  // >= 0, dimensionless
  double series_resistance = 0.0; // Ohm, crystalline remainder + electrodes, >= 0, < 1/g_max

  // Throws ConfigError("field = value: reason") for the first broken constraint.
  void Validate() const override;
  std::string_view Name() const override { return name; }
  std::unique_ptr<CellArray> MakeArray(Index n, std::uint64_t master_seed,
                                       std::uint64_t stream_index) const override;
  // True when the projected-cell equations are evaluated (else the conventional path).
  bool HasProjection() const { return model == CellModel::kProjected; }
};

// Presets in code (tests and defaults); the TOML files in devices/ are the user-facing copies.
PcmParams ConventionalParams();  // Joshi et al. 2020 fit, g_max 25 uS
PcmParams IdealParams();         // no noise, no drift, deterministic pulses

// TOML loaders: experiment/options_load.hpp (LoadPcmParams, LoadPcmParamsFile).

std::string_view ToString(ReadNoiseModel m);
std::string_view ToString(CellModel m);
std::string_view ToString(PvToleranceMode m);

}  // namespace pcmsim::device
