// Readers of the optional [chip] sections of the energy tables (strict like the rest of the
// tables; the keys they read count as consumed). They record the anchors as table entries;
// energy::CalibrateChipOverhead derives the overheads from them.
#pragma once

#include "pcmsim/energy/energy_table.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::experiment {

void ReadDigitalChip(io::ConfigReader& digital, energy::EnergyTable& t);
void ReadAnalogChip(io::ConfigReader& analog, energy::EnergyTable& t);

}  // namespace pcmsim::experiment
