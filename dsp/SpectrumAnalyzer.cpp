#include "dsp/SpectrumAnalyzer.h"

#include "dsp/SampleSanitizer.h"
#include "dsp/Window.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace vibra::dsp {

namespace {

const SpectrumConfig& validated(const SpectrumConfig& c, double fs) {
    if (!(fs > 0) || !std::isfinite(fs))
        throw std::invalid_argument("sample rate must be positive and finite");
    if (c.fftSize < SpectrumConfig::kMinFftSize || c.fftSize > SpectrumConfig::kMaxFftSize ||
        c.fftSize % 2 != 0)
        throw std::invalid_argument("FFT size must be even and within 256..65536, got " +
                                    std::to_string(c.fftSize));
    if (!(c.overlap >= 0.0 && c.overlap <= SpectrumConfig::kMaxOverlap))
        throw std::invalid_argument("overlap must be within 0..0.9");
    if (c.averaging == Averaging::Exponential && c.averages == 0 && !(c.timeConstantS > 0))
        throw std::invalid_argument("exponential averaging needs averages >= 1 or a time constant");
    if (!(c.timeConstantS >= 0) || !std::isfinite(c.timeConstantS))
        throw std::invalid_argument("time constant must be >= 0 and finite");
    return c;
}

std::size_t hopFor(const SpectrumConfig& c) {
    const auto overlapSamples =
        static_cast<std::size_t>(std::llround(c.overlap * static_cast<double>(c.fftSize)));
    return std::max<std::size_t>(1, c.fftSize - std::min(overlapSamples, c.fftSize - 1));
}

} // namespace

SpectrumAnalyzer::SpectrumAnalyzer(const SpectrumConfig& config, double sampleRate)
    : m_config(validated(config, sampleRate))
    , m_fs(sampleRate)
    , m_hop(hopFor(config))
    , m_expM(1)
    , m_window(makeWindow(config.window, config.fftSize))
    , m_windowSum(0)
    , m_scale(0)
    , m_fft(config.backend, config.fftSize, FftKind::RealForward)
    , m_frames(config.fftSize, m_hop)
    , m_frame(config.fftSize / 2 + 1, 0.0f) {
    const WindowSums sums = windowSums(m_window);
    m_windowSum = sums.s1;
    m_scale = 1.0 / (m_fs * sums.s2);
    if (config.averaging == Averaging::Exponential) {
        if (config.timeConstantS > 0)
            m_expM = std::max(1.0, config.timeConstantS * m_fs / static_cast<double>(m_hop));
        else
            m_expM = static_cast<double>(config.averages);
    }
    m_spectrum.sampleRate = m_fs;
    m_spectrum.fftSize = config.fftSize;
    m_spectrum.window = config.window;
    m_spectrum.binHz = m_fs / static_cast<double>(config.fftSize);
    m_spectrum.enbwHz = m_fs * sums.s2 / (sums.s1 * sums.s1);
    m_spectrum.psd.assign(config.fftSize / 2 + 1, 0.0f);
    m_spectrum.peakHold.assign(config.fftSize / 2 + 1, 0.0f);
    if (config.averaging == Averaging::Linear)
        m_linearSum.assign(config.fftSize / 2 + 1, 0.0);
}

const Spectrum& SpectrumAnalyzer::spectrum() const {
    return m_spectrum;
}
const SpectrumConfig& SpectrumAnalyzer::config() const {
    return m_config;
}

void SpectrumAnalyzer::reset() {
    m_frames.reset();
    std::fill(m_frame.begin(), m_frame.end(), 0.0f);
    std::fill(m_spectrum.psd.begin(), m_spectrum.psd.end(), 0.0f);
    std::fill(m_linearSum.begin(), m_linearSum.end(), 0.0);
    resetPeakHold();
    m_spectrum.frames = 0;
}

void SpectrumAnalyzer::resetPeakHold() {
    std::fill(m_spectrum.peakHold.begin(), m_spectrum.peakHold.end(), 0.0f);
}

std::size_t SpectrumAnalyzer::push(std::span<const float> samples) {
    return m_frames.push(samples, [this] { processFrame(); });
}

void SpectrumAnalyzer::processFrame() {
    const std::size_t n = m_config.fftSize;
    const float* w = m_window.data();
    // The frame, oldest first, is the ring's older part followed by its newer part.
    const std::size_t firstLen = m_frames.older().size();
    const float* seg1 = m_frames.older().data();
    const float* seg2 = m_frames.newer().data();
    const std::size_t secondLen = m_frames.newer().size();

    float mean = 0.0f;
    if (m_config.removeMean) {
        double acc = 0;
#pragma omp simd reduction(+ : acc)
        for (std::size_t i = 0; i < firstLen; ++i)
            acc += static_cast<double>(w[i]) * seg1[i];
        const float* w2 = w + firstLen;
#pragma omp simd reduction(+ : acc)
        for (std::size_t i = 0; i < secondLen; ++i)
            acc += static_cast<double>(w2[i]) * seg2[i];
        mean = static_cast<float>(acc / m_windowSum);
    }

    float* in = m_fft.realInput();
#pragma omp simd
    for (std::size_t i = 0; i < firstLen; ++i)
        in[i] = w[i] * (seg1[i] - mean);
    {
        const float* w2 = w + firstLen;
        float* in2 = in + firstLen;
#pragma omp simd
        for (std::size_t i = 0; i < secondLen; ++i)
            in2[i] = w2[i] * (seg2[i] - mean);
    }

    m_fft.execute();

    const std::size_t lines = n / 2 + 1;
    const float* X = reinterpret_cast<const float*>(m_fft.output()); // interleaved re, im
    float* P = m_frame.data();
    const float scale = static_cast<float>(m_scale);
    const float scale2 = static_cast<float>(2.0 * m_scale);
#pragma omp simd
    for (std::size_t k = 0; k < lines; ++k) {
        const float re = X[2 * k];
        const float im = X[2 * k + 1];
        P[k] = (re * re + im * im) * scale2;
    }
    // DC and Nyquist (N even) are not doubled.
    P[0] = (X[0] * X[0] + X[1] * X[1]) * scale;
    P[lines - 1] =
        (X[2 * (lines - 1)] * X[2 * (lines - 1)] + X[2 * (lines - 1) + 1] * X[2 * (lines - 1) + 1]) * scale;

    float* Y = m_spectrum.psd.data();
    float* H = m_spectrum.peakHold.data();
    const std::uint64_t next = m_spectrum.frames + 1;
    bool updateAverage = true;
    double m = 1;
    if (m_config.averaging == Averaging::Linear) {
        if (m_config.averages != 0 && m_spectrum.frames >= m_config.averages)
            updateAverage = false; // complete: hold
        else
            m = static_cast<double>(next);
    } else {
        m = std::min(static_cast<double>(next), m_expM);
    }
    if (updateAverage && m_config.averaging == Averaging::Linear) {
        // Exact mean: double sum / count (float running means drift over very long records).
        double* sum = m_linearSum.data();
        const double inv = 1.0 / m;
#pragma omp simd
        for (std::size_t k = 0; k < lines; ++k) {
            sum[k] += P[k];
            Y[k] = static_cast<float>(sum[k] * inv);
        }
        m_spectrum.frames = next;
    } else if (updateAverage) {
        const float a = static_cast<float>(1.0 / m);
        const float b = 1.0f - a;
#pragma omp simd
        for (std::size_t k = 0; k < lines; ++k)
            Y[k] = b * Y[k] + a * P[k];
        m_spectrum.frames = next;
    }
#pragma omp simd
    for (std::size_t k = 0; k < lines; ++k)
        H[k] = std::max(H[k], P[k]);
}

} // namespace vibra::dsp
