#include "storage/RawCursor.h"

#include <algorithm>
#include <limits>

namespace vibra::storage {

bool RawCursor::open(Database& db, const std::string& device, std::optional<std::int64_t> fromNs,
                     std::optional<std::int64_t> toNs, std::string* error) {
    m_db = &db;
    m_error.clear();
    std::string err;
    const auto all = RollupCursor::listDevices(db, &err);
    if (!err.empty()) {
        *error = err;
        return false;
    }
    auto it = std::find_if(all.begin(), all.end(), [&](const StoredDevice& d) { return d.name == device; });
    if (it == all.end()) {
        *error = "no device '" + device + "' in '" + db.path() + "'";
        return false;
    }
    m_device = *it;
    const std::int64_t from = fromNs.value_or(std::numeric_limits<std::int64_t>::min());
    const std::int64_t to = toNs.value_or(std::numeric_limits<std::int64_t>::max());
    const std::string where = " FROM raw_block WHERE device_id = ?1 AND t_ns < ?3 AND end_ns > ?2";
    Statement count(db.handle(), "SELECT count(*)" + where);
    if (!count.isValid()) {
        *error = count.error();
        return false;
    }
    count.bind(1, m_device.rowId).bind(2, from).bind(3, to);
    m_count = count.step() == SQLITE_ROW ? static_cast<std::uint64_t>(count.int64(0)) : 0;
    m_stmt = Statement(db.handle(), "SELECT session_id, seq, first_sample, t_ns, end_ns, n, axes, fmt, data" +
                                        where + " ORDER BY t_ns, session_id, seq");
    if (!m_stmt.isValid()) {
        *error = m_stmt.error();
        return false;
    }
    m_stmt.bind(1, m_device.rowId).bind(2, from).bind(3, to);
    return true;
}

bool RawCursor::next(RawBlock* block) {
    if (!m_stmt.isValid())
        return false;
    const int rc = m_stmt.step();
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE)
            m_error = sqlite3_errmsg(m_db->handle());
        return false;
    }
    block->sessionId = m_stmt.int64(0);
    block->sequence = m_stmt.int64(1);
    block->firstSample = static_cast<std::uint64_t>(m_stmt.int64(2));
    block->tNs = m_stmt.int64(3);
    block->endNs = m_stmt.int64(4);
    block->count = static_cast<std::uint32_t>(m_stmt.int64(5));
    block->axes = static_cast<int>(m_stmt.int64(6));
    const std::size_t values = static_cast<std::size_t>(block->count) * static_cast<std::size_t>(block->axes);
    std::string err;
    if (!m_codec.decode(static_cast<int>(m_stmt.int64(7)), m_stmt.blob(8), values, &block->data, &err)) {
        m_error = "block " + std::to_string(block->sequence) + " of session " +
                  std::to_string(block->sessionId) + ": " + err;
        return false;
    }
    return true;
}

} // namespace vibra::storage
