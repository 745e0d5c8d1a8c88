// cpp-httplib routes of `pcmsim serve`.
#include "serve_http.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <exception>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pcmsim/core/error.hpp"
#include "pcmsim/serve/web_assets.hpp"

namespace pcmsim::cli {
namespace {

void Reply(httplib::Response& res, const serve::ApiResponse& r) {
  res.status = r.status;
  res.set_content(r.body, "application/json");
}

// The page only talks to its own origin and loads nothing from elsewhere.
void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-store");
}

}  // namespace

HttpServer::HttpServer(const serve::Api& api, const std::string& host, int port)
    : server_(std::make_unique<httplib::Server>()) {
  httplib::Server& s = *server_;
  // Bodies above the API's limit are refused while reading (no buffering of huge bodies);
  // the error handler turns httplib's 413 into the API's 400 with a reason.
  s.set_payload_max_length(serve::kMaxBodyBytes);
  // SO_REUSEADDR (restart while old connections linger) but not httplib's default
  // SO_REUSEPORT, which would let a second server share a port in use without an error.
  // Small JSON answers: no Nagle delay waiting for the client's delayed ACK (~40 ms).
  s.set_tcp_nodelay(true);
  s.set_socket_options([](auto sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  for (const web::Asset& a : web::kAssets) {
    const std::string_view path = a.path;
    auto handler = [a](const httplib::Request&, httplib::Response& res) {
      SecurityHeaders(res);
      res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.type);
    };
    s.Get(std::string(path), handler);
    if (path == "/index.html") s.Get("/", handler);
  }
  s.Get("/api/models", [&api](const httplib::Request&, httplib::Response& res) {
    SecurityHeaders(res);
    Reply(res, api.Models());
  });
  s.Post("/api/classify", [&api](const httplib::Request& req, httplib::Response& res) {
    SecurityHeaders(res);
    Reply(res, api.Classify(req.body));
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // an API answer already (400 with its reason)
    if (res.status == 413) {
      Reply(res, serve::BadRequest(StrCat("request body over the limit of ", serve::kMaxBodyBytes, " bytes")));
      return;
    }
    const std::string reason = res.status == 404   ? StrCat("no such page: ", req.path)
                               : res.status == 405 ? StrCat("method ", req.method, " not allowed on ", req.path)
                                                   : StrCat("HTTP ", res.status);
    res.set_content(nlohmann::json{{"error", reason}}.dump(), "application/json");
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(nlohmann::json{{"error", what}}.dump(), "application/json");
  });
  port_ = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) throw IoError(StrCat("serve: cannot listen on ", host, ":", port, " (in use, or not an address of this machine)"));
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Run() { server_->listen_after_bind(); }

void HttpServer::Start() {
  thread_ = std::thread([this] { Run(); });
  // The socket listens since the constructor; wait for the accept loop so Stop() reaches it.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::Stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pcmsim::cli
