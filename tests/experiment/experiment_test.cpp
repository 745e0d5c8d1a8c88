// Experiment files: strict loading with clear messages, overrides, and checkpoint/resume
// that reproduces an uninterrupted run bit for bit.
#include "pcmsim/experiment/experiment.hpp"

#include <cmath>
#include <cstring>
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
  std::vector<std::string> small = {"train.epochs=3", "data.train_limit=1500", "data.test_limit=500",
                                    "model.layers=[784, 64, 10]"};
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
  std::vector<std::string> datasets = {"/model/layer_0/weights", "/model/layer_1/weights", "/model/layer_1/bias"};
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
                      ResumeCase{"analog_sgd", "mnist_analog_sgd.toml", kAnalogSmall}),
    [](const ::testing::TestParamInfo<ResumeCase>& p) { return std::string(p.param.name); });

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

}  // namespace
}  // namespace pcmsim::experiment
