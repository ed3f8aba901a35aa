#include "storage/RelayLedger.h"

namespace vibra::storage {

bool RelayLedger::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    m_insert = Statement(
        db, "INSERT INTO relay_block(device_id, origin, seq, session_id, samples, t_ns) VALUES(?,?,?,?,?,?) "
            "ON CONFLICT DO NOTHING");
    if (!m_insert.isValid()) {
        *error = m_insert.error();
        return false;
    }
    return true;
}

void RelayLedger::finalize() {
    m_insert = Statement();
    m_lookup = Statement();
}

bool RelayLedger::prepareLookup(sqlite3* db, std::string* error) {
    m_db = db;
    m_lookup = Statement(db, "SELECT 1 FROM relay_block r JOIN device d ON d.id = r.device_id "
                             "WHERE d.name = ?1 AND r.origin = ?2 AND r.seq = ?3");
    if (!m_lookup.isValid()) {
        *error = m_lookup.error();
        return false;
    }
    return true;
}

int RelayLedger::stored(const std::string& device, const std::string& origin, std::uint64_t seq) {
    m_lookup.reset();
    m_lookup.bind(1, std::string_view(device))
        .bind(2, std::string_view(origin))
        .bind(3, static_cast<std::int64_t>(seq));
    const int rc = m_lookup.step();
    m_lookup.reset();
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

bool RelayLedger::claim(std::int64_t deviceRowId, const std::string& origin, std::uint64_t seq,
                        std::int64_t sessionId, std::uint64_t samples, std::int64_t tNs, bool* fresh,
                        std::string* error) {
    m_insert.reset();
    m_insert.bind(1, deviceRowId).bind(2, std::string_view(origin)).bind(3, static_cast<std::int64_t>(seq));
    m_insert.bind(4, sessionId).bind(5, static_cast<std::int64_t>(samples)).bind(6, tNs);
    if (m_insert.step() != SQLITE_DONE) {
        *error = std::string("relay ledger: ") + sqlite3_errmsg(m_db);
        m_insert.reset();
        return false;
    }
    *fresh = sqlite3_changes(m_db) > 0;
    m_insert.reset();
    return true;
}

} // namespace vibra::storage
