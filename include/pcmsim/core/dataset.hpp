// A labelled set of samples as the trainer sees it: features x samples (one sample per
// column) and one class label per sample. Readers (io: IDX files) fill it; nn trains on it
// without knowing where it came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcmsim/core/shape.hpp"
#include "pcmsim/core/types.hpp"

namespace pcmsim {

struct Dataset {
  Matrix x;                          // features x samples
  std::vector<std::uint8_t> labels;  // one per column of x
  int classes = 0;                   // max label + 1
  std::string name;                  // for messages and results (the images file's name)
  TensorShape shape;                 // of one sample (from the IDX header); Size() == Features()
  std::string labels_name;           // the labels file's path, for messages about labels
  Index Samples() const { return x.cols(); }
  Index Features() const { return x.rows(); }
};

}  // namespace pcmsim
