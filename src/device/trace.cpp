// The trace protocol, run on one cell array of the model.
#include "pcmsim/device/trace.hpp"

#include <numeric>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::device {

void TraceOptions::Validate() const {
  Require(devices >= 2, "devices", devices, "must be >= 2");
  Require(!drift_times_s.empty(), "drift_times_s", drift_times_s.size(), "needs at least one time");
  for (size_t i = 0; i < drift_times_s.size(); ++i) {
    Require(drift_times_s[i] > 0 && (i == 0 || drift_times_s[i] > drift_times_s[i - 1]), "drift_times_s",
            drift_times_s[i], "must be > 0 and increasing");
  }
  Require(repeat_reads >= 2, "repeat_reads", repeat_reads, "must be >= 2");
  Require(repeat_time_s >= drift_times_s.back(), "repeat_time_s", repeat_time_s, "must be >= the last drift time");
  Require(set_pulses >= 1, "set_pulses", set_pulses, "must be >= 1");
  Require(set_trains >= 1, "set_trains", set_trains, "must be >= 1");
  Require(pulse_reads >= 1, "pulse_reads", pulse_reads, "must be >= 1");
  // Checked before anything is allocated: 2 devices x 1e9 SET pulses would otherwise grow
  // the rows until memory runs out (found with `fit-device` on a trace naming SET pulse
  // 2147483647, which sets the protocol of the re-measurement).
  Require(Rows() <= kMaxRows, "devices", devices,
          StrCat("with ", set_trains, " x ", set_pulses, " SET pulses and ", pulse_reads,
                 " reads per pulse the traces would hold ", Rows(), " readings, more than ", kMaxRows));
}

double TraceOptions::Rows() const {
  const double per_pulse = double(pulse_reads);
  const double per_device = 1.0 + double(drift_times_s.size()) + double(repeat_reads) +
                            per_pulse * (double(set_trains) * (1.0 + double(set_pulses)) + 1.0);
  return double(devices) * per_device;
}

std::vector<TraceRow> GenerateTraces(const DeviceModel& model, const TraceOptions& o) {
  o.Validate();
  const Index n = o.devices;
  std::unique_ptr<CellArray> cells = model.MakeArray(n, o.seed, 0);
  std::vector<Index> all(static_cast<size_t>(n));
  std::iota(all.begin(), all.end(), Index{0});
  std::vector<double> targets(static_cast<size_t>(n));
  const double lo = cells->g_min(), hi = cells->g_max();
  for (Index d = 0; d < n; ++d) targets[size_t(d)] = lo + (hi - lo) * double(d) / double(n - 1);

  std::vector<TraceRow> rows;
  rows.reserve(static_cast<size_t>(o.Rows()));
  ArrayD g;
  auto record = [&](TraceKind kind, Polarity pol, int pulse, double since, bool with_target) {
    for (Index d = 0; d < n; ++d) {
      rows.push_back({d, kind, pol, pulse, since, g[d], with_target ? targets[size_t(d)] : -1.0});
    }
  };
  cells->ProgramStatistical(all, targets, 0.0);
  cells->Read(0.0, g, true);
  record(TraceKind::kProgram, Polarity::kNone, 0, 0.0, true);
  for (double t : o.drift_times_s) {
    cells->Read(t, g, true);
    record(TraceKind::kRead, Polarity::kNone, 0, t, false);
  }
  for (int r = 0; r < o.repeat_reads; ++r) {
    cells->Read(o.repeat_time_s, g, true);
    record(TraceKind::kRead, Polarity::kNone, 0, o.repeat_time_s, false);
  }
  auto read_after_pulse = [&](Polarity pol, int pulse, double t) {
    for (int r = 0; r < o.pulse_reads; ++r) {
      cells->Read(t, g, true);
      record(TraceKind::kPulse, pol, pulse, 0.0, false);
    }
  };
  double t = o.repeat_time_s + 1.0;
  const std::vector<int> one(static_cast<size_t>(n), 1);
  for (int train = 1; train <= o.set_trains; ++train) {
    if (train > 1) t += 1e-3;
    cells->ApplyReset(all, t);
    read_after_pulse(Polarity::kReset, train, t);
    for (int k = 1; k <= o.set_pulses; ++k) {
      t += 1e-3;
      cells->ApplySet(all, one, t);
      read_after_pulse(Polarity::kSet, k, t);
    }
  }
  t += 1e-3;
  cells->ApplyReset(all, t);
  read_after_pulse(Polarity::kReset, o.set_trains + 1, t);
  return rows;
}

}  // namespace pcmsim::device
