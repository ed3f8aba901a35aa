#pragma once

#include "core/DeviceCounters.h"
#include "core/SpscRing.h"
#include "pipeline/RollupRecord.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace vibra::pipeline {

/// The storage end of one device: a bounded SPSC ring of StoreItems (rollups, raw blocks, events) from the
/// device's DSP processor to one storage writer, plus the device's counters.
///
/// Lifetime is safe by construction: the processor and the writer each hold a shared_ptr, so a device can be
/// removed (its channel destroyed) while the writer still drains what it queued; neither side ever touches
/// freed memory. The producer calls close() after its last push (device removed, recording stopped, end of
/// stream); the writer, on seeing closed(), drains the ring completely, writes the device's final accounting
/// and releases the feed. Nothing is waited for on the owner's thread.
///
/// Threads: one producer (a DSP pool worker: push, close), one consumer (the writer thread: pop, closed);
/// counters as documented in core::DeviceCounters. Capacity: `capacity` items (rounded up to a power of two);
/// what happens when full is the producer's policy (back-pressure or drop-newest counted as store_overflow).
struct StoreFeed {
    StoreFeed(std::string id, std::string uri, std::shared_ptr<core::DeviceCounters> deviceCounters,
              std::size_t capacity = 256)
        : deviceId(std::move(id))
        , sourceUri(std::move(uri))
        , counters(std::move(deviceCounters))
        , ring(capacity) {}
    StoreFeed(const StoreFeed&) = delete;
    StoreFeed& operator=(const StoreFeed&) = delete;

    /// Producer, after its last push (release: everything pushed before is visible to the consumer that sees
    /// closed() == true).
    void close() { m_closed.store(true, std::memory_order_release); }
    /// Consumer: when true, drain the ring once more; nothing further will arrive.
    bool closed() const { return m_closed.load(std::memory_order_acquire); }

    /// Session accounting. A feed may be attached to a device that has been running for a while (the
    /// dashboard starts recording mid-stream) and detached while it keeps running, so the device's cumulative
    /// counters are not the session's. The producer records the counters when it attaches the feed (before
    /// its first push) and when it closes it, each with samplesReceived replaced by "accounted received" =
    /// samplesProcessed + the input-stage drops (ring_overflow, malformed, crc, duplicate, unauthorized): the
    /// samples still queued at either moment belong to whichever side processes them. sessionCounters() then
    /// gives, exactly once the producer has closed the feed and the consumer has committed its last item:
    ///   received = stored + dropped{all reasons}   (per device, for this feed)
    /// Fields written after the producer's last push (samplesStored, write_error and store_overflow,
    /// duplicate raw blocks found by the writer) are always taken live; the others from the end record once
    /// set. Any thread.
    void setBaseline(const core::CounterSnapshot& c) {
        std::lock_guard lock(m_accountingMutex);
        m_baseline = c;
    }
    void setEnd(const core::CounterSnapshot& c) {
        std::lock_guard lock(m_accountingMutex);
        m_end = c;
    }
    core::CounterSnapshot sessionCounters() const {
        core::CounterSnapshot live = counters->snapshot();
        std::lock_guard lock(m_accountingMutex);
        core::CounterSnapshot s = m_end ? *m_end : live;
        if (!m_end) // still running: received so far, as the producer would account it
            s.samplesReceived = live.samplesReceived;
        const auto sub = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; };
        s.bytes = sub(s.bytes, m_baseline.bytes);
        s.frames = sub(s.frames, m_baseline.frames);
        s.samplesReceived = sub(s.samplesReceived, m_baseline.samplesReceived);
        s.samplesProcessed = sub(s.samplesProcessed, m_baseline.samplesProcessed);
        s.samplesStored = sub(live.samplesStored, m_baseline.samplesStored);
        for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
            // written by the consumer (or, for duplicates, also by it: raw blocks already stored)
            const bool consumerField = r == static_cast<std::size_t>(core::DropReason::WriteError) ||
                                       r == static_cast<std::size_t>(core::DropReason::StoreOverflow) ||
                                       r == static_cast<std::size_t>(core::DropReason::Duplicate) ||
                                       r == static_cast<std::size_t>(core::DropReason::AlreadyStored);
            const auto& src = consumerField ? live : s;
            s.samplesDropped[r] = sub(src.samplesDropped[r], m_baseline.samplesDropped[r]);
            s.framesDropped[r] = sub(src.framesDropped[r], m_baseline.framesDropped[r]);
        }
        s.gapsDetected = sub(s.gapsDetected, m_baseline.gapsDetected);
        s.gapsInferred = sub(s.gapsInferred, m_baseline.gapsInferred);
        s.samplesMissing = sub(s.samplesMissing, m_baseline.samplesMissing);
        s.reconnects = sub(s.reconnects, m_baseline.reconnects);
        s.rateChanges = sub(s.rateChanges, m_baseline.rateChanges);
        // rateEstimateMilliHz and timestampJitterNs are gauges: their value at the end (or now), not a
        // difference
        return s;
    }

    const std::string deviceId;
    const std::string sourceUri;
    const std::shared_ptr<core::DeviceCounters> counters;
    core::SpscRing<StoreItemPtr> ring;

private:
    std::atomic<bool> m_closed{false};
    mutable std::mutex m_accountingMutex;
    core::CounterSnapshot m_baseline; ///< zero for a feed attached before the device's first block
    std::optional<core::CounterSnapshot> m_end;
};

using StoreFeedPtr = std::shared_ptr<StoreFeed>;

} // namespace vibra::pipeline
