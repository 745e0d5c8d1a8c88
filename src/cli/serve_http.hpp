// The HTTP face of `pcmsim serve`: routes GET /, /index.html, /app.js, /style.css (the page,
// compiled into the binary) and GET /api/models, POST /api/classify (serve::Api) on a
// cpp-httplib server. Nothing else is served: no file is read by path.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "pcmsim/serve/api.hpp"

namespace httplib {
class Server;
}

namespace pcmsim::cli {

class HttpServer {
 public:
  // Binds host:port (port 0 = any free port); IoError naming the address if it cannot.
  HttpServer(const serve::Api& api, const std::string& host, int port);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // Serves until Stop() (from another thread or a signal handler's flag watcher).
  void Run();
  // Runs on a background thread (tests); Stop() joins it.
  void Start();
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace pcmsim::cli
