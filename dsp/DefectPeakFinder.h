// Finds spectral peaks near expected frequencies and rates them against the local median. Pure functions.
//
// Search: lines whose centre lies within expected * (1 +- toleranceFraction), widened to at least
// +- minToleranceLines lines around the expected line (slip moves real peaks 1-2 %). The peak is the highest
// line in that window. Local median: median density of lines [k - medianHalfWidth, k + medianHalfWidth]
// except [k - excludeHalfWidth, k + excludeHalfWidth] (the peak's own main lobe), clipped to the spectrum.
#pragma once

#include "dsp/BearingFrequencies.h"
#include "dsp/DefectPeak.h"
#include "dsp/Spectrum.h"

#include <string>
#include <vector>

namespace vibra::dsp {

struct PeakSearch {
    double toleranceFraction = 0.03;
    std::size_t minToleranceLines = 1;
    std::size_t medianHalfWidth = 25;
    std::size_t excludeHalfWidth = 2;
};

DefectPeak findPeakNear(const Spectrum& s, double expectedHz, const PeakSearch& search = {},
                        std::string name = {});
// FTF, BPFO, BPFI, BSF and 2xBSF, in that order.
std::vector<DefectPeak> findBearingPeaks(const Spectrum& envelope, const BearingFrequencies& f,
                                         const PeakSearch& search = {});

} // namespace vibra::dsp
