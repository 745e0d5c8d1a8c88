// Regression tests for result/checkpoint files that broke the readers behind report,
// compare, init_from and --resume (found by fuzz/fuzz_result_h5; inputs in tests/data/fuzz/).
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/result_file.hpp"
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

}  // namespace
}  // namespace pcmsim::experiment
