#pragma once

#include "core/DeviceCounters.h"
#include "core/SpscRing.h"
#include "pipeline/RollupRecord.h"

#include <atomic>
#include <memory>
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

    const std::string deviceId;
    const std::string sourceUri;
    const std::shared_ptr<core::DeviceCounters> counters;
    core::SpscRing<StoreItemPtr> ring;

private:
    std::atomic<bool> m_closed{false};
};

using StoreFeedPtr = std::shared_ptr<StoreFeed>;

} // namespace vibra::pipeline
