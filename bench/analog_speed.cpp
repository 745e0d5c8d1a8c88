// Speed harness of the analog MLP 784-256-128-10 against the FP32 trainer on the same
// network, all sides measured interleaved in one process (interleave.hpp):
//   fp32      one FP32 training epoch (10k digits, batch 64, lr 0.02, momentum 0.9)
//   mixed     one mixed-precision training epoch on the pcm_training preset, full periphery
//             (7-bit DAC, 9-bit ADC, output noise, bound management, read noise folding),
//             and the same with the frozen read-noise model (one realisation per read)
//   eval      one FP32 evaluation pass over the 10k test digits
//   hwa       one evaluation pass of FP32-trained weights programmed onto pcm_conventional
//             and read 1 h later (full periphery), with each read-noise model of the tile
// Usage: bench_analog_speed [--rounds N] [--threads T] [--data DIR]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.hpp"
#include "interleave.hpp"
#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/nn/analog_backend.hpp"

using namespace pcmsim;

namespace {

const std::vector<Index> kSizes{784, 256, 128, 10};

// FP32-trained weights programmed onto pcm_conventional at t = 0 and read at 1 h.
nn::Network Deployed(const nn::Network& fp32, const nn::AnalogOptions& o) {
  nn::Network inference = bench::AnalogMlp(kSizes, o);
  for (Index l = 0; l < fp32.NumLayers(); ++l) {
    inference.weighted(l).backend().SetWeights(fp32.weighted(l).backend().Weights());
    inference.weighted(l).bias() = fp32.weighted(l).bias();
    auto& a = static_cast<nn::AnalogBackend&>(inference.weighted(l).backend());
    a.ProgramForInference(0);
    a.ReadAfter(3600.0);
  }
  return inference;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::MnistArgs args = bench::ParseMnistArgs(argc, argv, 7);
  const io::Dataset train = bench::MnistTrain(args.data);
  const io::Dataset test = bench::MnistTest(args.data);
  const std::string src = build_info::kSourceDir;
  nn::TrainOptions o;
  // The recipe of experiments/mnist_analog_mixed.toml for both: chi with momentum 0.9.
  o.lr = 0.02;
  o.momentum = 0.9;

  nn::Network fp32 = bench::Fp32Mlp(kSizes);
  bench::EpochRunner run32(fp32, train, o);
  run32();  // trained weights for the deployed networks (one epoch: ~95 %)

  nn::AnalogOptions mixed;
  mixed.training = nn::AnalogTraining::kMixed;
  mixed.device = experiment::LoadPcmParamsFile(src + "/devices/pcm_training.toml");
  mixed.headroom = 4.0;
  nn::Network analog = bench::AnalogMlp(kSizes, mixed);
  bench::EpochRunner run_mixed(analog, train, o);
  // The same with the tile's frozen read-noise model: one realisation per (re-)read of the
  // conductances instead of an output-referred draw per MVM (one GEMM per MVM, not two).
  nn::AnalogOptions mixed_frozen = mixed;
  mixed_frozen.tile.read_noise_model = crossbar::ReadNoiseModel::kFrozen;
  nn::Network analog_frozen = bench::AnalogMlp(kSizes, mixed_frozen);
  bench::EpochRunner run_mixed_frozen(analog_frozen, train, o);

  nn::AnalogOptions hwa;
  hwa.training = nn::AnalogTraining::kHwa;
  hwa.device = experiment::LoadPcmParamsFile(src + "/devices/pcm_conventional.toml");
  nn::Network inference = Deployed(fp32, hwa);
  nn::AnalogOptions hwa_frozen = hwa;
  hwa_frozen.tile.read_noise_model = crossbar::ReadNoiseModel::kFrozen;
  nn::Network frozen = Deployed(fp32, hwa_frozen);

  bench::Interleaved m(args.epochs, 0.0);
  const int e32 = m.Add("fp32", [&] { run32(); });
  const int emx = m.Add("mixed", [&] { run_mixed(); });
  const int emf = m.Add("mixed frozen", [&] { run_mixed_frozen(); });
  const int ev = m.Add("eval", [&] { nn::Evaluate(fp32, test); });
  const int eh = m.Add("hwa", [&] { nn::Evaluate(inference, test); });
  const int ef = m.Add("hwa frozen", [&] { nn::Evaluate(frozen, test); });
  m.Measure();
  const double mixed_acc = nn::Evaluate(analog, test);
  const double mixed_frozen_acc = nn::Evaluate(analog_frozen, test);
  const double hwa_acc = nn::Evaluate(inference, test);
  const double frozen_acc = nn::Evaluate(frozen, test);

  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("bench_analog_speed: threads %d, OMP_WAIT_POLICY=%s, %s\n", NumThreads(), policy ? policy : "(unset)",
              m.Conditions().c_str());
  std::printf("FP32 epoch (10k digits, batch 64)       %s\n", bench::FormatSeconds(m.Seconds(e32)).c_str());
  std::printf("mixed-precision epoch, pcm_training     %s\n", bench::FormatSeconds(m.Seconds(emx)).c_str());
  std::printf("  ratio mixed / FP32 epoch              %s   (target <= 2x; aihwkit 0.7.1: 30x, docs/PEERS.md)\n",
              bench::FormatRatio(m.Ratio(emx, e32)).c_str());
  std::printf("  test accuracy after %d epochs          %.2f %%\n", m.rounds() + 1, 100 * mixed_acc);
  std::printf("mixed-precision epoch, frozen read noise %s   (one realisation per read)\n",
              bench::FormatSeconds(m.Seconds(emf)).c_str());
  std::printf("  ratio mixed frozen / FP32 epoch       %s   (target <= 2x)\n",
              bench::FormatRatio(m.Ratio(emf, e32)).c_str());
  std::printf("  test accuracy after %d epochs          %.2f %%\n", m.rounds() + 1, 100 * mixed_frozen_acc);
  std::printf("FP32 evaluation pass (10k test)         %s\n", bench::FormatSeconds(m.Seconds(ev)).c_str());
  std::printf("HWA evaluation pass, pcm_conventional   %s   (read noise per MVM, output-referred)\n",
              bench::FormatSeconds(m.Seconds(eh)).c_str());
  std::printf("  ratio HWA eval / FP32 eval            %s   (target <= 2x; aihwkit: 0.15-0.21 s vs 0.03 s)\n",
              bench::FormatRatio(m.Ratio(eh, ev)).c_str());
  std::printf("  test accuracy at 1 h                  %.2f %%\n", 100 * hwa_acc);
  std::printf("HWA evaluation pass, frozen read noise  %s   (one realisation per read, one GEMM per tile)\n",
              bench::FormatSeconds(m.Seconds(ef)).c_str());
  std::printf("  ratio HWA frozen eval / FP32 eval     %s   (target <= 2x)\n",
              bench::FormatRatio(m.Ratio(ef, ev)).c_str());
  std::printf("  test accuracy at 1 h                  %.2f %%\n", 100 * frozen_acc);
  return 0;
}
