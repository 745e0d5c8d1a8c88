// Energy-relevant event counts of crossbar tiles (plain members; the energy module turns
// them into joules with its own per-event table).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pcmsim/core/state_map.hpp"

namespace pcmsim::crossbar {

// Conversions of one converter kind with the bit width they ran at (0 = ideal converter).
struct ConverterCount {
  std::int64_t conversions = 0;
  int bits = 0;
};

struct TileEvents {
  std::int64_t forward_mvms = 0;      // sample vectors through the array, forward (incl. re-runs)
  std::int64_t backward_mvms = 0;     // sample vectors through the array, transposed
  std::int64_t calibration_mvms = 0;  // drift-compensation reads (also in forward_mvms)
  std::int64_t bound_reruns = 0;      // sample vectors re-run by bound management
  ConverterCount dac_forward, adc_forward, dac_backward, adc_backward;
  std::int64_t cell_reads = 0;        // device reads inside MVMs (devices x sample vectors)
  // Integrated conductance x time of the MVM reads, weighted by the input's share of the
  // read pulse ((V/v_read)^2 for amplitude, |x~| for pulse width), S*s. Read energy in J
  // = v_read^2 * read_g_dt.
  double read_g_dt = 0.0;
  std::int64_t array_reads = 0;       // whole-tile conductance reads (ReadAt), in cells
  std::int64_t set_pulses = 0;        // gradual SET pulses (training updates)
  std::int64_t reset_pulses = 0;      // RESET pulses (refresh)
  std::int64_t program_pulses = 0;    // programming pulses (initial programming, refresh)
  std::int64_t verify_reads = 0;      // single-cell verify reads of program-and-verify

  TileEvents& operator+=(const TileEvents& o);
  TileEvents& operator-=(const TileEvents& o);  // counts since a snapshot (bits kept)
  // All fields as numbers (checkpoints) and back; FromNumbers throws on a wrong count.
  static constexpr std::size_t kNumbers = 19;  // entries of ToNumbers()
  std::vector<double> ToNumbers() const;
  static TileEvents FromNumbers(const std::vector<double>& v);
  // Checkpoints: every field under its own name "<prefix><field>" (e.g. "dac_forward.bits").
  void SaveState(const std::string& prefix, StateMap& state) const;
  static TileEvents LoadState(const std::string& prefix, const StateMap& state);
};

}  // namespace pcmsim::crossbar
