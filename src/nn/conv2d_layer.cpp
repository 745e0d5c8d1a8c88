// Convolution by im2col: one backend GEMM over all output pixels of the batch, with the
// patches as columns or (a backend that takes batch rows) as rows; or, on a backend that
// takes images, by its direct convolution.
#include "pcmsim/nn/conv2d_layer.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "pcmsim/core/batch_rows.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim::nn {

Window Window::Of(const LayerSpec& spec, const TensorShape& in, const TensorShape& out) {
  Window w;
  w.in = in;
  w.kernel = spec.kernel;
  w.stride = EffectiveStride(spec);
  w.padding = spec.padding;
  w.out_h = out.height;
  w.out_w = out.width;
  return w;
}

namespace {
constexpr Index kSampleGrain = 4;  // samples per parallel chunk (fixed: bits independent of threads)
// Batch rows pay only for thin layers: with fewer output channels than the 16 rows of
// Eigen's smallest full register kernel, Eigen's column-shape products are slow (conv1 of
// LeNet, 6 channels: the layer 2.3-2.9x faster in rows); from 16 on they are not, and the
// rows' im2col / col2im of short output rows cost more (conv2, 16 channels on 10 x 10
// pixels: 1.2x slower in rows). bench_cnn_speed, 2026-12-04. Since then a stride-1 layer on
// a backend that takes images skips patches altogether (direct_): the rows are left to
// strided thin layers.
constexpr Index kRowsBelowChannels = 16;

// One sample's input with `padding` zeros around each channel (C x Hp x Wp), so that every
// window lies inside it: the copy loops below need no bounds tests. Without padding the
// input itself is used. `buffer` is the calling thread's scratch (grown, never shrunk).
const float* PaddedInput(const Window& w, const float* xb, std::vector<float>& buffer) {
  const Index p = w.padding;
  if (p == 0) return xb;
  const Index plane = (w.in.height + 2 * p) * (w.in.width + 2 * p);
  buffer.resize(static_cast<std::size_t>(w.in.channels * plane));
  PadImage(xb, w.in.channels, w.in.height, w.in.width, p, plane, buffer.data());
  return buffer.data();
}

// The patch columns of one sample from its padded input; kK > 0 fixes the kernel size at
// compile time (the common 3 and 5: the row copies unroll), 0 reads it from w.
template <int kK>
void Im2ColSample(const Window& w, const float* padded, float* dst, Index rows, bool ones_row) {
  const Index K = kK > 0 ? kK : w.kernel, C = w.in.channels, s = w.stride;
  const Index Hp = w.in.height + 2 * w.padding, Wp = w.in.width + 2 * w.padding;
  for (Index oy = 0; oy < w.out_h; ++oy) {
    for (Index ox = 0; ox < w.out_w; ++ox, dst += rows) {
      float* d = dst;
      for (Index c = 0; c < C; ++c) {
        const float* src = padded + (c * Hp + oy * s) * Wp + ox * s;
        for (Index ky = 0; ky < K; ++ky, src += Wp, d += K) {
          for (Index kx = 0; kx < K; ++kx) d[kx] = src[kx];
        }
      }
      if (ones_row) *d = 1.0f;
    }
  }
}

// The adjoint for one sample: adds every patch column onto the padded input gradient `acc`
// (zeroed by the caller). The pixels are visited in raster order, so every input element
// receives its terms in raster order of the output pixels, as a plain scatter would.
template <int kK>
void Col2ImSample(const Window& w, const float* src, float* acc, Index rows) {
  const Index K = kK > 0 ? kK : w.kernel, C = w.in.channels, s = w.stride;
  const Index Hp = w.in.height + 2 * w.padding, Wp = w.in.width + 2 * w.padding;
  for (Index oy = 0; oy < w.out_h; ++oy) {
    for (Index ox = 0; ox < w.out_w; ++ox, src += rows) {
      const float* q = src;
      for (Index c = 0; c < C; ++c) {
        float* a = acc + (c * Hp + oy * s) * Wp + ox * s;
        for (Index ky = 0; ky < K; ++ky, a += Wp, q += K) {
          for (Index kx = 0; kx < K; ++kx) a[kx] += q[kx];
        }
      }
    }
  }
}

// Im2ColSample's transpose: tap t of the sample's patches is the `pixels` floats from
// col_base + t * n (n: rows of the whole patch matrix), one run of out_w per output row.
template <int kK>
void Im2ColRowsSample(const Window& w, const float* padded, float* col_base, Index n, bool ones_column) {
  const Index K = kK > 0 ? kK : w.kernel, C = w.in.channels, s = w.stride;
  const Index Hp = w.in.height + 2 * w.padding, Wp = w.in.width + 2 * w.padding, ow = w.out_w;
  float* col = col_base;
  for (Index c = 0; c < C; ++c) {
    for (Index ky = 0; ky < K; ++ky) {
      for (Index kx = 0; kx < K; ++kx, col += n) {
        for (Index oy = 0; oy < w.out_h; ++oy) {
          const float* __restrict src = padded + (c * Hp + oy * s + ky) * Wp + kx;
          float* __restrict dst = col + oy * ow;
          if (s == 1) {
            for (Index ox = 0; ox < ow; ++ox) dst[ox] = src[ox];  // short rows: no memcpy call
          } else {
            for (Index ox = 0; ox < ow; ++ox) dst[ox] = src[ox * s];
          }
        }
      }
    }
  }
  if (ones_column) std::fill(col, col + w.Pixels(), 1.0f);
}

// Col2ImSample from transposed patches. The taps are visited last kernel row and column
// first: an input element's terms then come from its output pixels in raster order, the
// order of Col2ImSample, so the two give the same bits.
template <int kK>
void Col2ImRowsSample(const Window& w, const float* col_base, Index n, float* acc) {
  const Index K = kK > 0 ? kK : w.kernel, C = w.in.channels, s = w.stride;
  const Index Hp = w.in.height + 2 * w.padding, Wp = w.in.width + 2 * w.padding, ow = w.out_w;
  for (Index c = 0; c < C; ++c) {
    for (Index ky = K - 1; ky >= 0; --ky) {
      for (Index kx = K - 1; kx >= 0; --kx) {
        const float* col = col_base + ((c * K + ky) * K + kx) * n;
        for (Index oy = 0; oy < w.out_h; ++oy) {
          float* __restrict a = acc + (c * Hp + oy * s + ky) * Wp + kx;
          const float* __restrict src = col + oy * ow;
          if (s == 1) {
            for (Index ox = 0; ox < ow; ++ox) a[ox] += src[ox];
          } else {
            for (Index ox = 0; ox < ow; ++ox) a[ox * s] += src[ox];
          }
        }
      }
    }
  }
}

template <typename F>
void DispatchKernel(Index k, F&& f) {
  switch (k) {
    case 5:
      return f(std::integral_constant<int, 5>{});
    case 3:
      return f(std::integral_constant<int, 3>{});
    default:
      return f(std::integral_constant<int, 0>{});
  }
}

}  // namespace

namespace {

// Calls sample(b, padded input of b, k) for every sample of x, in parallel chunks of
// samples; k is the kernel size as DispatchKernel gives it.
template <typename F>
void ForEachPaddedSample(const Window& w, const Matrix& x, F&& sample) {
  PCMSIM_CHECK(x.rows() == w.in.Size(), "im2col input has ", x.rows(), " rows, expected ", w.in.Size());
  ParallelFor(x.cols(), kSampleGrain, [&](Index b0, Index b1) {
    thread_local std::vector<float> buffer;
    DispatchKernel(w.kernel, [&](auto k) {
      for (Index b = b0; b < b1; ++b) sample(b, PaddedInput(w, x.data() + b * x.rows(), buffer), k);
    });
  });
}

// dx (in.Size() x batch) from add(b, acc, k), which adds sample b's patch terms onto its
// zeroed padded gradient acc; the padding is dropped afterwards.
template <typename F>
void GatherPaddedSamples(const Window& w, Index batch, Matrix& dx, F&& add) {
  const Index p = w.padding, C = w.in.channels, H = w.in.height, W = w.in.width, Hp = H + 2 * p, Wp = W + 2 * p;
  dx.resize(w.in.Size(), batch);
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    thread_local std::vector<float> buffer;
    DispatchKernel(w.kernel, [&](auto k) {
      for (Index b = b0; b < b1; ++b) {
        float* xb = dx.data() + b * dx.rows();
        float* acc = xb;  // without padding the sample's column is the accumulator
        if (p > 0) {
          buffer.assign(static_cast<std::size_t>(C * Hp * Wp), 0.0f);
          acc = buffer.data();
        } else {
          std::fill(xb, xb + dx.rows(), 0.0f);
        }
        add(b, acc, k);
        if (p == 0) continue;
        for (Index c = 0; c < C; ++c) {
          for (Index iy = 0; iy < H; ++iy) {
            std::memcpy(xb + (c * H + iy) * W, acc + (c * Hp + iy + p) * Wp + p,
                        static_cast<std::size_t>(W) * sizeof(float));
          }
        }
      }
    });
  });
}

}  // namespace

void Im2Col(const Window& w, const Matrix& x, Matrix& patches, bool ones_row) {
  const Index pixels = w.Pixels(), rows = w.PatchRows() + (ones_row ? 1 : 0);
  patches.resize(rows, x.cols() * pixels);
  ForEachPaddedSample(w, x, [&](Index b, const float* padded, auto k) {
    Im2ColSample<decltype(k)::value>(w, padded, patches.data() + b * pixels * rows, rows, ones_row);
  });
}

void Im2ColRows(const Window& w, const Matrix& x, Matrix& patches_t, bool ones_column) {
  const Index pixels = w.Pixels(), n = x.cols() * pixels;
  patches_t.resize(n, w.PatchRows() + (ones_column ? 1 : 0));
  ForEachPaddedSample(w, x, [&](Index b, const float* padded, auto k) {
    Im2ColRowsSample<decltype(k)::value>(w, padded, patches_t.data() + b * pixels, n, ones_column);
  });
}

void Col2Im(const Window& w, const Matrix& patches, Index batch, Matrix& dx) {
  const Index pixels = w.Pixels(), rows = patches.rows();
  PCMSIM_CHECK((rows == w.PatchRows() || rows == w.PatchRows() + 1) && patches.cols() == batch * pixels, "col2im of a ",
               patches.rows(), "x", patches.cols(), " patch matrix");
  GatherPaddedSamples(w, batch, dx, [&](Index b, float* acc, auto k) {
    Col2ImSample<decltype(k)::value>(w, patches.data() + b * pixels * rows, acc, rows);
  });
}

void Col2ImRows(const Window& w, const Matrix& patches_t, Index batch, Matrix& dx) {
  const Index pixels = w.Pixels(), cols = patches_t.cols(), n = patches_t.rows();
  PCMSIM_CHECK((cols == w.PatchRows() || cols == w.PatchRows() + 1) && n == batch * pixels, "col2im of a ", n, "x",
               cols, " transposed patch matrix");
  GatherPaddedSamples(w, batch, dx, [&](Index b, float* acc, auto k) {
    Col2ImRowsSample<decltype(k)::value>(w, patches_t.data() + b * pixels, n, acc);
  });
}

namespace {
ImageConv ImageConvOf(const Window& w, const LayerSpec& spec) {
  ImageConv g;
  g.channels = w.in.channels;
  g.height = w.in.height;
  g.width = w.in.width;
  g.kernel = w.kernel;
  g.padding = w.padding;
  g.out_channels = spec.out_channels;
  g.ones_column = !spec.digital_bias;
  return g;
}
}  // namespace

Conv2dLayer::Conv2dLayer(LayerSpec spec, TensorShape input, TensorShape output, BackendPtr backend)
    : WeightedLayer(spec, input, output, std::move(backend)),
      window_(Window::Of(spec, input, output)),
      image_(ImageConvOf(window_, spec)),
      direct_(this->backend().TakesImages() && window_.stride == 1),
      rows_(!direct_ && this->backend().TakesBatchRows() && spec.out_channels < kRowsBelowChannels) {
  if (Inputs() != window_.PatchRows() || this->backend().Outputs() != spec.out_channels) {
    throw DimensionError(StrCat("conv2d layer needs a ", spec.out_channels, "x", window_.PatchRows(), " backend, got ",
                                this->backend().Outputs(), "x", this->backend().Inputs()));
  }
}

void Conv2dLayer::Forward(const Matrix& x, Matrix& y, Pass pass) {
  const Index batch = x.cols(), pixels = window_.Pixels(), oc = Spec().out_channels;
  if (direct_) {
    backend().ForwardImages(image_, x, y, pass);
    if (!MatrixBias()) {
      const Vector& b = bias();
      ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
        for (Index s = b0; s < b1; ++s) {
          Eigen::Map<Matrix>(y.data() + s * y.rows(), pixels, oc).rowwise() += b.transpose();
        }
      });
    }
    ApplyActivation(activation(), y);
    return;
  }
  if (rows_) {
    Im2ColRows(window_, x, patches_, MatrixBias());
    backend().ForwardRows(patches_, cols_, pass);
  } else {
    Im2Col(window_, x, patches_, MatrixBias());
    backend().Forward(patches_, cols_, pass);
  }
  // cols_(o, b * pixels + p) (rows: its transpose) + bias(o) -> y(o * pixels + p, b)
  y.resize(oc * pixels, batch);
  static const Vector kNone;
  const Vector& b = MatrixBias() ? kNone : bias();  // matrix bias: already in cols_
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    for (Index s = b0; s < b1; ++s) {
      Eigen::Map<Matrix> ys(y.data() + s * y.rows(), pixels, oc);
      if (rows_) {
        ys = cols_.middleRows(s * pixels, pixels);
        if (b.size() != 0) ys.rowwise() += b.transpose();
        continue;
      }
      const Eigen::Map<const Matrix> cs(cols_.data() + s * pixels * oc, oc, pixels);
      if (b.size() == 0) {
        ys.noalias() = cs.transpose();
      } else {
        ys.noalias() = (cs.colwise() + b).transpose();
      }
    }
  });
  ApplyActivation(activation(), y);
}

void Conv2dLayer::Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) {
  const Index batch = dy.cols(), pixels = window_.Pixels(), oc = Spec().out_channels;
  ActivationBackward(activation(), y, dy);
  if (direct_) {
    if (dx != nullptr) backend().BackwardImages(image_, dy, *dx);
    Vector sums;
    backend().UpdateImages(image_, x, dy, step, sums);
    if (!MatrixBias()) StepBias(sums, step);
    return;
  }
  if (rows_) {
    dcols_.resize(batch * pixels, oc);
  } else {
    dcols_.resize(oc, batch * pixels);
  }
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    for (Index s = b0; s < b1; ++s) {
      const float* ds = dy.data() + s * dy.rows();
      if (rows_) {
        dcols_.middleRows(s * pixels, pixels) = Eigen::Map<const Matrix>(ds, pixels, oc);
        continue;
      }
      for (Index p = 0; p < pixels; ++p) {
        float* c = dcols_.data() + (s * pixels + p) * oc;
        for (Index o = 0; o < oc; ++o) c[o] = ds[o * pixels + p];
      }
    }
  });
  if (rows_) {
    if (dx != nullptr) {
      backend().BackwardRows(dcols_, dpatches_);
      Col2ImRows(window_, dpatches_, batch, *dx);
    }
    backend().UpdateRows(patches_, dcols_, step);
    if (!MatrixBias()) {
      Vector sums;
      ColumnSums(dcols_, sums);
      StepBias(sums, step);
    }
    return;
  }
  if (dx != nullptr) {
    backend().Backward(dcols_, dpatches_);
    Col2Im(window_, dpatches_, batch, *dx);
  }
  backend().Update(patches_, dcols_, step);
  if (!MatrixBias()) UpdateBias(dcols_, step);
}

}  // namespace pcmsim::nn
