// Gathering sweep point files into one table: fixed columns (point, repeat, seed, axes),
// every /summary scalar as a column and every small /summary vector as a 2-D column.
// Wall-clock values go to /timing so that /table depends only on the computed results.
#include <cmath>
#include <limits>
#include <map>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/sweep.hpp"
#include "pcmsim/io/h5.hpp"

namespace pcmsim::experiment {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One /summary value of one point.
struct Cell {
  enum Kind { kInt, kFloat, kString, kVector } kind = kFloat;
  std::int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<double> v;
};
using Row = std::map<std::string, Cell>;  // name below /summary ("a", "group/b") -> value

// Point files nest a few levels below /summary; a hard-link cycle (HDF5 allows them) made
// this recursion endless, so it stops past 32 levels or 100000 objects.
void ReadGroup(const io::H5Reader& in, const std::string& group, const std::string& prefix, Row& row,
               int depth, long& objects) {
  if (depth > 32 || objects > 100000) {
    throw IoError(StrCat(in.Path().string(), ": groups below /summary nest deeper than 32 levels or hold more than "
                         "100000 objects, at ", group, " (a link cycle?)"));
  }
  for (const auto& name : in.AttrNames(group)) {
    Cell c;
    switch (in.AttrKind(group, name)) {
      case io::H5Kind::kInteger:
        c.kind = Cell::kInt, c.i = in.AttrInt(group, name);
        break;
      case io::H5Kind::kFloat:
        c.kind = Cell::kFloat, c.f = in.AttrDouble(group, name);
        break;
      case io::H5Kind::kString:
        c.kind = Cell::kString, c.s = in.AttrString(group, name);
        break;
      default:
        continue;
    }
    row[prefix + name] = std::move(c);
  }
  for (const auto& child : in.Children(group)) {
    ++objects;
    const std::string path = group + "/" + child;
    if (in.IsGroup(path)) {
      ReadGroup(in, path, prefix + child + "/", row, depth + 1, objects);
      continue;
    }
    Cell c;
    const io::H5Kind kind = in.DatasetKind(path);
    if (kind == io::H5Kind::kString && in.IsScalarString(path)) {
      c.kind = Cell::kString, c.s = in.ReadString(path);
    } else if (kind == io::H5Kind::kInteger || kind == io::H5Kind::kFloat) {
      const MatrixD m = in.ReadMatrix(path);
      if (m.cols() != 1 && m.rows() != 1) continue;  // matrices are not table material
      c.kind = Cell::kVector;
      c.v.assign(m.data(), m.data() + m.size());
    } else {
      continue;
    }
    row[prefix + child] = std::move(c);
  }
}

// Wall-clock quantities (differ between identical runs): "train_seconds", "samples_per_second".
bool IsWallClock(const std::string& name) {
  const std::string leaf = name.substr(name.rfind('/') + 1);
  auto ends = [&](std::string_view s) {
    return leaf.size() >= s.size() && leaf.compare(leaf.size() - s.size(), s.size(), s) == 0;
  };
  return ends("seconds") || ends("per_second");
}

std::string AsText(const Cell& c) {
  switch (c.kind) {
    case Cell::kInt:
      return std::to_string(c.i);
    case Cell::kFloat:
      return StrCat(c.f);
    case Cell::kString:
      return c.s;
    default:
      return "";
  }
}

// Writes column `name` (rows with a missing value get NaN, "" or NaN padding).
void WriteColumn(io::H5Writer& out, const std::string& dataset, const std::vector<Row>& rows, const std::string& name) {
  bool all_int = true, all_num = true, all_str = true, all_vec = true;
  size_t width = 0;
  for (const Row& r : rows) {
    const auto it = r.find(name);
    if (it == r.end()) {
      all_int = false;
      continue;
    }
    const Cell::Kind k = it->second.kind;
    all_int &= k == Cell::kInt;
    all_num &= k == Cell::kInt || k == Cell::kFloat;
    all_str &= k == Cell::kString;
    all_vec &= k == Cell::kVector;
    width = std::max(width, it->second.v.size());
  }
  const auto n = static_cast<Index>(rows.size());
  if (all_vec) {
    MatrixD m = MatrixD::Constant(n, static_cast<Index>(width), kNaN);
    for (Index i = 0; i < n; ++i) {
      const auto it = rows[static_cast<size_t>(i)].find(name);
      if (it == rows[static_cast<size_t>(i)].end()) continue;
      for (size_t j = 0; j < it->second.v.size(); ++j) m(i, static_cast<Index>(j)) = it->second.v[j];
    }
    out.WriteMatrix(dataset, m);
  } else if (all_int) {
    std::vector<std::int64_t> v;
    for (const Row& r : rows) v.push_back(r.at(name).i);
    out.WriteVector(dataset, v);
  } else if (all_num) {
    std::vector<double> v;
    for (const Row& r : rows) {
      const auto it = r.find(name);
      v.push_back(it == r.end()                   ? kNaN
                  : it->second.kind == Cell::kInt ? static_cast<double>(it->second.i)
                                                  : it->second.f);
    }
    out.WriteVector(dataset, v);
  } else {
    (void)all_str;  // strings, or mixed kinds written as text
    std::vector<std::string> v;
    for (const Row& r : rows) {
      const auto it = r.find(name);
      v.push_back(it == r.end() ? "" : AsText(it->second));
    }
    out.WriteStrings(dataset, v);
  }
}

void WriteAxes(io::H5Writer& out, const Sweep& s, const std::vector<const SweepPoint*>& done) {
  for (size_t a = 0; a < s.axes.size(); ++a) {
    const SweepAxis& axis = s.axes[a];
    const std::string g = "/table/axes/" + axis.key;
    std::vector<std::string> label;
    std::vector<double> value;
    std::vector<std::int64_t> index;
    for (const SweepPoint* p : done) {
      const auto k = static_cast<size_t>(p->value_index[a]);
      label.push_back(axis.labels[k]);
      value.push_back(axis.numbers[k]);
      index.push_back(static_cast<std::int64_t>(k));
    }
    out.WriteStrings(g + "/label", label);
    out.WriteVector(g + "/value", value);
    out.WriteVector(g + "/index", index);
    out.WriteStrings(g + "/values", axis.labels);
    out.WriteAttr(g, "key", axis.key);
  }
}

void WriteRootAttributes(io::H5Writer& out, const Sweep& s, const std::filesystem::path& table,
                         const SweepTableInfo& info) {
  WriteProvenance(out, "sweep", s.points.empty() ? 0 : s.points.front().seed, UtcNow());
  out.WriteAttr("/", "experiment", s.name);
  out.WriteAttr("/", "points_dir", PointsDir(table).filename().string());
  out.WriteString("/sweep_config", s.text);
  out.WriteAttr("/sweep_config", "source", s.source);
  out.WriteAttr("/sweep_config", "base", s.base.string());
  out.CreateGroup("/summary");
  out.WriteAttr("/summary", "sweep", s.name);
  out.WriteAttr("/summary", "points_total", static_cast<std::int64_t>(info.total));
  out.WriteAttr("/summary", "points_done", static_cast<std::int64_t>(info.rows));
  out.WriteAttr("/summary", "complete", static_cast<std::int64_t>(info.complete ? 1 : 0));
  out.WriteAttr("/summary", "repeats", static_cast<std::int64_t>(s.repeats));
  out.WriteAttr("/summary", "mode", s.mode == SweepMode::kGrid ? "grid" : "zip");
  std::string keys;
  for (const auto& a : s.axes) keys += (keys.empty() ? "" : ",") + a.key;
  out.WriteAttr("/summary", "axes", keys);
}

}  // namespace

SweepTableInfo WriteSweepTable(const Sweep& s, const std::filesystem::path& table) {
  std::vector<const SweepPoint*> done;
  std::vector<Row> rows;
  for (const auto& p : s.points) {
    const auto file = PointFile(table, p.index);
    if (!std::filesystem::exists(file)) continue;
    const io::H5Reader in(file);
    Row row;
    long objects = 0;
    if (in.Exists("/summary")) ReadGroup(in, "/summary", "", row, 0, objects);
    rows.push_back(std::move(row));
    done.push_back(&p);
  }
  SweepTableInfo info{static_cast<Index>(rows.size()), static_cast<Index>(s.points.size()),
                      rows.size() == s.points.size()};
  io::H5Writer out(table);
  WriteRootAttributes(out, s, table, info);
  out.CreateGroup("/table");
  out.WriteAttr("/table", "rows", static_cast<std::int64_t>(info.rows));
  out.WriteAttr("/table", "note",
                "one row per finished point; axes/<key>/{label,value,index}; summary/<name> mirrors each point's "
                "/summary (2-D for vectors, NaN-padded); wall-clock values are in /timing");
  std::vector<std::int64_t> point, repeat, seed;
  std::vector<std::string> file;
  for (const SweepPoint* p : done) {
    point.push_back(static_cast<std::int64_t>(p->index));
    repeat.push_back(p->repeat);
    seed.push_back(static_cast<std::int64_t>(p->seed));
    // Inside the folder named by the root attribute points_dir (relative to the table's folder),
    // so that /table does not depend on the output's name.
    file.push_back(PointFile(table, p->index).filename().string());
  }
  out.WriteVector("/table/point", point);
  out.WriteVector("/table/repeat", repeat);
  out.WriteVector("/table/seed", seed);
  out.WriteStrings("/table/file", file);
  WriteAxes(out, s, done);
  std::map<std::string, bool> names;
  for (const Row& r : rows)
    for (const auto& [name, cell] : r) names[name] = true;
  out.CreateGroup("/table/summary");
  out.CreateGroup("/timing/summary");
  for (const auto& [name, unused] : names) {
    WriteColumn(out, (IsWallClock(name) ? "/timing/summary/" : "/table/summary/") + name, rows, name);
  }
  out.Commit();
  return info;
}

}  // namespace pcmsim::experiment
