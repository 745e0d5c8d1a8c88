// AnalogMatrix: a weight matrix of any size split across crossbar tiles of at most
// max_rows x max_cols; partial sums of the tiles along a row of tiles are added digitally.
#pragma once

#include <cstdint>
#include <vector>

#include "pcmsim/crossbar/tile.hpp"

namespace pcmsim::crossbar {

class AnalogMatrix {
 public:
  // rows x cols weights (outputs x inputs). Tiles are cut into near-equal blocks
  // (ceil(rows / max_rows) row blocks, likewise for columns); tile (r, c) gets stream
  // index first_tile_index + r * col_blocks + c.
  AnalogMatrix(Index rows, Index cols, const device::DeviceModel& device, const TileOptions& options,
               std::uint64_t seed, std::uint64_t first_tile_index = 0);

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index row_blocks() const { return static_cast<Index>(row_start_.size()) - 1; }
  Index col_blocks() const { return static_cast<Index>(col_start_.size()) - 1; }
  Tile& tile(Index r, Index c) { return tiles_[r * col_blocks() + c]; }
  const Tile& tile(Index r, Index c) const { return tiles_[r * col_blocks() + c]; }

  // weight_scale > 0: the magnitude mapped to g_max in every tile (see Tile::Program).
  void Program(const Matrix& w, double t_s, double weight_scale = 0.0);
  void SetCompensationApplied(bool on);
  void ReadAt(double t_s);
  // Every tile: Tile::RecordCompensationReference(t_s).
  void RecordCompensationReference(double t_s);
  // y = W x (x: cols x batch); tiles of one row block are summed in a fixed order.
  void Forward(const Matrix& x, Matrix& y);
  // dx = W^T d (d: rows x batch).
  void Backward(const Matrix& d, Matrix& dx);
  Matrix Weights() const;
  void ApplyPulses(const IntMatrix& counts, double t_s, int pair = 0);
  Index RefreshSaturated(double threshold, double t_s, int pair = 0);
  TileEvents Events() const;
  // Checkpoint of every tile under "<prefix>tile<r>_<c>/..." (see Tile::SaveState).
  void SaveState(const std::string& prefix, TileStateMap& state) const;
  void LoadState(const std::string& prefix, const TileStateMap& state);

 private:
  Index rows_, cols_;
  std::vector<Index> row_start_, col_start_;  // block boundaries, size blocks + 1
  std::vector<Tile> tiles_;                   // row-major over blocks
  std::vector<Matrix> partial_;               // per-tile output scratch
};

}  // namespace pcmsim::crossbar
