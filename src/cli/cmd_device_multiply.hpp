// Arguments and entry of `pcmsim device --study multiply` (cmd_device_multiply.cpp).
#pragma once

#include <string>
#include <vector>

#include "pcmsim/device/multiply_study.hpp"

namespace pcmsim::cli {

struct MultiplyArgs {
  std::string device, output;
  std::vector<std::string> with;       // further presets, side by side
  std::vector<std::string> overrides;  // --set key=value, applied to every preset
  device::MultiplyStudyOptions options;
  bool ablate = false;
};

void RunMultiplyStudyCommand(const MultiplyArgs& a);

}  // namespace pcmsim::cli
