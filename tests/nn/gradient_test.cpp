// Back-propagation against central finite differences, for every activation.
#include <gtest/gtest.h>

#include <cmath>

#include "pcmsim/core/random.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/trainer.hpp"
#include "nn_test_util.hpp"

namespace pcmsim::nn {
namespace {

Network SmallNet(Activation act, std::uint64_t seed) {
  std::vector<BackendPtr> b;
  b.push_back(std::make_unique<Fp32Backend>(6, 5));
  b.push_back(std::make_unique<Fp32Backend>(5, 4));
  b.push_back(std::make_unique<Fp32Backend>(4, 3));
  Network mlp(std::move(b), act);
  mlp.Initialize(seed);
  Rng rng(seed + 100);
  for (Index i = 0; i < mlp.NumLayers(); ++i)
    for (Index k = 0; k < mlp.weighted(i).bias().size(); ++k) mlp.weighted(i).bias()[k] = static_cast<float>(rng.Uniform() - 0.5);
  return mlp;
}

class GradientTest : public ::testing::TestWithParam<Activation> {};

TEST_P(GradientTest, WeightGradientsMatchFiniteDifferences) {
  Network mlp = SmallNet(GetParam(), 3);
  Rng rng(9);
  Matrix x(6, 8);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.Uniform() * 2 - 1);
  const std::vector<std::uint8_t> y = {0, 1, 2, 0, 1, 2, 2, 1};
  std::vector<Matrix> before;
  for (Index l = 0; l < mlp.NumLayers(); ++l) before.push_back(mlp.weighted(l).backend().Weights());

  // One plain SGD step with lr = 1 applies W <- W - dL/dW: read the gradient back.
  Matrix dlogits;
  SoftmaxCrossEntropy(mlp.Forward(x, Pass::kTrain), y.data(), dlogits);
  SgdStep step;
  step.lr = 1.0f;
  mlp.BackwardAndUpdate(dlogits, step);
  int checked = 0;
  for (Index l = 0; l < mlp.NumLayers(); ++l) {
    const Matrix grad = before[static_cast<size_t>(l)] - mlp.weighted(l).backend().Weights();
    Network probe = SmallNet(GetParam(), 3);
    for (Index k = 0; k < grad.size(); k += 3) {
      const float eps = 1e-2f;
      Matrix w = before[static_cast<size_t>(l)];
      w.data()[k] += eps;
      probe.weighted(l).backend().SetWeights(w);
      const double up = testing::MeanLoss(probe, x, y);
      w.data()[k] -= 2 * eps;
      probe.weighted(l).backend().SetWeights(w);
      const double down = testing::MeanLoss(probe, x, y);
      probe.weighted(l).backend().SetWeights(before[static_cast<size_t>(l)]);
      const double fd = (up - down) / (2 * eps);
      // Central differences err by O(eps^2 * f''') plus float rounding of the loss / eps.
      EXPECT_NEAR(grad.data()[k], fd, 2e-4 + 2e-2 * std::abs(fd)) << "layer " << l << " weight " << k;
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

INSTANTIATE_TEST_SUITE_P(Activations, GradientTest,
                         ::testing::Values(Activation::kRelu, Activation::kSigmoid, Activation::kTanh),
                         [](const auto& param_info) { return std::string(ToString(param_info.param)); });

TEST(LossTest, SoftmaxCrossEntropyKnownValues) {
  Matrix logits(3, 2);
  logits << 0, 10, 0, 0, 0, 0;  // column 0 uniform, column 1 confident class 0
  const std::vector<std::uint8_t> y = {2, 0};
  Matrix d;
  const LossResult r = SoftmaxCrossEntropy(logits, y.data(), d);
  const double col1 = std::log(1 + 2 * std::exp(-10.0));
  EXPECT_NEAR(r.loss_sum, std::log(3.0) + col1, 1e-6);
  EXPECT_EQ(r.correct, 1);  // column 0 argmax is 0 (first of ties) != 2; column 1 correct
  EXPECT_NEAR(d(2, 0), (1.0 / 3 - 1) / 2, 1e-7);
  EXPECT_NEAR(d.col(1).sum(), 0.0, 1e-7);
}

}  // namespace
}  // namespace pcmsim::nn
