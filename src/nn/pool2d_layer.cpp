// Max pooling (remembers the winning input of every output) and average pooling.
#include "pcmsim/nn/pool2d_layer.hpp"

#include <limits>

#include "pcmsim/core/parallel.hpp"

namespace pcmsim::nn {

Pool2dLayer::Pool2dLayer(LayerSpec spec, TensorShape input, TensorShape output)
    : Layer(spec, input, output), max_(spec.kind == LayerKind::kMaxPool2d), window_(Window::Of(spec, input, output)) {}

void Pool2dLayer::Forward(const Matrix& x, Matrix& y, Pass) {
  const Window& w = window_;
  const Index batch = x.cols(), C = w.in.channels, H = w.in.height, W = w.in.width, K = w.kernel;
  const Index pixels = w.Pixels();
  y.resize(C * pixels, batch);
  if (max_) argmax_.resize(y.rows(), batch);
  const float inv_area = 1.0f / static_cast<float>(K * K);
  ParallelFor(batch, 4, [&](Index b0, Index b1) {
    for (Index b = b0; b < b1; ++b) {
      const float* xb = x.data() + b * x.rows();
      for (Index c = 0; c < C; ++c) {
        for (Index oy = 0; oy < w.out_h; ++oy) {
          for (Index ox = 0; ox < w.out_w; ++ox) {
            const Index y0 = oy * w.stride - w.padding, x0 = ox * w.stride - w.padding;
            float best = -std::numeric_limits<float>::infinity(), sum = 0.0f;
            Index arg = -1;
            for (Index ky = 0; ky < K; ++ky) {
              const Index iy = y0 + ky;
              if (iy < 0 || iy >= H) continue;
              for (Index kx = 0; kx < K; ++kx) {
                const Index ix = x0 + kx;
                if (ix < 0 || ix >= W) continue;
                const Index idx = (c * H + iy) * W + ix;
                const float v = xb[idx];
                sum += v;
                if (v > best || arg < 0) {
                  best = v;
                  arg = idx;
                }
              }
            }
            const Index o = c * pixels + oy * w.out_w + ox;
            if (max_) {
              y(o, b) = best;
              argmax_(o, b) = static_cast<std::int32_t>(arg);
            } else {
              y(o, b) = sum * inv_area;
            }
          }
        }
      }
    }
  });
}

void Pool2dLayer::Backward(const Matrix&, const Matrix&, Matrix& dy, Matrix* dx, const SgdStep&) {
  if (dx == nullptr) return;
  const Window& w = window_;
  const Index batch = dy.cols(), C = w.in.channels, H = w.in.height, W = w.in.width, K = w.kernel;
  const Index pixels = w.Pixels();
  dx->setZero(w.in.Size(), batch);
  const float inv_area = 1.0f / static_cast<float>(K * K);
  ParallelFor(batch, 4, [&](Index b0, Index b1) {
    for (Index b = b0; b < b1; ++b) {
      float* xb = dx->data() + b * dx->rows();
      for (Index c = 0; c < C; ++c) {
        for (Index oy = 0; oy < w.out_h; ++oy) {
          for (Index ox = 0; ox < w.out_w; ++ox) {
            const Index o = c * pixels + oy * w.out_w + ox;
            const float g = dy(o, b);
            if (max_) {
              xb[argmax_(o, b)] += g;
              continue;
            }
            const Index y0 = oy * w.stride - w.padding, x0 = ox * w.stride - w.padding;
            for (Index ky = 0; ky < K; ++ky) {
              const Index iy = y0 + ky;
              if (iy < 0 || iy >= H) continue;
              for (Index kx = 0; kx < K; ++kx) {
                const Index ix = x0 + kx;
                if (ix >= 0 && ix < W) xb[(c * H + iy) * W + ix] += g * inv_area;
              }
            }
          }
        }
      }
    }
  });
}

}  // namespace pcmsim::nn
