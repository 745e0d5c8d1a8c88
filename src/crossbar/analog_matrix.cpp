// Splitting a matrix across tiles and adding their partial sums digitally; tiles run in
// parallel with chunking fixed by the block grid, so results do not depend on threads.
#include "pcmsim/crossbar/analog_matrix.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim::crossbar {
namespace {

// Boundaries of ceil(n / max) near-equal blocks.
std::vector<Index> Blocks(Index n, Index max_block) {
  const Index blocks = (n + max_block - 1) / max_block;
  std::vector<Index> start(static_cast<size_t>(blocks + 1));
  for (Index b = 0; b <= blocks; ++b) start[b] = b * n / blocks;
  return start;
}

}  // namespace

AnalogMatrix::AnalogMatrix(Index rows, Index cols, const device::DeviceModel& device,
                           const TileOptions& options, std::uint64_t seed,
                           std::uint64_t first_tile_index)
    : rows_(rows), cols_(cols) {
  options.Validate();
  if (rows < 1 || cols < 1) throw DimensionError(StrCat("AnalogMatrix of ", rows, " x ", cols, ": must be at least 1 x 1"));
  row_start_ = Blocks(rows, options.max_rows);
  col_start_ = Blocks(cols, options.max_cols);
  tiles_.reserve(static_cast<size_t>(row_blocks() * col_blocks()));
  for (Index r = 0; r < row_blocks(); ++r) {
    for (Index c = 0; c < col_blocks(); ++c) {
      tiles_.emplace_back(row_start_[r + 1] - row_start_[r], col_start_[c + 1] - col_start_[c], device,
                          options, seed, first_tile_index + static_cast<std::uint64_t>(r * col_blocks() + c));
    }
  }
  partial_.resize(tiles_.size());
}

void AnalogMatrix::SetCompensationApplied(bool on) {
  for (auto& t : tiles_) t.SetCompensationApplied(on);
}

void AnalogMatrix::Program(const Matrix& w, double t_s, double weight_scale) {
  if (w.rows() != rows_ || w.cols() != cols_) {
    throw DimensionError(StrCat("AnalogMatrix::Program: weights are ", w.rows(), " x ", w.cols(),
                                ", matrix is ", rows_, " x ", cols_));
  }
  ParallelFor(static_cast<Index>(tiles_.size()), 1, [&](Index t0, Index t1) {
    for (Index t = t0; t < t1; ++t) {
      const Index r = t / col_blocks(), c = t % col_blocks();
      tiles_[t].Program(w.block(row_start_[r], col_start_[c], tiles_[t].rows(), tiles_[t].cols()), t_s,
                        weight_scale);
    }
  });
}

void AnalogMatrix::ReadAt(double t_s) {
  ParallelFor(static_cast<Index>(tiles_.size()), 1, [&](Index t0, Index t1) {
    for (Index t = t0; t < t1; ++t) tiles_[t].ReadAt(t_s);
  });
}

void AnalogMatrix::RecordCompensationReference(double t_s) {
  ParallelFor(static_cast<Index>(tiles_.size()), 1, [&](Index t0, Index t1) {
    for (Index t = t0; t < t1; ++t) tiles_[t].RecordCompensationReference(t_s);
  });
}

void AnalogMatrix::Forward(const Matrix& x, Matrix& y) {
  if (x.rows() != cols_) {
    throw DimensionError(StrCat("AnalogMatrix::Forward: input has ", x.rows(), " features, expected ", cols_));
  }
  ParallelFor(static_cast<Index>(tiles_.size()), 1, [&](Index t0, Index t1) {
    for (Index t = t0; t < t1; ++t) {
      const Index c = t % col_blocks();
      tiles_[t].Forward(x.middleRows(col_start_[c], tiles_[t].cols()), partial_[t]);
    }
  });
  y.resize(rows_, x.cols());
  for (Index r = 0; r < row_blocks(); ++r) {
    auto block = y.middleRows(row_start_[r], row_start_[r + 1] - row_start_[r]);
    block = partial_[r * col_blocks()];
    for (Index c = 1; c < col_blocks(); ++c) block += partial_[r * col_blocks() + c];
  }
}

void AnalogMatrix::Backward(const Matrix& d, Matrix& dx) {
  if (d.rows() != rows_) {
    throw DimensionError(StrCat("AnalogMatrix::Backward: input has ", d.rows(), " features, expected ", rows_));
  }
  ParallelFor(static_cast<Index>(tiles_.size()), 1, [&](Index t0, Index t1) {
    for (Index t = t0; t < t1; ++t) {
      const Index r = t / col_blocks();
      tiles_[t].Backward(d.middleRows(row_start_[r], tiles_[t].rows()), partial_[t]);
    }
  });
  dx.resize(cols_, d.cols());
  for (Index c = 0; c < col_blocks(); ++c) {
    auto block = dx.middleRows(col_start_[c], col_start_[c + 1] - col_start_[c]);
    block = partial_[c];
    for (Index r = 1; r < row_blocks(); ++r) block += partial_[r * col_blocks() + c];
  }
}

Matrix AnalogMatrix::Weights() const {
  Matrix w(rows_, cols_);
  for (Index r = 0; r < row_blocks(); ++r) {
    for (Index c = 0; c < col_blocks(); ++c) {
      const Tile& t = tile(r, c);
      w.block(row_start_[r], col_start_[c], t.rows(), t.cols()) = t.Weights();
    }
  }
  return w;
}

void AnalogMatrix::ApplyPulses(const IntMatrix& counts, double t_s, int pair) {
  if (counts.rows() != rows_ || counts.cols() != cols_) {
    throw DimensionError(StrCat("AnalogMatrix::ApplyPulses: counts are ", counts.rows(), " x ",
                                counts.cols(), ", matrix is ", rows_, " x ", cols_));
  }
  ParallelFor(static_cast<Index>(tiles_.size()), 1, [&](Index t0, Index t1) {
    for (Index t = t0; t < t1; ++t) {
      const Index r = t / col_blocks(), c = t % col_blocks();
      tiles_[t].ApplyPulses(counts.block(row_start_[r], col_start_[c], tiles_[t].rows(), tiles_[t].cols()),
                            t_s, pair);
    }
  });
}

Index AnalogMatrix::RefreshSaturated(double threshold, double t_s, int pair) {
  Index n = 0;
  for (Tile& t : tiles_) n += t.RefreshSaturated(threshold, t_s, pair);
  return n;
}

TileEvents AnalogMatrix::Events() const {
  TileEvents e;
  for (const Tile& t : tiles_) e += t.Events();
  return e;
}

void AnalogMatrix::SaveState(const std::string& prefix, TileStateMap& state) const {
  for (Index r = 0; r < row_blocks(); ++r) {
    for (Index c = 0; c < col_blocks(); ++c) tile(r, c).SaveState(StrCat(prefix, "tile", r, "_", c, "/"), state);
  }
}

void AnalogMatrix::LoadState(const std::string& prefix, const TileStateMap& state) {
  for (Index r = 0; r < row_blocks(); ++r) {
    for (Index c = 0; c < col_blocks(); ++c) tile(r, c).LoadState(StrCat(prefix, "tile", r, "_", c, "/"), state);
  }
}

}  // namespace pcmsim::crossbar
