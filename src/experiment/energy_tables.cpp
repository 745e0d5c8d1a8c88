// The built-in table pairs by level, files, and per-side overrides.
#include "pcmsim/experiment/energy_tables.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::experiment {

using energy::EnergyTable;

EnergyTable LoadTables(const TableChoice& c) {
  std::string digital_file, analog_file;
  std::string_view digital_text, analog_text;
  std::string digital_name, analog_name;
  if (c.tables == "device") {
    digital_text = DefaultDigitalTableText();
    analog_text = DefaultAnalogTableText();
    digital_name = "devices/energy_45nm.toml (built in)";
    analog_name = "devices/energy_analog.toml (built in)";
  } else if (c.tables == "chip") {
    digital_text = ChipDigitalTableText();
    analog_text = ChipAnalogTableText();
    digital_name = "devices/energy_digital_7nm.toml (built in)";
    analog_name = "devices/energy_hermes_14nm.toml (built in)";
  } else {
    const size_t comma = c.tables.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == c.tables.size()) {
      throw ConfigError(StrCat("--tables '", c.tables,
                               "': expected device, chip or two files DIGITAL.toml,ANALOG.toml"));
    }
    digital_file = c.tables.substr(0, comma);
    analog_file = c.tables.substr(comma + 1);
  }
  if (!c.digital.empty()) digital_file = c.digital;
  if (!c.analog.empty()) analog_file = c.analog;
  io::ConfigReader d = digital_file.empty() ? io::ConfigReader::FromString(digital_text, digital_name)
                                            : io::ConfigReader::FromFile(digital_file);
  io::ConfigReader a = analog_file.empty() ? io::ConfigReader::FromString(analog_text, analog_name)
                                           : io::ConfigReader::FromFile(analog_file);
  for (const auto& s : c.digital_set) d.ApplyOverride(s);
  for (const auto& s : c.analog_set) a.ApplyOverride(s);
  return LoadEnergyTable(d, a);
}

}  // namespace pcmsim::experiment
