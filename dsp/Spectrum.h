// Result of the spectrum engine: one-sided PSD (scipy welch 'density' scaling) plus a separate peak hold.
// Plain value type; the owner (SpectrumAnalyzer) updates it on its own thread.
#pragma once

#include "dsp/WindowType.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vibra::dsp {

struct Spectrum {
    double sampleRate = 0;
    std::size_t fftSize = 0;
    double binHz = 0;                     // fs / N
    double enbwHz = 0;                    // fs * S2 / S1^2
    WindowType window = WindowType::Hann; // the analysis window (its kernel shapes every peak)
    std::vector<float> psd; // one-sided density unit^2/Hz, fftSize/2+1 lines (scipy welch 'density' scaling)
    std::vector<float> peakHold; // same scaling, per-line max over single frames since reset
    std::uint64_t frames = 0;    // frames in the current average

    double frequency(std::size_t k) const { return static_cast<double>(k) * binHz; }
    // RMS of a tone centred on line k (power-spectrum scaling): sqrt(psd[k] * ENBW_Hz).
    double lineRms(std::size_t k) const {
        return k < psd.size() ? std::sqrt(static_cast<double>(psd[k]) * enbwHz) : 0.0;
    }
    // 0-pk amplitude of a tone centred on line k: sqrt(2) * lineRms(k).
    double linePeak(std::size_t k) const { return std::sqrt(2.0) * lineRms(k); }
    // Same as lineRms on the peak-hold trace.
    double peakHoldLineRms(std::size_t k) const {
        return k < peakHold.size() ? std::sqrt(static_cast<double>(peakHold[k]) * enbwHz) : 0.0;
    }
    std::size_t lines() const { return psd.size(); }
};

} // namespace vibra::dsp
