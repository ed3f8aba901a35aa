// Bearing-defect verdicts from an envelope spectrum: is a defect line there, confirmed, and how sure.
// Pure functions, thread-safe.
//
// Rule (parameters in DefectRule, rationale and measured rates in docs/dsp.md section 9). A line is detected
// when all hold:
//   1. a peak (local maximum) within expected * (1 +- 2 %), interpolated (PeakInterpolator) — found;
//   2. its margin over the local floor (findPeakNear) >= marginDb (8 dB, raised for few averages);
//   3. at least minHarmonics (1) of its harmonics 2x, 3x (at h x the measured frequency +-0.2 %, at least +-2
//   lines) stand
//      >= confirmMarginDb (6 dB) above their floor; harmonics beyond maxHz are not available, and a line
//      without any available harmonic cannot be confirmed (not detected);
//   4. BPFI only (shaftHz > 0): at least one sideband at measured -+ shaft rate >= confirmMarginDb.
// confidence (0..1) = mean of the applicable scores: fundamental min(1, margin / (2 marginDb)); harmonics
// present / available; sidebands present / 2. A detected line scores >= 0.5.
#pragma once

#include "dsp/BearingFrequencies.h"
#include "dsp/DefectPeak.h"
#include "dsp/DefectRule.h"
#include "dsp/Spectrum.h"

#include <string>
#include <vector>

namespace vibra::dsp {

// One line: `sidebandShaftHz` > 0 checks (and with requireSidebands requires) sidebands at +-that rate.
DefectPeak assessDefect(const Spectrum& envelope, std::string name, double expectedHz, double sidebandShaftHz,
                        const DefectRule& rule = {});

// FTF, BPFO, BPFI (with shaft sidebands), BSF and 2xBSF, in that order.
std::vector<DefectPeak> assessBearing(const Spectrum& envelope, const BearingFrequencies& f,
                                      const DefectRule& rule = {});

// Margin (dB over the mean) that one line of an average of k noise frames (chi-square, 2k degrees of freedom)
// exceeds with the given probability: 10 log10(t) with P(Gamma(k, 1/k) > t) = probability (k rounded down,
// 1..64). 1e-4: 9.6 dB for k = 1, 6.0 dB for k = 4, 4.6 dB for k = 8 (= scipy.stats.gamma.isf).
double noiseExceedanceDb(double k, double probability);

} // namespace vibra::dsp
