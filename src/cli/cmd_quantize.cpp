// `pcmsim quantize --format NAME [--rounding nearest|stochastic] [--saturate] [--seed N]`:
// numbers on stdin, one per line, rounded into a number format, one per line on stdout.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "pcmsim/numerics/quantize_text.hpp"

namespace pcmsim::cli {
namespace {

struct QuantizeArgs {
  std::string format;
  std::string rounding = "nearest";
  bool saturate = false;
  std::uint64_t seed = 0;
};

void Quantize(const QuantizeArgs& a) {
  numerics::FloatFormat f = numerics::FormatByName(a.format);
  if (a.saturate) f.saturate = true;
  std::ios::sync_with_stdio(false);
  numerics::QuantizeLines(std::cin, std::cout, f, numerics::RoundingFromString(a.rounding), a.seed);
  std::cout.flush();
}

}  // namespace

void RegisterQuantize(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  std::string names;
  for (const auto& n : numerics::FormatNames()) names += (names.empty() ? "" : ", ") + n;
  CLI::App* cmd = app.add_subcommand(
      "quantize", "Round numbers from stdin (one per line) into a number format, print them (shortest exact)");
  cmd->add_option("--format", args->format, "Number format: " + names + " (suffix :bias=N to change the bias)")
      ->required();
  cmd->add_option("--rounding", args->rounding, "nearest (ties to even) or stochastic")
      ->check(CLI::IsMember({"nearest", "stochastic"}));
  cmd->add_flag("--saturate", args->saturate, "Clamp overflow to +-max finite instead of inf/NaN (OCP saturation)");
  cmd->add_option("--seed", args->seed, "Seed of the stochastic-rounding stream");
  cmd->callback([args] { Quantize(*args); });
}

}  // namespace pcmsim::cli
