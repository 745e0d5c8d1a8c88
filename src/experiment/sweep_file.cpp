// Reading sweep files: strict [sweep] options, fixed overrides in [set], axes in [axes],
// and the expansion into points (grid or zip, times repeats) with their seeds.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/sweep.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::experiment {
namespace {

// TOML text of a value that toml++ parses back to the same value; floats in shortest form.
std::string Render(const toml::node& n) {
  if (auto i = n.value_exact<std::int64_t>()) return std::to_string(*i);
  if (auto d = n.value_exact<double>()) {
    if (std::isnan(*d)) return "nan";
    if (std::isinf(*d)) return *d > 0 ? "inf" : "-inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), *d);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  if (const auto* arr = n.as_array()) {
    std::string s = "[";
    for (size_t i = 0; i < arr->size(); ++i) s += (i ? ", " : "") + Render((*arr)[i]);
    return s + "]";
  }
  if (const auto* t = n.as_table()) {
    std::string s = "{ ";
    bool first = true;
    for (const auto& [k, v] : *t) {
      const std::string_view key = k.str();
      const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
      });
      s += StrCat(first ? "" : ", ", bare ? std::string(key) : Render(toml::value<std::string>(std::string(key))),
                  " = ", Render(v));
      first = false;
    }
    return s + " }";
  }
  std::ostringstream os;
  n.visit([&os](const auto& v) { os << v; });  // strings (quoted and escaped), booleans, dates
  return os.str();
}

// Leaves of a TOML table as (dotted key, node); arrays are leaves.
void Leaves(const toml::table& t, const std::string& prefix,
            std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, v] : t) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table())
      Leaves(*sub, key, out);
    else
      out.emplace_back(key, &v);
  }
}

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
std::string OverrideValue(const Context& c, const std::string& key, const toml::node& value) {
  if (!IsPathKey(c, key)) return Render(value);
  const auto s = value.value_exact<std::string>();
  if (!s) Fail(c, key, "is listed in sweep.path_keys, so its values must be strings (file paths)");
  std::filesystem::path p(*s);
  if (p.is_relative()) p = c.dir / p;
  return Render(toml::value<std::string>(p.lexically_normal().string()));
}

SweepAxis ReadAxis(const Context& c, const std::string& key, const toml::node& node) {
  if (key.find('/') != std::string::npos) Fail(c, "axes." + key, "a config key cannot contain '/'");
  const auto* arr = node.as_array();
  if (arr == nullptr || arr->empty()) Fail(c, "axes." + key, "must be a non-empty array of values");
  SweepAxis a;
  a.key = key;
  for (const auto& v : *arr) {
    a.values.push_back(OverrideValue(c, key, v));
    a.labels.push_back(v.is_string() ? *v.value_exact<std::string>() : Render(v));
    const bool numeric = v.is_integer() || v.is_floating_point();
    a.numbers.push_back(numeric ? *v.value<double>() : std::numeric_limits<double>::quiet_NaN());
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

// Loads every point once: checks it and fixes its seed (base seed after overrides + repeat).
void ExpandPoints(const Context& c, Sweep& s) {
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
  cfg.MarkUsed("set");
  cfg.MarkUsed("axes");
  cfg.CheckAllConsumed();

  const toml::table root = toml::parse(s.text, s.source);  // parsed fine above
  std::vector<std::pair<std::string, const toml::node*>> leaves;
  if (const auto* set = root["set"].as_table()) Leaves(*set, "", leaves);
  for (const auto& [key, node] : leaves) s.fixed.push_back(key + "=" + OverrideValue(c, key, *node));
  for (const auto& o : overrides) s.fixed.push_back(o);
  leaves.clear();
  if (const auto* axes = root["axes"].as_table()) Leaves(*axes, "", leaves);
  for (const auto& [key, node] : leaves) s.axes.push_back(ReadAxis(c, key, *node));
  for (const auto& k : c.path_keys) {
    const bool used = std::any_of(s.axes.begin(), s.axes.end(), [&](const SweepAxis& a) { return a.key == k; }) ||
                      (root["set"].as_table() && root.at_path("set." + k));
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
