#pragma once

#include "core/DeviceInfo.h"
#include "core/Event.h"
#include "core/SampleBlock.h"
#include "dsp/Moments.h"
#include "dsp/SeverityZone.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace vibra::pipeline {

/// Statistics of one device over one UTC-aligned 1-second bucket [bucketStartNs, bucketStartNs + 1 s).
/// A bucket is partial (samples < rate) at the start and end of a stream and around gaps.
struct RollupRecord {
    std::shared_ptr<const core::DeviceInfo> device;
    std::int64_t bucketStartNs = 0;
    std::uint64_t samples = 0;      ///< samples per axis in the bucket
    std::uint32_t gaps = 0;         ///< stream discontinuities that fell into this bucket
    std::vector<dsp::Moments> axes; ///< per axis: count, min, max, mean, AC RMS, peak, crest, kurtosis
    /// Per axis velocity RMS (mm/s) over the settings' band from a Welch spectrum of this second; NaN when
    /// the bucket was too short for one spectrum frame.
    std::vector<double> velocityRmsMmS;
    /// Band RMS of this second, only for the bands asked for (DspProcessor::setBands: those of the device's
    /// band alarm rules): RMS of the acceleration density between lowHz and highHz (highHz clamped to
    /// 0.45 x the sample rate), per axis, in the device's unit; NaN when the bucket was too short for one
    /// spectrum frame or the band lies wholly above 0.45 x the sample rate.
    struct BandRms {
        double lowHz = 0.0;
        double highHz = 0.0;
        std::vector<double> perAxis;
    };
    std::vector<BandRms> bandRms;
    /// Zone of the largest axis velocity under the device's severity preset (Unknown without one).
    dsp::SeverityZone zone = dsp::SeverityZone::Unknown;
};

using RollupRecordPtr = std::shared_ptr<const RollupRecord>;

/// What the DSP processor hands to storage through its StoreFeed: exactly one of the three is set.
struct StoreItem {
    RollupRecordPtr rollup;   ///< a completed 1 s rollup
    core::SampleBlockPtr raw; ///< a raw sample block (raw storage on); block->gapBefore tells its continuity
    core::EventPtr event;     ///< an event of this device (alarm raised/cleared, ...) for the event table
    /// Relayed rollups and events (a Redis features stream, redis::FeatureConsumer): the upstream device
    /// description (its origin names the producer's session) and the entry's sequence. The writer stores such
    /// an item once per (device, origin, relaySeq) (storage::RelayLedger); a rollup then counts as stored
    /// whether or not raw storage is on.
    std::shared_ptr<const core::DeviceInfo> relayDevice;
    std::uint64_t relaySeq = 0;
};

using StoreItemPtr = std::shared_ptr<const StoreItem>;

} // namespace vibra::pipeline
