// End-to-end speed harness of the FP32 trainer: in one run, our FP32 GEMM rate (1024^3)
// and the MNIST MLP's training rate, both in GFLOP/s, and their ratio.
// Usage: bench_mlp_speed [--epochs N] [--threads T] [--data DIR]
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_util.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/core/build_info.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"
#include "pcmsim/nn/trainer.hpp"

using namespace pcmsim;

namespace {

// The best FP32 GEMM rate we have: ParallelGemm on all threads, or one plain Eigen product.
double GemmGflops(Index n) {
  Rng rng(1);
  Matrix a(n, n), b(n, n), c(n, n);
  for (Index i = 0; i < a.size(); ++i) {
    a.data()[i] = static_cast<float>(rng.Uniform());
    b.data()[i] = static_cast<float>(rng.Uniform());
  }
  const double s_par = bench::BestSeconds([&] { ParallelGemm(a, false, b, false, c); }, 5);
  const double s_one = bench::BestSeconds([&] { c.noalias() = a * b; }, 5);
  const double d = static_cast<double>(n);
  std::printf("FP32 GEMM %ld^3: ParallelGemm %.1f GFLOP/s, one Eigen product %.1f GFLOP/s\n", static_cast<long>(n),
              2.0 * d * d * d / s_par / 1e9, 2.0 * d * d * d / s_one / 1e9);
  return 2.0 * d * d * d / std::min(s_par, s_one) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::MnistArgs args = bench::ParseMnistArgs(argc, argv, 5);
  const int epochs = args.epochs;
  const io::Dataset train = bench::MnistTrain(args.data);
  const io::Dataset test = bench::MnistTest(args.data);

  const double gemm = GemmGflops(1024);
  std::vector<nn::BackendPtr> b;
  b.push_back(std::make_unique<nn::Fp32Backend>(784, 256));
  b.push_back(std::make_unique<nn::Fp32Backend>(256, 128));
  b.push_back(std::make_unique<nn::Fp32Backend>(128, 10));
  nn::Network mlp(std::move(b), nn::Activation::kRelu);
  mlp.Initialize(1);
  nn::TrainOptions o;
  o.epochs = epochs;
  o.eval_every = 0;
  const auto h = nn::Train(mlp, train, nullptr, o, {});
  double best = 1e300, sum = 0;
  for (const auto& m : h) {
    best = std::min(best, m.seconds);
    sum += m.seconds;
  }
  // MACs per sample: forward and weight-gradient GEMMs of every layer, input-gradient GEMMs
  // of all layers but the first (its input gradient is never needed).
  const double fwd = 784.0 * 256 + 256.0 * 128 + 128.0 * 10;
  const double bwd = 256.0 * 128 + 128.0 * 10;
  const double flops_epoch = 2.0 * (2 * fwd + bwd) * static_cast<double>(train.Samples());
  const double mlp_rate = flops_epoch / best / 1e9;
  const double eval = bench::BestSeconds([&] { nn::Evaluate(mlp, test); }, 5);

  std::printf("threads                         %d\n", NumThreads());
  std::printf("FP32 GEMM baseline (best of two) %8.1f GFLOP/s\n", gemm);
  std::printf("MLP 784-256-128-10, batch 64    %8.1f GFLOP/s (best of %d epochs)\n", mlp_rate, epochs);
  std::printf("ratio MLP / GEMM                %8.1f %%   (target >= 50 %%)\n", 100 * mlp_rate / gemm);
  std::printf("epoch time (10k digits)         %8.3f s best, %.3f s mean   (PyTorch 1.13+OpenBLAS, 2 threads: 0.10-0.14 s, docs/PEERS.md)\n",
              best, sum / static_cast<double>(h.size()));
  std::printf("eval pass (10k test images)     %8.3f s   (PyTorch: 0.03 s, docs/PEERS.md)\n", eval);

  // The FP8 path of experiments/mnist_fp8.toml (Wang et al. 2018): fp8 (1,5,2) data and
  // errors, 16-bit first and last layer, (1,6,9) accumulation in chunks of 64, (1,6,9)
  // master weights with stochastic rounding.
  nn::Fp8Options f8;
  f8.edge_data_format = "fp16_169";
  std::vector<nn::BackendPtr> b8;
  const Index sizes[] = {784, 256, 128, 10};
  for (int l = 0; l < 3; ++l) {
    b8.push_back(std::make_unique<nn::Fp8Backend>(sizes[l], sizes[l + 1], f8, StreamSeed(1, "fp8_layer", l),
                                                  l == 0 || l == 2));
  }
  nn::Network mlp8(std::move(b8), nn::Activation::kRelu);
  mlp8.Initialize(1);
  nn::TrainOptions o8 = o;
  o8.epochs = 2;
  double best8 = 1e300;
  for (const auto& m : nn::Train(mlp8, train, nullptr, o8, {})) best8 = std::min(best8, m.seconds);
  std::printf("FP8 epoch (mnist_fp8 recipe)    %8.3f s best of 2   ratio to FP32 epoch %.2fx   (target <= 6x)\n", best8,
              best8 / best);
  return 0;
}
