// Per-event energies (and MAC-unit areas) of devices/energy_*.toml: digital arithmetic per
// number format, memory levels, digital periphery, analog cell reads, data converters and
// programming pulses. Every entry keeps its source and status for printing. The strict TOML
// reader that fills it is experiment/energy_table_load (energy itself reads no files).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/energy/overhead.hpp"

namespace pcmsim::energy {

// One number as it went into the model, for the printed assumptions.
struct TableEntry {
  std::string key;     // table key, e.g. "format.fp32.multiply"
  double value = 0;    // in `unit`
  std::string unit;    // "pJ", "um^2", "V", ...
  std::string source;  // where the number comes from
  std::string status;  // "cited", "derived", "assumption", ...
  std::string Text() const;  // "key = value unit  [source; status]"
};

// Arithmetic of one number format at the table's node (after node scaling).
struct FormatCost {
  int bits = 32;              // storage width, bits
  int significand_bits = 24;  // precision incl. hidden bit (integers: = bits)
  double multiply_J = 0, add_J = 0;                    // J per operation
  double multiply_area_um2 = 0, add_area_um2 = 0;      // um^2 per unit (unscaled, node of table)
  std::string multiply_key, add_key;                   // entry keys for the assumptions
  bool IsInteger() const { return significand_bits == bits; }
};

// Energy per conversion of a data converter as a function of its resolution.
enum class BitScaling {
  kWalden,  // E(b) = E_ref * 2^(b - b_ref): energy per conversion step constant (Walden FOM, SAR C-DAC)
  kLinear,  // E(b) = E_ref * b / b_ref: cost per resolved bit (bit-serial / pulse-count drivers)
};
struct ConverterModel {
  std::string preset;       // chosen preset name
  double ref_J = 0;         // energy per conversion at ref_bits
  int ref_bits = 8;
  BitScaling scaling = BitScaling::kWalden;
  std::string key;          // entry key of the chosen preset
  double EnergyAt(int bits) const;  // J per conversion; bits <= 0 means an ideal converter: 0
};

// Assumptions of the analytic scalar / MVM comparison (the simulator's tiles report their
// own conductance-time products instead).
struct AnalyticAssumptions {
  double g_avg_S = 5e-6;        // mean conductance of a read device, S
  double read_time_s = 250e-9;  // full-scale read pulse, s
  double input_duty = 0.5;      // mean input pulse share of full scale, [0, 1]
  int devices_per_weight = 2;   // differential pair
  std::string weight_format = "int8", accumulator_format = "int32";  // digital MAC formats
  std::string weight_memory = "sram";  // level the digital MVM fetches weights from
  std::string activation_memory = "sram";  // level both sides read inputs / write outputs from
};

struct EnergyTable {
  std::string digital_source, analog_source;  // file names (or built-in names)
  double node_scale = 1.0;                     // applied to logic, SRAM and periphery energies
  std::map<std::string, FormatCost, std::less<>> formats;
  std::map<std::string, double, std::less<>> memory_J_per_byte;  // by level
  double activation_J = 0, scaling_J = 0, partial_sum_add_J = 0;  // digital periphery per op
  double read_voltage_V = 0.2;                // MVM read voltage (cell read E = V^2 * G * t)
  ConverterModel adc, dac;
  double set_J = 0, reset_J = 0, program_J = 0, verify_read_J = 0;  // per pulse / read
  AnalyticAssumptions analytic;
  ChipOverhead chip;  // chip-level overheads (zero and unused in device-level tables)
  std::map<std::string, TableEntry, std::less<>> entries;  // every entry by key

  // "device" (neither table has a [chip] section), "chip" (both have one) or
  // "mixed (digital chip, analog device)" / "mixed (digital device, analog chip)".
  std::string Level() const;
  // Which overhead class a digital MAC with this operand format pays (ConfigError if unknown).
  MacClass ClassOf(std::string_view format) const;

  // J of one MAC "operand/accumulator" = multiply(operand) + add(accumulator). ConfigError
  // naming the key and the known formats if a name is not in the table.
  double MacEnergy(std::string_view mac_key) const;
  const FormatCost& Format(std::string_view name) const;
  // Entry keys a MAC key relies on (multiply of the operand, add of the accumulator).
  std::vector<std::string> MacEntries(std::string_view mac_key) const;
  double MemoryEnergyPerByte(std::string_view level) const;  // ConfigError on unknown level
  // Lines "key = value unit [source; status]" for the given keys (all when empty).
  std::vector<std::string> Assumptions(const std::vector<std::string>& keys = {}) const;
};

}  // namespace pcmsim::energy
