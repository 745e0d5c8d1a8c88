// The CSV layout of device traces (one row per reading), as `pcmsim device --traces` writes
// and `pcmsim fit-device` reads:
//   # comment lines (e.g. "synthetic traces of pcm_training, seed 1")
//   device,kind,polarity,pulse,time_s,g_uS,target_uS
//   0,program,,0,0,5.07,5.0          kind = program | pulse | read
//   0,read,,0,100,4.71,              polarity = set | reset on pulse rows, empty otherwise
//   0,pulse,set,3,0,2.83,            time_s = time since the latest programming or pulse
// Columns by header name (any order); target_uS only on program rows.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "pcmsim/device/trace.hpp"

namespace pcmsim::experiment {

// Writes rows (header comment lines first); IoError if the file cannot be written.
void WriteTraceCsv(const std::filesystem::path& path, std::span<const device::TraceRow> rows,
                   const std::string& comment);
// Reads a trace file. ConfigError "FILE:LINE: reason" for a missing column, a non-numeric or
// negative time, an unknown kind or polarity, a program row without target, a wrong field count.
std::vector<device::TraceRow> ReadTraceCsv(const std::filesystem::path& path);

}  // namespace pcmsim::experiment
