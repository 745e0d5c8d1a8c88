// Parameter sweeps: a sweep file names a base experiment, fixed overrides, axes over any
// config key (grid product or zipped) and repeats; each point is one ordinary run whose
// result file is kept, so sweeps resume, and the points are gathered into one HDF5 table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"
#include "pcmsim/experiment/runner.hpp"

namespace pcmsim::experiment {

// How the axes combine: every combination (grid, first axis slowest) or the i-th values of
// all axes together (zip, all axes the same length).
enum class SweepMode { kGrid, kZip };

// One swept config key and its values.
struct SweepAxis {
  std::string key;                  // dotted experiment key, e.g. "train.lr"
  std::vector<std::string> values;  // each value as TOML text, e.g. "0.1", "[784, 32, 10]"
  std::vector<std::string> labels;  // as written in the sweep file (paths unresolved)
  std::vector<double> numbers;      // numeric value, NaN for strings, lists, booleans
};

// One run of the sweep.
struct SweepPoint {
  Index index = 0;                     // 0-based point number; file point_<index>.h5
  Index combination = 0;               // which axis combination (index / repeats)
  int repeat = 0;                      // 0 .. repeats-1
  std::uint64_t seed = 0;              // experiment.seed of this run = base seed + repeat
  std::vector<Index> value_index;      // per axis, which value
  std::vector<std::string> overrides;  // every "key=value" applied to the base experiment
};

// A parsed sweep file.
struct Sweep {
  std::string name = "sweep";  // [sweep] name
  std::string description;     // [sweep] description
  std::string source;          // the sweep file
  std::string text;            // its content (written into the table)
  std::filesystem::path base;  // base experiment file (absolute)
  int repeats = 1;             // runs per combination, >= 1
  SweepMode mode = SweepMode::kGrid;
  std::vector<std::string> fixed;  // "key=value" from [set] and the command line, applied first
  std::vector<SweepAxis> axes;     // in key order (sorted), so point numbering is stable
  std::vector<SweepPoint> points;  // expanded: combination-major, repeat-minor
};

// Reads a sweep file (strict: unknown keys, empty or mismatched axes, bad types throw
// ConfigError naming the file and key). `overrides` ("key=value") are applied to every
// point after the file's [set] table. Every point is loaded once to validate it.
Sweep LoadSweep(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

// The experiment of one point (base + fixed + axis values + seed).
Experiment LoadPoint(const Sweep& sweep, const SweepPoint& point);

// Where the per-point result files of a sweep table live: OUT.h5 -> OUT.points/.
std::filesystem::path PointsDir(const std::filesystem::path& table);
std::filesystem::path PointFile(const std::filesystem::path& table, Index point);

// What happened to one point, for progress reports.
struct SweepPointEvent {
  const SweepPoint* point = nullptr;
  bool finished = false;     // false: about to start; true: done (or skipped)
  bool skipped = false;      // its result file already existed
  Index position = 0;        // 1-based position in this worker's share
  Index share = 0;           // points in this worker's share
  double seconds = 0;        // wall time of the point (finished, not skipped)
  double test_accuracy = 0;  // final accuracy (finished)
};

struct SweepRunOptions {
  std::filesystem::path table;  // OUT.h5; point files go to PointsDir(table)
  int rank = 0;                 // this worker, 0 .. ranks-1; runs points with index % ranks == rank
  int ranks = 1;                // number of workers (MPI ranks), >= 1
  Index max_points = -1;        // stop after computing this many points (-1: no limit), to split work
  int threads = -1;             // threads per point; -1 keeps each experiment's own setting
  std::function<void(const SweepPointEvent&)> on_point;  // progress (may be empty)
  nn::TrainCallbacks train_progress;                     // forwarded to every run
};

struct SweepRunStats {
  Index computed = 0;   // points run by this call
  Index skipped = 0;    // points whose result file already existed (and matched)
  Index remaining = 0;  // points of this share left undone (max_points reached)
};

// Runs this worker's share of the points. A point whose result file exists is skipped
// after checking that the file's config equals the point's (ConfigError otherwise); an
// interrupted point resumes from its epoch checkpoint.
SweepRunStats RunSweepPoints(const Sweep& sweep, const SweepRunOptions& options);

struct SweepTableInfo {
  Index rows = 0;         // points with a result file (rows of the table)
  Index total = 0;        // points in the sweep
  bool complete = false;  // rows == total
};

// Gathers the point files that exist into the table file `table` (written to a temporary
// and renamed). Layout in the README, "Sweep tables". Deterministic: the /table group
// depends only on the point files' contents, never on timing or on who ran them.
SweepTableInfo WriteSweepTable(const Sweep& sweep, const std::filesystem::path& table);

}  // namespace pcmsim::experiment
