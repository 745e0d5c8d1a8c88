// Reading TileOptions from a TOML section (e.g. [analog.tile], [analog.tile.forward]).
#pragma once

#include <string_view>

#include "pcmsim/crossbar/tile_options.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::crossbar {

// Reads every TileOptions field below `prefix` (all optional, defaults from TileOptions{}),
// periphery under `prefix.forward` / `prefix.backward`, then Validate()s; errors name the key.
TileOptions LoadTileOptions(io::ConfigReader& cfg, std::string_view prefix);

}  // namespace pcmsim::crossbar
