#include "storage/RawStore.h"

#include <algorithm>
#include <cmath>

namespace vibra::storage {

bool RawStore::prepare(sqlite3* db, EventStore* events, std::string* error) {
    m_db = db;
    m_events = events;
    m_insert =
        Statement(db, "INSERT OR IGNORE INTO raw_block(device_id, session_id, seq, first_sample, t_ns, "
                      "end_ns, n, axes, fmt, data) VALUES(?,?,?,?,?,?,?,?,?,?)");
    if (!m_insert.isValid()) {
        *error = m_insert.error();
        return false;
    }
    return true;
}

void RawStore::finalize() {
    m_insert = {};
    m_devices.clear();
    m_committed.clear();
}

bool RawStore::add(std::int64_t deviceRowId, std::int64_t sessionId, const core::SampleBlock& b, Outcome* out,
                   std::string* error) {
    *out = {};
    Device& d = m_devices[deviceRowId];
    if (d.have && b.firstSample > d.end) {
        const std::uint64_t missing = b.firstSample - d.end;
        core::Event gap;
        gap.tNs =
            b.startTimeNs - static_cast<std::int64_t>(static_cast<double>(missing) * 1e9 / b.sampleRate());
        gap.kind = "gap";
        gap.firstSample = d.end;
        gap.samples = missing;
        gap.detail = b.indexInferred ? "inferred" : "detected";
        if (!m_events->insert(deviceRowId, sessionId, gap, error))
            return false;
    }
    const int fmt = m_codec.encode(b.data, &m_blob);
    m_insert.reset();
    m_insert.bind(1, deviceRowId)
        .bind(2, sessionId)
        .bind(3, static_cast<std::int64_t>(b.sequence))
        .bind(4, static_cast<std::int64_t>(b.firstSample))
        .bind(5, b.startTimeNs)
        .bind(6, b.startTimeNs + static_cast<std::int64_t>(
                                     std::llround(static_cast<double>(b.count) * 1e9 / b.sampleRate())))
        .bind(7, static_cast<std::int64_t>(b.count))
        .bind(8, static_cast<std::int64_t>(b.axisCount()))
        .bind(9, static_cast<std::int64_t>(fmt))
        .bindBlob(10, m_blob);
    if (m_insert.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    if (sqlite3_changes(m_db) == 0) {
        out->duplicates = b.count;
        return true;
    }
    out->stored = b.count;
    d.have = true;
    d.end = std::max(d.end, b.firstSample + b.count);
    return true;
}

bool RawStore::flush(std::string*) {
    return true;
}

void RawStore::committed() {
    m_committed = m_devices;
}

void RawStore::rolledBack() {
    m_devices = m_committed;
}

} // namespace vibra::storage
