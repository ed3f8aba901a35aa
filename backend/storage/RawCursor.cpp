#include "storage/RawCursor.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vibra::storage {

bool RawCursor::open(Database& db, const std::string& device, std::optional<std::int64_t> fromNs,
                     std::optional<std::int64_t> toNs, std::string* error) {
    m_db = &db;
    m_error.clear();
    m_parts.clear();
    m_part = 0;
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
    m_from = fromNs.value_or(std::numeric_limits<std::int64_t>::min());
    m_to = toNs.value_or(std::numeric_limits<std::int64_t>::max());
    const std::string where = " FROM raw_block WHERE device_id = ?1 AND t_ns < ?3 AND end_ns > ?2";
    Statement count(db.handle(), "SELECT coalesce(sum(blocks), 0)" + where);
    if (!count.isValid()) {
        *error = count.error();
        return false;
    }
    count.bind(1, m_device.rowId).bind(2, m_from).bind(3, m_to);
    if (!count.fetch(&err)) {
        *error = "reading '" + db.path() + "' failed: " + (err.empty() ? "no count" : err);
        return false;
    }
    m_count = static_cast<std::uint64_t>(count.int64(0));
    m_stmt = Statement(db.handle(), "SELECT session_id, seq, first_sample, t_ns, n, axes, fmt, data, parts" +
                                        where + " ORDER BY t_ns, session_id, seq");
    if (!m_stmt.isValid()) {
        *error = m_stmt.error();
        return false;
    }
    m_stmt.bind(1, m_device.rowId).bind(2, m_from).bind(3, m_to);
    return true;
}

bool RawCursor::nextRow() {
    if (!m_stmt.isValid() || !m_stmt.fetch(&m_error))
        return false;
    m_session = m_stmt.int64(0);
    const std::int64_t seq = m_stmt.int64(1);
    m_rowFirst = static_cast<std::uint64_t>(m_stmt.int64(2));
    const std::int64_t tNs = m_stmt.int64(3);
    m_rowCount = static_cast<std::uint64_t>(m_stmt.int64(4));
    m_rowAxes = static_cast<int>(m_stmt.int64(5));
    const std::size_t values = m_rowCount * static_cast<std::size_t>(std::max(0, m_rowAxes));
    std::string err;
    if (!m_codec.decode(static_cast<int>(m_stmt.int64(6)), m_stmt.blob(7), values, &m_rowData, &err)) {
        m_error = "block " + std::to_string(seq) + " of session " + std::to_string(m_session) + ": " + err;
        return false;
    }
    if (m_stmt.isNull(8)) {
        m_parts.assign(1, RawPart{static_cast<std::uint32_t>(m_rowCount), seq, tNs, 0});
    } else if (!RawCodec::decodeParts(m_stmt.blob(8), seq, tNs, m_rowCount, &m_parts, &err)) {
        m_error = "block " + std::to_string(seq) + " of session " + std::to_string(m_session) + ": " + err;
        return false;
    }
    m_part = 0;
    m_partFirst = 0;
    return true;
}

bool RawCursor::next(RawBlock* block) {
    const double rate = m_device.rateHz;
    for (;;) {
        if (m_part >= m_parts.size()) {
            if (!nextRow())
                return false;
        }
        const RawPart& p = m_parts[m_part];
        const std::uint64_t at = m_partFirst;
        ++m_part;
        m_partFirst += p.count;
        block->sourceStartNs = p.startTimeNs;
        block->offset = p.offset;
        block->tNs = block->timeOfSampleNs(0, rate);
        block->endNs =
            p.startTimeNs +
            static_cast<std::int64_t>(std::llround(static_cast<double>(p.offset + p.count) * 1e9 / rate));
        if (block->tNs >= m_to || block->endNs <= m_from)
            continue; // a part of a row that reaches beyond the range
        block->sessionId = m_session;
        block->sequence = p.sequence;
        block->firstSample = m_rowFirst + at;
        block->count = p.count;
        block->axes = m_rowAxes;
        block->data.resize(static_cast<std::size_t>(p.count) * static_cast<std::size_t>(m_rowAxes));
        for (int a = 0; a < m_rowAxes; ++a) {
            const float* src = m_rowData.data() + static_cast<std::size_t>(a) * m_rowCount + at;
            std::copy(src, src + p.count, block->data.begin() + static_cast<std::ptrdiff_t>(a) * p.count);
        }
        return true;
    }
}

} // namespace vibra::storage
