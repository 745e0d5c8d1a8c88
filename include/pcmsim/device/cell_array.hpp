// device::CellArray: the seam between a crossbar tile and the cells it is made of. A tile
// owns one CellArray of all its devices and only talks to it through this interface, so any
// cell model (conventional or projected PCM, a fitted table device, ...) can sit under the
// tile. device::DeviceModel describes a cell population and builds its arrays.
//
// Mechanism: a virtual interface on WHOLE ARRAYS. Every call acts on the whole array or on
// a list of cells (thousands per call), so one indirect call is amortised over the cells and
// the inner loops stay inside the implementation, vectorised over its own structure of
// arrays. A std::variant would have to list every model in this header (a new model would
// touch crossbar); templates would turn Tile, AnalogMatrix and the analog backend into
// templates. No per-cell virtual call exists anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pcmsim/core/state_map.hpp"
#include "pcmsim/core/types.hpp"

namespace pcmsim::device {

// Event counts since construction, for energy accounting.
struct CellCounters {
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

class CellArray {
 public:
  virtual ~CellArray() = default;

  virtual Index size() const = 0;
  virtual double g_max() const = 0;  // S, nominal top of the programmable range
  virtual double g_min() const = 0;  // S, bottom of the cell window

  // --- programming at absolute time t_s (cells[i] gets targets[i], S) ---
  virtual void ProgramStatistical(std::span<const Index> cells, std::span<const double> targets,
                                  double t_s) = 0;
  virtual ProgramStats ProgramVerify(std::span<const Index> cells, std::span<const double> targets,
                                     double t_s) = 0;
  // Conductance at t0 just after programming, noise-free, of every cell.
  virtual void ProgrammedConductance(ArrayD& out) const = 0;

  // --- pulses: counts[i] gradual SET pulses on distinct cells[i]; one RESET per cell ---
  virtual void ApplySet(std::span<const Index> cells, std::span<const int> counts, double t_s) = 0;
  virtual void ApplyReset(std::span<const Index> cells, double t_s) = 0;

  // --- reads at absolute time t_s (never before the latest programming) ---
  // Every cell, with one read-noise draw per cell if with_read_noise (counted as reads).
  virtual void Read(double t_s, ArrayD& out, bool with_read_noise) = 0;
  // Noise-free expected conductance and read-noise std of every cell (no draw, no count).
  virtual void ExpectedConductance(double t_s, ArrayD& out) const = 0;
  virtual void ReadNoiseStd(double t_s, ArrayD& out) const = 0;
  // The same for the listed cells only: g[k], sigma[k] (if non-null) for cells[k].
  virtual void EvalCells(std::span<const Index> cells, double t_s, double* g, double* sigma) const = 0;

  // --- how far a read can move (the tile's partial re-reads) ---
  // A "drift rate" r per cell such that a cell read at t1 (>= its last programming) reads at
  // t2 within |ln G(t2) - ln G(t1)| <= ReadChangeBound(r, t1, t2). The largest rate of all
  // cells, or of the listed cells, with their current state:
  virtual double MaxDriftRate() const = 0;
  virtual double MaxDriftRate(std::span<const Index> cells) const = 0;
  virtual double ReadChangeBound(double rate, double t1, double t2) const = 0;

  // Mean conductance change of one SET pulse in the middle of the window the cells pass
  // through under SET (S; <= 0 if SET pulses cannot raise G). Derives the training step.
  virtual double MidWindowSetStep() const = 0;

  virtual const CellCounters& counters() const = 0;

  // Read I-V nonlinearity for amplitude-encoded inputs: u = V_r / V_0(T) at t_s (0 = ohmic,
  // the default), and each cell's share of its read current through the nonlinear path
  // (default 1; unused when u = 0). See PcmArray for the law.
  virtual double IvArgument(double /*t_s*/) const { return 0.0; }
  virtual void AmorphousShare(double /*t_s*/, ArrayD& out) const { out.setOnes(size()); }

  // Named state for checkpoints: entries "<prefix><name>"; LoadState restores exactly what
  // SaveState wrote (pcmsim::Error naming a missing or mis-shaped entry).
  virtual void SaveState(const std::string& prefix, StateMap& state) const = 0;
  virtual void LoadState(const std::string& prefix, const StateMap& state) = 0;
};

// A cell population (a device preset) that validates itself and builds arrays of its cells
// whose random streams derive from (master_seed, role, stream_index, ...).
class DeviceModel {
 public:
  virtual ~DeviceModel() = default;
  virtual std::string_view Name() const = 0;  // preset name, written into results and errors
  // ConfigError("field = value: reason") for the first broken constraint.
  virtual void Validate() const = 0;
  virtual std::unique_ptr<CellArray> MakeArray(Index n, std::uint64_t master_seed,
                                               std::uint64_t stream_index) const = 0;
};

}  // namespace pcmsim::device
