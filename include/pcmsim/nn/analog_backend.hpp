// A layer whose weights live on simulated PCM crossbars (crossbar::AnalogMatrix), trained
// in one of three ways: hardware-aware (digital training with the tile's non-idealities
// injected, then programmed), mixed precision (digital accumulator chi, whole SET pulses),
// or in-situ SGD with stochastic pulse trains (coincidences of bit streams).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/device/device_choice.hpp"
#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/nn/backend.hpp"

namespace pcmsim::nn {

enum class AnalogTraining {
  kHwa,    // digital FP32 weights trained with injected noise; programmed for inference
  kMixed,  // Nandakumar et al. 2020: chi accumulates lr * grad, |chi| >= eps fires pulses
  kSgd,    // Gokmen & Vlasov 2016: stochastic bit streams, pulses on coincidences
};
std::string_view ToString(AnalogTraining t);

struct AnalogOptions {
  AnalogTraining training = AnalogTraining::kHwa;
  device::DeviceChoice device;      // the cell population (any device model; default conventional PCM)
  crossbar::TileOptions tile;       // mapping, periphery, drift compensation, tiling

  // --- hardware-aware training (kHwa) ---
  // Std of Gaussian noise added to every weight in each training forward, relative to the
  // layer's max|w|, [0, 1]. Assumption: a few percent, the order of the programming noise
  // (sigma_prog ~ 1 uS of 25 uS, PHYSICS.md sec. 1); sweep it.
  double hwa_weight_noise = 0.03;
  // Training forward passes through the forward periphery (DAC, output noise, ADC) of the
  // tile, applied to the digital GEMM.
  bool hwa_periphery = true;

  // --- on-device training (kMixed, kSgd) ---
  // Mapping headroom: the weight magnitude at g_max is headroom * max|w_init|, >= 1.
  double headroom = 2.0;
  // Device granularity eps in weight units; 0 = derived: the mean SET step at the middle of
  // the window (device pulse model) in weight units. > 0 overrides.
  double granularity = 0.0;
  // Training steps between refresh passes (RESET both devices of saturated pairs and
  // re-program the difference), >= 0 (0 = never); threshold as a fraction of g_max, (0, 1].
  int refresh_every = 50;
  double refresh_threshold = 0.9;
  // Simulated time per training step, s, > 0 (devices drift during training).
  double step_time_s = 0.01;
  // kSgd: bit-stream length BL, [1, 64] (aihwkit default 31, code).
  int bit_length = 31;

  void Validate() const;  // ConfigError naming analog.<field>, value and constraint
};

class AnalogBackend final : public LayerBackend {
 public:
  // `seed` and `layer` select the random streams (tiles get indices from layer).
  AnalogBackend(Index inputs, Index outputs, const AnalogOptions& options, std::uint64_t seed, Index layer);

  std::string_view Name() const override { return "analog"; }
  Index Inputs() const override { return inputs_; }
  Index Outputs() const override { return outputs_; }
  void Forward(const Matrix& x, Matrix& y, Pass pass) override;
  void Backward(const Matrix& dy, Matrix& dx) override;
  void Update(const Matrix& x, const Matrix& dy, const SgdStep& step) override;
  Matrix Weights() const override;
  void SetWeights(const Matrix& w) override;
  // Checkpoints (during training): counters and energy tallies; HWA: momentum; on-device
  // training: chi and the whole array state (devices, mapping, read cache), so that a
  // resumed run continues bit-identically.
  void SaveState(StateMap& state) const override;
  // Digital GEMMs of HWA training as fp32 MACs; array events of on-device training as the
  // forward/backward/update phases; arrays after ProgramForInference as kInference.
  void AddEvents(energy::EventCounts& counts) const override;
  void LoadState(const StateMap& state) override;

  // --- inference over time (experiment runner) ---
  // HWA: programs the digital weights onto fresh devices (noise draw `repeat`); on-device
  // training: keeps the trained devices and records the drift-compensation reference at
  // the end of training (deployment). Afterwards Forward(kEval) runs on the array.
  void ProgramForInference(std::uint64_t repeat);
  // Reads the arrays at `t_s` seconds after programming (or after the end of training).
  void ReadAfter(double t_s);
  void SetCompensationApplied(bool on);
  bool InferenceMode() const { return inference_; }
  // The arrays the layer runs on (null before the first programming). A server keeps a
  // programmed layer as a prototype and copies its read state into per-request copies with
  // crossbar::AnalogMatrix::SaveState/LoadState (reads and MVMs advance the tiles' stream
  // counters and read cache, so a shared layer would not give reproducible reads).
  crossbar::AnalogMatrix* array() { return array_.get(); }
  const crossbar::AnalogMatrix* array() const { return array_.get(); }

  const AnalogOptions& options() const { return opt_; }
  double Granularity() const { return eps_; }
  // Event counts of the arrays (training arrays and, after programming, inference arrays).
  crossbar::TileEvents Events() const;
  std::int64_t SetPulses() const;

 private:
  void HwaForward(const Matrix& x, Matrix& y);
  void UpdateMixed(const Matrix& x, const Matrix& dy, const SgdStep& step);
  void UpdateSgd(const Matrix& x, const Matrix& dy, const SgdStep& step);
  void ApplyCounts();  // fires counts_ at t_now_ (> 0 on G+, < 0 on G-)
  void FinishStep();   // step counter and periodic refresh
  void EnsureArray();
  double DerivedGranularity() const;
  crossbar::TileEvents ArrayEvents() const;  // live array's events + array_offset_

  Index inputs_, outputs_, layer_;
  std::uint64_t seed_;
  AnalogOptions opt_;
  Matrix w_;         // digital weights (HWA master copy; initial weights on-device)
  Matrix velocity_;  // HWA momentum
  Matrix grad_, chi_, noisy_;  // workspaces / mixed-precision accumulator
  crossbar::IntMatrix counts_;
  std::unique_ptr<crossbar::AnalogMatrix> array_;
  crossbar::TileEvents retired_events_;  // of arrays replaced by re-programming
  crossbar::TileEvents train_events_;    // array events up to ProgramForInference (on-device)
  crossbar::TileEvents array_offset_;    // on-device: events before a checkpoint, minus the
                                         // re-created array's own (resumed runs)
  // Calls and sample vectors per phase for the energy mapping: training vs inference.
  energy::GemmTally dig_fwd_, dig_eval_, dig_bwd_, dig_upd_;   // digital (HWA) GEMMs
  energy::GemmTally arr_fwd_, arr_bwd_, arr_upd_, arr_infer_;  // array MVMs and pulse updates
  double t_now_ = 0.0;        // simulated time on the arrays, s
  double t_programmed_ = 0.0;  // when the inference reference was set
  double eps_ = 0.0;
  double weight_scale_ = 1.0;
  long steps_ = 0;
  std::uint64_t forward_calls_ = 0, update_calls_ = 0;
  bool inference_ = false;
};

}  // namespace pcmsim::nn
