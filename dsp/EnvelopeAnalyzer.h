// Streaming envelope (demodulation) analysis for one axis, after Randall & Antoni (2011):
//  1. band-pass [bandLowHz, bandHighHz] in the frequency domain (raised-cosine skirts of width
//     max(4 bins, 10 % of the band) outside the band, so the pass band itself is flat),
//  2. analytic signal by FFT: only the positive-frequency band bins are kept (x 2), shifted to baseband and
//     inverse-transformed with a shorter FFT of M >= 2 x band bins points (decimation by blockSize / M,
//     without aliasing of the squared envelope),
//  3. squared envelope |z|^2,
//  4. its density spectrum with averaging (an internal SpectrumAnalyzer at envelopeRate(); its
//  window-weighted
//     mean removal takes out the envelope's DC).
// Blocks of blockSize samples advance by blockSize/2 (overlap-save): only the middle half of every inverse
// transform is kept, so the circular wrap-around of the band-pass stays out of the output.
// A unit-amplitude sine in the band gives |z|^2 = 1; x = A (1 + m cos wt) sin(wc t) gives a line at w of
// RMS sqrt(2) m A^2 in the envelope spectrum (unit^2, density unit^4/Hz).
//
// Threading: single-threaded object (one per axis). Streaming: output independent of push() block sizes.
#pragma once

#include "dsp/EnvelopeConfig.h"
#include "dsp/FftPlan.h"
#include "dsp/FrameRing.h"
#include "dsp/SpectrumAnalyzer.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vibra::dsp {

class EnvelopeAnalyzer {
public:
    // Throws std::invalid_argument: block size not a power of two in 256..65536, band outside (0, fs/2),
    // bandLow >= bandHigh, or an invalid spectrum config for the envelope rate.
    EnvelopeAnalyzer(const EnvelopeConfig& config, double sampleRate);

    // Returns the number of envelope-spectrum frames completed.
    std::size_t push(std::span<const float> samples);
    // Density spectrum of the squared envelope (frequency axis at envelopeRate()).
    const Spectrum& spectrum() const { return m_spectrum.spectrum(); }
    void reset();

    const EnvelopeConfig& config() const { return m_config; }
    // The envelope sample rate a config gives at sampleRate (same checks and exceptions as the constructor,
    // without creating FFT plans).
    static double envelopeRateFor(const EnvelopeConfig& config, double sampleRate);
    double envelopeRate() const { return m_envelopeRate; }
    std::size_t decimation() const { return m_config.blockSize / m_m; }
    // Squared-envelope samples produced by the most recent block (blockSize/2/decimation() values).
    const std::vector<float>& lastEnvelope() const { return m_env; }
    // Non-finite input samples replaced by 0 since construction (not cleared by reset()).
    std::uint64_t nonFiniteSamples() const { return m_blocks.nonFiniteSamples(); }

private:
    void processBlock();

    EnvelopeConfig m_config;
    double m_fs;
    std::size_t m_m = 0;       // inverse FFT size
    double m_envelopeRate = 0; // fs * M / L
    std::size_t m_kLo = 0;
    std::vector<float> m_gain; // band mask for lines m_kLo .. m_kLo + m_gain.size() - 1, includes 2 / L
    FftPlan m_forward;
    FftPlan m_inverse;
    FrameRing m_blocks; // last blockSize samples; a block every blockSize / 2 (overlap-save)
    std::vector<float> m_env;
    SpectrumAnalyzer m_spectrum;
};

} // namespace vibra::dsp
