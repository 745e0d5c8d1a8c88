// HDF5 group -> JSON, recursively.
#include "pcmsim/io/h5_json.hpp"

#include <cmath>

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

nlohmann::json GroupToJson(const H5Reader& in, std::string_view group) {
  nlohmann::json j = AttributesToJson(in, group);
  const std::string g(group);
  for (const auto& name : in.Children(g)) {
    const std::string path = (g == "/" ? "" : g) + "/" + name;
    if (in.IsGroup(path)) {
      j[name] = GroupToJson(in, path);
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

}  // namespace pcmsim::io
