// Configuration of an EnvelopeAnalyzer. Plain value type.
#pragma once

#include "dsp/SpectrumConfig.h"

#include <cstddef>

namespace vibra::dsp {

struct EnvelopeConfig {
    double bandLowHz = 2000; // band-pass around the resonance the impacts excite
    double bandHighHz = 5000;
    std::size_t blockSize =
        4096; // band-pass / analytic-signal FFT size (power of two, 256..65536), hop blockSize/2
    // Spectrum of the squared envelope (sample rate = envelopeRate()). fftSize etc. as for SpectrumAnalyzer.
    SpectrumConfig spectrum{.fftSize = 4096,
                            .window = WindowType::Hann,
                            .overlap = 0.5,
                            .averaging = Averaging::Linear,
                            .averages = 8,
                            .backend = FftBackend::Fftw};
};

} // namespace vibra::dsp
