// Reading sweep files: strict [sweep] options, fixed overrides in [set], axes in [axes],
// and the expansion into points (grid or zip, times repeats) with their seeds.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/sweep.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::experiment {
namespace {

struct Context {
  std::string source;
  std::filesystem::path dir;           // folder of the sweep file
  std::vector<std::string> path_keys;  // keys whose string values are paths relative to `dir`
};

[[noreturn]] void Fail(const Context& c, std::string_view key, std::string_view reason) {
  throw ConfigError(StrCat(c.source, ": key '", key, "': ", reason));
}

bool IsPathKey(const Context& c, const std::string& key) {
  return std::find(c.path_keys.begin(), c.path_keys.end(), key) != c.path_keys.end();
}

// The TOML text handed to the experiment for `value` of `key` (paths made absolute).
std::string OverrideValue(const Context& c, const std::string& key, const io::ConfigReader::Value& value) {
  if (!IsPathKey(c, key)) return value.text;
  if (!value.string) Fail(c, key, "is listed in sweep.path_keys, so its values must be strings (file paths)");
  std::filesystem::path p(*value.string);
  if (p.is_relative()) p = c.dir / p;
  return io::ConfigReader::QuoteString(p.lexically_normal().string());
}

SweepAxis ReadAxis(const Context& c, io::ConfigReader& cfg, const std::string& key) {
  if (key.find('/') != std::string::npos) Fail(c, "axes." + key, "a config key cannot contain '/'");
  std::vector<io::ConfigReader::Value> values;
  try {
    values = cfg.GetArray("axes." + key);
  } catch (const ConfigError&) {
    Fail(c, "axes." + key, "must be a non-empty array of values");
  }
  if (values.empty()) Fail(c, "axes." + key, "must be a non-empty array of values");
  SweepAxis a;
  a.key = key;
  for (const auto& v : values) {
    a.values.push_back(OverrideValue(c, key, v));
    a.labels.push_back(v.string ? *v.string : v.text);
    a.numbers.push_back(v.number ? *v.number : std::numeric_limits<double>::quiet_NaN());
  }
  return a;
}

// Axis value indices of every combination: grid (first axis slowest) or zip.
std::vector<std::vector<Index>> Combinations(const Context& c, const Sweep& s) {
  std::vector<std::vector<Index>> out;
  if (s.mode == SweepMode::kZip) {
    const size_t n = s.axes.empty() ? 1 : s.axes.front().values.size();
    for (const auto& a : s.axes) {
      if (a.values.size() != n) {
        Fail(c, "axes." + a.key,
             StrCat("has ", a.values.size(), " values but axes." + s.axes.front().key, " has ", n,
                    "; zip mode needs equal lengths"));
      }
    }
    for (size_t i = 0; i < n; ++i) out.emplace_back(s.axes.size(), static_cast<Index>(i));
    return out;
  }
  std::vector<Index> idx(s.axes.size(), 0);
  while (true) {
    out.push_back(idx);
    int d = static_cast<int>(s.axes.size()) - 1;
    for (; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < static_cast<Index>(s.axes[static_cast<size_t>(d)].values.size())) break;
      idx[static_cast<size_t>(d)] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

std::string Describe(const Sweep& s, const SweepPoint& p) {
  std::string d;
  for (size_t a = 0; a < s.axes.size(); ++a) {
    d += StrCat(a ? " " : "", s.axes[a].key, "=", s.axes[a].labels[static_cast<size_t>(p.value_index[a])]);
  }
  return StrCat(d, d.empty() ? "" : " ", "repeat ", p.repeat);
}

// A sweep of more runs than this is refused before its points are built (each point is
// loaded twice here, and a grid of a few long axes would exhaust memory first).
constexpr double kMaxSweepRuns = 100000;

// The number of runs a grid asks for, refused beyond kMaxSweepRuns with its factors.
void CheckGridSize(const Context& c, const Sweep& s) {
  if (s.mode != SweepMode::kGrid) return;
  double runs = s.repeats;
  std::string factors;
  for (const SweepAxis& a : s.axes) {
    runs *= static_cast<double>(a.values.size());
    factors += StrCat(a.values.size(), " (", a.key, ") x ");
  }
  if (runs > kMaxSweepRuns) {
    const std::string count = runs < 1e15 ? StrCat(static_cast<std::int64_t>(runs)) : StrCat(runs);
    Fail(c, "axes", StrCat("the grid has ", count, " runs (", factors, s.repeats, " repeats); a sweep holds at most ",
                           static_cast<std::int64_t>(kMaxSweepRuns), ": split it, shorten an axis or use sweep.mode = \"zip\""));
  }
}

// Loads every point once: checks it and fixes its seed (base seed after overrides + repeat).
void ExpandPoints(const Context& c, Sweep& s) {
  CheckGridSize(c, s);
  const auto combos = Combinations(c, s);
  for (size_t ci = 0; ci < combos.size(); ++ci) {
    std::vector<std::string> ov = s.fixed;
    for (size_t a = 0; a < s.axes.size(); ++a) {
      ov.push_back(s.axes[a].key + "=" + s.axes[a].values[static_cast<size_t>(combos[ci][a])]);
    }
    for (int r = 0; r < s.repeats; ++r) {
      SweepPoint p;
      p.index = static_cast<Index>(s.points.size());
      p.combination = static_cast<Index>(ci);
      p.repeat = r;
      p.value_index = combos[ci];
      p.overrides = ov;
      try {
        const std::uint64_t base_seed = LoadExperiment(s.base, ov).seed;
        p.seed = base_seed + static_cast<std::uint64_t>(r);
        p.overrides.push_back(StrCat("experiment.seed=", p.seed));
        LoadExperiment(s.base, p.overrides);
      } catch (const Error& e) {
        throw ConfigError(StrCat(c.source, ": point ", p.index, " (", Describe(s, p), "): ", e.what()));
      }
      s.points.push_back(std::move(p));
    }
  }
}

}  // namespace

Sweep LoadSweep(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  io::ConfigReader cfg = io::ConfigReader::FromFile(path);
  Sweep s;
  s.source = path.string();
  s.text = [&] {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  Context c{s.source, std::filesystem::absolute(path).parent_path(), {}};
  s.name = cfg.GetString("sweep.name", path.stem().string());
  s.description = cfg.GetString("sweep.description", "");
  s.base = cfg.GetPath("sweep.base", "");
  if (s.base.empty()) cfg.Fail("sweep.base", "is required (the base experiment file)");
  if (!std::filesystem::exists(s.base)) cfg.Fail("sweep.base", StrCat("'", s.base.string(), "': no such file"));
  const std::int64_t repeats = cfg.GetInt("sweep.repeats", 1);
  if (repeats < 1 || repeats > 100000) cfg.Fail("sweep.repeats", StrCat(repeats, " must be in 1..100000"));
  s.repeats = static_cast<int>(repeats);
  s.mode =
      cfg.GetEnum<SweepMode>("sweep.mode", SweepMode::kGrid, {{"grid", SweepMode::kGrid}, {"zip", SweepMode::kZip}});
  c.path_keys = cfg.GetStringList("sweep.path_keys", {});
  cfg.MarkUsed("set");   // [set] and [axes] are read below through the same reader
  cfg.MarkUsed("axes");
  cfg.CheckAllConsumed();
  // Leaves under "set." / "axes." without the section name (a bare `set = ...` is no table).
  const auto under = [&](const std::string& k, const std::string& section) {
    if (k.size() <= section.size() + 1) cfg.Fail(k, "must be a table of config keys");
    return k.substr(section.size() + 1);
  };
  for (const auto& k : cfg.Keys("set")) {
    const std::string key = under(k, "set");
    s.fixed.push_back(key + "=" + OverrideValue(c, key, cfg.GetValue(k)));
  }
  for (const auto& o : overrides) s.fixed.push_back(o);
  for (const auto& k : cfg.Keys("axes")) s.axes.push_back(ReadAxis(c, cfg, under(k, "axes")));
  for (const auto& k : c.path_keys) {
    const bool used = std::any_of(s.axes.begin(), s.axes.end(), [&](const SweepAxis& a) { return a.key == k; }) ||
                      cfg.Has("set." + k);
    if (!used) Fail(c, "sweep.path_keys", StrCat("'", k, "' is neither an axis nor in [set]"));
  }
  ExpandPoints(c, s);
  return s;
}

Experiment LoadPoint(const Sweep& sweep, const SweepPoint& point) {
  return LoadExperiment(sweep.base, point.overrides);
}

std::filesystem::path PointsDir(const std::filesystem::path& table) {
  std::filesystem::path dir = table;
  dir.replace_extension(".points");
  return dir;
}

std::filesystem::path PointFile(const std::filesystem::path& table, Index point) {
  return PointsDir(table) / StrCat("point_", point, ".h5");
}

}  // namespace pcmsim::experiment
