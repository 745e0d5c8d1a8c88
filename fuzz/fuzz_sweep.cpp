// Sweep loader: the input's TOML part is written as experiments/fuzz_sweep.toml next to
// (symlinks to) the shipped experiments, so `base = "mnist_fp32.toml"` resolves; lines
// after a "%%" line are `--set` strings. Then LoadSweep as `pcmsim sweep` calls it.
// Properties beyond "no crash": points = combinations x repeats, numbered 0..n-1,
// combination-major, and every point's seed is the base seed + its repeat.
#include <cstdint>
#include <cstdlib>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/sweep.hpp"

using namespace pcmsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const fuzz::TomlWithSets in = fuzz::SplitSets(data, size);
  const std::filesystem::path file = fuzz::Scratch() / "experiments" / "fuzz_sweep.toml";
  fuzz::WriteFile(file, in.toml);
  experiment::Sweep s;
  try {
    s = experiment::LoadSweep(file, in.sets);
  } catch (const Error&) {
    return 0;
  }
  if (s.points.empty() || s.points.size() % static_cast<size_t>(s.repeats) != 0) std::abort();
  for (size_t i = 0; i < s.points.size(); ++i) {
    const experiment::SweepPoint& p = s.points[i];
    if (p.index != static_cast<Index>(i) || p.repeat != static_cast<int>(i % static_cast<size_t>(s.repeats)) ||
        p.combination != static_cast<Index>(i / static_cast<size_t>(s.repeats)) ||
        p.value_index.size() != s.axes.size())
      std::abort();
    if (p.repeat > 0 && p.seed != s.points[i - 1].seed + 1) std::abort();
  }
  return 0;
}
