// Choosing the energy tables a report is priced with: a named level (the built-in device- or
// chip-level pair), optionally a file for either side, and key=value overrides per side.
#pragma once

#include <string>
#include <vector>

#include "pcmsim/experiment/energy_table_load.hpp"

namespace pcmsim::experiment {

struct TableChoice {
  // "device" (energy_45nm + energy_analog), "chip" (energy_digital_7nm + energy_hermes_14nm), or
  // "DIGITAL.toml,ANALOG.toml" (two files).
  std::string tables = "device";
  std::string digital, analog;  // a file replacing that side of `tables` (empty: keep it)
  std::vector<std::string> digital_set, analog_set;  // "key=value" overrides per side
};

// Loads the chosen pair (with overrides applied, then calibrated). ConfigError naming the
// choice if `tables` is neither a level nor two comma-separated files.
energy::EnergyTable LoadTables(const TableChoice& c);

}  // namespace pcmsim::experiment
