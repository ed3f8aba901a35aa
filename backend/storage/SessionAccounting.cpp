#include "storage/SessionAccounting.h"

namespace vibra::storage {

bool SessionAccounting::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    m_upsert = Statement(
        db,
        "INSERT INTO session_device(session_id, device_id, received, stored, dropped_total, dropped_json, "
        "gaps_detected, gaps_inferred, samples_missing, reconnects, bytes, frames, frames_dropped_total, "
        "frames_dropped_json, rate_estimate_hz, timestamp_jitter_ns, rate_changes) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(session_id, device_id) DO UPDATE SET received=excluded.received, "
        "stored=excluded.stored, dropped_total=excluded.dropped_total, dropped_json=excluded.dropped_json, "
        "gaps_detected=excluded.gaps_detected, gaps_inferred=excluded.gaps_inferred, "
        "samples_missing=excluded.samples_missing, reconnects=excluded.reconnects, bytes=excluded.bytes, "
        "frames=excluded.frames, frames_dropped_total=excluded.frames_dropped_total, "
        "frames_dropped_json=excluded.frames_dropped_json, rate_estimate_hz=excluded.rate_estimate_hz, "
        "timestamp_jitter_ns=excluded.timestamp_jitter_ns, rate_changes=excluded.rate_changes");
    m_close = Statement(db, "UPDATE session SET stopped_ns=?, clean=? WHERE id=?");
    for (const Statement* s : {&m_upsert, &m_close})
        if (!s->isValid()) {
            *error = s->error();
            return false;
        }
    return true;
}

void SessionAccounting::finalize() {
    m_upsert = {};
    m_close = {};
}

bool SessionAccounting::begin(std::int64_t startedNs, const std::string& configJson,
                              const std::string& appVersion, std::string* error) {
    Statement st(m_db, "INSERT INTO session(started_ns, config_json, app_version) VALUES(?,?,?)");
    st.bind(1, startedNs).bind(2, configJson).bind(3, appVersion);
    if (st.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    m_sessionId = sqlite3_last_insert_rowid(m_db);
    return true;
}

bool SessionAccounting::write(std::int64_t deviceRowId, const core::CounterSnapshot& c, std::string* error) {
    m_upsert.reset();
    m_upsert.bind(1, m_sessionId)
        .bind(2, deviceRowId)
        .bind(3, static_cast<std::int64_t>(c.samplesReceived))
        .bind(4, static_cast<std::int64_t>(c.samplesStored))
        .bind(5, static_cast<std::int64_t>(c.droppedTotal()))
        .bind(6, droppedJson(c.samplesDropped))
        .bind(7, static_cast<std::int64_t>(c.gapsDetected))
        .bind(8, static_cast<std::int64_t>(c.gapsInferred))
        .bind(9, static_cast<std::int64_t>(c.samplesMissing))
        .bind(10, static_cast<std::int64_t>(c.reconnects))
        .bind(11, static_cast<std::int64_t>(c.bytes))
        .bind(12, static_cast<std::int64_t>(c.frames));
    std::uint64_t framesDropped = 0;
    for (const auto f : c.framesDropped)
        framesDropped += f;
    m_upsert.bind(13, static_cast<std::int64_t>(framesDropped)).bind(14, droppedJson(c.framesDropped));
    // gauges of a timestamped stream; NULL when the rate is configured or carried by the frames
    if (c.rateEstimateMilliHz > 0)
        m_upsert.bind(15, c.rateEstimateHz()).bind(16, static_cast<std::int64_t>(c.timestampJitterNs));
    else
        m_upsert.bindNull(15).bindNull(16);
    m_upsert.bind(17, static_cast<std::int64_t>(c.rateChanges));
    if (m_upsert.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    return true;
}

bool SessionAccounting::close(std::int64_t stoppedNs, bool clean, std::string* error) {
    m_close.reset();
    m_close.bind(1, stoppedNs).bind(2, static_cast<std::int64_t>(clean ? 1 : 0)).bind(3, m_sessionId);
    if (m_close.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    return true;
}

std::string
SessionAccounting::droppedJson(const std::array<std::uint64_t, core::kDropReasonCount>& byReason) {
    std::string o = "{";
    for (std::size_t i = 0; i < core::kDropReasonCount; ++i) {
        if (byReason[i] == 0)
            continue;
        if (o.size() > 1)
            o += ',';
        o += '"';
        o += core::dropReasonName(static_cast<core::DropReason>(i));
        o += "\":" + std::to_string(byReason[i]);
    }
    return o + "}";
}

void SessionAccounting::add(core::CounterSnapshot& sum, const core::CounterSnapshot& c) {
    sum.bytes += c.bytes;
    sum.frames += c.frames;
    sum.samplesReceived += c.samplesReceived;
    sum.samplesProcessed += c.samplesProcessed;
    sum.samplesStored += c.samplesStored;
    for (std::size_t i = 0; i < core::kDropReasonCount; ++i) {
        sum.samplesDropped[i] += c.samplesDropped[i];
        sum.framesDropped[i] += c.framesDropped[i];
    }
    sum.gapsDetected += c.gapsDetected;
    sum.gapsInferred += c.gapsInferred;
    sum.samplesMissing += c.samplesMissing;
    sum.reconnects += c.reconnects;
    sum.rateChanges += c.rateChanges;
    // gauges: the newest feed's value (feeds of one device are added in the order they were attached)
    if (c.rateEstimateMilliHz > 0) {
        sum.rateEstimateMilliHz = c.rateEstimateMilliHz;
        sum.timestampJitterNs = c.timestampJitterNs;
    }
}

} // namespace vibra::storage
