// Stochastic rounding, scalar and vector: results are always one of the two neighbours, the
// up-probability equals (x - lower) / gap and the mean is unbiased. Fixed seeds; tolerances
// are 5 sigma of the binomial count (sigma = sqrt(d (1 - d) / N)).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "pcmsim/numerics/round_array.hpp"

namespace pcmsim::numerics {
namespace {

struct Case {
  const char* format;
  double x;
};

// Neighbours of x in f: the values toward zero and away from zero.
void Neighbours(const FloatFormat& f, double x, double& lower, double& upper) {
  const double rn = RoundToFormat(f, x);
  Rng rng(1);
  lower = upper = rn;
  for (int i = 0; i < 200; ++i) {  // both neighbours appear quickly unless x is exact
    const double y = RoundToFormat(f, x, Rounding::kStochastic, &rng);
    lower = std::fabs(y) < std::fabs(lower) ? y : lower;
    upper = std::fabs(y) > std::fabs(upper) ? y : upper;
  }
}

void CheckStatistics(const FloatFormat& f, double x, const std::vector<double>& draws) {
  double lower, upper;
  Neighbours(f, x, lower, upper);
  ASSERT_NE(lower, upper) << "x exactly representable: bad test case " << x;
  const double d = std::fabs(x - lower) / std::fabs(upper - lower);
  const double n = static_cast<double>(draws.size());
  double ups = 0, sum = 0;
  for (double y : draws) {
    ASSERT_TRUE(y == lower || y == upper) << f.name << " x=" << x << " gave " << y;
    ups += y == upper;
    sum += y;
  }
  const double sigma = std::sqrt(d * (1 - d) / n);
  EXPECT_NEAR(ups / n, d, 5 * sigma) << f.name << " x=" << x;
  // Unbiased: E[y] = x, with sigma_mean = gap * sigma.
  EXPECT_NEAR(sum / n, x, 5 * sigma * std::fabs(upper - lower)) << f.name << " x=" << x;
}

const Case kCases[] = {{"e4m3", 1.3},          {"e4m3", -0.01},   {"e4m3", 0.0041},  // subnormal
                       {"e5m2", 3.0e-6},       {"fp16_169", 1000.3}, {"fp16_169", -1.0e-10},
                       {"fp16", 2049.5},       {"bf16", 1.00390625 + 0.001}, {"hfp8", 7.77}};

TEST(Stochastic, ScalarUpProbabilityAndMean) {
  for (const Case& c : kCases) {
    const FloatFormat f = FormatByName(c.format);
    Rng rng(StreamSeed(42, "sr_test"));
    std::vector<double> draws(100000);
    for (auto& y : draws) y = RoundToFormat(f, c.x, Rounding::kStochastic, &rng);
    CheckStatistics(f, c.x, draws);
  }
}

TEST(Stochastic, VectorUpProbabilityAndMean) {
  for (const Case& c : kCases) {
    const FloatFormat f = FormatByName(c.format);
    const float xf = static_cast<float>(c.x);
    std::vector<float> in(100003, xf), out(in.size());
    RoundArray(f, in.data(), out.data(), static_cast<Index>(in.size()), Rounding::kStochastic, 5);
    CheckStatistics(f, xf, std::vector<double>(out.begin(), out.end()));
  }
}

TEST(Stochastic, ExactValuesStayExact) {
  const FloatFormat f = FormatByName("e4m3");
  Rng rng(3);
  std::vector<float> in = {1.0f, -448.0f, 0.0f, 0.001953125f}, out(in.size());
  for (float x : in) EXPECT_EQ(RoundToFormat(f, x, Rounding::kStochastic, &rng), x);
  RoundArray(f, in.data(), out.data(), 4, Rounding::kStochastic, 9);
  EXPECT_EQ(in, out);
}

TEST(Stochastic, SameSeedSameBits) {
  const FloatFormat f = FormatByName("fp16_169");
  std::vector<float> in(1000), a(1000), b(1000);
  for (int i = 0; i < 1000; ++i) in[i] = 1.0f + 0.001f * static_cast<float>(i);
  RoundArray(f, in.data(), a.data(), 1000, Rounding::kStochastic, 11);
  RoundArray(f, in.data(), b.data(), 1000, Rounding::kStochastic, 11);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace pcmsim::numerics
