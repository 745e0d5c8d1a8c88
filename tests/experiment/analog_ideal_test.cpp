// The analog training methods end to end: on ideal devices with perfect periphery every
// method (HWA, mixed precision, pulse-train SGD) matches the FP32 run of the same recipe and
// seed within 0.5 percentage points, also after programming and a year of (absent) drift.
// Labelled slow: the sanitizer stage of CI skips it.
#include <gtest/gtest.h>

#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/h5.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

std::filesystem::path Toml(const std::string& name) { return testing::SourceDir() / "experiments" / (name + ".toml"); }

// Ideal linear devices (constant SET step, 1000 levels) and perfect periphery.
std::vector<std::string> IdealAnalog() {
  std::vector<std::string> s = {"analog.device=" + (testing::SourceDir() / "devices" / "ideal.toml").string(),
                                "analog.cell.pulse.set_dg_slope=0",
                                "analog.cell.pulse.set_dg_offset_uS=0.025",
                                "analog.hwa_weight_noise=0",
                                "analog.tile.read_noise=false",
                                "analog.tile.drift_compensation=none",
                                "inference.times_s=[1.0, 31536000.0]",
                                "inference.repeats=1"};
  for (const std::string d : {"forward", "backward"}) {
    for (const std::string kv : {"dac_bits=0", "adc_bits=0", "output_bound=0", "output_noise=0", "bound_management=none"}) {
      s.push_back("analog.tile." + d + "." + kv);
    }
  }
  return s;
}

// One recipe for all: plain SGD (the device state is the weight in on-device training).
const std::vector<std::string> kRecipe = {"train.epochs=5", "data.train_limit=3000", "model.layers=[784, 64, 10]",
                                          "train.momentum=0", "train.weight_decay=0", "train.lr=0.1"};

TEST(AnalogExperimentTest, IdealDevicesMatchFp32WithinHalfAPoint) {
  const auto dir = testing::TempDir();
  RunOptions o;
  o.output = dir / "fp32.h5";
  const double fp32 = RunExperiment(LoadExperiment(Toml("mnist_fp32"), kRecipe), o).test_accuracy;
  EXPECT_GT(fp32, 0.85);
  for (const std::string method : {"hwa", "mixed", "sgd"}) {
    std::vector<std::string> set = kRecipe;
    for (const auto& s : IdealAnalog()) set.push_back(s);
    o.output = dir / (method + ".h5");
    const RunSummary s = RunExperiment(LoadExperiment(Toml("mnist_analog_" + method), set), o);
    EXPECT_NEAR(s.test_accuracy, fp32, 0.005) << method;
    // After programming (HWA) or at the end of training (on-device), read at 1 s and 1 year.
    io::H5Reader r(o.output);
    const MatrixD mean = r.ReadMatrix("/summary/accuracy_vs_time/mean");
    ASSERT_EQ(mean.size(), 2);
    EXPECT_NEAR(mean(0), fp32, 0.005) << method;
    EXPECT_EQ(mean(0), mean(1)) << method << ": ideal devices do not drift";
    if (method != "hwa") {
      EXPECT_GT(r.AttrDouble("/summary", "set_pulses"), 0.0) << method;
    }
  }
}

}  // namespace
}  // namespace pcmsim::experiment
