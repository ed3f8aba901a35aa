// Peak lists of a spectrum: the highest tones, each with interpolated frequency and scalloping-corrected
// amplitude (PeakInterpolator). The one function the dashboard, analyze and the alarms call for "the top N
// peaks". Pure functions, thread-safe.
//
//   1. candidates: local maxima of the density (P[k] > P[k-1] and P[k] >= P[k+1]), lines 1 .. size-2 with
//      minHz <= k * binHz <= maxHz; always on the density (acceleration), whatever the display shows;
//   2. pre-selection: highest first by the line value in the ranking unit (Native/Acceleration: P[k];
//      Velocity: P[k] / f_k^2), skipping candidates closer than minSeparationLines to a kept one, up to
//      2 x maxPeaks;
//   3. each is interpolated, the list re-ranked by the corrected amplitude (rms, or rms / f for Velocity) and
//      cut to maxPeaks.
// Convert for display with peakDisplayValue() (SpectrumDisplay.h).
#pragma once

#include "dsp/PeakInterpolator.h"
#include "dsp/Spectrum.h"
#include "dsp/SpectrumDisplay.h"

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace vibra::dsp {

struct PeakListOptions {
    std::size_t maxPeaks = 5;
    // Minimum distance between two listed peaks, in lines; 0 = the window's main-lobe width
    // 2 * mainLobeHalfWidth + 1 (Hann 5, flat-top 11), so one tone is never listed twice.
    std::size_t minSeparationLines = 0;
    double minHz = 0;
    double maxHz = std::numeric_limits<double>::infinity();
    SpectrumUnit rankUnit = SpectrumUnit::Native; // Velocity: rank as a velocity display would
};

// Highest first. `source` is s.psd (default) or s.peakHold.
std::vector<InterpolatedPeak> findPeaks(const Spectrum& s, std::span<const float> source,
                                        const PeakListOptions& options);
inline std::vector<InterpolatedPeak> findPeaks(const Spectrum& s, const PeakListOptions& options = {}) {
    return findPeaks(s, s.psd, options);
}

} // namespace vibra::dsp
