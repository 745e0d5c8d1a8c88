// Energy-relevant event counts, keyed by layer and phase: what backends, tiles and digital
// engines report (bulk counts per GEMM/MVM, never per-MAC calls). The ledger prices them.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>

#include "pcmsim/core/types.hpp"

namespace pcmsim::energy {

// Where an event happened. kInference = forward passes of evaluation (nn::Pass::kEval);
// kForward/kBackward/kUpdate = the three parts of a training step; kProgramming = writing
// weights into devices outside training updates (initial programming, refresh).
enum class Phase : int { kInference = 0, kForward, kBackward, kUpdate, kProgramming };
inline constexpr int kNumPhases = 5;
std::string_view ToString(Phase p);

// Counts of one layer in one phase. All members are plain additive counts.
struct PhaseCounts {
  double calls = 0;    // backend calls (batches) in this phase; kUpdate calls = training steps
  double samples = 0;  // sample vectors (columns) processed
  // Digital MACs by "operand/accumulator" format names, e.g. "fp32/fp32", "fp8_152/fp16_169",
  // "int8/int32" (each name must be a format of the energy table).
  std::map<std::string, double, std::less<>> macs;
  double analog_macs = 0;  // MACs done inside arrays (weights x sample vectors), for op counts only
  std::map<std::string, double, std::less<>> bytes;  // bytes moved per memory level ("sram", "dram")
  std::map<int, double> dac;  // input conversions by bit width (one per input per MVM)
  std::map<int, double> adc;  // output conversions by bit width (one per output per MVM)
  double cell_reads = 0;      // device reads inside MVMs (devices x sample vectors)
  double read_g_dt = 0;       // integrated conductance x time of those reads, S*s (E = V_read^2 * this)
  double set_pulses = 0;      // gradual SET pulses
  double reset_pulses = 0;    // RESET pulses
  double program_pulses = 0;  // programming pulses (program-and-verify)
  double verify_reads = 0;    // single-cell verify/diagnostic reads
  double activations = 0;     // digital activation-function evaluations
  double scalings = 0;        // digital per-output scale (and offset) multiplies
  double partial_sum_adds = 0;  // digital adds combining tile partial sums

  PhaseCounts& operator+=(const PhaseCounts& o);
  double DigitalMacs() const;  // sum over formats
  bool Empty() const;
};

using LayerCounts = std::array<PhaseCounts, kNumPhases>;

// Counts of a whole network. A backend adds its events through operator[] after the caller
// has set `layer`, e.g. `counts[Phase::kForward].macs["fp32/fp32"] += n`.
struct EventCounts {
  std::map<std::string, LayerCounts, std::less<>> layers;  // layer name -> per-phase counts
  std::string layer = "layer";  // the layer that operator[] addresses

  PhaseCounts& At(std::string_view layer_name, Phase p);
  PhaseCounts& operator[](Phase p) { return At(layer, p); }
  EventCounts& operator+=(const EventCounts& o);
  // Sum over layers of one phase.
  PhaseCounts Total(Phase p) const;
};

// How many GEMM calls of one kind a layer ran and how many sample vectors they carried.
struct GemmTally {
  double calls = 0;
  double samples = 0;
  void Add(Index batch) {
    calls += 1;
    samples += static_cast<double>(batch);
  }
};

// Bytes per stored element of a digital layer.
struct DataBytes {
  double weight = 4;      // bytes per weight (fp32: 4, fp16: 2, 8-bit formats: 1)
  double activation = 4;  // bytes per activation / error element
};

// Stated traffic model of a digital layer GEMM y = W x (also dx = W^T dy), per call:
// the weights (out x in) are read once from DRAM; every input element is read from and every
// output element written to SRAM once. MACs = out * in * samples, keyed by `mac_key`.
void AddGemmEvents(PhaseCounts& c, std::string_view mac_key, Index out, Index in, const GemmTally& t,
                   const DataBytes& b);

// Stated model of a digital weight update per call: the gradient GEMM dy x^T (out*in*samples
// MACs, x and dy read from SRAM), then an element-wise optimiser of `optimizer_macs` MACs per
// weight that reads and writes `dram_tensors` weight-sized tensors (weights, momentum) in DRAM.
void AddUpdateEvents(PhaseCounts& c, std::string_view mac_key, Index out, Index in, const GemmTally& t,
                     const DataBytes& b, int optimizer_macs, int dram_tensors);

}  // namespace pcmsim::energy
