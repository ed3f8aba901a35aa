// Configuration of a SpectrumAnalyzer. Plain value type.
#pragma once

#include "dsp/FftBackend.h"
#include "dsp/WindowType.h"

#include <cstddef>

namespace vibra::dsp {

// Linear: equal-weight (Welch 'mean') average of the first `averages` frames after reset(), then the average
//         holds (frames stops at `averages`; peak hold keeps updating). averages == 0 means no limit: the
//         average of every frame since reset() (offline analysis of a whole file).
// Exponential: Y_i = (1 - 1/M) Y_{i-1} + (1/M) X_i with M = min(i, averages) (so the first frames are an
//         unbiased linear average), or M derived from timeConstantS when that is > 0: M = tau * fs / hop.
enum class Averaging { Linear, Exponential };

struct SpectrumConfig {
    std::size_t fftSize = 4096; // 256..65536, even
    WindowType window = WindowType::Hann;
    double overlap = 0.5; // 0..0.9; hop = fftSize - round(overlap * fftSize)
    Averaging averaging = Averaging::Exponential;
    std::size_t averages = 8;
    FftBackend backend = FftBackend::Fftw;
    double timeConstantS =
        0;                  // Exponential only: > 0 overrides `averages` with M = tau / hop duration (M >= 1)
    bool removeMean = true; // window-weighted mean removal: x - sum(w x) / sum(w), per frame

    static constexpr std::size_t kMinFftSize = 256;
    static constexpr std::size_t kMaxFftSize = 65536;
    static constexpr double kMaxOverlap = 0.9;
};

} // namespace vibra::dsp
