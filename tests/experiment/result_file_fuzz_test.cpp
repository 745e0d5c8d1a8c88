// Regression tests for result/checkpoint files that broke the readers behind report,
// compare, init_from and --resume (found by fuzz/fuzz_result_h5; inputs in tests/data/fuzz/).
#include <tuple>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/h5.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

std::filesystem::path FuzzInput(const char* name) { return testing::SourceDir() / "tests" / "data" / "fuzz" / name; }

// /metrics/lr shorter than /metrics/epoch: ReadMetrics read past the column's end.
TEST(ResultFileFuzzTest, MetricsColumnShorterThanEpochsIsRefused) {
  const io::H5Reader in(FuzzInput("h5_metrics_short_column.h5"));
  PCMSIM_EXPECT_THROW_MSG(ReadMetrics(in), IoError, "h5_metrics_short_column.h5", "/metrics/lr has 1 entries",
                          "/metrics/epoch has 3");
}

// An epoch of 1e300 was cast to int (undefined behaviour; a resume started from it).
TEST(ResultFileFuzzTest, EpochThatIsNotAnEpochNumberIsRefused) {
  const io::H5Reader in(FuzzInput("h5_metrics_bad_epoch.h5"));
  PCMSIM_EXPECT_THROW_MSG(ReadMetrics(in), IoError, "h5_metrics_bad_epoch.h5", "/metrics/epoch[1] = 1e+300",
                          "not an epoch number");
}

// A bias with the wrong length was taken as is by ReadModel (init_from, --resume) and
// overran the layer's output in the next forward pass. Found by reading ReadModel while
// writing fuzz_result_h5 (the fuzzer had not reached it in its runs).
TEST(ResultFileFuzzTest, BiasOfTheWrongLengthIsRefused) {
  const auto dir = testing::TempDir();
  const Experiment tiny =
      LoadExperiment(testing::SourceDir() / "experiments" / "mnist_fp32.toml", {"model.layers=[784, 3, 10]"});
  nn::Network net = BuildNetwork(tiny);
  for (const auto& [name, rows, cols] : {std::tuple{"long", 5, 1}, {"row", 1, 3}, {"empty", 0, 1}}) {
    const auto file = dir / (std::string(name) + ".h5");
    {
      io::H5Writer w(file);
      w.WriteMatrix("/model/layer_0/weights", MatrixD(MatrixD::Zero(3, 784)));
      w.WriteMatrix("/model/layer_0/bias", MatrixD(MatrixD::Zero(rows, cols)));
      w.Commit();
    }
    const io::H5Reader in(file);
    PCMSIM_EXPECT_THROW_MSG(ReadModel(in, net, false), DimensionError, name, "layer 0 bias is",
                            "the layer has 3 outputs");
  }
}

}  // namespace
}  // namespace pcmsim::experiment
