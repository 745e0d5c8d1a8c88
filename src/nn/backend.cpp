// The batch-rows defaults of LayerBackend and the checkpoint helpers shared by the backends.
#include "pcmsim/nn/backend.hpp"

#include <stdexcept>

#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/event_counts.hpp"

namespace pcmsim::nn {

void LayerBackend::ForwardRows(const Matrix& xt, Matrix& yt, Pass pass) {
  const Matrix x = xt.transpose();
  Matrix y;
  Forward(x, y, pass);
  yt = y.transpose();
}

void LayerBackend::BackwardRows(const Matrix& dyt, Matrix& dxt) {
  const Matrix dy = dyt.transpose();
  Matrix dx;
  Backward(dy, dx);
  dxt = dx.transpose();
}

void LayerBackend::UpdateRows(const Matrix& xt, const Matrix& dyt, const SgdStep& step) {
  Update(xt.transpose(), dyt.transpose(), step);
}

namespace {
[[noreturn]] void NoImages(const LayerBackend& backend) {
  throw std::logic_error(StrCat("the ", backend.Name(), " backend does not take images (TakesImages() is false)"));
}
}  // namespace

void LayerBackend::ForwardImages(const ImageConv&, const Matrix&, Matrix&, Pass) { NoImages(*this); }
void LayerBackend::BackwardImages(const ImageConv&, const Matrix&, Matrix&) { NoImages(*this); }
void LayerBackend::UpdateImages(const ImageConv&, const Matrix&, const Matrix&, const SgdStep&, Vector&) {
  NoImages(*this);
}

void WriteNumbers(StateMap& state, const std::string& group, std::initializer_list<NamedNumber> values) {
  for (const auto& [name, v] : values) state[group + "." + name] = MatrixD::Constant(1, 1, v);
}

bool ReadNumbers(const StateMap& state, const std::string& group, std::initializer_list<const char*> names,
                 std::vector<double>& values) {
  values.clear();
  bool any = false;
  for (const char* name : names) any = any || state.count(group + "." + name) > 0;
  if (!any) return false;
  for (const char* name : names) {
    const std::string key = group + "." + name;
    const auto it = state.find(key);
    if (it == state.end()) throw IoError(StrCat("checkpoint entry '", key, "' is missing"));
    if (it->second.size() != 1) {
      throw DimensionError(StrCat("checkpoint entry '", key, "' holds ", it->second.size(), " numbers, expected 1"));
    }
    values.push_back(it->second(0, 0));
  }
  return true;
}

void WriteTallies(StateMap& state, std::initializer_list<std::pair<const char*, const energy::GemmTally*>> tallies) {
  for (const auto& [name, t] : tallies) {
    WriteNumbers(state, std::string("tallies.") + name, {{"calls", t->calls}, {"samples", t->samples}});
  }
}

void ReadTallies(const StateMap& state, std::initializer_list<std::pair<const char*, energy::GemmTally*>> tallies) {
  std::vector<double> v;
  for (const auto& [name, t] : tallies) {
    if (!ReadNumbers(state, std::string("tallies.") + name, {"calls", "samples"}, v)) continue;
    t->calls = v[0];
    t->samples = v[1];
  }
}

bool ReadMatrix(const StateMap& state, const char* name, Matrix& m) {
  const auto it = state.find(name);
  if (it == state.end()) return false;
  if (it->second.rows() != m.rows() || it->second.cols() != m.cols()) {
    throw DimensionError(StrCat("checkpoint entry '", name, "' is ", it->second.rows(), "x", it->second.cols(),
                                ", the layer's is ", m.rows(), "x", m.cols()));
  }
  m = it->second.cast<float>();
  return true;
}

}  // namespace pcmsim::nn
