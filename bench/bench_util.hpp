// Timing helpers shared by the bench/ harnesses: best-of-N wall time of a callable.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

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

}  // namespace pcmsim::bench
