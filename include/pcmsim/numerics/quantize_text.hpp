// Text front end of the converters (used by `pcmsim quantize`): parse one number per line,
// round it into a format, print the result as the shortest decimal that reads back exactly.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/float_format.hpp"

namespace pcmsim::numerics {

// Shortest decimal that parses back to v (std::to_chars); "nan", "inf", "-inf".
std::string FormatShortest(double v);

// A decimal number as read: the double nearest to it and on which side of that double the
// exact decimal lies (residual = sign of |exact| - |nearest|: -1, 0 or +1).
struct DecimalNumber {
  double nearest = 0.0;
  int residual = 0;
};

// Parses a decimal number of any length, "nan", "inf", "-inf" (surrounding blanks allowed,
// a leading '+' too), correctly rounded. Throws IoError("line N: ...") naming `line`
// (1-based) otherwise. Beyond the double range: ±inf or ±0 with the residual set.
DecimalNumber ParseDecimalLine(std::string_view text, long line);
double ParseNumberLine(std::string_view text, long line);  // ParseDecimalLine(...).nearest

// `x` rounded into `f` as if from the exact decimal, in one rounding (round-to-odd via the
// residual; exact for formats of up to 51 bits of precision whose grid stays 4x coarser
// than the double's, i.e. every preset; wider formats round the nearest double).
// Stochastic rounding uses x.nearest.
double RoundDecimal(const FloatFormat& f, const DecimalNumber& x, Rounding rounding, Rng* rng);

// Reads numbers from `in` one per line, writes each rounded into `format` one per line.
// Stochastic rounding draws from a stream seeded by `seed`. Returns the number of lines.
long QuantizeLines(std::istream& in, std::ostream& out, const FloatFormat& format, Rounding rounding,
                   std::uint64_t seed);

}  // namespace pcmsim::numerics
