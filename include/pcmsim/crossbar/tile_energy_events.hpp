// Maps the event counts of crossbar tiles (TileEvents, summed over the tiles of a layer) onto
// the layer/phase energy::EventCounts the ledger prices. The producer translates its own
// events: energy only receives counts and knows nothing of crossbar. For analog layer
// backends' AddEvents(): the backend supplies what TileEvents does not know (phase,
// samples, tiling).
#pragma once

#include "pcmsim/crossbar/tile_events.hpp"
#include "pcmsim/energy/event_counts.hpp"

namespace pcmsim::crossbar {

struct TileEventsContext {
  energy::Phase forward_phase = energy::Phase::kInference;  // phase of the forward MVMs (kInference or kForward)
  double forward_samples = 0;   // sample vectors the layer ran forward (excl. calibration, reruns)
  double backward_samples = 0;  // sample vectors the layer ran backward
  double forward_calls = 0, backward_calls = 0, update_calls = 0;  // backend calls per phase
  Index out = 0, in = 0;        // layer shape (in-array MACs = out * in per sample vector)
  Index row_blocks = 1, col_blocks = 1;  // tiling of the layer (AnalogMatrix)
  bool digital_scaling = true;  // one digital scale multiply per output (forward and backward)
};

// Stated mapping: forward/backward conversions to the forward phase / kBackward; cell reads
// and read G*t (not split by direction in TileEvents) apportioned by forward vs backward
// MVMs; tile partial sums = (col_blocks - 1) adds per output per forward sample (row_blocks
// - 1 per input backward); SET pulses -> kUpdate; programming and RESET pulses, verify reads
// and whole-array reads -> kProgramming (array reads priced as verify reads).
void AddTileEvents(const TileEvents& e, const TileEventsContext& m, energy::EventCounts& counts);

}  // namespace pcmsim::crossbar
