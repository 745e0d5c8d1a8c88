// Experiment loader: the input's TOML part is written as experiments/fuzz_input.toml in a
// scratch copy of the repository layout (so "../data/..." and "../devices/..." resolve),
// the lines after a "%%" line are `--set` strings; then LoadExperiment as `pcmsim run`
// calls it. Property beyond "no crash": the resolved config text (written into every
// result file and compared on --resume) is a fixed point of parse + print.
#include <cstdint>
#include <cstdlib>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/io/config.hpp"

using namespace pcmsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const fuzz::TomlWithSets in = fuzz::SplitSets(data, size);
  const std::filesystem::path file = fuzz::Scratch() / "experiments" / "fuzz_input.toml";
  fuzz::WriteFile(file, in.toml);
  experiment::Experiment e;
  try {
    e = experiment::LoadExperiment(file, in.sets);
  } catch (const Error&) {
    return 0;
  }
  const std::string again = io::ConfigReader::FromString(e.config_text, "again").Text();
  if (again != e.config_text) std::abort();
  return 0;
}
