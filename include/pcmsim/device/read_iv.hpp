// Read I-V law of a PCM cell (PcmParams read.iv_*): the amorphous segment's current grows
// like sinh(V / V_0) (trap-limited, Poole-Frenkel-type transport), the projection segment is
// ohmic. Inputs x in [-1, 1] are encoded as a read voltage x V_r (amplitude) or as a pulse of
// width |x| T at the fixed voltage +-V_r (pulse width). No I/O.
#pragma once

#include <cmath>
#include <string_view>

namespace pcmsim::device {

enum class InputEncoding {
  kPulseWidth,  // fixed voltage V_r for |x| T: charge exactly proportional to x (linear)
  kAmplitude,   // voltage x V_r: the amorphous current follows the sinh law
};
std::string_view ToString(InputEncoding e);

// Normalised amorphous current at input x for u = V_r / V_0: sinh(x u) / sinh(u), equal to x
// at x = +-1 and for u = 0 exactly (the ohmic limit returns x itself, bit for bit).
inline double SinhShape(double x, double u) {
  if (u == 0.0) return x;
  return std::sinh(x * u) / std::sinh(u);
}

// Current of one cell in units of V_r, given its chord conductance G at V_r and the
// amorphous share s of its current: G ((1 - s) x + s SinhShape(x, u)) for amplitude
// encoding, G x for pulse-width encoding.
inline double CellCurrent(double g, double share, double x, double u, InputEncoding e) {
  if (e == InputEncoding::kPulseWidth || u == 0.0) return g * x;
  return g * ((1.0 - share) * x + share * SinhShape(x, u));
}

}  // namespace pcmsim::device
