// Stride-1 convolution on wide rows (direct_conv.hpp).
#include "pcmsim/core/direct_conv.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "lanes.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim {

namespace {

using lanes::FusedMulAdd;
using lanes::kLanes;
using lanes::Lanes;
using lanes::Load;
using lanes::Store;
using lanes::TreeSum;
using lanes::WithBlockSize;

constexpr Index kSampleGrain = 4;  // samples per parallel chunk of the forward and input gradient
constexpr int kWideVectors = 4;  // wide positions are computed 4 x 16 at a time (the tail 16 at a time)
constexpr Index kChannelBlock = 6;        // channels per register block
constexpr int kTapBlock = 3;              // taps per register block of the weight gradient

Index RoundUp(Index n, Index to) { return (n + to - 1) / to * to; }

// The wide-row geometry of one ImageConv (direct_conv.hpp's layout).
struct WideRows {
  Index C, M, K, H, W, p, Hp, Wp, OH, OW;
  Index Q;  // wide output positions computed: OH * Wp rounded up to 16
  Index R;  // wide input positions of the input gradient: Hp * Wp rounded up to 16
  Index L;  // stride of the padded input planes: room for every tap's shifted read of Q
  Index F;  // zeros before the first wide output of a dy plane: room for the adjoint's reads
  Index D;  // stride of the dy planes
  std::vector<Index> tap;  // tap t = (c, ky, kx): offset c * L + ky * Wp + kx

  explicit WideRows(const ImageConv& g)
      : C(g.channels), M(g.out_channels), K(g.kernel), H(g.height), W(g.width), p(g.padding),
        Hp(H + 2 * p), Wp(W + 2 * p), OH(g.OutHeight()), OW(g.OutWidth()) {
    const Index reach = (K - 1) * Wp + (K - 1);  // the largest tap shift
    Q = RoundUp(OH * Wp, kLanes);
    R = RoundUp(Hp * Wp, kLanes);
    L = RoundUp(std::max(Hp * Wp, Q + reach), kLanes);
    F = RoundUp(reach, kLanes);
    D = F + std::max(Q, R);
    for (Index c = 0; c < C; ++c) {
      for (Index ky = 0; ky < K; ++ky) {
        for (Index kx = 0; kx < K; ++kx) tap.push_back(c * L + ky * Wp + kx);
      }
    }
  }

  Index PaddedSize() const { return C * L; }
  Index WideGradientSize() const { return M * D; }

  // Sample s of x as zero-padded planes (C planes of L) at out.
  void PaddedInput(const Matrix& x, Index s, float* out) const {
    PadImage(x.data() + s * x.rows(), C, H, W, p, L, out);
  }

  // Sample s of dy on wide rows (M planes of D, output q at F + q) at out, zeros elsewhere.
  void WideGradient(const Matrix& dy, Index s, float* out) const {
    std::fill(out, out + WideGradientSize(), 0.0f);
    const float* ds = dy.data() + s * dy.rows();
    for (Index m = 0; m < M; ++m) {
      for (Index oy = 0; oy < OH; ++oy) {
        std::copy(ds + (m * OH + oy) * OW, ds + (m * OH + oy + 1) * OW, out + m * D + F + oy * Wp);
      }
    }
  }
};

// Any of w, x, dy may be null (not an operand of the call).
void CheckShapes(const ImageConv& g, const Matrix* w, const Matrix* x, const Matrix* dy) {
  g.Validate();
  if (w != nullptr && (w->rows() != g.out_channels || w->cols() != g.WeightColumns())) {
    throw DimensionError(StrCat("convolution weights are ", w->rows(), "x", w->cols(), ", expected ", g.out_channels,
                                "x", g.WeightColumns()));
  }
  if (x != nullptr && x->rows() != g.InputSize()) {
    throw DimensionError(StrCat("convolution input has ", x->rows(), " rows, expected ", g.InputSize()));
  }
  if (dy != nullptr && dy->rows() != g.OutputSize()) {
    throw DimensionError(StrCat("convolution output gradient has ", dy->rows(), " rows, expected ", g.OutputSize()));
  }
}

// kM output channels from m0 of one sample at kQ x 16 wide positions from q: out + j * Q is
// channel m0 + j's wide row. The kQ vectors share every weight broadcast.
template <int kM, int kQ>
void ForwardBlock(const WideRows& g, const Matrix& w, Index m0, bool ones, const float* xp, Index q, float* out) {
  const Index taps = static_cast<Index>(g.tap.size()), ld = w.rows();
  const float* wp = w.data() + m0;
  {
    Lanes acc[kQ][kM] = {};
    for (Index t = 0; t < taps; ++t) {
      const float* src = xp + g.tap[t] + q;
      Lanes v[kQ];
      for (int i = 0; i < kQ; ++i) v[i] = Load(src + i * kLanes);
      for (int j = 0; j < kM; ++j) {
        const Lanes wj = Lanes{} + wp[t * ld + j];
        for (int i = 0; i < kQ; ++i) acc[i][j] = FusedMulAdd(v[i], wj, acc[i][j]);
      }
    }
    if (ones) {
      const Lanes one = Lanes{} + 1.0f;
      for (int j = 0; j < kM; ++j) {
        const Lanes wj = Lanes{} + wp[taps * ld + j];
        for (int i = 0; i < kQ; ++i) acc[i][j] = FusedMulAdd(one, wj, acc[i][j]);
      }
    }
    for (int j = 0; j < kM; ++j) {
      for (int i = 0; i < kQ; ++i) Store(out + j * g.Q + q + i * kLanes, acc[i][j]);
    }
  }
}

// All Q wide positions of kM channels from m0.
template <int kM>
void ForwardChannels(const WideRows& g, const Matrix& w, Index m0, bool ones, const float* xp, float* out) {
  Index q = 0;
  for (; q + kWideVectors * kLanes <= g.Q; q += kWideVectors * kLanes) {
    ForwardBlock<kM, kWideVectors>(g, w, m0, ones, xp, q, out);
  }
  for (; q < g.Q; q += kLanes) ForwardBlock<kM, 1>(g, w, m0, ones, xp, q, out);
}

// The weight-gradient sums of the n samples of one chunk (padded inputs xp + k * xs, wide
// gradients dyw + k * ds) added onto the lane accumulators acc (M x taps, column-major):
// kP channels from m0 times kT taps from t0, in registers across the chunk.
template <int kP, int kT>
void GradientBlock(const WideRows& g, const float* xp, Index xs, const float* dyw, Index ds, Index n, Index m0,
                   Index t0, Lanes* acc) {
  Lanes a[kP][kT];
  for (int i = 0; i < kP; ++i) {
    for (int j = 0; j < kT; ++j) a[i][j] = acc[(t0 + j) * g.M + m0 + i];
  }
  for (Index k = 0; k < n; ++k) {
    const float* d0 = dyw + k * ds + m0 * g.D + g.F;
    const float* x0 = xp + k * xs;
    for (Index q = 0; q < g.Q; q += kLanes) {
      Lanes vd[kP];
      for (int i = 0; i < kP; ++i) vd[i] = Load(d0 + i * g.D + q);
      for (int j = 0; j < kT; ++j) {
        const Lanes vx = Load(x0 + g.tap[t0 + j] + q);
        for (int i = 0; i < kP; ++i) a[i][j] = FusedMulAdd(vd[i], vx, a[i][j]);
      }
    }
  }
  for (int i = 0; i < kP; ++i) {
    for (int j = 0; j < kT; ++j) acc[(t0 + j) * g.M + m0 + i] = a[i][j];
  }
}

// GradientBlock over every block, and the lane sums of dy per channel onto dsum (M).
void GradientChunk(const WideRows& g, const float* xp, Index xs, const float* dyw, Index ds, Index n, Lanes* acc,
                   Lanes* dsum) {
  const Index taps = static_cast<Index>(g.tap.size());
  for (Index m0 = 0; m0 < g.M; m0 += kChannelBlock) {
    WithBlockSize<kChannelBlock>(g.M - m0, [&](auto kp) {
      constexpr int kP = decltype(kp)::value;
      Index t0 = 0;
      for (; t0 + kTapBlock <= taps; t0 += kTapBlock) GradientBlock<kP, kTapBlock>(g, xp, xs, dyw, ds, n, m0, t0, acc);
      for (; t0 < taps; ++t0) GradientBlock<kP, 1>(g, xp, xs, dyw, ds, n, m0, t0, acc);
    });
  }
  for (Index m = 0; m < g.M; ++m) {
    Lanes sum = dsum[m];
    for (Index k = 0; k < n; ++k) {
      const float* d = dyw + k * ds + m * g.D + g.F;
      for (Index q = 0; q < g.Q; q += kLanes) sum += Load(d + q);
    }
    dsum[m] = sum;
  }
}

// Input gradient of one sample on wide input rows: out + c * R is channel c's padded plane
// (position (iy + p) * Wp + ix + p is input pixel (iy, ix)).
template <int kC, int kR>
void InputGradientBlock(const WideRows& g, const Matrix& w, Index c0, const float* dyw, Index r, float* out) {
  const Index ld = w.rows(), KK = g.K * g.K;
  {
    Lanes acc[kR][kC] = {};
    for (Index m = 0; m < g.M; ++m) {
      const float* dm = dyw + m * g.D + g.F + r;
      for (Index ky = 0; ky < g.K; ++ky) {
        for (Index kx = 0; kx < g.K; ++kx) {
          const float* src = dm - (ky * g.Wp + kx);
          Lanes v[kR];
          for (int i = 0; i < kR; ++i) v[i] = Load(src + i * kLanes);
          for (int j = 0; j < kC; ++j) {
            const Lanes wj = Lanes{} + w.data()[((c0 + j) * KK + ky * g.K + kx) * ld + m];
            for (int i = 0; i < kR; ++i) acc[i][j] = FusedMulAdd(v[i], wj, acc[i][j]);
          }
        }
      }
    }
    for (int j = 0; j < kC; ++j) {
      for (int i = 0; i < kR; ++i) Store(out + (c0 + j) * g.R + r + i * kLanes, acc[i][j]);
    }
  }
}

template <int kC>
void InputGradientChannels(const WideRows& g, const Matrix& w, Index c0, const float* dyw, float* out) {
  Index r = 0;
  for (; r + kWideVectors * kLanes <= g.R; r += kWideVectors * kLanes) {
    InputGradientBlock<kC, kWideVectors>(g, w, c0, dyw, r, out);
  }
  for (; r < g.R; r += kLanes) InputGradientBlock<kC, 1>(g, w, c0, dyw, r, out);
}

}  // namespace

void ImageConv::Validate() const {
  if (channels < 1 || height < 1 || width < 1 || kernel < 1 || out_channels < 1 || padding < 0) {
    throw DimensionError(StrCat("convolution of ", channels, "x", height, "x", width, " with ", out_channels, "@",
                                kernel, "x", kernel, " padding ", padding, ": sizes must be positive"));
  }
  if (OutHeight() < 1 || OutWidth() < 1) {
    throw DimensionError(StrCat("convolution kernel ", kernel, " is larger than the padded ", height + 2 * padding,
                                "x", width + 2 * padding, " input"));
  }
}

void PadImage(const float* x, Index channels, Index height, Index width, Index padding, Index plane_stride,
              float* out) {
  const Index wp = width + 2 * padding;
  std::fill(out, out + channels * plane_stride, 0.0f);
  for (Index c = 0; c < channels; ++c) {
    for (Index iy = 0; iy < height; ++iy) {
      std::copy(x + (c * height + iy) * width, x + (c * height + iy + 1) * width,
                out + c * plane_stride + (iy + padding) * wp + padding);
    }
  }
}

void DirectConvForward(const ImageConv& conv, const Matrix& w, const Matrix& x, Matrix& y) {
  CheckShapes(conv, &w, &x, nullptr);
  const WideRows g(conv);
  y.resize(conv.OutputSize(), x.cols());
  ParallelFor(x.cols(), kSampleGrain, [&](Index s0, Index s1) {
    thread_local std::vector<float> padded, wide;
    padded.resize(static_cast<std::size_t>(g.PaddedSize()));
    wide.resize(static_cast<std::size_t>(g.M * g.Q));
    const float* xp = padded.data();
    for (Index s = s0; s < s1; ++s) {
      g.PaddedInput(x, s, padded.data());
      for (Index m0 = 0; m0 < g.M; m0 += kChannelBlock) {
        WithBlockSize<kChannelBlock>(g.M - m0, [&](auto km) {
          ForwardChannels<decltype(km)::value>(g, w, m0, conv.ones_column, xp, wide.data() + m0 * g.Q);
        });
      }
      float* ys = y.data() + s * y.rows();
      for (Index m = 0; m < g.M; ++m) {
        for (Index oy = 0; oy < g.OH; ++oy) {
          const float* src = wide.data() + m * g.Q + oy * g.Wp;
          std::copy(src, src + g.OW, ys + (m * g.OH + oy) * g.OW);
        }
      }
    }
  });
}

void DirectConvWeightGradient(const ImageConv& conv, const Matrix& x, const Matrix& dy, Matrix& dw, Vector& sums) {
  CheckShapes(conv, nullptr, &x, &dy);
  if (x.cols() != dy.cols()) {
    throw DimensionError(StrCat("convolution input has ", x.cols(), " samples, its output gradient ", dy.cols()));
  }
  const WideRows g(conv);
  const Index taps = conv.Taps(), cols = conv.WeightColumns(), batch = x.cols();
  const Index chunks = (batch + kConvSampleChunk - 1) / kConvSampleChunk;
  // Each chunk's sums (M x cols, then M for the channel sums) go to their own slot.
  const Index slot = g.M * cols + g.M;
  std::vector<float> partial(static_cast<std::size_t>(chunks * slot));
  ParallelFor(chunks, 1, [&](Index c0, Index c1) {
    // the chunk's samples side by side: padded inputs and wide gradients
    thread_local std::vector<float> padded, wide;
    padded.resize(static_cast<std::size_t>(kConvSampleChunk * g.PaddedSize()));
    wide.resize(static_cast<std::size_t>(kConvSampleChunk * g.WideGradientSize()));
    std::vector<Lanes> acc(static_cast<std::size_t>(g.M * taps)), dsum(static_cast<std::size_t>(g.M));
    for (Index ch = c0; ch < c1; ++ch) {
      std::fill(acc.begin(), acc.end(), Lanes{});
      std::fill(dsum.begin(), dsum.end(), Lanes{});
      const Index first = ch * kConvSampleChunk, n = std::min(batch, first + kConvSampleChunk) - first;
      for (Index k = 0; k < n; ++k) {
        g.PaddedInput(x, first + k, padded.data() + k * g.PaddedSize());
        g.WideGradient(dy, first + k, wide.data() + k * g.WideGradientSize());
      }
      GradientChunk(g, padded.data(), g.PaddedSize(), wide.data(), g.WideGradientSize(), n, acc.data(), dsum.data());
      float* out = partial.data() + ch * slot;
      for (Index i = 0; i < g.M * taps; ++i) out[i] = TreeSum(acc[static_cast<std::size_t>(i)]);
      for (Index m = 0; m < g.M; ++m) {
        out[g.M * cols + m] = TreeSum(dsum[static_cast<std::size_t>(m)]);
        if (conv.ones_column) out[taps * g.M + m] = out[g.M * cols + m];
      }
    }
  });
  dw.setZero(g.M, cols);
  sums.setZero(g.M);
  for (Index ch = 0; ch < chunks; ++ch) {
    const float* out = partial.data() + ch * slot;
    dw += Eigen::Map<const Matrix>(out, g.M, cols);
    sums += Eigen::Map<const Vector>(out + g.M * cols, g.M);
  }
}

void DirectConvInputGradient(const ImageConv& conv, const Matrix& w, const Matrix& dy, Matrix& dx) {
  CheckShapes(conv, &w, nullptr, &dy);
  const WideRows g(conv);
  dx.resize(conv.InputSize(), dy.cols());
  ParallelFor(dy.cols(), kSampleGrain, [&](Index s0, Index s1) {
    thread_local std::vector<float> wide, planes;
    wide.resize(static_cast<std::size_t>(g.WideGradientSize()));
    planes.resize(static_cast<std::size_t>(g.C * g.R));
    const float* dyw = wide.data();
    for (Index s = s0; s < s1; ++s) {
      g.WideGradient(dy, s, wide.data());
      for (Index c0 = 0; c0 < g.C; c0 += kChannelBlock) {
        WithBlockSize<kChannelBlock>(g.C - c0, [&](auto kc) {
          InputGradientChannels<decltype(kc)::value>(g, w, c0, dyw, planes.data());
        });
      }
      float* xs = dx.data() + s * dx.rows();
      for (Index c = 0; c < g.C; ++c) {
        for (Index iy = 0; iy < g.H; ++iy) {
          const float* src = planes.data() + c * g.R + (iy + g.p) * g.Wp + g.p;
          std::copy(src, src + g.W, xs + (c * g.H + iy) * g.W);
        }
      }
    }
  });
}

}  // namespace pcmsim
