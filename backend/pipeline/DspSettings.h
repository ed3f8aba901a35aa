#pragma once

#include "dsp/EnvelopeConfig.h"
#include "dsp/SpectrumConfig.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>

namespace vibra::pipeline {

/// User-adjustable processing settings of a device's DSP chain. A value object: the UI sends a copy,
/// the worker applies it between blocks.
struct DspSettings {
    dsp::SpectrumConfig spectrum{};
    double displaySeconds = 2.0; ///< time-view window, 0.1..60 s
    int envelopePoints = 2048;   ///< min/max pairs kept for the time view
    int snapshotHz = 30;         ///< at most this many snapshots per second per device (1..120)
    // Per-second velocity and severity (a Welch spectrum of each UTC second, Hann, linear average).
    double velocityLowHz = 10.0;    ///< ISO 10816-3 band above 600 r/min; 2 Hz needs a finer spectrum
    double velocityHighHz = 1000.0; ///< clipped to 0.45 x sample rate for slow devices
    std::string severityPreset = "iso10816-3/group2/rigid"; ///< dsp::SeverityTable id; empty = no zone
    /// Envelope spectrum of every axis, computed only when set (on demand: it costs two FFTs per block).
    std::optional<dsp::EnvelopeConfig> envelope;
    /// Band zoom: 1 = off; 2..64 decimates each axis by this factor (anti-aliased, dsp::Decimator) and
    /// computes a second spectrum at rate / zoomFactor with the same settings: zoomFactor times finer lines
    /// over 0 .. 0.8 x the output Nyquist frequency (the decimator's flat pass band).
    int zoomFactor = 1;
    /// Seconds of newest raw samples per axis to publish in DeviceSnapshot::raw (0 = none). The processor
    /// knows the rate and keeps ceil(seconds x rate) + 1 samples, at most kMaxRawWindow. The dashboard uses
    /// them for exact cursor values, RMS between cursors and trigger capture.
    double rawWindowSeconds = 0.0;
    static constexpr std::size_t kMaxRawWindow = std::size_t{1} << 18;

    /// Raw window in samples per axis at this sample rate (0 when disabled).
    std::size_t rawWindowSamples(double sampleRate) const {
        if (!(rawWindowSeconds > 0.0) || !(sampleRate > 0.0))
            return 0;
        const double n = std::ceil(rawWindowSeconds * sampleRate) + 1.0;
        return static_cast<std::size_t>(std::min(n, static_cast<double>(kMaxRawWindow)));
    }
};

} // namespace vibra::pipeline
