#include "pipeline/DspProcessor.h"

#include "core/Clock.h"
#include "dsp/BandMetrics.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace vibra::pipeline {

DspProcessor::DspProcessor(DspSettings settings, dsp::SeverityTable severity)
    : m_severity(std::move(severity)) {
    applySettings(settings);
}

void DspProcessor::applySettings(const DspSettings& s) {
    m_settings = s;
    m_settings.displaySeconds = std::clamp(m_settings.displaySeconds, 0.05, 600.0);
    m_settings.envelopePoints = std::clamp(m_settings.envelopePoints, 16, 1 << 16);
    m_settings.snapshotHz = std::clamp(m_settings.snapshotHz, 1, 120);
    m_settings.rawWindowSeconds = std::clamp(m_settings.rawWindowSeconds, 0.0, 600.0);
    if (m_device)
        configure(m_device);
}

void DspProcessor::setDisplay(bool on) {
    m_displayWanted = on;
    if (!on)
        m_display.reset();
    else if (m_device && !m_display)
        m_display.emplace(m_settings, m_device);
}

dsp::SpectrumConfig DspProcessor::velocitySpectrumConfig(double sampleRate) {
    dsp::SpectrumConfig c;
    // The finest resolution that still fits two 50 %-overlapped frames into one second (8192 points at
    // 16 kHz: 1.95 Hz lines). Coarser lines bias low-frequency velocity upwards: the Hann main lobe spans
    // +-2 lines and 1/f^2 weights its lower side more (3.9 Hz lines read a 50 Hz tone 1.3 % high).
    const auto third = static_cast<std::size_t>(std::max(1.0, sampleRate / 1.5));
    c.fftSize = std::clamp<std::size_t>(std::bit_floor(third), 256, 8192);
    c.window = dsp::WindowType::Hann;
    c.overlap = 0.5;
    c.averaging = dsp::Averaging::Linear;
    c.averages = 0; // every frame of the second
    return c;
}

void DspProcessor::configure(const std::shared_ptr<const core::DeviceInfo>& device) {
    if (static_cast<int>(m_bucketAcc.size()) != device->axisCount())
        flushBucket(); // the old shape's partial second goes out with the old device
    m_device = device;
    const int axes = device->axisCount();
    const double rate = device->sampleRate;
    m_bucketSpectra.clear();
    m_bucketSpectra.reserve(static_cast<std::size_t>(axes));
    const dsp::SpectrumConfig vc = velocitySpectrumConfig(rate);
    for (int a = 0; a < axes; ++a)
        m_bucketSpectra.emplace_back(vc.fftSize, vc.overlap, vc.window, rate, vc.removeMean);
    if (static_cast<int>(m_bucketAcc.size()) != axes) {
        m_bucketAcc.assign(axes, dsp::MomentAccumulator{});
        m_lastRollup.reset();
    }
    m_display.reset();
    if (m_displayWanted)
        m_display.emplace(m_settings, m_device);
}

void DspProcessor::process(const core::SampleBlock& block) {
    if (!block.device || block.count == 0 || block.device->sampleRate <= 0)
        return;
    if (block.device != m_device && (!m_device || block.device->sampleRate != m_device->sampleRate ||
                                     block.device->axisCount() != m_device->axisCount()))
        configure(block.device);
    else
        m_device = block.device;
    if (block.gapBefore > 0)
        ++m_bucketGaps;
    addToBuckets(block);
    if (m_displayWanted && !m_display)
        m_display.emplace(m_settings, m_device);
    if (m_display)
        for (int a = 0; a < block.axisCount(); ++a)
            m_display->push(a, block.axis(a));
    m_latestTimeNs = block.timeOfSampleNs(block.count - 1);
    m_processed += block.count;
}

void DspProcessor::addToBuckets(const core::SampleBlock& block) {
    // 1-second rollups: split the block where sample times cross a UTC second.
    const int axes = block.axisCount();
    const double rate = block.sampleRate();
    std::uint32_t pos = 0;
    while (pos < block.count) {
        const double tPos = static_cast<double>(block.startTimeNs) + static_cast<double>(pos) * 1e9 / rate;
        const std::int64_t bucket = core::secondStart(static_cast<std::int64_t>(std::floor(tPos)));
        if (m_bucketActive && bucket != m_bucketStartNs)
            flushBucket();
        if (!m_bucketActive) {
            m_bucketActive = true;
            m_bucketStartNs = bucket;
        }
        const double boundary =
            static_cast<double>(bucket + core::kSecondNs - block.startTimeNs) * rate / 1e9;
        auto end = static_cast<std::int64_t>(std::ceil(boundary - 1e-7));
        end = std::clamp<std::int64_t>(end, pos + 1, block.count);
        const auto n = static_cast<std::uint32_t>(end - pos);
        for (int a = 0; a < axes; ++a) {
            const auto part = block.axis(a).subspan(pos, n);
            m_bucketAcc[a].add(part);
            m_bucketSpectra[a].push(part);
        }
        m_bucketSamples += n;
        pos += n;
    }
}

void DspProcessor::flush() {
    flushBucket();
}

void DspProcessor::flushBucket() {
    if (!m_bucketActive || m_bucketSamples == 0) {
        m_bucketActive = false;
        return;
    }
    auto rec = finishRecord();
    m_lastRollup = rec;
    m_completed.push_back(std::move(rec));
}

RollupRecordPtr DspProcessor::finishRecord() {
    auto rec = std::make_shared<RollupRecord>();
    rec->device = m_device;
    rec->bucketStartNs = m_bucketStartNs;
    rec->samples = m_bucketSamples;
    rec->gaps = m_bucketGaps;
    rec->axes.reserve(m_bucketAcc.size());
    for (auto& acc : m_bucketAcc) {
        rec->axes.push_back(acc.result());
        acc.reset();
    }
    // Velocity (and the asked-for bands) from the Welch spectrum of this second; zone from the largest axis
    // (ISO: worst direction).
    const double toMs2 = core::toMetersPerSecond2(m_device->unit);
    const double hi = std::min(m_settings.velocityHighHz, 0.45 * m_device->sampleRate);
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    rec->bandRms.resize(m_bands.size());
    for (std::size_t b = 0; b < m_bands.size(); ++b)
        rec->bandRms[b] = {m_bands[b].first, m_bands[b].second, {}};
    double worst = -1.0;
    rec->velocityRmsMmS.reserve(m_bucketSpectra.size());
    for (auto& sp : m_bucketSpectra) {
        double v = nan;
        std::optional<dsp::Spectrum> spectrum;
        if (sp.frames() > 0)
            spectrum = sp.spectrum();
        if (spectrum && hi > m_settings.velocityLowHz)
            v = dsp::velocityRmsMmPerS(*spectrum, m_settings.velocityLowHz, hi, toMs2);
        rec->velocityRmsMmS.push_back(v);
        if (std::isfinite(v))
            worst = std::max(worst, v);
        for (auto& band : rec->bandRms) {
            const double top = std::min(band.highHz, 0.45 * m_device->sampleRate);
            band.perAxis.push_back(spectrum && top > band.lowHz ? dsp::bandRms(*spectrum, band.lowHz, top)
                                                                : nan);
        }
        sp.reset();
    }
    if (!m_settings.severityPreset.empty() && worst >= 0.0)
        rec->zone = m_severity.classify(m_settings.severityPreset, worst);
    m_bucketActive = false;
    m_bucketSamples = 0;
    m_bucketGaps = 0;
    return rec;
}

DeviceSnapshotPtr DspProcessor::makeSnapshot(const core::CounterSnapshot& counters,
                                             std::uint64_t sequence) const {
    if (!m_device)
        return nullptr;
    auto snap = std::make_shared<DeviceSnapshot>();
    snap->device = m_device;
    snap->sequence = sequence;
    snap->samplesProcessed = m_processed;
    snap->latestTimeNs = m_latestTimeNs;
    if (m_lastRollup) {
        snap->lastSecond = m_lastRollup->axes;
        snap->lastSecondStartNs = m_lastRollup->bucketStartNs;
        snap->lastSecondVelocityMmS = m_lastRollup->velocityRmsMmS;
        snap->lastSecondZone = m_lastRollup->zone;
    }
    snap->severityPreset = m_settings.severityPreset;
    if (m_display)
        m_display->fill(*snap, m_processed);
    snap->counters = counters;
    return snap;
}

} // namespace vibra::pipeline
