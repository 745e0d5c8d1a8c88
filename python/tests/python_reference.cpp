// What the C++ API computes for fixed seeds, written as raw little-endian arrays for the
// pytest suite (test_bit_identical.py), which makes the same calls through the bindings and
// compares the bytes. Usage: python_reference OUT_DIR SOURCE_DIR
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "pcmsim/numerics/round_array.hpp"

namespace fs = std::filesystem;
using namespace pcmsim;

namespace {

fs::path g_out;

template <typename T>
void Write(const std::string& name, const T* data, Index n) {
  std::ofstream f(g_out / (name + ".bin"), std::ios::binary);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(sizeof(T) * static_cast<std::size_t>(n)));
}

// Deterministic inputs (no RNG): written too, so the Python side uses the same bytes.
std::vector<float> Wave(Index n, float scale, float phase) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) v[i] = scale * std::sin(0.37f * static_cast<float>(i) + phase) * (1.0f + 0.001f * static_cast<float>(i % 97));
  return v;
}

void Quantize() {
  std::vector<float> x = Wave(10007, 300.0f, 0.1f);
  Write("quantize_x", x.data(), Index(x.size()));
  std::vector<float> y(x.size());
  numerics::RoundArray(numerics::FormatByName("e4m3"), x.data(), y.data(), Index(x.size()));
  Write("quantize_e4m3_nearest", y.data(), Index(y.size()));
  numerics::RoundArray(numerics::FormatByName("e5m2"), x.data(), y.data(), Index(x.size()), numerics::Rounding::kStochastic, 7);
  Write("quantize_e5m2_stochastic_seed7", y.data(), Index(y.size()));
}

device::PcmParams Projected(const fs::path& src) {
  io::ConfigReader r = io::ConfigReader::FromFile(src / "devices/pcm_projected.toml");
  r.ApplyOverride("projection.ratio=4.0");
  device::PcmParams p = experiment::LoadPcmParams(r, "");
  r.CheckAllConsumed();
  return p;
}

void Devices(const fs::path& src) {
  const device::PcmParams p = Projected(src);
  const Index n = 1000;
  ArrayD targets(n);
  for (Index i = 0; i < n; ++i) targets[i] = 1e-6 + 24e-6 * double(i) / double(n - 1);
  Write("device_targets", targets.data(), n);
  device::PcmArray a(p, n, 3, 0);
  a.ProgramStatistical(targets, 0.0);
  ArrayD g;
  a.Read(3600.0, g, true);
  Write("device_read_1h_noisy", g.data(), n);
  a.Read(86400.0, g, false);
  Write("device_read_1d_clean", g.data(), n);
  device::PcmArray b(p, n, 4, 1);
  const device::ProgramStats s = b.ProgramVerify(targets, 0.0);
  b.Read(60.0, g, true);
  Write("device_verify_read_60s", g.data(), n);
  const double stats[3] = {double(s.pulses), double(s.converged), s.RmsError()};
  Write("device_verify_stats", stats, 3);
}

void Tiles() {
  io::ConfigReader r = io::ConfigReader::FromString("", "tile options");
  r.ApplyOverride("tile.forward.adc_bits=8");
  r.ApplyOverride("tile.drift_compensation=\"global\"");
  const crossbar::TileOptions o = experiment::LoadTileOptions(r, "tile");
  r.CheckAllConsumed();
  const device::PcmParams dev = device::ConventionalParams();
  const Index rows = 64, cols = 96, batch = 16;
  const std::vector<float> wv = Wave(rows * cols, 0.5f, 0.3f), xv = Wave(cols * batch, 1.0f, 0.7f);
  Write("tile_w", wv.data(), rows * cols);   // row-major (rows, cols) as numpy writes it
  Write("tile_x", xv.data(), cols * batch);  // row-major (batch, cols)
  Matrix w(rows, cols);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) w(i, j) = wv[i * cols + j];
  const Eigen::Map<const Matrix> x(xv.data(), cols, batch);  // (batch, cols) C order == cols x batch
  crossbar::Tile t(rows, cols, dev, o, 5, 2);
  t.Program(w, 0.0);
  Matrix y;
  t.Forward(x, y);
  Write("tile_y_t0", y.data(), y.size());  // rows x batch column-major == (batch, rows) C order
  t.ReadAt(86400.0);
  t.Forward(x, y);
  Write("tile_y_1d", y.data(), y.size());
  const Matrix d = y;  // backward of the forward output
  Matrix dx;
  t.Backward(d, dx);
  Write("tile_dx_1d", dx.data(), dx.size());
  const Matrix wr = t.Weights();
  Write("tile_weights_1d", wr.data(), wr.size());  // column-major == (rows, cols) Fortran order
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: python_reference OUT_DIR SOURCE_DIR\n");
    return 2;
  }
  g_out = argv[1];
  fs::create_directories(g_out);
  Quantize();
  Devices(argv[2]);
  Tiles();
  return 0;
}
