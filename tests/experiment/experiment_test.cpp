// Experiment files: strict loading with clear messages, overrides, and checkpoint/resume
// that reproduces an uninterrupted run bit for bit.
#include "pcmsim/experiment/experiment.hpp"

#include <cstring>

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

TEST(ExperimentTest, ResumedRunEqualsUninterruptedRun) {
  const auto dir = testing::TempDir();
  const std::vector<std::string> small = {"train.epochs=3", "data.train_limit=1500", "data.test_limit=500",
                                          "model.layers=[784, 64, 10]"};
  const Experiment e = LoadExperiment(Fp32Toml(), small);
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
  for (const char* w : {"/model/layer_0/weights", "/model/layer_1/weights", "/model/layer_1/bias"}) {
    const MatrixD wa = a.ReadMatrix(w), wb = b.ReadMatrix(w);
    ASSERT_EQ(wa.size(), wb.size());
    EXPECT_EQ(0, std::memcmp(wa.data(), wb.data(), sizeof(double) * wa.size())) << w;
  }
  EXPECT_EQ(a.AttrString("/summary", "backend"), "fp32");
  EXPECT_EQ(a.AttrDouble("/summary", "test_accuracy"), s_full.test_accuracy);
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

}  // namespace
}  // namespace pcmsim::experiment
