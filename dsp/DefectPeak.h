// A line searched near an expected frequency (e.g. a bearing defect frequency) in a density spectrum, and
// the verdict on it (BearingVerdict.h). Plain value types.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vibra::dsp {

// A confirming line: a harmonic of a defect line, or a shaft-rate sideband of it.
struct LineCheck {
    std::string label;      // "2x", "3x", "-1x shaft", "+1x shaft"
    double expectedHz = 0;  // searched around this (from the measured fundamental)
    bool available = true;  // false: beyond the usable range of the spectrum (not counted either way)
    bool present = false;   // a peak there with marginDb >= the rule's confirmMarginDb
    double frequencyHz = 0; // interpolated, when a peak was found
    double marginDb = 0;    // its margin over the local floor (0 when no peak)
};

struct DefectPeak {
    std::string name; // "FTF", "BPFO", "BPFI", "BSF", "2xBSF" or caller-defined
    double expectedHz = 0;
    // A local maximum within the search window whose interpolated frequency is inside the window too.
    bool found = false;
    std::size_t line = 0;   // the local-maximum line
    double foundHz = 0;     // interpolated frequency (PeakInterpolator)
    double offsetPct = 0;   // 100 (foundHz - expectedHz) / expectedHz
    double level = 0;       // scalloping-corrected line RMS in the spectrum's unit (envelope: unit^2)
    double psd = 0;         // density at the peak line (unit^2/Hz)
    double localMedian = 0; // median density of the surrounding lines (peak lobe excluded)
    double floor = 0;       // noise floor density: localMedian scaled to a mean (docs/dsp.md section 9)
    double ratioDb = 0;     // 10 log10(psd / localMedian): height of the line over the local median
    double marginDb = 0;    // 10 log10(level^2 / (floor ENBW_Hz)): tone power over the noise in one line

    // Verdict (assessDefect / assessBearing; false / empty from findPeakNear alone).
    bool detected = false;
    double confidence = 0;  // 0..1 (docs/dsp.md section 9)
    double thresholdDb = 0; // margin the fundamental needed
    std::vector<LineCheck> harmonics;
    std::vector<LineCheck> sidebands; // BPFI only
    std::vector<std::string> reasons; // human-readable, in the order the rule was applied
};

} // namespace vibra::dsp
