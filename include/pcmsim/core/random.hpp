// Random streams: one master seed, every stream derived from (seed, role, index), never
// from thread id or clock. Engines are passed by reference; distributions come from
// Boost.Random, whose algorithms are fixed across standard libraries.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace pcmsim {

// SplitMix64 finaliser: a bijective 64-bit mixer used to derive stream seeds.
constexpr std::uint64_t Mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a hash of a role name ("init", "shuffle", "prog_noise", ...), stable forever.
constexpr std::uint64_t HashRole(std::string_view role) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : role) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// xoshiro256++ (Blackman & Vigna): fast, 256-bit state, passes BigCrush. Satisfies
// UniformRandomBitGenerator so Boost.Random distributions accept it.
class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed = 0) { Seed(seed); }

  void Seed(std::uint64_t seed) {
    std::uint64_t z = seed;
    for (auto& s : s_) {
      z = Mix64(z);
      s = z;
    }
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    const std::uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

 private:
  static constexpr std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// The seed of the stream for (master seed, role, index, sub-index). Use index for the
// layer or tile, sub for a row block or epoch: never a thread id.
constexpr std::uint64_t StreamSeed(std::uint64_t master, std::string_view role,
                                   std::uint64_t index = 0, std::uint64_t sub = 0) {
  return Mix64(Mix64(Mix64(master ^ HashRole(role)) + index) ^ Mix64(sub + 0x5851F42D4C957F2DULL));
}

inline Rng MakeStream(std::uint64_t master, std::string_view role, std::uint64_t index = 0,
                      std::uint64_t sub = 0) {
  return Rng(StreamSeed(master, role, index, sub));
}

}  // namespace pcmsim
