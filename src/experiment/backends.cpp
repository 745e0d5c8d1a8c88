// The backend registry: fp32 here; further kinds add one entry to Registry().
#include "pcmsim/experiment/backends.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"

namespace pcmsim::experiment {
namespace {

// One backend kind: its name and how it reads its config section into a LayerMaker.
struct BackendKind {
  std::string name;
  std::function<LayerMaker(io::ConfigReader& cfg, std::uint64_t seed)> configure;
};

// The cell population: `analog.device` names a devices/*.toml preset (default: the
// conventional Joshi 2020 fit built in), and keys under `analog.cell.` override its keys
// (e.g. --set analog.cell.projection.projection_ratio=2) so sweeps can move any parameter.
device::DeviceChoice ReadDevice(io::ConfigReader& cfg) {
  const std::filesystem::path file = cfg.GetPath("analog.device", "");
  io::ConfigReader dev = file.empty() ? io::ConfigReader::FromString("", "built-in conventional preset")
                                      : io::ConfigReader::FromFile(file);
  const std::string prefix = "analog.cell.";
  for (const auto& key : cfg.Keys("analog.cell")) {
    dev.ApplyOverride(key.substr(prefix.size()) + "=" + cfg.ValueText(key));
  }
  device::DeviceChoice model = LoadDevice(dev, "");
  dev.CheckAllConsumed();
  return model;
}

nn::AnalogOptions ReadAnalog(io::ConfigReader& cfg) {
  nn::AnalogOptions o;
  o.training = cfg.GetEnum<nn::AnalogTraining>("analog.training", o.training,
                                               {{"hwa", nn::AnalogTraining::kHwa},
                                                {"mixed", nn::AnalogTraining::kMixed},
                                                {"sgd", nn::AnalogTraining::kSgd}});
  o.device = ReadDevice(cfg);
  o.tile = LoadTileOptions(cfg, "analog.tile");
  o.hwa_weight_noise = cfg.GetDouble("analog.hwa_weight_noise", o.hwa_weight_noise);
  o.hwa_periphery = cfg.GetBool("analog.hwa_periphery", o.hwa_periphery);
  o.headroom = cfg.GetDouble("analog.headroom", o.headroom);
  o.granularity = cfg.GetDouble("analog.granularity", o.granularity);
  o.refresh_every = static_cast<int>(cfg.GetInt("analog.refresh_every", o.refresh_every));
  o.refresh_threshold = cfg.GetDouble("analog.refresh_threshold", o.refresh_threshold);
  o.step_time_s = cfg.GetDouble("analog.step_time_s", o.step_time_s);
  o.bit_length = static_cast<int>(cfg.GetInt("analog.bit_length", o.bit_length));
  o.Validate();
  return o;
}

const std::vector<BackendKind>& Registry() {
  static const std::vector<BackendKind> kinds = {
      {"fp32",
       [](io::ConfigReader&, std::uint64_t) -> LayerMaker {
         return [](Index in, Index out, Index, Index) { return std::make_unique<nn::Fp32Backend>(in, out); };
       }},
      // FP8 training after Wang et al. 2018; options in section [fp8] (experiment::ParseFp8Options).
      {"fp8",
       [](io::ConfigReader& cfg, std::uint64_t seed) -> LayerMaker {
         const nn::Fp8Options o = ParseFp8Options(cfg, "fp8");
         return [o, seed](Index in, Index out, Index layer, Index num_layers) {
           const bool edge = layer == 0 || layer + 1 == num_layers;
           return std::make_unique<nn::Fp8Backend>(in, out, o, StreamSeed(seed, "fp8_layer", layer), edge);
         };
       }},
      {"analog",
       [](io::ConfigReader& cfg, std::uint64_t seed) -> LayerMaker {
         const nn::AnalogOptions o = ReadAnalog(cfg);
         return [o, seed](Index in, Index out, Index layer, Index) {
           return std::make_unique<nn::AnalogBackend>(in, out, o, seed, layer);
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
