// `pcmsim sweep SWEEP.toml [-o OUT.h5]`: run every point of a sweep (one process, or MPI
// ranks sharing the points round-robin under mpirun) and gather them into one table.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/sweep.hpp"
#include "pcmsim/io/output_file.hpp"

#ifdef PCMSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace pcmsim::cli {
namespace {

struct SweepArgs {
  std::string sweep;
  std::string output;
  std::vector<std::string> overrides;
  long max_points = -1;
  int threads = -1;
  bool list = false;
  bool quiet = false;
};

int EnvInt(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : 0;
}

// Ranks started by mpirun / mpiexec (Open MPI, MPICH/Hydra, PMIx); 0 when not under MPI.
int LaunchedRanks() {
  for (const char* n : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    if (EnvInt(n) > 0) return EnvInt(n);
  }
  return 0;
}

// MPI for this command only: initialised when launched by mpirun, finalised on scope exit.
class Comm {
 public:
  Comm() {
    const int launched = LaunchedRanks();
#ifdef PCMSIM_HAVE_MPI
    if (launched > 0) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      mpi_ = true;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
      MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
#else
    if (launched > 1) {
      throw Error(
          "this pcmsim was built without MPI (PCMSIM_MPI=OFF): under mpirun every rank would run every "
          "point; rebuild with -DPCMSIM_MPI=ON or run without mpirun");
    }
#endif
  }
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;
  ~Comm() {
#ifdef PCMSIM_HAVE_MPI
    if (mpi_) MPI_Finalize();
#endif
  }
  int rank() const { return rank_; }
  int size() const { return size_; }
  // Element-wise sum over ranks; doubles as the barrier before rank 0 writes the table.
  void SumAll(std::vector<long long>& v) const {
#ifdef PCMSIM_HAVE_MPI
    if (mpi_) MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)v;
#endif
  }

 private:
  bool mpi_ = false;
  int rank_ = 0, size_ = 1;
};

std::string Clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

std::string Describe(const experiment::Sweep& s, const experiment::SweepPoint& p) {
  std::string d;
  for (size_t a = 0; a < s.axes.size(); ++a) d += s.axes[a].key + "=" + s.axes[a].labels[p.value_index[a]] + " ";
  return d + "repeat " + std::to_string(p.repeat) + " seed " + std::to_string(p.seed);
}

// Progress lines on stderr: point k, position in this rank's share, accuracy, ETA.
std::function<void(const experiment::SweepPointEvent&)> Progress(const experiment::Sweep& s, int rank, int ranks) {
  auto computed = std::make_shared<std::pair<long, double>>(0, 0.0);  // points computed, their seconds
  const std::string who = ranks > 1 ? "rank " + std::to_string(rank) + " " : "";
  return [&s, computed, who](const experiment::SweepPointEvent& ev) {
    const auto& p = *ev.point;
    if (!ev.finished) {
      std::fprintf(stderr, "%spoint %ld (%ld/%ld): %s ...\n", who.c_str(), static_cast<long>(p.index),
                   static_cast<long>(ev.position), static_cast<long>(ev.share), Describe(s, p).c_str());
      return;
    }
    if (ev.skipped) {
      std::fprintf(stderr, "%spoint %ld (%ld/%ld): result file exists, skipped\n", who.c_str(),
                   static_cast<long>(p.index), static_cast<long>(ev.position), static_cast<long>(ev.share));
      return;
    }
    computed->first += 1;
    computed->second += ev.seconds;
    const double eta =
        computed->second / static_cast<double>(computed->first) * static_cast<double>(ev.share - ev.position);
    std::fprintf(stderr, "%spoint %ld (%ld/%ld): test %.2f%% in %.1f s, ETA %s\n", who.c_str(),
                 static_cast<long>(p.index), static_cast<long>(ev.position), static_cast<long>(ev.share),
                 100 * ev.test_accuracy, ev.seconds, Clock(eta).c_str());
  };
}

// Threads per point: --threads, else cores / ranks on this node under MPI, else the experiment's.
int ThreadsPerPoint(const SweepArgs& a, const Comm& comm) {
  if (a.threads >= 0) return a.threads;
  if (comm.size() <= 1) return -1;
  int local = EnvInt("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (local <= 0) local = EnvInt("MPI_LOCALNRANKS");
  if (local <= 0) local = comm.size();
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / local);
}

// CLI11 check: a whole number >= 0 (its NonNegativeNumber prints the double range).
std::string NonNegative(const std::string& value) {
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (end == value.c_str() || *end != '\0' || n < 0) return "'" + value + "' must be a whole number >= 0";
  return "";
}

void RunSweep(const SweepArgs& a) {
  Comm comm;
  const experiment::Sweep s = experiment::LoadSweep(a.sweep, a.overrides);
  const std::filesystem::path out =
      a.output.empty() ? std::filesystem::path("results") / (s.name + ".h5") : std::filesystem::path(a.output);
  if (a.list) {
    if (comm.rank() == 0) {
      for (const auto& p : s.points) std::printf("%ld  %s\n", static_cast<long>(p.index), Describe(s, p).c_str());
    }
    return;
  }
  if (comm.rank() == 0 && !a.quiet) {
    std::fprintf(stderr, "pcmsim sweep %s: %zu points (%zu axes, %d repeats), %d rank%s -> %s (points in %s)\n",
                 s.name.c_str(), s.points.size(), s.axes.size(), s.repeats, comm.size(), comm.size() > 1 ? "s" : "",
                 out.string().c_str(), experiment::PointsDir(out).string().c_str());
  }
  if (comm.rank() == 0) {
    io::RemoveStaleTemporary(out, [](const std::string& msg) { std::cerr << msg << "\n"; });
    io::CheckOutputFile(out, {s.source, s.base});
  }
  experiment::SweepRunOptions o;
  o.table = out;
  o.rank = comm.rank();
  o.ranks = comm.size();
  o.max_points = a.max_points;
  o.threads = ThreadsPerPoint(a, comm);
  if (!a.quiet) o.on_point = Progress(s, comm.rank(), comm.size());
  std::vector<long long> counts(4, 0);  // failed, computed, skipped, remaining
  std::string error;
  try {
    const experiment::SweepRunStats st = experiment::RunSweepPoints(s, o);
    counts = {0, st.computed, st.skipped, st.remaining};
  } catch (const std::exception& e) {
    counts[0] = 1;
    error = e.what();
  }
  comm.SumAll(counts);
  if (!error.empty()) throw Error(comm.size() > 1 ? "rank " + std::to_string(comm.rank()) + ": " + error : error);
  if (counts[0] > 0) throw Error(StrCat("sweep failed on ", counts[0], " rank(s); see their messages"));
  if (comm.rank() != 0) return;
  const experiment::SweepTableInfo info = experiment::WriteSweepTable(s, out);
  std::printf("sweep %s: %ld/%ld points done (%lld computed now, %lld already there) -> %s\n", s.name.c_str(),
              static_cast<long>(info.rows), static_cast<long>(info.total), counts[1], counts[2], out.string().c_str());
  if (!info.complete) {
    std::printf("sweep %s: incomplete (%lld points left); run the same command again to finish\n", s.name.c_str(),
                counts[3]);
  }
}

}  // namespace

void RegisterSweep(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand("sweep", "Run a parameter sweep (TOML) into one HDF5 table; MPI-aware");
  cmd->add_option("sweep", args->sweep, "Sweep file, e.g. experiments/sweep_lr_width.toml")->required();
  cmd->add_option("-o,--output", args->output, "Table file (default results/<name>.h5); points go to OUT.points/");
  cmd->add_option("--set", args->overrides, "Override a config key of every point: --set train.epochs=1");
  cmd->add_option("--max-points", args->max_points, "Stop after computing this many points (per rank); rerun to go on")
      ->check(NonNegative);
  cmd->add_option("--threads", args->threads, "Threads per point (default: the experiment's; cores/ranks under MPI)")
      ->check(NonNegative);
  cmd->add_flag("--list", args->list, "Print the points and exit");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] { RunSweep(*args); });
}

}  // namespace pcmsim::cli
