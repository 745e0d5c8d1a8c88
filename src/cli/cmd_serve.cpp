// `pcmsim serve RESULT.h5... [--port 8080] [--host 127.0.0.1] [--workers N]`: the live demo.
// Loads the trained networks (analog ones programmed once onto their device preset), then
// serves the page and its JSON API until interrupted.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/serve/api.hpp"
#include "serve_http.hpp"

namespace pcmsim::cli {
namespace {

struct ServeArgs {
  std::vector<std::string> results;
  std::string host = "127.0.0.1";
  int port = 8080;
  int workers = 4;
};

HttpServer* g_server = nullptr;

extern "C" void StopOnSignal(int) {
  // httplib's stop() only shuts the listening socket down and sets a flag.
  if (g_server != nullptr) g_server->Stop();
}

void Serve(const ServeArgs& a) {
  // One request = one thread: the network copies run single-threaded, requests in parallel.
  SetNumThreads(1);
  const int workers = a.workers;
  std::cerr << "pcmsim serve: loading " << a.results.size() << " result file(s), " << workers
            << " copies each (analog layers are programmed once per copy)\n";
  serve::Api api(serve::LoadModels(a.results, workers));
  for (const auto& m : api.models()) {
    const serve::ModelInfo& i = m->info();
    std::cerr << "  " << i.name << ": " << i.backend << " (" << i.device << "), test accuracy "
              << 100 * i.accuracy << " %, from " << i.file << "\n";
  }
  HttpServer server(api, a.host, a.port);
  g_server = &server;
  std::signal(SIGINT, StopOnSignal);
  std::signal(SIGTERM, StopOnSignal);
  // The one line on stdout: scripts and tests read the address from it (--port 0).
  std::cout << "serving on http://" << a.host << ":" << server.port() << "/" << std::endl;
  server.Run();
  g_server = nullptr;
  std::cerr << "pcmsim serve: stopped\n";
}

}  // namespace

void RegisterServe(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "The live demo: a web page that classifies digits you draw with the "
                                              "trained networks of result files (FP32, FP8, analog PCM over drift time)");
  cmd->add_option("results", args->results, "Result files of `pcmsim run` (any backend)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--port", args->port, "TCP port (0 = any free port; the address is printed)")->check(CLI::Range(0, 65535));
  cmd->add_option("--host", args->host, "Address to bind (default loopback only)");
  cmd->add_option("--workers", args->workers, "Network copies per model (default 4): requests served at once per "
                                              "model; each keeps the analog read of its last time")->check(CLI::Range(1, 64));
  cmd->callback([args] { Serve(*args); });
}

}  // namespace pcmsim::cli
