// Request validation and JSON answers of the demo API.
#include "pcmsim/serve/api.hpp"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "pcmsim/core/error.hpp"

namespace pcmsim::serve {
namespace {

using nlohmann::json;

// A finite number as JSON (NaN and infinities become null, which JSON has instead).
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Thrown inside Classify for a bad request; the message is the one-line reason.
struct Rejected {
  std::string reason;
};

[[noreturn]] void Reject(std::string reason) { throw Rejected{std::move(reason)}; }

std::string TypeName(const json& v) { return v.type_name(); }

}  // namespace

ApiResponse BadRequest(std::string_view reason) {
  std::string line(reason);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return {400, json{{"error", line}}.dump()};
}

Api::Api(std::vector<std::unique_ptr<DemoModel>> models) : models_(std::move(models)) {
  json list = json::array();
  for (const auto& m : models_) {
    const ModelInfo& i = m->info();
    json curve = nullptr;
    if (!i.curve_time_s.empty()) {
      curve = {{"time_s", i.curve_time_s}, {"mean", i.curve_mean}, {"mean_uncompensated", i.curve_mean_uncompensated}};
    }
    list.push_back({{"name", i.name},
                    {"file", i.file},
                    {"backend", i.backend},
                    {"device", i.device},
                    {"dataset", i.dataset},
                    {"accuracy", Number(i.accuracy)},
                    {"energy_per_inference_J", Number(i.energy_per_inference_J)},
                    {"analog", i.analog},
                    {"inputs", i.inputs},
                    {"classes", i.classes},
                    {"accuracy_vs_time", curve}});
  }
  models_json_ = json{{"models", list},
                      {"limits",
                       {{"t_min_s", kMinTimeS},
                        {"t_max_s", kMaxTimeS},
                        {"max_seed", kMaxSeed},
                        {"max_body_bytes", kMaxBodyBytes}}}}
                     .dump();
}

ApiResponse Api::Models() const { return {200, models_json_}; }

ApiResponse Api::Classify(std::string_view body) const {
  try {
    if (body.size() > kMaxBodyBytes) {
      Reject(StrCat("request body is ", body.size(), " bytes, the limit is ", kMaxBodyBytes));
    }
    json req;
    try {
      req = json::parse(body.begin(), body.end());
    } catch (const json::exception& e) {  // syntax, and numbers beyond double (1e999)
      Reject(StrCat("bad JSON: ", e.what()));
    }
    if (!req.is_object()) Reject(StrCat("the body must be a JSON object, got ", TypeName(req)));
    for (const auto& [key, value] : req.items()) {
      static const std::set<std::string> kKeys = {"pixels", "t_seconds", "compensation", "seed", "models"};
      if (!kKeys.count(key)) Reject(StrCat("unknown key '", key, "' (valid: pixels, t_seconds, compensation, seed, models)"));
    }

    // Which models.
    std::vector<const DemoModel*> chosen;
    if (req.contains("models")) {
      const json& names = req["models"];
      if (!names.is_array() || names.empty()) Reject("'models' must be a non-empty array of model names");
      std::set<std::string> seen;
      for (const json& n : names) {
        if (!n.is_string()) Reject(StrCat("'models' holds a ", TypeName(n), ", not a model name"));
        const std::string name = n.get<std::string>();
        if (!seen.insert(name).second) Reject(StrCat("model '", name, "' is listed twice"));
        const DemoModel* found = nullptr;
        for (const auto& m : models_) {
          if (m->info().name == name) found = m.get();
        }
        if (!found) Reject(StrCat("unknown model '", name, "' (GET /api/models lists them)"));
        chosen.push_back(found);
      }
    } else {
      for (const auto& m : models_) chosen.push_back(m.get());
    }

    ClassifyParams p;
    if (req.contains("t_seconds")) {
      const json& t = req["t_seconds"];
      if (!t.is_number()) Reject(StrCat("'t_seconds' must be a number, got ", TypeName(t)));
      p.t_seconds = t.get<double>();
      if (!std::isfinite(p.t_seconds) || p.t_seconds < kMinTimeS || p.t_seconds > kMaxTimeS) {
        Reject(StrCat("'t_seconds' is ", p.t_seconds, ", must be in [", kMinTimeS, ", ", kMaxTimeS, "] (1 s to 10 years)"));
      }
    }
    if (req.contains("compensation")) {
      const json& c = req["compensation"];
      if (!c.is_boolean()) Reject(StrCat("'compensation' must be true or false, got ", TypeName(c)));
      p.compensation = c.get<bool>();
    }
    if (req.contains("seed")) {
      const json& s = req["seed"];
      if (!s.is_number_integer()) Reject(StrCat("'seed' must be an integer, got ", s.dump()));
      if (s.is_number_unsigned() ? s.get<std::uint64_t>() > kMaxSeed : s.get<std::int64_t>() < 0) {
        Reject(StrCat("'seed' is ", s.dump(), ", must be in [0, ", kMaxSeed, "]"));
      }
      p.seed = s.get<std::uint64_t>();
    }

    if (!req.contains("pixels")) Reject("'pixels' is missing (an array of the input image's values in 0..1)");
    const json& px = req["pixels"];
    if (!px.is_array()) Reject(StrCat("'pixels' must be an array, got ", TypeName(px)));
    const Index inputs = models_.front()->info().inputs;
    if (static_cast<Index>(px.size()) != inputs) {
      Reject(StrCat("'pixels' has ", px.size(), " values, the models take ", inputs));
    }
    Matrix x(inputs, 1);
    for (Index i = 0; i < inputs; ++i) {
      const json& v = px[static_cast<size_t>(i)];
      if (!v.is_number()) Reject(StrCat("pixels[", i, "] is ", TypeName(v), ", not a number"));
      const double d = v.get<double>();
      if (!std::isfinite(d)) Reject(StrCat("pixels[", i, "] is not finite"));
      if (d < 0.0 || d > 1.0) Reject(StrCat("pixels[", i, "] is ", d, ", must be in [0, 1]"));
      x(i, 0) = static_cast<float>(d);
    }

    json results = json::array();
    for (const DemoModel* m : chosen) {
      const Classification c = m->Classify(x, p);
      results.push_back({{"name", m->info().name},
                         {"predicted", c.predicted},
                         {"probabilities", c.probabilities},
                         {"energy_J", Number(c.energy_J)}});
    }
    return {200, json{{"t_seconds", p.t_seconds}, {"compensation", p.compensation}, {"seed", p.seed},
                      {"results", results}}
                     .dump()};
  } catch (const Rejected& r) {
    return BadRequest(r.reason);
  }
}

std::vector<std::unique_ptr<DemoModel>> LoadModels(const std::vector<std::string>& files, int workers) {
  if (files.empty()) throw ConfigError("serve: no result files given");
  std::vector<std::unique_ptr<DemoModel>> models;
  std::set<std::string> names;
  for (const std::string& f : files) {
    auto m = std::make_unique<DemoModel>(f, workers);
    std::string name = m->info().name;
    for (int k = 2; names.count(name); ++k) name = StrCat(m->info().name, "-", k);
    names.insert(name);
    m->set_name(name);
    if (!models.empty() && m->info().inputs != models.front()->info().inputs) {
      throw ConfigError(StrCat(f, ": the network takes ", m->info().inputs, " inputs, ", models.front()->info().file,
                               " takes ", models.front()->info().inputs, " (serve needs one input size)"));
    }
    models.push_back(std::move(m));
  }
  return models;
}

}  // namespace pcmsim::serve
