// Fp8Backend: the three GEMMs through numerics::LowpGemm and the master-format SGD update
// with stochastic rounding (exact scalar conversion of each element's double result).
#include "pcmsim/nn/fp8_backend.hpp"

#include <algorithm>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "pcmsim/numerics/round_array.hpp"

namespace pcmsim::nn {
namespace {

using numerics::FloatFormat;
using numerics::FormatByName;
using numerics::Rounding;

FloatFormat FormatField(const std::string& field, const std::string& spec) {
  try {
    return FormatByName(spec);
  } catch (const ConfigError& e) {
    throw ConfigError(StrCat(field, " = ", spec, ": ", e.what()));
  }
}

bool IsFp32(const FloatFormat& f) {
  return f.exponent_bits == 8 && f.mantissa_bits == 23 && f.bias == 127 && !f.saturate;
}

numerics::LowpGemmOptions GemmOptions(const FloatFormat& a, const FloatFormat& b, const Fp8Options& o) {
  numerics::LowpGemmOptions g;
  g.a_format = a;
  g.b_format = b;
  g.accum_format = FormatField("accum_format", o.accum_format);
  g.product_format = IsFp32(g.accum_format) ? FormatByName("fp32") : g.accum_format;
  g.chunk = o.chunk;
  g.accum_rounding = o.accum_rounding;
  return g;
}

struct Formats {
  FloatFormat data, error;
};

Formats ResolveFormats(const Fp8Options& o, bool edge_layer) {
  Formats f;
  f.data = edge_layer && !o.edge_data_format.empty() ? FormatField("edge_data_format", o.edge_data_format)
                                                     : FormatField("data_format", o.data_format);
  f.error = o.error_format.empty() ? f.data : FormatField("error_format", o.error_format);
  return f;
}

}  // namespace

void Fp8Options::Validate() const {
  for (bool edge : {false, true}) {
    const Formats f = ResolveFormats(*this, edge);
    for (const auto& g : {GemmOptions(f.data, f.data, *this), GemmOptions(f.data, f.error, *this),
                          GemmOptions(f.error, f.data, *this)}) {
      g.Validate();
    }
  }
  Require(chunk >= 0, "chunk", chunk, "must be >= 0 (0 = one chunk over the whole sum)");
  const FloatFormat master = FormatField("master_format", master_format);
  Require(master.FitsFloat32(), "master_format", master_format, "must be representable in float32");
  Require(std::isfinite(loss_scale) && loss_scale > 0.0f, "loss_scale", loss_scale, "must be finite and > 0");
  Require(loss_scale_window >= 1 && loss_scale_window <= 1000000, "loss_scale_window", loss_scale_window,
              "must be in [1, 1000000]");
  if (dynamic_loss_scale) {
    // Overflow is detected as inf/NaN in the scaled GEMM's result: saturating formats would
    // clip silently instead.
    for (bool edge : {false, true}) {
      const FloatFormat error = ResolveFormats(*this, edge).error;
      Require(!error.saturate, "error_format", error.name,
                  "must not saturate with dynamic_loss_scale (overflow would go unseen)");
    }
    const FloatFormat accum = FormatField("accum_format", accum_format);
    Require(!accum.saturate, "accum_format", accum_format,
                "must not saturate with dynamic_loss_scale (overflow would go unseen)");
  }
}

Fp8Backend::Fp8Backend(Index inputs, Index outputs, const Fp8Options& options, std::uint64_t seed, bool edge_layer)
    : options_(options), seed_(seed) {
  options_.Validate();
  const Formats f = ResolveFormats(options_, edge_layer);
  forward_ = GemmOptions(f.data, f.data, options_);    // Y = W X
  backward_ = GemmOptions(f.data, f.error, options_);  // dX = W^T dY
  gradient_ = GemmOptions(f.error, f.data, options_);  // dW = dY X^T
  master_format_ = FormatByName(options_.master_format);
  scale_ = options_.loss_scale;
  master_ = Matrix::Zero(outputs, inputs);
  velocity_ = Matrix::Zero(outputs, inputs);
}

void Fp8Backend::CountGemm(double m, double k, double n, double& macs, const FloatFormat& a, const FloatFormat& b) {
  macs += m * k * n;
  const double chunks = options_.chunk == 0 ? 1.0 : std::ceil(k / static_cast<double>(options_.chunk));
  counts_.chunk_adds += m * n * chunks;
  counts_.operand_bytes += (m * k * a.Bits() + k * n * b.Bits()) / 8.0;
  counts_.result_bytes += m * n * forward_.accum_format.Bits() / 8.0;
}

void Fp8Backend::Forward(const Matrix& x, Matrix& y, Pass pass) {
  (pass == Pass::kEval ? eval_forward_ : train_forward_).Add(x.cols());
  if (x.rows() != master_.cols()) {
    throw DimensionError(StrCat("fp8 layer expects ", master_.cols(), " inputs, got ", x.rows()));
  }
  numerics::LowpGemm(master_, false, x, false, y, forward_, StreamSeed(seed_, "fp8_forward", gemm_calls_++));
  CountGemm(static_cast<double>(master_.rows()), static_cast<double>(master_.cols()), static_cast<double>(x.cols()),
            counts_.forward_macs, forward_.a_format, forward_.b_format);
}

template <typename Gemm>
void Fp8Backend::ScaledGemm(const Matrix& dy, Matrix& out, Gemm&& gemm) {
  if (scale_ == 1.0 && !options_.dynamic_loss_scale) {
    gemm(dy, out);
    return;
  }
  for (;;) {
    scaled_ = dy * static_cast<float>(scale_);
    gemm(scaled_, out);
    if (!options_.dynamic_loss_scale || out.allFinite() || scale_ <= 0x1p-24) break;
    scale_ *= 0.5;  // overflow: halve and recompute
    ++overflows_;
    good_updates_ = 0;
  }
  out /= static_cast<float>(scale_);
}

void Fp8Backend::Backward(const Matrix& dy, Matrix& dx) {
  if (dy.rows() != master_.rows()) {
    throw DimensionError(StrCat("fp8 layer expects ", master_.rows(), " output errors, got ", dy.rows()));
  }
  backward_calls_.Add(dy.cols());
  ScaledGemm(dy, dx, [&](const Matrix& e, Matrix& out) {
    numerics::LowpGemm(master_, true, e, false, out, backward_, StreamSeed(seed_, "fp8_backward", gemm_calls_++));
    CountGemm(static_cast<double>(master_.cols()), static_cast<double>(master_.rows()), static_cast<double>(e.cols()),
              counts_.backward_macs, backward_.a_format, backward_.b_format);
  });
}

void Fp8Backend::Update(const Matrix& x, const Matrix& dy, const SgdStep& step) {
  update_calls_.Add(x.cols());
  std::uint64_t attempt = 0;
  ScaledGemm(dy, grad_, [&](const Matrix& e, Matrix& out) {
    const auto s = static_cast<std::uint64_t>(step.step);
    numerics::LowpGemm(e, false, x, true, out, gradient_,
                       attempt++ == 0 ? StreamSeed(seed_, "fp8_gradient", s) : StreamSeed(seed_, "fp8_gradient", s, attempt));
    CountGemm(static_cast<double>(e.rows()), static_cast<double>(x.cols()), static_cast<double>(x.rows()),
              counts_.gradient_macs, gradient_.a_format, gradient_.b_format);
  });
  if (options_.dynamic_loss_scale && ++good_updates_ >= options_.loss_scale_window) {
    scale_ = std::min(scale_ * 2.0, 0x1p40);  // growth is capped
    good_updates_ = 0;
  }
  ApplyUpdate(step);
}

void Fp8Backend::ApplyUpdate(const SgdStep& step) {
  const double n = static_cast<double>(master_.size());
  counts_.update_elements += n;
  counts_.master_bytes += n * master_format_.Bits() / 8.0 * (step.momentum > 0.0f ? 4.0 : 2.0);
  if (IsFp32(master_format_) && options_.update_rounding == Rounding::kNearest) {
    SgdMomentumStep(step, grad_, master_, velocity_);  // identical to the FP32 backend
    return;
  }
  // v <- R(mu v + g + wd w); w <- R(w - lr v), R = rounding into the master format. Each
  // expression is evaluated in float and then rounded once into the master format by the
  // vectorised RoundArray (stochastic: one stream per step, column block and tensor). The
  // float evaluation keeps 24 significant bits, 14 more than a (1,6,9) master copy, so it
  // moves a stochastic-rounding probability by at most ~2^-14 and a nearest-even result
  // only at exact ties.
  const float mu = step.momentum, wd = step.weight_decay, lr = step.lr;
  const bool momentum = step.momentum > 0.0f;
  const FloatFormat& f = master_format_;
  const Rounding r = options_.update_rounding;
  const Index rows = master_.rows();
  ParallelFor(master_.cols(), 16, [&](Index c0, Index c1) {
    const Index off = c0 * rows, len = (c1 - c0) * rows;
    float* __restrict w = master_.data() + off;
    float* __restrict g = grad_.data() + off;
    float* __restrict v = velocity_.data() + off;
    const auto s = static_cast<std::uint64_t>(step.step);
    const auto block = static_cast<std::uint64_t>(c0);
    for (Index i = 0; i < len; ++i) g[i] += wd * w[i];
    float* dir = g;  // the direction v (momentum) or g + wd w (none)
    if (momentum) {
      for (Index i = 0; i < len; ++i) v[i] = mu * v[i] + g[i];
      numerics::RoundArray(f, v, v, len, r, StreamSeed(seed_, "fp8_update_v", s, block));
      dir = v;
    }
    for (Index i = 0; i < len; ++i) w[i] -= lr * dir[i];
    numerics::RoundArray(f, w, w, len, r, StreamSeed(seed_, "fp8_update_w", s, block));
  });
}

void Fp8Backend::AddEvents(energy::EventCounts& counts) const {
  using energy::Phase;
  const Index out = master_.rows(), in = master_.cols();
  const auto key = [](const numerics::LowpGemmOptions& g) { return g.a_format.name + "/" + g.accum_format.name; };
  const auto bytes = [](const numerics::LowpGemmOptions& g) {
    return energy::DataBytes{g.a_format.Bits() / 8.0, g.b_format.Bits() / 8.0};
  };
  energy::AddGemmEvents(counts[Phase::kInference], key(forward_), out, in, eval_forward_, bytes(forward_));
  energy::AddGemmEvents(counts[Phase::kForward], key(forward_), out, in, train_forward_, bytes(forward_));
  energy::AddGemmEvents(counts[Phase::kBackward], key(backward_), out, in, backward_calls_, bytes(backward_));
  // Update: dW GEMM in the gradient formats, then the AXPY with momentum in the master format.
  // Same model as the FP32 backend: 3 MACs per weight, weights and momentum read and
  // written in DRAM once per step, here at the master format's width.
  energy::AddUpdateEvents(counts[Phase::kUpdate], key(gradient_), out, in, update_calls_, bytes(gradient_), 0, 0);
  const double weights = static_cast<double>(out) * static_cast<double>(in);
  energy::PhaseCounts& u = counts[Phase::kUpdate];
  u.macs[master_format_.name + "/" + master_format_.name] += 3.0 * weights * update_calls_.calls;
  u.bytes["dram"] += 2.0 * 2.0 * weights * (master_format_.Bits() / 8.0) * update_calls_.calls;
}

void Fp8Backend::SetWeights(const Matrix& w) {
  if (w.rows() != master_.rows() || w.cols() != master_.cols()) {
    throw DimensionError(
        StrCat("weights are ", w.rows(), "x", w.cols(), ", layer is ", master_.rows(), "x", master_.cols()));
  }
  master_ = w;
  numerics::RoundMatrix(master_format_, master_);
}

void Fp8Backend::SaveState(StateMap& state) const {
  state["velocity"] = velocity_.cast<double>();
  // Position of the accumulation random streams, so a resumed run continues them exactly.
  state["gemm_calls"] = MatrixD::Constant(1, 1, static_cast<double>(gemm_calls_));
  WriteNumbers(state, "loss_scale",
               {{"scale", scale_}, {"good_updates", static_cast<double>(good_updates_)},
                {"overflows", static_cast<double>(overflows_)}});
  WriteTallies(state, {{"train_forward", &train_forward_}, {"eval_forward", &eval_forward_},
                       {"backward", &backward_calls_}, {"update", &update_calls_}});
  const Fp8Counts& c = counts_;
  WriteNumbers(state, "counts",
               {{"forward_macs", c.forward_macs}, {"backward_macs", c.backward_macs},
                {"gradient_macs", c.gradient_macs}, {"chunk_adds", c.chunk_adds},
                {"update_elements", c.update_elements}, {"operand_bytes", c.operand_bytes},
                {"result_bytes", c.result_bytes}, {"master_bytes", c.master_bytes}});
}

void Fp8Backend::LoadState(const StateMap& state) {
  ReadMatrix(state, "velocity", velocity_);
  if (auto it = state.find("gemm_calls"); it != state.end() && it->second.size() == 1) {
    gemm_calls_ = static_cast<std::uint64_t>(it->second(0, 0));
  }
  if (std::vector<double> t; ReadNumbers(state, "loss_scale", {"scale", "good_updates", "overflows"}, t)) {
    scale_ = t[0];
    good_updates_ = static_cast<std::int64_t>(t[1]);
    overflows_ = static_cast<std::int64_t>(t[2]);
  }
  ReadTallies(state, {{"train_forward", &train_forward_}, {"eval_forward", &eval_forward_},
                      {"backward", &backward_calls_}, {"update", &update_calls_}});
  if (std::vector<double> t;
      ReadNumbers(state, "counts",
                  {"forward_macs", "backward_macs", "gradient_macs", "chunk_adds", "update_elements", "operand_bytes",
                   "result_bytes", "master_bytes"},
                  t)) {
    counts_ = {t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]};
  }
}

}  // namespace pcmsim::nn
