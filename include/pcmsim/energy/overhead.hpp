// Chip-level overheads: per-event energies that make the model reproduce a measured chip's
// efficiency on that chip's own workload. They stand for what the device-level tables leave
// out (control, clocking, leakage, on-chip communication, the digital units around the
// arrays) and are derived, never typed in: overhead = (anchor energy - device-level model of
// the anchor workload) / events of the workload. Tables without a [chip] section stay at
// device level.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"
#include "pcmsim/energy/event_counts.hpp"

namespace pcmsim::energy {

struct EnergyTable;

// Digital MACs are charged the overhead of their operand format's class: integer formats
// (significand_bits == bits) or floating-point formats.
enum class MacClass { kFloat, kInteger };

// A digital chip's measured peak efficiency on one MAC format ([chip.anchor.NAME] of the
// digital table). It calibrates the per-MAC overhead of the class it `applies_to`.
struct DigitalAnchor {
  std::string name;           // e.g. "hfp8_training"
  std::string mac;            // "operand/accumulator" the chip computes at that peak
  MacClass applies_to = MacClass::kFloat;
  double tops_per_w = 0;      // measured, > 0
  double ops_per_mac = 2;     // how the paper counts ops (multiply + add = 2)
  std::string key;            // entry key "chip.anchor.NAME"
};

// An analog chip's measured MVM efficiency and the MVM it was measured on ([chip.anchor.NAME]
// of the analog table); `chip.calibrate_to` picks the one used.
struct AnalogAnchor {
  std::string name;           // e.g. "one_phase"
  double tops_per_w = 0;
  double ops_per_mac = 2;
  Index rows = 256, cols = 256;  // outputs x inputs of the measured MVM
  int input_bits = 8, adc_bits = 8;
  std::string key;
};

// Which analog event carries the analog overhead.
enum class OverheadAttach {
  kConversion,  // per ADC conversion (one per output per tile MVM: the per-output periphery)
  kMac,         // per in-array MAC (scales with the weights used)
};

struct ChipOverhead {
  bool digital = false, analog = false;  // which table carries a [chip] section
  double float_mac_J = 0, integer_mac_J = 0;  // J per digital MAC of each class
  double analog_J = 0;                        // J per ADC conversion or per in-array MAC
  OverheadAttach attach = OverheadAttach::kConversion;
  std::vector<DigitalAnchor> digital_anchors;
  std::optional<AnalogAnchor> analog_anchor;  // the anchor named by chip.calibrate_to
  std::vector<std::string> derivation;        // one "calibrated to: ..." line per overhead

  double MacJ(MacClass c) const { return c == MacClass::kInteger ? integer_mac_J : float_mac_J; }
};

// The workloads the anchors were measured on, as pcmsim counts them: one MAC of the anchor's
// format; one rows x cols MVM of one tile (cols DAC and rows ADC conversions, devices_per_weight
// cell reads per weight at the [analytic] mean conductance and input duty, rows digital scalings).
PhaseCounts DigitalAnchorWorkload(const DigitalAnchor& a);
PhaseCounts AnalogAnchorWorkload(const EnergyTable& t, const AnalogAnchor& a);
// Measured energy of that workload: ops_per_mac * MACs / (TOPS/W * 1e12).
double AnchorJoules(double tops_per_w, double ops_per_mac, double macs);

// Derives every overhead of `t.chip` from its anchors with the rest of `t` (both tables loaded);
// fills `derivation` and the entries chip.overhead.*. ConfigError naming the file and key if a
// class has no anchor or the device-level model already costs more than an anchor.
void CalibrateChipOverhead(EnergyTable& t);

}  // namespace pcmsim::energy
