// Flattening of EventCounts into one named matrix and back.
#include "pcmsim/experiment/counts_file.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "pcmsim/core/error.hpp"

namespace pcmsim::experiment {

using energy::EventCounts;
using energy::PhaseCounts;
using energy::Phase;
using energy::kNumPhases;
namespace {

// The plain additive fields of PhaseCounts by name (the maps are handled separately).
template <typename Counts, typename F>
void ForEachField(Counts& c, F&& f) {
  f("calls", c.calls);
  f("samples", c.samples);
  f("analog_macs", c.analog_macs);
  f("cell_reads", c.cell_reads);
  f("read_g_dt", c.read_g_dt);
  f("set_pulses", c.set_pulses);
  f("reset_pulses", c.reset_pulses);
  f("program_pulses", c.program_pulses);
  f("verify_reads", c.verify_reads);
  f("activations", c.activations);
  f("scalings", c.scalings);
  f("partial_sum_adds", c.partial_sum_adds);
}

// Every column name a PhaseCounts uses, with its value.
std::vector<std::pair<std::string, double>> Flatten(const PhaseCounts& c) {
  std::vector<std::pair<std::string, double>> out;
  ForEachField(c, [&](const char* name, double v) { out.emplace_back(name, v); });
  for (const auto& [k, v] : c.macs) out.emplace_back("macs:" + k, v);
  for (const auto& [k, v] : c.bytes) out.emplace_back("bytes:" + k, v);
  for (const auto& [b, v] : c.dac) out.emplace_back("dac:" + std::to_string(b), v);
  for (const auto& [b, v] : c.adc) out.emplace_back("adc:" + std::to_string(b), v);
  return out;
}

Phase PhaseFromString(const std::string& s, const std::string& file) {
  for (int p = 0; p < kNumPhases; ++p) {
    if (ToString(static_cast<Phase>(p)) == s) return static_cast<Phase>(p);
  }
  throw IoError(StrCat(file, ": /energy/counts/rows: unknown phase '", s, "'"));
}

int BitsFromString(const std::string& s, const std::string& column, const std::string& file) {
  try {
    size_t used = 0;
    const int b = std::stoi(s, &used);
    if (used == s.size()) return b;
  } catch (const std::exception&) {
  }
  throw IoError(StrCat(file, ": /energy/counts/columns: '", column, "' has no bit width"));
}

void Set(PhaseCounts& c, const std::string& column, double v, const std::string& file) {
  bool found = false;
  ForEachField(c, [&](const char* name, double& field) {
    if (column == name) {
      field = v;
      found = true;
    }
  });
  if (found) return;
  const size_t colon = column.find(':');
  const std::string kind = column.substr(0, colon), key = colon == std::string::npos ? "" : column.substr(colon + 1);
  if (colon != std::string::npos && !key.empty()) {
    if (kind == "macs") {
      c.macs[key] = v;
      return;
    }
    if (kind == "bytes") {
      c.bytes[key] = v;
      return;
    }
    if (kind == "dac") {
      c.dac[BitsFromString(key, column, file)] = v;
      return;
    }
    if (kind == "adc") {
      c.adc[BitsFromString(key, column, file)] = v;
      return;
    }
  }
  throw IoError(StrCat(file, ": /energy/counts/columns: unknown count '", column, "'"));
}

}  // namespace

void WriteEventCounts(io::H5Writer& out, const EventCounts& counts) {
  std::vector<std::string> rows, columns;
  std::set<std::string> seen;
  for (const auto& [name, phases] : counts.layers) {
    for (int p = 0; p < kNumPhases; ++p) {
      rows.push_back(StrCat(name, "/", ToString(static_cast<Phase>(p))));
      for (const auto& [col, v] : Flatten(phases[static_cast<size_t>(p)])) {
        if (seen.insert(col).second) columns.push_back(col);
      }
    }
  }
  MatrixD values = MatrixD::Zero(static_cast<Index>(rows.size()), static_cast<Index>(columns.size()));
  Index r = 0;
  for (const auto& [name, phases] : counts.layers) {
    for (int p = 0; p < kNumPhases; ++p, ++r) {
      for (const auto& [col, v] : Flatten(phases[static_cast<size_t>(p)])) {
        const auto it = std::find(columns.begin(), columns.end(), col);
        values(r, static_cast<Index>(it - columns.begin())) = v;
      }
    }
  }
  out.CreateGroup("/energy");
  out.CreateGroup("/energy/counts");
  out.WriteAttr("/energy/counts", "note",
                "raw event counts (rows: layer/phase, columns: count names); price them again with "
                "`pcmsim compare --tables ...`");
  out.WriteStrings("/energy/counts/rows", rows);
  out.WriteStrings("/energy/counts/columns", columns);
  out.WriteMatrix("/energy/counts/values", values);
}

bool HasEventCounts(const io::H5Reader& in) { return in.Exists("/energy/counts/values"); }

EventCounts ReadEventCounts(const io::H5Reader& in) {
  const std::string file = in.Path().string();
  if (!HasEventCounts(in)) {
    throw IoError(StrCat(file, ": no /energy/counts (the run was made before result files recorded their event "
                               "counts); rerun it to price it with other tables"));
  }
  const auto rows = in.ReadStrings("/energy/counts/rows");
  const auto columns = in.ReadStrings("/energy/counts/columns");
  const MatrixD values = in.ReadMatrix("/energy/counts/values");
  if (values.rows() != static_cast<Index>(rows.size()) || values.cols() != static_cast<Index>(columns.size())) {
    throw IoError(StrCat(file, ": /energy/counts/values is ", values.rows(), " x ", values.cols(), ", expected ",
                         rows.size(), " x ", columns.size()));
  }
  EventCounts counts;
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t slash = rows[i].rfind('/');
    if (slash == std::string::npos) throw IoError(StrCat(file, ": /energy/counts/rows: '", rows[i], "' is not layer/phase"));
    PhaseCounts& c = counts.At(rows[i].substr(0, slash), PhaseFromString(rows[i].substr(slash + 1), file));
    for (size_t j = 0; j < columns.size(); ++j) {
      const double v = values(static_cast<Index>(i), static_cast<Index>(j));
      // Map entries that were zero in this row stay absent, as they were before writing.
      const bool is_map = columns[j].find(':') != std::string::npos;
      if (is_map && v == 0) continue;
      Set(c, columns[j], v, file);
    }
  }
  return counts;
}

}  // namespace pcmsim::experiment
