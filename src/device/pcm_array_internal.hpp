// Constants shared by the PcmArray translation units (not part of the public API).
#pragma once

#include "pcmsim/core/types.hpp"

namespace pcmsim::device::internal {

// Cells per random-stream block: the unit of parallel work and of stream derivation, so
// results are identical for any thread count. Fixed forever (changing it changes draws).
constexpr Index kBlock = 8192;
// Cells per vectorised inner chunk (stack buffers of this many doubles).
constexpr Index kChunk = 512;
// Boltzmann constant in eV/K (CODATA 2018, exact).
constexpr double kBoltzmannEv = 8.617333262e-5;

}  // namespace pcmsim::device::internal
