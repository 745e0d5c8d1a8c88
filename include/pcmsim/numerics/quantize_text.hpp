// Text front end of the converters (used by `pcmsim quantize`): parse one number per line,
// round it into a format, print the result as the shortest decimal that reads back exactly.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "pcmsim/numerics/float_format.hpp"

namespace pcmsim::numerics {

// Shortest decimal that parses back to v (std::to_chars); "nan", "inf", "-inf".
std::string FormatShortest(double v);

// Parses a decimal/hex-float number, "nan", "inf", "-inf" (surrounding blanks allowed, a
// leading '+' too). Throws IoError("line N: ...") naming `line` (1-based) otherwise.
double ParseNumberLine(std::string_view text, long line);

// Reads numbers from `in` one per line, writes each rounded into `format` one per line.
// Stochastic rounding draws from a stream seeded by `seed`. Returns the number of lines.
long QuantizeLines(std::istream& in, std::ostream& out, const FloatFormat& format, Rounding rounding,
                   std::uint64_t seed);

}  // namespace pcmsim::numerics
