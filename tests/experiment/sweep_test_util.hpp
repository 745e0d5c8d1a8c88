// Helpers of the sweep tests: a tiny sweep file (4 points of a 1-epoch 784-32-10 net on
// 1000 digits) and a bit-for-bit comparison of two sweep tables' /table groups.
#pragma once

#include <cstring>
#include <string>

#include "pcmsim/io/h5.hpp"
#include "test_util.hpp"

namespace pcmsim::testing {

// Writes DIR/tiny.toml: train.lr in {0.05, 0.2} x 2 repeats, `extra` appended verbatim.
inline std::filesystem::path WriteTinySweep(const std::filesystem::path& dir, const std::string& extra = "") {
  const auto path = dir / "tiny.toml";
  WriteFile(path, "[sweep]\nname = \"tiny\"\nbase = \"" + (SourceDir() / "experiments" / "mnist_fp32.toml").string() +
                      "\"\nrepeats = 2\n[set]\ntrain.epochs = 1\ndata.train_limit = 1000\ndata.test_limit = 500\n"
                      "model.layers = [784, 32, 10]\n[axes]\ntrain.lr = [0.05, 0.2]\n" +
                      extra);
  return path;
}

// Every dataset below `group` (recursively), compared bit for bit; returns the differences.
inline std::string CompareGroups(const io::H5Reader& a, const io::H5Reader& b, const std::string& group) {
  std::string diff;
  const auto ca = a.Children(group), cb = b.Children(group);
  if (ca != cb) return "children of " + group + " differ\n";
  for (const auto& c : ca) {
    const std::string p = group + "/" + c;
    if (a.IsGroup(p)) {
      diff += CompareGroups(a, b, p);
    } else if (a.DatasetKind(p) == io::H5Kind::kString) {
      if (a.ReadStrings(p) != b.ReadStrings(p)) diff += p + " (strings) differs\n";
    } else {
      const MatrixD ma = a.ReadMatrix(p), mb = b.ReadMatrix(p);
      if (ma.rows() != mb.rows() || ma.cols() != mb.cols() ||
          std::memcmp(ma.data(), mb.data(), sizeof(double) * static_cast<size_t>(ma.size())) != 0) {
        diff += p + " differs\n";
      }
    }
  }
  return diff;
}

}  // namespace pcmsim::testing
