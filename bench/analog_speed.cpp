// Speed harness of the analog MLP (issue: analog training epoch and HWA evaluation pass
// against the FP32 trainer, measured in the same run on the same 784-256-128-10 network).
//   mixed:  one mixed-precision training epoch on the pcm_training preset, full periphery
//           (7-bit DAC, 9-bit ADC, output noise, bound management, read noise folding)
//   hwa:    one evaluation pass over the 10k test digits of FP32-trained weights programmed
//           onto the pcm_conventional preset and read 1 h later (full periphery)
// Usage: bench_analog_speed [--epochs N] [--threads T] [--data DIR]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_util.hpp"
#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/trainer.hpp"

using namespace pcmsim;

namespace {

const std::vector<Index> kSizes{784, 256, 128, 10};

nn::Network Fp32Net() {
  std::vector<nn::BackendPtr> b;
  for (size_t i = 0; i + 1 < kSizes.size(); ++i) b.push_back(std::make_unique<nn::Fp32Backend>(kSizes[i], kSizes[i + 1]));
  nn::Network mlp(std::move(b), nn::Activation::kRelu);
  mlp.Initialize(1);
  return mlp;
}

nn::Network AnalogNet(const nn::AnalogOptions& o) {
  std::vector<nn::BackendPtr> b;
  for (size_t i = 0; i + 1 < kSizes.size(); ++i) {
    b.push_back(std::make_unique<nn::AnalogBackend>(kSizes[i], kSizes[i + 1], o, 1, static_cast<Index>(i)));
  }
  nn::Network mlp(std::move(b), nn::Activation::kRelu);
  mlp.Initialize(1);
  return mlp;
}

double BestEpoch(const std::vector<nn::EpochMetrics>& h) {
  double best = 1e300;
  for (const auto& m : h) best = std::min(best, m.seconds);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::MnistArgs args = bench::ParseMnistArgs(argc, argv, 3);
  const int epochs = args.epochs;
  const io::Dataset train = bench::MnistTrain(args.data);
  const io::Dataset test = bench::MnistTest(args.data);
  const std::string src = build_info::kSourceDir;
  nn::TrainOptions o;
  o.epochs = epochs;
  o.eval_every = 0;
  // The recipe of experiments/mnist_analog_mixed.toml for both: chi with momentum 0.9.
  o.lr = 0.02;
  o.momentum = 0.9;

  nn::Network fp32 = Fp32Net();
  const double fp32_epoch = BestEpoch(nn::Train(fp32, train, nullptr, o, {}));
  const double fp32_eval = bench::BestSeconds([&] { nn::Evaluate(fp32, test); }, 5);

  nn::AnalogOptions mixed;
  mixed.training = nn::AnalogTraining::kMixed;
  mixed.device = device::LoadPcmParamsFile(src + "/devices/pcm_training.toml");
  mixed.headroom = 4.0;
  nn::Network analog = AnalogNet(mixed);
  const double mixed_epoch = BestEpoch(nn::Train(analog, train, nullptr, o, {}));
  const double mixed_acc = nn::Evaluate(analog, test);

  nn::AnalogOptions hwa;
  hwa.training = nn::AnalogTraining::kHwa;
  hwa.device = device::LoadPcmParamsFile(src + "/devices/pcm_conventional.toml");
  nn::Network inference = AnalogNet(hwa);
  for (Index l = 0; l < fp32.NumLayers(); ++l) {
    inference.weighted(l).backend().SetWeights(fp32.weighted(l).backend().Weights());
    inference.weighted(l).bias() = fp32.weighted(l).bias();
    auto& a = static_cast<nn::AnalogBackend&>(inference.weighted(l).backend());
    a.ProgramForInference(0);
    a.ReadAfter(3600.0);
  }
  const double hwa_eval = bench::BestSeconds([&] { nn::Evaluate(inference, test); }, 5);
  const double hwa_acc = nn::Evaluate(inference, test);

  std::printf("threads                               %d\n", NumThreads());
  std::printf("FP32 epoch (10k digits, batch 64)     %8.3f s (best of %d)\n", fp32_epoch, epochs);
  std::printf("mixed-precision epoch, pcm_training   %8.3f s (best of %d)  ratio %.2fx  (target <= 3x; aihwkit 0.7.1: 30x, docs/PEERS.md)\n",
              mixed_epoch, epochs, mixed_epoch / fp32_epoch);
  std::printf("  test accuracy after %d epochs        %8.2f %%\n", epochs, 100 * mixed_acc);
  std::printf("FP32 evaluation pass (10k test)       %8.3f s\n", fp32_eval);
  std::printf("HWA evaluation pass, pcm_conventional %8.3f s  ratio %.2fx  (target <= 3x; aihwkit: 0.15-0.21 s vs 0.03 s)\n",
              hwa_eval, hwa_eval / fp32_eval);
  std::printf("  test accuracy at 1 h                %8.2f %%\n", 100 * hwa_acc);
  return 0;
}
