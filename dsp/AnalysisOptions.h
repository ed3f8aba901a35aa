// Options of a one-shot (offline) analysis of one axis: spectrum, metrics, velocity, severity, optional
// envelope and bearing peaks. Plain value type.
#pragma once

#include "dsp/BandMetrics.h"
#include "dsp/BearingGeometry.h"
#include "dsp/EnvelopeConfig.h"
#include "dsp/SpectrumConfig.h"

#include <optional>
#include <string>

namespace vibra::dsp {

struct AnalysisOptions {
    // Welch over the whole record by default (linear average of every frame).
    SpectrumConfig spectrum{.fftSize = 4096,
                            .window = WindowType::Hann,
                            .overlap = 0.5,
                            .averaging = Averaging::Linear,
                            .averages = 0,
                            .backend = FftBackend::Fftw};
    double toMetersPerSecond2 = kStandardGravity; // input unit -> m/s^2 (g: 9.80665; m/s^2: 1)
    double velocityLowHz = kVelocityBandLowHz;
    double velocityHighHz = kVelocityBandHighHz;
    std::string severityPreset;             // SeverityTable id; empty = no zone
    std::optional<EnvelopeConfig> envelope; // envelope spectrum when set
    std::optional<BearingGeometry>
        bearing; // defect peaks in the envelope spectrum (needs envelope and shaftHz)
    double shaftHz = 0;
};

} // namespace vibra::dsp
