#include "storage/RelayLedger.h"

namespace vibra::storage {

bool RelayLedger::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    m_insert = Statement(
        db, "INSERT INTO relay_block(device_id, origin, seq, session_id, samples) VALUES(?,?,?,?,?) "
            "ON CONFLICT DO NOTHING");
    if (!m_insert.isValid()) {
        *error = m_insert.error();
        return false;
    }
    return true;
}

void RelayLedger::finalize() {
    m_insert = Statement();
}

bool RelayLedger::claim(std::int64_t deviceRowId, const std::string& origin, std::uint64_t seq,
                        std::int64_t sessionId, std::uint64_t samples, bool* fresh, std::string* error) {
    m_insert.reset();
    m_insert.bind(1, deviceRowId).bind(2, std::string_view(origin)).bind(3, static_cast<std::int64_t>(seq));
    m_insert.bind(4, sessionId).bind(5, static_cast<std::int64_t>(samples));
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
