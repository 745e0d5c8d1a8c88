// serve::Api without HTTP: every bad request is a 400 with a one-line reason naming the
// problem; good requests answer for the chosen models.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve_fixture.hpp"

namespace pcmsim::serve {
namespace {

using nlohmann::json;
using testing::SharedApi;

json Pixels(double v = 0.5, size_t n = 784) { return json(std::vector<double>(n, v)); }

json Request() { return {{"pixels", Pixels()}, {"t_seconds", 3600.0}, {"compensation", true}, {"seed", 5}}; }

// A 400 whose reason (one line) contains `piece`.
void ExpectBad(const std::string& body, const std::string& piece) {
  const ApiResponse r = SharedApi().Classify(body);
  EXPECT_EQ(r.status, 400) << body.substr(0, 200);
  const json j = json::parse(r.body);
  const std::string reason = j.at("error").get<std::string>();
  EXPECT_NE(reason.find(piece), std::string::npos) << "reason: " << reason;
  EXPECT_EQ(reason.find('\n'), std::string::npos);
}

void ExpectBad(const json& body, const std::string& piece) { ExpectBad(body.dump(), piece); }
void ExpectBad(const char* body, const std::string& piece) { ExpectBad(std::string(body), piece); }

TEST(ServeApiTest, ModelsListsEveryModel) {
  const ApiResponse r = SharedApi().Models();
  ASSERT_EQ(r.status, 200);
  const json j = json::parse(r.body);
  ASSERT_EQ(j["models"].size(), 3u);
  EXPECT_EQ(j["models"][0]["name"], "fp32");
  EXPECT_EQ(j["models"][2]["backend"], "analog");
  EXPECT_EQ(j["models"][2]["device"], "pcm_conventional");
  EXPECT_TRUE(j["models"][0]["accuracy_vs_time"].is_null());
  EXPECT_EQ(j["models"][2]["accuracy_vs_time"]["time_s"].size(), 5u);
  EXPECT_GT(j["models"][1]["energy_per_inference_J"].get<double>(), 0);
  EXPECT_EQ(j["limits"]["t_max_s"].get<double>(), kMaxTimeS);
}

TEST(ServeApiTest, ClassifyAnswersForEveryModelOrTheChosenOnes) {
  ApiResponse r = SharedApi().Classify(Request().dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_EQ(j["results"].size(), 3u);
  for (const json& m : j["results"]) {
    EXPECT_EQ(m["probabilities"].size(), 10u);
    EXPECT_GE(m["predicted"].get<int>(), 0);
    EXPECT_GT(m["energy_J"].get<double>(), 0);
  }
  EXPECT_EQ(j["t_seconds"].get<double>(), 3600.0);
  EXPECT_EQ(j["seed"].get<int>(), 5);
  json one = Request();
  one["models"] = {"analog"};
  r = SharedApi().Classify(one.dump());
  ASSERT_EQ(r.status, 200);
  j = json::parse(r.body);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["name"], "analog");
  // Defaults: t = 1 s, compensation on, seed 0.
  r = SharedApi().Classify(json{{"pixels", Pixels()}}.dump());
  ASSERT_EQ(r.status, 200);
  j = json::parse(r.body);
  EXPECT_EQ(j["t_seconds"].get<double>(), 1.0);
  EXPECT_EQ(j["compensation"].get<bool>(), true);
  EXPECT_EQ(j["seed"].get<int>(), 0);
}

TEST(ServeApiTest, BadJsonAndShape) {
  ExpectBad("", "bad JSON");
  ExpectBad("{\"pixels\": [0.1, ", "bad JSON");
  ExpectBad("{\"pixels\": [NaN]}", "bad JSON");  // JSON has no NaN
  ExpectBad("[1, 2, 3]", "must be a JSON object");
  ExpectBad(json{{"pixels", Pixels()}, {"colour", "red"}}, "unknown key 'colour'");
  ExpectBad(json::object(), "'pixels' is missing");
  ExpectBad(json{{"pixels", "abc"}}, "'pixels' must be an array");
}

TEST(ServeApiTest, BadPixels) {
  ExpectBad(json{{"pixels", Pixels(0.5, 783)}}, "has 783 values, the models take 784");
  ExpectBad(json{{"pixels", Pixels(0.5, 785)}}, "has 785 values");
  ExpectBad(json{{"pixels", json::array()}}, "has 0 values");
  json p = Pixels();
  p[17] = -0.01;
  ExpectBad(json{{"pixels", p}}, "pixels[17] is -0.01, must be in [0, 1]");
  p[17] = 1.5;
  ExpectBad(json{{"pixels", p}}, "pixels[17] is 1.5");
  p[17] = nullptr;
  ExpectBad(json{{"pixels", p}}, "pixels[17] is null, not a number");
  p[17] = "0.5";
  ExpectBad(json{{"pixels", p}}, "pixels[17] is string");
  // 1e999 does not fit a double: the parser refuses it.
  std::string body = json{{"pixels", Pixels()}}.dump();
  body.replace(body.find("0.5"), 3, "1e999");
  ExpectBad(body, "number overflow");
}

TEST(ServeApiTest, BadParameters) {
  const auto with = [](const char* key, json v) {
    json r = Request();
    r[key] = std::move(v);
    return r;
  };
  ExpectBad(with("t_seconds", 0.5), "'t_seconds' is 0.5, must be in [1, ");
  ExpectBad(with("t_seconds", 4e8), "must be in [1, ");
  ExpectBad(with("t_seconds", "1 h"), "'t_seconds' must be a number");
  ExpectBad(with("compensation", 1), "'compensation' must be true or false");
  ExpectBad(with("seed", -1), "'seed' is -1");
  ExpectBad(with("seed", 1.5), "'seed' must be an integer");
  ExpectBad(with("seed", 9007199254740992ull), "must be in [0, 9007199254740991]");
  ExpectBad(with("models", json::array()), "non-empty array");
  ExpectBad(with("models", "fp32"), "non-empty array");
  ExpectBad(with("models", {"fp32", 3}), "not a model name");
  ExpectBad(with("models", {"fp64"}), "unknown model 'fp64'");
  ExpectBad(with("models", {"fp32", "fp32"}), "listed twice");
}

TEST(ServeApiTest, BodyOverTheLimit) {
  std::string body = json{{"pixels", Pixels()}}.dump();
  body += std::string(kMaxBodyBytes, ' ');  // valid JSON, but too long
  ExpectBad(body, "the limit is 65536");
}

}  // namespace
}  // namespace pcmsim::serve
