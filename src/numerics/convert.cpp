// Scalar conversion into a FloatFormat, computed exactly in double arithmetic: scale |x| by
// a power of two so that the format's grid becomes the integers, round, judge overflow.
#include "pcmsim/numerics/convert.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "pcmsim/core/error.hpp"

namespace pcmsim::numerics {
namespace {

enum class Kind { kZero, kFinite, kOverflow, kNaN };

// A rounded value in field terms: |value| = Decode(exp_field, frac).
struct Parts {
  bool negative = false;
  Kind kind = Kind::kZero;
  int exp_field = 0;
  std::uint64_t frac = 0;
};

// Exponent of a finite a > 0 (std::ilogb), from the bits for normal doubles.
inline int ILogb(double a) {
  const int field = static_cast<int>((std::bit_cast<std::uint64_t>(a) >> 52) & 0x7ff);
  return field != 0 ? field - 1023 : std::ilogb(a);
}

// a * 2^e exactly as std::ldexp (both round a subnormal result to nearest), with the power
// of two built from its bits when it is a normal double.
inline double Scale2(double a, int e) {
  if (e >= -1022 && e <= 1023) return a * std::bit_cast<double>(static_cast<std::uint64_t>(e + 1023) << 52);
  return std::ldexp(a, e);
}

// Whether to round up from floor given the fraction d = r - floor(r), d in [0, 1).
// floor_value < 2^53 is an integer, so its parity is that of its integer conversion.
bool RoundUp(double floor_value, double d, Rounding rounding, Rng* rng) {
  if (rounding == Rounding::kNearest) {
    return d > 0.5 || (d == 0.5 && (static_cast<std::uint64_t>(floor_value) & 1u) != 0);
  }
  PCMSIM_CHECK(rng != nullptr, "stochastic rounding needs a random stream");
  return d > 0.0 && rng->Uniform() < d;
}

// Fields of a nonzero finite |x| = a, rounded onto the grid of f (ignoring overflow).
Parts RoundMagnitude(const FloatFormat& f, double a, Rounding rounding, Rng* rng) {
  const int m = f.mantissa_bits;
  // Grid step 2^q: the ulp of a's binade, or the subnormal step below the normal range.
  int q = std::max(ILogb(a), f.MinExponent()) - m;
  const double r = Scale2(a, -q);  // exact unless far below the grid (then r << 1/2)
  const double fl = std::floor(r);     // r < 2^(m+1) <= 2^53, so r - fl is exact
  std::uint64_t n = static_cast<std::uint64_t>(fl) + (RoundUp(fl, r - fl, rounding, rng) ? 1 : 0);
  Parts p;
  if (n == 0) return p;
  if (n >> (m + 1)) {  // rounded up to the next power of two
    n >>= 1;
    ++q;
  }
  p.kind = Kind::kFinite;
  if (n >> m) {
    p.exp_field = q + m + f.bias;
    p.frac = n - (std::uint64_t{1} << m);
  } else {  // subnormal: q is the subnormal step
    p.exp_field = 0;
    p.frac = n;
    if (!f.subnormals) p = Parts{};
  }
  return p;
}

Parts Round(const FloatFormat& f, double x, Rounding rounding, Rng* rng) {
  Parts p;
  if (std::isnan(x)) {
    p.kind = Kind::kNaN;
  } else if (std::isinf(x)) {
    p.kind = Kind::kOverflow;
  } else if (x != 0.0) {
    p = RoundMagnitude(f, std::fabs(x), rounding, rng);
    const int max_field = f.MaxExponent() + f.bias;
    if (p.kind == Kind::kFinite &&
        (p.exp_field > max_field || (p.exp_field == max_field && p.frac > f.MaxTopMantissa()))) {
      p.kind = Kind::kOverflow;
    }
  }
  p.negative = std::signbit(x);
  if (p.kind == Kind::kOverflow && f.saturate) {
    p.kind = Kind::kFinite;
    p.exp_field = f.MaxExponent() + f.bias;
    p.frac = f.MaxTopMantissa();
  }
  return p;
}

double PartsValue(const FloatFormat& f, int exp_field, std::uint64_t frac) {
  const int m = f.mantissa_bits;
  if (exp_field == 0) return Scale2(static_cast<double>(frac), f.MinExponent() - m);
  const double sig = static_cast<double>((std::uint64_t{1} << m) + frac);
  return Scale2(sig, exp_field - f.bias - m);
}

}  // namespace

std::uint64_t Encode(const FloatFormat& f, double x, Rounding rounding, Rng* rng) {
  const Parts p = Round(f, x, rounding, rng);
  const int m = f.mantissa_bits;
  const std::uint64_t top_code = (std::uint64_t{1} << f.exponent_bits) - 1;
  const std::uint64_t all_frac = (std::uint64_t{1} << m) - 1;
  std::uint64_t magnitude = 0;
  switch (p.kind) {
    case Kind::kZero:
      break;
    case Kind::kFinite:
      magnitude = (static_cast<std::uint64_t>(p.exp_field) << m) | p.frac;
      break;
    case Kind::kOverflow:
    case Kind::kNaN:
      if (f.specials == Specials::kNone) {
        throw Error(StrCat("value ", x, " has no code in format '", f.name, "' (no inf/NaN; use saturation)"));
      }
      if (f.specials == Specials::kOcpE4M3) {
        magnitude = (top_code << m) | all_frac;
      } else if (p.kind == Kind::kOverflow) {
        magnitude = top_code << m;  // inf
      } else {
        magnitude = (top_code << m) | (m > 0 ? std::uint64_t{1} << (m - 1) : 0);  // quiet NaN
      }
      break;
  }
  return (p.negative ? std::uint64_t{1} << (f.Bits() - 1) : 0) | magnitude;
}

double Decode(const FloatFormat& f, std::uint64_t bits) {
  const int m = f.mantissa_bits;
  PCMSIM_CHECK((bits >> f.Bits()) == 0, "bit pattern wider than format ", f.name);
  const bool negative = (bits >> (f.Bits() - 1)) & 1u;
  const int exp_field = static_cast<int>((bits >> m) & ((std::uint64_t{1} << f.exponent_bits) - 1));
  const std::uint64_t frac = bits & ((std::uint64_t{1} << m) - 1);
  const int top_code = (1 << f.exponent_bits) - 1;
  double v = 0.0;
  if (f.specials == Specials::kIeee && exp_field == top_code) {
    v = frac == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (f.specials == Specials::kOcpE4M3 && exp_field == top_code && frac == (std::uint64_t{1} << m) - 1) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else if (exp_field == 0 && !f.subnormals) {
    v = 0.0;
  } else {
    v = PartsValue(f, exp_field, frac);
  }
  return negative ? -v : v;
}

double RoundToFormat(const FloatFormat& f, double x, Rounding rounding, Rng* rng) {
  const Parts p = Round(f, x, rounding, rng);
  double v = 0.0;
  switch (p.kind) {
    case Kind::kZero:
      v = 0.0;
      break;
    case Kind::kFinite:
      v = PartsValue(f, p.exp_field, p.frac);
      break;
    case Kind::kOverflow:
      v = f.specials == Specials::kOcpE4M3 ? std::numeric_limits<double>::quiet_NaN()
                                           : std::numeric_limits<double>::infinity();
      break;
    case Kind::kNaN:
      v = std::numeric_limits<double>::quiet_NaN();
      break;
  }
  return p.negative ? -v : v;
}

float RoundToFormat(const FloatFormat& f, float x, Rounding rounding, Rng* rng) {
  return static_cast<float>(RoundToFormat(f, static_cast<double>(x), rounding, rng));
}

}  // namespace pcmsim::numerics
