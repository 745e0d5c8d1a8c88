// The one place that maps TOML onto the simulation modules' options structs: device
// presets, tile options, FP8 options (the experiment file itself: experiment.hpp). The
// modules below only validate their structs (core/validate.hpp) and never see TOML.
#pragma once

#include <filesystem>
#include <string_view>

#include "pcmsim/crossbar/tile_options.hpp"
#include "pcmsim/device/device_choice.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/nn/fp8_backend.hpp"

namespace pcmsim::experiment {

// Reads device keys below `prefix` ("" = document root, "device" = a [device] table of an
// experiment) into params, starting from ConventionalParams(), then Validate()s. All keys
// are optional; errors name the source and the key. The caller runs CheckAllConsumed().
device::PcmParams LoadPcmParams(io::ConfigReader& reader, std::string_view prefix = "");
// A whole devices/*.toml file: LoadPcmParams + CheckAllConsumed (unknown keys are errors).
device::PcmParams LoadPcmParamsFile(const std::filesystem::path& path);

// Any device file: its `model` key picks the family in the registry (device_load.cpp):
// "conventional" | "projected" (the default) -> LoadPcmParams, "table" -> LoadTableDevice.
// ConfigError naming the source and `model` for an unknown family.
device::DeviceChoice LoadDevice(io::ConfigReader& reader, std::string_view prefix = "");
device::DeviceChoice LoadDeviceFile(const std::filesystem::path& path);

// Reads every TileOptions field below `prefix` (all optional, defaults from TileOptions{}),
// periphery under `prefix.forward` / `prefix.backward`, then Validate()s; errors name the key.
crossbar::TileOptions LoadTileOptions(io::ConfigReader& cfg, std::string_view prefix);

// Reads the [fp8] section (keys = Fp8Options field names) and validates; errors name the
// file and key.
nn::Fp8Options ParseFp8Options(io::ConfigReader& cfg, std::string_view prefix);

}  // namespace pcmsim::experiment
