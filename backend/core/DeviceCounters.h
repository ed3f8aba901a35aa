#pragma once

#include "core/DropReason.h"

#include <array>
#include <atomic>
#include <cstdint>

namespace vibra::core {

/// Plain copy of a device's counters at one moment.
struct CounterSnapshot {
    std::uint64_t bytes = 0;            ///< raw bytes received from the transport
    std::uint64_t frames = 0;           ///< frames / lines / messages accepted
    std::uint64_t samplesReceived = 0;  ///< samples per axis accepted from the device
    std::uint64_t samplesProcessed = 0; ///< samples per axis that went through the DSP worker
    std::uint64_t samplesStored = 0;    ///< samples per axis committed to storage
    std::array<std::uint64_t, kDropReasonCount> samplesDropped{}; ///< by reason
    std::array<std::uint64_t, kDropReasonCount> framesDropped{}; ///< by reason (frames whose size is unknown)
    std::uint64_t gapsDetected = 0;   ///< discontinuities found from sequence / sample index
    std::uint64_t gapsInferred = 0;   ///< discontinuities inferred from timestamps
    std::uint64_t samplesMissing = 0; ///< samples per axis lost inside gaps (never received)
    std::uint64_t reconnects = 0;
    std::uint64_t rateChanges = 0;         ///< new streams started because the estimated rate changed
    std::uint64_t rateEstimateMilliHz = 0; ///< gauge: rate estimated from time stamps, mHz (0: not estimated)
    std::uint64_t timestampJitterNs = 0;   ///< gauge: robust std. dev. of the time stamps around the fit, ns

    double rateEstimateHz() const { return static_cast<double>(rateEstimateMilliHz) * 1e-3; }
    std::uint64_t droppedTotal() const {
        std::uint64_t s = 0;
        for (auto v : samplesDropped)
            s += v;
        return s;
    }
    std::uint64_t dropped(DropReason r) const { return samplesDropped[static_cast<std::size_t>(r)]; }
};

/// Live counters of one device. Every field is a monotonic counter (except the two documented gauges) with a
/// single writing thread (documented per field); any thread may read. Relaxed atomics suffice: counters order
/// nothing else, and readers only need eventually-consistent values. Final accounting is read after the
/// threads that write them have been joined (which provides the happens-before).
class DeviceCounters {
public:
    // written by the source's I/O thread
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> frames{0};
    std::atomic<std::uint64_t> samplesReceived{0};
    std::atomic<std::uint64_t> gapsDetected{0};
    std::atomic<std::uint64_t> gapsInferred{0};
    std::atomic<std::uint64_t> samplesMissing{0};
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::uint64_t> rateChanges{0}; ///< new streams because the estimated rate changed
    // Gauges (current values, not monotonic), written by the source's I/O thread for streams that carry a
    // time stamp per sample (SensorServer, CSV with a time column): the rate estimated continuously from the
    // time stamps (mHz) and their jitter (robust standard deviation around the fitted clock, ns). 0 when the
    // rate is configured or carried by frames.
    std::atomic<std::uint64_t> rateEstimateMilliHz{0};
    std::atomic<std::uint64_t> timestampJitterNs{0};
    // written by the DSP worker thread
    std::atomic<std::uint64_t> samplesProcessed{0};
    // written by the storage writer thread
    std::atomic<std::uint64_t> samplesStored{0};
    // each reason has one writer: RingOverflow/Malformed/Crc/Duplicate/Unauthorized -> I/O thread,
    // StoreOverflow -> DSP worker, WriteError -> storage writer
    std::array<std::atomic<std::uint64_t>, kDropReasonCount> samplesDropped{};
    std::array<std::atomic<std::uint64_t>, kDropReasonCount> framesDropped{};

    void addDropped(DropReason r, std::uint64_t samples, std::uint64_t frameCount = 0) {
        samplesDropped[static_cast<std::size_t>(r)].fetch_add(samples, std::memory_order_relaxed);
        framesDropped[static_cast<std::size_t>(r)].fetch_add(frameCount, std::memory_order_relaxed);
    }

    CounterSnapshot snapshot() const {
        CounterSnapshot s;
        s.bytes = bytes.load(std::memory_order_relaxed);
        s.frames = frames.load(std::memory_order_relaxed);
        s.samplesReceived = samplesReceived.load(std::memory_order_relaxed);
        s.samplesProcessed = samplesProcessed.load(std::memory_order_relaxed);
        s.samplesStored = samplesStored.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < kDropReasonCount; ++i) {
            s.samplesDropped[i] = samplesDropped[i].load(std::memory_order_relaxed);
            s.framesDropped[i] = framesDropped[i].load(std::memory_order_relaxed);
        }
        s.gapsDetected = gapsDetected.load(std::memory_order_relaxed);
        s.gapsInferred = gapsInferred.load(std::memory_order_relaxed);
        s.samplesMissing = samplesMissing.load(std::memory_order_relaxed);
        s.reconnects = reconnects.load(std::memory_order_relaxed);
        s.rateChanges = rateChanges.load(std::memory_order_relaxed);
        s.rateEstimateMilliHz = rateEstimateMilliHz.load(std::memory_order_relaxed);
        s.timestampJitterNs = timestampJitterNs.load(std::memory_order_relaxed);
        return s;
    }
};

} // namespace vibra::core
