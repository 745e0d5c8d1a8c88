// Converts an HDF5 group to JSON generically: attributes become scalar fields, datasets
// arrays (or strings), subgroups nested objects. Behind `pcmsim report --json`.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "pcmsim/io/h5.hpp"

namespace pcmsim::io {

// Only the attributes of `group`, as a flat object.
nlohmann::json AttributesToJson(const H5Reader& in, std::string_view group);

// The group and everything below it; IoError past 32 levels or 100000 objects (a hard
// link can make a group its own descendant).
nlohmann::json GroupToJson(const H5Reader& in, std::string_view group);

}  // namespace pcmsim::io
