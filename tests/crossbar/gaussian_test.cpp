// The vectorised Box-Muller fill: moments, tails and a KS distance against N(0, 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "pcmsim/crossbar/gaussian.hpp"

namespace pcmsim::crossbar {
namespace {

TEST(GaussianTest, MomentsAndKolmogorovSmirnov) {
  const Index n = 200001;  // odd: exercises the half-pair tail
  std::vector<float> z(n);
  Rng rng = MakeStream(11, "gaussian_test");
  ArrayF scratch;
  FillGaussian(rng, z.data(), n, scratch);
  double s1 = 0, s2 = 0, s4 = 0;
  for (float v : z) {
    s1 += v;
    s2 += double(v) * v;
    s4 += double(v) * v * v * v;
  }
  const double mean = s1 / n, var = s2 / n - mean * mean, kurt = s4 / n;
  // Standard errors for n = 2e5: mean 0.0022, variance 0.0032, 4th moment 0.022; 5 sigma.
  EXPECT_NEAR(mean, 0.0, 0.011);
  EXPECT_NEAR(var, 1.0, 0.016);
  EXPECT_NEAR(kurt, 3.0, 0.11);
  std::sort(z.begin(), z.end());
  double d = 0;
  for (Index k = 0; k < n; ++k) {
    const double cdf = 0.5 * std::erfc(-z[k] / std::sqrt(2.0));
    d = std::max({d, std::abs(cdf - double(k) / n), std::abs(cdf - double(k + 1) / n)});
  }
  // KS critical value at alpha = 0.001: 1.95 / sqrt(n) = 0.0044.
  EXPECT_LT(d, 1.95 / std::sqrt(double(n)));
}

TEST(GaussianTest, SameStreamSameBitsWhateverTheBufferAlignment) {
  std::vector<float> a(1001), b(1002);
  ArrayF scratch;
  Rng r1 = MakeStream(3, "x"), r2 = MakeStream(3, "x");
  FillGaussian(r1, a.data(), 1001, scratch);
  FillGaussian(r2, b.data() + 1, 1001, scratch);  // misaligned destination
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin() + 1));
}

}  // namespace
}  // namespace pcmsim::crossbar
