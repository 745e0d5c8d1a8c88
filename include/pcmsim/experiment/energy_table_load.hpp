// The strict TOML reader of the energy tables (devices/energy_*.toml) into energy::EnergyTable,
// and the tables shipped in devices/ (compiled in, so runs need no file lookup).
#pragma once

#include <filesystem>
#include <string_view>

#include "pcmsim/energy/energy_table.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::experiment {

// Reads the digital table (energy_45nm.toml layout) and the analog table, with their optional
// [chip] sections, then calibrates the chip overheads (energy::CalibrateChipOverhead). Every
// key must be consumed; missing or invalid keys throw ConfigError naming file, key, value and reason.
energy::EnergyTable LoadEnergyTable(io::ConfigReader& digital, io::ConfigReader& analog);
energy::EnergyTable LoadEnergyTable(const std::filesystem::path& digital, const std::filesystem::path& analog);

// Device level: energy_45nm.toml + energy_analog.toml (the default); chip level:
// energy_digital_7nm.toml + energy_hermes_14nm.toml, calibrated to the measured chips they cite.
energy::EnergyTable DefaultEnergyTable();
energy::EnergyTable ChipEnergyTable();
std::string_view DefaultDigitalTableText();
std::string_view DefaultAnalogTableText();
std::string_view ChipDigitalTableText();
std::string_view ChipAnalogTableText();

}  // namespace pcmsim::experiment
