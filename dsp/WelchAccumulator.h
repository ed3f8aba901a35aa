// Linear Welch average of one stream, lean in memory, for the always-on per-second velocity of every device:
// the same frames, mean removal, window, FFT and one-sided density scaling as SpectrumAnalyzer with
// Averaging::Linear and averages = 0 (bit-identical results, tested), but it keeps only what must persist
// between frames: the frame ring and the running double sum. The window is shared between all accumulators of
// the same type and size (process-wide cache) and the FFT plan with its buffers is per thread, so an idle
// device costs 12 bytes per FFT point (8192 points: 96 kB per axis) instead of ~26.
// Threading: single-threaded object; different accumulators may run concurrently on different threads.
#pragma once

#include "dsp/FrameRing.h"
#include "dsp/Spectrum.h"
#include "dsp/WindowType.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vibra::dsp {

class WelchAccumulator {
public:
    /// Throws std::invalid_argument like SpectrumAnalyzer for a bad size, overlap or rate.
    WelchAccumulator(std::size_t fftSize, double overlap, WindowType window, double sampleRate,
                     bool removeMean = true);

    /// Appends samples; processes every frame that completes. Returns the number of frames completed.
    std::size_t push(std::span<const float> samples);
    /// Frames in the current average.
    std::uint64_t frames() const { return m_frames; }
    /// The average so far as a Spectrum (psd filled, peakHold empty); frames == 0 before the first frame.
    Spectrum spectrum() const;
    /// Clears the average and the sample history.
    void reset();

    std::size_t fftSize() const { return m_fftSize; }
    std::size_t hop() const { return m_ring.hop(); }

private:
    void processFrame();

    std::size_t m_fftSize;
    double m_fs;
    WindowType m_windowType;
    bool m_removeMean;
    std::shared_ptr<const std::vector<float>> m_window; ///< shared by every accumulator of this type and size
    double m_windowSum;                                 // S1
    double m_scale;                                     // 1 / (fs * S2)
    double m_enbwHz;
    FrameRing m_ring;
    std::vector<double> m_sum; ///< sum of frame densities (exact mean: sum / frames)
    std::uint64_t m_frames = 0;
};

} // namespace vibra::dsp
