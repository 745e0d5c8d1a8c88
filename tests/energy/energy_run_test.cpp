// End to end: an FP32 run writes /energy and the energy keys of /summary, which the JSON of
// `pcmsim report --json` (io::GroupToJson of /summary) shows, with values that follow from the
// network's shape and the stated counting model.
#include "pcmsim/experiment/energy_table_load.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/h5_json.hpp"
#include "test_util.hpp"

namespace pcmsim::energy {
namespace {

using experiment::DefaultEnergyTable;

TEST(EnergyRunTest, Fp32RunWritesEnergyKeys) {
  const auto dir = testing::TempDir();
  const auto toml = testing::SourceDir() / "experiments" / "mnist_fp32.toml";
  const experiment::Experiment e = experiment::LoadExperiment(
      toml, {"train.epochs=1", "data.train_limit=640", "data.test_limit=200", "model.layers=[784, 32, 10]",
             "train.batch_size=64"});
  experiment::RunOptions o;
  o.output = dir / "run.h5";
  experiment::RunExperiment(e, o);

  io::H5Reader in(o.output);
  const nlohmann::json j = io::GroupToJson(in, "/summary");
  for (const char* k : {"energy_per_inference_J", "energy_per_train_step_J", "tops_per_w_inference",
                        "tops_per_w_train", "energy_dominant_component", "energy_dominant_component_train", "energy_split"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  // Oracle: 200 test samples evaluated in one call; weights fetched from DRAM once per call.
  const EnergyTable t = DefaultEnergyTable();
  const double w = 784.0 * 32 + 32.0 * 10;
  const double per_inference = w * t.MacEnergy("fp32/fp32") + w * 4 * t.MemoryEnergyPerByte("dram") / 200 +
                               (784 + 32 + 32 + 10) * 4 * t.MemoryEnergyPerByte("sram");
  EXPECT_NEAR(j.at("energy_per_inference_J").get<double>(), per_inference, 1e-9 * per_inference);
  EXPECT_EQ(j.at("energy_dominant_component").get<std::string>(), "digital_macs");
  const double tops = 2 * w / (w * t.MacEnergy("fp32/fp32") + w * 4 * t.MemoryEnergyPerByte("dram") / 200 +
                               (784 + 32 + 32 + 10) * 4 * t.MemoryEnergyPerByte("sram")) / 1e12;
  EXPECT_NEAR(j.at("tops_per_w_inference").get<double>(), tops, 1e-9 * tops);
  // 10 training steps of 64: a step costs at least its forward and gradient GEMM MACs.
  EXPECT_GT(j.at("energy_per_train_step_J").get<double>(), 64 * 2 * w * t.MacEnergy("fp32/fp32"));
  EXPECT_EQ(in.AttrDouble("/energy", "train_steps"), 10.0);
  // Weights and momentum move through DRAM every step: traffic dominates a batch-64 step.
  EXPECT_EQ(j.at("energy_dominant_component_train").get<std::string>(), "memory_traffic");
  EXPECT_FALSE(in.ReadStrings("/energy/assumptions").empty());
}

}  // namespace
}  // namespace pcmsim::energy
