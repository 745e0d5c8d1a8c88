// Post-training int quantisation: calibrate, quantise, evaluate with integer GEMMs.
#include "pcmsim/experiment/ptq_eval.hpp"

#include <algorithm>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/nn/activation.hpp"
#include "pcmsim/numerics/int_quant.hpp"

namespace pcmsim::experiment {

void PtqOptions::Validate() const {
  for (std::int64_t b : bits) Require(b >= 2 && b <= 16, "ptq.bits", b, "every width must be in [2, 16]");
  Require(calibration_samples >= 1, "ptq.calibration_samples", calibration_samples, "must be >= 1");
  Require(activation_quantile > 0 && activation_quantile <= 1, "ptq.activation_quantile", activation_quantile,
              "must be in (0, 1]");
}

namespace {

struct FloatLayer {
  Matrix w;
  Vector bias;
  nn::Activation activation;
};

std::vector<FloatLayer> Snapshot(const nn::Mlp& mlp) {
  std::vector<FloatLayer> layers;
  for (Index i = 0; i < mlp.NumLayers(); ++i) {
    const nn::Layer& l = mlp.layer(i);
    layers.push_back({l.backend->Weights(), l.bias, l.activation});
  }
  return layers;
}

// Inputs of every layer for the calibration samples, from the float network.
std::vector<std::vector<Matrix>> LayerInputs(const std::vector<FloatLayer>& layers, const io::Dataset& data,
                                             Index samples) {
  std::vector<std::vector<Matrix>> inputs(layers.size());
  const Index n = std::min(samples, data.Samples());
  for (Index b = 0; b < n; b += 500) {
    Matrix x = data.x.middleCols(b, std::min<Index>(500, n - b));
    for (size_t i = 0; i < layers.size(); ++i) {
      inputs[i].push_back(x);
      Matrix y = layers[i].w * x;
      y.colwise() += layers[i].bias;
      nn::ApplyActivation(layers[i].activation, y);
      x = std::move(y);
    }
  }
  return inputs;
}

double Accuracy(const std::vector<FloatLayer>& layers, const std::vector<numerics::IntMatrix>& wq,
                const std::vector<numerics::IntQuantizer>& xq, const io::Dataset& test) {
  Index correct = 0;
  Matrix y;
  for (Index b = 0; b < test.Samples(); b += 1000) {
    const Index cols = std::min<Index>(1000, test.Samples() - b);
    Matrix x = test.x.middleCols(b, cols);
    for (size_t i = 0; i < layers.size(); ++i) {
      numerics::IntGemm(wq[i], x, xq[i], y);
      y.colwise() += layers[i].bias;
      nn::ApplyActivation(layers[i].activation, y);
      x.swap(y);
    }
    for (Index j = 0; j < cols; ++j) {
      Index arg = 0;
      x.col(j).maxCoeff(&arg);
      correct += arg == test.labels[static_cast<size_t>(b + j)] ? 1 : 0;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(test.Samples());
}

}  // namespace

std::vector<PtqResult> EvaluatePtq(const nn::Mlp& mlp, const io::Dataset& calibration, const io::Dataset& test,
                                   const PtqOptions& o) {
  o.Validate();
  const std::vector<FloatLayer> layers = Snapshot(mlp);
  const auto inputs = LayerInputs(layers, calibration, o.calibration_samples);
  std::vector<PtqResult> results;
  for (std::int64_t bits64 : o.bits) {
    const int bits = static_cast<int>(bits64);
    std::vector<numerics::IntQuantizer> xq;
    for (const auto& batches : inputs) {
      xq.push_back({bits, numerics::CalibrateActivationScale(batches, bits, o.activation_quantile)});
    }
    for (const bool per_channel : {false, true}) {
      std::vector<numerics::IntMatrix> wq;
      for (const FloatLayer& l : layers) {
        wq.push_back(numerics::QuantizeWeights(
            l.w, bits, per_channel ? numerics::Granularity::kPerChannel : numerics::Granularity::kPerTensor));
      }
      PtqResult r;
      r.bits = bits;
      r.per_channel = per_channel;
      r.name = StrCat("int", bits, per_channel ? "_per_channel" : "_per_tensor");
      r.accuracy = Accuracy(layers, wq, xq, test);
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
