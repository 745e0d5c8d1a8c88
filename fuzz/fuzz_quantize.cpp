// `pcmsim quantize` text path. Input: first line "FORMAT [stochastic] [saturate]" (FORMAT
// as for --format, e.g. "e4m3" or "fp16:bias=20"), then one number per line.
// Properties beyond "no crash": every printed value reads back to the same bits, and a
// nearest-rounded value is a fixed point of rounding (it is representable).
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "pcmsim/numerics/quantize_text.hpp"

using namespace pcmsim;

namespace {
bool SameBits(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  std::istringstream head(input.substr(0, nl));
  std::string name, word;
  head >> name;
  numerics::Rounding rounding = numerics::Rounding::kNearest;
  bool saturate = false;
  while (head >> word) {
    if (word == "stochastic") rounding = numerics::Rounding::kStochastic;
    if (word == "saturate") saturate = true;
  }
  numerics::FloatFormat f;
  try {
    f = numerics::FormatByName(name);
  } catch (const Error&) {
    return 0;
  }
  if (saturate) f.saturate = true;
  const std::string body = nl == std::string::npos ? std::string() : input.substr(nl + 1);

  // Line by line, with the properties.
  Rng rng(StreamSeed(1, "fuzz"));
  std::istringstream lines(body);
  std::string line;
  long n = 0;
  while (std::getline(lines, line)) {
    ++n;
    double x = 0;
    try {
      x = numerics::ParseNumberLine(line, n);
    } catch (const Error&) {
      continue;
    }
    const double q = numerics::RoundToFormat(f, x, rounding, &rng);
    const std::string text = numerics::FormatShortest(q);
    if (!SameBits(numerics::ParseNumberLine(text, n), q)) std::abort();
    if (rounding == numerics::Rounding::kNearest && !SameBits(numerics::RoundToFormat(f, q), q)) std::abort();
  }
  // The whole stream as the command runs it (stops at the first bad line with IoError).
  std::istringstream in(body);
  std::ostringstream out;
  try {
    numerics::QuantizeLines(in, out, f, rounding, 7);
  } catch (const Error&) {
  }
  return 0;
}
