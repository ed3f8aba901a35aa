#include "dsp/EnvelopeAnalyzer.h"

#include "dsp/SampleSanitizer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace vibra::dsp {

namespace {

struct Plan {
    std::size_t kLo = 0;
    std::size_t kHi = 0;
    std::size_t m = 0;
};

Plan planFor(const EnvelopeConfig& c, double fs) {
    if (!(fs > 0) || !std::isfinite(fs))
        throw std::invalid_argument("sample rate must be positive and finite");
    const std::size_t l = c.blockSize;
    if (l < 256 || l > 65536 || !std::has_single_bit(l))
        throw std::invalid_argument("envelope block size must be a power of two within 256..65536");
    if (!(c.bandLowHz > 0 && c.bandHighHz > c.bandLowHz && c.bandHighHz < fs / 2))
        throw std::invalid_argument("envelope band must satisfy 0 < low < high < fs/2");
    const double df = fs / static_cast<double>(l);
    if (c.bandHighHz - c.bandLowHz < 2 * df)
        throw std::invalid_argument("envelope band narrower than two FFT lines: raise blockSize");
    const double taper = std::max(4 * df, 0.1 * (c.bandHighHz - c.bandLowHz));
    Plan p;
    p.kLo = static_cast<std::size_t>(std::max(1.0, std::floor((c.bandLowHz - taper) / df)));
    p.kHi = static_cast<std::size_t>(
        std::min(static_cast<double>(l / 2), std::ceil((c.bandHighHz + taper) / df)));
    const std::size_t bins = p.kHi - p.kLo + 1;
    p.m = std::min(l, std::max<std::size_t>(16, std::bit_ceil(2 * bins)));
    return p;
}

} // namespace

double EnvelopeAnalyzer::envelopeRateFor(const EnvelopeConfig& config, double sampleRate) {
    return sampleRate * static_cast<double>(planFor(config, sampleRate).m) /
           static_cast<double>(config.blockSize);
}

EnvelopeAnalyzer::EnvelopeAnalyzer(const EnvelopeConfig& config, double sampleRate)
    : m_config(config)
    , m_fs(sampleRate)
    , m_m(planFor(config, sampleRate).m)
    , m_envelopeRate(sampleRate * static_cast<double>(m_m) / static_cast<double>(config.blockSize))
    , m_forward(config.spectrum.backend, config.blockSize, FftKind::RealForward)
    , m_inverse(config.spectrum.backend, m_m, FftKind::ComplexInverse)
    , m_blocks(config.blockSize, config.blockSize / 2)
    , m_spectrum(config.spectrum, m_envelopeRate) {
    const Plan p = planFor(config, sampleRate);
    m_kLo = p.kLo;
    const double df = sampleRate / static_cast<double>(config.blockSize);
    const double taper = std::max(4 * df, 0.1 * (config.bandHighHz - config.bandLowHz));
    const double norm = 2.0 / static_cast<double>(config.blockSize); // analytic x2, inverse FFT 1/L
    for (std::size_t k = p.kLo; k <= p.kHi; ++k) {
        const double f = static_cast<double>(k) * df;
        double g = 1.0;
        if (f < config.bandLowHz)
            g = f <= config.bandLowHz - taper
                    ? 0.0
                    : 0.5 * (1 + std::cos(std::numbers::pi * (config.bandLowHz - f) / taper));
        else if (f > config.bandHighHz)
            g = f >= config.bandHighHz + taper
                    ? 0.0
                    : 0.5 * (1 + std::cos(std::numbers::pi * (f - config.bandHighHz) / taper));
        m_gain.push_back(static_cast<float>(g * norm));
    }
    m_env.reserve(m_m / 2);
}

void EnvelopeAnalyzer::reset() {
    m_blocks.reset();
    m_env.clear();
    m_spectrum.reset();
}

std::size_t EnvelopeAnalyzer::push(std::span<const float> samples) {
    std::size_t frames = 0;
    m_blocks.push(samples, [this, &frames] {
        processBlock();
        frames += m_spectrum.push(m_env);
    });
    return frames;
}

void EnvelopeAnalyzer::processBlock() {
    float* in = m_forward.realInput();
    m_blocks.copyFrameTo(in);
    m_forward.execute();
    const std::complex<float>* x = m_forward.output();
    std::complex<float>* z = m_inverse.complexInput();
    std::fill(z, z + m_m, std::complex<float>{});
    for (std::size_t b = 0; b < m_gain.size(); ++b)
        z[b] = x[m_kLo + b] * m_gain[b];
    m_inverse.execute();
    const std::complex<float>* y = m_inverse.output();
    m_env.resize(m_m / 2);
    for (std::size_t i = 0; i < m_m / 2; ++i)
        m_env[i] = std::norm(y[m_m / 4 + i]);
}

} // namespace vibra::dsp
