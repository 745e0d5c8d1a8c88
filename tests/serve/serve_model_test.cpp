// serve::DemoModel: a result file's network rebuilt, programmed and classified per request.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/h5.hpp"
#include "serve_fixture.hpp"

namespace pcmsim::serve {
namespace {

using testing::SharedModel;
using testing::TestDigits;

Matrix Digit(Index j) { return TestDigits().x.col(j); }

double SummaryAttr(const std::string& file, const char* name) {
  io::H5Reader in(file);
  return in.AttrDouble("/summary", name);
}

TEST(DemoModelTest, InfoComesFromTheResultFile) {
  const ModelInfo& f = SharedModel("fp32").info();
  EXPECT_EQ(f.backend, "fp32");
  EXPECT_EQ(f.device, "digital");
  EXPECT_FALSE(f.analog);
  EXPECT_EQ(f.inputs, 784);
  EXPECT_EQ(f.classes, 10);
  EXPECT_EQ(f.accuracy, SummaryAttr(f.file, "test_accuracy"));
  EXPECT_TRUE(f.curve_time_s.empty());
  const ModelInfo& a = SharedModel("analog").info();
  EXPECT_TRUE(a.analog);
  EXPECT_EQ(a.device, "pcm_conventional");
  EXPECT_EQ(a.curve_time_s.size(), 5u);
  EXPECT_EQ(a.curve_mean.size(), 5u);
  EXPECT_GT(a.energy_per_inference_J, 0);
}

// One request at a time over the 500 test digits the run evaluated on: the same network,
// so the same test accuracy, exactly (digital paths are deterministic).
TEST(DemoModelTest, DigitalModelsReproduceTheRunsTestAccuracy) {
  for (const char* name : {"fp32", "fp8"}) {
    const DemoModel& m = SharedModel(name);
    int right = 0;
    for (Index j = 0; j < TestDigits().Samples(); ++j) {
      right += m.Classify(Digit(j), {}).predicted == TestDigits().labels[static_cast<size_t>(j)];
    }
    EXPECT_DOUBLE_EQ(right / static_cast<double>(TestDigits().Samples()), m.info().accuracy) << name;
  }
}

// The analog model at 1 s with compensation is the run's first accuracy-vs-time point up
// to the read-noise draws (per request here, per batch in the run): within 3 points.
TEST(DemoModelTest, AnalogModelMatchesTheRunsCurveAtOneSecond) {
  const DemoModel& m = SharedModel("analog");
  int right = 0;
  for (Index j = 0; j < TestDigits().Samples(); ++j) {
    ClassifyParams p;
    p.seed = static_cast<std::uint64_t>(j);
    right += m.Classify(Digit(j), p).predicted == TestDigits().labels[static_cast<size_t>(j)];
  }
  const double acc = right / static_cast<double>(TestDigits().Samples());
  EXPECT_NEAR(acc, m.info().curve_mean[0], 0.03) << "served " << acc << ", run " << m.info().curve_mean[0];
}

// The read at a time is a function of (programmed state, seed, t): the same request gives
// the same bits after any other requests, on either copy, from any thread.
TEST(DemoModelTest, AnalogReadsArePureFunctionsOfSeedAndTime) {
  const DemoModel& m = SharedModel("analog");
  const Matrix x = Digit(0);
  const std::vector<ClassifyParams> cases = {{1.0, true, 0}, {1e5, true, 7}, {1e5, false, 7}, {3e8, true, 7}, {3e8, false, 123}};
  std::vector<Classification> first;
  for (const auto& p : cases) first.push_back(m.Classify(x, p));
  // Interleaved from 4 threads on 2 copies, in another order.
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 10; ++rep) {
        for (size_t k = 0; k < cases.size(); ++k) {
          const size_t c = (k + static_cast<size_t>(t) + static_cast<size_t>(rep)) % cases.size();
          mismatches[static_cast<size_t>(t)] += m.Classify(x, cases[c]).probabilities != first[c].probabilities;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[static_cast<size_t>(t)], 0) << "thread " << t;
  // And a brand-new model (fresh copies) gives the same bits.
  const DemoModel fresh(m.info().file, 1);
  for (size_t c = 0; c < cases.size(); ++c) EXPECT_EQ(fresh.Classify(x, cases[c]).probabilities, first[c].probabilities);
}

TEST(DemoModelTest, SeedTimeAndCompensationMoveAnalogButNotDigital) {
  const DemoModel& a = SharedModel("analog");
  const DemoModel& f = SharedModel("fp32");
  const Matrix x = Digit(3);
  const ClassifyParams base{1.0, true, 0};
  const auto with = [&](double t, bool comp, std::uint64_t seed) { return ClassifyParams{t, comp, seed}; };
  const Classification a0 = a.Classify(x, base);
  EXPECT_NE(a.Classify(x, with(1.0, true, 1)).probabilities, a0.probabilities);  // another noise draw
  EXPECT_NE(a.Classify(x, with(3e8, true, 0)).probabilities, a0.probabilities);  // drift
  // Ten years of drift without compensation shrink every conductance: flatter outputs.
  const Classification old_u = a.Classify(x, with(3e8, false, 0));
  const Classification old_c = a.Classify(x, with(3e8, true, 0));
  EXPECT_LT(*std::max_element(old_u.probabilities.begin(), old_u.probabilities.end()),
            *std::max_element(old_c.probabilities.begin(), old_c.probabilities.end()));
  const Classification f0 = f.Classify(x, base);
  for (const auto& p : {with(3e8, false, 5), with(1e4, true, 9)}) EXPECT_EQ(f.Classify(x, p).probabilities, f0.probabilities);
  double sum = 0;
  for (double v : a0.probabilities) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

// Energy of one inference: counted events of this forward pass only. A batch of one on the
// digital path fetches every weight from DRAM; the analog arrays keep them in place.
TEST(DemoModelTest, EnergyOfOneInference) {
  const Matrix x = Digit(1);
  const double fp32 = SharedModel("fp32").Classify(x, {}).energy_J;
  const double analog = SharedModel("analog").Classify(x, {}).energy_J;
  EXPECT_GT(analog, 0);
  EXPECT_LT(analog, fp32);
  // Digital: data-independent (up to the rounding of the before/after difference).
  EXPECT_NEAR(SharedModel("fp32").Classify(Digit(2), {}).energy_J, fp32, 1e-9 * fp32);
}

TEST(DemoModelTest, BadFilesAndShapesAreErrors) {
  PCMSIM_EXPECT_THROW_MSG(DemoModel("/nonexistent/x.h5", 1), Error, "/nonexistent/x.h5");
  PCMSIM_EXPECT_THROW_MSG(SharedModel("fp32").Classify(Matrix::Zero(10, 1), {}), DimensionError, "784");
  PCMSIM_EXPECT_THROW_MSG(DemoModel(testing::ServeFiles()[0], 0), ConfigError, "workers");
  PCMSIM_EXPECT_THROW_MSG(SharedModel("analog").Classify(Digit(0), {0.5, true, 0}), ConfigError, "t_seconds 0.5");
  PCMSIM_EXPECT_THROW_MSG(SharedModel("analog").Classify(Digit(0), {1.0, true, kMaxSeed + 1}), ConfigError, "seed");
}

}  // namespace
}  // namespace pcmsim::serve
