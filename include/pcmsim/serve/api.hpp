// The demo's JSON API without HTTP: GET /api/models and POST /api/classify as functions
// from a request body to a status and a body, so that every bad request is testable
// without a socket. The HTTP layer (src/cli/serve_http.cpp) only routes to these.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/serve/demo_model.hpp"

namespace pcmsim::serve {

// Largest accepted request body, bytes (784 pixels with 17 digits each need ~15 kB).
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON; errors are {"error": "<one line>"}
};

// {"error": reason} with status 400 (reason on one line).
ApiResponse BadRequest(std::string_view reason);

class Api {
 public:
  // Model names must be unique (LoadModels makes them so).
  explicit Api(std::vector<std::unique_ptr<DemoModel>> models);

  // {"models": [{name, file, backend, device, dataset, accuracy, energy_per_inference_J,
  //  analog, inputs, classes, accuracy_vs_time: {time_s, mean, mean_uncompensated} | null}],
  //  "limits": {t_min_s, t_max_s, max_seed, max_body_bytes}}
  ApiResponse Models() const;
  // Body {"pixels": [inputs values in 0..1], "t_seconds": 1..10 y (default 1),
  // "compensation": bool (default true), "seed": 0..2^53-1 (default 0), "models": [names]
  // (default all)} -> {"t_seconds", "compensation", "seed", "results": [{name, predicted,
  // probabilities, energy_J}]}. Anything else (bad JSON, unknown or mistyped keys, wrong
  // length, non-finite or out-of-range values, unknown models, a body over kMaxBodyBytes)
  // -> 400 with a one-line reason.
  ApiResponse Classify(std::string_view body) const;

  const std::vector<std::unique_ptr<DemoModel>>& models() const { return models_; }

 private:
  std::vector<std::unique_ptr<DemoModel>> models_;
  std::string models_json_;
};

// Loads every result file with `workers` copies each; names are the files' stems, with
// "-2", "-3", ... appended to repeats. All models must take the same number of inputs.
std::vector<std::unique_ptr<DemoModel>> LoadModels(const std::vector<std::string>& files, int workers);

}  // namespace pcmsim::serve
