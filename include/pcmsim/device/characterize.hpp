// Device characterisation (`pcmsim device`): pulse response, programmed level
// distributions, drift curves, read noise vs G and the effective precision of an in-memory
// scalar multiplication over time. Library code: returns numbers, does no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/device/pcm_params.hpp"

namespace pcmsim::device {

struct CharacterizeOptions {
  Index cells = 100000;      // cells of the level / drift / precision studies, >= levels
  int levels = 8;            // levels equally spaced over [g_lo, g_max], >= 2
  int pulses = 50;           // SET pulses in the pulse-response study, >= 1
  Index pulse_cells = 10000; // cells of the pulse-response study, >= 1
  int hist_bins = 64;        // bins of the level histograms over [0, g_clip_max], >= 1
  std::uint64_t seed = 1;    // master seed of every array created here
  bool program_verify = true;  // program levels / precision targets by P&V (else the fit)
  // Times since programming (s) of the drift curves: 1 s .. 1 year, log-spaced.
  std::vector<double> drift_times_s = DefaultDriftTimes();
  // Times since programming (s) of the precision study: 1 s, 1 h, 1 day, 1 month, 1 year.
  std::vector<double> precision_times_s = {1.0, 3600.0, 86400.0, 2592000.0, 31536000.0};

  static std::vector<double> DefaultDriftTimes();  // 41 log-spaced 1 s..1 year, + 1 h, 1 day
  void Validate() const;  // ConfigError naming the option (as its CLI flag) and value
};

// All conductances in S, times in s.
struct CharacterizeResult {
  std::string device_name;
  double g_lo = 0.0, g_max = 0.0;  // cell window [g_lo, g_max]
  // Pulse response: G after k SET pulses from RESET (k = 0..pulses), mean and std over cells.
  std::vector<double> pulse_number, pulse_mean, pulse_std;
  // Levels (one entry per level).
  std::vector<double> level_targets;
  std::vector<double> stat_mean, stat_std;     // fast statistical programming, at t0
  std::vector<double> pv_mean, pv_std;         // program-and-verify, at t0
  std::vector<double> pv_mean_pulses, pv_converged_fraction;
  std::vector<double> nu_mean, nu_std;         // drift exponent of the level's (amorphous) cells
  // Effective exponent of the cell, -d ln G / d ln t from the expected G between 1 h and
  // 1 day (equals nu for conventional cells; diluted by the projection otherwise).
  std::vector<double> nu_eff;
  std::vector<double> read_sigma_1h, read_sigma_1d;  // std of (read - expected)
  std::vector<double> hist_edges;              // hist_bins + 1 edges over [0, g_clip_max]
  MatrixD level_hist;                          // levels x bins, counts after programming
  // Drift: levels x times, mean and std of noisy reads.
  std::vector<double> drift_times;
  MatrixD drift_mean, drift_std;
  // Precision of y = x * G with x at full scale, targets uniform over [g_lo, g_max]:
  // bits = log2((g_max - g_lo) / (sqrt(12) * rms(alpha * G_read - G_target))), i.e. the
  // resolution of an ideal uniform quantiser with the same rms error over the same range.
  // alpha = mean(G_target) / mean(G_calibration read) (global drift compensation from a
  // separate noisy read at the same time); "uncompensated" uses alpha = 1. Capped at 53
  // (a double's mantissa), which an ideal device reaches.
  std::vector<double> precision_times;
  std::vector<double> effective_bits, effective_bits_uncompensated, rms_error;
  ProgramStats pv_stats;  // of the level study's program-and-verify
};

CharacterizeResult Characterize(const PcmParams& params, const CharacterizeOptions& options);

// The precision metric alone (used by tests and sweeps): program `cells` uniform targets
// and evaluate bits at each time. Fills precision_* and rms_error of `out`.
void MeasurePrecision(const PcmParams& params, const CharacterizeOptions& options, CharacterizeResult& out);

}  // namespace pcmsim::device
