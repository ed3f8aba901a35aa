#pragma once

#include "core/Clock.h"

#include <algorithm>
#include <cstdint>

namespace vibra::redis {

/// Reconnect back-off of the Redis threads (publisher, consumers, watcher): after each failure the next
/// attempt waits twice as long, from minMs up to maxMs; a success starts over.
///
/// Threads: its owner's thread only.
class Backoff {
public:
    explicit Backoff(int minMs = 100, int maxMs = 5000)
        : m_minMs(minMs)
        , m_maxMs(maxMs) {}

    /// A connection attempt failed (or the connection was lost): wait longer before the next one.
    void failed() {
        m_ms = m_ms == 0 ? m_minMs : std::min(m_ms * 2, m_maxMs);
        retryAfterMs(m_ms);
    }
    void succeeded() { m_ms = 0; }
    /// The next attempt, not before ms from now (whatever the doubling says).
    void retryAfterMs(int ms) { m_nextNs = core::monotonicNs() + std::int64_t{ms} * 1'000'000; }
    /// Whether an attempt may be made now.
    bool due() const { return core::monotonicNs() >= m_nextNs; }

private:
    int m_minMs, m_maxMs;
    int m_ms = 0;
    std::int64_t m_nextNs = 0;
};

} // namespace vibra::redis
