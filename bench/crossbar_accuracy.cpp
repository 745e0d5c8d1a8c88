// MVM accuracy table: relative error ||y - W x|| / ||W x|| of an analog 256 x 784 matrix
// (two 256 x 392 tiles, default periphery, device read noise) at 1 s, 1 h, 1 day and
// 1 month after programming, conventional vs projected PCM, with and without global
// drift compensation, on random inputs and on MNIST test images. Mean +- std over seeds.
// Usage: crossbar_accuracy [t10k-images IDX path] [seeds] [devices dir] (run from the source root)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/io/idx.hpp"

namespace {

using namespace pcmsim;

// First `count` images of an IDX3 file (raw or gzip), pixels / 255, one image per column.
Matrix ReadMnist(const std::string& path, Index count) {
  const io::IdxArray idx = io::ReadIdx(path);
  const Index features = Index(idx.data.size() / idx.dims.at(0));
  Matrix x(features, count);
  for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>(idx.data[size_t(k)]) / 255.0f;
  return x;
}

// Layer-like weights: bell-shaped (sum of three uniforms), zero mean.
Matrix LayerWeights(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix w(rows, cols);
  for (Index k = 0; k < w.size(); ++k) {
    w.data()[k] = static_cast<float>((rng.Uniform() + rng.Uniform() + rng.Uniform() - 1.5) / std::sqrt(double(cols)));
  }
  return w;
}

struct Preset {
  std::string name;
  device::PcmParams params;
};

// The catalogue presets (devices/*.toml, each value with its source and status there).
std::vector<Preset> Presets(const std::string& dir) {
  std::vector<Preset> out;
  for (const char* file : {"pcm_conventional", "pcm_projected", "pcm_hermes"}) {
    device::PcmParams p = experiment::LoadPcmParamsFile(dir + "/" + file + ".toml");
    out.push_back({p.name, p});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mnist_path = argc > 1 ? argv[1] : "data/mnist/t10k-images-idx3-ubyte.gz";
  const int seeds = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string devices_dir = argc > 3 ? argv[3] : "devices";
  const Index rows = 256, cols = 784, batch = 256;
  const double times[] = {1.0, 3600.0, 86400.0, 30 * 86400.0};
  const char* time_names[] = {"1 s", "1 h", "1 day", "1 month"};
  Matrix x_rand(cols, batch);
  Rng rng(77);
  for (Index k = 0; k < x_rand.size(); ++k) x_rand.data()[k] = static_cast<float>(2 * rng.Uniform() - 1);
  Matrix x_mnist;
  std::vector<Preset> presets;
  try {
    x_mnist = ReadMnist(mnist_path, batch);
    presets = Presets(devices_dir);
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  crossbar::TileOptions opt;  // 7-bit DAC, 9-bit ADC, out noise 0.06, read noise, 512 x 512 max
  opt.max_cols = 392;
  std::printf("relative MVM error ||y - Wx|| / ||Wx||, W 256x784 (2 tiles), batch %ld, mean +- std over %d seeds\n",
              long(batch), seeds);
  std::printf("%-17s %-6s %-7s", "device", "comp", "input");
  for (const char* t : time_names) std::printf(" %17s", t);
  std::printf("\n");
  for (const Preset& preset : presets) {
    for (auto comp : {crossbar::DriftCompensation::kNone, crossbar::DriftCompensation::kGlobal}) {
      opt.drift_compensation = comp;
      for (int input = 0; input < 2; ++input) {
        const Matrix& x = input == 0 ? x_rand : x_mnist;
        std::vector<std::vector<double>> err(4);
        for (int s = 0; s < seeds; ++s) {
          const Matrix w = LayerWeights(rows, cols, 100 + s);
          const Matrix exact = w * x;
          crossbar::AnalogMatrix m(rows, cols, preset.params, opt, 1000 + s);
          m.Program(w, 0.0);
          for (int k = 0; k < 4; ++k) {
            m.ReadAt(times[k]);
            Matrix y;
            m.Forward(x, y);
            err[k].push_back((y - exact).norm() / exact.norm());
          }
        }
        std::printf("%-17s %-6s %-7s", preset.name.c_str(), comp == crossbar::DriftCompensation::kNone ? "none" : "global",
                    input == 0 ? "random" : "mnist");
        for (const auto& e : err) {
          double mean = 0, sq = 0;
          for (double v : e) mean += v / double(e.size());
          for (double v : e) sq += (v - mean) * (v - mean);
          const double sd = e.size() > 1 ? std::sqrt(sq / double(e.size() - 1)) : 0.0;
          std::printf("   %6.2f%% +- %5.2f", 100 * mean, 100 * sd);
        }
        std::printf("\n");
      }
    }
  }
  return 0;
}
