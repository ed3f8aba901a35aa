#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace vibra::storage {

/// How long history is kept (0 = forever).
struct RetentionPolicy {
    std::int64_t rawNs = 0; ///< raw blocks whose last sample is older than now - rawNs go
    std::int64_t rollupNs =
        0; ///< rollup buckets (1 s, 1 min, 1 h) and events that ended before now - rollupNs go
    bool enabled() const { return rawNs > 0 || rollupNs > 0; }
};

/// Removes history that is due, in small batches so the writer never stalls: one call deletes at most
/// batchRows rows per table inside one short transaction. "Due" is exact: a raw block when its end_ns <=
/// now - rawNs; a rollup bucket when its end (t_ns + bucket length) <= now - rollupNs; an event when its
/// t_ns <= now - rollupNs.
///
/// An instance schedules the batches for the writer: runIfDue() after a commit runs one batch at most every
/// 2 s, or at once again while the previous batch was full.
///
/// Threads: the thread that owns the connection (the writer thread).
class Retention {
public:
    struct Result {
        std::uint64_t rawBlocks = 0;
        std::uint64_t rollupRows = 0;
        std::uint64_t events = 0;
        std::uint64_t relayRows =
            0;             ///< relay ledger keys (raw entries with raw, features entries with rollups)
        bool more = false; ///< a batch was full: call again
    };

    Retention(RetentionPolicy policy, int batchRows)
        : m_policy(policy)
        , m_batchRows(batchRows) {}
    bool enabled() const { return m_policy.enabled(); }
    /// One batch when due (see above); *result is all zero when none ran.
    bool runIfDue(sqlite3* db, std::int64_t utcNowNs, Result* result, std::string* error);

    static bool applyBatch(sqlite3* db, std::int64_t nowNs, const RetentionPolicy& policy, int batchRows,
                           Result* result, std::string* error);

    /// Parses "7d", "12h", "30min", "90s", "500ms", "2w" (also "1.5h"); nullopt when malformed or <= 0.
    static std::optional<std::int64_t> parseDuration(const std::string& text);

    static constexpr auto kInterval = std::chrono::seconds(2);

private:
    const RetentionPolicy m_policy;
    const int m_batchRows;
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
    bool m_more = false;
};

} // namespace vibra::storage
