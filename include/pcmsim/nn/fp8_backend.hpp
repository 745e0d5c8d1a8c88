// The FP8 digital training backend after Wang et al. (NeurIPS 2018): FP8 operands in all
// three GEMMs, chunk-based 16-bit (1,6,9) accumulation, and a stochastically rounded 16-bit
// weight update onto a 16-bit master copy. Formats and CL are configurable for ablations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/nn/backend.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "pcmsim/numerics/lowp_gemm.hpp"

namespace pcmsim::nn {

// User options of the FP8 backend (config section [fp8] by default). Format names are
// numerics::FormatByName specs ("fp8_152", "e4m3", "hfp8:bias=11", "fp16_169", "fp32", ...).
struct Fp8Options {
  // Weights and activations entering every GEMM. Wang et al. 2018: fp8 (1,5,2).
  std::string data_format = "fp8_152";
  // Errors dY (backward and weight-gradient GEMMs); "" = data_format. HFP8 (Sun et al. 2019)
  // uses 1-4-3 for data and 1-5-2 here.
  std::string error_format = "";
  // Data format of the first and last layer; "" = data_format. Wang et al. keep them at 16
  // bits in the usual reading (uncertain): "fp16_169". Applied by the layer factory.
  std::string edge_data_format = "";
  // Accumulator of all GEMMs: "fp32" (plain float32) or a format with <= 10 mantissa bits.
  std::string accum_format = "fp16_169";
  // Chunk length CL of the chunk-based accumulation, products per chunk, >= 0; 1 = naive
  // accumulation, 0 = one chunk over the whole sum. Wang et al.: CL = 64 (usual reading).
  Index chunk = 64;
  // Rounding of every accumulation step.
  numerics::Rounding accum_rounding = numerics::Rounding::kNearest;
  // Master weights and momentum, and the arithmetic of the update (AXPY). "fp32" gives
  // exactly the FP32 backend's SGD step. Wang et al.: 16-bit (1,6,9).
  std::string master_format = "fp16_169";
  // Rounding of the update onto the master copy. Wang et al.: stochastic.
  numerics::Rounding update_rounding = numerics::Rounding::kStochastic;
  // Loss scale S > 0 (Micikevicius et al. 2018): the errors dY entering the backward and
  // weight-gradient GEMMs are multiplied by S before they are rounded into the error format
  // (so small errors do not flush to zero) and the results divided by S. Applied inside each
  // layer, which is equivalent for the rounded tensors to scaling the loss. Default 1 (off);
  // the public reproduction of Wang et al. uses 1000.
  float loss_scale = 1.0f;
  // Dynamic scaling: when a scaled GEMM overflows (inf/NaN), the layer halves S and
  // recomputes it (a per-layer scale cannot skip the whole step consistently); after
  // loss_scale_window overflow-free updates it doubles S. S starts at loss_scale.
  bool dynamic_loss_scale = false;
  int loss_scale_window = 1000;  // [1, 1e6]

  // Throws ConfigError naming the field, value and broken constraint (incl. unknown formats).
  void Validate() const;
};

// TOML loader: experiment/options_load.hpp (ParseFp8Options).

// Event counts since construction, for the energy model (plain numbers, no energy types).
struct Fp8Counts {
  double forward_macs = 0;     // MACs of Y = W X (operands in data format)
  double backward_macs = 0;    // MACs of dX = W^T dY
  double gradient_macs = 0;    // MACs of dW = dY X^T
  double chunk_adds = 0;       // extra accumulator additions merging chunk sums, all GEMMs
  double update_elements = 0;  // weights updated (one AXPY element each, master format)
  double operand_bytes = 0;    // bytes of GEMM operands read (each operand matrix once per GEMM)
  double result_bytes = 0;     // bytes of GEMM results written, at accumulator width
  double master_bytes = 0;     // bytes of master weights and momentum read + written by updates
};

class Fp8Backend final : public LayerBackend {
 public:
  // `edge_layer`: first or last layer (uses edge_data_format if set). `seed` keys this
  // layer's stochastic-rounding streams (derive it per layer from the master seed).
  Fp8Backend(Index inputs, Index outputs, const Fp8Options& options, std::uint64_t seed, bool edge_layer = false);

  std::string_view Name() const override { return "fp8"; }
  Index Inputs() const override { return master_.cols(); }
  Index Outputs() const override { return master_.rows(); }
  void Forward(const Matrix& x, Matrix& y, Pass pass) override;
  // MACs keyed "<operand format>/<accumulator format>", traffic at the formats' widths.
  void AddEvents(energy::EventCounts& counts) const override;
  void Backward(const Matrix& dy, Matrix& dx) override;
  void Update(const Matrix& x, const Matrix& dy, const SgdStep& step) override;
  Matrix Weights() const override { return master_; }
  // Rounds w to the master format (nearest).
  void SetWeights(const Matrix& w) override;
  void SaveState(StateMap& state) const override;
  void LoadState(const StateMap& state) override;

  Fp8Counts Counts() const { return counts_; }
  double LossScale() const { return scale_; }
  std::int64_t Overflows() const { return overflows_; }
  const Fp8Options& Options() const { return options_; }

 private:
  void CountGemm(double m, double k, double n, double& macs, const numerics::FloatFormat& a,
                 const numerics::FloatFormat& b);
  void ApplyUpdate(const SgdStep& step);

  Fp8Options options_;
  std::uint64_t seed_;
  numerics::LowpGemmOptions forward_, backward_, gradient_;  // derived GEMM settings
  energy::GemmTally train_forward_, eval_forward_, backward_calls_, update_calls_;  // energy tallies
  numerics::FloatFormat master_format_;
  Matrix master_;    // out x in, values on the master format grid
  Matrix velocity_;  // momentum buffer, on the master format grid
  Matrix grad_;      // workspace: dW
  Fp8Counts counts_;
  std::uint64_t gemm_calls_ = 0;  // keys the accumulation streams of successive GEMMs
  double scale_ = 1.0;            // current loss scale S
  std::int64_t good_updates_ = 0, overflows_ = 0;  // dynamic scaling: since the last growth; total
  Matrix scaled_;                 // workspace: S dY
  // Runs a GEMM on S dy (halving S and retrying on overflow when dynamic), result / S.
  template <typename Gemm>
  void ScaledGemm(const Matrix& dy, Matrix& out, Gemm&& gemm);
};

}  // namespace pcmsim::nn
