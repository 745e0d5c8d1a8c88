// The seam between the trainer and the arithmetic of one layer's weights. The trainer
// only calls this interface, so FP32, FP8 and analog (PCM tile) layers plug in per layer.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pcmsim/core/types.hpp"

namespace pcmsim {
struct ImageConv;
}

namespace pcmsim::energy {
struct EventCounts;
struct GemmTally;
}

namespace pcmsim::nn {

// Whether a forward pass belongs to training (noise injection may apply) or evaluation.
enum class Pass { kTrain, kEval };

// One optimiser step as the trainer asks for it. Gradients handed to Update() already
// include the 1/batch of the mean loss.
struct SgdStep {
  float lr = 0.0f;            // learning rate of this step (after the schedule)
  float momentum = 0.0f;      // heavy-ball momentum coefficient, [0, 1)
  float weight_decay = 0.0f;  // L2 coefficient added to the gradient
  long step = 0;              // global step counter (0-based)
};

// Named matrices that together restore a backend's trainable state (checkpoints).
using StateMap = std::map<std::string, MatrixD>;

// Checkpoint helpers: plain numbers (counters, tallies) stored BY NAME, one 1 x 1 entry
// "<group>.<name>" each. ReadNumbers fills values in the order of `names`; it returns false
// when the group is absent (none of its names) and throws IoError naming a missing one.
using NamedNumber = std::pair<const char*, double>;
void WriteNumbers(StateMap& state, const std::string& group, std::initializer_list<NamedNumber> values);
bool ReadNumbers(const StateMap& state, const std::string& group, std::initializer_list<const char*> names,
                 std::vector<double>& values);
// A backend's energy tallies (calls and samples of each) under "tallies.<name>.calls|samples",
// and back (absent: left as they are), so a resumed run reports the energy of the whole run.
void WriteTallies(StateMap& state, std::initializer_list<std::pair<const char*, const energy::GemmTally*>> tallies);
void ReadTallies(const StateMap& state, std::initializer_list<std::pair<const char*, energy::GemmTally*>> tallies);
// A matrix entry (e.g. "velocity") into `m`, which must already have the layer's shape: a
// checkpoint entry of another shape throws DimensionError naming the entry (absent: false,
// `m` left as it is).
bool ReadMatrix(const StateMap& state, const char* name, Matrix& m);

// Arithmetic of one layer's weight matrix W (out x in). Activations are features x batch.
class LayerBackend {
 public:
  virtual ~LayerBackend() = default;

  // Short name written to results ("fp32", "fp8", "analog").
  virtual std::string_view Name() const = 0;
  virtual Index Inputs() const = 0;
  virtual Index Outputs() const = 0;

  // y = W x  (out x batch). The layer adds its digital bias afterwards.
  virtual void Forward(const Matrix& x, Matrix& y, Pass pass) = 0;
  // dx = W^T dy  (in x batch).
  virtual void Backward(const Matrix& dy, Matrix& dx) = 0;
  // Apply one SGD step for dL/dW = dy x^T, in the backend's own arithmetic (FP32 with
  // momentum, FP8 GEMM + 16-bit stochastic update, analog pulses, ...).
  virtual void Update(const Matrix& x, const Matrix& dy, const SgdStep& step) = 0;

  // The same three with the batch along the rows (core/batch_rows.hpp): xt = x^T
  // (batch x in), yt = y^T = xt W^T, dxt = dyt W, Update from dL/dW = dyt^T xt. A conv
  // layer hands its patches this way when the backend says it takes them so
  // (TakesBatchRows). The defaults transpose and call the column forms above, with their
  // bits; FP32 overrides them with its own kernels.
  virtual bool TakesBatchRows() const { return false; }
  virtual void ForwardRows(const Matrix& xt, Matrix& yt, Pass pass);
  virtual void BackwardRows(const Matrix& dyt, Matrix& dxt);
  virtual void UpdateRows(const Matrix& xt, const Matrix& dyt, const SgdStep& step);

  // A stride-1 convolution on the images themselves (core/direct_conv.hpp), for a backend
  // whose weights are plain FP32 numbers (TakesImages): y = conv(x, W) in the conv layer's
  // output layout (no digital bias), dx its adjoint, and Update from dL/dW =
  // DirectConvWeightGradient(x, dy), which also gives the sums of dy per output channel
  // (the digital bias's gradient) in dy_sums. A conv layer calls these only when
  // TakesImages(); every other backend gets im2col patches, and these defaults throw.
  virtual bool TakesImages() const { return false; }
  virtual void ForwardImages(const ImageConv& conv, const Matrix& x, Matrix& y, Pass pass);
  virtual void BackwardImages(const ImageConv& conv, const Matrix& dy, Matrix& dx);
  virtual void UpdateImages(const ImageConv& conv, const Matrix& x, const Matrix& dy, const SgdStep& step,
                            Vector& dy_sums);

  // The weights as the backend currently realises them, in FP32 (for saving/inspection).
  virtual Matrix Weights() const = 0;
  // Replace the weights (initialisation, or starting from an earlier run's result).
  virtual void SetWeights(const Matrix& w) = 0;

  // Trainable state beyond the weights (momentum buffers, master copies, device state).
  virtual void SaveState(StateMap& /*state*/) const {}
  virtual void LoadState(const StateMap& /*state*/) {}

  // Add this backend's energy-relevant event counts since construction.
  virtual void AddEvents(energy::EventCounts& /*counts*/) const {}
};

using BackendPtr = std::unique_ptr<LayerBackend>;

}  // namespace pcmsim::nn
