// The HTTP layer of `pcmsim serve` on an ephemeral loopback port: routes, the page and its
// assets from the binary, 400s with reasons, nothing served by path, still serving after.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve_fixture.hpp"
#include "serve_http.hpp"
// After Eigen: glibc's <resolv.h> (included by httplib) defines a macro _res, a parameter name in Eigen.
#include <httplib.h>

namespace pcmsim::cli {
namespace {

using nlohmann::json;

class ServeHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new HttpServer(testing::SharedApi(), "127.0.0.1", 0);
    server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  httplib::Client Client() const { return httplib::Client("127.0.0.1", server_->port()); }
  static std::string Classify() { return json{{"pixels", std::vector<double>(784, 0.2)}, {"models", {"analog"}}}.dump(); }
  static HttpServer* server_;
};
HttpServer* ServeHttpTest::server_ = nullptr;

std::string Reason(const httplib::Result& r) { return json::parse(r->body).at("error").get<std::string>(); }

TEST_F(ServeHttpTest, ThePageAndItsAssets) {
  httplib::Client c = Client();
  for (const char* path : {"/", "/index.html"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("<canvas id=\"pad\""), std::string::npos);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(r->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  }
  auto js = c.Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_NE(js->body.find("function preprocess"), std::string::npos);
  auto css = c.Get("/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
}

TEST_F(ServeHttpTest, NothingIsServedByPath) {
  httplib::Client c = Client();
  for (const char* path : {"/etc/passwd", "/../CMakeLists.txt", "/%2e%2e/%2e%2e/etc/passwd", "/web/app.js",
                           "/index.html/", "/api", "/api/models/x"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_NE(Reason(r).find("no such page"), std::string::npos) << path;
  }
}

TEST_F(ServeHttpTest, ModelsAndClassify) {
  httplib::Client c = Client();
  auto m = c.Get("/api/models");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(json::parse(m->body)["models"].size(), 3u);
  auto r = c.Post("/api/classify", Classify(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  // The same answer as the API without HTTP: the same probabilities to the bit; the energy
  // up to the rounding of the difference of two running event totals.
  const json http = json::parse(r->body), direct = json::parse(testing::SharedApi().Classify(Classify()).body);
  EXPECT_EQ(http["results"][0]["probabilities"], direct["results"][0]["probabilities"]);
  EXPECT_EQ(http["results"][0]["predicted"], direct["results"][0]["predicted"]);
  const double e = direct["results"][0]["energy_J"].get<double>();
  EXPECT_NEAR(http["results"][0]["energy_J"].get<double>(), e, 1e-9 * e);
}

TEST_F(ServeHttpTest, BadRequestsAre400AndTheServerKeepsServing) {
  httplib::Client c = Client();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"not json", "bad JSON"},
      {json{{"pixels", std::vector<double>(10, 0.0)}}.dump(), "has 10 values"},
      {json{{"pixels", std::vector<double>(784, 2.0)}}.dump(), "must be in [0, 1]"},
      {json{{"pixels", std::vector<double>(784, 0.0)}, {"models", {"nope"}}}.dump(), "unknown model 'nope'"},
      {json{{"pixels", std::vector<double>(784, 0.0)}, {"t_seconds", -3}}.dump(), "'t_seconds' is -3"},
      // Over the limit: refused while reading (httplib's 413), answered as the API's 400.
      {std::string(serve::kMaxBodyBytes + 10, ' '), "over the limit of 65536 bytes"},
  };
  for (const auto& [body, piece] : bad) {
    auto r = c.Post("/api/classify", body, "application/json");
    ASSERT_TRUE(r) << piece;
    EXPECT_EQ(r->status, 400) << piece;
    EXPECT_NE(Reason(r).find(piece), std::string::npos) << Reason(r);
  }
  auto wrong_method = c.Get("/api/classify");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 404);
  auto ok = c.Post("/api/classify", Classify(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServeHttpTest, APortInUseIsAnError) {
  // A second server on the same port fails with a message naming the address (no
  // SO_REUSEPORT: two servers must not share a port silently).
  try {
    HttpServer again(testing::SharedApi(), "127.0.0.1", server_->port());
    ADD_FAILURE() << "bound a port in use";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pcmsim::cli
