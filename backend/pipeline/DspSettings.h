#pragma once

#include "dsp/EnvelopeConfig.h"
#include "dsp/SpectrumConfig.h"

#include <optional>
#include <string>

namespace vibra::pipeline {

/// User-adjustable processing settings of a device's DSP chain. A value object: the UI sends a copy,
/// the worker applies it between blocks.
struct DspSettings {
    dsp::SpectrumConfig spectrum{};
    double displaySeconds = 2.0; ///< time-view window, 0.1..60 s
    int envelopePoints = 2048;   ///< min/max pairs kept for the time view
    int snapshotHz = 30;         ///< snapshot publication rate
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
    /// Newest raw samples per axis to publish in DeviceSnapshot::raw (0 = none; at most kMaxRawWindow).
    /// The dashboard uses them for exact cursor values, RMS between cursors and trigger capture.
    int rawWindowSamples = 0;
    static constexpr int kMaxRawWindow = 1 << 18;
};

} // namespace vibra::pipeline
