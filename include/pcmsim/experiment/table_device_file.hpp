// The file format of the table device (`model = "table"` in devices/*.toml): reading it into
// device::TableDevice and writing one (what `pcmsim fit-device` produces). Conductances in uS.
//
//   name = "..."            model = "table"
//   [range]                 g_min_uS, g_max_uS, g_clip_max_uS
//   [programming.std]       g_uS = [...], value_uS = [...], source = "..."   (std vs target)
//   [drift]                 t0_s
//   [drift.nu_mean]         g_uS, value, source        [drift.nu_std]  g_uS, value, source
//   [read.std]              g_uS, value_uS, source
//   [set]                   gain_dtod
//   [set.mean] [set.std]    g_uS, value_uS, source     (per pulse, vs G before the pulse)
//   [reset.mean] [reset.std] g_uS, value_uS, source    (G after a RESET, vs G before)
//   [program_verify]        tolerance_uS, max_iterations
#pragma once

#include <string>
#include <string_view>

#include "pcmsim/device/table_device.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::experiment {

// Reads the keys below `prefix` ("" = document root); every table is required; errors name
// the source, the key and the reason. The caller runs CheckAllConsumed().
device::TableDevice LoadTableDevice(io::ConfigReader& reader, std::string_view prefix = "");
// The TOML text of a table device (loads back to the same numbers; `header` lines become
// leading comments).
std::string TableDeviceToml(const device::TableDevice& d, const std::string& header);

}  // namespace pcmsim::experiment
