// The layout of result files (documented in the README): provenance attributes on "/",
// the resolved config, per-epoch metrics, the model's weights, and "/summary", which
// `pcmsim report --json` turns into JSON.
#pragma once

#include <string>
#include <vector>

#include "pcmsim/io/h5.hpp"
#include "pcmsim/nn/network.hpp"
#include "pcmsim/nn/trainer.hpp"

namespace pcmsim::experiment {

inline constexpr std::int64_t kSchemaVersion = 1;

// Root attributes: schema_version, pcmsim_version, git_commit, git_dirty, build_type,
// compiler, eigen/hdf5/boost versions, seed, threads, start_time (UTC ISO 8601), kind.
void WriteProvenance(io::H5Writer& out, std::string_view kind, std::uint64_t seed, const std::string& start_time);
std::string UtcNow();

// Throws IoError naming the file unless it was written by pcmsim (root attributes
// schema_version and kind) with a schema version this build reads (<= kSchemaVersion),
// and, when `kind` is given, is of that kind ("run", "checkpoint", ...).
void CheckPcmsimFile(const io::H5Reader& in, std::string_view kind = "");

// /metrics/{epoch,lr,train_loss,train_accuracy,test_accuracy,seconds,samples_per_second}.
void WriteMetrics(io::H5Writer& out, const std::vector<nn::EpochMetrics>& history);
std::vector<nn::EpochMetrics> ReadMetrics(const io::H5Reader& in);

// /model/layer_<i>/{weights (out x in), bias}, attributes backend, activation; with
// `with_state`, also momentum and backend state (/model/layer_<i>/state/<name>).
void WriteModel(io::H5Writer& out, const nn::Network& mlp, bool with_state);
// Loads weights (and state, when present and `with_state`) into a network of the same
// shape; IoError/DimensionError name the file and layer on mismatch.
void ReadModel(const io::H5Reader& in, nn::Network& mlp, bool with_state);

}  // namespace pcmsim::experiment
