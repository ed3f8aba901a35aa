#pragma once

#include "core/DeviceCounters.h"
#include "core/DeviceInfo.h"
#include "dsp/Moments.h"
#include "dsp/SeverityZone.h"
#include "dsp/Spectrum.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vibra::pipeline {

/// Immutable picture of one device published by its DSP processor, at most DspSettings::snapshotHz times a
/// second and only while somebody watches the device (ChannelCore::watch). Crosses threads only as
/// shared_ptr<const DeviceSnapshot> through the channel's SnapshotSlot (newest wins; readers poll it).
///
/// A summary snapshot (display == false: nobody watches the display) carries the counters and the last
/// completed second only; the display fields below stay empty.
struct DeviceSnapshot {
    std::shared_ptr<const core::DeviceInfo> device;
    std::uint64_t sequence = 0; ///< 1, 2, 3, ... per channel: a reader can tell a new snapshot
    std::uint64_t samplesProcessed = 0;
    std::int64_t latestTimeNs = 0; ///< time of the newest processed sample
    bool display = false;          ///< the display fields (envelope, raw, spectra) are filled

    // Time view: min/max envelope of the newest displaySeconds, oldest first, one pair per bucket of
    // envelopeBucketSamples input samples; the last pair ends at latestTimeNs.
    double displaySeconds = 0.0;
    std::uint32_t envelopeBucketSamples = 1;
    std::vector<std::vector<float>> envelopeMin; ///< per axis
    std::vector<std::vector<float>> envelopeMax; ///< per axis

    // Raw window (only when DspSettings::rawWindowSeconds > 0): the newest samples per axis, oldest first,
    // the last one at latestTimeNs; rawFirstSample counts the samples processed before raw[a][0] (same
    // counter as samplesProcessed, so samplesProcessed - rawFirstSample == raw[a].size()).
    std::vector<std::vector<float>> raw;
    std::uint64_t rawFirstSample = 0;

    // Spectrum view: current averaged spectrum per axis (shared, immutable; null before the first frame).
    std::vector<std::shared_ptr<const dsp::Spectrum>> spectra;

    // Readouts: statistics of the last complete 1-second bucket per axis.
    std::vector<dsp::Moments> lastSecond;
    std::int64_t lastSecondStartNs = 0;
    std::vector<double> lastSecondVelocityMmS; ///< per axis, NaN when unknown
    dsp::SeverityZone lastSecondZone = dsp::SeverityZone::Unknown;
    std::string severityPreset; ///< preset the zone refers to

    // Envelope spectrum per axis when enabled in DspSettings (null otherwise or before the first frame).
    std::vector<std::shared_ptr<const dsp::Spectrum>> envelopeSpectra;
    /// Band-zoom spectrum per axis when DspSettings::zoomFactor > 1 (its sampleRate is the decimated rate;
    /// lines above 0.8 x its Nyquist frequency are in the decimator's transition band and not meaningful).
    std::vector<std::shared_ptr<const dsp::Spectrum>> zoomSpectra;
    int zoomFactor = 1;

    core::CounterSnapshot counters;
};

using DeviceSnapshotPtr = std::shared_ptr<const DeviceSnapshot>;

} // namespace vibra::pipeline
