// Speed of the layer graph's convolution: each LeNet-5 conv layer's forward + backward (on
// FP32 at stride 1 the direct kernels, plus bias and activation) at batch 64 as a fraction
// of the FP32 GEMM rate (1024^3), the two measured interleaved in the same run
// (interleave.hpp), beside the rate of
// the layer's own GEMM shapes by plain ParallelGemm (Eigen, patches as columns), by the
// batch-rows kernels (TallGemm, InnerProducts on transposed patches) and by the direct
// convolution kernels the FP32 layer runs (stride 1, core/direct_conv.hpp), same rounds;
// LeNet's max pooling layers against a copy of their input; and the LeNet epoch time on the
// 10k training digits, interleaved with the same GEMM.
// Usage: bench_cnn_speed [--rounds N] [--threads T] [--data DIR]
#include <cstdio>
#include <cstring>
#include <string>

#include "bench_util.hpp"
#include "interleave.hpp"
#include "pcmsim/core/batch_rows.hpp"
#include "pcmsim/core/direct_conv.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/nn/conv2d_layer.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/trainer.hpp"

using namespace pcmsim;

namespace {

Matrix Random(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.Uniform() - 0.5);
  return m;
}

nn::BackendFactory Fp32() {
  return [](Index in, Index out, Index, Index) { return std::make_unique<nn::Fp32Backend>(in, out); };
}

std::vector<nn::LayerSpec> LeNet() {
  using nn::LayerSpec;
  const auto relu = nn::Activation::kRelu;
  return {LayerSpec::Conv2d(6, 5, 1, 2, relu), LayerSpec::MaxPool2d(2), LayerSpec::Conv2d(16, 5, 1, 0, relu),
          LayerSpec::MaxPool2d(2), LayerSpec::Flatten(), LayerSpec::Dense(120, relu), LayerSpec::Dense(84, relu),
          LayerSpec::Dense(10)};
}

struct ConvCase {
  const char* name;
  TensorShape in;
  nn::LayerSpec spec;
  bool first;  // the network's first layer: no input gradient (as conv1 in LeNet)
};

}  // namespace

int main(int argc, char** argv) {
  const bench::MnistArgs args = bench::ParseMnistArgs(argc, argv, 3);
  const Index batch = 64, n = 1024;
  const Matrix a = Random(n, n, 1), b = Random(n, n, 2);
  Matrix c(n, n);
  const double gemm_flops = 2.0 * static_cast<double>(n) * n * n;
  std::printf("threads %d, batch %ld\n", NumThreads(), static_cast<long>(batch));

  const ConvCase cases[] = {
      {"conv1 1x28x28 -> 6@5x5 pad 2", {1, 28, 28}, nn::LayerSpec::Conv2d(6, 5, 1, 2, nn::Activation::kRelu), true},
      {"conv1 (with input gradient)", {1, 28, 28}, nn::LayerSpec::Conv2d(6, 5, 1, 2, nn::Activation::kRelu), false},
      {"conv2 6x14x14 -> 16@5x5", {6, 14, 14}, nn::LayerSpec::Conv2d(16, 5, 1, 0, nn::Activation::kRelu), false},
  };
  for (const ConvCase& cc : cases) {
    // Unless it is the first layer, the layer under test sits behind an activation layer so
    // that its input gradient is computed, as for every conv layer but the first.
    std::vector<nn::LayerSpec> specs = {cc.spec};
    if (!cc.first) specs.insert(specs.begin(), nn::LayerSpec::Act(nn::Activation::kRelu));
    nn::Network net(cc.in, specs, Fp32());
    net.Initialize(1);
    const Matrix x = Random(cc.in.Size(), batch, 3);
    const Matrix& y0 = net.Forward(x, nn::Pass::kTrain);
    const Matrix dy = Random(y0.rows(), y0.cols(), 4);
    nn::SgdStep step;  // lr 0: the weights stay, the work is the same
    const auto* conv = static_cast<const nn::Conv2dLayer*>(&net.layer(cc.first ? 0 : 1));
    const double cols = static_cast<double>(batch * conv->window().Pixels());
    const double mk = static_cast<double>(cc.spec.out_channels) * static_cast<double>(conv->window().PatchRows());
    // forward, weight gradient and (not for the first layer) input gradient GEMMs
    const double flops = (cc.first ? 2 : 3) * 2.0 * mk * cols;
    // The same three GEMM shapes done by plain ParallelGemm on the layer's own matrices (the
    // im2col column path's products): conv / shapes is the layer's time against what those
    // products alone cost at Eigen's rate on these thin shapes.
    const Matrix w = Random(cc.spec.out_channels, conv->window().PatchRows(), 5);
    const Matrix patches = Random(conv->window().PatchRows(), static_cast<Index>(cols), 6);
    const Matrix dcols = Random(cc.spec.out_channels, static_cast<Index>(cols), 7);
    // The batch-rows kernels on the transposed patches, and the direct kernels on the images
    // (what the FP32 layer runs).
    const Matrix patches_t = patches.transpose(), dcols_t = dcols.transpose();
    const ImageConv& image = conv->image();
    const Matrix dy_images = Random(image.OutputSize(), batch, 8);
    Matrix yc, dw, dp;
    Vector sums;
    bench::Interleaved m(7, 0.05);
    const int ig = m.Add("gemm", [&] { ParallelGemm(a, false, b, false, c); });
    const int ic = m.Add("conv", [&] {
      net.Forward(x, nn::Pass::kTrain);
      net.BackwardAndUpdate(dy, step);
    });
    const int is = m.Add("shapes", [&] {
      ParallelGemm(w, false, patches, false, yc);
      ParallelGemm(dcols, false, patches, true, dw);
      if (!cc.first) ParallelGemm(w, true, dcols, false, dp);
    });
    const int ik = m.Add("kernels", [&] {
      TallGemm(patches_t, w, true, yc);
      InnerProducts(dcols_t, patches_t, dw);
      if (!cc.first) TallGemm(dcols_t, w, false, dp);
    });
    const int id = m.Add("direct", [&] {
      DirectConvForward(image, w, x, yc);
      DirectConvWeightGradient(image, x, dy_images, dw, sums);
      if (!cc.first) DirectConvInputGradient(image, w, dy_images, dp);
    });
    m.Measure();
    const bench::Estimate tc = m.Seconds(ic);
    const double g = gemm_flops / m.Seconds(ig).median / 1e9, v = flops / tc.median / 1e9;
    const double vs = flops / m.Seconds(is).median / 1e9;
    std::printf("%-30s fwd+bwd %s  %6.1f GFLOP/s   GEMM 1024^3 %6.1f GFLOP/s   ratio %s  (target >= 40 %%)\n", cc.name,
                bench::FormatSeconds(tc, 1e3, "ms").c_str(), v, g,
                bench::FormatRatio(bench::Scaled(m.Ratio(ig, ic), flops / gemm_flops), true).c_str());
    std::printf("%-30s   its own GEMM shapes by ParallelGemm %6.1f GFLOP/s (%s of 1024^3); conv / shapes %s\n", "", vs,
                bench::FormatRatio(bench::Scaled(m.Ratio(ig, is), flops / gemm_flops), true).c_str(),
                bench::FormatRatio(m.Ratio(is, ic), true).c_str());
    std::printf("%-30s   the batch-rows kernels on them %6.1f GFLOP/s (%s of 1024^3); conv / kernels %s\n", "",
                flops / m.Seconds(ik).median / 1e9,
                bench::FormatRatio(bench::Scaled(m.Ratio(ig, ik), flops / gemm_flops), true).c_str(),
                bench::FormatRatio(m.Ratio(ik, ic), true).c_str());
    std::printf("%-30s   the direct kernels on the images (what the layer runs) %6.1f GFLOP/s (%s of 1024^3); conv / "
                "direct %s\n",
                "", flops / m.Seconds(id).median / 1e9,
                bench::FormatRatio(bench::Scaled(m.Ratio(ig, id), flops / gemm_flops), true).c_str(),
                bench::FormatRatio(m.Ratio(id, ic), true).c_str());
  }

  // LeNet's max pooling layers, forward + backward (input gradient included), against a copy
  // of their input measured in the same rounds: the memory traffic any pooling pays once.
  struct PoolCase {
    const char* name;
    TensorShape in;
  };
  for (const PoolCase& pc :
       {PoolCase{"maxpool 2 on 6x28x28", {6, 28, 28}}, PoolCase{"maxpool 2 on 16x10x10", {16, 10, 10}}}) {
    nn::Network net(pc.in, {nn::LayerSpec::MaxPool2d(2)}, Fp32());
    nn::Layer& pool = net.layer(0);
    const Matrix x = Random(pc.in.Size(), batch, 5).cwiseMax(0.0f);  // after a ReLU: ties at 0
    Matrix y, dx, copy;
    pool.Forward(x, y, nn::Pass::kTrain);
    Matrix dy = Random(y.rows(), y.cols(), 6);  // Backward takes dy as a mutable buffer
    const nn::SgdStep step;
    bench::Interleaved m(7, 0.02);
    const int ip = m.Add("pool", [&] {
      pool.Forward(x, y, nn::Pass::kTrain);
      pool.Backward(x, y, dy, &dx, step);
    });
    const int ic = m.Add("copy", [&] { copy = x; });
    m.Measure();
    std::printf("%-30s fwd+bwd %s   (a copy of its input: %s; pool / copy %s)\n", pc.name,
                bench::FormatSeconds(m.Seconds(ip), 1e6, "us").c_str(),
                bench::FormatSeconds(m.Seconds(ic), 1e6, "us").c_str(), bench::FormatRatio(m.Ratio(ip, ic)).c_str());
  }

  const io::Dataset train = bench::MnistTrain(args.data);
  nn::Network lenet(train.shape, LeNet(), Fp32());
  lenet.Initialize(1);
  nn::TrainOptions o;
  o.epochs = args.epochs;
  o.eval_every = 0;
  o.lr = 0.05;
  bench::EpochRunner epoch(lenet, train, o);
  bench::Interleaved m(args.epochs, 0.0);
  const int ie = m.Add("lenet", [&] { epoch(); });
  const int ig = m.Add("gemm", [&] { ParallelGemm(a, false, b, false, c); });
  m.Measure();
  std::printf("LeNet-5 epoch (10k digits, batch 64) %s   (GEMM 1024^3 interleaved: %.1f GFLOP/s; %s)\n",
              bench::FormatSeconds(m.Seconds(ie)).c_str(), gemm_flops / m.Seconds(ig).median / 1e9,
              m.Conditions().c_str());
  std::printf("PyTorch LeNet-5 on this machine: 1.3-1.8 s per epoch (docs/PEERS.md, 2026-12-02)\n");
  return 0;
}
