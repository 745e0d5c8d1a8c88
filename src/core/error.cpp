// Failure path of PCMSIM_CHECK: an invariant broke, which is a bug in pcmsim itself.
#include "pcmsim/core/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace pcmsim::internal {

void CheckFailed(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "pcmsim internal error: check '%s' failed at %s:%d%s%s\n", expr, file,
               line, msg.empty() ? "" : ": ", msg.c_str());
  std::abort();
}

}  // namespace pcmsim::internal
