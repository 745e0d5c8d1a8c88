// `pcmsim run EXP.toml [-o OUT.h5] [--set key=value ...] [--resume | --fresh]`: train and evaluate
// one experiment, printing progress on stderr.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/runner.hpp"

namespace pcmsim::cli {
namespace {

std::string Clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  return buf;
}

struct RunArgs {
  std::string experiment;
  std::string output;
  std::vector<std::string> overrides;
  bool resume = false;
  bool fresh = false;
  bool quiet = false;
};

nn::TrainCallbacks Progress(const experiment::Experiment& e, bool quiet) {
  nn::TrainCallbacks cb;
  if (quiet) return cb;
  const bool tty = isatty(fileno(stderr)) != 0;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto elapsed = std::make_shared<double>(0.0);
  const int epochs = e.train.epochs;
  if (tty) {
    cb.on_batch = [last, epochs](int epoch, Index b, Index n, double loss) {
      const auto now = std::chrono::steady_clock::now();
      if (now - *last < std::chrono::milliseconds(500) && b != n) return;
      *last = now;
      std::fprintf(stderr, "\repoch %d/%d  batch %ld/%ld  loss %.4f   ", epoch, epochs, static_cast<long>(b),
                   static_cast<long>(n), loss);
    };
  }
  cb.on_epoch = [elapsed, epochs, tty](const nn::EpochMetrics& m) {
    *elapsed += m.seconds;
    const double eta = *elapsed / m.epoch * (epochs - m.epoch);
    char test[32] = "   -   ";
    if (m.test_accuracy >= 0) std::snprintf(test, sizeof(test), "%6.2f%%", 100 * m.test_accuracy);
    std::fprintf(stderr, "%sepoch %3d/%d  loss %.4f  train %6.2f%%  test %s  lr %.4g  %.0f samples/s  ETA %s\n",
                 tty ? "\r" : "", m.epoch, epochs, m.train_loss, 100 * m.train_accuracy, test, m.lr,
                 m.samples_per_second, Clock(eta).c_str());
  };
  return cb;
}

void Run(const RunArgs& a) {
  const experiment::Experiment e = experiment::LoadExperiment(a.experiment, a.overrides);
  experiment::RunOptions o;
  o.output = a.output.empty() ? std::filesystem::path("results") / (e.name + ".h5") : std::filesystem::path(a.output);
  o.resume = a.resume;
  o.fresh = a.fresh;
  o.progress = Progress(e, a.quiet);
  o.log = [](const std::string& msg) { std::cerr << msg << "\n"; };
  if (!a.quiet) {
    std::cerr << "pcmsim run " << e.name << ": " << e.model.Network().size() << " layers, backend "
              << e.model.backend << ", " << e.train.epochs << " epochs, seed " << e.seed << " -> " << o.output.string()
              << "\n";
  }
  const experiment::RunSummary s = experiment::RunExperiment(e, o);
  std::printf("%s: test accuracy %.2f%% after %d epochs (%.1f s training, backend %s) -> %s\n", e.name.c_str(),
              100 * s.test_accuracy, s.epochs, s.train_seconds, s.backend.c_str(), o.output.string().c_str());
}

}  // namespace

void RegisterRun(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Train and evaluate one experiment (TOML)");
  cmd->add_option("experiment", args->experiment, "Experiment file, e.g. experiments/mnist_fp32.toml")->required();
  cmd->add_option("-o,--output", args->output, "Result file (default results/<name>.h5)");
  cmd->add_option("--set", args->overrides, "Override a config key: --set train.epochs=5 (repeatable)");
  CLI::Option* resume = cmd->add_flag("--resume", args->resume, "Continue from OUTPUT.ckpt when it exists");
  cmd->add_flag("--fresh", args->fresh, "Start over even if OUTPUT.ckpt exists (else the run stops to keep it)")
      ->excludes(resume);
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] { Run(*args); });
}

}  // namespace pcmsim::cli
