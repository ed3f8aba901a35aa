// Options of a one-shot (offline) analysis of one axis: spectrum, metrics, velocity, severity, optional
// envelope and bearing peaks. Plain value type.
#pragma once

#include "dsp/BandMetrics.h"
#include "dsp/BearingGeometry.h"
#include "dsp/DefectRule.h"
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
        bearing; // defect verdicts in the envelope spectrum (needs envelope and shaftHz)
    // Shaft speed in Hz: > 0 also reports the shaft harmonics 1x .. shaftHarmonics x in the spectrum.
    double shaftHz = 0;
    std::size_t shaftHarmonics = 3;
    std::size_t peakCount = 5; // spectral (and envelope) peaks listed, interpolated
    DefectRule defectRule;     // maxHz is set to the envelope band width
    // With a bearing: the envelope spectrum averages the whole record (linear, averages = 0) with the finest
    // power-of-two size that still gives >= 8 frames at 50 % overlap, and no finer than FTF / 400
    // (envelopeSpectrumSize()); the envelope config's own size and averaging are used when false.
    bool autoEnvelopeResolution = true;
};

// Envelope spectrum size for a record of envelopeSamples at envelopeRate, finest line wanted lineHz:
// min(smallest power of two with rate / N <= lineHz, largest with envelopeSamples >= 4.5 N), within
// 256..65536.
std::size_t envelopeSpectrumSize(double envelopeRate, double envelopeSamples, double lineHz);

} // namespace vibra::dsp
