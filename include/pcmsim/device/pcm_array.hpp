// device::PcmArray: N phase-change memory cells held as structure-of-arrays. Programming
// (fast statistical fit or explicit program-and-verify), SET/RESET pulses, drift, 1/f read
// noise, faults, temperature and the projected-cell mechanism. No I/O; all draws come from
// streams MakeStream(seed, role, stream_index, sub) so results do not depend on threads.
//
// Cell model (PHYSICS.md sec. 1-3)
// ---------------------------------
// Each cell stores the state of its AMORPHOUS SEGMENT: g_a0 = its conductance at t0 right
// after the last programming event (t_prog), a drift exponent nu and a 1/f amplitude Q_s.
//   G_a(t) = g_a0 * ((t - t_prog + t0) / t0)^(-nu) * theta(T)
// where theta(T) = exp(-E_a/k (1/T - 1/T_ref)) (1 unless a temperature model is set).
// A projection segment runs parallel to the amorphous segment over the same length, and a
// series resistance R_s (crystalline remainder + electrodes) completes the cell:
//   G_p = k * g_a0          (k = projection_ratio = R_a/R_p at t0; both R_a and R_p scale
//                            with the amorphous length, so their ratio does not depend on
//                            the state; the projection does not drift)
//   G(t) = 1 / (R_s + 1 / (G_a(t) + G_p))
// so d ln G / d ln t = -nu * G_a/(G_a + G_p) * G/(G_a + G_p) (the last factor is 1 when
// R_s = 0). With k = 0 and R_s = 0 the cell is exactly the conventional statistical model
// G(t) = G_prog (t/t0)^-nu: model = projected with k = 0 and R_s = 0 gives results
// bit-identical to model = conventional (the formulas reduce exactly; tested).
// Read noise is generated in the amorphous segment (sigma_a from the 1/f or affine model
// applied to G_a(t)) and reaches the terminals scaled by dG/dG_a = (G / (G_a + G_p))^2; the
// ohmic projection and the series resistance are taken as noise-free.
// Mapping a target cell conductance G_T (at t0) to the state: g_a0 = 1/((1+k)(1/G_T - R_s)).
// The statistical fits nu(g_r), Q_s(g_r) are evaluated at g_r = g_a0 / g_max, i.e. at the
// conventional cell whose amorphous segment is the same (exact for R_s = 0); the fast
// programming fit sigma_prog(G_T / g_max) is applied to the cell conductance, because it
// describes the outcome of a verify loop that works on what the cell reads.
// Window: the fully amorphous state g_a0 = g_min reads (1+k) g_min through the projection,
// so the lowest programmable cell conductance g_lo = 1/(R_s + 1/((1+k) g_min)) rises with k
// while the top stays g_max: the window g_max/g_lo shrinks as the projection gets stronger.
// SET pulse statistics (Nandakumar 2018) act on the cell conductance; the new state is
// mapped back to g_a0 and the drift clock restarts at the pulse time.
// Faults: stuck-at-SET cells read g_max of the device with nu = 0 (crystalline); stuck-at-
// RESET cells read g_lo and drift with nu of that state; both ignore programming and pulses
// (which are still counted: the periphery fires them).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "pcmsim/core/random.hpp"
#include "pcmsim/core/types.hpp"
#include "pcmsim/device/pcm_params.hpp"

namespace pcmsim::device {

enum class Fault : std::uint8_t { kNone = 0, kStuckSet = 1, kStuckReset = 2 };

// Event counts since construction (or ResetCounters), for energy accounting.
struct PcmCounters {
  std::int64_t set_pulses = 0;      // gradual SET pulses (training updates)
  std::int64_t reset_pulses = 0;    // RESET pulses
  std::int64_t program_pulses = 0;  // amplitude-controlled programming pulses (P&V, statistical)
  std::int64_t verify_reads = 0;    // single-cell verify reads inside program-and-verify
  std::int64_t cell_reads = 0;      // cells read by Read()
};

// Outcome of one ProgramVerify call (accumulate with +=).
struct ProgramStats {
  std::int64_t cells = 0;          // cells programmed (faulty cells included)
  std::int64_t pulses = 0;         // programming pulses fired
  std::int64_t verify_reads = 0;   // verify reads
  std::int64_t converged = 0;      // cells whose last verify read fell within tolerance
  double sum_error = 0.0;          // S, sum of (G_prog - G_target), noise-free at t0
  double sum_sq_error = 0.0;       // S^2
  double max_abs_error = 0.0;      // S

  double MeanPulses() const { return cells ? double(pulses) / double(cells) : 0.0; }
  double RmsError() const;         // S
  double MeanError() const { return cells ? sum_error / double(cells) : 0.0; }
  ProgramStats& operator+=(const ProgramStats& o);
};

// Drawn once per device at construction (device-to-device variation, faults).
struct PcmDerived {
  // S, per-device top of range g_max * f, f = 1 + g_max_dtod xi clamped to
  // [max(0.2, 1.01 g_lo/g_max), 1.8] so that every device keeps a non-empty window.
  ArrayD g_max_dev;
  ArrayD g_ceil_dev;  // S, per-device physical ceiling (g_clip_max scaled like g_max_dev)
  ArrayD set_gain;    // per-device factor on the mean SET step
  ArrayD z_nu;        // the device's standard normal for nu = |mu + sd z_nu| (fixed per device)
  Eigen::Array<std::uint8_t, Eigen::Dynamic, 1> fault;  // Fault codes
  double g_lo = 0.0;  // S, lowest cell conductance (fully amorphous through the projection)
  // The device's standard normal for its activation energy (drawn from its own stream
  // "device_ea" only when ea_std_eV > 0, so other draws never shift; empty otherwise).
  ArrayD z_ea;
};

// Temperature factors of the reads at one time (see PcmParams, temperature.*).
struct ThermalState {
  double kelvin = 300.0;       // ambient temperature
  double theta = 1.0;          // exp(-E_a/k (1/T - 1/T_ref)) at E_a = activation_energy_eV
  double inv_kt_delta = 0.0;   // (1/T - 1/T_ref) / k in 1/eV (per-cell theta = exp(-E_a,i * this))
  double proj_factor = 1.0;    // G_p(T) / G_p(T_ref) = 1 / (1 + tcr (T - T_ref))
  bool per_cell = false;       // E_a differs between cells (slope or spread) and T != T_ref
};

// Mutable per-cell state (what SaveState/LoadState of a tile must keep).
struct PcmState {
  ArrayD g_a0;     // S, amorphous-segment conductance at t0 after the last programming
  ArrayD nu;       // drift exponent (already scaled by drift_scale)
  ArrayD q;        // read-noise amplitude: Q_s (1/f model) evaluated at the state
  ArrayD t_prog;   // s, absolute time of the last programming event
  std::uint64_t op_seq = 0;  // operations drawn so far (keys the random streams)
};

class PcmArray {
 public:
  // n cells; random streams derive from (master_seed, role, stream_index, op, block).
  PcmArray(const PcmParams& params, Index n, std::uint64_t master_seed,
           std::uint64_t stream_index = 0);

  Index size() const { return n_; }
  double g_max() const { return params_.g_max; }  // S, nominal top of the programmable range
  double g_min() const { return derived_.g_lo; }  // S, bottom of the cell window (g_lo)
  const PcmParams& params() const { return params_; }
  const PcmDerived& derived() const { return derived_; }
  const PcmState& state() const { return state_; }
  void SetState(const PcmState& s);  // DimensionError if sizes differ
  const ArrayD& nu() const { return state_.nu; }
  const ArrayD& t_prog() const { return state_.t_prog; }
  const PcmCounters& counters() const { return counters_; }
  void ResetCounters() { counters_ = {}; }

  // Ambient temperature (K) of subsequent reads and programming when the preset has no
  // temperature trace; used only when a temperature model is set (activation_energy_eV > 0
  // or projection_tcr_per_K != 0).
  void SetTemperature(double kelvin);
  double temperature() const { return temperature_K_; }
  // Ambient temperature at absolute time t_s (the trace, else temperature()).
  double TemperatureAt(double t_s) const;
  ThermalState Thermal(double t_s) const;
  // Per-cell activation energy (eV) of the programmed state (E_a,i of PcmParams).
  void ActivationEnergy(ArrayD& out) const;
  // Fraction of each cell's read current that flows through the amorphous segment at t_s,
  // G_a(t, T) / (G_a(t, T) + G_p(T)) (1 for conventional cells, noise-free). With the sinh
  // I-V law the amplitude-encoded current of cell i at input x is
  //   G_i(t) [ (1 - s_i) x + s_i SinhShape(x, u) ],  u = IvArgument(t_s)
  // (R_s > 0: the full-scale voltage is taken to fall on the pair, an approximation).
  void AmorphousShare(double t_s, ArrayD& out) const;
  double IvArgument(double t_s) const;  // u = V_r / V_0(T) at the ambient T of t_s (0 = ohmic)

  // --- programming (targets in S, clipped to [g_min(), g_max of the device]) ---
  // Fast path: G_prog = G_T + scale * sigma_prog(G_T/g_max) * (g_max/ref) * xi, one pulse
  // counted per cell. The whole array, or a subset (cells[i] gets targets[i]).
  void ProgramStatistical(const ArrayD& targets, double t_prog_s);
  void ProgramStatistical(std::span<const Index> cells, std::span<const double> targets,
                          double t_prog_s);
  // Iterative program-and-verify (see PcmParams::pv_*). Returns the stats of this call.
  ProgramStats ProgramVerify(const ArrayD& targets, double t_prog_s);
  ProgramStats ProgramVerify(std::span<const Index> cells, std::span<const double> targets,
                             double t_prog_s);

  // --- pulses (training, refresh) ---
  // counts[i] gradual SET pulses on cells[i] at absolute time t_s. Cells in one call must be
  // distinct (they are updated in parallel). Stuck cells are counted but do not change.
  void ApplySet(std::span<const Index> cells, std::span<const int> counts, double t_s);
  // One RESET pulse on each listed cell: G -> reset level (+-reset_std_rel), drift restarts.
  void ApplyReset(std::span<const Index> cells, double t_s);

  // --- reads at absolute time t_s ---
  // Time never runs backward for an array: every call's t_s must be >= the latest
  // programming/pulse time of the array (pcmsim::Error otherwise).
  // Drift (+ temperature) and, if with_read_noise, one 1/f read-noise draw per cell (new
  // draws every call). Reads clip at 0 S. Repeated noisy reads at one t_s reuse a cache.
  void Read(double t_s, ArrayD& out, bool with_read_noise);
  void Read(double t_s, ArrayF& out, bool with_read_noise);
  // Noise-free expected conductance at t_s (no random draw, no counter).
  void ExpectedConductance(double t_s, ArrayD& out) const;
  // Per-cell read-noise std at t_s (S), e.g. to fold device noise into an output noise.
  void ReadNoiseStd(double t_s, ArrayD& out) const;
  // Noise-free G (and read-noise sigma if non-null) at t_s of the listed cells only, into
  // g[k], sigma[k] for cells[k]: what ExpectedConductance / ReadNoiseStd give for them.
  void EvalCells(std::span<const Index> cells, double t_s, double* g, double* sigma) const;
  // Conductance at t0 just after programming, noise-free (the "programmed" value).
  void ProgrammedConductance(ArrayD& out) const;

  // Mechanism helpers (vectorisable scalars): cell conductance <-> amorphous state.
  double CellFromAmorphous(double g_a, double drift_factor = 1.0, double proj_factor = 1.0) const;
  double AmorphousFromCell(double g_cell) const;

 private:
  template <typename Out>
  void ReadImpl(double t_s, Out& out, bool with_read_noise);
  // G (and read-noise sigma if non-null) of cells [b, b+len), len <= internal chunk size.
  void EvalChunk(Index b, Index len, double t_s, const ThermalState& th, double* g, double* sigma,
                 double* share = nullptr) const;
  // The same on state arrays given by pointers (len <= internal chunk size); z_ea may be null
  // (no spread of E_a). share (if non-null) receives G_a / (G_a + G_p).
  void EvalState(const double* g_a0, const double* nu, const double* t_prog, const double* q, const double* z_ea,
                 Index len, double t_s, const ThermalState& th, double* g, double* sigma, double* share = nullptr) const;
  // exp(-E_a,i (1/T - 1/T_ref)/k) of one cell in amorphous state g_a0 with device normal z.
  double CellTheta(double g_a0, double z, const ThermalState& th) const;
  template <typename IndexFn>
  void ProgramStatisticalImpl(Index count, IndexFn idx, const double* targets, double t_s);
  template <typename IndexFn>
  ProgramStats ProgramVerifyImpl(Index count, IndexFn idx, const double* targets, double t_s);
  // Sets cell i to amorphous state g_a (conductance at t0) with nu, Q_s taken at g_a_stats;
  // faulty cells keep their stuck state.
  void SetStateFromAmorphous(Index i, double g_a, double g_a_stats, double t_s);
  void DrawDevices();
  void NoteProgramming(double t_s, bool all_cells);
  void CheckIndices(std::span<const Index> cells, std::size_t n_values) const;
  Rng Stream(std::string_view role, std::uint64_t op, std::uint64_t block) const;
  void CheckTime(double t_s, const char* what) const;

  PcmParams params_;
  Index n_;
  std::uint64_t seed_, stream_index_;
  PcmDerived derived_;
  PcmState state_;
  PcmCounters counters_;
  double temperature_K_;
  double max_t_prog_ = 0.0;  // s, latest programming time (reads must not precede it)
  bool uniform_t_prog_ = true;  // all cells programmed at t_prog_uniform_ (fast read path)
  double t_prog_uniform_ = 0.0;
  // Workspace: expected G and read-noise sigma at cache_t_ (valid until the state, the
  // temperature or the read time changes); seen_t_ = time of the last noisy read.
  ArrayD cache_g_, cache_sigma_;
  double cache_t_ = 0.0, seen_t_ = 0.0;
  bool cache_valid_ = false, seen_valid_ = false;
};

}  // namespace pcmsim::device
