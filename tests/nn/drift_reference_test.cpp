// The drift-compensation reference of analog layers: recorded when the arrays are deployed
// for inference (after on-device training, a calibration read), so that compensation is
// neutral at that time for every training method and later measures drift only.
#include <gtest/gtest.h>

#include "nn_test_util.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/nn/analog_backend.hpp"

namespace pcmsim::nn {
namespace {

Matrix Uniform(Index rows, Index cols, std::uint64_t seed, float scale) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = scale * static_cast<float>(2.0 * rng.Uniform() - 1.0);
  return m;
}

// Noise-free linear devices (1000 SET steps over the window), perfect periphery, global
// drift compensation: any compensation factor other than 1 at deployment is the bug.
AnalogOptions NoiseFreeWithCompensation(AnalogTraining t) {
  AnalogOptions o = testing::IdealAnalogOptions(crossbar::DriftCompensation::kGlobal);
  o.training = t;
  device::PcmParams linear = device::IdealParams();
  linear.g_min = 0.0;
  linear.set_dg_slope = 0.0;
  linear.set_dg_offset = linear.g_max / 1000.0;
  linear.Validate();
  o.device = linear;
  o.refresh_every = 0;
  return o;
}

class DriftReferenceTest : public ::testing::TestWithParam<AnalogTraining> {};

TEST_P(DriftReferenceTest, CompensationIsNeutralWhenTheTrainedArraysAreDeployed) {
  const AnalogTraining method = GetParam();
  const Index in = 24, out = 16, batch = 32;
  AnalogBackend a(in, out, NoiseFreeWithCompensation(method), 11, 0);
  const Matrix w0 = Uniform(out, in, 1, 0.2f);
  a.SetWeights(w0);
  // Training that grows every weight (the gradient pushes along w0): afterwards the
  // outputs are larger than those of the initial programming.
  const Matrix x = Uniform(in, batch, 2, 1.0f);
  SgdStep s;
  s.lr = method == AnalogTraining::kSgd ? 0.05f : 0.5f;
  for (int k = 0; k < 20; ++k) {
    Matrix y;
    a.Forward(x, y, Pass::kTrain);
    const Matrix dy = -(w0 * x) / static_cast<float>(batch);
    a.Update(x, dy, s);
    ++s.step;
  }
  const Matrix w_trained = a.Weights();
  ASSERT_GT(w_trained.cwiseAbs().sum(), 1.2f * w0.cwiseAbs().sum()) << "training must change the weights";

  a.ProgramForInference(0);
  a.ReadAfter(0.0);  // the reference time
  const Matrix xe = Uniform(in, batch, 3, 1.0f);
  Matrix y_comp, y_raw;
  a.SetCompensationApplied(true);
  a.Forward(xe, y_comp, Pass::kEval);
  a.SetCompensationApplied(false);
  a.Forward(xe, y_raw, Pass::kEval);
  // Noise-free reads at the reference time: the factor is exactly 1, so identical bits.
  EXPECT_TRUE(y_comp == y_raw) << "max |compensated - uncompensated| = " << (y_comp - y_raw).cwiseAbs().maxCoeff()
                               << ", max |y| = " << y_raw.cwiseAbs().maxCoeff();
}

INSTANTIATE_TEST_SUITE_P(EveryMethod, DriftReferenceTest,
                         ::testing::Values(AnalogTraining::kHwa, AnalogTraining::kMixed, AnalogTraining::kSgd),
                         [](const ::testing::TestParamInfo<AnalogTraining>& p) { return std::string(ToString(p.param)); });

}  // namespace
}  // namespace pcmsim::nn
