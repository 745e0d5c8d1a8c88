// Device presets (devices/*.toml): the TOML part, `--set` lines after a "%%" line, then
// LoadPcmParams + CheckAllConsumed as LoadPcmParamsFile does. A preset that loads is
// then used: 8 cells programmed (fast fit and program-and-verify), pulsed and read.
// Property beyond "no crash": a preset that passes validation never yields a non-finite
// conductance.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/io/config.hpp"

using namespace pcmsim;

namespace {
void CheckFinite(const ArrayD& g) {
  for (Index i = 0; i < g.size(); ++i)
    if (!std::isfinite(g[i])) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const fuzz::TomlWithSets in = fuzz::SplitSets(data, size);
  device::PcmParams p;
  try {
    io::ConfigReader r = io::ConfigReader::FromString(in.toml, "fuzz_device.toml");
    for (const auto& s : in.sets) r.ApplyOverride(s);
    p = experiment::LoadPcmParams(r, "");
    r.CheckAllConsumed();
  } catch (const Error&) {
    return 0;
  }
  // Program-and-verify cost grows with the iteration cap; a few cells keep it bounded.
  constexpr Index kCells = 8;
  device::PcmArray a(p, kCells, 1);
  ArrayD targets(kCells);
  for (Index i = 0; i < kCells; ++i) targets[i] = p.g_max * static_cast<double>(i) / (kCells - 1);
  ArrayD g(kCells);
  a.ProgramStatistical(targets, 0.0);
  a.Read(1.0, g, true);
  CheckFinite(g);
  a.ExpectedConductance(3600.0, g);
  CheckFinite(g);
  if (p.pv_max_iterations <= 1000) {
    a.ProgramVerify(targets, 10.0);
    a.Read(86400.0, g, true);
    CheckFinite(g);
  }
  std::vector<Index> cells = {0, 3, 7};
  std::vector<int> counts = {1, 5, 20};
  a.ApplySet(cells, counts, 100.0);
  a.ApplyReset(std::vector<Index>{1, 2}, 200.0);
  a.Read(1e6, g, true);
  CheckFinite(g);
  return 0;
}
