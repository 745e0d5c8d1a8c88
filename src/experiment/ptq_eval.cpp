// Post-training int quantisation: calibrate, quantise, evaluate with integer GEMMs.
#include "pcmsim/experiment/ptq_eval.hpp"

#include <algorithm>

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/nn/trainer.hpp"
#include "pcmsim/numerics/int_quant.hpp"

namespace pcmsim::experiment {

void PtqOptions::Validate() const {
  for (std::int64_t b : bits) io::Require(b >= 2 && b <= 16, "ptq.bits", b, "every width must be in [2, 16]");
  io::Require(calibration_samples >= 1, "ptq.calibration_samples", calibration_samples, "must be >= 1");
  io::Require(activation_quantile > 0 && activation_quantile <= 1, "ptq.activation_quantile", activation_quantile,
              "must be in (0, 1]");
}

namespace {

// The trained weights in float, recording every input batch it sees (calibration).
class RecordingBackend final : public nn::LayerBackend {
 public:
  RecordingBackend(Matrix w, std::vector<Matrix>* inputs) : w_(std::move(w)), inputs_(inputs) {}
  std::string_view Name() const override { return "fp32"; }
  Index Inputs() const override { return w_.cols(); }
  Index Outputs() const override { return w_.rows(); }
  void Forward(const Matrix& x, Matrix& y, nn::Pass) override {
    inputs_->push_back(x);
    y.noalias() = w_ * x;
  }
  void Backward(const Matrix&, Matrix&) override { PCMSIM_CHECK(false, "calibration network is not trained"); }
  void Update(const Matrix&, const Matrix&, const nn::SgdStep&) override {}
  Matrix Weights() const override { return w_; }
  void SetWeights(const Matrix& w) override { w_ = w; }

 private:
  Matrix w_;
  std::vector<Matrix>* inputs_;
};

// Integer weights and inputs with exact int32 accumulation (numerics::IntGemm).
class IntBackend final : public nn::LayerBackend {
 public:
  IntBackend(numerics::IntMatrix w, numerics::IntQuantizer xq) : w_(std::move(w)), xq_(xq) {}
  std::string_view Name() const override { return "int"; }
  Index Inputs() const override { return w_.codes.cols(); }
  Index Outputs() const override { return w_.codes.rows(); }
  void Forward(const Matrix& x, Matrix& y, nn::Pass) override { numerics::IntGemm(w_, x, xq_, y); }
  void Backward(const Matrix&, Matrix&) override { PCMSIM_CHECK(false, "quantised network is not trained"); }
  void Update(const Matrix&, const Matrix&, const nn::SgdStep&) override {}
  Matrix Weights() const override { return w_.Dequantize(); }
  void SetWeights(const Matrix&) override {}

 private:
  numerics::IntMatrix w_;
  numerics::IntQuantizer xq_;
};

// A copy of `net`'s graph on other backends, with its biases.
nn::Network Rebuild(const nn::Network& net, const nn::BackendFactory& make) {
  nn::Network copy(net.InputShape(), net.Specs(), make);
  for (Index k = 0; k < net.NumWeighted(); ++k) copy.weighted(k).bias() = net.weighted(k).bias();
  return copy;
}

}  // namespace

std::vector<PtqResult> EvaluatePtq(const nn::Network& net, const io::Dataset& calibration, const io::Dataset& test,
                                   const PtqOptions& o) {
  o.Validate();
  std::vector<Matrix> weights;
  for (const nn::WeightedLayer* l : net.Weighted()) weights.push_back(l->backend().Weights());
  // Inputs of every weighted layer for the calibration samples, from the float network.
  std::vector<std::vector<Matrix>> inputs(weights.size());
  {
    nn::Network probe = Rebuild(net, [&](Index, Index, Index k, Index) {
      return std::make_unique<RecordingBackend>(weights[static_cast<size_t>(k)], &inputs[static_cast<size_t>(k)]);
    });
    const Index n = std::min(o.calibration_samples, calibration.Samples());
    for (Index b = 0; b < n; b += 500) {
      const Matrix x = calibration.x.middleCols(b, std::min<Index>(500, n - b));
      probe.Forward(x, nn::Pass::kEval);
    }
  }
  std::vector<PtqResult> results;
  for (std::int64_t bits64 : o.bits) {
    const int bits = static_cast<int>(bits64);
    std::vector<numerics::IntQuantizer> xq;
    for (const auto& batches : inputs) {
      xq.push_back({bits, numerics::CalibrateActivationScale(batches, bits, o.activation_quantile)});
    }
    for (const bool per_channel : {false, true}) {
      nn::Network quantised = Rebuild(net, [&](Index, Index, Index k, Index) {
        const size_t i = static_cast<size_t>(k);
        return std::make_unique<IntBackend>(
            numerics::QuantizeWeights(weights[i], bits,
                                      per_channel ? numerics::Granularity::kPerChannel
                                                  : numerics::Granularity::kPerTensor),
            xq[i]);
      });
      PtqResult r;
      r.bits = bits;
      r.per_channel = per_channel;
      r.name = StrCat("int", bits, per_channel ? "_per_channel" : "_per_tensor");
      r.accuracy = nn::Evaluate(quantised, test, 1000);
      results.push_back(r);
    }
  }
  return results;
}

void WritePtq(io::H5Writer& out, const std::vector<PtqResult>& results, const PtqOptions& o) {
  if (results.empty()) return;
  out.CreateGroup("/summary/ptq");
  for (const PtqResult& r : results) out.WriteAttr("/summary/ptq", r.name, r.accuracy);
  out.WriteAttr("/summary/ptq", "calibration_samples", static_cast<std::int64_t>(o.calibration_samples));
  out.WriteAttr("/summary/ptq", "activation_quantile", o.activation_quantile);
  out.WriteAttr("/summary/ptq", "note",
                "test accuracy (fraction) after post-training quantisation: symmetric int codes, weights per "
                "tensor or per output channel, layer inputs calibrated on training samples, int32 accumulation");
}

}  // namespace pcmsim::experiment
