// The device-family registry: which loader reads a device file, by its `model` key. A new
// family adds its loader here (one line) next to its DeviceModel in device/.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/experiment/table_device_file.hpp"

namespace pcmsim::experiment {
namespace {

using Loader = std::function<device::DeviceChoice(io::ConfigReader&, std::string_view)>;

const std::vector<std::pair<std::string, Loader>>& Registry() {
  static const std::vector<std::pair<std::string, Loader>> kFamilies = {
      {"conventional", [](io::ConfigReader& r, std::string_view p) { return device::DeviceChoice(LoadPcmParams(r, p)); }},
      {"projected", [](io::ConfigReader& r, std::string_view p) { return device::DeviceChoice(LoadPcmParams(r, p)); }},
      {"table", [](io::ConfigReader& r, std::string_view p) { return device::DeviceChoice(LoadTableDevice(r, p)); }},
  };
  return kFamilies;
}

}  // namespace

device::DeviceChoice LoadDevice(io::ConfigReader& reader, std::string_view prefix) {
  const std::string key = prefix.empty() ? std::string("model") : std::string(prefix) + ".model";
  const std::string model = reader.GetString(key, "conventional");
  std::string names;
  for (const auto& [name, load] : Registry()) {
    if (name == model) return load(reader, prefix);
    names += (names.empty() ? "" : ", ") + name;
  }
  reader.Fail(key, StrCat("'", model, "' is not a device model (known: ", names, ")"));
}

device::DeviceChoice LoadDeviceFile(const std::filesystem::path& path) {
  io::ConfigReader r = io::ConfigReader::FromFile(path);
  device::DeviceChoice d = LoadDevice(r, "");
  r.CheckAllConsumed();
  return d;
}

}  // namespace pcmsim::experiment
