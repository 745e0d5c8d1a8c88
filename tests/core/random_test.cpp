// Random streams: derived seeds are distinct per role/index and reproducible.
#include <gtest/gtest.h>

#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <set>

#include "pcmsim/core/random.hpp"

namespace pcmsim {
namespace {

TEST(RandomTest, SameStreamSameBits) {
  Rng a = MakeStream(42, "init", 3, 1);
  Rng b = MakeStream(42, "init", 3, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a(), b());
}

TEST(RandomTest, StreamsDifferByRoleIndexAndSub) {
  std::set<std::uint64_t> seeds;
  for (const char* role : {"init", "shuffle", "prog_noise", "read_noise"})
    for (std::uint64_t i = 0; i < 16; ++i)
      for (std::uint64_t s = 0; s < 16; ++s) seeds.insert(StreamSeed(7, role, i, s));
  EXPECT_EQ(seeds.size(), 4u * 16u * 16u);
  EXPECT_NE(StreamSeed(1, "init"), StreamSeed(2, "init"));
}

TEST(RandomTest, UniformMomentsAndNormalViaBoost) {
  Rng rng(123);
  const int n = 200000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  // Standard error of the mean is sqrt(1/12/n) ~ 6.5e-4: allow 5 sigma.
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(var, 1.0 / 12, 2e-3);
  boost::random::normal_distribution<double> normal;
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = normal(rng);
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
}

}  // namespace
}  // namespace pcmsim
