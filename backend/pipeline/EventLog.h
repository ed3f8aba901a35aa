#pragma once

#include "core/Event.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace vibra::pipeline {

/// The engine's recent events (alarms, zone changes, ...), for live consumers: record's console, the
/// dashboard's alarm list, the HTTP API and notifiers. Each event gets a sequence number (1, 2, ...); a
/// consumer remembers the last one it saw and asks for what came after.
///
/// Bounded: the newest `capacity` events are kept; a consumer that falls further behind is told how many it
/// missed (those are still in the database when recording). Events are rare (crossings, not samples).
///
/// Threads: append() from pool workers, since()/counts from any thread; one mutex.
class EventLog {
public:
    struct Entry {
        std::uint64_t sequence = 0;
        core::EventPtr event;
    };
    struct Batch {
        std::vector<Entry> entries;
        std::uint64_t missed = 0; ///< events after `after` that were evicted before this call
        std::uint64_t last = 0;   ///< sequence to pass next time
    };

    explicit EventLog(std::size_t capacity = 10000)
        : m_capacity(capacity ? capacity : 1) {}

    std::uint64_t append(core::EventPtr event) {
        std::lock_guard lock(m_mutex);
        m_entries.push_back({++m_last, std::move(event)});
        if (m_entries.size() > m_capacity)
            m_entries.pop_front();
        return m_last;
    }

    /// Events with sequence > after (at most maxCount, oldest first).
    Batch since(std::uint64_t after, std::size_t maxCount = SIZE_MAX) const {
        std::lock_guard lock(m_mutex);
        Batch b;
        const std::uint64_t first = m_entries.empty() ? m_last + 1 : m_entries.front().sequence;
        if (after + 1 < first)
            b.missed = first - after - 1;
        for (const auto& e : m_entries) {
            if (e.sequence <= after)
                continue;
            if (b.entries.size() >= maxCount)
                break;
            b.entries.push_back(e);
        }
        b.last = b.entries.empty() ? std::max(after, first - 1) : b.entries.back().sequence;
        return b;
    }

    std::uint64_t lastSequence() const {
        std::lock_guard lock(m_mutex);
        return m_last;
    }
    std::size_t capacity() const { return m_capacity; }

private:
    const std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::deque<Entry> m_entries;
    std::uint64_t m_last = 0;
};

} // namespace vibra::pipeline
