// Finds the spectral peak near an expected frequency and rates it against the local noise floor. Pure
// functions, thread-safe.
//
// Search: lines whose centre lies within expected * (1 +- toleranceFraction), widened to at least
// +- minToleranceLines lines around the expected line. The peak is the highest local maximum in that window
// (a line above both neighbours), interpolated (PeakInterpolator); its interpolated frequency must lie in the
// window too, else found = false.
// Floor: median density of lines [k - medianHalfWidth, k + medianHalfWidth] except
// [k - excludeHalfWidth, k + excludeHalfWidth] (the peak's own main lobe) and except DC and Nyquist, clipped
// to the spectrum; divided by the median-to-mean ratio of an average of K = frames noise lines,
// (1 - 1/(9K))^3 (Wilson-Hilferty; 0.70 for K = 1, 0.97 for K = 8), to estimate the mean noise density.
#pragma once

#include "dsp/DefectPeak.h"
#include "dsp/Spectrum.h"

#include <cstddef>
#include <string>

namespace vibra::dsp {

struct PeakSearch {
    double toleranceFraction = 0.02; // real bearing lines sit 1-2 % off through slip
    std::size_t minToleranceLines = 1;
    std::size_t medianHalfWidth = 25;
    std::size_t excludeHalfWidth = 0; // 0 = the window's main-lobe half width + 1 (Hann 3, flat-top 6)
};

DefectPeak findPeakNear(const Spectrum& s, double expectedHz, const PeakSearch& search = {},
                        std::string name = {});

// Median-to-mean ratio of an average of k exponential (chi-square, 2 degrees of freedom) lines.
double noiseMedianToMean(double k);

} // namespace vibra::dsp
