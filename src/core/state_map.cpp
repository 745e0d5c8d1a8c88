// Named checkpoint entries: lookups that name the missing or mis-shaped entry.
#include "pcmsim/core/state_map.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"

namespace pcmsim {

const MatrixD& GetState(const StateMap& state, const std::string& key, Index rows, Index cols) {
  const auto it = state.find(key);
  if (it == state.end()) throw IoError(StrCat("state: missing entry '", key, "'"));
  if (it->second.rows() != rows || it->second.cols() != cols) {
    throw DimensionError(StrCat("state: '", key, "' is ", it->second.rows(), " x ", it->second.cols(),
                                ", expected ", rows, " x ", cols));
  }
  return it->second;
}

void PutScalar(StateMap& state, const std::string& key, double value) {
  state[key] = MatrixD::Constant(1, 1, value);
}

double GetScalar(const StateMap& state, const std::string& key) { return GetState(state, key, 1, 1)(0, 0); }

std::uint64_t GetCount(const StateMap& state, const std::string& key) {
  const double v = GetScalar(state, key);
  if (!(v >= 0.0) || v != std::floor(v) || v > 9007199254740992.0) {
    throw IoError(StrCat("state: '", key, "' = ", v, " is not a count"));
  }
  return static_cast<std::uint64_t>(v);
}

}  // namespace pcmsim
