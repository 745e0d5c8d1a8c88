// FloatFormat: derived limits, validation and the named presets.
#include "pcmsim/numerics/float_format.hpp"

#include <charconv>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::numerics {

std::string_view ToString(Specials s) {
  switch (s) {
    case Specials::kIeee:
      return "ieee";
    case Specials::kOcpE4M3:
      return "ocp_e4m3";
    case Specials::kNone:
      return "none";
  }
  return "?";
}

std::string_view ToString(Rounding r) { return r == Rounding::kNearest ? "nearest" : "stochastic"; }

Rounding RoundingFromString(std::string_view name) {
  if (name == "nearest") return Rounding::kNearest;
  if (name == "stochastic") return Rounding::kStochastic;
  throw ConfigError(StrCat("rounding '", name, "' is not one of: nearest, stochastic"));
}

int FloatFormat::MaxExponent() const {
  const int top_code = (1 << exponent_bits) - 1;
  return (specials == Specials::kIeee ? top_code - 1 : top_code) - bias;
}

unsigned FloatFormat::MaxTopMantissa() const {
  const unsigned all = (1u << mantissa_bits) - 1u;
  return specials == Specials::kOcpE4M3 ? all - 1u : all;
}

double FloatFormat::MaxFinite() const {
  const double frac = 1.0 + std::ldexp(static_cast<double>(MaxTopMantissa()), -mantissa_bits);
  return std::ldexp(frac, MaxExponent());
}

double FloatFormat::MinNormal() const { return std::ldexp(1.0, MinExponent()); }

double FloatFormat::MinSubnormal() const {
  return subnormals ? std::ldexp(1.0, MinExponent() - mantissa_bits) : MinNormal();
}

bool FloatFormat::FitsFloat32() const {
  return mantissa_bits <= 23 && MaxExponent() <= 127 && MinExponent() - mantissa_bits >= -149;
}

void FloatFormat::Validate() const {
  const std::string p = "format '" + name + "' ";
  Require(exponent_bits >= 2 && exponent_bits <= 11, p + "exponent_bits", exponent_bits, "must be in [2, 11]");
  Require(mantissa_bits >= 0 && mantissa_bits <= 52, p + "mantissa_bits", mantissa_bits, "must be in [0, 52]");
  Require(specials != Specials::kOcpE4M3 || mantissa_bits >= 1, p + "mantissa_bits", mantissa_bits,
              "must be >= 1 with ocp_e4m3 specials (S.1..1.1..1 is NaN)");
  Require(specials != Specials::kIeee || mantissa_bits >= 1, p + "mantissa_bits", mantissa_bits,
              "must be >= 1 with ieee specials (NaN needs a nonzero fraction)");
  Require(std::abs(bias) <= 1000, p + "bias", bias, "must be in [-1000, 1000]");
  Require(MinExponent() - mantissa_bits >= -1074 && MaxExponent() <= 1023, p + "bias", bias,
              "puts the format range outside double precision");
}

namespace {

struct Preset {
  const char* name;
  int e, m, bias;
  Specials specials;
  const char* source;  // documentation only
};

// Sources: IEEE 754-2008; OCP OFP8 v1.0 (e5m2, e4m3); Wang et al. NeurIPS 2018 (fp8_152 data,
// fp16_169 accumulate/update, bias 31 and no reserved inf assumed as in NUMERICS.md); Sun et
// al. NeurIPS 2019 (hfp8 forward 1-4-3; bias configurable, 7 by default, specials assumed
// none: uncertain).
constexpr Preset kPresets[] = {
    {"fp32", 8, 23, 127, Specials::kIeee, "IEEE 754 binary32"},
    {"fp16", 5, 10, 15, Specials::kIeee, "IEEE 754 binary16"},
    {"bf16", 8, 7, 127, Specials::kIeee, "bfloat16"},
    {"fp16_169", 6, 9, 31, Specials::kNone, "Wang et al. 2018 (1,6,9)"},
    {"fp8_152", 5, 2, 15, Specials::kIeee, "Wang et al. 2018 (1,5,2)"},
    {"e5m2", 5, 2, 15, Specials::kIeee, "OCP OFP8 E5M2"},
    {"e4m3", 4, 3, 7, Specials::kOcpE4M3, "OCP OFP8 E4M3"},
    {"hfp8", 4, 3, 7, Specials::kNone, "Sun et al. 2019 HFP8 forward 1-4-3"},
};

[[noreturn]] void BadSpec(std::string_view spec, std::string_view why) {
  std::string names;
  for (const auto& n : FormatNames()) names += (names.empty() ? "" : ", ") + n;
  throw ConfigError(
      StrCat("number format '", spec, "': ", why, " (valid names: ", names, "; optional suffixes :bias=N and :sat)"));
}

}  // namespace

std::vector<std::string> FormatNames() {
  std::vector<std::string> names;
  for (const auto& p : kPresets) names.emplace_back(p.name);
  return names;
}

FloatFormat FormatByName(std::string_view spec) {
  const std::string_view base = spec.substr(0, spec.find(':'));
  const Preset* found = nullptr;
  for (const auto& p : kPresets) {
    if (base == p.name) found = &p;
  }
  if (found == nullptr) BadSpec(spec, StrCat("unknown name '", base, "'"));
  FloatFormat f;
  f.name = std::string(spec);
  f.exponent_bits = found->e;
  f.mantissa_bits = found->m;
  f.bias = found->bias;
  f.specials = found->specials;
  std::string_view rest = spec.size() > base.size() ? spec.substr(base.size() + 1) : std::string_view{};
  while (!rest.empty()) {
    const std::string_view item = rest.substr(0, rest.find(':'));
    rest = item.size() < rest.size() ? rest.substr(item.size() + 1) : std::string_view{};
    if (item == "sat") {
      f.saturate = true;
    } else if (item.substr(0, 5) == "bias=") {
      const std::string_view num = item.substr(5);
      const auto res = std::from_chars(num.data(), num.data() + num.size(), f.bias);
      if (res.ec != std::errc() || res.ptr != num.data() + num.size()) BadSpec(spec, "bad bias");
    } else {
      BadSpec(spec, StrCat("unknown suffix '", item, "'"));
    }
  }
  f.Validate();
  return f;
}

}  // namespace pcmsim::numerics
