// The serve tests' shared inputs: the fixture's result files (tests/serve/make_results.sh),
// loaded once per test binary, and MNIST test digits.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pcmsim/io/idx.hpp"
#include "pcmsim/serve/api.hpp"
#include "test_util.hpp"

namespace pcmsim::testing {

inline std::filesystem::path ServeResults() {
  const char* env = std::getenv("PCMSIM_SERVE_RESULTS");
  return env ? std::filesystem::path(env) : std::filesystem::path("build/tests/serve/results");
}

inline std::vector<std::string> ServeFiles() {
  const std::filesystem::path d = ServeResults();
  return {(d / "fp32.h5").string(), (d / "fp8.h5").string(), (d / "analog.h5").string()};
}

// The first `n` MNIST test digits (the fixture's runs evaluated on the first 500).
inline const io::Dataset& TestDigits() {
  static const io::Dataset d = io::LoadIdxDataset(MnistDir() / "t10k-images-idx3-ubyte.gz",
                                                  MnistDir() / "t10k-labels-idx1-ubyte.gz", 500);
  return d;
}

// fp32, fp8, analog with two copies each, loaded once per process.
inline const serve::Api& SharedApi() {
  static const serve::Api api(serve::LoadModels(ServeFiles(), 2));
  return api;
}

inline const serve::DemoModel& SharedModel(const std::string& name) {
  for (const auto& m : SharedApi().models()) {
    if (m->info().name == name) return *m;
  }
  throw std::runtime_error("no model " + name);
}

}  // namespace pcmsim::testing
