// Line-oriented parsing and shortest-exact printing for `pcmsim quantize`.
#include "pcmsim/numerics/quantize_text.hpp"

#include <charconv>
#include <cmath>
#include <istream>
#include <limits>
#include <ostream>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"

namespace pcmsim::numerics {

std::string FormatShortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

double ParseNumberLine(std::string_view text, long line) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  std::string_view body = text;
  if (!body.empty() && body.front() == '+') body.remove_prefix(1);
  double v = 0.0;
  const auto res = std::from_chars(body.data(), body.data() + body.size(), v);
  if (body.empty() || res.ec == std::errc::invalid_argument || res.ptr != body.data() + body.size()) {
    throw IoError(StrCat("line ", line, ": '", text, "' is not a number"));
  }
  if (res.ec == std::errc::result_out_of_range) {  // beyond double: keep the sign and size
    const bool neg = body.front() == '-';
    const bool tiny = body.find_first_of("eE") != std::string_view::npos &&
                      body.find('-', body.find_first_of("eE")) != std::string_view::npos;
    v = tiny ? (neg ? -0.0 : 0.0) : (neg ? -1.0 : 1.0) * std::numeric_limits<double>::infinity();
  }
  return v;
}

long QuantizeLines(std::istream& in, std::ostream& out, const FloatFormat& format, Rounding rounding,
                   std::uint64_t seed) {
  Rng rng(StreamSeed(seed, "quantize"));
  std::string text;
  long line = 0;
  while (std::getline(in, text)) {
    ++line;
    const double x = ParseNumberLine(text, line);
    out << FormatShortest(RoundToFormat(format, x, rounding, &rng)) << '\n';
  }
  return line;
}

}  // namespace pcmsim::numerics
