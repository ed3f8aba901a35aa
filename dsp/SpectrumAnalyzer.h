// Streaming spectrum engine for one axis: frames of fftSize samples every hop samples, window-weighted mean
// removal, window, real FFT, one-sided density, averaging and peak hold.
//
// Threading: a SpectrumAnalyzer is a single-threaded object (one per axis, owned by the thread that pushes);
// different analyzers may run concurrently on different threads (FFTW plans are shared via FftPlan).
// Streaming: state carries across push() calls, so the result does not depend on how the input is split.
#pragma once

#include "dsp/FftPlan.h"
#include "dsp/FrameRing.h"
#include "dsp/Spectrum.h"
#include "dsp/SpectrumConfig.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vibra::dsp {

class SpectrumAnalyzer {
public:
    // Throws std::invalid_argument on a bad config (size, overlap, averages) or a non-positive sample rate.
    SpectrumAnalyzer(const SpectrumConfig& config, double sampleRate);

    // Appends samples; processes every frame that completes. Returns the number of frames completed.
    std::size_t push(std::span<const float> samples);
    // Current average (frames == 0 before the first frame).
    const Spectrum& spectrum() const;
    // Clears the average, the peak hold and the sample history.
    void reset();
    // Clears the peak hold only.
    void resetPeakHold();
    const SpectrumConfig& config() const;

    std::size_t hop() const { return m_hop; }
    // Density of the most recent single frame (same scaling as psd), for callers that average elsewhere.
    const std::vector<float>& lastFrame() const { return m_frame; }
    // Non-finite input samples (NaN, Inf) replaced by 0 since construction (not cleared by reset()).
    std::uint64_t nonFiniteSamples() const { return m_frames.nonFiniteSamples(); }
    // Effective exponential weight M (after timeConstantS conversion).
    double exponentialWeight() const { return m_expM; }

private:
    void processFrame();

    SpectrumConfig m_config;
    double m_fs;
    std::size_t m_hop;
    double m_expM;
    std::vector<float> m_window;
    double m_windowSum; // S1
    double m_scale;     // 1 / (fs * S2)
    FftPlan m_fft;
    FrameRing m_frames;              // last fftSize samples; a frame every hop
    std::vector<float> m_frame;      // one-sided density of the latest frame
    std::vector<double> m_linearSum; // Linear averaging: sum of frame densities
    Spectrum m_spectrum;
};

} // namespace vibra::dsp
