#include "storage/PublishLedger.h"

namespace vibra::storage {

bool PublishLedger::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    m_upsert = Statement(
        db,
        "INSERT OR REPLACE INTO publish_device(session_id, device_id, origin, mode, stream, received, "
        "published, entries, dropped_tap_overflow, dropped_overflow, dropped_rejected, dropped_unpublished, "
        "events_offered, events_published, events_dropped) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!m_upsert.isValid()) {
        *error = m_upsert.error();
        return false;
    }
    return true;
}

void PublishLedger::finalize() {
    m_upsert = Statement();
}

bool PublishLedger::write(std::int64_t sessionId, std::int64_t deviceRowId, const PublishCounts& c,
                          std::string* error) {
    const auto i64 = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
    m_upsert.reset();
    m_upsert.bind(1, sessionId).bind(2, deviceRowId);
    m_upsert.bind(3, std::string_view(c.origin))
        .bind(4, std::string_view(c.mode))
        .bind(5, std::string_view(c.stream));
    int i = 6;
    for (const std::uint64_t v :
         {c.received, c.published, c.entries, c.droppedTapOverflow, c.droppedOverflow, c.droppedRejected,
          c.droppedUnpublished, c.eventsOffered, c.eventsPublished, c.eventsDropped})
        m_upsert.bind(i++, i64(v));
    if (m_upsert.step() != SQLITE_DONE) {
        *error = std::string("publish accounting: ") + sqlite3_errmsg(m_db);
        m_upsert.reset();
        return false;
    }
    m_upsert.reset();
    return true;
}

} // namespace vibra::storage
