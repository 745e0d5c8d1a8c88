// Running a worker's share of sweep points: static round-robin by point index, skipping
// points whose (complete, matching) result file exists, resuming interrupted ones.
#include <chrono>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/sweep.hpp"
#include "pcmsim/io/h5.hpp"

namespace pcmsim::experiment {
namespace {

// True when `file` holds this point's result; ConfigError when it holds another config.
bool AlreadyDone(const std::filesystem::path& file, const Experiment& e, const SweepPoint& p) {
  if (!std::filesystem::exists(file)) return false;
  const io::H5Reader in(file);
  if (!in.Exists("/config") || in.ReadString("/config") != e.config_text) {
    throw ConfigError(StrCat(file.string(), ": result of point ", p.index,
                             " was made with a different config (the sweep file or --set changed); "
                             "use another output or delete the points folder"));
  }
  return true;
}

}  // namespace

SweepRunStats RunSweepPoints(const Sweep& sweep, const SweepRunOptions& o) {
  PCMSIM_CHECK(o.ranks >= 1 && o.rank >= 0 && o.rank < o.ranks, "rank ", o.rank, " of ", o.ranks);
  PCMSIM_CHECK(!o.table.empty(), "sweep table path not set");
  std::vector<const SweepPoint*> share;
  for (const auto& p : sweep.points) {
    if (p.index % o.ranks == o.rank) share.push_back(&p);
  }
  std::filesystem::create_directories(PointsDir(o.table));
  SweepRunStats stats;
  for (size_t i = 0; i < share.size(); ++i) {
    const SweepPoint& p = *share[i];
    SweepPointEvent ev{&p, false, false, static_cast<Index>(i + 1), static_cast<Index>(share.size()), 0, 0};
    Experiment e = LoadPoint(sweep, p);
    const std::filesystem::path file = PointFile(o.table, p.index);
    if (AlreadyDone(file, e, p)) {
      ++stats.skipped;
      ev.finished = ev.skipped = true;
      if (o.on_point) o.on_point(ev);
      continue;
    }
    if (o.max_points >= 0 && stats.computed >= o.max_points) {
      ++stats.remaining;
      continue;
    }
    if (o.threads >= 0) e.threads = o.threads;  // not part of the config: results do not depend on it
    if (o.on_point) o.on_point(ev);
    RunOptions ro;
    ro.output = file;
    ro.resume = true;  // a point killed mid-way continues from its last epoch checkpoint
    ro.checkpoint = true;
    ro.progress = o.train_progress;
    const auto t0 = std::chrono::steady_clock::now();
    const RunSummary r = RunExperiment(e, ro);
    ++stats.computed;
    ev.finished = true;
    ev.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ev.test_accuracy = r.test_accuracy;
    if (o.on_point) o.on_point(ev);
  }
  return stats;
}

}  // namespace pcmsim::experiment
