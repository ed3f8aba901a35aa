#include "dsp/WelchAccumulator.h"

#include "dsp/FftPlan.h"
#include "dsp/SpectrumConfig.h"
#include "dsp/Window.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace vibra::dsp {

namespace {

std::shared_ptr<const std::vector<float>> sharedWindow(WindowType type, std::size_t n) {
    static std::mutex mutex;
    static std::map<std::pair<int, std::size_t>, std::shared_ptr<const std::vector<float>>> cache;
    std::lock_guard lock(mutex);
    auto& w = cache[{static_cast<int>(type), n}];
    if (!w)
        w = std::make_shared<const std::vector<float>>(makeWindow(type, n));
    return w;
}

/// The calling thread's real-forward plan of size n (plans and their buffers are reused by every accumulator
/// the thread runs; one frame is transformed at a time).
FftPlan& threadPlan(std::size_t n) {
    thread_local std::map<std::size_t, FftPlan> plans;
    auto it = plans.find(n);
    if (it == plans.end())
        it = plans.emplace(n, FftPlan(SpectrumConfig{}.backend, n, FftKind::RealForward)).first;
    return it->second;
}

std::vector<float>& threadScratch(std::size_t n) {
    thread_local std::vector<float> scratch;
    if (scratch.size() < n)
        scratch.resize(n);
    return scratch;
}

std::size_t hopFor(std::size_t n, double overlap) {
    const auto overlapSamples = static_cast<std::size_t>(std::llround(overlap * static_cast<double>(n)));
    return std::max<std::size_t>(1, n - std::min(overlapSamples, n - 1));
}

std::size_t validatedSize(std::size_t n, double overlap, double fs) {
    if (!(fs > 0) || !std::isfinite(fs))
        throw std::invalid_argument("sample rate must be positive and finite");
    if (n < SpectrumConfig::kMinFftSize || n > SpectrumConfig::kMaxFftSize || n % 2 != 0)
        throw std::invalid_argument("FFT size must be even and within 256..65536, got " + std::to_string(n));
    if (!(overlap >= 0.0 && overlap <= SpectrumConfig::kMaxOverlap))
        throw std::invalid_argument("overlap must be within 0..0.9");
    return n;
}

} // namespace

WelchAccumulator::WelchAccumulator(std::size_t fftSize, double overlap, WindowType window, double sampleRate,
                                   bool removeMean)
    : m_fftSize(validatedSize(fftSize, overlap, sampleRate))
    , m_fs(sampleRate)
    , m_windowType(window)
    , m_removeMean(removeMean)
    , m_window(sharedWindow(window, fftSize))
    , m_ring(fftSize, hopFor(fftSize, overlap))
    , m_sum(fftSize / 2 + 1, 0.0) {
    const WindowSums sums = windowSums(*m_window);
    m_windowSum = sums.s1;
    m_scale = 1.0 / (m_fs * sums.s2);
    m_enbwHz = m_fs * sums.s2 / (sums.s1 * sums.s1);
}

std::size_t WelchAccumulator::push(std::span<const float> samples) {
    return m_ring.push(samples, [this] { processFrame(); });
}

void WelchAccumulator::reset() {
    m_ring.reset();
    std::fill(m_sum.begin(), m_sum.end(), 0.0);
    m_frames = 0;
}

Spectrum WelchAccumulator::spectrum() const {
    Spectrum s;
    s.sampleRate = m_fs;
    s.fftSize = m_fftSize;
    s.window = m_windowType;
    s.binHz = m_fs / static_cast<double>(m_fftSize);
    s.enbwHz = m_enbwHz;
    s.frames = m_frames;
    s.psd.assign(m_sum.size(), 0.0f);
    if (m_frames > 0) {
        const double inv = 1.0 / static_cast<double>(m_frames);
        for (std::size_t k = 0; k < m_sum.size(); ++k)
            s.psd[k] = static_cast<float>(m_sum[k] * inv);
    }
    return s;
}

void WelchAccumulator::processFrame() {
    // Same arithmetic, in the same order, as SpectrumAnalyzer::processFrame (linear average).
    const std::size_t n = m_fftSize;
    const float* w = m_window->data();
    const std::size_t firstLen = m_ring.older().size();
    const float* seg1 = m_ring.older().data();
    const float* seg2 = m_ring.newer().data();
    const std::size_t secondLen = m_ring.newer().size();

    float mean = 0.0f;
    if (m_removeMean) {
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

    FftPlan& fft = threadPlan(n);
    float* in = fft.realInput();
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
    fft.execute();

    const std::size_t lines = n / 2 + 1;
    const float* X = reinterpret_cast<const float*>(fft.output()); // interleaved re, im
    float* P = threadScratch(lines).data();
    const float scale = static_cast<float>(m_scale);
    const float scale2 = static_cast<float>(2.0 * m_scale);
#pragma omp simd
    for (std::size_t k = 0; k < lines; ++k) {
        const float re = X[2 * k];
        const float im = X[2 * k + 1];
        P[k] = (re * re + im * im) * scale2;
    }
    P[0] = (X[0] * X[0] + X[1] * X[1]) * scale;
    P[lines - 1] =
        (X[2 * (lines - 1)] * X[2 * (lines - 1)] + X[2 * (lines - 1) + 1] * X[2 * (lines - 1) + 1]) * scale;
    double* sum = m_sum.data();
#pragma omp simd
    for (std::size_t k = 0; k < lines; ++k)
        sum[k] += P[k];
    ++m_frames;
}

} // namespace vibra::dsp
