// The direct convolution kernels against their documented summation orders (bit for bit),
// against double-precision sums, for 1 and 2 threads, and their shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "pcmsim/core/direct_conv.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "test_util.hpp"

namespace pcmsim {
namespace {

using testing::SameBits;

// Input pixel (c, iy, ix) of sample s, zero outside the image (the padding).
float Pixel(const ImageConv& g, const Matrix& x, Index s, Index c, Index iy, Index ix) {
  if (iy < 0 || ix < 0 || iy >= g.height || ix >= g.width) return 0.0f;
  return x((c * g.height + iy) * g.width + ix, s);
}

Index OutIndex(const ImageConv& g, Index m, Index oy, Index ox) { return (m * g.OutHeight() + oy) * g.OutWidth() + ox; }

// Weight column of tap (c, ky, kx).
Index Tap(const ImageConv& g, Index c, Index ky, Index kx) { return (c * g.kernel + ky) * g.kernel + kx; }

// DirectConvForward's order: 0, then every tap's fused multiply-add in column order, then
// the ones column. With `in_float` false the same sums in double precision.
Matrix ReferenceForward(const ImageConv& g, const Matrix& w, const Matrix& x, bool in_float = true) {
  Matrix y(g.OutputSize(), x.cols());
  for (Index s = 0; s < x.cols(); ++s)
    for (Index m = 0; m < g.out_channels; ++m)
      for (Index oy = 0; oy < g.OutHeight(); ++oy)
        for (Index ox = 0; ox < g.OutWidth(); ++ox) {
          float acc = 0.0f;
          double wide_acc = 0.0;
          for (Index c = 0; c < g.channels; ++c)
            for (Index ky = 0; ky < g.kernel; ++ky)
              for (Index kx = 0; kx < g.kernel; ++kx) {
                const float v = Pixel(g, x, s, c, oy + ky - g.padding, ox + kx - g.padding), wt = w(m, Tap(g, c, ky, kx));
                acc = std::fma(v, wt, acc);
                wide_acc += static_cast<double>(v) * wt;
              }
          if (g.ones_column) {
            acc = std::fma(1.0f, w(m, g.Taps()), acc);
            wide_acc += w(m, g.Taps());
          }
          y(OutIndex(g, m, oy, ox), s) = in_float ? acc : static_cast<float>(wide_acc);
        }
  return y;
}

// DirectConvWeightGradient's order: per chunk of kConvSampleChunk samples, 16 lanes (output
// (oy, ox) at wide position q = oy * Wp + ox in lane q mod 16, samples in order, q in order
// within a sample), the lanes' pairwise tree, chunk sums in chunk order onto 0. Column
// `Taps()` (or the last of `sums`) is the plain sum of dy.
void ReferenceWeightGradient(const ImageConv& g, const Matrix& x, const Matrix& dy, Matrix& dw, Vector& sums) {
  const Index wp = g.width + 2 * g.padding, cols = g.Taps() + 1;
  Matrix total = Matrix::Zero(g.out_channels, cols);
  for (Index first = 0; first < x.cols(); first += kConvSampleChunk) {
    const Index last = std::min(x.cols(), first + kConvSampleChunk);
    for (Index m = 0; m < g.out_channels; ++m)
      for (Index t = 0; t < cols; ++t) {
        float lane[16] = {};
        for (Index s = first; s < last; ++s)
          for (Index oy = 0; oy < g.OutHeight(); ++oy)
            for (Index ox = 0; ox < g.OutWidth(); ++ox) {
              const float d = dy(OutIndex(g, m, oy, ox), s);
              const int l = static_cast<int>((oy * wp + ox) % 16);
              if (t == g.Taps()) {
                lane[l] += d;
                continue;
              }
              const Index c = t / (g.kernel * g.kernel), ky = t / g.kernel % g.kernel, kx = t % g.kernel;
              lane[l] = std::fma(d, Pixel(g, x, s, c, oy + ky - g.padding, ox + kx - g.padding), lane[l]);
            }
        for (int width = 8; width >= 1; width /= 2)
          for (int i = 0; i < width; ++i) lane[i] += lane[i + width];
        total(m, t) += lane[0];
      }
  }
  sums = total.col(g.Taps());
  dw = g.ones_column ? total : Matrix(total.leftCols(g.Taps()));
}

// DirectConvInputGradient's order: 0, then (m, ky, kx) in that order.
Matrix ReferenceInputGradient(const ImageConv& g, const Matrix& w, const Matrix& dy) {
  Matrix dx(g.InputSize(), dy.cols());
  for (Index s = 0; s < dy.cols(); ++s)
    for (Index c = 0; c < g.channels; ++c)
      for (Index iy = 0; iy < g.height; ++iy)
        for (Index ix = 0; ix < g.width; ++ix) {
          float acc = 0.0f;
          for (Index m = 0; m < g.out_channels; ++m)
            for (Index ky = 0; ky < g.kernel; ++ky)
              for (Index kx = 0; kx < g.kernel; ++kx) {
                const Index oy = iy + g.padding - ky, ox = ix + g.padding - kx;
                if (oy < 0 || ox < 0 || oy >= g.OutHeight() || ox >= g.OutWidth()) continue;
                acc = std::fma(w(m, Tap(g, c, ky, kx)), dy(OutIndex(g, m, oy, ox), s), acc);
              }
          dx((c * g.height + iy) * g.width + ix, s) = acc;
        }
  return dx;
}

ImageConv Conv(Index c, Index h, Index w, Index k, Index p, Index m, bool ones = false) {
  ImageConv g;
  g.channels = c;
  g.height = h;
  g.width = w;
  g.kernel = k;
  g.padding = p;
  g.out_channels = m;
  g.ones_column = ones;
  return g;
}

// LeNet's conv1 and conv2, output channel blocks with tails (7 and 13 channels), input
// channel blocks with tails (13 and 7 input channels: the input gradient's blocks), a 1x1
// kernel, a kernel as large as the padded input, a matrix bias, non-square images.
std::vector<ImageConv> Shapes() {
  return {Conv(1, 28, 28, 5, 2, 6), Conv(6, 14, 14, 5, 0, 16), Conv(3, 7, 9, 3, 1, 7, true),
          Conv(2, 5, 6, 1, 0, 13),  Conv(1, 4, 4, 6, 1, 2),    Conv(2, 11, 3, 3, 2, 5, true),
          Conv(13, 6, 5, 3, 1, 4),  Conv(7, 5, 5, 2, 0, 3, true)};
}

// Batches of one sample, of less than one chunk of kConvSampleChunk, of a chunk and a tail.
Index BatchOf(std::size_t shape) {
  constexpr Index kBatches[] = {9, 6, 1, 3, 6, 5, 4, 2};
  return kBatches[shape % 8];
}

TEST(DirectConvTest, KernelsHaveTheirDocumentedBitsForAnyThreadCount) {
  testing::ThreadGuard guard;
  const std::vector<ImageConv> shapes = Shapes();
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const ImageConv& g = shapes[i];
    const Index batch = BatchOf(i);
    const Matrix x = testing::UniformMatrix(g.InputSize(), batch, 1);
    const Matrix w = testing::UniformMatrix(g.out_channels, g.WeightColumns(), 2);
    const Matrix dy = testing::UniformMatrix(g.OutputSize(), batch, 3);
    const Matrix y_ref = ReferenceForward(g, w, x), dx_ref = ReferenceInputGradient(g, w, dy);
    Matrix dw_ref;
    Vector sums_ref;
    ReferenceWeightGradient(g, x, dy, dw_ref, sums_ref);
    for (int threads : {1, 2}) {
      SetNumThreads(threads);
      Matrix y, dw, dx;
      Vector sums;
      DirectConvForward(g, w, x, y);
      DirectConvWeightGradient(g, x, dy, dw, sums);
      DirectConvInputGradient(g, w, dy, dx);
      const std::string what = ::testing::PrintToString(std::vector<Index>{g.channels, g.height, g.width, g.kernel,
                                                                           g.padding, g.out_channels}) +
                               " batch " + std::to_string(batch) + " threads " + std::to_string(threads);
      EXPECT_TRUE(SameBits(y, y_ref)) << what;
      EXPECT_TRUE(SameBits(dw, dw_ref)) << what;
      EXPECT_TRUE(SameBits(sums, sums_ref)) << what;
      EXPECT_TRUE(SameBits(dx, dx_ref)) << what;
    }
  }
}

// The orders above are sums of the right terms: the forward against double precision, and
// the two gradients as adjoints, <dy, conv(x)> = <dW, W> and = <dx, x> up to rounding.
TEST(DirectConvTest, KernelsAreTheConvolutionAndItsAdjoints) {
  for (const ImageConv& g : Shapes()) {
    const Index batch = 5;
    const Matrix x = testing::UniformMatrix(g.InputSize(), batch, 4);
    const Matrix w = testing::UniformMatrix(g.out_channels, g.WeightColumns(), 5);
    const Matrix dy = testing::UniformMatrix(g.OutputSize(), batch, 6);
    Matrix y, dw, dx;
    Vector sums;
    DirectConvForward(g, w, x, y);
    const Matrix y_double = ReferenceForward(g, w, x, false);
    const float scale = std::sqrt(static_cast<float>(g.WeightColumns()));
    EXPECT_LE((y - y_double).cwiseAbs().maxCoeff(), 1e-6f * scale * 8) << g.out_channels;
    DirectConvWeightGradient(g, x, dy, dw, sums);
    DirectConvInputGradient(g, w, dy, dx);
    const double inner = (dy.cast<double>().array() * y.cast<double>().array()).sum();
    const double via_w = (dw.cast<double>().array() * w.cast<double>().array()).sum();
    const double via_x = (dx.cast<double>().array() * x.cast<double>().array()).sum() +
                         (g.ones_column ? (sums.cast<double>().array() * w.col(g.Taps()).cast<double>().array()).sum()
                                        : 0.0);
    const double tol = 1e-5 * (dy.cast<double>().cwiseAbs().array() * y.cast<double>().cwiseAbs().array()).sum();
    EXPECT_NEAR(via_w, inner, tol) << g.out_channels;
    EXPECT_NEAR(via_x, inner, tol) << g.out_channels;
    if (g.ones_column) {
      EXPECT_TRUE(SameBits(Vector(dw.col(g.Taps())), sums));
    }
  }
}

TEST(DirectConvTest, ShapeErrorsSayWhatIsWrong) {
  const ImageConv g = Conv(2, 6, 6, 3, 1, 4);
  const Matrix x = Matrix::Zero(g.InputSize(), 2), w = Matrix::Zero(4, g.Taps()), dy = Matrix::Zero(g.OutputSize(), 2);
  Matrix y, dw, dx;
  Vector sums;
  PCMSIM_EXPECT_THROW_MSG(DirectConvForward(g, Matrix::Zero(4, g.Taps() + 1), x, y), DimensionError, "weights are 4x19",
                          "expected 4x18");
  PCMSIM_EXPECT_THROW_MSG(DirectConvForward(g, w, Matrix::Zero(7, 2), y), DimensionError, "input has 7 rows",
                          "expected 72");
  PCMSIM_EXPECT_THROW_MSG(DirectConvWeightGradient(g, x, Matrix::Zero(g.OutputSize(), 3), dw, sums), DimensionError,
                          "2 samples", "gradient 3");
  PCMSIM_EXPECT_THROW_MSG(DirectConvInputGradient(g, w, Matrix::Zero(5, 2), dx), DimensionError,
                          "gradient has 5 rows", "expected 144");
  PCMSIM_EXPECT_THROW_MSG(DirectConvForward(Conv(1, 3, 3, 6, 1, 1), Matrix::Zero(1, 36), Matrix::Zero(9, 1), y),
                          DimensionError, "kernel 6 is larger than the padded 5x5 input");
  PCMSIM_EXPECT_THROW_MSG(DirectConvForward(Conv(0, 3, 3, 1, 0, 1), Matrix::Zero(1, 0), Matrix::Zero(0, 1), y),
                          DimensionError, "sizes must be positive");
}

}  // namespace
}  // namespace pcmsim
