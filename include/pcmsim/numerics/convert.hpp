// Exact scalar conversions of float/double values into a FloatFormat: encode to bits,
// decode, and round to the format's value, by nearest-even or stochastic rounding.
#pragma once

#include <cstdint>

#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/float_format.hpp"

namespace pcmsim::numerics {

// Bit pattern (sign at bit Bits()-1) of x rounded into f. Rules: round first, then judge
// overflow on the rounded value (saturate -> ±max; else ±inf / NaN per f.specials); below
// half the smallest subnormal -> ±0; NaN -> the format's quiet NaN with x's sign.
// kStochastic needs rng (one Uniform() draw per finite nonzero x). Throws pcmsim::Error when
// f has no code for the result (NaN or non-saturated overflow with Specials::kNone).
std::uint64_t Encode(const FloatFormat& f, double x, Rounding rounding = Rounding::kNearest,
                     Rng* rng = nullptr);

// The value of a bit pattern (NaN/±inf for special codes). Bits above Bits() must be 0.
double Decode(const FloatFormat& f, std::uint64_t bits);

// x rounded into f, as a value. Same rules as Encode; where f has no code (kNone) a NaN
// input stays NaN and a non-saturated overflow returns ±inf as an out-of-range marker.
// Stochastic rounding rounds up with probability (|x| - lower) / gap, exact to 2^-53.
double RoundToFormat(const FloatFormat& f, double x, Rounding rounding = Rounding::kNearest,
                     Rng* rng = nullptr);
// Float input: identical to the double version on the exactly widened input.
float RoundToFormat(const FloatFormat& f, float x, Rounding rounding = Rounding::kNearest,
                    Rng* rng = nullptr);

}  // namespace pcmsim::numerics
