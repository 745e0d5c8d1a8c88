// Links one module target (pcmsim::numerics) alone: its dependencies come along transitively.
#include <cstdio>

#include "pcmsim/numerics/float_format.hpp"

int main() {
  const auto f = pcmsim::numerics::FormatByName("e4m3");
  std::printf("pcmsim::numerics: e4m3 max %.1f\n", f.MaxFinite());
  return f.MaxFinite() == 448.0 ? 0 : 1;
}
