// The analog experiments: the shipped files build with every device preset and method, and
// any layer can be digital. (The ideal-limit equivalence with FP32 is analog_ideal_test.)
#include <gtest/gtest.h>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/h5.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

std::filesystem::path Toml(const std::string& name) { return testing::SourceDir() / "experiments" / (name + ".toml"); }

TEST(AnalogExperimentTest, ShippedExperimentsBuildWithEveryPreset) {
  for (const std::string method : {"hwa", "mixed", "sgd"}) {
    for (const std::string preset : {"pcm_conventional", "pcm_projected", "pcm_training", "pcm_hermes", "ideal"}) {
      const std::string dev = "analog.device=" + (testing::SourceDir() / "devices" / (preset + ".toml")).string();
      const Experiment e = LoadExperiment(Toml("mnist_analog_" + method), {dev, "model.layers=[784, 16, 10]"});
      EXPECT_NO_THROW(BuildNetwork(e)) << method << " on " << preset;
    }
  }
}

TEST(AnalogExperimentTest, FirstAndLastLayerDigital) {
  const Experiment e = LoadExperiment(
      Toml("mnist_analog_hwa"), {"model.layers=[784, 32, 16, 10]", "model.layer_backends=['fp32', 'analog', 'fp32']",
                                 "train.epochs=1", "data.train_limit=500", "data.test_limit=200",
                                 "inference.times_s=[1.0]", "inference.repeats=1"});
  RunOptions o;
  o.output = testing::TempDir() / "mixed_layers.h5";
  RunExperiment(e, o);
  io::H5Reader r(o.output);
  EXPECT_EQ(r.AttrString("/model/layer_0", "backend"), "fp32");
  EXPECT_EQ(r.AttrString("/model/layer_1", "backend"), "analog");
  EXPECT_EQ(r.AttrString("/model/layer_2", "backend"), "fp32");
  EXPECT_TRUE(r.Exists("/summary/accuracy_vs_time/mean"));
}

}  // namespace
}  // namespace pcmsim::experiment
