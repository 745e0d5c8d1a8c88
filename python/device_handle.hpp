// The Python-side handle of a device preset, shared by the device, tile and experiment
// bindings (tiles and cell arrays are built from it).
#pragma once

#include <memory>
#include <string>

#include "pcmsim/device/pcm_params.hpp"

namespace pcmsim::python {

struct Device {
  std::shared_ptr<const device::PcmParams> params;
  std::string source;       // file it came from, or "built-in conventional preset"
  std::string config_text;  // the resolved preset as TOML
};

}  // namespace pcmsim::python
