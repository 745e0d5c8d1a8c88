// Device trace files (`pcmsim fit-device` input, experiment/trace_csv.hpp): the bytes as a
// CSV file through ReadTraceCsv, and traces that parse through the fit (AnalyseTraces +
// TableFromAnalysis, bins and point minimum lowered so small inputs reach the fit).
// Property beyond "no crash": a fit that succeeds yields a device that validates and whose
// cells read finite conductances.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/trace_fit.hpp"
#include "pcmsim/experiment/trace_csv.hpp"

using namespace pcmsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const auto path = fuzz::Scratch() / "traces.csv";
  fuzz::WriteFile(path, std::string_view(reinterpret_cast<const char*>(data), size));
  device::TableDevice d;
  try {
    const std::vector<device::TraceRow> rows = experiment::ReadTraceCsv(path);
    device::FitOptions o;
    o.bins = 2;
    o.min_points_per_bin = 2;
    d = device::TableFromAnalysis(device::AnalyseTraces(rows, o), "fuzz", "traces.csv");
  } catch (const Error&) {
    return 0;
  }
  d.Validate();  // must not throw after a successful fit
  auto a = d.MakeArray(4, 1, 0);
  std::vector<Index> all(4);
  std::iota(all.begin(), all.end(), Index{0});
  a->ProgramStatistical(all, std::vector<double>{0.0, 1e-6, 1e-5, 1e-4}, 0.0);
  a->ApplySet(all, std::vector<int>{1, 2, 3, 4}, 1.0);
  ArrayD g;
  a->Read(1e4, g, true);
  for (Index i = 0; i < g.size(); ++i) {
    if (!std::isfinite(g[i])) std::abort();
  }
  return 0;
}
