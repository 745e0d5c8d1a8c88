// ParallelFor over shape-determined chunks (OpenMP when built with it) and the
// deterministic column/row-blocked GEMM built on it.
#include "pcmsim/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "pcmsim/core/error.hpp"

#ifdef PCMSIM_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace pcmsim {
namespace {

int HardwareThreads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

// PCMSIM_THREADS: unset or empty = all cores; otherwise a whole number >= 1.
int DefaultThreads() {
  const char* env = std::getenv("PCMSIM_THREADS");
  if (env == nullptr || *env == '\0') return HardwareThreads();
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(env, &end, 10);
  if (end == env || *end != '\0' || errno != 0 || n < 1 || n > 1 << 20) {
    throw ConfigError(StrCat("PCMSIM_THREADS='", env, "': must be a whole number >= 1 (or unset for all cores)"));
  }
  return static_cast<int>(n);
}

// The thread setting; -1 until first used, so a bad PCMSIM_THREADS is reported (as a
// ConfigError from the first call) instead of terminating during static initialisation.
std::atomic<int>& ThreadSetting() {
  static std::atomic<int> n{-1};
  return n;
}

int CurrentSetting() {
  int n = ThreadSetting().load();
  if (n < 0) {
    n = DefaultThreads();
    ThreadSetting() = n;
  }
  return n;
}

std::atomic<int>& PeakThreads() {
  static std::atomic<int> n{1};
  return n;
}

// Eigen's GEMM allocates its packing buffers (a few hundred KiB for our layer shapes) on
// every call. With glibc's default, dynamic mmap threshold those buffers are mmap'ed and
// page-faulted in afresh on each call whenever the first large product of the process ran
// on a worker thread, which made the MLP's layer products up to 6x slower. A fixed mmap
// threshold and a high trim threshold keep the buffers in the heap and reused.
// Set PCMSIM_KEEP_MALLOC=1 to leave the process's allocator settings alone.
struct AllocatorSettings {
  AllocatorSettings() {
#ifdef __GLIBC__
    const char* keep = std::getenv("PCMSIM_KEEP_MALLOC");
    if (keep != nullptr && keep[0] != '\0' && keep[0] != '0') return;
    // 32 MiB is the largest mmap threshold every 64-bit glibc accepts (HEAP_MAX_SIZE / 2);
    // a refused setting leaves glibc's defaults, which only costs speed.
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1) mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  }
};
const AllocatorSettings kAllocatorSettings;

}  // namespace

void SetNumThreads(int n) {
  if (n < 0) throw ConfigError(StrCat("threads = ", n, ": must be >= 0 (0 = all cores)"));
  ThreadSetting() = n == 0 ? DefaultThreads() : n;
}

int NumThreads() { return CurrentSetting(); }

int ThreadsUsed() { return PeakThreads().load(); }

void ResetThreadsUsed() { PeakThreads() = 1; }

void ParallelFor(Index n, Index grain, const std::function<void(Index, Index)>& fn) {
  if (n <= 0) return;
  grain = std::max<Index>(grain, 1);
  const Index chunks = (n + grain - 1) / grain;
  const int threads = static_cast<int>(std::min<Index>(NumThreads(), chunks));
  for (int peak = PeakThreads().load(); threads > peak && !PeakThreads().compare_exchange_weak(peak, threads);) {
  }
  if (threads <= 1) {
    for (Index c = 0; c < chunks; ++c) fn(c * grain, std::min(n, (c + 1) * grain));
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
#ifdef PCMSIM_HAVE_OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (Index c = 0; c < chunks; ++c) {
    try {
      fn(c * grain, std::min(n, (c + 1) * grain));
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  }
#else
  std::atomic<Index> next{0};
  auto worker = [&] {
    for (Index c = next++; c < chunks; c = next++) {
      try {
        fn(c * grain, std::min(n, (c + 1) * grain));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
#endif
  if (error) std::rethrow_exception(error);
}

Index GemmBlockWidth(Index dim, double flops) {
  constexpr double kMinFlopsPerBlock = 4.0e6;
  const Index by_work = static_cast<Index>(std::max(1.0, flops / kMinFlopsPerBlock));
  const Index blocks = std::clamp<Index>(std::min<Index>(by_work, (dim + 15) / 16), 1, 4);
  const Index width = (dim + blocks - 1) / blocks;
  return (width + 15) / 16 * 16;
}

namespace {

template <typename A, typename B, typename C>
void BlockProduct(const A& a, const B& b, C&& c, float alpha, float beta) {
  if (beta == 0.0f) {
    c.noalias() = alpha * (a * b);
  } else {
    c *= beta;
    c.noalias() += alpha * (a * b);
  }
}

template <typename A, typename B>
void SplitProduct(const A& a, const B& b, Matrix& c, float alpha, float beta) {
  const Index m = c.rows(), n = c.cols(), k = a.cols();
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (n >= m) {
    const Index w = GemmBlockWidth(n, flops);
    ParallelFor(n, w, [&](Index j0, Index j1) {
      BlockProduct(a, b.middleCols(j0, j1 - j0), c.middleCols(j0, j1 - j0), alpha, beta);
    });
  } else {
    const Index w = GemmBlockWidth(m, flops);
    ParallelFor(m, w, [&](Index i0, Index i1) {
      BlockProduct(a.middleRows(i0, i1 - i0), b, c.middleRows(i0, i1 - i0), alpha, beta);
    });
  }
}

}  // namespace

void ParallelGemm(const Matrix& a, bool transpose_a, const Matrix& b, bool transpose_b, Matrix& c,
                  float alpha, float beta) {
  const Index m = transpose_a ? a.cols() : a.rows();
  const Index ka = transpose_a ? a.rows() : a.cols();
  const Index kb = transpose_b ? b.cols() : b.rows();
  const Index n = transpose_b ? b.rows() : b.cols();
  if (ka != kb) {
    throw DimensionError(StrCat("GEMM inner dimensions differ: ", m, "x", ka, " times ", kb, "x", n));
  }
  if (beta == 0.0f) {
    c.resize(m, n);
  } else if (c.rows() != m || c.cols() != n) {
    throw DimensionError(StrCat("GEMM output is ", c.rows(), "x", c.cols(), ", expected ", m, "x", n));
  }
  if (!transpose_a && !transpose_b) SplitProduct(a, b, c, alpha, beta);
  else if (transpose_a && !transpose_b) SplitProduct(a.transpose(), b, c, alpha, beta);
  else if (!transpose_a && transpose_b) SplitProduct(a, b.transpose(), c, alpha, beta);
  else SplitProduct(a.transpose(), b.transpose(), c, alpha, beta);
}

}  // namespace pcmsim
