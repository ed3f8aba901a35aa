#pragma once

#include "dsp/SpectrumConfig.h"

namespace vibra::pipeline {

/// User-adjustable processing settings of a device's DSP chain. A value object: the UI sends a copy,
/// the worker applies it between blocks.
struct DspSettings {
    dsp::SpectrumConfig spectrum{};
    double displaySeconds = 2.0; ///< time-view window, 0.1..60 s
    int envelopePoints = 2048;   ///< min/max pairs kept for the time view
    int snapshotHz = 30;         ///< snapshot publication rate
    /// Newest raw samples per axis to publish in DeviceSnapshot::raw (0 = none; at most kMaxRawWindow).
    /// The dashboard uses them for exact cursor values, RMS between cursors and trigger capture.
    int rawWindowSamples = 0;
    static constexpr int kMaxRawWindow = 1 << 18;
};

} // namespace vibra::pipeline
