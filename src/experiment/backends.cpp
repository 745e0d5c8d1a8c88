// The backend registry: fp32 here; further kinds add one entry to Registry().
#include "pcmsim/experiment/backends.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"

namespace pcmsim::experiment {
namespace {

// One backend kind: its name and how it reads its config section into a LayerMaker.
struct BackendKind {
  std::string name;
  std::function<LayerMaker(io::ConfigReader& cfg, std::uint64_t seed)> configure;
};

const std::vector<BackendKind>& Registry() {
  static const std::vector<BackendKind> kinds = {
      {"fp32",
       [](io::ConfigReader&, std::uint64_t) -> LayerMaker {
         return [](Index in, Index out, Index, Index) { return std::make_unique<nn::Fp32Backend>(in, out); };
       }},
      // FP8 training after Wang et al. 2018; options in section [fp8] (nn::ParseFp8Options).
      {"fp8",
       [](io::ConfigReader& cfg, std::uint64_t seed) -> LayerMaker {
         const nn::Fp8Options o = nn::ParseFp8Options(cfg, "fp8");
         return [o, seed](Index in, Index out, Index layer, Index num_layers) {
           const bool edge = layer == 0 || layer + 1 == num_layers;
           return std::make_unique<nn::Fp8Backend>(in, out, o, StreamSeed(seed, "fp8_layer", layer), edge);
         };
       }},
  };
  return kinds;
}

}  // namespace

std::vector<std::string> BackendNames() {
  std::vector<std::string> names;
  for (const auto& k : Registry()) names.push_back(k.name);
  return names;
}

BackendSet ConfigureBackends(io::ConfigReader& cfg, std::uint64_t seed) {
  BackendSet set;
  for (const auto& k : Registry()) set.makers[k.name] = k.configure(cfg, seed);
  return set;
}

nn::BackendPtr BackendSet::Make(std::string_view name, Index in, Index out, Index layer, Index num_layers) const {
  auto it = makers.find(name);
  if (it == makers.end()) {
    std::string list;
    for (const auto& n : BackendNames()) list += (list.empty() ? "" : ", ") + n;
    throw ConfigError(StrCat("backend '", name, "' is not one of: ", list));
  }
  return it->second(in, out, layer, num_layers);
}

}  // namespace pcmsim::experiment
