#include "pipeline/DspWorker.h"

#include "dsp/BandMetrics.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace vibra::pipeline {

namespace {
constexpr std::int64_t kSecondNs = 1'000'000'000;

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}
} // namespace

DspWorker::DspWorker(core::SpscRing<core::SampleBlockPtr>& input, core::SpscRing<StoreItemPtr>& store,
                     core::DeviceCounters& counters, DspSettings settings, dsp::SeverityTable severity)
    : m_input(input)
    , m_store(store)
    , m_counters(counters)
    , m_severity(std::move(severity))
    , m_settingsShared(std::move(settings)) {
    qRegisterMetaType<vibra::pipeline::DeviceSnapshotPtr>();
}

DspWorker::~DspWorker() {
    stop();
}

void DspWorker::start() {
    if (m_thread.joinable())
        return;
    m_stopRequested.store(false, std::memory_order_release);
    m_thread = std::thread([this] { run(); });
}

void DspWorker::stop() {
    if (!m_thread.joinable())
        return;
    m_stopRequested.store(true, std::memory_order_release);
    m_input.wake();
    m_thread.join();
}

void DspWorker::setSettings(const DspSettings& settings) {
    std::lock_guard lock(m_settingsMutex);
    m_settingsShared = settings;
    m_settingsDirty = true;
    m_input.wake(); // apply promptly even when no data flows
}

DspSettings DspWorker::settings() const {
    std::lock_guard lock(m_settingsMutex);
    return m_settingsShared;
}

void DspWorker::run() {
    core::SampleBlockPtr block;
    for (;;) {
        const auto seen = m_input.pushCount();
        {
            std::unique_lock lock(m_settingsMutex);
            if (m_settingsDirty) {
                DspSettings s = m_settingsShared;
                m_settingsDirty = false;
                lock.unlock();
                applySettings(s);
            }
        }
        bool any = false;
        while (m_input.tryPop(block)) {
            process(*block);
            storeRaw(block);
            tapRaw(block);
            block.reset();
            any = true;
            const auto now = std::chrono::steady_clock::now();
            if (now - m_lastPublish >= std::chrono::milliseconds(1000 / std::max(1, m_settings.snapshotHz)))
                publish();
        }
        if (m_stopRequested.load(std::memory_order_acquire)) {
            while (m_input.tryPop(block)) { // the source has stopped: take what is left
                process(*block);
                storeRaw(block);
                tapRaw(block);
                block.reset();
            }
            flushBucket();
            publish();
            return;
        }
        if (m_dirty)
            publish();
        if (!any)
            m_input.waitForPush(seen);
    }
}

void DspWorker::applySettings(const DspSettings& s) {
    m_settings = s;
    m_settings.displaySeconds = std::clamp(m_settings.displaySeconds, 0.05, 600.0);
    m_settings.envelopePoints = std::clamp(m_settings.envelopePoints, 16, 1 << 16);
    m_settings.snapshotHz = std::clamp(m_settings.snapshotHz, 1, 120);
    m_settings.rawWindowSamples = std::clamp(m_settings.rawWindowSamples, 0, DspSettings::kMaxRawWindow);
    if (m_device)
        configure(m_device);
}

dsp::SpectrumConfig DspWorker::velocitySpectrumConfig(double sampleRate) {
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

void DspWorker::configure(const std::shared_ptr<const core::DeviceInfo>& device) {
    if (static_cast<int>(m_bucketAcc.size()) != device->axisCount())
        flushBucket(); // the old shape's partial second goes out with the old device
    m_device = device;
    const int axes = device->axisCount();
    const double rate = device->sampleRate;
    m_analyzers.clear();
    m_analyzers.reserve(axes);
    m_bucketSpectra.clear();
    m_bucketSpectra.reserve(axes);
    for (int a = 0; a < axes; ++a) {
        try {
            m_analyzers.emplace_back(m_settings.spectrum, rate);
        } catch (const std::invalid_argument&) {
            // Settings that do not fit this device (e.g. an FFT longer than allowed): fall back to defaults.
            m_settings.spectrum = dsp::SpectrumConfig{};
            m_analyzers.emplace_back(m_settings.spectrum, rate);
        }
        m_bucketSpectra.emplace_back(velocitySpectrumConfig(rate), rate);
    }
    m_spectra.assign(axes, nullptr);
    m_envelopes.clear();
    m_envelopeSpectra.assign(axes, nullptr);
    m_zoomDecimators.clear();
    m_zoomAnalyzers.clear();
    m_zoomSpectra.assign(axes, nullptr);
    if (m_settings.zoomFactor > 1) {
        try {
            const auto factor = static_cast<std::size_t>(std::clamp(m_settings.zoomFactor, 2, 64));
            for (int a = 0; a < axes; ++a) {
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
            for (int a = 0; a < axes; ++a)
                m_envelopes.emplace_back(*m_settings.envelope, rate);
        } catch (const std::invalid_argument&) {
            m_envelopes.clear(); // band outside this device's range: no envelope spectrum
        }
    }
    if (static_cast<int>(m_bucketAcc.size()) != axes) {
        m_bucketAcc.assign(axes, dsp::MomentAccumulator{});
        m_lastSecond.clear();
        m_lastVelocity.clear();
    }
    const double wanted = m_settings.displaySeconds * rate / m_settings.envelopePoints;
    m_envBucket = static_cast<std::uint32_t>(std::max(1.0, std::ceil(wanted)));
    m_envCapacity = static_cast<std::size_t>(m_settings.envelopePoints);
    m_envMin.assign(axes, std::vector<float>(m_envCapacity));
    m_envMax.assign(axes, std::vector<float>(m_envCapacity));
    m_curMin.assign(axes, std::numeric_limits<float>::infinity());
    m_curMax.assign(axes, -std::numeric_limits<float>::infinity());
    m_curFill = 0;
    m_envHead = 0;
    m_envCount = 0;
    m_rawCapacity = static_cast<std::size_t>(m_settings.rawWindowSamples);
    m_raw.assign(m_rawCapacity ? axes : 0, std::vector<float>(m_rawCapacity));
    m_rawHead = 0;
    m_rawCount = 0;
    m_dirty = true;
}

void DspWorker::updateRaw(int axis, std::span<const float> x) {
    // Like updateEnvelope: same span length per axis, shared head advances after the last axis.
    if (m_rawCapacity == 0)
        return;
    const std::size_t cap = m_rawCapacity;
    auto& ring = m_raw[axis];
    const std::size_t n = std::min(x.size(), cap);
    const float* src = x.data() + (x.size() - n);
    std::size_t head = (m_rawHead + (x.size() - n)) % cap;
    const std::size_t first = std::min(n, cap - head);
    std::copy(src, src + first, ring.begin() + static_cast<std::ptrdiff_t>(head));
    std::copy(src + first, src + n, ring.begin());
    if (axis + 1 == static_cast<int>(m_raw.size())) {
        m_rawHead = (m_rawHead + x.size()) % cap;
        m_rawCount = std::min(m_rawCount + x.size(), cap);
    }
}

void DspWorker::publishRaw(DeviceSnapshot& snap) const {
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
    snap.rawFirstSample = m_processed - n;
}

void DspWorker::updateEnvelope(int axis, std::span<const float> x) {
    // Called per axis with the same span length; the shared fill counter advances after the last axis.
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
    if (axis + 1 == static_cast<int>(m_curMin.size())) {
        m_curFill = fill;
        m_envHead = head;
        m_envCount = count;
    }
}

void DspWorker::process(const core::SampleBlock& block) {
    if (!block.device || block.count == 0 || block.device->sampleRate <= 0)
        return;
    if (block.device != m_device && (!m_device || block.device->sampleRate != m_device->sampleRate ||
                                     block.device->axisCount() != m_device->axisCount()))
        configure(block.device);
    else
        m_device = block.device;

    if (m_streamStarted && block.firstSample != m_nextSample)
        ++m_bucketGaps;
    m_streamStarted = true;
    m_nextSample = block.firstSample + block.count;

    const int axes = block.axisCount();
    const double rate = block.sampleRate();
    // 1-second rollups: split the block where sample times cross a UTC second.
    std::uint32_t pos = 0;
    while (pos < block.count) {
        const double tPos = static_cast<double>(block.startTimeNs) + static_cast<double>(pos) * 1e9 / rate;
        const std::int64_t bucket =
            floorDiv(static_cast<std::int64_t>(std::floor(tPos)), kSecondNs) * kSecondNs;
        if (m_bucketActive && bucket != m_bucketStartNs)
            flushBucket();
        if (!m_bucketActive) {
            m_bucketActive = true;
            m_bucketStartNs = bucket;
        }
        const double boundary = static_cast<double>(bucket + kSecondNs - block.startTimeNs) * rate / 1e9;
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
    // Spectra and display envelope.
    for (int a = 0; a < axes; ++a) {
        const auto x = block.axis(a);
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
    m_latestTimeNs = block.timeOfSampleNs(block.count - 1);
    m_processed += block.count;
    m_counters.samplesProcessed.fetch_add(block.count, std::memory_order_relaxed);
    m_dirty = true;
}

void DspWorker::flushBucket() {
    if (!m_bucketActive || m_bucketSamples == 0) {
        m_bucketActive = false;
        return;
    }
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
    // Velocity from the Welch spectrum of this second; zone from the largest axis (ISO: worst direction).
    const double toMs2 = core::toMetersPerSecond2(m_device->unit);
    const double hi = std::min(m_settings.velocityHighHz, 0.45 * m_device->sampleRate);
    double worst = -1.0;
    rec->velocityRmsMmS.reserve(m_bucketSpectra.size());
    for (auto& sp : m_bucketSpectra) {
        double v = std::numeric_limits<double>::quiet_NaN();
        if (sp.spectrum().frames > 0 && hi > m_settings.velocityLowHz)
            v = dsp::velocityRmsMmPerS(sp.spectrum(), m_settings.velocityLowHz, hi, toMs2);
        rec->velocityRmsMmS.push_back(v);
        if (std::isfinite(v))
            worst = std::max(worst, v);
        sp.reset();
    }
    if (!m_settings.severityPreset.empty() && worst >= 0.0)
        rec->zone = m_severity.classify(m_settings.severityPreset, worst);
    m_lastVelocity = rec->velocityRmsMmS;
    m_lastZone = rec->zone;
    m_lastSecond = rec->axes;
    m_lastSecondStartNs = m_bucketStartNs;
    const std::uint64_t samples = m_bucketSamples;
    m_bucketActive = false;
    m_bucketSamples = 0;
    m_bucketGaps = 0;
    if (m_storing.load(std::memory_order_acquire)) {
        auto item = std::make_shared<StoreItem>();
        item->rollup = std::move(rec);
        if (!pushStore(std::move(item)) && !m_storingRaw.load(std::memory_order_acquire))
            m_counters.addDropped(core::DropReason::StoreOverflow, samples, 1);
    }
}

void DspWorker::storeRaw(const core::SampleBlockPtr& block) {
    if (!m_storingRaw.load(std::memory_order_acquire) || !block->device || block->count == 0)
        return;
    auto item = std::make_shared<StoreItem>();
    item->raw = block;
    if (!pushStore(std::move(item)))
        m_counters.addDropped(core::DropReason::StoreOverflow, block->count, 1);
}

bool DspWorker::pushStore(StoreItemPtr item) {
    if (m_store.tryPush(item))
        return true;
    if (!m_storeBackpressure.load(std::memory_order_acquire))
        return false; // drop-newest, counted by the caller
    // Back-pressure: wait for the writer (this stalls the worker, then the source ring, then an unpaced
    // source). Bounded, so a writer that stopped draining can never hang the worker: then it drops.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        if (m_store.tryPush(item))
            return true;
    }
    return false;
}

void DspWorker::setRawTap(core::SpscRing<core::SampleBlockPtr>* tap, TapCounters* counters) {
    if (m_thread.joinable())
        return; // the worker reads these without synchronisation: only before start()
    m_rawTap = tap;
    m_tapCounters = counters;
}

void DspWorker::tapRaw(const core::SampleBlockPtr& block) {
    if (!m_rawTap || !block->device || block->count == 0 || block->device->sampleRate <= 0)
        return;
    if (m_tapCounters)
        m_tapCounters->offeredSamples.fetch_add(block->count, std::memory_order_relaxed);
    if (!m_rawTap->tryPush(block) && m_tapCounters) {
        m_tapCounters->droppedSamples.fetch_add(block->count, std::memory_order_relaxed);
        m_tapCounters->droppedBlocks.fetch_add(1, std::memory_order_relaxed);
    }
}

void DspWorker::publish() {
    m_lastPublish = std::chrono::steady_clock::now();
    m_dirty = false;
    if (!m_device)
        return;
    auto snap = std::make_shared<DeviceSnapshot>();
    snap->device = m_device;
    snap->samplesProcessed = m_processed;
    snap->latestTimeNs = m_latestTimeNs;
    snap->displaySeconds = m_settings.displaySeconds;
    snap->envelopeBucketSamples = m_envBucket;
    const auto want = static_cast<std::size_t>(
        std::ceil(m_settings.displaySeconds * m_device->sampleRate / static_cast<double>(m_envBucket)));
    const std::size_t n = std::min({want, m_envCount, m_envCapacity});
    const int axes = static_cast<int>(m_envMin.size());
    snap->envelopeMin.resize(axes);
    snap->envelopeMax.resize(axes);
    for (int a = 0; a < axes; ++a) {
        auto& mn = snap->envelopeMin[a];
        auto& mx = snap->envelopeMax[a];
        mn.resize(n);
        mx.resize(n);
        std::size_t idx = (m_envHead + m_envCapacity - n) % m_envCapacity;
        for (std::size_t i = 0; i < n; ++i) {
            mn[i] = m_envMin[a][idx];
            mx[i] = m_envMax[a][idx];
            idx = (idx + 1) % m_envCapacity;
        }
    }
    publishRaw(*snap);
    snap->spectra = m_spectra;
    snap->lastSecond = m_lastSecond;
    snap->lastSecondStartNs = m_lastSecondStartNs;
    snap->lastSecondVelocityMmS = m_lastVelocity;
    snap->lastSecondZone = m_lastZone;
    snap->severityPreset = m_settings.severityPreset;
    snap->envelopeSpectra = m_envelopeSpectra;
    snap->zoomSpectra = m_zoomSpectra;
    snap->zoomFactor = m_zoomAnalyzers.empty() ? 1 : m_settings.zoomFactor;
    snap->counters = m_counters.snapshot();
    emit snapshotReady(std::move(snap));
}

} // namespace vibra::pipeline
