// A trained network loaded from a result file for the live demo (`pcmsim serve`): rebuilt
// from the file's resolved config and weights, analog layers programmed once onto their
// device preset (the first programming draw of the experiment's accuracy-vs-time
// evaluation), and classified on request, concurrently and reproducibly.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"

namespace pcmsim::serve {

// Time since programming the demo accepts, s: 1 s ... 10 years of 365 days.
inline constexpr double kMinTimeS = 1.0;
inline constexpr double kMaxTimeS = 10.0 * 365.0 * 86400.0;
// Largest read-noise seed (JavaScript's largest exact integer, 2^53 - 1).
inline constexpr std::uint64_t kMaxSeed = (std::uint64_t{1} << 53) - 1;

struct ClassifyParams {
  double t_seconds = 1.0;     // since programming, [kMinTimeS, kMaxTimeS] (analog layers only)
  bool compensation = true;   // apply the tiles' drift compensation (analog layers only)
  std::uint64_t seed = 0;     // read-noise draw (analog layers only), [0, kMaxSeed]
};

struct Classification {
  std::vector<double> probabilities;  // softmax of the logits, one per class
  int predicted = 0;                  // argmax (lowest index on ties)
  // Inference-phase energy of this one forward pass (the difference of the copy's running
  // event totals before and after it: exact counts, relative rounding ~1e-12 of the sum).
  double energy_J = 0;
};

// What the result file says about the run (for GET /api/models and the page).
struct ModelInfo {
  std::string name;      // the result file's stem (made unique by the caller)
  std::string file;      // the result file as given
  std::string backend;   // /summary backend ("fp32", "fp8", "analog", or a per-layer list)
  std::string device;    // stem of analog.device for analog layers, else "digital"
  std::string dataset;   // /summary dataset
  double accuracy = 0;   // /summary test_accuracy (fraction)
  double energy_per_inference_J = 0;  // /summary energy_per_inference_J (NaN if absent)
  bool analog = false;
  // /summary/accuracy_vs_time of analog runs (empty otherwise): fractions per time.
  std::vector<double> curve_time_s, curve_mean, curve_mean_uncompensated;
  Index inputs = 0;      // features per sample
  Index classes = 0;
};

class DemoModel {
 public:
  // Reads `result` (a `pcmsim run` file), rebuilds its network and prepares `workers`
  // identical copies (>= 1). Paths in the stored config resolve against the folder of the
  // experiment file the run read (/config source, relative to the current folder), or (a
  // value given with --set) against the current folder: serve from the folder the runs
  // started in. Throws IoError/ConfigError naming the file.
  DemoModel(const std::filesystem::path& result, int workers);
  ~DemoModel();
  DemoModel(const DemoModel&) = delete;
  DemoModel& operator=(const DemoModel&) = delete;

  const ModelInfo& info() const { return info_; }
  void set_name(std::string name) { info_.name = std::move(name); }

  // One sample (inputs() values, features in the network's order). Thread-safe: it borrows
  // one of the copies (waiting if all are busy). The result is a function of (x, params)
  // only: every copy is programmed by the same seeded recipe and, before each read, its
  // tiles' random streams are set from the programmed state and `params.seed`, so earlier
  // requests leave no trace. A new time costs a read of every analog tile (conductances of
  // all cells at t); a copy that last read at the same time is preferred.
  // ConfigError for a time or seed out of range, DimensionError for a wrong input size.
  Classification Classify(const Matrix& x, const ClassifyParams& params) const;

 private:
  struct Worker;
  std::unique_ptr<Worker> MakeWorker() const;

  ModelInfo info_;
  struct Recipe;
  std::unique_ptr<Recipe> recipe_;
  mutable std::mutex mutex_;
  mutable std::condition_variable free_cv_;
  mutable std::vector<std::unique_ptr<Worker>> free_;  // idle copies, least recently used first
};

}  // namespace pcmsim::serve
