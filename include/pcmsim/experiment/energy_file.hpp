// Writes an energy::EnergyReport into a result file: /energy (breakdown tables, assumptions) and the
// headline keys under /summary that `pcmsim report --json` and `pcmsim compare` show.
#pragma once

#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/energy/ledger.hpp"
#include "pcmsim/io/h5.hpp"

namespace pcmsim::experiment {

// /energy: layers, phases, components (string lists); by_phase_component (phases x
// components, J); by_layer_phase (layers x phases, J); per_inference / per_train_step
// (components, J); assumptions; attribute total_J. /summary: energy_level, energy_per_inference_J,
// energy_per_train_step_J, programming_energy_J, tops_per_w_inference, tops_per_w_train,
// energy_dominant_component (inference), energy_dominant_component_train, and the subgroup
// energy_split/{inference,train_step} with one attribute per component (J). /energy attributes
// `level` (device | chip | mixed), `digital_table` and `analog_table` say which tables priced
// the report, and /energy/counts holds the raw `counts` it was priced from (counts_file.hpp).
// Creates the groups it needs; call it before H5Writer::Commit().
void WriteEnergy(io::H5Writer& out, const energy::EnergyReport& report, const energy::EventCounts& counts);

}  // namespace pcmsim::experiment
