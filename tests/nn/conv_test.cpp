// The layer graph's convolution and pooling: im2col against a direct convolution, pooling
// against hand-computed values, back-propagation against finite differences, analog conv
// with ideal devices and periphery against fp32 conv, and thread-count invariance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "pcmsim/core/batch_rows.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/io/idx.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/conv2d_layer.hpp"
#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"
#include "pcmsim/nn/trainer.hpp"
#include "nn_test_util.hpp"
#include "test_util.hpp"

namespace pcmsim::nn {
namespace {

Matrix RandomMatrix(Index rows, Index cols, std::uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = scale * static_cast<float>(2.0 * rng.Uniform() - 1.0);
  return m;
}

BackendFactory Fp32Factory() {
  return [](Index in, Index out, Index, Index) { return std::make_unique<Fp32Backend>(in, out); };
}

// Direct convolution in double: y[o][oy][ox] = b[o] + sum w[o][c][ky][kx] x[c][iy][ix].
Matrix DirectConv(const Matrix& x, const TensorShape& in, const Matrix& w, const Vector& b, Index k, Index stride,
                  Index pad, Index oh, Index ow) {
  const Index oc = w.rows();
  Matrix y(oc * oh * ow, x.cols());
  for (Index s = 0; s < x.cols(); ++s)
    for (Index o = 0; o < oc; ++o)
      for (Index oy = 0; oy < oh; ++oy)
        for (Index ox = 0; ox < ow; ++ox) {
          double acc = b[o];
          for (Index c = 0; c < in.channels; ++c)
            for (Index ky = 0; ky < k; ++ky)
              for (Index kx = 0; kx < k; ++kx) {
                const Index iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= in.height || ix < 0 || ix >= in.width) continue;
                acc += static_cast<double>(w(o, (c * k + ky) * k + kx)) * x((c * in.height + iy) * in.width + ix, s);
              }
          y((o * oh + oy) * ow + ox, s) = static_cast<float>(acc);
        }
  return y;
}

// The patch matrix and its adjoint by the definitions, with a bounds test per element;
// the scatter visits the output pixels in raster order (the order Col2Im documents).
Matrix ReferenceIm2Col(const Window& w, const Matrix& x, bool ones_row) {
  const Index K = w.kernel, C = w.in.channels, H = w.in.height, W = w.in.width, px = w.Pixels();
  const Index rows = w.PatchRows() + (ones_row ? 1 : 0);
  Matrix p = Matrix::Constant(rows, x.cols() * px, 7.0f);
  for (Index b = 0; b < x.cols(); ++b)
    for (Index oy = 0; oy < w.out_h; ++oy)
      for (Index ox = 0; ox < w.out_w; ++ox) {
        const Index col = b * px + oy * w.out_w + ox;
        for (Index c = 0; c < C; ++c)
          for (Index ky = 0; ky < K; ++ky)
            for (Index kx = 0; kx < K; ++kx) {
              const Index iy = oy * w.stride - w.padding + ky, ix = ox * w.stride - w.padding + kx;
              const bool in = iy >= 0 && iy < H && ix >= 0 && ix < W;
              p((c * K + ky) * K + kx, col) = in ? x((c * H + iy) * W + ix, b) : 0.0f;
            }
        if (ones_row) p(rows - 1, col) = 1.0f;
      }
  return p;
}

Matrix ReferenceCol2Im(const Window& w, const Matrix& p, Index batch) {
  const Index K = w.kernel, C = w.in.channels, H = w.in.height, W = w.in.width, px = w.Pixels();
  Matrix dx = Matrix::Zero(w.in.Size(), batch);
  for (Index b = 0; b < batch; ++b)
    for (Index oy = 0; oy < w.out_h; ++oy)
      for (Index ox = 0; ox < w.out_w; ++ox)
        for (Index c = 0; c < C; ++c)
          for (Index ky = 0; ky < K; ++ky)
            for (Index kx = 0; kx < K; ++kx) {
              const Index iy = oy * w.stride - w.padding + ky, ix = ox * w.stride - w.padding + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              dx((c * H + iy) * W + ix, b) += p((c * K + ky) * K + kx, b * px + oy * w.out_w + ox);
            }
  return dx;
}

using testing::SameBits;

// Im2Col and Col2Im (padded buffers, unrolled kernel sizes 3 and 5, a generic path) give
// the definitions' bits: the LeNet shapes, strides, paddings as wide as the kernel, odd
// sizes, and a batch that is not a multiple of the parallel chunk. The patch entries span
// 2^-20..2^20, so any change in the order of Col2Im's additions would show in the bits.
TEST(ConvTest, Im2ColAndCol2ImHaveTheBitsOfTheDefinitions) {
  struct Case {
    TensorShape in;
    Index k, stride, pad;
  };
  const Case cases[] = {{{1, 28, 28}, 5, 1, 2}, {{6, 14, 14}, 5, 1, 0}, {{2, 7, 6}, 3, 2, 1},  {{3, 9, 11}, 3, 1, 3},
                        {{2, 8, 7}, 4, 1, 2},   {{1, 6, 5}, 1, 1, 0},   {{2, 11, 9}, 5, 2, 2}, {{1, 4, 4}, 2, 2, 0}};
  for (const Case& c : cases) {
    const LayerSpec spec = LayerSpec::Conv2d(3, c.k, c.stride, c.pad);
    const TensorShape out{3, (c.in.height + 2 * c.pad - c.k) / c.stride + 1,
                          (c.in.width + 2 * c.pad - c.k) / c.stride + 1};
    const Window w = Window::Of(spec, c.in, out);
    const Index batch = 6;
    const Matrix x = RandomMatrix(c.in.Size(), batch, 11);
    for (bool ones : {false, true}) {
      Matrix p;
      Im2Col(w, x, p, ones);
      EXPECT_TRUE(SameBits(p, ReferenceIm2Col(w, x, ones)))
          << "im2col k " << c.k << " pad " << c.pad << " ones " << ones;
      Matrix g = RandomMatrix(p.rows(), p.cols(), 12);
      Rng rng(13);
      for (Index i = 0; i < g.size(); ++i)
        g.data()[i] = std::ldexp(g.data()[i], static_cast<int>(rng.Uniform() * 40) - 20);
      Matrix dx = Matrix::Constant(3, 3, 1.0f);  // resized and overwritten
      Col2Im(w, g, batch, dx);
      EXPECT_TRUE(SameBits(dx, ReferenceCol2Im(w, g, batch))) << "col2im k " << c.k << " pad " << c.pad;
      // The batch-rows forms: the transpose, and the adjoint's bits from the transpose.
      Matrix pt;
      Im2ColRows(w, x, pt, ones);
      EXPECT_TRUE(SameBits(pt, Matrix(ReferenceIm2Col(w, x, ones).transpose())))
          << "im2col rows k " << c.k << " pad " << c.pad << " ones " << ones;
      Matrix dxr;
      Col2ImRows(w, Matrix(g.transpose()), batch, dxr);
      EXPECT_TRUE(SameBits(dxr, ReferenceCol2Im(w, g, batch))) << "col2im rows k " << c.k << " pad " << c.pad;
    }
  }
}

// The bias gradient's row sums have the bits of Eigen's rowwise().sum() (whose order the
// README's CNN and MLP figures were made with) on the LeNet shapes and odd ones; a plain
// left-to-right sum of every row differs from it for 16 rows and more.
TEST(ConvTest, RowSumsHaveTheBitsOfEigen) {
  Rng rng(21);
  for (Index rows : {1, 3, 6, 15, 16, 17, 31, 33, 84, 120, 256}) {
    for (Index cols : {1, 2, 3, 4, 5, 9, 64, 12800, 50176}) {
      Matrix g = RandomMatrix(rows, cols, static_cast<std::uint64_t>(rows * 1000 + cols));
      for (Index i = 0; i < g.size(); ++i)
        g.data()[i] = std::ldexp(g.data()[i], static_cast<int>(rng.Uniform() * 40) - 20);
      const Vector ref = g.rowwise().sum();
      Vector out = Vector::Constant(2, 5.0f);
      internal::RowSums(g, out);
      ASSERT_EQ(out.size(), rows);
      EXPECT_EQ(0, std::memcmp(ref.data(), out.data(), sizeof(float) * static_cast<std::size_t>(rows)))
          << rows << "x" << cols;
    }
  }
  Vector empty;
  internal::RowSums(Matrix(4, 0), empty);
  EXPECT_TRUE(empty.isZero());
}

TEST(ConvTest, ForwardEqualsDirectConvolution) {
  const TensorShape in{2, 7, 6};
  Network net(in, {LayerSpec::Conv2d(3, 3, 2, 1)}, Fp32Factory());
  ASSERT_EQ(net.layer(0).OutputShape(), (TensorShape{3, 4, 3}));
  const Matrix w = RandomMatrix(3, 18, 1), x = RandomMatrix(in.Size(), 5, 2);
  net.weighted(0).backend().SetWeights(w);
  net.weighted(0).bias() = RandomMatrix(3, 1, 3).col(0);
  const Matrix y = net.Forward(x, Pass::kEval);
  const Matrix ref = DirectConv(x, in, w, net.weighted(0).bias(), 3, 2, 1, 4, 3);
  EXPECT_LT((y - ref).cwiseAbs().maxCoeff(), 1e-5f);
}

// A stride-1 conv layer on FP32 convolves the images directly (core/direct_conv.hpp). Its
// forward has the bits of TallGemm on Im2ColRows patches, then the digital bias (the
// batch-rows path that thin layers such as conv1 ran before; conv2's 16 channels ran Eigen's
// column GEMM, whose bits differ), is the convolution, and its energy tallies count one
// patch column per sample and output pixel as the im2col forms do.
TEST(ConvTest, Stride1Fp32ConvHasTheBitsOfTheRowsPathAndCountsEveryPixel) {
  struct Case {
    TensorShape in;
    Index oc, k, pad;
    bool digital_bias;
  };
  for (const Case& c : {Case{{1, 28, 28}, 6, 5, 2, true}, Case{{6, 14, 14}, 16, 5, 0, true},
                        Case{{3, 9, 7}, 7, 3, 1, false}}) {
    LayerSpec spec = LayerSpec::Conv2d(c.oc, c.k, 1, c.pad);
    spec.digital_bias = c.digital_bias;
    Network net(c.in, {spec}, Fp32Factory());
    net.Initialize(3);
    auto& layer = net.weighted(0);
    layer.bias() = RandomMatrix(c.oc, 1, 4).col(0);
    const Index batch = 5;
    const Matrix x = RandomMatrix(c.in.Size(), batch, 5);
    const Matrix y = net.Forward(x, Pass::kTrain);
    const auto& conv = static_cast<const Conv2dLayer&>(net.layer(0));
    const Window& w = conv.window();
    const Matrix weights = layer.backend().Weights();
    Matrix patches_t, cols;
    Im2ColRows(w, x, patches_t, !c.digital_bias);
    TallGemm(patches_t, weights, true, cols);
    Matrix rows_path(y.rows(), batch);
    for (Index s = 0; s < batch; ++s) {
      Eigen::Map<Matrix> ys(rows_path.data() + s * y.rows(), w.Pixels(), c.oc);
      ys = cols.middleRows(s * w.Pixels(), w.Pixels());
      if (c.digital_bias) ys.rowwise() += layer.bias().transpose();
    }
    EXPECT_TRUE(testing::SameBits(y, rows_path)) << c.oc;
    const Vector bias = c.digital_bias ? layer.bias() : Vector(weights.col(weights.cols() - 1));
    const Matrix ref = DirectConv(x, c.in, weights.leftCols(w.PatchRows()), bias, c.k, 1, c.pad, w.out_h, w.out_w);
    EXPECT_LT((y - ref).cwiseAbs().maxCoeff(), 1e-5f * ref.cwiseAbs().maxCoeff()) << c.oc;

    const Matrix dy = RandomMatrix(y.rows(), batch, 6);
    net.BackwardAndUpdate(dy, SgdStep{});
    energy::EventCounts counts;
    layer.backend().AddEvents(counts);
    const double macs = static_cast<double>(batch * w.Pixels()) * static_cast<double>(weights.size());
    EXPECT_EQ(counts[energy::Phase::kForward].macs["fp32/fp32"], macs);
    EXPECT_EQ(counts[energy::Phase::kForward].samples, static_cast<double>(batch * w.Pixels()));
    // the first layer: no input gradient
    EXPECT_EQ(counts[energy::Phase::kBackward].DigitalMacs(), 0.0);
    // one step: the gradient's MACs and the optimizer's 3 per weight (energy::AddUpdateEvents)
    EXPECT_EQ(counts[energy::Phase::kUpdate].macs["fp32/fp32"], macs + 3.0 * static_cast<double>(weights.size()));
    EXPECT_EQ(counts[energy::Phase::kUpdate].samples, static_cast<double>(batch * w.Pixels()));
  }
}

// The weight step of a stride-1 conv layer with a matrix bias (direct kernels, ones column)
// against finite differences of L(W) = sum(probe .* layer(x)): with lr = 1 and no momentum
// the step is -dL/dW, the bias column included, and the unused digital bias stays zero.
TEST(ConvGradientTest, MatrixBiasOfADirectConvStepsAsAWeightColumn) {
  LayerSpec spec = LayerSpec::Conv2d(4, 3, 1, 1);
  spec.digital_bias = false;
  const TensorShape in{2, 6, 5};
  const auto make = [&] {
    Network net(in, {spec}, Fp32Factory());
    net.Initialize(5);
    return net;
  };
  Network net = make(), probe_net = make();
  const Matrix before = net.weighted(0).backend().Weights();
  ASSERT_EQ(before.cols(), 2 * 3 * 3 + 1);
  const Matrix x = RandomMatrix(in.Size(), 3, 13);  // 3 samples: less than one chunk of kConvSampleChunk
  const Matrix y = net.Forward(x, Pass::kTrain);
  const Matrix probe = RandomMatrix(y.rows(), y.cols(), 14);
  SgdStep step;
  step.lr = 1.0f;
  net.BackwardAndUpdate(probe, step);
  const Matrix grad = before - net.weighted(0).backend().Weights();
  EXPECT_EQ(net.weighted(0).bias().cwiseAbs().maxCoeff(), 0.0f);
  const float eps = 1e-3f;
  for (Index k = 0; k < grad.size(); ++k) {
    Matrix w = before;
    w.data()[k] += eps;
    probe_net.weighted(0).backend().SetWeights(w);
    const double up = (probe_net.Forward(x, Pass::kEval).array() * probe.array()).sum();
    w.data()[k] -= 2 * eps;
    probe_net.weighted(0).backend().SetWeights(w);
    const double down = (probe_net.Forward(x, Pass::kEval).array() * probe.array()).sum();
    const double fd = (up - down) / (2.0 * eps);
    EXPECT_NEAR(grad.data()[k], fd, 2e-3 + 1e-2 * std::abs(fd)) << "weight " << k;
  }
}

// Only backends that take images are handed them; the others' defaults say so.
TEST(ConvTest, BackendsThatTakeNoImagesRefuseThem) {
  Fp8Backend fp8(25, 6, Fp8Options{}, 1);
  EXPECT_FALSE(fp8.TakesImages());
  ImageConv g;
  Matrix y;
  try {
    fp8.ForwardImages(g, Matrix::Zero(1, 1), y, Pass::kTrain);
    ADD_FAILURE() << "fp8 took images";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("fp8 backend does not take images"), std::string::npos) << e.what();
  }
}

TEST(ConvTest, PoolingKnownValues) {
  // One 1x4x4 image 0..15 (row-major); 2x2 windows, stride 2.
  Matrix x(16, 1);
  for (Index i = 0; i < 16; ++i) x(i, 0) = static_cast<float>(i);
  Network maxp({1, 4, 4}, {LayerSpec::MaxPool2d(2)}, Fp32Factory());
  Network avgp({1, 4, 4}, {LayerSpec::AvgPool2d(2)}, Fp32Factory());
  Matrix mref(4, 1), aref(4, 1);
  mref << 5, 7, 13, 15;
  aref << 2.5, 4.5, 10.5, 12.5;
  EXPECT_EQ(maxp.Forward(x, Pass::kEval), mref);
  EXPECT_EQ(avgp.Forward(x, Pass::kEval), aref);
  // Max pooling with padding 1, stride 1, kernel 2 on 1x2x2: every window sees a real pixel.
  Matrix x2(4, 1);
  x2 << -1, -2, -3, -4;
  Network padded({1, 2, 2}, {LayerSpec::MaxPool2d(2, 1, 1)}, Fp32Factory());
  Matrix pref(9, 1);
  pref << -1, -1, -2, -1, -1, -2, -3, -3, -4;
  EXPECT_EQ(padded.Forward(x2, Pass::kEval), pref);
}

// Pooling as defined, one input at a time with bounds tests: the max is the first largest
// input of the window in raster order, the mean 0 plus the window's inputs in raster order
// times 1 / kernel²; backward adds each output's gradient to its winner (max) or, times
// 1 / kernel² in one fused multiply-add, to its window's inputs (mean), outputs in raster
// order.
void ReferencePool(const TensorShape& in, Index k, Index s, Index p, bool max, const Matrix& x, const Matrix& dy,
                   Matrix& y, Matrix& dx) {
  const Index oh = (in.height + 2 * p - k) / s + 1, ow = (in.width + 2 * p - k) / s + 1;
  y.setZero(in.channels * oh * ow, x.cols());
  dx.setZero(x.rows(), x.cols());
  const float inv_area = 1.0f / static_cast<float>(k * k);
  for (Index b = 0; b < x.cols(); ++b)
    for (Index c = 0; c < in.channels; ++c)
      for (Index oy = 0; oy < oh; ++oy)
        for (Index ox = 0; ox < ow; ++ox) {
          float best = 0.0f, sum = 0.0f;
          Index arg = -1;
          for (Index ky = 0; ky < k; ++ky)
            for (Index kx = 0; kx < k; ++kx) {
              const Index iy = oy * s - p + ky, ix = ox * s - p + kx;
              if (iy < 0 || ix < 0 || iy >= in.height || ix >= in.width) continue;
              const Index i = (c * in.height + iy) * in.width + ix;
              sum += x(i, b);
              if (arg < 0 || x(i, b) > best) {
                best = x(i, b);
                arg = i;
              }
            }
          const Index o = (c * oh + oy) * ow + ox;
          y(o, b) = max ? best : sum * inv_area;
          if (max) {
            dx(arg, b) += dy(o, b);
            continue;
          }
          for (Index ky = 0; ky < k; ++ky)
            for (Index kx = 0; kx < k; ++kx) {
              const Index iy = oy * s - p + ky, ix = ox * s - p + kx;
              if (iy < 0 || ix < 0 || iy >= in.height || ix >= in.width) continue;
              float& d = dx((c * in.height + iy) * in.width + ix, b);
              d = std::fma(dy(o, b), inv_area, d);
            }
        }
}

// The pooling layers have the bits of the definition for every kernel (the unrolled 2 and 3
// and the general loop), stride (overlapping windows and strides past the kernel), padding
// (clipped border windows), non-square, one-pixel-wide and tiny inputs whose windows are all
// clipped, on inputs with many ties (a coarse grid, as after ReLU) and negative values;
// max pooling also on NaN and infinities (a NaN that comes first in a window wins, later
// ones are skipped). A batch of 9 samples runs in several chunks: 1 and 2 threads.
TEST(ConvTest, PoolingHasTheBitsOfItsDefinition) {
  testing::ThreadGuard guard;
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  int cases = 0;
  for (const TensorShape& in :
       {TensorShape{2, 7, 9}, TensorShape{1, 1, 2}, TensorShape{3, 5, 1}, TensorShape{1, 4, 4}}) {
    Matrix x = RandomMatrix(in.Size(), 9, 31);
    x = (x * 3.0f).array().round().matrix();  // -3 ... 3: ties everywhere
    Matrix x_special = x;                      // for max pooling: NaN, -NaN, +-Inf, -0
    const float special[] = {nan, -nan, inf, -inf, -0.0f};
    for (Index i = 0; i < x_special.size(); i += 3) x_special.data()[i] = special[(i / 3) % 5];
    for (Index k = 1; k <= 5; ++k)
      for (Index s = 1; s <= 4; ++s)
        for (Index p = 0; p < k; ++p)
          for (bool max : {true, false}) {
            if (k > in.height + 2 * p || k > in.width + 2 * p) continue;
            const LayerSpec spec = max ? LayerSpec::MaxPool2d(k, s, p) : LayerSpec::AvgPool2d(k, s, p);
            Network net(in, {spec}, Fp32Factory());
            const Matrix& xx = max ? x_special : x;
            for (int threads : {1, 2}) {
              SetNumThreads(threads);
              const Matrix y = net.Forward(xx, Pass::kTrain);
              Matrix dy = RandomMatrix(y.rows(), y.cols(), 32), dx, y_ref, dx_ref;
              ReferencePool(in, k, s, p, max, xx, dy, y_ref, dx_ref);
              net.layer(0).Backward(xx, y, dy, &dx, SgdStep{});
              const std::string what = StrCat(spec.TypeName(), " on ", in.channels, "x", in.height, "x", in.width,
                                              " kernel ", k, " stride ", s, " padding ", p, " threads ", threads);
              EXPECT_TRUE(testing::SameBits(y, y_ref)) << what;
              EXPECT_TRUE(testing::SameBits(dx, dx_ref)) << what;
            }
            ++cases;
          }
  }
  EXPECT_GT(cases, 150);
}

// conv (pad 1) -> act -> maxpool -> conv (stride 2) -> avgpool (stride 1) -> flatten -> dense.
std::vector<LayerSpec> SmallCnn(Activation act) {
  return {LayerSpec::Conv2d(3, 3, 1, 1, act), LayerSpec::MaxPool2d(2), LayerSpec::Conv2d(4, 2, 1, 0),
          LayerSpec::Act(act), LayerSpec::AvgPool2d(2, 1), LayerSpec::Flatten(), LayerSpec::Dense(3)};
}

Network SmallCnnNet(Activation act) {
  Network net({2, 8, 8}, SmallCnn(act), Fp32Factory());
  net.Initialize(3);
  Rng rng(103);
  for (WeightedLayer* l : net.Weighted())
    for (Index k = 0; k < l->bias().size(); ++k) l->bias()[k] = static_cast<float>(rng.Uniform() - 0.5) * 0.2f;
  return net;
}

class ConvGradientTest : public ::testing::TestWithParam<Activation> {};

TEST_P(ConvGradientTest, WeightAndBiasGradientsMatchFiniteDifferences) {
  Network net = SmallCnnNet(GetParam());
  const Matrix x = RandomMatrix(2 * 8 * 8, 4, 9);
  const std::vector<std::uint8_t> y = {0, 1, 2, 1};
  std::vector<Matrix> before;
  std::vector<Vector> bias_before;
  for (WeightedLayer* l : net.Weighted()) {
    before.push_back(l->backend().Weights());
    bias_before.push_back(l->bias());
  }
  // One plain SGD step with lr = 1 applies W <- W - dL/dW: read the gradients back.
  Matrix dlogits;
  SoftmaxCrossEntropy(net.Forward(x, Pass::kTrain), y.data(), dlogits);
  SgdStep step;
  step.lr = 1.0f;
  net.BackwardAndUpdate(dlogits, step);
  int checked = 0;
  for (Index l = 0; l < net.NumWeighted(); ++l) {
    const size_t li = static_cast<size_t>(l);
    const Matrix grad = before[li] - net.weighted(l).backend().Weights();
    const Vector bgrad = bias_before[li] - net.weighted(l).bias();
    Network probe = SmallCnnNet(GetParam());
    // Small steps: a conv weight moves every output pixel, so a larger step flips max-pool
    // winners and ReLU signs (kinks) and the difference quotient stops being a derivative.
    const float eps = 1e-3f;
    for (Index k = 0; k < grad.size(); k += 2) {
      Matrix w = before[li];
      w.data()[k] += eps;
      probe.weighted(l).backend().SetWeights(w);
      const double up = testing::MeanLoss(probe, x, y);
      w.data()[k] -= 2 * eps;
      probe.weighted(l).backend().SetWeights(w);
      const double down = testing::MeanLoss(probe, x, y);
      probe.weighted(l).backend().SetWeights(before[li]);
      const double fd = (up - down) / (2 * eps);
      EXPECT_NEAR(grad.data()[k], fd, 3e-4 + 3e-2 * std::abs(fd)) << "layer " << l << " weight " << k;
      ++checked;
    }
    for (Index k = 0; k < bgrad.size(); ++k) {
      probe.weighted(l).bias()[k] += eps;
      const double up = testing::MeanLoss(probe, x, y);
      probe.weighted(l).bias()[k] -= 2 * eps;
      const double down = testing::MeanLoss(probe, x, y);
      probe.weighted(l).bias()[k] += eps;
      const double fd = (up - down) / (2 * eps);
      EXPECT_NEAR(bgrad[k], fd, 3e-4 + 3e-2 * std::abs(fd)) << "layer " << l << " bias " << k;
    }
  }
  EXPECT_GT(checked, 60);
}

INSTANTIATE_TEST_SUITE_P(Activations, ConvGradientTest,
                         ::testing::Values(Activation::kRelu, Activation::kSigmoid, Activation::kTanh),
                         [](const auto& p) { return std::string(ToString(p.param)); });

// The input gradient (what the layer below receives) of conv and pooling layers, from
// Layer::Backward, against finite differences of L(x) = sum(probe .* layer(x)). The conv
// layers: strided (im2col on FP32), stride 1 (the direct kernels) and stride 1 with a
// matrix bias (the direct kernels with a ones column, whose row is dropped from dx).
TEST(ConvGradientTest, InputGradientsOfConvAndPoolMatchFiniteDifferences) {
  LayerSpec matrix_bias = LayerSpec::Conv2d(3, 3, 1, 1);
  matrix_bias.digital_bias = false;
  for (const LayerSpec& spec : {LayerSpec::Conv2d(3, 3, 2, 1), LayerSpec::Conv2d(3, 3, 1, 1), matrix_bias,
                                LayerSpec::MaxPool2d(3, 2, 1), LayerSpec::AvgPool2d(2, 1, 1)}) {
    const TensorShape in{2, 6, 5};
    Network net(in, {spec}, Fp32Factory());
    net.Initialize(4);
    const Matrix x = RandomMatrix(in.Size(), 2, 11);
    const Matrix y = net.Forward(x, Pass::kTrain);
    const Matrix probe = RandomMatrix(y.rows(), y.cols(), 12);
    Matrix dy = probe, dx;
    net.layer(0).Backward(x, y, dy, &dx, SgdStep{});  // lr 0: parameters unchanged
    ASSERT_EQ(dx.rows(), x.rows());
    const auto loss = [&](const Matrix& xx) {
      return static_cast<double>((net.Forward(xx, Pass::kEval).array() * probe.array()).sum());
    };
    const float eps = 1e-3f;
    for (Index k = 0; k < x.size(); ++k) {
      Matrix xp = x, xm = x;
      xp.data()[k] += eps;
      xm.data()[k] -= eps;
      const double fd = (loss(xp) - loss(xm)) / (2.0 * eps);
      EXPECT_NEAR(dx.data()[k], fd, 2e-3 + 1e-2 * std::abs(fd)) << spec.TypeName() << " input " << k;
    }
  }
}

TEST(ConvTest, IdealAnalogConvEqualsFp32Conv) {
  const AnalogOptions o = testing::IdealAnalogOptions();
  const TensorShape in{3, 9, 9};
  const std::vector<LayerSpec> specs = {LayerSpec::Conv2d(5, 3, 1, 1, Activation::kRelu), LayerSpec::MaxPool2d(2),
                                        LayerSpec::Conv2d(4, 2, 2, 0)};
  Network fp(in, specs, Fp32Factory());
  Network an(in, specs, [&](Index i, Index out, Index k, Index) {
    return std::make_unique<AnalogBackend>(i, out, o, 5, k);
  });
  fp.Initialize(8);
  for (Index k = 0; k < fp.NumWeighted(); ++k) {
    an.weighted(k).backend().SetWeights(fp.weighted(k).backend().Weights());
    fp.weighted(k).bias() = RandomMatrix(fp.weighted(k).bias().size(), 1, 20 + static_cast<std::uint64_t>(k)).col(0);
    an.weighted(k).bias() = fp.weighted(k).bias();
  }
  const Matrix x = RandomMatrix(in.Size(), 6, 21);
  const Matrix y_fp = fp.Forward(x, Pass::kEval);
  // HWA training forward through the (perfect) periphery, and inference on programmed arrays.
  const Matrix y_train = an.Forward(x, Pass::kTrain);
  for (WeightedLayer* l : an.Weighted()) {
    auto& a = static_cast<AnalogBackend&>(l->backend());
    a.ProgramForInference(0);
    a.ReadAfter(31536000.0);
  }
  const Matrix y_array = an.Forward(x, Pass::kEval);
  const float scale = y_fp.cwiseAbs().maxCoeff();
  EXPECT_LT((y_train - y_fp).cwiseAbs().maxCoeff(), 1e-5f * scale);
  EXPECT_LT((y_array - y_fp).cwiseAbs().maxCoeff(), 1e-4f * scale);
}

TEST(ConvTest, TrainingIsBitIdenticalForOneAndTwoThreads) {
  io::Dataset d = io::LoadIdxDataset(testing::MnistDir() / "train-10k-images-idx3-ubyte.gz",
                                     testing::MnistDir() / "train-10k-labels-idx1-ubyte.gz", 600);
  ASSERT_EQ(d.shape, (TensorShape{1, 28, 28}));
  const std::vector<LayerSpec> lenet = {
      LayerSpec::Conv2d(6, 5, 1, 2, Activation::kRelu), LayerSpec::MaxPool2d(2),
      LayerSpec::Conv2d(16, 5, 1, 0, Activation::kRelu), LayerSpec::AvgPool2d(2), LayerSpec::Flatten(),
      LayerSpec::Dense(32, Activation::kTanh), LayerSpec::Dense(10)};
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 50;
  std::vector<Matrix> w[2];
  for (int t = 0; t < 2; ++t) {
    SetNumThreads(t + 1);
    Network net(d.shape, lenet, Fp32Factory());
    net.Initialize(5);
    Train(net, d, nullptr, o, {});
    for (WeightedLayer* l : net.Weighted()) w[t].push_back(l->backend().Weights());
  }
  SetNumThreads(0);
  for (size_t l = 0; l < w[0].size(); ++l) {
    ASSERT_EQ(0, std::memcmp(w[0][l].data(), w[1][l].data(), sizeof(float) * w[0][l].size())) << "layer " << l;
  }
}

TEST(ConvTest, ShapeErrorsNameLayerKeyAndReason) {
  const TensorShape img{1, 28, 28};
  PCMSIM_EXPECT_THROW_MSG(InferShapes(img, {LayerSpec::Conv2d(6, 29)}), ConfigError, "model.layer[0]", "conv2d",
                          "'kernel'", "larger than the input 1x28x28");
  PCMSIM_EXPECT_THROW_MSG(InferShapes(img, {LayerSpec::Conv2d(0, 5)}), ConfigError, "model.layer[0]",
                          "'out_channels'", ">= 1");
  PCMSIM_EXPECT_THROW_MSG(InferShapes(img, {LayerSpec::Conv2d(6, 5), LayerSpec::Dense(10)}), ConfigError,
                          "model.layer[1]", "dense", "needs a flatten");
  PCMSIM_EXPECT_THROW_MSG(InferShapes(img, {LayerSpec::MaxPool2d(2, 0, 2)}), ConfigError, "model.layer[0]",
                          "'padding'", "smaller than the kernel");
  // A dense first layer flattens the data itself (the model.layers shorthand on images).
  EXPECT_EQ(InferShapes(img, {LayerSpec::Dense(10)}).back(), (TensorShape{10, 1, 1}));
}

TEST(ConvTest, RejectsDataOfAnotherShape) {
  Network net({1, 28, 28}, {LayerSpec::Conv2d(2, 5), LayerSpec::Flatten(), LayerSpec::Dense(10)}, Fp32Factory());
  io::Dataset d;
  d.x = Matrix::Zero(784, 2);
  d.labels = {0, 1};
  d.classes = 2;
  d.shape = {784, 1, 1};
  d.name = "flat";
  PCMSIM_EXPECT_THROW_MSG(Evaluate(net, d), DimensionError, "flat", "784x1x1", "1x28x28");
}

}  // namespace
}  // namespace pcmsim::nn
