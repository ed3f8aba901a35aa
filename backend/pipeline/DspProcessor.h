#pragma once

#include "core/DeviceCounters.h"
#include "core/SampleBlock.h"
#include "dsp/MomentAccumulator.h"
#include "dsp/SeverityTable.h"
#include "dsp/SpectrumConfig.h"
#include "dsp/WelchAccumulator.h"
#include "pipeline/DeviceSnapshot.h"
#include "pipeline/DisplayChain.h"
#include "pipeline/DspSettings.h"
#include "pipeline/RollupRecord.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace vibra::pipeline {

/// The DSP chain of one device, without a thread of its own: a pool worker calls it for one slice at a time.
///
/// Always computed (whether anybody watches or not): 1-second rollups on UTC-aligned seconds (moments per
/// axis), per-second velocity RMS from a Welch spectrum of that second, and the ISO zone. Computed only while
/// setDisplay(true) (somebody watches the device): the DisplayChain (display spectrum, min/max envelope, raw
/// window, envelope and band-zoom spectra).
///
/// Output: completed RollupRecords accumulate in completed() until the caller takes them; snapshots are
/// made on request (makeSnapshot), the caller rate-limits them.
/// Continuity: a bucket counts a gap when a block arrives with gapBefore > 0 (computed once by BlockOutlet).
///
/// Threads: owned by one pool worker at a time (ChannelCore guarantees it); not thread-safe.
class DspProcessor {
public:
    explicit DspProcessor(DspSettings settings, dsp::SeverityTable severity = dsp::SeverityTable::defaults());

    void applySettings(const DspSettings& settings);
    const DspSettings& settings() const { return m_settings; }
    /// Frequency bands [lowHz, highHz] whose RMS every completed second carries (RollupRecord::bandRms), from
    /// the same per-second Welch spectrum as velocity; empty (the default): none.
    void setBands(std::vector<std::pair<double, double>> bands) { m_bands = std::move(bands); }
    const std::vector<std::pair<double, double>>& bands() const { return m_bands; }
    /// Turns the display half on (created lazily at the next block) or off (freed at once).
    void setDisplay(bool on);
    bool display() const { return m_displayWanted; }

    void process(const core::SampleBlock& block);
    /// End of stream (device removed, recording stopped, shutdown): the partial second goes out.
    void flush();
    /// Rollups completed since the caller last cleared this vector.
    std::vector<RollupRecordPtr>& completed() { return m_completed; }

    /// A new snapshot: summary fields always, display fields when the display half runs.
    DeviceSnapshotPtr makeSnapshot(const core::CounterSnapshot& counters, std::uint64_t sequence) const;
    bool hasDevice() const { return m_device != nullptr; }
    std::uint64_t processed() const { return m_processed; }
    /// Samples per axis in the second being accumulated (not yet in a completed rollup).
    std::uint64_t bucketSamples() const { return m_bucketActive ? m_bucketSamples : 0; }
    /// The newest completed second (for alarms and status): null before the first.
    const RollupRecordPtr& lastRollup() const { return m_lastRollup; }

    /// Spectrum settings of the per-second Welch used for velocity (depends on the sample rate only).
    static dsp::SpectrumConfig velocitySpectrumConfig(double sampleRate);

private:
    void configure(const std::shared_ptr<const core::DeviceInfo>& device);
    void addToBuckets(const core::SampleBlock& block);
    void flushBucket();
    RollupRecordPtr finishRecord();

    const dsp::SeverityTable m_severity;
    DspSettings m_settings;
    std::vector<std::pair<double, double>> m_bands;
    std::shared_ptr<const core::DeviceInfo> m_device;
    bool m_displayWanted = false;
    std::optional<DisplayChain> m_display;
    std::vector<dsp::MomentAccumulator> m_bucketAcc;
    std::vector<dsp::WelchAccumulator> m_bucketSpectra; ///< Welch of the current second, per axis (lean)
    bool m_bucketActive = false;
    std::int64_t m_bucketStartNs = 0;
    std::uint64_t m_bucketSamples = 0;
    std::uint32_t m_bucketGaps = 0;
    std::int64_t m_latestTimeNs = 0;
    std::uint64_t m_processed = 0;
    RollupRecordPtr m_lastRollup;
    std::vector<RollupRecordPtr> m_completed;
};

} // namespace vibra::pipeline
