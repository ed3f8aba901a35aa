// Metrics derived from a density spectrum. Band convention (documented in docs/dsp.md): a line k belongs to
// [f1, f2] when f1 <= k * binHz <= f2 (bin centres, inclusive both ends; a relative tolerance of 1e-9 bin
// absorbs rounding of the edge arithmetic). Pure functions, thread-safe.
#pragma once

#include "dsp/Spectrum.h"

#include <cstddef>
#include <utility>

namespace vibra::dsp {

// Inclusive line range [first, last] for [f1, f2]; first > last when the band holds no line.
std::pair<std::size_t, std::size_t> bandLines(const Spectrum& s, double f1, double f2);

// sqrt(sum_{f1<=f_k<=f2} psd[k] * binHz), in the spectrum's unit.
double bandRms(const Spectrum& s, double f1, double f2);

// Velocity RMS in mm/s over [f1, f2] from an acceleration density: psd in unit^2/Hz with
// unit * toMetersPerSecond2 = m/s^2 (9.80665 for g, 1 for m/s^2). DC (f = 0) is always skipped.
// v_rms^2 = sum psd[k] * c^2 / (2 pi f_k)^2 * binHz; result * 1000.
double velocityRmsMmPerS(const Spectrum& s, double f1, double f2, double toMetersPerSecond2);

inline constexpr double kStandardGravity = 9.80665; // m/s^2 per g
inline constexpr double kVelocityBandLowHz = 10.0;  // ISO 2954 / ISO 10816-3 above 600 r/min
inline constexpr double kVelocityBandHighHz = 1000.0;

// Velocity RMS over the default band 10-1000 Hz.
inline double velocityRmsMmPerS(const Spectrum& s, double toMetersPerSecond2) {
    return velocityRmsMmPerS(s, kVelocityBandLowHz, kVelocityBandHighHz, toMetersPerSecond2);
}

// Smallest power-of-two FFT size (256..65536) whose line spacing is <= lowEdgeHz / 2, so that a band starting
// at lowEdgeHz is resolved by the Hann main lobe (+-2 lines): 2 Hz at 16 kHz -> 16384. Returns 65536 when
// even that is too coarse.
std::size_t fftSizeForLowEdge(double sampleRate, double lowEdgeHz);

} // namespace vibra::dsp
