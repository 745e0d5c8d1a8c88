// Checkpoint helpers shared by the layer backends.
#include "pcmsim/nn/backend.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

void WriteNumbers(StateMap& state, const std::string& key, const std::vector<double>& values) {
  MatrixD row(1, static_cast<Index>(values.size()));
  for (size_t k = 0; k < values.size(); ++k) row(0, static_cast<Index>(k)) = values[k];
  state[key] = row;
}

bool ReadNumbers(const StateMap& state, const std::string& key, std::size_t n, std::vector<double>& values) {
  const auto it = state.find(key);
  if (it == state.end()) return false;
  if (static_cast<std::size_t>(it->second.size()) != n) {
    throw DimensionError(StrCat("checkpoint entry '", key, "' holds ", it->second.size(), " numbers, expected ", n));
  }
  values.assign(it->second.data(), it->second.data() + n);
  return true;
}

}  // namespace pcmsim::nn
