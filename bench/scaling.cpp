// How cost grows (issue 19, goal 5): epoch time of the MLP 784-W-128-10 (batch 64) against
// the training-set size n and the first hidden width W, for the FP32, FP8 (mnist_fp8 recipe)
// and analog mixed-precision (pcm_training, headroom 4) trainers; each epoch interleaved with
// the FP32 GEMM 1024^3 so that every row carries its own GEMM rate (interleave.hpp). Time
// per FLOP should be flat once the GEMMs are large; the harness flags rows that are not.
// Then a 4096 x 4096 AnalogMatrix (8 x 8 tiles of 512, full periphery: 7-bit DAC, 9-bit
// ADC, output noise, bound management, read noise per MVM and frozen) forward on batch 64
// against the FP32 GEMM of the same shape, interleaved.
// Data: Fashion-MNIST's 60k training images (Debian dataset-fashion-mnist), the first n.
// Usage: bench_scaling [--quick] [--threads T] [--rounds N] [--sizes 10000,60000]
//                      [--widths 256,1024,4096] [--backends fp32,fp8,analog|none] [--matrix 4096|0]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "interleave.hpp"
#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/nn/analog_backend.hpp"

using namespace pcmsim;

namespace {

std::vector<long> ParseList(const char* s) {
  std::vector<long> v;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) v.push_back(std::atol(item.c_str()));
  return v;
}

std::vector<std::string> ParseNames(const char* s) {
  std::vector<std::string> v;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) v.push_back(item);
  return v;
}

io::Dataset FirstSamples(const io::Dataset& d, Index n) {
  io::Dataset out = d;
  n = std::min(n, d.Samples());
  out.x = d.x.leftCols(n);
  out.labels.assign(d.labels.begin(), d.labels.begin() + n);
  return out;
}

nn::Network AnalogMixedMlp(const std::vector<Index>& sizes) {
  nn::AnalogOptions o;
  o.training = nn::AnalogTraining::kMixed;
  o.device = experiment::LoadPcmParamsFile(std::string(build_info::kSourceDir) + "/devices/pcm_training.toml");
  o.headroom = 4.0;
  return bench::AnalogMlp(sizes, o);
}

struct Row {
  std::string backend;
  long n, width;
  bench::Estimate epoch, share;  // seconds; MLP rate / GEMM rate
  double ps_per_flop;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes{10000, 60000}, widths{256, 1024, 4096};
  std::vector<std::string> backends{"fp32", "fp8", "analog"};
  int rounds = 3;
  long matrix = 4096;
  for (int i = 1; i < argc; ++i) {
    const bool has = i + 1 < argc;
    if (!std::strcmp(argv[i], "--quick")) {
      sizes = {10000};
      widths = {256, 1024};
      matrix = 2048;
    } else if (!std::strcmp(argv[i], "--threads") && has) {
      SetNumThreads(std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--rounds") && has) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--sizes") && has) {
      sizes = ParseList(argv[++i]);
    } else if (!std::strcmp(argv[i], "--widths") && has) {
      widths = ParseList(argv[++i]);
    } else if (!std::strcmp(argv[i], "--backends") && has) {
      backends = ParseNames(argv[++i]);  // "none": only the analog matrix
      std::erase(backends, std::string("none"));
      for (const std::string& b : backends) {
        if (b != "fp32" && b != "fp8" && b != "analog") {
          std::fprintf(stderr, "bench_scaling: --backends: '%s' is not fp32, fp8, analog or none\n", b.c_str());
          return 2;
        }
      }
    } else if (!std::strcmp(argv[i], "--matrix") && has) {
      matrix = std::atol(argv[++i]);
    } else {
      std::fprintf(stderr, "bench_scaling: unknown argument '%s' (see the usage in bench/scaling.cpp)\n", argv[i]);
      return 2;
    }
  }
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("bench_scaling: threads %d, OMP_WAIT_POLICY=%s, %d interleaved rounds per row, load %.2f\n", NumThreads(),
              policy ? policy : "(unset)", rounds, bench::LoadAverage());
  const std::string fashion = "/usr/share/datasets/fashion-mnist";
  const io::Dataset all = io::LoadIdxDataset(fashion + "/train-images-idx3-ubyte.gz", fashion + "/train-labels-idx1-ubyte.gz");
  const Index g = 1024;
  const Matrix ga = bench::RandomSquare(g, 1), gb = bench::RandomSquare(g, 2);
  Matrix gc(g, g);
  const double gemm_flops = 2.0 * static_cast<double>(g) * static_cast<double>(g) * static_cast<double>(g);

  std::vector<Row> rows;
  std::printf("%-7s %7s %6s  %-22s %10s  %-26s\n", "backend", "n", "width", "epoch", "ps/FLOP", "MLP rate / GEMM rate");
  for (const std::string& backend : backends) {
    for (long width : widths) {
      const std::vector<Index> net_sizes{784, width, 128, 10};
      for (long n : sizes) {
        const io::Dataset train = FirstSamples(all, n);
        nn::Network net = backend == "fp32"  ? bench::Fp32Mlp(net_sizes)
                          : backend == "fp8" ? bench::Fp8Mlp(net_sizes)
                                             : AnalogMixedMlp(net_sizes);
        nn::TrainOptions o;
        o.lr = backend == "analog" ? 0.02 : 0.05;
        bench::EpochRunner epoch(net, train, o);
        bench::Interleaved m(rounds, 0.0);
        const int ie = m.Add("epoch", [&] { epoch(); });
        const int ig = m.Add("gemm", [&] { ParallelGemm(ga, false, gb, false, gc); });
        m.Measure();
        const double flops = bench::MlpTrainFlopsPerSample(net_sizes) * static_cast<double>(train.Samples());
        Row r{backend, static_cast<long>(train.Samples()), width, m.Seconds(ie),
              bench::Scaled(m.Ratio(ig, ie), flops / gemm_flops), 0.0};
        r.ps_per_flop = r.epoch.median / flops * 1e12;
        std::printf("%-7s %7ld %6ld  %-22s %10.2f  %-26s (%s)\n", backend.c_str(), r.n, width,
                    bench::FormatSeconds(r.epoch).c_str(), r.ps_per_flop, bench::FormatRatio(r.share, true).c_str(),
                    m.Conditions().c_str());
        std::fflush(stdout);
        rows.push_back(r);
      }
    }
  }
  // Flatness: per backend, time per FLOP of every row against the row with the largest
  // GEMMs (widest, most data); > 20 % off is flagged with the likely reason.
  for (const std::string& backend : backends) {
    const Row* ref = nullptr;
    for (const Row& r : rows) {
      if (r.backend == backend && (!ref || r.width > ref->width || (r.width == ref->width && r.n > ref->n))) ref = &r;
    }
    if (!ref) continue;
    for (const Row& r : rows) {
      if (r.backend != backend || &r == ref) continue;
      const double rel = r.ps_per_flop / ref->ps_per_flop;
      if (rel <= 1.2 && rel >= 1.0 / 1.2) continue;
      std::printf("not flat: %s n=%ld width=%ld costs %.2fx per FLOP of n=%ld width=%ld", backend.c_str(), r.n, r.width,
                  rel, ref->n, ref->width);
      if (r.epoch.spread > bench::kMaxSpread || ref->epoch.spread > bench::kMaxSpread) {
        std::printf(" - not judged: an epoch spread exceeds +-10 %% (a busy machine)\n");
      } else if (rel > 1.2 && r.width < ref->width) {
        std::printf(" - likely: smaller GEMMs, so the per-step work outside them (activations, loss, gathering"
                    " the batch, the update's element-wise pass) weighs more\n");
      } else if (rel > 1.2) {
        std::printf(" - likely: same GEMM shapes, a larger data set (cache misses gathering batches)\n");
      } else {
        std::printf(" - likely: the reference's larger weight matrices leave the caches (update and packing"
                    " passes stream them from memory)\n");
      }
    }
  }

  if (matrix > 0) {
    // Layer-like weights, ReLU-like inputs (as crossbar_bench).
    const Index mn = matrix, batch = 64;
    Rng rng(3);
    Matrix w(mn, mn), x(mn, batch), y;
    for (Index k = 0; k < w.size(); ++k) {
      w.data()[k] = static_cast<float>((rng.Uniform() + rng.Uniform() + rng.Uniform() - 1.5) * 0.05);
    }
    for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>(rng.Uniform());
    crossbar::TileOptions opt;  // 512 x 512 tiles, DAC 7, ADC 9, output noise, bound management, read noise
    opt.drift_compensation = crossbar::DriftCompensation::kNone;
    crossbar::AnalogMatrix per_mvm(mn, mn, device::ConventionalParams(), opt, 4);
    per_mvm.Program(w, 0.0);
    per_mvm.ReadAt(3600.0);
    crossbar::TileOptions fz = opt;
    fz.read_noise_model = crossbar::ReadNoiseModel::kFrozen;
    crossbar::AnalogMatrix frozen(mn, mn, device::ConventionalParams(), fz, 4);
    frozen.Program(w, 0.0);
    frozen.ReadAt(3600.0);
    bench::Interleaved m(std::max(rounds, 5), 0.1);
    const int ig = m.Add("gemm", [&] { ParallelGemm(w, false, x, false, y); });
    const int ip = m.Add("analog", [&] { per_mvm.Forward(x, y); });
    const int iz = m.Add("frozen", [&] { frozen.Forward(x, y); });
    m.Measure();
    const double flops = 2.0 * static_cast<double>(mn) * static_cast<double>(mn) * static_cast<double>(batch);
    std::printf("AnalogMatrix %ldx%ld (%ldx%ld tiles of 512), batch 64, full periphery (%s)\n", static_cast<long>(mn),
                static_cast<long>(mn), static_cast<long>(per_mvm.row_blocks()), static_cast<long>(per_mvm.col_blocks()),
                m.Conditions().c_str());
    std::printf("  FP32 GEMM                       %s  %.1f GFLOP/s\n",
                bench::FormatSeconds(m.Seconds(ig), 1e3, "ms").c_str(), flops / m.Seconds(ig).median / 1e9);
    std::printf("  forward, read noise per MVM     %s  rate ratio to GEMM %s  (target >= 25 %%)\n",
                bench::FormatSeconds(m.Seconds(ip), 1e3, "ms").c_str(), bench::FormatRatio(m.Ratio(ig, ip), true).c_str());
    std::printf("  forward, read noise frozen      %s  rate ratio to GEMM %s  (target >= 25 %%)\n",
                bench::FormatSeconds(m.Seconds(iz), 1e3, "ms").c_str(), bench::FormatRatio(m.Ratio(ig, iz), true).c_str());
  }
  return 0;
}
