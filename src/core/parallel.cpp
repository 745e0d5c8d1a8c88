// ParallelFor over shape-determined chunks on pcmsim's own thread pool (spin briefly, then
// sleep) and the deterministic column/row-blocked GEMM built on it.
#include "pcmsim/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <vector>

#include "pcmsim/core/error.hpp"

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

// Eigen sizes its GEMM blocks from the host's cache sizes, and the depth block (from L1)
// sets the order in which each output's sum is accumulated: the same seed gave 96.59 % on a
// host with 32 KiB L1 and 96.69 % with 48 or 64 KiB for mnist_fp32. Fixed sizes make the
// bits a function of the build (vector ISA) only, not of the host's caches. They are those
// of the hosts the shipped results were computed on; PCMSIM_EIGEN_CACHES=host uses the host's
// own (a few % faster GEMMs on some hosts, other last bits).
struct EigenBlocking {
  EigenBlocking() {
    const char* env = std::getenv("PCMSIM_EIGEN_CACHES");
    if (env != nullptr && std::string_view(env) == "host") return;
    Eigen::setCpuCacheSizes(kEigenL1Bytes, kEigenL2Bytes, kEigenL3Bytes);
  }
};
const EigenBlocking kEigenBlocking;

// How long an idle worker spins on the job counter before it sleeps. Training runs short
// parallel regions back to back (a few per layer and step, tens of microseconds apart); a
// worker that went to sleep after each (as OpenMP does under OMP_WAIT_POLICY=PASSIVE) pays
// a futex wake-up per region, which cost more than the second thread saved. A worker that
// keeps spinning forever (OpenMP's default ACTIVE-like policy) steals a core from other
// processes on a shared machine. 200 us covers the gaps between the regions of one step.
constexpr auto kSpin = std::chrono::microseconds(200);

// pcmsim's own thread pool behind ParallelFor: persistent workers, a job is the chunk range
// of one ParallelFor, chunks are claimed from an atomic counter (any thread may run any
// chunk: callers' results depend on the chunk bounds only, never on who ran them). The
// calling thread works too. Workers are started on first use, up to NumThreads() - 1.
//
// Hand-over: the caller (one at a time, run_mutex_) writes the job fields, opens the job in
// state_ (release) and announces it in word_ (sequence << 16 | helpers wanted), waking
// sleepers. A worker joins by a compare-and-swap on state_ that succeeds only while the job
// is open and fewer than `helpers` have joined; only then does it read the job fields
// (acquire) and claim chunks. The caller works too; when no chunk is left to claim it closes
// the job and waits for the workers that joined (at most the chunks they hold). It never
// waits for a worker that is asleep or descheduled: such a worker finds the job closed and
// skips it. So a busy machine costs at worst the serial time, never a wake-up per region.
// The pool is never destroyed (workers end with the process); a forked child (which has no
// workers) runs serially.
class Pool {
 public:
  static Pool& Instance() {
    static Pool* pool = new Pool;  // leaked on purpose: no join at exit
    return *pool;
  }

  // Runs fn over the chunks with `threads` threads (the caller and threads - 1 workers).
  // Returns false without running anything when the pool is busy: a nested ParallelFor (from
  // inside a chunk) or one from another application thread; the caller then runs serially.
  bool Run(int threads, Index n, Index grain, Index chunks, const std::function<void(Index, Index)>& fn) {
    if (tl_inside_ || getpid() != owner_pid_) return false;
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    const int helpers = std::min(threads - 1, kMaxWorkers);
    Grow(helpers);
    fn_ = &fn;
    n_ = n;
    grain_ = grain;
    chunks_ = chunks;
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    state_.store(0, std::memory_order_release);  // open, nobody joined
    word_.store(((word_.load(std::memory_order_relaxed) >> 16) + 1) << 16 | static_cast<std::uint64_t>(helpers),
                std::memory_order_release);
    word_.notify_all();
    tl_inside_ = true;
    Work();
    tl_inside_ = false;
    state_.fetch_or(kClosed, std::memory_order_acq_rel);
    for (int spins = 0; (state_.load(std::memory_order_acquire) & ~kClosed) != 0; ++spins) {
      if (spins > 64) std::this_thread::yield();
    }
    fn_ = nullptr;
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  static constexpr int kMaxWorkers = 0xffff;
  static constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;

  Pool() : owner_pid_(getpid()) {}

  void Grow(int workers) {
    while (static_cast<int>(workers_.size()) < workers) {
      const std::uint64_t seen = word_.load(std::memory_order_acquire);
      workers_.emplace_back([this, seen] { WorkerLoop(seen); });
      workers_.back().detach();
    }
  }

  // Claims and runs chunks until none is left; the first exception is kept for the caller.
  void Work() {
    for (Index c = next_.fetch_add(1, std::memory_order_relaxed); c < chunks_;
         c = next_.fetch_add(1, std::memory_order_relaxed)) {
      try {
        (*fn_)(c * grain_, std::min(n_, (c + 1) * grain_));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  // Joins the open job announced by word w if it still wants helpers: true if joined (then
  // Work and leave). A job announced after w was read is left at once (its helper count may
  // be smaller); the worker's loop then sees its word.
  bool Join(std::uint64_t w) {
    std::uint64_t st = state_.load(std::memory_order_acquire);
    while ((st & kClosed) == 0 && st < (w & 0xffff)) {
      if (state_.compare_exchange_weak(st, st + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        if (word_.load(std::memory_order_acquire) == w) return true;
        state_.fetch_sub(1, std::memory_order_acq_rel);
        return false;
      }
    }
    return false;
  }

  [[noreturn]] void WorkerLoop(std::uint64_t seen) {
    tl_inside_ = true;
    for (;;) {
      // Spin for a while, then sleep until the job word changes.
      std::uint64_t w = word_.load(std::memory_order_acquire);
      const auto t0 = std::chrono::steady_clock::now();
      for (int k = 0; w == seen; ++k) {
        if ((k & 63) == 63 && std::chrono::steady_clock::now() - t0 > kSpin) {
          word_.wait(seen, std::memory_order_acquire);
        } else {
          CpuRelax();
        }
        w = word_.load(std::memory_order_acquire);
      }
      seen = w;
      if (Join(w)) {
        Work();
        state_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  static void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

  const pid_t owner_pid_;
  std::mutex run_mutex_, error_mutex_;
  std::vector<std::thread> workers_;  // detached; kept for their count
  std::atomic<std::uint64_t> word_{0};   // job announcements
  std::atomic<std::uint64_t> state_{kClosed};  // kClosed bit | workers in the current job
  std::atomic<Index> next_{0};
  // Job fields: written by the caller before the job opens, read by workers that joined.
  const std::function<void(Index, Index)>* fn_ = nullptr;
  Index n_ = 0, grain_ = 1, chunks_ = 0;
  std::exception_ptr error_;
  static thread_local bool tl_inside_;
};

thread_local bool Pool::tl_inside_ = false;

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
  if (threads <= 1 || !Pool::Instance().Run(threads, n, grain, chunks, fn)) {
    for (Index c = 0; c < chunks; ++c) fn(c * grain, std::min(n, (c + 1) * grain));
  }
}

namespace {

// Up to 4 blocks of whole multiples of 16 along a dimension of length dim, each worth at
// least min_flops of the product's flops.
Index BlockWidth(Index dim, double flops, double min_flops) {
  const Index by_work = static_cast<Index>(std::max(1.0, flops / min_flops));
  const Index blocks = std::clamp<Index>(std::min<Index>(by_work, (dim + 15) / 16), 1, 4);
  const Index width = (dim + blocks - 1) / blocks;
  return (width + 15) / 16 * 16;
}

// Column blocks: Eigen's depth blocking depends on the depth only, but its row blocking (mc)
// can depend on the column count (a cache-fit test on depth x columns), and mc decides which
// register kernel sums a row. For the products split this way here (1-8 MFLOP: the MLP's
// 128-unit layer and the conv layers) the column blocks give the whole product's bits,
// checked by ParallelTest.SmallProductsAreSplitByColumnsWithEigensBits and by one-epoch runs
// of the shipped experiments; it is not a general guarantee of Eigen's. 1 MFLOP per block
// pays the pool's hand-over (1.3 us for an empty region, bench_kernels, bench/README.md).
constexpr double kMinFlopsPerColumnBlock = 1.0e6;
// Row blocks change which of Eigen's register kernels (48, 32 or 16 rows) computes a row,
// and so the order of its sums: their threshold is kept where every shipped result was
// computed (4 MFLOP, since the first wave), so that those results reproduce bit for bit.
constexpr double kMinFlopsPerRowBlock = 4.0e6;

}  // namespace

Index GemmBlockWidth(Index dim, double flops) { return BlockWidth(dim, flops, kMinFlopsPerColumnBlock); }

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
  const Index row_width = BlockWidth(m, flops, kMinFlopsPerRowBlock);
  if (n >= m || row_width >= m) {  // a tall product too small for row blocks goes by columns
    const Index w = GemmBlockWidth(n, flops);
    ParallelFor(n, w, [&](Index j0, Index j1) {
      BlockProduct(a, b.middleCols(j0, j1 - j0), c.middleCols(j0, j1 - j0), alpha, beta);
    });
  } else {
    const Index w = row_width;
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
