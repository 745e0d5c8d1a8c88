// Device files (devices/*.toml, any family: PCM presets and `model = "table"`): the TOML
// part, `--set` lines after a "%%" line, then experiment::LoadDevice + CheckAllConsumed as
// LoadDeviceFile does. A device that loads is then used through the CellArray interface:
// 8 cells programmed (fast fit and program-and-verify), pulsed and read.
// Property beyond "no crash": a device that passes validation never yields a non-finite
// conductance.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/device_choice.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/device/table_device.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/io/config.hpp"

using namespace pcmsim;

namespace {
void CheckFinite(const ArrayD& g) {
  for (Index i = 0; i < g.size(); ++i)
    if (!std::isfinite(g[i])) std::abort();
}

int MaxIterations(const device::DeviceChoice& d) {
  if (const auto* p = d.As<device::PcmParams>()) return p->pv_max_iterations;
  if (const auto* t = d.As<device::TableDevice>()) return t->pv_max_iterations;
  return 1;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const fuzz::TomlWithSets in = fuzz::SplitSets(data, size);
  device::DeviceChoice d;
  try {
    io::ConfigReader r = io::ConfigReader::FromString(in.toml, "fuzz_device.toml");
    for (const auto& s : in.sets) r.ApplyOverride(s);
    d = experiment::LoadDevice(r, "");
    r.CheckAllConsumed();
  } catch (const Error&) {
    return 0;
  }
  // Program-and-verify cost grows with the iteration cap; a few cells keep it bounded.
  constexpr Index kCells = 8;
  auto a = d->MakeArray(kCells, 1, 0);
  std::vector<Index> all(kCells);
  std::iota(all.begin(), all.end(), Index{0});
  std::vector<double> targets(kCells);
  for (Index i = 0; i < kCells; ++i) targets[size_t(i)] = a->g_max() * static_cast<double>(i) / (kCells - 1);
  ArrayD g(kCells);
  a->ProgramStatistical(all, targets, 0.0);
  a->Read(1.0, g, true);
  CheckFinite(g);
  a->ExpectedConductance(3600.0, g);
  CheckFinite(g);
  if (MaxIterations(d) <= 1000) {
    a->ProgramVerify(all, targets, 10.0);
    a->Read(86400.0, g, true);
    CheckFinite(g);
  }
  std::vector<Index> cells = {0, 3, 7};
  std::vector<int> counts = {1, 5, 20};
  a->ApplySet(cells, counts, 100.0);
  a->ApplyReset(std::vector<Index>{1, 2}, 200.0);
  a->Read(1e6, g, true);
  CheckFinite(g);
  return 0;
}
