// Bounded loopback load on `pcmsim serve`'s HTTP layer: 8 clients x 200 classify calls on
// the analog model, each a random test digit and seed. The test asserts only that every
// call succeeds and answers consistently; latencies (p50/p99) are printed as figures, for
// two traffic shapes: every call at a new slider time (each is a fresh array read) and
// every client at the page's initial time, 1 s (visitors drawing without moving the slider).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "pcmsim/core/parallel.hpp"
#include "serve_fixture.hpp"
#include "serve_http.hpp"
// After Eigen: glibc's <resolv.h> (included by httplib) defines a macro _res, a parameter name in Eigen.
#include <httplib.h>

namespace pcmsim::cli {
namespace {

using nlohmann::json;

constexpr int kClients = 8;
constexpr int kCalls = 200;

struct Load {
  std::vector<double> ms;
  int errors = 0;
};

// The slider's times: 10^(k/12) s, k = 0..101, and 10 years.
double SliderTime(int k) { return k >= 102 ? serve::kMaxTimeS : std::pow(10.0, k / 12.0); }

Load RunLoad(int port, bool moving_slider) {
  std::vector<std::vector<double>> ms(kClients);
  std::atomic<int> errors{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_tcp_nodelay(true);  // as browsers do: no Nagle delay between headers and body
      cli.set_keep_alive(true);
      std::mt19937 rng(static_cast<unsigned>(c));
      const io::Dataset& d = testing::TestDigits();
      for (int i = 0; i < kCalls; ++i) {
        const Index j = static_cast<Index>(rng() % static_cast<unsigned>(d.Samples()));
        std::vector<double> px(d.x.col(j).data(), d.x.col(j).data() + d.Features());
        const double t = moving_slider ? SliderTime(static_cast<int>(rng() % 103)) : 1.0;
        const json body = {{"pixels", px}, {"t_seconds", t}, {"seed", rng() % 1000}, {"models", {"analog"}}};
        const auto t0 = std::chrono::steady_clock::now();
        auto r = cli.Post("/api/classify", body.dump(), "application/json");
        ms[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        if (!r || r->status != 200 || json::parse(r->body)["results"][0]["probabilities"].size() != 10) ++errors;
      }
    });
  }
  for (auto& t : clients) t.join();
  Load out;
  for (auto& v : ms) out.ms.insert(out.ms.end(), v.begin(), v.end());
  std::sort(out.ms.begin(), out.ms.end());
  out.errors = errors.load();
  return out;
}

double Quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<size_t>(std::min<double>(static_cast<double>(sorted.size()) - 1,
                                                     std::ceil(q * static_cast<double>(sorted.size())) - 1))];
}

TEST(ServeLoadTest, EightClientsTimesTwoHundredCallsOnTheAnalogModel) {
  SetNumThreads(1);  // as `pcmsim serve`: one thread per request
  const serve::Api api(serve::LoadModels({testing::ServeFiles()[2]}, 4));  // as pcmsim serve's default
  HttpServer server(api, "127.0.0.1", 0);
  server.Start();
  for (bool moving : {false, true}) {
    const auto t0 = std::chrono::steady_clock::now();
    const Load l = RunLoad(server.port(), moving);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("serve load (%s): %d clients x %d calls, %d errors, p50 %.2f ms, p99 %.2f ms, max %.2f ms, "
                "%.0f calls/s, %u hardware threads, 4 network copies\n",
                moving ? "every call at a random slider time" : "every call at t = 1 s", kClients, kCalls,
                l.errors, Quantile(l.ms, 0.5), Quantile(l.ms, 0.99), l.ms.back(), kClients * kCalls / s,
                std::thread::hardware_concurrency());
    EXPECT_EQ(l.errors, 0);
    EXPECT_EQ(l.ms.size(), static_cast<size_t>(kClients * kCalls));
  }
  server.Stop();
}

}  // namespace
}  // namespace pcmsim::cli
