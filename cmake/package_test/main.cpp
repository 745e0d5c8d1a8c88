// Programs a small tile of the installed pcmsim and prints one forward pass (package test).
#include <cstdio>

#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"

int main() {
  pcmsim::crossbar::Tile tile(4, 8, pcmsim::device::ConventionalParams(), {}, /*seed=*/1, /*tile_index=*/0);
  tile.Program(pcmsim::Matrix::Constant(4, 8, 0.5f), 0.0);
  pcmsim::Matrix y;
  tile.Forward(pcmsim::Matrix::Ones(8, 2), y);
  std::printf("pcmsim package: y(0,0) = %.4f (ideal 4.0)\n", y(0, 0));
  return y(0, 0) > 3.0f && y(0, 0) < 5.0f ? 0 : 1;
}
