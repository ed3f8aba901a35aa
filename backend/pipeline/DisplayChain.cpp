#include "pipeline/DisplayChain.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace vibra::pipeline {

DisplayChain::DisplayChain(const DspSettings& settings, const std::shared_ptr<const core::DeviceInfo>& device)
    : m_settings(settings)
    , m_device(device)
    , m_axes(device->axisCount()) {
    const double rate = device->sampleRate;
    m_analyzers.reserve(static_cast<std::size_t>(m_axes));
    for (int a = 0; a < m_axes; ++a) {
        try {
            m_analyzers.emplace_back(m_settings.spectrum, rate);
        } catch (const std::invalid_argument&) {
            // Settings that do not fit this device (e.g. an FFT longer than allowed): fall back to defaults.
            m_settings.spectrum = dsp::SpectrumConfig{};
            m_analyzers.emplace_back(m_settings.spectrum, rate);
        }
    }
    m_spectra.assign(m_axes, nullptr);
    m_envelopeSpectra.assign(m_axes, nullptr);
    m_zoomSpectra.assign(m_axes, nullptr);
    if (m_settings.zoomFactor > 1) {
        try {
            const auto factor = static_cast<std::size_t>(std::clamp(m_settings.zoomFactor, 2, 64));
            for (int a = 0; a < m_axes; ++a) {
                m_zoomDecimators.emplace_back(factor);
                m_zoomAnalyzers.emplace_back(m_settings.spectrum, rate / static_cast<double>(factor));
            }
        } catch (const std::invalid_argument&) {
            m_zoomDecimators.clear(); // e.g. a decimated rate too low for the FFT settings: no zoom
            m_zoomAnalyzers.clear();
        }
    }
    if (m_settings.envelope) {
        try {
            for (int a = 0; a < m_axes; ++a)
                m_envelopes.emplace_back(*m_settings.envelope, rate);
        } catch (const std::invalid_argument&) {
            m_envelopes.clear(); // band outside this device's range: no envelope spectrum
        }
    }
    const double wanted = m_settings.displaySeconds * rate / m_settings.envelopePoints;
    m_envBucket = static_cast<std::uint32_t>(std::max(1.0, std::ceil(wanted)));
    m_envCapacity = static_cast<std::size_t>(m_settings.envelopePoints);
    m_envMin.assign(m_axes, std::vector<float>(m_envCapacity));
    m_envMax.assign(m_axes, std::vector<float>(m_envCapacity));
    m_curMin.assign(m_axes, std::numeric_limits<float>::infinity());
    m_curMax.assign(m_axes, -std::numeric_limits<float>::infinity());
    m_rawCapacity = m_settings.rawWindowSamples(rate);
    m_raw.assign(m_rawCapacity ? m_axes : 0, std::vector<float>(m_rawCapacity));
}

void DisplayChain::push(int a, std::span<const float> x) {
    if (m_analyzers[a].push(x) > 0)
        m_spectra[a] = std::make_shared<const dsp::Spectrum>(m_analyzers[a].spectrum());
    updateEnvelope(a, x);
    if (!m_envelopes.empty() && m_envelopes[a].push(x) > 0)
        m_envelopeSpectra[a] = std::make_shared<const dsp::Spectrum>(m_envelopes[a].spectrum());
    if (!m_zoomAnalyzers.empty()) {
        m_zoomScratch.clear();
        m_zoomDecimators[a].process(x, m_zoomScratch);
        if (m_zoomAnalyzers[a].push(m_zoomScratch) > 0)
            m_zoomSpectra[a] = std::make_shared<const dsp::Spectrum>(m_zoomAnalyzers[a].spectrum());
    }
    updateRaw(a, x);
}

void DisplayChain::updateRaw(int axis, std::span<const float> x) {
    // Same span length per axis; the shared head advances after the last axis.
    if (m_rawCapacity == 0)
        return;
    const std::size_t cap = m_rawCapacity;
    auto& ring = m_raw[axis];
    const std::size_t n = std::min(x.size(), cap);
    const float* src = x.data() + (x.size() - n);
    const std::size_t head = (m_rawHead + (x.size() - n)) % cap;
    const std::size_t first = std::min(n, cap - head);
    std::copy(src, src + first, ring.begin() + static_cast<std::ptrdiff_t>(head));
    std::copy(src + first, src + n, ring.begin());
    if (axis + 1 == m_axes) {
        m_rawHead = (m_rawHead + x.size()) % cap;
        m_rawCount = std::min(m_rawCount + x.size(), cap);
    }
}

void DisplayChain::updateEnvelope(int axis, std::span<const float> x) {
    // Same span length per axis; the shared fill counter advances after the last axis.
    float mn = m_curMin[axis], mx = m_curMax[axis];
    std::uint32_t fill = m_curFill;
    const std::size_t cap = m_envCapacity;
    std::size_t head = m_envHead, count = m_envCount;
    for (float v : x) {
        mn = std::min(mn, v);
        mx = std::max(mx, v);
        if (++fill == m_envBucket) {
            m_envMin[axis][head] = mn;
            m_envMax[axis][head] = mx;
            head = (head + 1) % cap;
            count = std::min(count + 1, cap);
            mn = std::numeric_limits<float>::infinity();
            mx = -std::numeric_limits<float>::infinity();
            fill = 0;
        }
    }
    m_curMin[axis] = mn;
    m_curMax[axis] = mx;
    if (axis + 1 == m_axes) {
        m_curFill = fill;
        m_envHead = head;
        m_envCount = count;
    }
}

void DisplayChain::fill(DeviceSnapshot& snap, std::uint64_t processed) const {
    snap.display = true;
    snap.displaySeconds = m_settings.displaySeconds;
    snap.envelopeBucketSamples = m_envBucket;
    fillEnvelope(snap);
    fillRaw(snap, processed);
    snap.spectra = m_spectra;
    snap.envelopeSpectra = m_envelopeSpectra;
    snap.zoomSpectra = m_zoomSpectra;
    snap.zoomFactor = m_zoomAnalyzers.empty() ? 1 : m_settings.zoomFactor;
}

void DisplayChain::fillEnvelope(DeviceSnapshot& snap) const {
    const auto want = static_cast<std::size_t>(
        std::ceil(m_settings.displaySeconds * m_device->sampleRate / static_cast<double>(m_envBucket)));
    const std::size_t n = std::min({want, m_envCount, m_envCapacity});
    snap.envelopeMin.resize(m_axes);
    snap.envelopeMax.resize(m_axes);
    for (int a = 0; a < m_axes; ++a) {
        auto& mn = snap.envelopeMin[a];
        auto& mx = snap.envelopeMax[a];
        mn.resize(n);
        mx.resize(n);
        std::size_t idx = (m_envHead + m_envCapacity - n) % m_envCapacity;
        for (std::size_t i = 0; i < n; ++i) {
            mn[i] = m_envMin[a][idx];
            mx[i] = m_envMax[a][idx];
            idx = (idx + 1) % m_envCapacity;
        }
    }
}

void DisplayChain::fillRaw(DeviceSnapshot& snap, std::uint64_t processed) const {
    if (m_rawCapacity == 0 || m_rawCount == 0)
        return;
    const std::size_t n = m_rawCount, cap = m_rawCapacity;
    const std::size_t start = (m_rawHead + cap - n) % cap;
    snap.raw.resize(m_raw.size());
    for (std::size_t a = 0; a < m_raw.size(); ++a) {
        auto& out = snap.raw[a];
        out.resize(n);
        const std::size_t first = std::min(n, cap - start);
        std::copy_n(m_raw[a].begin() + static_cast<std::ptrdiff_t>(start), first, out.begin());
        std::copy_n(m_raw[a].begin(), n - first, out.begin() + static_cast<std::ptrdiff_t>(first));
    }
    snap.rawFirstSample = processed - n;
}

} // namespace vibra::pipeline
