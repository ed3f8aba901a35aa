#pragma once

#include "core/SampleBlock.h"
#include "core/SpscRing.h"
#include "pipeline/TapCounters.h"

#include <atomic>
#include <memory>
#include <string>

namespace vibra::pipeline {

/// A raw-block tap of one device for a sink that wants every processed sample (the Parquet recording sink,
/// a stream publisher): the same shared, immutable SampleBlockPtr the DSP processor just processed (no copy),
/// in a bounded SPSC ring. A full ring drops the block (drop-newest) and counts it in `counters`
/// (TapCounters: offered / dropped), which belong to the sink's accounting, not to core::DeviceCounters.
///
/// Lifetime and threads exactly as StoreFeed: shared by the producer (a DSP pool worker: push, close) and the
/// consumer (the sink's thread: pop, closed); the producer closes it after its last push; taps may be added
/// to a running device at any time (they start with the next processed block).
struct TapFeed {
    TapFeed(std::string id, std::string uri, std::size_t capacity = 1024)
        : deviceId(std::move(id))
        , sourceUri(std::move(uri))
        , ring(capacity) {}
    TapFeed(const TapFeed&) = delete;
    TapFeed& operator=(const TapFeed&) = delete;

    void close() { m_closed.store(true, std::memory_order_release); }
    bool closed() const { return m_closed.load(std::memory_order_acquire); }

    const std::string deviceId;
    const std::string sourceUri;
    core::SpscRing<core::SampleBlockPtr> ring;
    TapCounters counters;

private:
    std::atomic<bool> m_closed{false};
};

using TapFeedPtr = std::shared_ptr<TapFeed>;

} // namespace vibra::pipeline
