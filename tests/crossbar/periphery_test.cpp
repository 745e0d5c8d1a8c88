// DAC/ADC quantisation: exact levels, error bound by bit count, clipping, input scaling.
#include <gtest/gtest.h>

#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/periphery.hpp"

namespace pcmsim::crossbar {
namespace {

TEST(PeripheryTest, StepFollowsSymmetricBitConvention) {
  EXPECT_DOUBLE_EQ(QuantStep(8, 1.0), 1.0 / 127.0);
  EXPECT_DOUBLE_EQ(QuantStep(7, 1.0), 1.0 / 63.0);  // = 2 / (2^7 - 2), aihwkit's inp_res
  EXPECT_DOUBLE_EQ(QuantStep(9, 12.0), 12.0 / 255.0);
  EXPECT_EQ(QuantStep(0, 1.0), 0.0);
}

TEST(PeripheryTest, QuantisationErrorWithinHalfStepAndLevelsCount) {
  Rng rng(5);
  Matrix m(200, 50);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(2.0 * rng.Uniform() - 1.0);
  for (int bits : {2, 4, 7, 8}) {
    const float step = static_cast<float>(QuantStep(bits, 1.0));
    Matrix q = m;
    ClipAndQuantize(q, 1.0f, step);
    const float err = (q - m).cwiseAbs().maxCoeff();
    EXPECT_LE(err, 0.5f * step * (1 + 1e-5f)) << bits;
    EXPECT_GT(err, 0.4f * step) << bits;  // a fine random sample reaches close to the bound
    // Every value is an integer level in [-(2^(b-1)-1), 2^(b-1)-1].
    const Eigen::ArrayXXf levels = q.array() / step;
    EXPECT_LE((levels - levels.round()).abs().maxCoeff(), 1e-3f);
    EXPECT_LE(levels.abs().maxCoeff(), std::ldexp(1.0f, bits - 1) - 1 + 1e-3f);
  }
}

TEST(PeripheryTest, ClipsAtBoundAndOffMeansIdentity) {
  Matrix m(1, 4);
  m << -30.0f, -0.3f, 0.31f, 25.0f;
  Matrix c = m;
  ClipAndQuantize(c, 12.0f, 0.0f);
  EXPECT_EQ(c(0, 0), -12.0f);
  EXPECT_EQ(c(0, 1), -0.3f);
  EXPECT_EQ(c(0, 3), 12.0f);
  Matrix id = m;
  ClipAndQuantize(id, 0.0f, 0.0f);
  EXPECT_EQ(id, m);
}

TEST(PeripheryTest, AbsMaxScalesEachSampleToFullScale) {
  PeripheryOptions opt;
  opt.dac_bits = 0;
  Matrix x(3, 3);
  x << 1, -8, 0, 2, 4, 0, -0.5, 2, 0;
  const Eigen::RowVectorXf s = InputScales(x, opt);
  EXPECT_EQ(s(0), 2.0f);
  EXPECT_EQ(s(1), 8.0f);
  EXPECT_EQ(s(2), 1.0f);  // all-zero sample
  Matrix xt;
  ApplyDac(x, s, opt, xt);
  EXPECT_FLOAT_EQ(xt(1, 0), 1.0f);
  EXPECT_FLOAT_EQ(xt(0, 1), -1.0f);
  EXPECT_FLOAT_EQ(xt(2, 0), -0.25f);
  opt.noise_management = NoiseManagement::kNone;
  opt.input_scale = 2.0;
  ApplyDac(x, InputScales(x, opt), opt, xt);
  EXPECT_FLOAT_EQ(xt(0, 1), -1.0f);  // -8 / 2 clipped to -1
  EXPECT_FLOAT_EQ(xt(1, 1), 1.0f);
  EXPECT_FLOAT_EQ(xt(0, 0), 0.5f);
}

TEST(PeripheryTest, ValidateNamesFieldAndValue) {
  PeripheryOptions opt;
  EXPECT_NO_THROW(opt.Validate());
  opt.adc_bits = 30;
  try {
    opt.Validate();
    FAIL() << "no throw";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("adc_bits = 30"), std::string::npos) << e.what();
  }
  opt = PeripheryOptions{};
  opt.output_bound = 0.0;
  EXPECT_THROW(opt.Validate(), ConfigError);  // a finite ADC needs a range
  opt.adc_bits = 0;
  EXPECT_NO_THROW(opt.Validate());
  opt.output_noise = -1;
  EXPECT_THROW(opt.Validate(), ConfigError);
}

}  // namespace
}  // namespace pcmsim::crossbar
