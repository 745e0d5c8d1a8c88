// Helpers shared by the bench/ harnesses: best-of-N wall time of a callable, and the
// command line and MNIST loading of the end-to-end harnesses.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/io/idx.hpp"

namespace pcmsim::bench {

// Runs fn `warmup` times, then `reps` times; returns the fastest wall time in seconds.
inline double BestSeconds(const std::function<void()>& fn, int reps, int warmup = 1) {
  for (int i = 0; i < warmup; ++i) fn();
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// `--epochs N --threads T --data DIR` of the MNIST harnesses (threads applied at once).
struct MnistArgs {
  int epochs = 5;
  std::string data = std::string(build_info::kSourceDir) + "/data/mnist";
};

inline MnistArgs ParseMnistArgs(int argc, char** argv, int default_epochs) {
  MnistArgs a;
  a.epochs = default_epochs;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--epochs")) a.epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) SetNumThreads(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--data")) a.data = argv[i + 1];
  }
  return a;
}

// The 10k training digits and the 10k test digits shipped in data/mnist (or under `dir`).
inline io::Dataset MnistTrain(const std::string& dir) {
  return io::LoadIdxDataset(dir + "/train-10k-images-idx3-ubyte.gz", dir + "/train-10k-labels-idx1-ubyte.gz");
}
inline io::Dataset MnistTest(const std::string& dir) {
  return io::LoadIdxDataset(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
}

}  // namespace pcmsim::bench
