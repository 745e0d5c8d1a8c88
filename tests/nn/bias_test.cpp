// Matrix ("analog") bias: LayerSpec::digital_bias = false puts the bias into the backend's
// matrix as a last column driven by a constant 1. On fp32 it is the same network as the
// digital bias to float rounding (forward, input gradient, one SGD-momentum step); on ideal
// analog tiles it equals the fp32 network; on drifting devices the bias drifts with the
// weights while a digital bias does not; initial weights do not depend on where the bias is.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "pcmsim/core/random.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/network.hpp"
#include "nn_test_util.hpp"

namespace pcmsim::nn {
namespace {

Matrix Random(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(rng.Uniform() - 0.5);
  return m;
}

BackendFactory Fp32() {
  return [](Index in, Index out, Index, Index) { return std::make_unique<Fp32Backend>(in, out); };
}

// conv (with input gradient: behind an activation) -> pool -> flatten -> dense tanh -> dense
std::vector<LayerSpec> Specs(bool digital_bias) {
  std::vector<LayerSpec> s = {LayerSpec::Act(Activation::kRelu), LayerSpec::Conv2d(4, 3, 1, 1, Activation::kRelu),
                              LayerSpec::MaxPool2d(2), LayerSpec::Conv2d(3, 2, 1, 0, Activation::kSigmoid),
                              LayerSpec::Flatten(), LayerSpec::Dense(7, Activation::kTanh), LayerSpec::Dense(5)};
  for (LayerSpec& l : s) l.digital_bias = digital_bias;
  return s;
}

const TensorShape kIn{2, 8, 8};

void SetRandomBiases(Network& net) {
  for (Index k = 0; k < net.NumWeighted(); ++k) {
    WeightedLayer& l = net.weighted(k);
    l.SetParameters(l.Weights(), Random(l.backend().Outputs(), 1, 40 + static_cast<std::uint64_t>(k)).col(0));
  }
}

float MaxAbs(const Matrix& m) { return m.cwiseAbs().maxCoeff(); }

TEST(MatrixBiasTest, BackendIsOneColumnWiderAndInitialWeightsAreTheSame) {
  Network d(kIn, Specs(true), Fp32()), m(kIn, Specs(false), Fp32());
  d.Initialize(3);
  m.Initialize(3);
  for (Index k = 0; k < d.NumWeighted(); ++k) {
    EXPECT_EQ(m.weighted(k).backend().Inputs(), d.weighted(k).backend().Inputs() + 1);
    EXPECT_EQ(m.weighted(k).Inputs(), d.weighted(k).Inputs());
    const Matrix wd = d.weighted(k).Weights(), wm = m.weighted(k).Weights();
    ASSERT_EQ(wd.cols(), wm.cols());
    EXPECT_EQ(0, std::memcmp(wd.data(), wm.data(), sizeof(float) * static_cast<size_t>(wd.size())));
    EXPECT_EQ(m.weighted(k).Bias(), Vector::Zero(wd.rows()));
    EXPECT_EQ(m.weighted(k).backend().Weights().col(wd.cols()), Vector::Zero(wd.rows()));
  }
}

TEST(MatrixBiasTest, Fp32MatrixBiasIsTheDigitalBiasToRounding) {
  Network d(kIn, Specs(true), Fp32()), m(kIn, Specs(false), Fp32());
  d.Initialize(3);
  m.Initialize(3);
  SetRandomBiases(d);
  SetRandomBiases(m);
  const Matrix x = Random(kIn.Size(), 9, 7);
  const Matrix yd = d.Forward(x, Pass::kTrain), ym = m.Forward(x, Pass::kTrain);
  EXPECT_LT(MaxAbs(yd - ym), 1e-6f * (1 + MaxAbs(yd)));
  SgdStep step;
  step.lr = 0.1f;
  step.momentum = 0.9f;
  const Matrix dy = Random(yd.rows(), yd.cols(), 8);
  for (int s = 0; s < 2; ++s) {  // two steps: momentum of the bias too
    d.Forward(x, Pass::kTrain);
    m.Forward(x, Pass::kTrain);
    d.BackwardAndUpdate(dy, step);
    m.BackwardAndUpdate(dy, step);
  }
  for (Index k = 0; k < d.NumWeighted(); ++k) {
    SCOPED_TRACE(k);
    const Vector bd = d.weighted(k).Bias(), bm = m.weighted(k).Bias();
    EXPECT_GT((bd - Random(bd.size(), 1, 40 + static_cast<std::uint64_t>(k)).col(0)).cwiseAbs().maxCoeff(), 1e-3f);
    EXPECT_LT((bd - bm).cwiseAbs().maxCoeff(), 1e-5f);
    EXPECT_LT(MaxAbs(d.weighted(k).Weights() - m.weighted(k).Weights()), 1e-5f);
  }
}

Network AnalogNet(const AnalogOptions& o, bool digital_bias) {
  return Network(kIn, Specs(digital_bias), [&](Index in, Index out, Index k, Index) {
    return std::make_unique<AnalogBackend>(in, out, o, 5, k);
  });
}

void Program(Network& net, double t_s) {
  for (WeightedLayer* l : net.Weighted()) {
    auto& a = static_cast<AnalogBackend&>(l->backend());
    a.ProgramForInference(0);
    a.ReadAfter(t_s);
  }
}

TEST(MatrixBiasTest, IdealAnalogMatrixBiasEqualsFp32DigitalBias) {
  const AnalogOptions o = testing::IdealAnalogOptions();
  Network fp(kIn, Specs(true), Fp32());
  Network an = AnalogNet(o, false);
  fp.Initialize(8);
  an.Initialize(8);
  SetRandomBiases(fp);
  SetRandomBiases(an);
  const Matrix x = Random(kIn.Size(), 6, 21);
  const Matrix y_fp = fp.Forward(x, Pass::kEval);
  const Matrix y_train = an.Forward(x, Pass::kTrain);  // HWA forward through perfect periphery
  Program(an, 31536000.0);
  const Matrix y_array = an.Forward(x, Pass::kEval);
  const float scale = MaxAbs(y_fp);
  EXPECT_LT(MaxAbs(y_train - y_fp), 1e-5f * scale);
  EXPECT_LT(MaxAbs(y_array - y_fp), 1e-4f * scale);
}

// A drifting device (constant nu, nothing else non-ideal, no compensation): with zero
// input the first conv layer's output is its bias. A digital bias gives it exactly at any
// time; a matrix bias gives b ((t + t0) / t0)^-nu, the drift of the weights.
TEST(MatrixBiasTest, MatrixBiasDriftsWithTheWeightsDigitalBiasDoesNot) {
  AnalogOptions o = testing::IdealAnalogOptions();
  const double nu = 0.05;
  device::PcmParams drifting = device::IdealParams();
  drifting.nu_mean = device::StateFit::Constant(nu);
  o.device = drifting;
  const std::vector<LayerSpec> one = {LayerSpec::Conv2d(3, 3, 1, 1)};
  for (bool digital : {true, false}) {
    SCOPED_TRACE(digital ? "digital bias" : "matrix bias");
    std::vector<LayerSpec> s = one;
    s[0].digital_bias = digital;
    Network net(kIn, s, [&](Index in, Index out, Index k, Index) {
      return std::make_unique<AnalogBackend>(in, out, o, 5, k);
    });
    net.Initialize(2);
    const Vector b = Random(3, 1, 9).col(0);
    net.weighted(0).SetParameters(net.weighted(0).Weights(), b);
    const Matrix zero = Matrix::Zero(kIn.Size(), 1);
    for (double t : {1.0, 31536000.0}) {
      Program(net, t);
      const Matrix y = net.Forward(zero, Pass::kEval);  // 3 channels x 64 pixels
      const double factor = digital ? 1.0 : std::pow((t + drifting.t0) / drifting.t0, -nu);
      for (Index c = 0; c < 3; ++c) {
        for (Index p = 0; p < 64; ++p) EXPECT_NEAR(y(c * 64 + p, 0), b[c] * factor, 1e-4 * std::abs(b[c])) << t;
      }
    }
  }
}

TEST(MatrixBiasTest, SetParametersChecksShapes) {
  Network m(kIn, Specs(false), Fp32());
  WeightedLayer& l = m.weighted(0);
  EXPECT_THROW(l.SetParameters(Matrix::Zero(4, 19), Vector::Zero(4)), DimensionError);
  EXPECT_THROW(l.SetParameters(Matrix::Zero(4, 18), Vector::Zero(3)), DimensionError);
  EXPECT_NO_THROW(l.SetParameters(Matrix::Zero(4, 18), Vector::Zero(4)));
}

}  // namespace
}  // namespace pcmsim::nn
