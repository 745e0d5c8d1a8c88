// The analog MVM of a tile: DAC, one GEMM on the cached conductances, output-referred
// device read noise (one more GEMM) plus output noise, ADC, bound management, counting.
#include <cmath>

#include "pcmsim/core/parallel.hpp"
#include "pcmsim/crossbar/gaussian.hpp"
#include "pcmsim/crossbar/tile.hpp"

namespace pcmsim::crossbar {

void Tile::Mvm(Dir dir, const Eigen::Ref<const Matrix>& x, Matrix& y, Rng& rng) {
  const PeripheryOptions& p = dir == Dir::kForward ? opt_.forward : opt_.backward;
  // InputScales + ApplyDac column by column (one pass over x while each column is in
  // cache); the same element-wise operations, so the same bits.
  const Index cols = x.cols();
  const bool abs_max = p.noise_management == NoiseManagement::kAbsMax;
  const float dac_step = static_cast<float>(QuantStep(p.dac_bits, 1.0));
  ws_.scale.resize(cols);
  ws_.xt.resize(x.rows(), cols);
  for (Index b = 0; b < cols; ++b) {
    float s = static_cast<float>(p.input_scale);
    if (abs_max) {
      s = x.col(b).cwiseAbs().maxCoeff();
      if (!(s > 0.0f)) s = 1.0f;  // an all-zero sample gives y = 0 whatever its scale
    }
    ws_.scale(b) = s;
    auto xt = ws_.xt.col(b);
    xt.noalias() = x.col(b) * (1.0f / s);
    ClipAndQuantize(xt, 1.0f, dac_step);
  }
  const bool bm = dir == Dir::kForward && p.bound_management == BoundManagement::kIterative &&
                  p.output_bound > 0.0 && p.max_bound_rounds > 0;
  AnalogPass(dir, p, ws_.xt, ws_.yt, rng, bm ? &ws_.saturated : nullptr);
  if (bm && !ws_.saturated.empty()) BoundManagement(x, p, rng);
  ws_.scale *= static_cast<float>(map_.out_gain);
  y.resize(ws_.yt.rows(), ws_.yt.cols());
  y.noalias() = ws_.yt * ws_.scale.asDiagonal();
}

void Tile::AnalogPass(Dir dir, const PeripheryOptions& p, const Matrix& xt, Matrix& yt, Rng& rng,
                      std::vector<Index>* saturated) {
  const bool fwd = dir == Dir::kForward;
  if (fwd) {
    ParallelGemm(cache_.w_fwd, false, xt, false, yt);
  } else if (cache_.w_bwd.size() > 0) {
    ParallelGemm(cache_.w_bwd, false, xt, false, yt);
  } else {
    ParallelGemm(cache_.w_fwd, true, xt, false, yt);
  }
  if (cache_.w_nl.size() > 0) {
    // Amplitude encoding: the amorphous share of each current follows sinh(x u)/sinh(u)
    // instead of x, i.e. y += W_nl (phi(x) - x) (read_iv.hpp; the same law in both directions).
    const float u = cache_.iv_u, inv_sinh_u = 1.0f / std::sinh(u);
    ws_.x_nl = xt.unaryExpr([u, inv_sinh_u](float v) { return std::sinh(v * u) * inv_sinh_u - v; });
    ParallelGemm(cache_.w_nl, !fwd, ws_.x_nl, false, ws_.y_nl);
    yt += ws_.y_nl;
  }
  const Index n = yt.size();
  const float sigma_out = static_cast<float>(p.output_noise);
  const bool read_noise = cache_.var.size() > 0;
  const bool noise = read_noise || sigma_out > 0.0f;
  if (noise) {
    ws_.gauss.resize(n);
    FillGaussian(rng, ws_.gauss.data(), n, ws_.gauss_scratch);
  }
  if (read_noise) {
    // Device read noise referred to the output: var_i = sum_j sigma_ij^2 x_j^2; it and the
    // output noise are independent Gaussians, so one draw of the summed variance.
    ws_.sq = xt.array().square().matrix();
    ParallelGemm(cache_.var, !fwd, ws_.sq, false, ws_.var_out);
  }
  // One pass per output column: noise, saturation check (bound management), ADC. The same
  // element-wise operations as separate passes, so the same bits.
  const float bound = static_cast<float>(p.output_bound);
  const float step = static_cast<float>(QuantStep(p.adc_bits, p.output_bound));
  const float s2 = sigma_out * sigma_out;
  if (saturated != nullptr) saturated->clear();
  const Eigen::Map<const Matrix> z(ws_.gauss.data(), noise ? yt.rows() : 0, noise ? yt.cols() : 0);
  for (Index b = 0; b < yt.cols(); ++b) {
    auto col = yt.col(b);
    if (read_noise) {
      col.array() += (ws_.var_out.col(b).array() + s2).sqrt() * z.col(b).array();
    } else if (noise) {
      col.noalias() += sigma_out * z.col(b);
    }
    if (saturated != nullptr && col.cwiseAbs().maxCoeff() >= bound) saturated->push_back(b);
    ClipAndQuantize(col, bound, step);
  }
  CountMvm(fwd, p, xt, read_noise ? &ws_.sq : nullptr);
}

void Tile::BoundManagement(const Eigen::Ref<const Matrix>& x, const PeripheryOptions& p, Rng& rng) {
  std::vector<Index> active = ws_.saturated, still;
  for (int round = 1; round <= p.max_bound_rounds && !active.empty(); ++round) {
    const Index k = static_cast<Index>(active.size());
    ws_.xs.resize(x.rows(), k);
    ws_.scale_s.resize(k);
    for (Index c = 0; c < k; ++c) {
      ws_.xs.col(c) = x.col(active[c]);
      ws_.scale_s(c) = ws_.scale(active[c]) * 2.0f;  // inputs halved once more
    }
    ApplyDac(ws_.xs, ws_.scale_s, p, ws_.xts);
    AnalogPass(Dir::kForward, p, ws_.xts, ws_.ys, rng, &still);
    for (Index c = 0; c < k; ++c) {
      ws_.yt.col(active[c]) = ws_.ys.col(c);
      ws_.scale(active[c]) = ws_.scale_s(c);
    }
    events_.bound_reruns += k;
    for (Index& s : still) s = active[s];
    active.swap(still);
  }
}

void Tile::CountMvm(bool forward, const PeripheryOptions& p, const Matrix& xt, const Matrix* xt_squared) {
  const Index batch = xt.cols();
  ConverterCount& dac = forward ? events_.dac_forward : events_.dac_backward;
  ConverterCount& adc = forward ? events_.adc_forward : events_.adc_backward;
  dac.conversions += xt.rows() * batch;
  dac.bits = p.dac_bits;
  adc.conversions += (forward ? rows_ : cols_) * batch;
  adc.bits = p.adc_bits;
  (forward ? events_.forward_mvms : events_.backward_mvms) += batch;
  events_.cell_reads += 2 * opt_.pairs_per_weight * rows_ * cols_ * batch;
  // Each input line drives all devices on it for the share of the read pulse its value sets.
  const ArrayD& line_g = forward ? cache_.col_g : cache_.row_g;
  // share_j = sum_k x_jk^2 (amplitude) or |x_jk| (pulse width), summed column by column
  // (contiguous) rather than with a strided row-wise reduction.
  ArrayF& share = ws_.share;
  share.setZero(xt.rows());
  if (p.encoding == InputEncoding::kAmplitude && xt_squared != nullptr) {
    for (Index k = 0; k < batch; ++k) share += xt_squared->col(k).array();
  } else if (p.encoding == InputEncoding::kAmplitude) {
    for (Index k = 0; k < batch; ++k) share += xt.col(k).array().square();
  } else {
    for (Index k = 0; k < batch; ++k) share += xt.col(k).array().abs();
  }
  events_.read_g_dt += opt_.t_integration * (line_g * share.cast<double>()).sum();
}

}  // namespace pcmsim::crossbar
