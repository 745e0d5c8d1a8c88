// Max pooling (remembers the winning input of every output) and average pooling.
#include "pcmsim/nn/pool2d_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "pcmsim/core/parallel.hpp"

namespace pcmsim::nn {

Pool2dLayer::Pool2dLayer(LayerSpec spec, TensorShape input, TensorShape output)
    : Layer(spec, input, output), max_(spec.kind == LayerKind::kMaxPool2d), window_(Window::Of(spec, input, output)) {}

namespace {

// The window of output (oy, ox) clipped to the input: rows [y0, y1), columns [x0, x1). A
// window always holds at least one input (padding < kernel, LayerSpec validation).
struct Clip {
  Index y0, y1, x0, x1;
};

Clip ClipWindow(const Window& w, Index oy, Index ox) {
  const Index y = oy * w.stride - w.padding, x = ox * w.stride - w.padding;
  return {std::max<Index>(y, 0), std::min(y + w.kernel, w.in.height), std::max<Index>(x, 0),
          std::min(x + w.kernel, w.in.width)};
}

// The first largest of rows x cols inputs from plane + at0 (row stride W) in raster order
// (a later equal input does not replace it; a NaN only wins in first place), and its index
// in the plane. Selects, no branches. (Returning the offset from at0 instead measured 3.7x
// slower on 6x28x28: GCC then vectorises the loop over the outputs with gathers.)
template <typename Rows, typename Cols>
inline float MaxOfWindow(const float* plane, Index at0, Rows rows, Cols cols, Index W, Index& at) {
  const float* p = plane + at0;
  float best = p[0];
  at = at0;
  for (Index r = 0; r < rows; ++r) {
    for (Index k = 0; k < cols; ++k) {
      const float v = p[r * W + k];
      const bool larger = v > best;
      best = larger ? v : best;
      at = larger ? at0 + r * W + k : at;
    }
  }
  return best;
}

// 0 plus the rows x cols inputs from p (row stride W) in raster order.
template <typename Rows, typename Cols>
inline float SumOfWindow(const float* p, Rows rows, Cols cols, Index W) {
  float sum = 0.0f;
  for (Index r = 0; r < rows; ++r) {
    for (Index k = 0; k < cols; ++k) sum += p[r * W + k];
  }
  return sum;
}

// Calls f(o, at0, rows, cols) for every output o = oy * out_w + ox of one channel in raster
// order: its window's first input is at index at0 of the channel's plane and it covers rows
// x cols inputs (clipped to the input). For windows inside the input, rows and cols are
// std::integral_constant<Index, kK> when kK > 0 (the common kernels 2 and 3: the loops over
// the window unroll), the border windows pass plain numbers.
template <int kK, typename F>
void ForEachWindow(const Window& w, F&& f) {
  const Index W = w.in.width, s = w.stride, pad = w.padding;
  const auto inside = [&] {  // the inside windows' side: a compile-time constant for kK > 0
    if constexpr (kK > 0) {
      return std::integral_constant<Index, kK>{};
    } else {
      return w.kernel;
    }
  }();
  const Index K = inside;
  // output columns [ox0, ox1) have windows inside the input's columns
  const Index ox0 = std::min(w.out_w, (pad + s - 1) / s);
  const Index ox1 = std::max(ox0, std::min(w.out_w, (W - K + pad) / s + 1));
  for (Index oy = 0; oy < w.out_h; ++oy) {
    const Index y = oy * s - pad, o = oy * w.out_w;
    const auto border = [&](Index ox) {
      const Clip c = ClipWindow(w, oy, ox);
      f(o + ox, c.y0 * W + c.x0, c.y1 - c.y0, c.x1 - c.x0);
    };
    if (y < 0 || y + K > w.in.height) {
      for (Index ox = 0; ox < w.out_w; ++ox) border(ox);
      continue;
    }
    for (Index ox = 0; ox < ox0; ++ox) border(ox);
    for (Index ox = ox0; ox < ox1; ++ox) f(o + ox, y * W + ox * s - pad, inside, inside);
    for (Index ox = ox1; ox < w.out_w; ++ox) border(ox);
  }
}

template <typename F>
void ForEachWindowAnyKernel(const Window& w, F&& f) {
  switch (w.kernel) {
    case 2: return ForEachWindow<2>(w, f);
    case 3: return ForEachWindow<3>(w, f);
    default: return ForEachWindow<0>(w, f);
  }
}

}  // namespace

void Pool2dLayer::Forward(const Matrix& x, Matrix& y, Pass) {
  const Window& w = window_;
  const Index batch = x.cols(), C = w.in.channels, plane = w.in.height * w.in.width, pixels = w.Pixels();
  y.resize(C * pixels, batch);
  if (max_) argmax_.resize(y.rows(), batch);
  const float inv_area = 1.0f / static_cast<float>(w.kernel * w.kernel);
  const Index W = w.in.width;
  ParallelFor(batch, 4, [&](Index b0, Index b1) {
    for (Index b = b0; b < b1; ++b) {
      for (Index c = 0; c < C; ++c) {
        const float* in = x.data() + b * x.rows() + c * plane;
        float* out = y.data() + b * y.rows() + c * pixels;
        if (max_) {
          std::int32_t* arg = argmax_.data() + b * argmax_.rows() + c * pixels;
          const Index offset = c * plane;  // arg holds indices into the sample
          ForEachWindowAnyKernel(w, [in, out, arg, offset, W](Index o, Index at0, auto rows, auto cols) {
            Index at;
            out[o] = MaxOfWindow(in, at0, rows, cols, W, at);
            arg[o] = static_cast<std::int32_t>(offset + at);
          });
        } else {
          ForEachWindowAnyKernel(w, [in, out, W, inv_area](Index o, Index at0, auto rows, auto cols) {
            out[o] = SumOfWindow(in + at0, rows, cols, W) * inv_area;
          });
        }
      }
    }
  });
}

void Pool2dLayer::Backward(const Matrix&, const Matrix&, Matrix& dy, Matrix* dx, const SgdStep&) {
  if (dx == nullptr) return;
  const Window& w = window_;
  const Index batch = dy.cols(), C = w.in.channels, W = w.in.width, plane = w.in.height * W;
  const Index pixels = w.Pixels();
  dx->resize(w.in.Size(), batch);
  const float inv_area = 1.0f / static_cast<float>(w.kernel * w.kernel);
  ParallelFor(batch, 4, [&](Index b0, Index b1) {
    for (Index b = b0; b < b1; ++b) {
      float* xb = dx->data() + b * dx->rows();
      std::fill(xb, xb + dx->rows(), 0.0f);
      const float* g = dy.data() + b * dy.rows();
      if (max_) {
        const std::int32_t* a = argmax_.data() + b * argmax_.rows();
        for (Index o = 0; o < dy.rows(); ++o) xb[a[o]] += g[o];
        continue;
      }
      // each input gets its terms in the raster order of the outputs, dx = fma(dy, 1 / k², dx)
      for (Index c = 0; c < C; ++c) {
        float* xc = xb + c * plane;
        const float* gc = g + c * pixels;
        ForEachWindowAnyKernel(w, [xc, gc, W, inv_area](Index o, Index at0, auto rows, auto cols) {
          const float grad = gc[o];
          for (Index r = 0; r < rows; ++r) {
            for (Index k = 0; k < cols; ++k) xc[at0 + r * W + k] = std::fma(grad, inv_area, xc[at0 + r * W + k]);
          }
        });
      }
    }
  });
}

}  // namespace pcmsim::nn
