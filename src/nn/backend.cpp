// Checkpoint helpers shared by the layer backends.
#include "pcmsim/nn/backend.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/event_counts.hpp"

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

void WriteTallies(StateMap& state, std::initializer_list<const energy::GemmTally*> tallies) {
  std::vector<double> v;
  for (const energy::GemmTally* t : tallies) {
    v.push_back(t->calls);
    v.push_back(t->samples);
  }
  WriteNumbers(state, "tallies", v);
}

void ReadTallies(const StateMap& state, std::initializer_list<energy::GemmTally*> tallies) {
  std::vector<double> v;
  if (!ReadNumbers(state, "tallies", 2 * tallies.size(), v)) return;
  std::size_t k = 0;
  for (energy::GemmTally* t : tallies) {
    t->calls = v[k++];
    t->samples = v[k++];
  }
}

}  // namespace pcmsim::nn
