// Input encoding of a tile (issue 15): pulse width is linear; amplitude encoding applies the
// device's sinh I-V law to the amorphous share of each cell's current. With an ohmic device
// both encodings give the same bits; with the sinh law the ideal tile equals the analytic
// W ((1 - s) x + s sinh(x u)/sinh(u)) per DAC-normalised input.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::IdealOptions;
using testing::MaxScaledError;
using testing::RandomMatrix;

device::PcmParams SinhIdeal(double k) {
  device::PcmParams p = device::IdealParams();
  p.iv_v0_V = 0.25;
  p.iv_v_read_V = 0.2;
  if (k > 0) {
    p.model = device::CellModel::kProjected;
    p.projection_ratio = k;
    p.g_min = 0.1e-6;
  }
  return p;
}

TEST(TileEncoding, OhmicDeviceGivesTheSameBitsForBothEncodings) {
  const Matrix w = RandomMatrix(20, 30, 1), x = RandomMatrix(30, 7, 2), d = RandomMatrix(20, 7, 3);
  TileOptions pw = IdealOptions(), amp = IdealOptions();
  amp.input_encoding = device::InputEncoding::kAmplitude;
  Tile a(20, 30, device::IdealParams(), pw, 5, 0), b(20, 30, device::IdealParams(), amp, 5, 0);
  a.Program(w, 0.0);
  b.Program(w, 0.0);
  Matrix ya, yb, da, db;
  a.Forward(x, ya);
  b.Forward(x, yb);
  a.Backward(d, da);
  b.Backward(d, db);
  EXPECT_TRUE((ya.array() == yb.array()).all());
  EXPECT_TRUE((da.array() == db.array()).all());
}

TEST(TileEncoding, AmplitudeEncodingFollowsTheSinhLawOnTheAmorphousShare) {
  const double u = 0.2 / 0.25;
  for (double k : {0.0, 9.0}) {
    const Matrix w = RandomMatrix(16, 24, 4), x = RandomMatrix(24, 5, 5);
    TileOptions amp = IdealOptions(), pw = IdealOptions();
    amp.input_encoding = device::InputEncoding::kAmplitude;
    Tile t(16, 24, SinhIdeal(k), amp, 7, 0), lin(16, 24, SinhIdeal(k), pw, 7, 0);
    t.Program(w, 0.0);
    lin.Program(w, 0.0);
    Matrix y, y_lin;
    t.Forward(x, y);
    lin.Forward(x, y_lin);
    // The tile normalises each input column by max|x| (noise management) before the DAC.
    const double s = 1.0 / (1.0 + k);
    Matrix xe(x.rows(), x.cols());
    for (Index b = 0; b < x.cols(); ++b) {
      const float m = x.col(b).cwiseAbs().maxCoeff();
      for (Index j = 0; j < x.rows(); ++j) {
        const double v = x(j, b) / m;
        xe(j, b) = static_cast<float>(m * ((1 - s) * v + s * std::sinh(v * u) / std::sinh(u)));
      }
    }
    const Matrix expect = w * xe;
    EXPECT_LT(MaxScaledError(y, expect, w, x), 64 * std::numeric_limits<float>::epsilon()) << "k " << k;
    // A real distortion, diluted by the projection: |y - y_lin| scales with s.
    const double dist = (y - y_lin).cwiseAbs().maxCoeff();
    EXPECT_GT(dist, 1e-3 * s * y_lin.cwiseAbs().maxCoeff()) << "k " << k;
  }
}

}  // namespace
}  // namespace pcmsim::crossbar
