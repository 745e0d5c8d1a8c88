// Experiment files: strict loading with clear messages, overrides, and checkpoint/resume
// that reproduces an uninterrupted run bit for bit.
#include "pcmsim/experiment/experiment.hpp"

#include <cmath>
#include <cstring>
#include <hdf5.h>
#include <fstream>
#include <iterator>

#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

std::filesystem::path Fp32Toml() { return testing::SourceDir() / "experiments" / "mnist_fp32.toml"; }

TEST(ExperimentTest, ShippedFileLoads) {
  const Experiment e = LoadExperiment(Fp32Toml());
  EXPECT_EQ(e.name, "mnist_fp32");
  EXPECT_EQ(e.model.layers, (std::vector<Index>{784, 256, 128, 10}));
  EXPECT_TRUE(std::filesystem::exists(e.data.train_images));
  EXPECT_NE(e.config_text.find("mnist_fp32"), std::string::npos);
}

TEST(ExperimentTest, OverridesApply) {
  const Experiment e = LoadExperiment(Fp32Toml(), {"train.epochs=2", "model.layers=[784, 32, 10]"});
  EXPECT_EQ(e.train.epochs, 2);
  EXPECT_EQ(e.model.layers.size(), 3u);
  EXPECT_NE(e.config_text.find("epochs = 2"), std::string::npos);
}

TEST(ExperimentTest, BadInputNamesFileKeyAndReason) {
  const std::string file = Fp32Toml().string();
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"train.lrate=0.1"}), ConfigError, file.c_str(),
                          "unknown key", "train.lrate");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"train.lr=-1"}), ConfigError, file.c_str(), "train.lr = -1",
                          "positive");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"train.epochs=2.5"}), ConfigError, "train.epochs",
                          "integer");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"data.test_images=nope.gz"}), ConfigError,
                          "data.test_images", "nope.gz", "no such file");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"model.backend=fp64"}), ConfigError, "fp64", "fp32");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"model.layer_backends=['fp32']"}), ConfigError,
                          "model.layer_backends", "one backend per layer");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(Fp32Toml(), {"model.activation=swish"}), ConfigError,
                          "model.activation", "swish");
}

// A run stopped after epoch 2 and resumed from its checkpoint equals the uninterrupted run
// bit for bit: weights, accuracy (also over drift time) and energy, for every backend and
// analog training method (on-device training checkpoints the whole device state).
struct ResumeCase {
  const char* name;
  const char* toml;
  std::vector<std::string> extra;
};

void PrintTo(const ResumeCase& c, std::ostream* os) { *os << c.name; }

class ResumeTest : public ::testing::TestWithParam<ResumeCase> {};

TEST_P(ResumeTest, ResumedRunEqualsUninterruptedRun) {
  const ResumeCase& c = GetParam();
  const auto dir = testing::TempDir();
  const bool cnn = std::string(c.toml).find("cnn") != std::string::npos;
  std::vector<std::string> small = {"train.epochs=3", "data.train_limit=1500", "data.test_limit=500"};
  if (cnn) {
    small = {"train.epochs=3", "data.train_limit=300", "data.test_limit=200"};
  } else {
    small.push_back("model.layers=[784, 64, 10]");
  }
  small.insert(small.end(), c.extra.begin(), c.extra.end());
  const Experiment e = LoadExperiment(testing::SourceDir() / "experiments" / c.toml, small);
  RunOptions full;
  full.output = dir / "full.h5";
  const RunSummary s_full = RunExperiment(e, full);

  // Crash after epoch 2: the checkpoint survives, no result file appears.
  RunOptions crash;
  crash.output = dir / "resumed.h5";
  crash.progress.on_epoch = [](const nn::EpochMetrics& m) {
    if (m.epoch == 2) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(RunExperiment(e, crash), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(crash.output));
  EXPECT_TRUE(std::filesystem::exists(crash.output.string() + ".ckpt"));

  RunOptions resume;
  resume.output = crash.output;
  resume.resume = true;
  const RunSummary s_res = RunExperiment(e, resume);
  EXPECT_EQ(s_res.test_accuracy, s_full.test_accuracy);
  EXPECT_EQ(s_res.history.size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(crash.output.string() + ".ckpt"));

  io::H5Reader a(full.output), b(resume.output);
  std::vector<std::string> datasets;
  for (const std::string& layer : a.Children("/model")) {
    if (!a.Exists("/model/" + layer + "/weights")) continue;
    datasets.push_back("/model/" + layer + "/weights");
    datasets.push_back("/model/" + layer + "/bias");
  }
  EXPECT_EQ(datasets.size(), cnn ? 10u : 4u);
  if (a.Exists("/evaluation/accuracy_compensated")) {
    datasets.push_back("/evaluation/accuracy_compensated");
    datasets.push_back("/evaluation/accuracy_uncompensated");
  }
  for (const std::string& w : datasets) {
    const MatrixD wa = a.ReadMatrix(w), wb = b.ReadMatrix(w);
    ASSERT_EQ(wa.size(), wb.size());
    EXPECT_EQ(0, std::memcmp(wa.data(), wb.data(), sizeof(double) * wa.size())) << w;
  }
  // Energies: the same event counts, but a resumed run adds the integrated read conductance
  // (a double) in another order, so equal up to rounding.
  const auto near = [](double x, double y) { return std::abs(x - y) <= 1e-12 * std::abs(x); };
  for (const char* attr : {"energy_per_train_step_J", "energy_per_inference_J"}) {
    EXPECT_TRUE(near(a.AttrDouble("/summary", attr), b.AttrDouble("/summary", attr))) << attr;
  }
  EXPECT_TRUE(near(a.AttrDouble("/energy", "total_J"), b.AttrDouble("/energy", "total_J")));
  EXPECT_GT(a.AttrDouble("/energy", "total_J"), 0.0);
  EXPECT_EQ(a.AttrDouble("/summary", "test_accuracy"), s_full.test_accuracy);
}

const std::vector<std::string> kAnalogSmall = {"inference.times_s=[1.0, 86400.0]", "inference.repeats=2"};

INSTANTIATE_TEST_SUITE_P(
    Backends, ResumeTest,
    ::testing::Values(ResumeCase{"fp32", "mnist_fp32.toml", {}},
                      ResumeCase{"fp8", "mnist_fp8.toml", {}},
                      ResumeCase{"analog_hwa", "mnist_analog_hwa.toml", kAnalogSmall},
                      ResumeCase{"analog_mixed", "mnist_analog_mixed.toml", kAnalogSmall},
                      ResumeCase{"analog_sgd", "mnist_analog_sgd.toml", kAnalogSmall},
                      ResumeCase{"cnn_fp32", "mnist_cnn_fp32.toml", {}},
                      ResumeCase{"cnn_analog_hwa", "mnist_cnn_analog_hwa.toml", kAnalogSmall},
                      ResumeCase{"cnn_analog_hwa_analog_bias", "mnist_cnn_analog_hwa.toml",
                                 {"inference.times_s=[1.0, 86400.0]", "inference.repeats=2", "model.digital_bias=false"}}),
    [](const ::testing::TestParamInfo<ResumeCase>& p) { return std::string(p.param.name); });

// A checkpoint whose state is not stored by name (layout 1: tile and counter fields by
// position, before the device seam) is refused with a message naming the file, not misread.
TEST(ExperimentTest, CheckpointOfOlderStateLayoutIsRefused) {
  const auto dir = testing::TempDir();
  const Experiment e = LoadExperiment(testing::SourceDir() / "experiments" / "mnist_fp32.toml",
                                      {"train.epochs=2", "data.train_limit=300", "data.test_limit=100",
                                       "model.layers=[784, 16, 10]"});
  RunOptions crash;
  crash.output = dir / "layout.h5";
  crash.progress.on_epoch = [](const nn::EpochMetrics& m) {
    if (m.epoch == 1) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(RunExperiment(e, crash), std::runtime_error);
  const std::string ckpt = crash.output.string() + ".ckpt";
  {
    const hid_t f = H5Fopen(ckpt.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    EXPECT_GE(H5Adelete_by_name(f, "/model", "state_layout", H5P_DEFAULT), 0);
    H5Fclose(f);
  }
  RunOptions resume;
  resume.output = crash.output;
  resume.resume = true;
  PCMSIM_EXPECT_THROW_MSG(RunExperiment(e, resume), IoError, ckpt.c_str(), "state layout 1", "without --resume");
}

std::string FileBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Regression: a run without --resume silently replaced (and at its end deleted) the
// checkpoint of an unfinished run of the same output. Also: the resume refusal names the
// changed key, and a threads-only change resumes.
TEST(ExperimentTest, UnfinishedCheckpointIsKeptUnlessResumeOrFresh) {
  const auto dir = testing::TempDir();
  const std::vector<std::string> small = {"train.epochs=3", "data.train_limit=500", "data.test_limit=200",
                                          "model.layers=[784, 16, 10]", "experiment.threads=1"};
  const Experiment e = LoadExperiment(Fp32Toml(), small);
  RunOptions crash;
  crash.output = dir / "r.h5";
  crash.progress.on_epoch = [](const nn::EpochMetrics& m) {
    if (m.epoch == 1) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(RunExperiment(e, crash), std::runtime_error);
  const std::filesystem::path ckpt = dir / "r.h5.ckpt";
  const std::string saved = FileBytes(ckpt);
  ASSERT_FALSE(saved.empty());

  RunOptions plain;
  plain.output = crash.output;
  PCMSIM_EXPECT_THROW_MSG(RunExperiment(e, plain), ConfigError, "r.h5.ckpt", "--resume", "--fresh");
  EXPECT_EQ(FileBytes(ckpt), saved);

  std::vector<std::string> other_lr = small;
  other_lr.push_back("train.lr=0.05");
  RunOptions resume = plain;
  resume.resume = true;
  PCMSIM_EXPECT_THROW_MSG(RunExperiment(LoadExperiment(Fp32Toml(), other_lr), resume), ConfigError, "r.h5.ckpt",
                          "train.lr was 0.1, now 0.05", "--fresh");
  EXPECT_EQ(FileBytes(ckpt), saved);

  std::vector<std::string> two_threads = small;
  two_threads.back() = "experiment.threads=2";
  const RunSummary resumed = RunExperiment(LoadExperiment(Fp32Toml(), two_threads), resume);
  EXPECT_EQ(resumed.history.size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(ckpt));

  EXPECT_THROW(RunExperiment(e, crash), std::runtime_error);
  ASSERT_TRUE(std::filesystem::exists(ckpt));
  RunOptions fresh = plain;
  fresh.fresh = true;
  const RunSummary s = RunExperiment(e, fresh);
  EXPECT_EQ(s.test_accuracy, resumed.test_accuracy);
  EXPECT_FALSE(std::filesystem::exists(ckpt));
}

TEST(ExperimentTest, InitFromEarlierResultReproducesItsAccuracy) {
  const auto dir = testing::TempDir();
  const Experiment e = LoadExperiment(Fp32Toml(), {"train.epochs=1", "data.train_limit=1000", "model.layers=[784, 32, 10]"});
  RunOptions o;
  o.output = dir / "a.h5";
  const RunSummary s = RunExperiment(e, o);
  const Experiment e2 = LoadExperiment(
      Fp32Toml(), {"train.epochs=0", "model.layers=[784, 32, 10]", "model.init_from=" + o.output.string()});
  o.output = dir / "b.h5";
  const RunSummary s2 = RunExperiment(e2, o);
  EXPECT_EQ(s2.test_accuracy, s.test_accuracy);
}

std::filesystem::path CnnToml() { return testing::SourceDir() / "experiments" / "mnist_cnn_fp32.toml"; }

TEST(ExperimentTest, CnnFileLoadsWithTheDataShape) {
  const Experiment e = LoadExperiment(CnnToml());
  EXPECT_EQ(e.model.input, (TensorShape{1, 28, 28}));
  ASSERT_EQ(e.model.specs.size(), 8u);
  EXPECT_EQ(e.model.specs[0].kind, nn::LayerKind::kConv2d);
  EXPECT_EQ(e.model.specs[0].padding, 2);
  EXPECT_EQ(e.model.WeightedInputs(), (std::vector<Index>{25, 150, 400, 120, 84}));
  // An override reaches one table of the array.
  const Experiment e2 = LoadExperiment(CnnToml(), {"model.layer.0.out_channels=4"});
  EXPECT_EQ(e2.model.specs[0].out_channels, 4);
  EXPECT_EQ(e2.model.WeightedInputs()[1], 100);
}

// Every bad layer description stops with one line: file, layer index, key and reason.
TEST(ExperimentTest, BadLayerNamesFileLayerKeyAndReason) {
  const std::string file = CnnToml().string();
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.2.kernal=3"}), ConfigError, file.c_str(),
                          "model.layer[2]", "unknown key 'kernal'");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.0.kernel=33"}), ConfigError, file.c_str(),
                          "model.layer[0]", "'kernel'", "larger than the input 1x28x28");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.2.out_channels=0"}), ConfigError, file.c_str(),
                          "model.layer[2]", "'out_channels'", ">= 1");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.4.type=relu"}), ConfigError, file.c_str(),
                          "model.layer[5]", "dense", "needs a flatten");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.1.type=maxpool3d"}), ConfigError, file.c_str(),
                          "model.layer[1]", "'type'", "maxpool3d");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.0.stride=1.5"}), ConfigError, file.c_str(),
                          "model.layer[0]", "'stride'", "integer");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layers=[784, 10]"}), ConfigError, file.c_str(),
                          "model.layers", "not both");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer_backends=['fp32']"}), ConfigError,
                          "model.layer_backends", "one backend per layer (5)");
}

TEST(ExperimentTest, DataOfAnotherShapeStopsTheRun) {
  // A CNN for 1x28x28 images given the data as a flat 784-vector per sample: the shape
  // comes from the images file, so here a network built for another shape is refused.
  Experiment exp = LoadExperiment(CnnToml(), {"train.epochs=1", "data.train_limit=100", "data.test_limit=100"});
  exp.model.input = {1, 32, 32};
  RunOptions o;
  o.output = testing::TempDir() / "x.h5";
  PCMSIM_EXPECT_THROW_MSG(RunExperiment(exp, o), DimensionError, "1x28x28", "1x32x32");
}

TEST(ExperimentTest, CnnInitFromEarlierResultReproducesItsAccuracy) {
  const auto dir = testing::TempDir();
  const std::vector<std::string> small = {"data.train_limit=300", "data.test_limit=300"};
  std::vector<std::string> first = small;
  first.push_back("train.epochs=1");
  const Experiment e = LoadExperiment(CnnToml(), first);
  RunOptions o;
  o.output = dir / "a.h5";
  const RunSummary s = RunExperiment(e, o);
  io::H5Reader r(o.output);
  EXPECT_EQ(r.AttrString("/model/layer_0", "type"), "conv2d");
  EXPECT_EQ(r.AttrString("/model/layer_0", "output_shape"), "6x28x28");
  EXPECT_EQ(r.AttrInt("/model/layer_0", "padding"), 2);
  EXPECT_EQ(r.ReadMatrix("/model/layer_2/weights").cols(), 150);
  EXPECT_EQ(r.AttrString("/model/layer_3", "type"), "maxpool2d");
  EXPECT_EQ(r.AttrString("/summary", "dataset"), "mnist/t10k-images-idx3-ubyte.gz");
  // Energy per inference is per image: conv layers' columns (one per output pixel) are not
  // counted as samples (one evaluation of the 300 test images after the epoch).
  EXPECT_EQ(r.AttrDouble("/energy", "inference_samples"), 300.0);
  std::vector<std::string> second = small;
  second.push_back("train.epochs=0");
  second.push_back("model.init_from=" + o.output.string());
  o.output = dir / "b.h5";
  EXPECT_EQ(RunExperiment(LoadExperiment(CnnToml(), second), o).test_accuracy, s.test_accuracy);
}

TEST(ExperimentTest, DigitalBiasKeyIsGlobalWithPerLayerOverride) {
  const Experiment a = LoadExperiment(CnnToml(), {"model.digital_bias=false", "model.layer.5.digital_bias=true"});
  std::vector<bool> kinds;
  for (const nn::LayerSpec& s : a.model.Network()) {
    if (s.Weighted()) kinds.push_back(s.digital_bias);
  }
  EXPECT_EQ(kinds, (std::vector<bool>{false, false, true, false, false}));
  EXPECT_EQ(LoadExperiment(Fp32Toml(), {"model.digital_bias=false"}).model.WeightedInputs(),
            (std::vector<Index>{785, 257, 129}));
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.1.digital_bias=false"}), ConfigError,
                          "model.layer[1] (maxpool2d): unknown key 'digital_bias'");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(CnnToml(), {"model.layer.0.digital_bias=3"}), ConfigError,
                          "model.layer[0] (conv2d): key 'digital_bias': expected true or false");
}

// model.digital_bias = false: the bias is a matrix column, but the result file keeps the
// layout of a digital bias (weights out x in, bias apart) and says where it was; the file
// initialises a network with either bias (bit-identical accuracy with the same kind).
TEST(ExperimentTest, MatrixBiasResultFileKeepsTheLayoutAndInitialisesEitherKind) {
  const auto dir = testing::TempDir();
  const std::vector<std::string> small = {"data.train_limit=300", "data.test_limit=300"};
  std::vector<std::string> first = small;
  first.insert(first.end(), {"train.epochs=1", "model.digital_bias=false"});
  const Experiment e = LoadExperiment(CnnToml(), first);
  EXPECT_EQ(e.model.WeightedInputs(), (std::vector<Index>{26, 151, 401, 121, 85}));
  RunOptions o;
  o.output = dir / "a.h5";
  const RunSummary s = RunExperiment(e, o);
  {
    io::H5Reader r(o.output);
    EXPECT_EQ(r.AttrInt("/model/layer_0", "digital_bias"), 0);
    EXPECT_EQ(r.ReadMatrix("/model/layer_0/weights").cols(), 25);
    EXPECT_EQ(r.ReadMatrix("/model/layer_2/weights").cols(), 150);
    EXPECT_NE(r.ReadMatrix("/model/layer_0/bias").norm(), 0.0);
  }
  for (const char* digital : {"false", "true"}) {
    SCOPED_TRACE(digital);
    std::vector<std::string> second = small;
    second.insert(second.end(), {"train.epochs=0", "model.init_from=" + o.output.string(),
                                 std::string("model.digital_bias=") + digital});
    RunOptions o2;
    o2.output = dir / (std::string("b_") + digital + ".h5");
    const double acc = RunExperiment(LoadExperiment(CnnToml(), second), o2).test_accuracy;
    if (std::string(digital) == "false") {
      EXPECT_EQ(acc, s.test_accuracy);
    } else {
      EXPECT_NEAR(acc, s.test_accuracy, 1.0 / 300 + 1e-12);  // float rounding may flip a tie
    }
  }
}

}  // namespace
}  // namespace pcmsim::experiment
