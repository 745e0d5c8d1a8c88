// Parametric binary floating-point formats (sign, exponent, mantissa, bias, specials,
// overflow policy) and the named presets pcmsim uses (fp32 ... e4m3, hfp8). See NUMERICS.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pcmsim::numerics {

// How the top exponent code is used.
enum class Specials {
  kIeee,     // all-ones exponent = inf (mantissa 0) or NaN (else). Also OCP E5M2 (identical).
  kOcpE4M3,  // no inf; only S.1..1.1..1 is NaN, the rest of the top binade is finite (OCP E4M3)
  kNone,     // every code is finite: no inf, no NaN ("IBM half" (1,6,9) as assumed in NUMERICS.md)
};

// Rounding of a real value onto the format grid.
enum class Rounding {
  kNearest,     // round to nearest, ties to even (IEEE 754 roundTiesToEven)
  kStochastic,  // up with probability (x - lower) / (upper - lower), from a seeded stream
};

std::string_view ToString(Specials s);
std::string_view ToString(Rounding r);
Rounding RoundingFromString(std::string_view name);  // "nearest" | "stochastic"; ConfigError else

// One floating-point format. Values: (-1)^s * 2^(E - bias) * 1.f for 0 < E (normal),
// (-1)^s * 2^(1 - bias) * 0.f for E = 0 (subnormal, or flushed to 0 without subnormals).
// Conversions round first and judge overflow on the rounded value (OCP OFP8 v1.0 rule).
struct FloatFormat {
  std::string name = "fp32";   // preset name, written to results
  int exponent_bits = 8;       // E field width, [2, 11]
  int mantissa_bits = 23;      // stored fraction bits f, [0, 52]; precision p = f + 1
  int bias = 127;              // exponent bias, any integer with a sane range (see Validate)
  bool subnormals = true;      // false: results below the smallest normal flush to ±0
  Specials specials = Specials::kIeee;  // use of the top exponent code
  // Overflow policy (OCP): true -> ±max finite; false -> ±inf (kIeee), NaN (kOcpE4M3), and
  // for kNone (no code for it) the value API returns ±inf as an out-of-range marker while
  // Encode() throws. Infinite inputs follow the same policy.
  bool saturate = false;

  // Throws ConfigError naming field, value and the broken constraint.
  void Validate() const;

  int Bits() const { return 1 + exponent_bits + mantissa_bits; }
  int Precision() const { return mantissa_bits + 1; }
  int MinExponent() const { return 1 - bias; }  // exponent of the smallest normal
  int MaxExponent() const;                      // exponent of the largest finite value
  unsigned MaxTopMantissa() const;              // fraction field of the largest finite value
  double MaxFinite() const;
  double MinNormal() const;
  double MinSubnormal() const;  // = MinNormal() when subnormals are off
  bool HasInf() const { return specials == Specials::kIeee; }
  bool HasNaN() const { return specials != Specials::kNone; }
  // True if every value of this format is a float32 value (fast float paths apply).
  bool FitsFloat32() const;
};

// Presets: fp32, fp16, bf16, fp16_169 ("(1,6,9)", bias 31, no specials), fp8_152 (Wang et al.
// 2018 data format, E5M2-like), e5m2, e4m3 (OCP OFP8 v1.0), hfp8 (1-4-3 of Sun et al. 2019,
// bias 7 by default). A suffix ":bias=N" overrides the bias ("hfp8:bias=11"); a suffix
// ":sat" selects saturation. Throws ConfigError listing the valid names.
FloatFormat FormatByName(std::string_view spec);
std::vector<std::string> FormatNames();

}  // namespace pcmsim::numerics
