// Convolution by im2col: one backend GEMM over all output pixels of the batch.
#include "pcmsim/nn/conv2d_layer.hpp"

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
}

void Im2Col(const Window& w, const Matrix& x, Matrix& patches, bool ones_row) {
  const Index batch = x.cols(), pixels = w.Pixels(), rows = w.PatchRows() + (ones_row ? 1 : 0);
  const Index C = w.in.channels, H = w.in.height, W = w.in.width, K = w.kernel;
  PCMSIM_CHECK(x.rows() == w.in.Size(), "im2col input has ", x.rows(), " rows, expected ", w.in.Size());
  patches.resize(rows, batch * pixels);
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    for (Index b = b0; b < b1; ++b) {
      const float* xb = x.data() + b * x.rows();
      for (Index oy = 0; oy < w.out_h; ++oy) {
        for (Index ox = 0; ox < w.out_w; ++ox) {
          float* dst = patches.data() + (b * pixels + oy * w.out_w + ox) * rows;
          const Index y0 = oy * w.stride - w.padding, x0 = ox * w.stride - w.padding;
          const bool inside_x = x0 >= 0 && x0 + K <= W;  // the common case: a plain copy per row
          for (Index c = 0; c < C; ++c) {
            const float* xc = xb + c * H * W;
            for (Index ky = 0; ky < K; ++ky) {
              const Index iy = y0 + ky;
              if (iy < 0 || iy >= H) {
                for (Index kx = 0; kx < K; ++kx) *dst++ = 0.0f;
                continue;
              }
              const float* row = xc + iy * W;
              if (inside_x) {
                for (Index kx = 0; kx < K; ++kx) dst[kx] = row[x0 + kx];
                dst += K;
                continue;
              }
              for (Index kx = 0; kx < K; ++kx) {
                const Index ix = x0 + kx;
                *dst++ = ix >= 0 && ix < W ? row[ix] : 0.0f;
              }
            }
          }
          if (ones_row) *dst = 1.0f;
        }
      }
    }
  });
}

void Col2Im(const Window& w, const Matrix& patches, Index batch, Matrix& dx) {
  const Index pixels = w.Pixels(), rows = patches.rows();
  const Index C = w.in.channels, H = w.in.height, W = w.in.width, K = w.kernel;
  PCMSIM_CHECK((rows == w.PatchRows() || rows == w.PatchRows() + 1) && patches.cols() == batch * pixels,
               "col2im of a ", patches.rows(), "x",
               patches.cols(), " patch matrix");
  dx.setZero(w.in.Size(), batch);
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    for (Index b = b0; b < b1; ++b) {
      float* xb = dx.data() + b * dx.rows();
      for (Index oy = 0; oy < w.out_h; ++oy) {
        for (Index ox = 0; ox < w.out_w; ++ox) {
          const float* src = patches.data() + (b * pixels + oy * w.out_w + ox) * rows;
          const Index y0 = oy * w.stride - w.padding, x0 = ox * w.stride - w.padding;
          const bool inside_x = x0 >= 0 && x0 + K <= W;
          for (Index c = 0; c < C; ++c) {
            float* xc = xb + c * H * W;
            for (Index ky = 0; ky < K; ++ky) {
              const Index iy = y0 + ky;
              if (iy < 0 || iy >= H) {
                src += K;
                continue;
              }
              float* row = xc + iy * W;
              if (inside_x) {  // same additions in the same order, without the bounds tests
                for (Index kx = 0; kx < K; ++kx) row[x0 + kx] += src[kx];
                src += K;
                continue;
              }
              for (Index kx = 0; kx < K; ++kx, ++src) {
                const Index ix = x0 + kx;
                if (ix >= 0 && ix < W) row[ix] += *src;
              }
            }
          }
        }
      }
    }
  });
}

Conv2dLayer::Conv2dLayer(LayerSpec spec, TensorShape input, TensorShape output, BackendPtr backend)
    : WeightedLayer(spec, input, output, std::move(backend)), window_(Window::Of(spec, input, output)) {
  if (Inputs() != window_.PatchRows() || this->backend().Outputs() != spec.out_channels) {
    throw DimensionError(StrCat("conv2d layer needs a ", spec.out_channels, "x", window_.PatchRows(), " backend, got ",
                                this->backend().Outputs(), "x", this->backend().Inputs()));
  }
}

void Conv2dLayer::Forward(const Matrix& x, Matrix& y, Pass pass) {
  const Index batch = x.cols(), pixels = window_.Pixels(), oc = Spec().out_channels;
  Im2Col(window_, x, patches_, MatrixBias());
  backend().Forward(patches_, cols_, pass);
  // cols_(o, b * pixels + p) + bias(o) -> y(o * pixels + p, b)
  y.resize(oc * pixels, batch);
  static const Vector kNone;
  const Vector& b = MatrixBias() ? kNone : bias();  // matrix bias: already in cols_
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    for (Index s = b0; s < b1; ++s) {
      float* ys = y.data() + s * y.rows();
      for (Index p = 0; p < pixels; ++p) {
        const float* c = cols_.data() + (s * pixels + p) * oc;
        if (b.size() == 0) {
          for (Index o = 0; o < oc; ++o) ys[o * pixels + p] = c[o];
        } else {
          for (Index o = 0; o < oc; ++o) ys[o * pixels + p] = c[o] + b[o];
        }
      }
    }
  });
  ApplyActivation(activation(), y);
}

void Conv2dLayer::Backward(const Matrix&, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) {
  const Index batch = dy.cols(), pixels = window_.Pixels(), oc = Spec().out_channels;
  ActivationBackward(activation(), y, dy);
  dcols_.resize(oc, batch * pixels);
  ParallelFor(batch, kSampleGrain, [&](Index b0, Index b1) {
    for (Index s = b0; s < b1; ++s) {
      const float* ds = dy.data() + s * dy.rows();
      for (Index p = 0; p < pixels; ++p) {
        float* c = dcols_.data() + (s * pixels + p) * oc;
        for (Index o = 0; o < oc; ++o) c[o] = ds[o * pixels + p];
      }
    }
  });
  if (dx != nullptr) {
    backend().Backward(dcols_, dpatches_);
    Col2Im(window_, dpatches_, batch, *dx);
  }
  backend().Update(patches_, dcols_, step);
  if (!MatrixBias()) UpdateBias(dcols_, step);
}

}  // namespace pcmsim::nn
