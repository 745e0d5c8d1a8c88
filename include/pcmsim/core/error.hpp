// One error policy for pcmsim: user mistakes throw a pcmsim::Error subtype whose message
// names what and where; broken invariants trip PCMSIM_CHECK (never compiled out in tests).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace pcmsim {

// Base of every error a user can cause (bad file, key, value or dimension).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A config file or --set override is wrong: unknown key, wrong type, out of range.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A file cannot be read or written, or its content is malformed.
class IoError : public Error {
 public:
  using Error::Error;
};

// Shapes that do not fit together (e.g. a 784-input layer fed 780 features).
class DimensionError : public Error {
 public:
  using Error::Error;
};

namespace internal {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line, const std::string& msg);
}  // namespace internal

// Concatenate streamable arguments into a string: StrCat("key ", name, " = ", value).
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

}  // namespace pcmsim

// Invariant check for programming errors inside pcmsim (not for user input). Always on:
// the cost is one predictable branch, and a silent corruption costs far more.
#define PCMSIM_CHECK(cond, ...)                                                        \
  do {                                                                                 \
    if (!(cond)) [[unlikely]]                                                          \
      ::pcmsim::internal::CheckFailed(#cond, __FILE__, __LINE__,                       \
                                      ::pcmsim::StrCat("" __VA_OPT__(, ) __VA_ARGS__)); \
  } while (0)
