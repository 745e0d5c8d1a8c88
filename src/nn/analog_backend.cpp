// Analog layer: HWA noise injection on digital weights, mixed-precision pulse updates, and
// stochastic pulse-train SGD, all on crossbar::AnalogMatrix.
#include "pcmsim/nn/analog_backend.hpp"

#include <algorithm>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/crossbar/gaussian.hpp"
#include "pcmsim/crossbar/periphery.hpp"
#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/crossbar/tile_energy_events.hpp"
#include "pcmsim/core/validate.hpp"
#include "pcmsim/nn/fp32_backend.hpp"

namespace pcmsim::nn {

std::string_view ToString(AnalogTraining t) {
  switch (t) {
    case AnalogTraining::kHwa: return "hwa";
    case AnalogTraining::kMixed: return "mixed";
    case AnalogTraining::kSgd: return "sgd";
  }
  return "?";
}

void AnalogOptions::Validate() const {
  Require(hwa_weight_noise >= 0 && hwa_weight_noise <= 1, "analog.hwa_weight_noise", hwa_weight_noise,
              "must be in [0, 1]");
  Require(headroom >= 1, "analog.headroom", headroom, "must be >= 1");
  Require(granularity >= 0, "analog.granularity", granularity, "must be >= 0 (0 = derived from the device)");
  Require(refresh_every >= 0, "analog.refresh_every", refresh_every, "must be >= 0");
  Require(refresh_threshold > 0 && refresh_threshold <= 1, "analog.refresh_threshold", refresh_threshold,
              "must be in (0, 1]");
  Require(step_time_s > 0, "analog.step_time_s", step_time_s, "must be > 0");
  Require(bit_length >= 1 && bit_length <= 64, "analog.bit_length", bit_length, "must be in [1, 64]");
  device.Validate();
  tile.Validate();
}

AnalogBackend::AnalogBackend(Index inputs, Index outputs, const AnalogOptions& options, std::uint64_t seed,
                             Index layer)
    : inputs_(inputs),
      outputs_(outputs),
      layer_(layer),
      seed_(seed),
      opt_(options),
      w_(Matrix::Zero(outputs, inputs)),
      velocity_(Matrix::Zero(outputs, inputs)) {
  opt_.Validate();
}

// Tile stream indices: layer * 2^20 + (repeat + 1) * 2^10 + tile, disjoint across layers
// and repeats (2^10 tiles per matrix, 2^10 repeats).
static std::uint64_t TileIndexBase(Index layer, std::uint64_t repeat) {
  return (static_cast<std::uint64_t>(layer) << 20) + ((repeat + 1) << 10);
}

double AnalogBackend::DerivedGranularity() const {
  // Mean SET step in the middle of the window the devices pass through under SET.
  const device::CellArray& cells = array_->tile(0, 0).devices();
  const double step = cells.MidWindowSetStep();
  if (step <= 0) {
    throw ConfigError(StrCat("device '", opt_.device.name, "': mean SET step at mid-window is ", step,
                             " S; on-device training needs SET pulses that raise G (or set analog.granularity)"));
  }
  return weight_scale_ * step / (cells.g_max() - cells.g_min());
}

void AnalogBackend::SetWeights(const Matrix& w) {
  if (w.rows() != outputs_ || w.cols() != inputs_) {
    throw DimensionError(StrCat("analog layer ", layer_, ": weights are ", w.rows(), "x", w.cols(), ", layer is ",
                                outputs_, "x", inputs_));
  }
  w_ = w;
  inference_ = false;
  if (opt_.training == AnalogTraining::kHwa) return;
  // On-device training: the initial weights are programmed at t = 0 with headroom. A
  // replaced array (weights set twice before training) never trained: its events go.
  array_offset_ = {};
  array_ = std::make_unique<crossbar::AnalogMatrix>(outputs_, inputs_, opt_.device, opt_.tile, seed_,
                                                    static_cast<std::uint64_t>(layer_) << 20);
  const double max_abs = w.cwiseAbs().maxCoeff();
  weight_scale_ = opt_.headroom * (max_abs > 0 ? max_abs : 1.0);
  t_now_ = 0.0;
  array_->Program(w, t_now_, weight_scale_);
  eps_ = opt_.granularity > 0 ? opt_.granularity : DerivedGranularity();
  chi_ = Matrix::Zero(outputs_, inputs_);
}

void AnalogBackend::Forward(const Matrix& x, Matrix& y, Pass pass) {
  if (x.rows() != inputs_) {
    throw DimensionError(StrCat("analog layer ", layer_, " expects ", inputs_, " inputs, got ", x.rows()));
  }
  if (inference_ || opt_.training != AnalogTraining::kHwa) {
    array_->Forward(x, y);
    (inference_ ? arr_infer_ : arr_fwd_).Add(x.cols());
  } else if (pass == Pass::kTrain) {
    HwaForward(x, y);
    dig_fwd_.Add(x.cols());
  } else {
    ParallelGemm(w_, false, x, false, y);
    dig_eval_.Add(x.cols());
  }
}

void AnalogBackend::HwaForward(const Matrix& x, Matrix& y) {
  Rng rng = MakeStream(seed_, "hwa_noise", static_cast<std::uint64_t>(layer_), forward_calls_++);
  const float w_max = std::max(w_.cwiseAbs().maxCoeff(), 1e-12f);
  noisy_.resize(w_.rows(), w_.cols());
  ArrayF scratch;
  crossbar::FillGaussian(rng, noisy_.data(), noisy_.size(), scratch);
  const float sigma = static_cast<float>(opt_.hwa_weight_noise);
  // Normalised weights w~ = w / w_max (the tile's weight units), with the injected noise.
  noisy_.array() = w_.array() / w_max + sigma * noisy_.array();
  if (!opt_.hwa_periphery) {
    ParallelGemm(noisy_, false, x, false, y, w_max);
    return;
  }
  const crossbar::PeripheryOptions& p = opt_.tile.forward;
  const Eigen::RowVectorXf scale = crossbar::InputScales(x, p);
  Matrix xq;
  crossbar::ApplyDac(x, scale, p, xq);
  ParallelGemm(noisy_, false, xq, false, y);
  if (p.output_noise > 0) {
    ArrayF noise(y.size());
    crossbar::FillGaussian(rng, noise.data(), y.size(), scratch);
    y.array() += static_cast<float>(p.output_noise) * Eigen::Map<const Matrix>(noise.data(), y.rows(), y.cols()).array();
  }
  crossbar::ClipAndQuantize(y, static_cast<float>(p.output_bound),
                            static_cast<float>(crossbar::QuantStep(p.adc_bits, p.output_bound)));
  y = (y.array().rowwise() * (scale.array() * w_max)).matrix();
}

void AnalogBackend::Backward(const Matrix& dy, Matrix& dx) {
  if (opt_.training == AnalogTraining::kHwa && !inference_) {
    ParallelGemm(w_, true, dy, false, dx);
    dig_bwd_.Add(dy.cols());
  } else {
    array_->Backward(dy, dx);
    arr_bwd_.Add(dy.cols());
  }
}

void AnalogBackend::Update(const Matrix& x, const Matrix& dy, const SgdStep& step) {
  if (inference_) throw Error(StrCat("analog layer ", layer_, ": Update() after programming for inference"));
  ++update_calls_;
  switch (opt_.training) {
    case AnalogTraining::kHwa:
      dig_upd_.Add(x.cols());
      SgdMomentumGemmStep(step, dy, x, grad_, w_, velocity_);
      break;
    case AnalogTraining::kMixed:
      arr_upd_.Add(x.cols());
      UpdateMixed(x, dy, step);
      break;
    case AnalogTraining::kSgd:
      arr_upd_.Add(x.cols());
      UpdateSgd(x, dy, step);
      break;
  }
}

void AnalogBackend::UpdateMixed(const Matrix& x, const Matrix& dy, const SgdStep& step) {
  // chi accumulates the desired change -lr * dL/dW (with momentum: -lr * v, v <- mu v + g,
  // and weight decay on the weights the array holds); whole pulses of size eps leave it.
  if (step.momentum > 0.0f || step.weight_decay > 0.0f) {
    ParallelGemm(dy, false, x, true, grad_);
    if (step.weight_decay > 0.0f) grad_ += step.weight_decay * array_->Weights();
    velocity_ = step.momentum * velocity_ + grad_;
    chi_ -= step.lr * velocity_;
  } else {
    ParallelGemm(dy, false, x, true, chi_, -step.lr, 1.0f);
  }
  const float inv_eps = static_cast<float>(1.0 / eps_);
  counts_ = (chi_.array() * inv_eps).cast<int>();  // truncation toward zero
  chi_.array() -= counts_.array().cast<float>() * static_cast<float>(eps_);
  t_now_ += opt_.step_time_s;
  ApplyCounts();
  FinishStep();
}

void AnalogBackend::ApplyCounts() {
  if ((counts_.array() != 0).any()) array_->ApplyPulses(counts_, t_now_);
}

void AnalogBackend::FinishStep() {
  ++steps_;
  if (opt_.refresh_every > 0 && steps_ % opt_.refresh_every == 0) {
    array_->RefreshSaturated(opt_.refresh_threshold, t_now_);
  }
}

namespace {

// Bits (0/1 as float) for B samples x BL slots: bit(i, b*BL + t) = U < p(i, b); split by the
// sign of the value into `pos` and `neg`.
void PulseTrains(const Matrix& v, float c, int bl, Rng& rng, Matrix& pos, Matrix& neg, bool& any_neg) {
  const Index rows = v.rows(), batch = v.cols();
  pos.setZero(rows, batch * bl);
  neg.setZero(rows, batch * bl);
  any_neg = false;
  for (Index b = 0; b < batch; ++b) {
    for (Index i = 0; i < rows; ++i) {
      const float val = v(i, b);
      if (val == 0.0f) continue;
      const double p = std::min(1.0, static_cast<double>(c * std::abs(val)));
      Matrix& dst = val > 0 ? pos : neg;
      any_neg |= val < 0;
      for (int t = 0; t < bl; ++t) {
        if (rng.Uniform() < p) dst(i, b * bl + t) = 1.0f;
      }
    }
  }
}

}  // namespace

void AnalogBackend::UpdateSgd(const Matrix& x, const Matrix& dy, const SgdStep& step) {
  // Expected pulses per weight: BL * sum_b p_x p_d = lr |sum_b d x| / eps with
  // p_x = c_x |x|, p_d = c_d |d|, c_x c_d = lr / (eps BL); the factors are balanced so that
  // the largest |x| and |d| of the batch get the same probability (update management).
  const float x_max = std::max(x.cwiseAbs().maxCoeff(), 1e-30f);
  const float d_max = std::max(dy.cwiseAbs().maxCoeff(), 1e-30f);
  const double k = step.lr / (eps_ * opt_.bit_length);
  const float c_x = static_cast<float>(std::sqrt(k * d_max / x_max));
  const float c_d = static_cast<float>(std::sqrt(k * x_max / d_max));
  Rng rng = MakeStream(seed_, "pulse_trains", static_cast<std::uint64_t>(layer_), update_calls_);
  Matrix xp, xn, dp, dn;
  bool x_neg = false, d_neg = false;
  PulseTrains(x, c_x, opt_.bit_length, rng, xp, xn, x_neg);
  PulseTrains(dy, c_d, opt_.bit_length, rng, dp, dn, d_neg);
  // dW = -lr d x^T: G+ gets coincidences of opposite signs, G- of equal signs.
  Matrix up, down;
  ParallelGemm(dn, false, xp, true, up);
  ParallelGemm(dp, false, xp, true, down);
  if (x_neg) {
    ParallelGemm(dp, false, xn, true, up, 1.0f, 1.0f);
    ParallelGemm(dn, false, xn, true, down, 1.0f, 1.0f);
  }
  (void)d_neg;
  t_now_ += opt_.step_time_s;
  counts_ = up.cast<int>();
  ApplyCounts();
  counts_ = -down.cast<int>();
  ApplyCounts();
  FinishStep();
}

Matrix AnalogBackend::Weights() const {
  if (array_ && (inference_ || opt_.training != AnalogTraining::kHwa)) return array_->Weights();
  return w_;
}

namespace {

// Array state keys "tile0_0/g_a0" become "array.tile0_0.g_a0" (state entries are flat).
constexpr std::string_view kArrayPrefix = "array.";

}  // namespace

void AnalogBackend::SaveState(StateMap& state) const {
  if (inference_) throw Error(StrCat("analog layer ", layer_, ": no checkpoints after programming for inference"));
  WriteNumbers(state, "counters",
               {{"t_now", t_now_}, {"t_programmed", t_programmed_}, {"granularity", eps_},
                {"weight_scale", weight_scale_}, {"steps", static_cast<double>(steps_)},
                {"forward_calls", static_cast<double>(forward_calls_)},
                {"update_calls", static_cast<double>(update_calls_)}});
  WriteTallies(state, {{"digital_forward", &dig_fwd_}, {"digital_eval", &dig_eval_}, {"digital_backward", &dig_bwd_},
                       {"digital_update", &dig_upd_}, {"array_forward", &arr_fwd_}, {"array_backward", &arr_bwd_},
                       {"array_update", &arr_upd_}, {"array_inference", &arr_infer_}});
  state["velocity"] = velocity_.cast<double>();
  if (opt_.training == AnalogTraining::kHwa) return;
  state["chi"] = chi_.cast<double>();
  ArrayEvents().SaveState("array_events.", state);
  crossbar::TileStateMap tiles;
  array_->SaveState("", tiles);
  for (auto& [key, m] : tiles) {
    std::string flat = std::string(kArrayPrefix) + key;
    std::replace(flat.begin() + static_cast<std::ptrdiff_t>(kArrayPrefix.size()), flat.end(), '/', '.');
    state[flat] = std::move(m);
  }
}

void AnalogBackend::LoadState(const StateMap& state) {
  std::vector<double> v;
  if (ReadNumbers(state, "counters",
                  {"t_now", "t_programmed", "granularity", "weight_scale", "steps", "forward_calls", "update_calls"},
                  v)) {
    t_now_ = v[0];
    t_programmed_ = v[1];
    eps_ = v[2];
    weight_scale_ = v[3];
    steps_ = static_cast<long>(v[4]);
    forward_calls_ = static_cast<std::uint64_t>(v[5]);
    update_calls_ = static_cast<std::uint64_t>(v[6]);
  }
  ReadTallies(state, {{"digital_forward", &dig_fwd_}, {"digital_eval", &dig_eval_}, {"digital_backward", &dig_bwd_},
                      {"digital_update", &dig_upd_}, {"array_forward", &arr_fwd_}, {"array_backward", &arr_bwd_},
                      {"array_update", &arr_upd_}, {"array_inference", &arr_infer_}});
  ReadMatrix(state, "velocity", velocity_);
  if (opt_.training == AnalogTraining::kHwa) return;
  if (!array_) throw Error(StrCat("analog layer ", layer_, ": LoadState() before SetWeights()"));
  const auto chi = state.find("chi");
  if (chi == state.end()) {
    throw IoError(StrCat("analog layer ", layer_, ": checkpoint has no on-device training state (chi)"));
  }
  if (chi->second.rows() != outputs_ || chi->second.cols() != inputs_) {
    throw DimensionError(StrCat("analog layer ", layer_, ": chi is ", chi->second.rows(), "x", chi->second.cols()));
  }
  chi_ = chi->second.cast<float>();
  crossbar::TileStateMap tiles;
  for (const auto& [key, m] : state) {
    if (key.rfind(kArrayPrefix, 0) != 0) continue;
    std::string nested = key.substr(kArrayPrefix.size());
    if (const auto dot = nested.find('.'); dot != std::string::npos) nested[dot] = '/';
    tiles[nested] = m;
  }
  array_->LoadState("", tiles);
  array_offset_ = crossbar::TileEvents::LoadState("array_events.", state);
  array_offset_ -= array_->Events();
}

void AnalogBackend::ProgramForInference(std::uint64_t repeat) {
  if (opt_.training == AnalogTraining::kHwa) {
    if (array_) retired_events_ += array_->Events();
    array_ = std::make_unique<crossbar::AnalogMatrix>(outputs_, inputs_, opt_.device, opt_.tile,
                                                      StreamSeed(seed_, "analog_eval", repeat),
                                                      TileIndexBase(layer_, repeat));
    array_->Program(w_, 0.0);
    t_programmed_ = 0.0;
  } else if (!inference_) {
    train_events_ = ArrayEvents();
    t_programmed_ = t_now_;
    // The trained arrays are deployed now: a calibration read records the drift-compensation
    // reference here (the one of the initial programming would also "compensate" every
    // weight change of training). Its events count as inference.
    if (array_) array_->RecordCompensationReference(t_programmed_);
  }
  inference_ = true;
}

void AnalogBackend::ReadAfter(double t_s) {
  if (!array_) throw Error(StrCat("analog layer ", layer_, ": ReadAfter() before ProgramForInference()"));
  array_->ReadAt(t_programmed_ + t_s);
}

void AnalogBackend::SetCompensationApplied(bool on) {
  if (array_) array_->SetCompensationApplied(on);
}

crossbar::TileEvents AnalogBackend::ArrayEvents() const {
  crossbar::TileEvents e;
  if (array_) e = array_->Events();
  e += array_offset_;
  return e;
}

crossbar::TileEvents AnalogBackend::Events() const {
  crossbar::TileEvents e = retired_events_;
  e += ArrayEvents();
  return e;
}


void AnalogBackend::AddEvents(energy::EventCounts& counts) const {
  using energy::Phase;
  const energy::DataBytes bytes{4, 4};
  energy::AddGemmEvents(counts[Phase::kForward], "fp32/fp32", outputs_, inputs_, dig_fwd_, bytes);
  // HWA: the per-epoch test passes on the digital weights only monitor training; once the
  // network has been programmed, inference is what runs on the arrays, so they are left out.
  if (arr_infer_.samples == 0) {
    energy::AddGemmEvents(counts[Phase::kInference], "fp32/fp32", outputs_, inputs_, dig_eval_, bytes);
  }
  energy::AddGemmEvents(counts[Phase::kBackward], "fp32/fp32", outputs_, inputs_, dig_bwd_, bytes);
  energy::AddUpdateEvents(counts[Phase::kUpdate], "fp32/fp32", outputs_, inputs_, dig_upd_, bytes, 3, 2);
  crossbar::TileEventsContext ctx;
  ctx.out = outputs_;
  ctx.in = inputs_;
  ctx.row_blocks = array_ ? array_->row_blocks() : 1;
  ctx.col_blocks = array_ ? array_->col_blocks() : 1;
  crossbar::TileEvents training, inference = retired_events_;
  if (array_) {
    if (opt_.training == AnalogTraining::kHwa) {
      inference += array_->Events();
    } else {
      training = inference_ ? train_events_ : ArrayEvents();
      if (inference_) {
        crossbar::TileEvents since = ArrayEvents();
        since -= train_events_;
        inference += since;
      }
    }
  }
  // On-device training: forward MVMs during training (including per-epoch test passes on
  // the training array) are priced as the training forward phase.
  ctx.forward_phase = Phase::kForward;
  ctx.forward_samples = arr_fwd_.samples;
  ctx.forward_calls = arr_fwd_.calls;
  ctx.backward_samples = arr_bwd_.samples;
  ctx.backward_calls = arr_bwd_.calls;
  ctx.update_calls = arr_upd_.calls;
  crossbar::AddTileEvents(training, ctx, counts);
  ctx.forward_phase = Phase::kInference;
  ctx.forward_samples = arr_infer_.samples;
  ctx.forward_calls = arr_infer_.calls;
  ctx.backward_samples = ctx.backward_calls = ctx.update_calls = 0;
  crossbar::AddTileEvents(inference, ctx, counts);
}

std::int64_t AnalogBackend::SetPulses() const { return Events().set_pulses; }

}  // namespace pcmsim::nn
