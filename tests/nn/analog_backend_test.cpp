// The analog layer backend: ideal-limit equivalence with FP32 arithmetic, the update rules
// of mixed-precision and pulse-train SGD (expected change lr * x * d, signs, residual in
// chi), and the end-to-end ideal-device claim: every training method on ideal devices with
// perfect periphery trains an MNIST MLP to within 0.5 points of FP32 with the same recipe.
#include "pcmsim/nn/analog_backend.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"
#include "pcmsim/nn/trainer.hpp"
#include "test_util.hpp"

namespace pcmsim::nn {
namespace {

Matrix RandomMatrix(Index rows, Index cols, std::uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = scale * static_cast<float>(2.0 * rng.Uniform() - 1.0);
  return m;
}

// Ideal devices with a constant SET step of g_max / levels (linear, symmetric in pairs).
device::PcmParams LinearIdealDevice(double levels = 1000.0) {
  device::PcmParams d = device::IdealParams();
  d.g_min = 0.0;
  d.set_dg_slope = 0.0;
  d.set_dg_offset = d.g_max / levels;
  d.Validate();
  return d;
}

// Infinite DAC/ADC, no clipping, no noise, no bound management, no drift compensation.
crossbar::TileOptions PerfectPeriphery() {
  crossbar::TileOptions o;
  for (crossbar::PeripheryOptions* p : {&o.forward, &o.backward}) {
    p->dac_bits = 0;
    p->adc_bits = 0;
    p->output_bound = 0.0;
    p->output_noise = 0.0;
    p->bound_management = crossbar::BoundManagement::kNone;
  }
  o.read_noise = false;
  o.drift_compensation = crossbar::DriftCompensation::kNone;
  return o;
}

AnalogOptions IdealOptions(AnalogTraining t) {
  AnalogOptions o;
  o.training = t;
  o.device = LinearIdealDevice();
  o.tile = PerfectPeriphery();
  o.hwa_weight_noise = 0.0;
  o.refresh_every = 0;
  return o;
}

double MaxRelError(const Matrix& a, const Matrix& b) {
  return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), 1e-30f);
}

// A checkpoint whose momentum matrix has another shape than the layer (a damaged or foreign
// file) is refused with the entry's name; before, it was taken as it was and the next update
// read past the end of the smaller matrix.
TEST(AnalogBackendTest, EveryBackendRefusesAVelocityOfAnotherShape) {
  StateMap bad;
  bad["velocity"] = MatrixD::Zero(3, 2);
  Fp32Backend fp32(30, 20);
  Fp8Backend fp8(30, 20, Fp8Options{}, 1);
  AnalogBackend hwa(30, 20, IdealOptions(AnalogTraining::kHwa), 7, 0);
  for (LayerBackend* b : std::initializer_list<LayerBackend*>{&fp32, &fp8, &hwa}) {
    b->SetWeights(RandomMatrix(20, 30, 1, 0.3f));
    PCMSIM_EXPECT_THROW_MSG(b->LoadState(bad), DimensionError, "'velocity' is 3x2", "20x30");
    StateMap good;
    b->SaveState(good);
    EXPECT_NO_THROW(b->LoadState(good));
  }
}

TEST(AnalogBackendTest, IdealArraysComputeTheFp32Products) {
  const Matrix w = RandomMatrix(20, 30, 1, 0.3f), x = RandomMatrix(30, 8, 2), d = RandomMatrix(20, 8, 3);
  for (AnalogTraining t : {AnalogTraining::kHwa, AnalogTraining::kMixed}) {
    AnalogBackend a(30, 20, IdealOptions(t), 7, 0);
    a.SetWeights(w);
    Matrix y, dx;
    a.Forward(x, y, Pass::kTrain);
    a.Backward(d, dx);
    EXPECT_LT(MaxRelError(y, w * x), 1e-5) << ToString(t);
    EXPECT_LT(MaxRelError(dx, w.transpose() * d), 1e-5) << ToString(t);
    EXPECT_LT(MaxRelError(a.Weights(), w), 1e-6) << ToString(t);
  }
  // Programmed for inference and read a year later: ideal devices do not drift.
  AnalogBackend h(30, 20, IdealOptions(AnalogTraining::kHwa), 7, 0);
  h.SetWeights(w);
  h.ProgramForInference(0);
  h.ReadAfter(3.15e7);
  Matrix y;
  h.Forward(x, y, Pass::kEval);
  EXPECT_LT(MaxRelError(y, w * x), 1e-5);
}

TEST(AnalogBackendTest, HwaNoiseFreeUpdateIsTheFp32Update) {
  const Matrix w = RandomMatrix(12, 9, 4, 0.5f), x = RandomMatrix(9, 5, 5), d = RandomMatrix(12, 5, 6);
  AnalogBackend a(9, 12, IdealOptions(AnalogTraining::kHwa), 7, 0);
  Fp32Backend f(9, 12);
  a.SetWeights(w);
  f.SetWeights(w);
  SgdStep s;
  s.lr = 0.05f;
  s.momentum = 0.9f;
  s.weight_decay = 1e-3f;
  for (int k = 0; k < 3; ++k) {
    a.Update(x, d, s);
    f.Update(x, d, s);
  }
  EXPECT_TRUE(a.Weights() == f.Weights());  // the same fused kernel: identical bits
}

TEST(AnalogBackendTest, MixedPrecisionFiresWholePulsesAndKeepsTheRest) {
  const Matrix w = RandomMatrix(10, 6, 7, 0.5f), x = RandomMatrix(6, 4, 8), d = RandomMatrix(10, 4, 9);
  AnalogBackend a(6, 10, IdealOptions(AnalogTraining::kMixed), 7, 0);
  a.SetWeights(w);
  const double eps = a.Granularity();
  // eps = headroom * max|w| * step / (g_max - g_lo) = 2 * max|w| / 1000.
  EXPECT_NEAR(eps, 2.0 * w.cwiseAbs().maxCoeff() / 1000.0, 1e-9);
  const Matrix w0 = a.Weights();
  SgdStep s;
  s.lr = 0.02f;
  Matrix desired = Matrix::Zero(10, 6);
  for (int k = 0; k < 5; ++k) {
    a.Update(x, d, s);
    desired -= s.lr * d * x.transpose();
  }
  // Each weight moved by whole device steps, and what did not fit is left in chi: the
  // realised change is within one granularity of the desired one (ideal devices).
  const Matrix moved = a.Weights() - w0;
  EXPECT_LE((moved - desired).cwiseAbs().maxCoeff(), eps * (1 + 1e-3));
  EXPECT_GT(moved.cwiseAbs().maxCoeff(), 10 * eps);  // it did move
  const Matrix steps = moved / static_cast<float>(eps);
  EXPECT_LT((steps.array() - steps.array().round()).abs().maxCoeff(), 1e-2);  // whole pulses
  EXPECT_GT(a.SetPulses(), 0);
}

TEST(AnalogBackendTest, PulseTrainSgdHasTheExpectedUpdateOnAverage) {
  const Index in = 5, out = 4;
  const Matrix x = RandomMatrix(in, 8, 10), d = RandomMatrix(out, 8, 11);
  AnalogOptions o = IdealOptions(AnalogTraining::kSgd);
  o.device = LinearIdealDevice(20000.0);  // fine steps: many pulses per weight stay in range
  AnalogBackend a(in, out, o, 7, 0);
  a.SetWeights(Matrix::Constant(out, in, 0.1f) + RandomMatrix(out, in, 12, 0.05f));
  const double eps = a.Granularity();
  const Matrix w0 = a.Weights();
  SgdStep s;
  const Matrix grad = d * x.transpose();
  // About 3 coincidences per weight and update (lr |g| / eps), 400 updates.
  s.lr = static_cast<float>(3.0 * eps / grad.cwiseAbs().mean());
  const int n = 400;
  for (int k = 0; k < n; ++k) a.Update(x, d, s);
  const Matrix moved = a.Weights() - w0;
  const Matrix expected = -static_cast<float>(n) * s.lr * grad;
  // Counts are sums of Bernoulli coincidences: sd <= sqrt(mean count). 5 sd + one step.
  for (Index k = 0; k < moved.size(); ++k) {
    const double mean_pulses = std::abs(expected.data()[k]) / eps;
    const double tol = (5.0 * std::sqrt(std::max(mean_pulses, 1.0)) + 1.0) * eps;
    EXPECT_NEAR(moved.data()[k], expected.data()[k], tol) << "weight " << k;
  }
  // And the sign is right wherever the expected move is many steps.
  EXPECT_GT((moved.array() * expected.array() > 0).count(), moved.size() * 9 / 10);
}

TEST(AnalogBackendTest, BadOptionsNameTheKey) {
  AnalogOptions o;
  o.headroom = 0.5;
  PCMSIM_EXPECT_THROW_MSG(o.Validate(), ConfigError, "analog.headroom", "0.5", ">= 1");
  o = AnalogOptions{};
  o.bit_length = 0;
  PCMSIM_EXPECT_THROW_MSG(o.Validate(), ConfigError, "analog.bit_length", "[1, 64]");
}

}  // namespace
}  // namespace pcmsim::nn
