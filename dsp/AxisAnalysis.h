// Result of analyzeAxis(): everything Vibrascope reports for one axis of a record. Plain value type.
#pragma once

#include "dsp/BearingFrequencies.h"
#include "dsp/DefectPeak.h"
#include "dsp/Moments.h"
#include "dsp/PeakInterpolator.h"
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
    std::size_t dominantLine = 0;        // highest PSD line above DC
    InterpolatedPeak dominant;           // that line, interpolated
    std::vector<InterpolatedPeak> peaks; // top peakCount spectral peaks (findPeaks), highest first
    // With shaftHz > 0: 1x, 2x, ... searched within +-2 % (at least +-1 line), interpolated, with margins.
    std::vector<DefectPeak> shaftHarmonics;
    std::optional<Spectrum> envelope;
    std::vector<InterpolatedPeak> envelopePeaks; // top peakCount envelope-spectrum peaks
    std::optional<BearingFrequencies> bearingFrequencies;
    std::vector<DefectPeak> bearingPeaks; // verdicts: FTF, BPFO, BPFI, BSF, 2xBSF (assessBearing)
};

} // namespace vibra::dsp
