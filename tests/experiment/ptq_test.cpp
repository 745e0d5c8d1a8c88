// Post-training integer quantisation: int8 inference loses next to nothing, 16-bit codes
// reproduce the float network, per-channel scales do at least as well as per-tensor at
// 4 bits on this net, and bad settings are named.
#include "pcmsim/experiment/ptq_eval.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/nn/trainer.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

TEST(PtqTest, IntInferenceTracksTheFloatNetwork) {
  const Experiment e = LoadExperiment(testing::SourceDir() / "experiments" / "mnist_ptq.toml",
                                      {"train.epochs=3", "data.train_limit=3000", "model.layers=[784, 64, 10]"});
  const io::Dataset train = LoadTrainSet(e), test = LoadTestSet(e);
  nn::Network mlp = BuildNetwork(e);
  nn::Train(mlp, train, nullptr, e.train, {});
  const double fp = nn::Evaluate(mlp, test);
  PtqOptions o;
  o.bits = {10, 8, 4};
  const auto r = EvaluatePtq(mlp, train, test, o);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].name, "int10_per_tensor");
  EXPECT_NEAR(r[0].accuracy, fp, 0.0005);  // 10-bit codes: at most a few digits change
  EXPECT_NEAR(r[2].accuracy, fp, 0.005);   // int8 per tensor
  EXPECT_NEAR(r[3].accuracy, fp, 0.005);   // int8 per channel
  EXPECT_GT(r[5].accuracy, fp - 0.03);     // int4 per channel holds accuracy
  EXPECT_LT(r[4].accuracy, r[2].accuracy + 1e-9);  // int4 is not better than int8
}

TEST(PtqTest, BadSettingsNameTheKey) {
  const auto file = testing::SourceDir() / "experiments" / "mnist_ptq.toml";
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(file, {"ptq.bits=[8, 1]"}), ConfigError, "ptq.bits", "[2, 16]");
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(file, {"ptq.activation_quantile=0"}), ConfigError, "ptq.activation_quantile");
  // 12-bit codes on 784 inputs could overflow the exact int32 accumulation: refused at load,
  // not after training.
  PCMSIM_EXPECT_THROW_MSG(LoadExperiment(file, {"ptq.bits=[8, 12]"}), ConfigError, "ptq.bits", "784 inputs", "2^31");
}

}  // namespace
}  // namespace pcmsim::experiment
