// Energy = counts x table: the breakdown by layer, phase and component, per-inference and
// per-training-step figures, TOPS/W, and the list of table entries that went in.
#pragma once

#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/energy/energy_table.hpp"
#include "pcmsim/energy/event_counts.hpp"

namespace pcmsim::energy {

enum class Component : int {
  kArrayReads = 0,  // V^2 G t of MVM cell reads
  kDac,             // input conversions
  kAdc,             // output conversions
  kPulses,          // SET / RESET / programming pulses and verify reads
  kDigitalMacs,     // digital multiply-accumulates
  kPeriphery,       // activation, scaling, partial-sum adds
  kMemory,          // bytes moved (SRAM, DRAM)
  kChipOverhead,    // calibrated chip-level overheads (chip tables only; overhead.hpp)
};
inline constexpr int kNumComponents = 8;
std::string_view ToString(Component c);

using ComponentJoules = std::array<double, kNumComponents>;

// Prices one phase's counts; adds the table entry keys used (non-zero counts) to `used`.
ComponentJoules Price(const PhaseCounts& c, const EnergyTable& t, std::set<std::string>* used = nullptr);
double Sum(const ComponentJoules& j);

struct Ledger {
  std::vector<std::string> layers;                             // layer names, in count order
  std::vector<std::array<ComponentJoules, kNumPhases>> joules;  // [layer][phase][component], J
  std::set<std::string> used_entries;                          // table entries with non-zero counts

  double Total() const;
  double Of(Phase p) const;
  double Of(Component c) const;
  double Of(Phase p, Component c) const;
  double OfLayer(size_t layer) const;
};
Ledger ComputeLedger(const EventCounts& counts, const EnergyTable& table);

// Operations per second per watt = ops / joules / 1e12 (NaN when joules is 0).
double TopsPerWatt(double ops, double joules);

// What a result file reports about energy.
struct EnergyReport {
  Ledger ledger;
  double inference_samples = 0;  // evaluation sample vectors counted (max over layers)
  double train_steps = 0;        // update calls counted (max over layers)
  double energy_per_inference_J = 0;   // inference-phase energy / samples (NaN if none)
  double energy_per_train_step_J = 0;  // (forward + backward + update) / steps (NaN if none)
  double programming_J = 0;            // programming-phase total
  ComponentJoules per_inference{}, per_train_step{};  // component splits of the two figures
  double tops_per_w_inference = 0;  // 2 ops per MAC (digital + analog) of the inference phase
  double tops_per_w_train = 0;      // same over forward + backward + update
  std::vector<std::string> assumptions;  // every table entry used, plus the counting model
  std::string level;                      // EnergyTable::Level() of the table that priced it
  std::string digital_table, analog_table;  // the table files (or built-in names)
  std::string DominantInference() const;  // largest component per inference ("" if none)
  std::string DominantTrainStep() const;  // largest component per training step ("" if none)
};
EnergyReport MakeReport(const EventCounts& counts, const EnergyTable& table);

// Statements of the counting model that every report prints next to the table entries.
// The first lines name the level and tables; chip-level tables add their "calibrated to" lines.
std::vector<std::string> ModelStatements(const EnergyTable& table);

}  // namespace pcmsim::energy
