// Writing and reading the parts of a result file shared by run, checkpoint and resume.
#include "pcmsim/experiment/result_file.hpp"

#include <hdf5.h>

#include <boost/version.hpp>
#include <chrono>
#include <cmath>
#include <ctime>

#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim::experiment {

std::string UtcNow() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void CheckPcmsimFile(const io::H5Reader& in, std::string_view kind) {
  const std::string file = in.Path().string();
  if (!in.HasAttr("/", "schema_version") || !in.HasAttr("/", "kind")) {
    throw IoError(StrCat(file, ": not a pcmsim file (an HDF5 file without pcmsim's schema_version and kind attributes)"));
  }
  if (in.AttrKind("/", "schema_version") != io::H5Kind::kInteger) {
    throw IoError(StrCat(file, ": schema_version is not an integer (not a pcmsim file?)"));
  }
  const std::int64_t v = in.AttrInt("/", "schema_version");
  if (v < 1 || v > kSchemaVersion) {
    throw IoError(StrCat(file, ": schema version ", v, " is not one this pcmsim reads (1 to ", kSchemaVersion,
                         "; written by a newer pcmsim?)"));
  }
  if (!kind.empty() && in.AttrString("/", "kind") != kind) {
    throw IoError(StrCat(file, ": is a pcmsim '", in.AttrString("/", "kind"), "' file, expected a '", kind, "' file"));
  }
}

void WriteProvenance(io::H5Writer& out, std::string_view kind, std::uint64_t seed, const std::string& start_time) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  out.WriteAttr("/", "schema_version", kSchemaVersion);
  out.WriteAttr("/", "kind", kind);
  out.WriteAttr("/", "pcmsim_version", build_info::kVersion);
  out.WriteAttr("/", "git_commit", build_info::kGitCommit);
  out.WriteAttr("/", "git_dirty", build_info::kGitDirty);
  out.WriteAttr("/", "build_type", build_info::kBuildType);
  out.WriteAttr("/", "compiler", build_info::kCompiler);
  out.WriteAttr("/", "eigen_version",
                StrCat(EIGEN_WORLD_VERSION, ".", EIGEN_MAJOR_VERSION, ".", EIGEN_MINOR_VERSION));
  out.WriteAttr("/", "hdf5_version", StrCat(maj, ".", min, ".", rel));
  out.WriteAttr("/", "boost_version", StrCat(BOOST_VERSION / 100000, ".", BOOST_VERSION / 100 % 1000, ".",
                                             BOOST_VERSION % 100));
  out.WriteAttr("/", "seed", static_cast<std::int64_t>(seed));
  // The threads that actually ran (a setting above the work's chunk count runs fewer).
  out.WriteAttr("/", "threads", static_cast<std::int64_t>(ThreadsUsed()));
  out.WriteAttr("/", "threads_requested", static_cast<std::int64_t>(NumThreads()));
  out.WriteAttr("/", "start_time", start_time);
}

void WriteMetrics(io::H5Writer& out, const std::vector<nn::EpochMetrics>& h) {
  std::vector<std::int64_t> epoch;
  std::vector<double> lr, loss, train_acc, test_acc, seconds, rate;
  for (const auto& m : h) {
    epoch.push_back(m.epoch);
    lr.push_back(m.lr);
    loss.push_back(m.train_loss);
    train_acc.push_back(m.train_accuracy);
    test_acc.push_back(m.test_accuracy);
    seconds.push_back(m.seconds);
    rate.push_back(m.samples_per_second);
  }
  out.CreateGroup("/metrics");
  out.WriteVector("/metrics/epoch", epoch);
  out.WriteVector("/metrics/lr", lr);
  out.WriteVector("/metrics/train_loss", loss);
  out.WriteVector("/metrics/train_accuracy", train_acc);
  out.WriteVector("/metrics/test_accuracy", test_acc);
  out.WriteVector("/metrics/seconds", seconds);
  out.WriteVector("/metrics/samples_per_second", rate);
  out.WriteAttr("/metrics", "note", "test_accuracy is -1 for epochs without evaluation; seconds exclude evaluation");
}

std::vector<nn::EpochMetrics> ReadMetrics(const io::H5Reader& in) {
  std::vector<nn::EpochMetrics> h;
  if (!in.Exists("/metrics/epoch")) return h;
  const auto epoch = in.ReadVector("/metrics/epoch");
  const auto lr = in.ReadVector("/metrics/lr");
  const auto loss = in.ReadVector("/metrics/train_loss");
  const auto tr = in.ReadVector("/metrics/train_accuracy");
  const auto te = in.ReadVector("/metrics/test_accuracy");
  const auto sec = in.ReadVector("/metrics/seconds");
  const auto rate = in.ReadVector("/metrics/samples_per_second");
  // Every column has one entry per epoch, and epochs are whole numbers in int range (a
  // shorter column was read past its end, found by fuzz/fuzz_result_h5).
  const std::string file = in.Path().string();
  for (const auto& [name, column] : {std::pair{"lr", &lr}, {"train_loss", &loss}, {"train_accuracy", &tr},
                                     {"test_accuracy", &te}, {"seconds", &sec}, {"samples_per_second", &rate}}) {
    if (column->size() != epoch.size()) {
      throw IoError(StrCat(file, ": /metrics/", name, " has ", column->size(), " entries but /metrics/epoch has ",
                           epoch.size()));
    }
  }
  for (size_t i = 0; i < epoch.size(); ++i) {
    if (!(epoch[i] >= 0 && epoch[i] <= 1e9 && epoch[i] == std::floor(epoch[i]))) {
      throw IoError(StrCat(file, ": /metrics/epoch[", i, "] = ", epoch[i], " is not an epoch number"));
    }
    h.push_back({static_cast<int>(epoch[i]), lr[i], loss[i], tr[i], te[i], sec[i], rate[i]});
  }
  return h;
}

namespace {

void WriteShape(io::H5Writer& out, const std::string& g, const std::string& name, const TensorShape& t) {
  out.WriteAttr(g, name, t.ToString());
}

}  // namespace

void WriteModel(io::H5Writer& out, const nn::Network& net, bool with_state) {
  out.CreateGroup("/model");
  out.WriteAttr("/model", "layers", static_cast<std::int64_t>(net.NumLayers()));
  if (with_state) out.WriteAttr("/model", "state_layout", kStateLayout);
  WriteShape(out, "/model", "input_shape", net.InputShape());
  out.WriteAttr("/model", "note",
                "layer_<i> in order; shapes are channels x height x width of one sample; weights are out x in "
                "(dense: units x input features; conv2d: out_channels x (in_channels*kernel*kernel), columns in "
                "(channel, kernel row, kernel column) order)");
  for (Index i = 0; i < net.NumLayers(); ++i) {
    const nn::Layer& layer = net.layer(i);
    const nn::LayerSpec& spec = layer.Spec();
    const std::string g = StrCat("/model/layer_", i);
    out.CreateGroup(g);
    out.WriteAttr(g, "type", spec.TypeName());
    WriteShape(out, g, "input_shape", layer.InputShape());
    WriteShape(out, g, "output_shape", layer.OutputShape());
    switch (spec.kind) {
      case nn::LayerKind::kDense: out.WriteAttr(g, "units", static_cast<std::int64_t>(spec.units)); break;
      case nn::LayerKind::kConv2d:
        out.WriteAttr(g, "out_channels", static_cast<std::int64_t>(spec.out_channels));
        [[fallthrough]];
      case nn::LayerKind::kMaxPool2d:
      case nn::LayerKind::kAvgPool2d:
        out.WriteAttr(g, "kernel", static_cast<std::int64_t>(spec.kernel));
        out.WriteAttr(g, "stride", static_cast<std::int64_t>(nn::EffectiveStride(spec)));
        out.WriteAttr(g, "padding", static_cast<std::int64_t>(spec.padding));
        break;
      default: break;
    }
    if (!spec.Weighted()) continue;
    const auto& l = static_cast<const nn::WeightedLayer&>(layer);
    out.WriteAttr(g, "backend", l.backend().Name());
    out.WriteAttr(g, "activation", nn::ToString(l.activation()));
    out.WriteAttr(g, "digital_bias", static_cast<std::int64_t>(l.MatrixBias() ? 0 : 1));
    // out x in and the bias, wherever the layer keeps it (a matrix bias column is split off)
    out.WriteMatrix(g + "/weights", l.Weights());
    out.WriteMatrix(g + "/bias", Matrix(l.Bias()));
    if (!with_state) continue;
    out.WriteMatrix(g + "/bias_velocity", Matrix(l.bias_velocity()));
    nn::StateMap state;
    l.backend().SaveState(state);
    for (const auto& [name, m] : state) out.WriteMatrix(g + "/state/" + name, m);
  }
}

void ReadModel(const io::H5Reader& in, nn::Network& net, bool with_state) {
  const std::string file = in.Path().string();
  if (with_state && (!in.HasAttr("/model", "state_layout") || in.AttrInt("/model", "state_layout") != kStateLayout)) {
    throw IoError(StrCat(file, ": checkpoint state layout ",
                         in.HasAttr("/model", "state_layout") ? std::to_string(in.AttrInt("/model", "state_layout")) : "1",
                         " is not ", kStateLayout, " (made by an older pcmsim); remove it or rerun without --resume"));
  }
  for (Index k = 0; k < net.NumWeighted(); ++k) {
    const Index i = net.WeightedIndices()[static_cast<size_t>(k)];
    nn::WeightedLayer& l = net.weighted(k);
    const std::string g = StrCat("/model/layer_", i);
    if (!in.Exists(g + "/weights")) throw IoError(StrCat(file, ": no weights for layer ", i, " (", g, ")"));
    const std::string type = in.HasAttr(g, "type") ? in.AttrString(g, "type") : "dense";
    if (type != l.Spec().TypeName()) {
      throw DimensionError(StrCat(file, ": layer ", i, " is a ", type, " layer, the network's layer ", i, " is ",
                                  l.Spec().TypeName()));
    }
    const MatrixD w = in.ReadMatrix(g + "/weights");
    if (w.rows() != l.backend().Outputs() || w.cols() != l.Inputs()) {
      throw DimensionError(StrCat(file, ": layer ", i, " weights are ", w.rows(), "x", w.cols(),
                                  ", the network's layer is ", l.backend().Outputs(), "x", l.Inputs()));
    }
    // Bias and its velocity: one value per output, as a column (a wrong length was taken
    // as is and overran the layer's output in the next forward pass).
    const auto column = [&](const std::string& name) {
      const MatrixD b = in.ReadMatrix(g + "/" + name);
      if (b.rows() != l.backend().Outputs() || b.cols() != 1) {
        throw DimensionError(StrCat(file, ": layer ", i, " ", name, " is ", b.rows(), "x", b.cols(), ", the layer has ",
                                    l.backend().Outputs(), " outputs"));
      }
      return b.cast<float>().col(0).eval();
    };
    l.SetParameters(w.cast<float>(), column("bias"));
    if (!with_state) continue;
    if (in.Exists(g + "/bias_velocity")) l.bias_velocity() = column("bias_velocity");
    nn::StateMap state;
    for (const auto& name : in.Children(g + "/state")) state[name] = in.ReadMatrix(g + "/state/" + name);
    try {
      l.backend().LoadState(state);
    } catch (const Error& e) {
      throw IoError(StrCat(file, ": ", g, "/state: ", e.what()));
    }
  }
}

}  // namespace pcmsim::experiment
