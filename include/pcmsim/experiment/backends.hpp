// Registry of layer backends by name ("fp32", "fp8", "analog", ...): each kind reads its own
// config section and then builds layers. Adding a backend = one entry in backends.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pcmsim/io/config.hpp"
#include "pcmsim/nn/backend.hpp"

namespace pcmsim::experiment {

// Builds the backend of layer `layer` (0-based) with `in` inputs and `out` outputs.
using LayerMaker = std::function<nn::BackendPtr(Index in, Index out, Index layer, Index num_layers)>;

// The configured makers of every backend kind, keyed by name.
struct BackendSet {
  std::map<std::string, LayerMaker, std::less<>> makers;
  nn::BackendPtr Make(std::string_view name, Index in, Index out, Index layer, Index num_layers) const;
};

// Names of all registered backend kinds, for messages.
std::vector<std::string> BackendNames();

// Reads every backend kind's section (e.g. [fp8], [analog]) from `cfg`, validating them.
BackendSet ConfigureBackends(io::ConfigReader& cfg, std::uint64_t seed);

}  // namespace pcmsim::experiment
