// Named state for checkpoints: matrices by name (a backend's, a tile's, a cell array's),
// and helpers that store and fetch scalars and checked-shape entries BY NAME, so a
// checkpoint never depends on the position of a number in a row.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "pcmsim/core/types.hpp"

namespace pcmsim {

using StateMap = std::map<std::string, MatrixD>;

// Entry `key` with shape rows x cols; IoError if absent, DimensionError if mis-shaped.
const MatrixD& GetState(const StateMap& state, const std::string& key, Index rows, Index cols);
// Scalars as 1 x 1 entries. Integer counters below 2^53 round-trip exactly.
void PutScalar(StateMap& state, const std::string& key, double value);
double GetScalar(const StateMap& state, const std::string& key);
std::uint64_t GetCount(const StateMap& state, const std::string& key);

}  // namespace pcmsim
