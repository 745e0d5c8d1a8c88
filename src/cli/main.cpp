// The pcmsim command: parses arguments with CLI11 and turns every pcmsim::Error into a
// one-line message and a non-zero exit code: 0 success, 1 usage error, 2 bad input or a
// failed run (pcmsim::Error), 3 internal error.
#include <exception>
#include <iostream>
#include <new>

#include "commands.hpp"
#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

int main(int argc, char** argv) {
  CLI::App app{"pcmsim: analog in-memory computing with phase-change memory, next to FP32 and FP8"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", std::string("pcmsim ") + pcmsim::build_info::kVersion + " (git " +
                                        pcmsim::build_info::kGitCommit + ")");
  pcmsim::cli::RegisterRun(app);
  pcmsim::cli::RegisterReport(app);
  pcmsim::cli::RegisterDevice(app);
  pcmsim::cli::RegisterFitDevice(app);
  pcmsim::cli::RegisterQuantize(app);
  pcmsim::cli::RegisterCompare(app);
  pcmsim::cli::RegisterEnergy(app);
  pcmsim::cli::RegisterSweep(app);
  pcmsim::cli::RegisterServe(app);
  try {
    pcmsim::NumThreads();  // a malformed PCMSIM_THREADS is an error, even where unused
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      std::cout << app.help();
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every usage error (unknown or missing argument, a value
    // out of range) exits 1, whatever CLI11's internal code for it.
    return app.exit(e) == 0 ? 0 : 1;
  } catch (const pcmsim::Error& e) {
    std::cerr << "pcmsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "pcmsim: error: out of memory (the configuration needs more memory than is available)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pcmsim: unexpected error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
