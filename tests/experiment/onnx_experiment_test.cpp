// model.onnx: architecture and weights from an ONNX file. Every imported test model that
// the layer graph expresses computes what numpy computes for the same file (dense, conv,
// pools, flatten/reshape, activations); an imported MLP gives bit-identical logits to the
// same weights loaded through model.init_from; what the graph cannot express, or data that
// do not fit the file's input, stop the load with one line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
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

// An IDX images file of `dims` (all zero bytes) and a labels file to go with it.
void WriteIdxPair(const std::filesystem::path& images, const std::filesystem::path& labels,
                  const std::vector<std::uint32_t>& dims) {
  auto header = [](const std::vector<std::uint32_t>& d) {
    std::string s = {0, 0, 8, static_cast<char>(d.size())};
    for (auto v : d)
      for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
    return s;
  };
  size_t n = 1;
  for (auto v : dims) n *= v;
  testing::WriteFile(images, header(dims) + std::string(n, '\0'));
  testing::WriteFile(labels, header({dims[0]}) + std::string(dims[0], '\0'));
}

// An experiment file in `dir` whose training data have per-sample `shape` + the `model` lines.
std::filesystem::path WriteExperiment(const std::filesystem::path& dir, const std::vector<std::uint32_t>& shape,
                                      const std::string& model) {
  std::vector<std::uint32_t> dims = {4};
  dims.insert(dims.end(), shape.begin(), shape.end());
  WriteIdxPair(dir / "images.idx", dir / "labels.idx", dims);
  std::ostringstream os;
  os << "[data]\ntrain_images = \"images.idx\"\ntrain_labels = \"labels.idx\"\n"
     << "[model]\n" << model << "\n[train]\nepochs = 0\n";
  const auto path = dir / "exp.toml";
  testing::WriteFile(path, os.str());
  return path;
}

std::string OnnxKey(const std::string& name) { return "onnx = \"" + OnnxFile(name).string() + "\""; }

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

struct Case {
  const char* model;
  std::vector<std::uint32_t> shape;  // per-sample data shape the file takes
};

TEST(OnnxExperimentTest, ImportedNetworksComputeWhatNumpyComputes) {
  const std::vector<Case> cases = {{"mlp_gemm", {12}},       {"mlp_matmul", {10}},        {"mlp_relu", {4, 4}},
                                   {"cnn_reshape", {6, 6}}, {"cnn_view_opset11", {5, 5}}, {"cnn_view_opset13", {5, 5}},
                                   {"cnn_pad", {2, 6, 6}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.model);
    const auto dir = testing::TempDir() / c.model;
    std::filesystem::create_directories(dir);
    const Experiment e = LoadExperiment(WriteExperiment(dir, c.shape, OnnxKey(c.model)));
    nn::Network net = BuildNetwork(e);
    const std::vector<double> in = ExpectedLine(c.model, 1), want = ExpectedLine(c.model, 2);
    ASSERT_EQ(static_cast<Index>(in.size()), net.Inputs());
    Matrix x(net.Inputs(), 1);
    for (Index r = 0; r < x.rows(); ++r) x(r, 0) = static_cast<float>(in[static_cast<size_t>(r)]);
    const Matrix y = net.Forward(x, nn::Pass::kEval);
    ASSERT_EQ(static_cast<size_t>(y.rows()), want.size());
    for (Index r = 0; r < y.rows(); ++r) {
      EXPECT_NEAR(y(r, 0), want[static_cast<size_t>(r)], 1e-5 * (1 + std::abs(want[static_cast<size_t>(r)])));
    }
  }
}

// Files written by torch.onnx.export itself (scripts/export_torch_onnx.py, PyTorch 1.13):
// pcmsim's FP32 forward of the imported network gives PyTorch's logits on the first 64 MNIST
// test digits to float rounding, and PyTorch's count of correct digits on all 10k.
// Tolerance: |pcmsim - torch| <= 2e-5 (1 + |torch|) per logit (both float32 with different
// summation orders; logits are O(10)).
TEST(OnnxExperimentTest, TorchExportedFilesGivePyTorchsLogits) {
  const auto root = testing::SourceDir();
  for (const char* name : {"torch_mlp_opset13", "torch_cnn_opset11", "torch_cnn_opset17"}) {
    SCOPED_TRACE(name);
    const auto dir = testing::TempDir() / name;
    std::filesystem::create_directories(dir);
    const auto mnist = root / "data" / "mnist";
    std::ostringstream toml;
    toml << "[data]\ntrain_images = \"" << (mnist / "t10k-images-idx3-ubyte.gz").string() << "\"\n"
         << "train_labels = \"" << (mnist / "t10k-labels-idx1-ubyte.gz").string() << "\"\n"
         << "[model]\nonnx = \"" << (root / "experiments" / "onnx" / (std::string(name) + ".onnx")).string()
         << "\"\n[train]\nepochs = 0\n";
    testing::WriteFile(dir / "exp.toml", toml.str());
    const Experiment e = LoadExperiment(dir / "exp.toml");
    nn::Network net = BuildNetwork(e);
    const io::Dataset test = LoadTrainSet(e);
    ASSERT_EQ(test.Samples(), 10000);

    std::ifstream ref(root / "experiments" / "onnx" / (std::string(name) + ".torch.txt"));
    std::string word;
    int torch_correct = -1;
    ref >> word >> torch_correct;
    ASSERT_EQ(word, "accuracy");
    Matrix logits(10, test.Samples());
    for (Index s0 = 0; s0 < test.Samples(); s0 += 1000) {  // batches: im2col of 10k digits is large
      logits.middleCols(s0, 1000) = net.Forward(test.x.middleCols(s0, 1000), nn::Pass::kEval);
    }
    double worst = 0;
    for (Index s = 0; s < 64; ++s) {
      for (Index k = 0; k < 10; ++k) {
        double want = 0;
        ASSERT_TRUE(ref >> want) << "reference file too short";
        const double err = std::abs(logits(k, s) - want) / (1 + std::abs(want));
        worst = std::max(worst, err);
        EXPECT_LE(err, 2e-5) << "digit " << s << " class " << k << ": pcmsim " << logits(k, s) << ", torch " << want;
      }
    }
    int correct = 0;
    for (Index s = 0; s < logits.cols(); ++s) {
      Index best = 0;
      logits.col(s).maxCoeff(&best);
      correct += best == test.labels[static_cast<size_t>(s)];
    }
    EXPECT_EQ(correct, torch_correct);
    std::printf("%s: worst relative logit difference %.2e, correct %d (torch %d)\n", name, worst, correct,
                torch_correct);
  }
}

TEST(OnnxExperimentTest, ImportedMlpGivesBitIdenticalLogitsToInitFrom) {
  const auto dir = testing::TempDir();
  const Experiment a = LoadExperiment(WriteExperiment(dir, {4, 4}, OnnxKey("mlp_relu")));
  ASSERT_EQ(a.model.specs.size(), 2u);  // Flatten dropped, Relu folded into the first dense layer
  EXPECT_EQ(a.model.specs[0].activation, nn::Activation::kRelu);
  nn::Network net_a = BuildNetwork(a);
  Matrix x(16, 5);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i % 7) * 0.17f - 0.3f;
  const Matrix logits_a = net_a.Forward(x, nn::Pass::kEval);

  const auto h5 = dir / "weights.h5";
  {
    io::H5Writer out(h5);
    WriteProvenance(out, "run", 1, UtcNow());
    WriteModel(out, net_a, false);
    out.Commit();
  }
  const Experiment b = LoadExperiment(WriteExperiment(dir, {16}, "layers = [16, 8, 3]\ninit_from = \"weights.h5\""));
  nn::Network net_b = BuildNetwork(b);
  const Matrix logits_b = net_b.Forward(x, nn::Pass::kEval);
  ASSERT_EQ(logits_a.rows(), logits_b.rows());
  ASSERT_EQ(logits_a.cols(), logits_b.cols());
  EXPECT_EQ(std::memcmp(logits_a.data(), logits_b.data(), sizeof(float) * static_cast<size_t>(logits_a.size())), 0);
  EXPECT_NE(logits_a.norm(), 0.0f);
}

// train.epochs > 0 fine-tunes the imported weights; the result file says where they came from.
TEST(OnnxExperimentTest, FineTuningStartsFromTheFileAndResultsNameIt) {
  const auto dir = testing::TempDir();
  const Experiment e = LoadExperiment(WriteExperiment(dir, {4, 4}, OnnxKey("mlp_relu")),
                                      {"train.epochs=1", "train.batch_size=2", "train.lr=0.5"});
  const nn::Network imported = BuildNetwork(e);
  RunOptions o;
  o.output = dir / "run.h5";
  o.checkpoint = false;
  RunExperiment(e, o);
  io::H5Reader in(o.output);
  EXPECT_EQ(in.AttrString("/config", "onnx_file"), OnnxFile("mlp_relu").lexically_normal().string());
  EXPECT_EQ(in.AttrString("/config", "onnx_producer"), "pcmsim make_onnx_models.py");
  EXPECT_EQ(in.AttrInt("/config", "onnx_opset"), 14);
  // Trained on 4 all-zero images labelled 0: the biases move, the weights (zero inputs) do not.
  const MatrixD w0 = in.ReadMatrix("/model/layer_0/weights");
  const MatrixD b1 = in.ReadMatrix("/model/layer_1/bias");
  EXPECT_EQ(w0.cast<float>(), imported.weighted(0).backend().Weights());
  EXPECT_NE(b1.cast<float>().col(0), imported.weighted(1).bias());
}

TEST(OnnxExperimentTest, ShippedMnistExamplesLoad) {
  for (const char* file : {"mnist_onnx_analog.toml", "mnist_onnx_cnn_analog.toml", "mnist_torch_cnn_analog.toml"}) {
    SCOPED_TRACE(file);
    const Experiment e = LoadExperiment(testing::SourceDir() / "experiments" / file, {"model.backend=fp32"});
    EXPECT_TRUE(e.model.imported);
    EXPECT_NO_THROW(BuildNetwork(e));
  }
}

TEST(OnnxExperimentTest, ConflictsUnexpressibleModelsAndWrongDataNameFileKeyAndNode) {
  const auto dir = testing::TempDir();
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, {4, 4}, OnnxKey("mlp_relu") + "\nlayers = [16, 8, 3]")),
                          ConfigError, "exp.toml: key 'model.layers': conflicts with model.onnx");
  PCMSIM_EXPECT_THROW_MSG(
      LoadExperiment(WriteExperiment(dir, {4, 4}, OnnxKey("mlp_relu") + "\n[[model.layer]]\ntype = \"flatten\"")),
      ConfigError, "key 'model.layer': conflicts with model.onnx");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, {2, 8, 8}, OnnxKey("bad_conv_group"))), ConfigError,
                          "key 'model.onnx'", "bad_conv_group.onnx: node '/conv/Conv' (Conv): group = 2");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, {2, 9, 9}, OnnxKey("cnn"))), ConfigError,
                          "cnn.onnx: node '/pool3/AveragePool' (AveragePool): padding with count_include_pad = 0");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, {5, 5}, OnnxKey("mlp_relu"))), ConfigError,
                          "key 'model.onnx'", "mlp_relu.onnx takes inputs of 1x4x4", "are 1x5x5");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(WriteExperiment(dir, {4, 4}, "onnx = \"missing.onnx\"")), ConfigError,
                          "key 'model.onnx'", "missing.onnx: no such file");
}

}  // namespace
}  // namespace pcmsim::experiment
