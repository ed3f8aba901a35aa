#pragma once

#include "core/DeviceCounters.h"
#include "storage/Statement.h"

#include <cstdint>
#include <string>

namespace vibra::storage {

/// The recording session's row (`session`) and its per-device accounting (`session_device`): started when the
/// writer opens the database, one accounting row per device upserted in every transaction (so after a crash
/// `stored` equals what the tables hold), closed in the last transaction of a clean stop.
///
/// Threads: the writer thread.
class SessionAccounting {
public:
    bool prepare(sqlite3* db, std::string* error);
    void finalize();
    /// Inserts the session row (not closed).
    bool begin(std::int64_t startedNs, const std::string& configJson, const std::string& appVersion,
               std::string* error);
    std::int64_t sessionId() const { return m_sessionId; }
    /// Upserts the device's accounting row of this session with c: received, stored, samples dropped by
    /// reason,
    /// frames (or blocks, records) dropped by reason (the only count for input without a known sample count:
    /// malformed lines/frames, CRC errors, unauthorized frames), gaps, transport counters.
    bool write(std::int64_t deviceRowId, const core::CounterSnapshot& c, std::string* error);
    /// Sets stopped_ns and clean.
    bool close(std::int64_t stoppedNs, bool clean, std::string* error);

    /// {"reason": count, ...} of the non-zero entries (stable reason names).
    static std::string droppedJson(const std::array<std::uint64_t, core::kDropReasonCount>& byReason);
    /// sum += c, field by field.
    static void add(core::CounterSnapshot& sum, const core::CounterSnapshot& c);

private:
    sqlite3* m_db = nullptr;
    std::int64_t m_sessionId = -1;
    Statement m_upsert, m_close;
};

} // namespace vibra::storage
