// Interpolated frequency and scalloping-corrected amplitude of a spectral peak: the one way Vibrascope
// reports a tone read from a spectrum (peak lists, analyze, bearing lines, dashboard markers).
//
// Input: a local maximum `line` of a one-sided density (Spectrum::psd, an averaged power spectrum, or
// Spectrum::peakHold). The magnitudes sqrt(P) around it are matched to the window's exact kernel
// (WindowKernel, from Spectrum::window and fftSize):
//   * NeighbourRatio (rectangular, Hann, Hamming, Blackman-Harris): r = sqrt(P[k+s] / P[k]) with s = the side
//     of the larger neighbour; solve K(1 - d) / K(d) = r for d in [0, 0.5]; offset = s d. (Grandke's Hann
//     estimator and Jain's rectangular one are special cases.)
//   * SymmetricRatio (flat-top, whose top is too flat for the neighbour ratio): rho = sqrt(P[k+2] / P[k-2]);
//     solve K(2 - x) / K(2 + x) = rho for x in [-1, 1] (noise may make the line next to the nearest one the
//     maximum of the flat top).
//   * None: the estimate would need DC or the Nyquist line (line < 2 or > size - 3; flat-top < 3 or
//     > size - 4), the line is not a local maximum, or it is empty: line centre, no correction.
// Frequency = (line + offset) * binHz. Amplitude: rms = sqrt(P[line] * ENBW_Hz) / K(offset), the RMS of the
// tone (in the spectrum's unit: g for an acceleration spectrum, unit^2 for an envelope spectrum), which a
// line reads only when the tone is centred on it.
//
// Velocity (1/f-weighted) and other displays: interpolate on the acceleration density (never on a weighted
// trace, whose maximum moves towards low frequencies) and convert the result with the interpolated frequency
// (peakDisplayValue() in SpectrumDisplay.h).
//
// Accuracy (tests in tst_dsp_peaks, docs/dsp.md section 15): for one stationary tone with negligible noise,
// frequency within 2e-4 line and amplitude within 0.01 % for Hann, Hamming, Blackman-Harris and flat-top at
// any offset, 5 lines or more from DC; noise adds a random error (at 40 dB tone-to-noise per line and 15
// averages: <= 0.02 line, <= 0.9 %). A second tone within the main lobe (+-mainLobeHalfWidth lines) biases
// both; the rectangular window also leaks from the tone's negative-frequency image (~1/(2 pi line)).
//
// Threading: PeakInterpolator is an immutable value after construction (const calls are thread-safe); the
// free functions are pure.
#pragma once

#include "dsp/Spectrum.h"
#include "dsp/WindowKernel.h"
#include "dsp/WindowType.h"

#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>

namespace vibra::dsp {

enum class PeakMethod { None, NeighbourRatio, SymmetricRatio };

// "none", "neighbour-ratio", "symmetric-ratio"
std::string_view peakMethodName(PeakMethod method);

struct InterpolatedPeak {
    std::size_t line = 0;   // the local-maximum line the estimate starts from
    double offsetLines = 0; // the tone sits at line + offsetLines (|offset| <= 0.5; flat-top <= 1)
    double frequencyHz = 0; // (line + offsetLines) * binHz
    double rms = 0;         // scalloping-corrected RMS of the tone, in the spectrum's unit
    double lineRms = 0;     // uncorrected line RMS sqrt(P[line] * ENBW_Hz)
    PeakMethod method = PeakMethod::None;

    double peak() const { return std::sqrt(2.0) * rms; } // 0-pk amplitude of the tone
    double lineHz(double binHz) const { return static_cast<double>(line) * binHz; }
};

class PeakInterpolator {
public:
    PeakInterpolator(WindowType window, std::size_t fftSize);

    // `source` has the spectrum's layout (s.psd or s.peakHold); s supplies binHz and enbwHz. A line outside
    // the spectrum gives a zero peak with method None.
    InterpolatedPeak operator()(const Spectrum& s, std::span<const float> source, std::size_t line) const;
    InterpolatedPeak operator()(const Spectrum& s, std::size_t line) const { return (*this)(s, s.psd, line); }

    // The kernel ratio inversion alone: offset of the tone from `line` (0 when not applicable).
    double offset(std::span<const float> source, std::size_t line, PeakMethod* method = nullptr) const;
    const WindowKernel& kernel() const { return m_kernel; }

private:
    WindowKernel m_kernel;
    double m_kHalf = 0; // K(0.5), K(1), K(3): the ends of the brackets
    double m_k1 = 0;
    double m_k3 = 0;
    double m_pairSlope = 1; // slope of ln(K(2 - x) / K(2 + x)) at x = 0
};

// Convenience: a PeakInterpolator for s.window and s.fftSize, applied once.
InterpolatedPeak interpolatePeak(const Spectrum& s, std::size_t line);
InterpolatedPeak interpolatePeak(const Spectrum& s, std::span<const float> source, std::size_t line);

} // namespace vibra::dsp
