// model.onnx: architecture and weights from an ONNX file. The imported network computes
// what numpy computes for the same file, gives bit-identical logits to the same weights
// loaded through model.init_from, and refuses what it cannot express with one clear line.
#include <fstream>
#include <sstream>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

std::filesystem::path OnnxFile(const std::string& name) {
  return testing::SourceDir() / "tests" / "data" / "onnx" / (name + ".onnx");
}

// An experiment file in a temp folder: MNIST paths (not read by these tests) + `model`.
std::filesystem::path WriteExperiment(const std::filesystem::path& dir, const std::string& model) {
  const auto mnist = testing::MnistDir();
  std::ostringstream os;
  os << "[data]\ntrain_images = \"" << (mnist / "train-10k-images-idx3-ubyte.gz").string() << "\"\n"
     << "train_labels = \"" << (mnist / "train-10k-labels-idx1-ubyte.gz").string() << "\"\n"
     << "[model]\n" << model << "\n[train]\nepochs = 0\n";
  const auto path = dir / "exp.toml";
  testing::WriteFile(path, os.str());
  return path;
}

std::vector<double> ExpectedLine(const std::string& name, int line_index) {
  std::ifstream in(testing::SourceDir() / "tests" / "data" / "onnx" / (name + ".expected.txt"));
  std::string line;
  for (int i = 0; i <= line_index; ++i) std::getline(in, line);
  std::istringstream ls(line);
  std::vector<double> v;
  double x;
  while (ls >> x) v.push_back(x);
  return v;
}

TEST(OnnxExperimentTest, ImportedMlpMatchesNumpyAndInitFromBitForBit) {
  const auto dir = testing::TempDir();
  const Experiment a = LoadExperiment(WriteExperiment(dir, "onnx = \"" + OnnxFile("mlp_relu").string() + "\""));
  EXPECT_EQ(a.model.layers, (std::vector<Index>{16, 8, 3}));
  EXPECT_EQ(a.model.activation, nn::Activation::kRelu);
  nn::Network net_a = BuildNetwork(a);

  // The numpy forward pass of the same file (make_onnx_models.py).
  const std::vector<double> in = ExpectedLine("mlp_relu", 1), want = ExpectedLine("mlp_relu", 2);
  ASSERT_EQ(in.size(), 16u);
  ASSERT_EQ(want.size(), 3u);
  Matrix x(16, 4);
  for (Index c = 0; c < x.cols(); ++c)
    for (Index r = 0; r < 16; ++r) x(r, c) = static_cast<float>(in[static_cast<size_t>(r)]) * (1.0f + 0.25f * static_cast<float>(c));
  const Matrix logits_a = net_a.Forward(x, nn::Pass::kEval);
  for (Index r = 0; r < 3; ++r) EXPECT_NEAR(logits_a(r, 0), want[static_cast<size_t>(r)], 1e-5);

  // The same weights through a result file and model.init_from.
  const auto h5 = dir / "weights.h5";
  {
    io::H5Writer out(h5);
    WriteModel(out, net_a, false);
    out.Commit();
  }
  const Experiment b = LoadExperiment(WriteExperiment(dir, "layers = [16, 8, 3]\ninit_from = \"" + h5.string() + "\""));
  nn::Network net_b = BuildNetwork(b);
  const Matrix logits_b = net_b.Forward(x, nn::Pass::kEval);
  ASSERT_EQ(logits_a.rows(), logits_b.rows());
  EXPECT_EQ(std::memcmp(logits_a.data(), logits_b.data(), sizeof(float) * static_cast<size_t>(logits_a.size())), 0);
}

TEST(OnnxExperimentTest, ShippedMnistExampleLoads) {
  const Experiment e = LoadExperiment(testing::SourceDir() / "experiments" / "mnist_onnx_analog.toml",
                                      {"model.backend=fp32"});
  EXPECT_EQ(e.model.layers, (std::vector<Index>{784, 128, 10}));
  EXPECT_NO_THROW(BuildNetwork(e));
}

TEST(OnnxExperimentTest, ConflictsAndUnexpressibleModelsNameFileKeyAndNode) {
  const auto dir = testing::TempDir();
  const std::string onnx = "onnx = \"" + OnnxFile("mlp_relu").string() + "\"\n";
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, onnx + "layers = [16, 8, 3]")), ConfigError,
                          "exp.toml: key 'model.layers': conflicts with model.onnx");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, "onnx = \"" + OnnxFile("bad_conv_group").string() + "\"")),
                          ConfigError, "key 'model.onnx'", "bad_conv_group.onnx: node '/conv/Conv' (Conv): group = 2");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, "onnx = \"" + OnnxFile("mlp_gemm").string() + "\"")),
                          ConfigError, "mlp_gemm.onnx: node '/act2/Sigmoid' (Sigmoid): hidden activations differ");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, "onnx = \"missing.onnx\"")), ConfigError,
                          "key 'model.onnx'", "missing.onnx: no such file");
}

}  // namespace
}  // namespace pcmsim::experiment
