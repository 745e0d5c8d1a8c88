// HDF5 group -> JSON, recursively.
#include "pcmsim/io/h5_json.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"

namespace pcmsim::io {
namespace {

nlohmann::json Number(double v) {
  if (!std::isfinite(v)) return nullptr;  // JSON has no NaN/inf
  return v;
}

}  // namespace

nlohmann::json AttributesToJson(const H5Reader& in, std::string_view group) {
  nlohmann::json j = nlohmann::json::object();
  const std::string g(group);
  for (const auto& name : in.AttrNames(g)) {
    switch (in.AttrKind(g, name)) {
      case H5Kind::kString: j[name] = in.AttrString(g, name); break;
      case H5Kind::kInteger: j[name] = in.AttrInt(g, name); break;
      default: j[name] = Number(in.AttrDouble(g, name)); break;
    }
  }
  return j;
}

namespace {

// pcmsim's files nest groups a few levels deep. A hard link can make a group its own
// descendant (HDF5 allows cycles), and the walk then never ended (found by
// fuzz/fuzz_result_h5); it stops with an IoError past these limits.
constexpr int kMaxDepth = 32;
constexpr long kMaxObjects = 100000;

nlohmann::json Walk(const H5Reader& in, const std::string& g, int depth, long& objects) {
  if (depth > kMaxDepth) {
    throw IoError(StrCat(in.Path().string(), ": groups nest deeper than ", kMaxDepth, " levels at ", g,
                         " (a link cycle?)"));
  }
  nlohmann::json j = AttributesToJson(in, g);
  for (const auto& name : in.Children(g)) {
    if (++objects > kMaxObjects) {
      throw IoError(StrCat(in.Path().string(), ": more than ", kMaxObjects, " objects below the group read (a link cycle?)"));
    }
    const std::string path = (g == "/" ? "" : g) + "/" + name;
    if (in.IsGroup(path)) {
      j[name] = Walk(in, path, depth + 1, objects);
      continue;
    }
    switch (in.DatasetKind(path)) {
      case H5Kind::kString: {
        if (in.IsScalarString(path)) {
          j[name] = in.ReadString(path);
        } else {
          j[name] = in.ReadStrings(path);
        }
        break;
      }
      case H5Kind::kInteger: {
        nlohmann::json arr = nlohmann::json::array();
        for (double v : in.ReadVector(path)) arr.push_back(static_cast<std::int64_t>(v));
        j[name] = arr;
        break;
      }
      default: {
        nlohmann::json arr = nlohmann::json::array();
        for (double v : in.ReadVector(path)) arr.push_back(Number(v));
        j[name] = arr;
        break;
      }
    }
  }
  return j;
}

}  // namespace

nlohmann::json GroupToJson(const H5Reader& in, std::string_view group) {
  long objects = 0;
  return Walk(in, std::string(group), 0, objects);
}

}  // namespace pcmsim::io
