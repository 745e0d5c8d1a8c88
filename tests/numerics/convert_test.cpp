// Bit-exact conversion tests: every value of each 8/16-bit format, midpoints between
// neighbours and their float/double neighbours, specials, against an independent reference;
// IEEE half against the F16C hardware; the vector RoundArray against the scalar path.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "pcmsim/numerics/round_array.hpp"
#include "reference_format.hpp"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace pcmsim::numerics {
namespace {

using testing::ReferenceFormat;
using testing::RefResult;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Inputs: every grid value, midpoints and their nearest doubles and floats, both signs.
std::vector<double> ProbeInputs(const ReferenceFormat& ref) {
  std::vector<double> xs = {0.0, -0.0, kInf, -kInf, std::numeric_limits<double>::quiet_NaN(),
                            1e300, -1e300, 5e-324, 1e-45};
  const auto& e = ref.Entries();
  for (std::size_t i = 0; i + 1 < e.size(); ++i) {
    const double lo = e[i].value, hi = e[i + 1].value, mid = (lo + hi) / 2;
    for (double v : {lo, mid, std::nextafter(mid, -kInf), std::nextafter(mid, kInf),
                     std::nextafter(lo, kInf), (lo + 3 * hi) / 4}) {
      xs.push_back(v);
      xs.push_back(-v);
      const float fv = static_cast<float>(v);
      xs.push_back(fv);
      xs.push_back(std::nextafter(fv, std::numeric_limits<float>::infinity()));
      xs.push_back(std::nextafter(fv, 0.0f));
    }
  }
  xs.push_back(e.back().value);
  xs.push_back(2 * e.back().value);
  return xs;
}

// Expected value of RoundToFormat from a reference result.
double ExpectedValue(const FloatFormat& f, const RefResult& r, double x) {
  if (r.kind == RefResult::kValue) return r.value;
  if (r.kind == RefResult::kNaN || f.specials == Specials::kOcpE4M3) return std::nan("");
  return std::signbit(x) ? -kInf : kInf;
}

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

void CheckFormat(const FloatFormat& f) {
  SCOPED_TRACE(f.name + (f.saturate ? " (saturating)" : ""));
  const ReferenceFormat ref(f);
  const std::vector<double> xs = ProbeInputs(ref);
  std::vector<float> floats_in, floats_expected;
  int failures = 0;
  for (double x : xs) {
    const RefResult r = ref.Round(x);
    const double want = ExpectedValue(f, r, x);
    const double got = RoundToFormat(f, x);
    if (!SameDouble(got, want) && ++failures < 10) {
      ADD_FAILURE() << "x=" << x << " (" << std::hexfloat << x << ") got " << got << " want " << want
                    << std::defaultfloat;
    }
    if (r.kind == RefResult::kValue) {
      EXPECT_EQ(Encode(f, x), r.code) << "x=" << std::hexfloat << x;
      EXPECT_TRUE(SameDouble(Decode(f, r.code), r.value)) << "code " << r.code;
    } else if (f.specials == Specials::kNone) {
      EXPECT_THROW(Encode(f, x), Error);
    }
    if (static_cast<double>(static_cast<float>(x)) == x || std::isnan(x)) {
      floats_in.push_back(static_cast<float>(x));
      floats_expected.push_back(static_cast<float>(want));
    }
  }
  EXPECT_EQ(failures, 0) << "of " << xs.size() << " inputs";
  // Vectorised path on the same float inputs (bit-exact, including NaN-ness).
  std::vector<float> out(floats_in.size());
  RoundArray(f, floats_in.data(), out.data(), static_cast<Index>(out.size()));
  int vec_failures = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!SameDouble(out[i], floats_expected[i]) && ++vec_failures < 10) {
      ADD_FAILURE() << "RoundArray x=" << std::hexfloat << floats_in[i] << " got " << out[i]
                    << " want " << floats_expected[i];
    }
  }
  EXPECT_EQ(vec_failures, 0);
}

TEST(FloatFormat, PresetLimits) {
  EXPECT_EQ(FormatByName("fp16").MaxFinite(), 65504.0);
  EXPECT_EQ(FormatByName("e5m2").MaxFinite(), 57344.0);
  EXPECT_EQ(FormatByName("e4m3").MaxFinite(), 448.0);
  EXPECT_EQ(FormatByName("e4m3").MinSubnormal(), std::ldexp(1.0, -9));
  EXPECT_EQ(FormatByName("e5m2").MinSubnormal(), std::ldexp(1.0, -16));
  EXPECT_NEAR(FormatByName("fp16_169").MaxFinite(), 8.58e9, 0.01e9);
  EXPECT_EQ(FormatByName("bf16").MaxFinite(), static_cast<double>(0x1.fep127f));
  EXPECT_EQ(FormatByName("hfp8:bias=11").MaxFinite(), 480.0 / 16);
  EXPECT_TRUE(FormatByName("e4m3:sat").saturate);
}

TEST(FloatFormat, UnknownNameListsValidNames) {
  try {
    FormatByName("fp7");
    FAIL() << "no throw";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("e4m3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fp7"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FormatByName("e4m3:bias=x"), ConfigError);
  EXPECT_THROW(FormatByName("e4m3:foo"), ConfigError);
}

TEST(Convert, OcpExamples) {
  const FloatFormat e4m3 = FormatByName("e4m3"), e4m3s = FormatByName("e4m3:sat");
  const FloatFormat e5m2 = FormatByName("e5m2"), e5m2s = FormatByName("e5m2:sat");
  EXPECT_EQ(RoundToFormat(e4m3, 464.0), 448.0);
  EXPECT_TRUE(std::isnan(RoundToFormat(e4m3, 465.0)));
  EXPECT_EQ(RoundToFormat(e4m3s, 465.0), 448.0);
  EXPECT_EQ(Encode(e4m3, 465.0), 0x7Fu);
  EXPECT_EQ(Encode(e4m3, -465.0), 0xFFu);
  EXPECT_EQ(RoundToFormat(e5m2, 61439.0), 57344.0);
  EXPECT_EQ(RoundToFormat(e5m2, 61440.0), kInf);
  EXPECT_EQ(Encode(e5m2, 61440.0), 0x7Cu);
  EXPECT_EQ(RoundToFormat(e5m2s, 61440.0), 57344.0);
  EXPECT_EQ(RoundToFormat(e5m2s, -kInf), -57344.0);  // OCP: saturation clamps infinities
  EXPECT_TRUE(std::isnan(RoundToFormat(e4m3, kInf)));
  // Half the smallest subnormal ties to even (0); just above rounds up.
  EXPECT_EQ(Encode(e4m3, std::ldexp(1.0, -10)), 0x00u);
  EXPECT_EQ(Encode(e4m3, -std::ldexp(1.0, -10)), 0x80u);
  EXPECT_EQ(Encode(e4m3, std::nextafter(std::ldexp(1.0, -10), 1.0)), 0x01u);
  EXPECT_EQ(RoundToFormat(FormatByName("fp16"), 2049.0), 2048.0);
}

class AllValues : public ::testing::TestWithParam<const char*> {};

TEST_P(AllValues, MatchReference) {
  FloatFormat f = FormatByName(GetParam());
  CheckFormat(f);
  f.saturate = true;
  CheckFormat(f);
}

INSTANTIATE_TEST_SUITE_P(Presets, AllValues,
                         ::testing::Values("fp16", "bf16", "fp16_169", "fp8_152", "e5m2", "e4m3",
                                           "hfp8", "hfp8:bias=11", "e4m3:bias=3"));

TEST(Convert, NoSubnormalsFlushToZero) {
  FloatFormat f = FormatByName("e5m2");
  f.subnormals = false;
  CheckFormat(f);
}

#if defined(__F16C__)
std::uint16_t HardwareHalf(float x) { return static_cast<std::uint16_t>(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT)); }

TEST(Convert, Fp16MatchesF16cHardware) {
  const FloatFormat f = FormatByName("fp16");
  Rng rng(20261123);
  std::vector<float> xs = {0.0f, -0.0f, 65504.0f, 65519.996f, 65520.0f, 5.96e-8f, 2.98e-8f,
                           2.9802322e-8f, 1e-45f, std::numeric_limits<float>::infinity()};
  for (int i = 0; i < 2'000'000; ++i) {
    const auto bits = static_cast<std::uint32_t>(rng() >> 32);
    float x;
    std::memcpy(&x, &bits, 4);
    xs.push_back(x);
    // Also values in fp16 range, where rounding matters most.
    xs.push_back(static_cast<float>(std::ldexp(rng.Uniform() * 2 - 1, static_cast<int>(rng() % 44) - 26)));
  }
  std::vector<float> out(xs.size());
  RoundArray(f, xs.data(), out.data(), static_cast<Index>(xs.size()));
  long mismatches = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const std::uint16_t hw = HardwareHalf(xs[i]);
    if (std::isnan(xs[i])) {
      mismatches += !((hw & 0x7C00) == 0x7C00 && (hw & 0x3FF) != 0 && std::isnan(out[i]));
      continue;
    }
    const auto ours = static_cast<std::uint16_t>(Encode(f, xs[i]));
    const float hw_value = _cvtsh_ss(hw);
    if (ours != hw || std::bit_cast<std::uint32_t>(out[i]) != std::bit_cast<std::uint32_t>(hw_value)) {
      if (++mismatches < 10) ADD_FAILURE() << std::hexfloat << xs[i] << " ours " << ours << " hw " << hw;
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << xs.size();
}
#endif

// RoundArray (vector path) equals the scalar conversion on random float bit patterns.
TEST(RoundArray, MatchesScalarOnRandomFloats) {
  Rng rng(99);
  std::vector<float> xs(1 << 20);
  for (auto& x : xs) {
    const auto bits = static_cast<std::uint32_t>(rng() >> 32);
    std::memcpy(&x, &bits, 4);
  }
  for (const char* name : {"fp32", "fp16", "bf16", "fp16_169", "e5m2", "e4m3", "e4m3:sat", "hfp8"}) {
    const FloatFormat f = FormatByName(name);
    EXPECT_TRUE(HasFastPath(f)) << name;
    std::vector<float> out(xs.size());
    RoundArray(f, xs.data(), out.data(), static_cast<Index>(xs.size()));
    long bad = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) bad += !SameDouble(out[i], RoundToFormat(f, xs[i]));
    EXPECT_EQ(bad, 0) << name;
  }
}

}  // namespace
}  // namespace pcmsim::numerics
