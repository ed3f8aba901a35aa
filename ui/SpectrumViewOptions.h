#pragma once

#include "dsp/BearingGeometry.h"
#include "dsp/SpectrumDisplay.h"

namespace vibra::ui {

/// How the spectrum view shows a device's density spectrum (display only; the analysis settings live in
/// pipeline::DspSettings::spectrum). Plain value type.
struct SpectrumViewOptions {
    dsp::SpectrumQuantity quantity = dsp::SpectrumQuantity::AmplitudeRms;
    dsp::SpectrumUnit unit = dsp::SpectrumUnit::Native;
    bool decibel = false;
    bool logFrequency = false;
    bool logMagnitude = true;
    bool showPeakHold = false;
    int peakMarkers = 2;          ///< labelled peaks per axis (0 = none)
    std::uint32_t axisMask = 0x7; ///< bit a: show axis a

    /// Show the envelope (demodulated) spectrum instead of the plain one (the worker must compute it:
    /// DspSettings::envelope).
    bool envelope = false;
    bool zoom = false; ///< show the band-zoom spectrum (DspSettings::zoomFactor > 1) instead of the full one
    /// The envelope band (DspSettings::envelope), for the title and the bearing verdicts (the squared
    /// envelope holds nothing above the band width).
    double envelopeLowHz = 2000;
    double envelopeHighHz = 5000;

    /// Frequency span shown: 0 = automatic (machines: 0-1 kHz linear, whole band on a log axis; envelope:
    /// 5x the highest defect frequency; band zoom: its pass band), < 0 = full range 0..Nyquist, else
    /// 0..spanHz.
    double spanHz = 0;

    // Harmonic cursor: lines at 1x..harmonicCount x of harmonicHz (0 = off).
    double harmonicHz = 0;
    int harmonicCount = 10;

    // Bearing-fault overlay: FTF, BPFO, BPFI, BSF (and 2xBSF) with harmonics, from geometry and speed.
    bool showBearing = false;
    dsp::BearingGeometry bearing{9, 7.94, 39.04, 0.0}; ///< 6205 deep-groove bearing
    double shaftRpm = 1770;
    int bearingHarmonics = 3;
};

} // namespace vibra::ui
