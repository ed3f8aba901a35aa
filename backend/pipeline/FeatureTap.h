#pragma once

#include "core/SpscRing.h"
#include "pipeline/RollupRecord.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace vibra::pipeline {

/// A features tap of one device for a sink that wants what the engine derives, not the samples (the Redis
/// publisher's features mode, `--publish redis://…?mode=features`): every completed 1 s rollup and every
/// event (alarm raised/cleared, trigger), as the same shared StoreItems the store feed gets (exactly one of
/// rollup / event set), in a bounded SPSC ring. A full ring drops the item (drop-newest) and counts it here.
///
/// Lifetime and threads as TapFeed: shared by the producer (a DSP pool worker: push, close) and the consumer
/// (the sink's thread: pop, closed); the producer closes it after its last push. A tap added to a running
/// device starts with the next completed second.
struct FeatureTap {
    FeatureTap(std::string id, std::string uri, std::size_t capacity = 256)
        : deviceId(std::move(id))
        , sourceUri(std::move(uri))
        , ring(capacity) {}
    FeatureTap(const FeatureTap&) = delete;
    FeatureTap& operator=(const FeatureTap&) = delete;

    void close() { m_closed.store(true, std::memory_order_release); }
    bool closed() const { return m_closed.load(std::memory_order_acquire); }

    /// Producer: offers one item; false (counted) when the ring is full.
    bool offer(StoreItemPtr item) {
        const std::uint64_t samples = item->rollup ? item->rollup->samples : 0;
        const bool event = item->event != nullptr;
        (event ? offeredEvents : offeredSamples).fetch_add(event ? 1 : samples, std::memory_order_relaxed);
        if (ring.tryPush(std::move(item)))
            return true;
        (event ? droppedEvents : droppedSamples).fetch_add(event ? 1 : samples, std::memory_order_relaxed);
        return false;
    }

    const std::string deviceId;
    const std::string sourceUri;
    core::SpscRing<StoreItemPtr> ring;
    // written by the producer only, read anywhere
    std::atomic<std::uint64_t> offeredSamples{0}; ///< samples per axis in the rollups offered
    std::atomic<std::uint64_t> droppedSamples{0}; ///< ... in rollups refused by the full ring
    std::atomic<std::uint64_t> offeredEvents{0};
    std::atomic<std::uint64_t> droppedEvents{0};

private:
    std::atomic<bool> m_closed{false};
};

using FeatureTapPtr = std::shared_ptr<FeatureTap>;

} // namespace vibra::pipeline
