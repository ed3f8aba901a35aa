#pragma once

#include "core/DeviceCounters.h"
#include "core/SampleBlock.h"
#include "core/SpscRing.h"
#include "dsp/Decimator.h"
#include "dsp/EnvelopeAnalyzer.h"
#include "dsp/MomentAccumulator.h"
#include "dsp/SeverityTable.h"
#include "dsp/SpectrumAnalyzer.h"
#include "pipeline/DeviceSnapshot.h"
#include "pipeline/DspSettings.h"
#include "pipeline/RollupRecord.h"
#include "pipeline/TapCounters.h"

#include <QObject>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace vibra::pipeline {

/// The DSP chain of one device, on its own thread.
///
/// Input: the device's source -> DSP SpscRing (this worker is its only consumer).
/// Output: (1) DeviceSnapshot, at most settings.snapshotHz times a second, by the queued signal
/// snapshotReady (immutable shared_ptr<const>); (2) one RollupRecord per UTC second into the store ring
/// (this worker is its only producer) while storing is enabled - a full store ring drops the record and
/// counts its samples as DropReason::StoreOverflow.
///
/// Threads: constructed and controlled (start/stop/setSettings/setStoring) from the owner's thread; all
/// processing state below "worker thread only" is touched by the worker thread alone. stop() drains the
/// ring completely and flushes the partial second before the thread exits, so nothing delivered is lost.
class DspWorker : public QObject {
    Q_OBJECT
public:
    DspWorker(core::SpscRing<core::SampleBlockPtr>& input, core::SpscRing<StoreItemPtr>& store,
              core::DeviceCounters& counters, DspSettings settings,
              dsp::SeverityTable severity = dsp::SeverityTable::defaults());
    ~DspWorker() override;

    void start();
    /// Blocks until the ring is drained, the partial second flushed and the thread joined. Call after
    /// the source stopped delivering.
    void stop();
    /// Any thread: applied by the worker before its next block.
    void setSettings(const DspSettings& settings);
    DspSettings settings() const;
    /// Any thread: while true, rollups go to the store ring.
    void setStoring(bool on) { m_storing.store(on, std::memory_order_release); }
    bool isStoring() const { return m_storing.load(std::memory_order_acquire); }
    /// Any thread: while true, every processed block also goes to the store ring as a raw StoreItem; a
    /// full ring drops it and counts its samples as DropReason::StoreOverflow (with raw storage, samples
    /// are accounted by their raw blocks and rollups are derived data: a dropped rollup is not counted).
    void setStoringRaw(bool on) { m_storingRaw.store(on, std::memory_order_release); }
    /// Any thread: when on, a full store ring makes the worker wait (up to 10 s) instead of dropping, which
    /// propagates back-pressure to the source ring and to sources that can wait (files, unpaced simulators);
    /// real-time sources then drop at their ring, counted there. For the headless recorder, whose writer
    /// outlives the workers; the dashboard keeps drop-newest so a slow disk never stalls its views.
    void setStoreBackpressure(bool on) { m_storeBackpressure.store(on, std::memory_order_release); }
    /// Owner thread, before start() only (ignored while running): after processing, every block with data
    /// is also pushed (the same shared, immutable SampleBlockPtr: no copy) into `tap`, whose single
    /// producer this worker becomes. A full tap drops the block; both go to `counters` (the tap owner's
    /// accounting, not DeviceCounters). nullptr detaches. The tap and counters must outlive the worker's run.
    void setRawTap(core::SpscRing<core::SampleBlockPtr>* tap, TapCounters* counters);

signals:
    void snapshotReady(vibra::pipeline::DeviceSnapshotPtr snapshot);

private:
    void run();
    void process(const core::SampleBlock& block);
    void configure(const std::shared_ptr<const core::DeviceInfo>& device);
    void applySettings(const DspSettings& s);
    void flushBucket();
    /// Pushes to the store ring, waiting when back-pressure is on. False when the item was not stored.
    bool pushStore(StoreItemPtr item);
    void storeRaw(const core::SampleBlockPtr& block);
    void tapRaw(const core::SampleBlockPtr& block);
    /// Spectrum settings of the per-second Welch used for velocity (depends on the sample rate only).
    static dsp::SpectrumConfig velocitySpectrumConfig(double sampleRate);
    void updateEnvelope(int axis, std::span<const float> x);
    void publish();
    void updateRaw(int axis, std::span<const float> x);
    void publishRaw(DeviceSnapshot& snap) const;

    // immutable after construction
    core::SpscRing<core::SampleBlockPtr>& m_input;
    core::SpscRing<StoreItemPtr>& m_store;
    core::DeviceCounters& m_counters;
    const dsp::SeverityTable m_severity;

    // set by the owner before start(), then read by the worker thread only
    core::SpscRing<core::SampleBlockPtr>* m_rawTap = nullptr;
    TapCounters* m_tapCounters = nullptr;

    // any thread
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_storing{false};
    std::atomic<bool> m_storingRaw{false};
    std::atomic<bool> m_storeBackpressure{false};
    mutable std::mutex m_settingsMutex; // guards m_settingsShared and m_settingsDirty
    DspSettings m_settingsShared;
    bool m_settingsDirty = true;

    // owner thread only
    std::thread m_thread;

    // worker thread only
    DspSettings m_settings;
    std::shared_ptr<const core::DeviceInfo> m_device;
    std::vector<dsp::SpectrumAnalyzer> m_analyzers;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_spectra;
    std::vector<dsp::MomentAccumulator> m_bucketAcc;
    std::vector<dsp::SpectrumAnalyzer> m_bucketSpectra; ///< Welch of the current second, per axis
    std::vector<dsp::EnvelopeAnalyzer> m_envelopes;     ///< only when settings.envelope is set
    std::vector<dsp::Decimator> m_zoomDecimators;       ///< only when settings.zoomFactor > 1
    std::vector<dsp::SpectrumAnalyzer> m_zoomAnalyzers;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_zoomSpectra;
    std::vector<float> m_zoomScratch;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_envelopeSpectra;
    std::vector<double> m_lastVelocity;
    dsp::SeverityZone m_lastZone = dsp::SeverityZone::Unknown;
    bool m_bucketActive = false;
    std::int64_t m_bucketStartNs = 0;
    std::uint64_t m_bucketSamples = 0;
    std::uint32_t m_bucketGaps = 0;
    std::uint64_t m_nextSample = 0;
    bool m_streamStarted = false;
    std::vector<dsp::Moments> m_lastSecond;
    std::int64_t m_lastSecondStartNs = 0;
    std::int64_t m_latestTimeNs = 0;
    std::uint64_t m_processed = 0;
    // display envelope: ring of (min,max) pairs per axis plus the bucket being filled
    std::uint32_t m_envBucket = 1;
    std::size_t m_envCapacity = 0;
    std::size_t m_envHead = 0;  ///< next write position
    std::size_t m_envCount = 0; ///< valid pairs
    std::vector<std::vector<float>> m_envMin, m_envMax;
    std::vector<float> m_curMin, m_curMax;
    std::uint32_t m_curFill = 0;
    // raw window: ring of the newest m_rawCapacity samples per axis (empty when disabled)
    std::size_t m_rawCapacity = 0;
    std::size_t m_rawHead = 0;
    std::size_t m_rawCount = 0;
    std::vector<std::vector<float>> m_raw;
    std::chrono::steady_clock::time_point m_lastPublish{};
    bool m_dirty = false;
};

} // namespace vibra::pipeline

Q_DECLARE_METATYPE(vibra::pipeline::DeviceSnapshotPtr)
