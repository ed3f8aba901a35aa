// Result of analyzeAxis(): everything Vibrascope reports for one axis of a record. Plain value type.
#pragma once

#include "dsp/BearingFrequencies.h"
#include "dsp/DefectPeak.h"
#include "dsp/Moments.h"
#include "dsp/SeverityZone.h"
#include "dsp/Spectrum.h"

#include <optional>
#include <vector>

namespace vibra::dsp {

struct AxisAnalysis {
    Moments moments;            // time domain, whole record
    Spectrum spectrum;          // averaged density (+ peak hold)
    double velocityRmsMmS = 0;  // over [velocityLowHz, velocityHighHz]
    double accelerationRms = 0; // band RMS over the same band, input unit
    // False when the line spacing is coarser than velocityLowHz / 2 (the Hann main lobe smears the lower
    // edge): raise the FFT size to fftSizeForLowEdge(fs, velocityLowHz).
    bool velocityBandResolved = true;
    SeverityZone zone = SeverityZone::Unknown;
    std::size_t dominantLine = 0; // highest PSD line above DC
    std::optional<Spectrum> envelope;
    std::optional<BearingFrequencies> bearingFrequencies;
    std::vector<DefectPeak> bearingPeaks; // FTF, BPFO, BPFI, BSF, 2xBSF
};

} // namespace vibra::dsp
