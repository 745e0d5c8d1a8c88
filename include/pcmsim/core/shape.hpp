// The shape of one sample as it flows through a network: channels x height x width. A flat
// feature vector of n values is {n, 1, 1}. Features of a sample are stored channel-major,
// then row-major (index = (c * height + y) * width + x), one sample per column.
#pragma once

#include <string>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/types.hpp"

namespace pcmsim {

struct TensorShape {
  Index channels = 1;
  Index height = 1;
  Index width = 1;

  Index Size() const { return channels * height * width; }
  // A plain feature vector (no spatial extent).
  bool Flat() const { return height == 1 && width == 1; }
  bool operator==(const TensorShape&) const = default;
  std::string ToString() const { return StrCat(channels, "x", height, "x", width); }
};

}  // namespace pcmsim
