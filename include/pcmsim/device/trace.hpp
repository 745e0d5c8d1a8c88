// Device traces: what a measurement of a cell population records, one row per reading
// (the CSV layout of `pcmsim device --traces` and `pcmsim fit-device`), and a generator that
// measures any DeviceModel with a fixed protocol through the CellArray interface.
//
// Protocol per device d of N (all cells of one array, times in s):
//   t = 0: program to target g_min + (g_max - g_min) d/(N - 1) (statistical), read   -> program row
//   drift reads at drift_times_s (one read each)                                     -> read rows
//   repeat_reads reads at repeat_time_s                                               -> read rows
//   RESET at repeat_time_s + 1, read; set_pulses x (SET, read) 1 ms apart; RESET, read -> pulse rows
//   (pulse_reads reads after each pulse, rows with the same polarity and pulse number);
//   with set_trains = K the RESET + SET train is repeated K times before the final RESET
//   (RESET pulses numbered 1 .. K + 1, SET pulses 1 .. set_pulses within each train), so the
//   SET steps at every conductance of the train grow K-fold (K = 1: the protocol above)
// Every read carries the device's read noise (as a measurement does).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pcmsim/core/types.hpp"
#include "pcmsim/device/cell_array.hpp"

namespace pcmsim::device {

enum class TraceKind { kProgram, kPulse, kRead };
enum class Polarity { kNone, kSet, kReset };

struct TraceRow {
  Index device = 0;
  TraceKind kind = TraceKind::kRead;
  Polarity polarity = Polarity::kNone;  // pulse rows: set | reset
  int pulse = 0;                        // pulse rows: number within its train (1, 2, ...)
  double time_s = 0;                    // s since the latest programming or pulse, >= 0
  double g = 0;                         // S, the reading
  double target = -1;                   // S, program rows: the target (< 0: none)
};

struct TraceOptions {
  Index devices = 1000;                 // >= 2
  std::uint64_t seed = 1;
  std::vector<double> drift_times_s = {1, 3, 10, 30, 100, 300, 1000, 3000, 10000};  // increasing, > 0
  int repeat_reads = 16;                // >= 2
  double repeat_time_s = 10000.0;       // >= the last drift time
  int set_pulses = 30;                  // >= 1, per train
  int set_trains = 1;                   // >= 1: RESET + set_pulses SET pulses, repeated
  int pulse_reads = 2;                  // reads after each pulse (>= 2 measures read noise there), >= 1
  // The readings the protocol records (rows of GenerateTraces), at most kMaxRows (a bound on
  // memory: 48 bytes a row in memory, ~40 in CSV).
  double Rows() const;
  static constexpr double kMaxRows = 1e7;
  void Validate() const;                // ConfigError naming the field
};

std::vector<TraceRow> GenerateTraces(const DeviceModel& model, const TraceOptions& o);

}  // namespace pcmsim::device
