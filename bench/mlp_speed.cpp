// End-to-end speed harness of the digital trainers on the MNIST MLP 784-256-128-10, batch 64,
// 10k training digits. All sides are measured interleaved in one process (interleave.hpp):
//   gemm      ParallelGemm 1024^3 on all threads: the FP32 GEMM rate the MLP is compared to
//   fp32      one FP32 training epoch on all threads
//   fp32/1t   the same epoch on one thread (thread scaling; only with more than one thread)
//   fp8       one epoch of the mnist_fp8 recipe (Wang et al. 2018)
//   eval      one FP32 evaluation pass over the 10k test digits
// and prints the MLP's GEMM rate as a share of the GEMM's, the thread speed-up and the FP8 /
// FP32 epoch ratio, each with its spread ("unreliable" beyond +-10 %).
// Usage: bench_mlp_speed [--rounds N] [--threads T] [--data DIR]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.hpp"
#include "interleave.hpp"
#include "pcmsim/core/parallel.hpp"

using namespace pcmsim;

int main(int argc, char** argv) {
  const bench::MnistArgs args = bench::ParseMnistArgs(argc, argv, 7);
  const io::Dataset train = bench::MnistTrain(args.data);
  const io::Dataset test = bench::MnistTest(args.data);
  const std::vector<Index> sizes{784, 256, 128, 10};
  const int threads = NumThreads();

  const Index n = 1024;
  const Matrix a = bench::RandomSquare(n, 1), b = bench::RandomSquare(n, 2);
  Matrix c(n, n);
  nn::Network fp32 = bench::Fp32Mlp(sizes), fp32_one = bench::Fp32Mlp(sizes), fp8 = bench::Fp8Mlp(sizes);
  nn::TrainOptions o;  // batch 64, lr 0.05, momentum 0.9 (constant lr in the runner)
  bench::EpochRunner run32(fp32, train, o), run32_one(fp32_one, train, o), run8(fp8, train, o);

  bench::Interleaved m(args.epochs, 0.2);
  const int gemm = m.Add("gemm", [&] { ParallelGemm(a, false, b, false, c); });
  const int e32 = m.Add("fp32", [&] { run32(); });
  const int e1 = threads > 1 ? m.Add("fp32/1t", [&] {
    SetNumThreads(1);
    run32_one();
    SetNumThreads(threads);
  })
                             : -1;
  const int e8 = m.Add("fp8", [&] { run8(); });
  const int ev = m.Add("eval", [&] { nn::Evaluate(fp32, test); });
  m.Measure();

  const double gemm_flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  const double epoch_flops = bench::MlpTrainFlopsPerSample(sizes) * static_cast<double>(train.Samples());
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("bench_mlp_speed: threads %d, OMP_WAIT_POLICY=%s, %s\n", threads, policy ? policy : "(unset)",
              m.Conditions().c_str());
  const bench::Estimate tg = m.Seconds(gemm), t32 = m.Seconds(e32), t8 = m.Seconds(e8);
  std::printf("FP32 GEMM 1024^3 (ParallelGemm)  %8.1f GFLOP/s   (%s per call)\n", gemm_flops / tg.median / 1e9,
              bench::FormatSeconds(tg, 1e3, "ms").c_str());
  std::printf("FP32 epoch (10k digits, batch 64) %s   %.1f GFLOP/s   (PyTorch 1.13+OpenBLAS, 2 threads: 0.10-0.67 s, docs/PEERS.md)\n",
              bench::FormatSeconds(t32).c_str(), epoch_flops / t32.median / 1e9);
  std::printf("ratio MLP rate / GEMM rate        %s   (target >= 50 %%)\n",
              bench::FormatRatio(bench::Scaled(m.Ratio(gemm, e32), epoch_flops / gemm_flops), true).c_str());
  if (e1 >= 0) {
    std::printf("FP32 epoch on one thread          %s\n", bench::FormatSeconds(m.Seconds(e1)).c_str());
    std::printf("speed-up %d threads / 1 thread     %s   (target >= 1.6x with 2 threads)\n", threads,
                bench::FormatRatio(m.Ratio(e1, e32)).c_str());
  }
  std::printf("eval pass (10k test images)       %s   (PyTorch: 0.03 s, docs/PEERS.md)\n",
              bench::FormatSeconds(m.Seconds(ev)).c_str());
  std::printf("FP8 epoch (mnist_fp8 recipe)      %s\n", bench::FormatSeconds(t8).c_str());
  std::printf("ratio FP8 epoch / FP32 epoch      %s   (target <= 4x)\n", bench::FormatRatio(m.Ratio(e8, e32)).c_str());
  return 0;
}
