#include "storage/RawStore.h"

#include <algorithm>
#include <cmath>

namespace vibra::storage {

namespace {
/// Time of sample i of a part whose source block started at startNs (SampleBlock::timeOfSampleNs).
std::int64_t timeOf(std::int64_t startNs, std::uint64_t i, double rate) {
    return startNs + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate);
}
} // namespace

bool RawStore::prepare(sqlite3* db, EventStore* events, std::string* error) {
    m_db = db;
    m_events = events;
    m_insert = Statement(
        db, "INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, "
            "fmt, data, blocks, parts) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    m_update =
        Statement(db, "UPDATE raw_block SET end_ns=?, n=?, fmt=?, data=?, blocks=?, parts=? WHERE id=?");
    m_overlaps =
        Statement(db, "SELECT first_sample, n FROM raw_block WHERE device_id=?1 AND session_id=?2 AND "
                      "first_sample >= ?3 AND first_sample < ?4 ORDER BY first_sample");
    for (const Statement* s : {&m_insert, &m_update, &m_overlaps})
        if (!s->isValid()) {
            *error = s->error();
            return false;
        }
    return true;
}

void RawStore::finalize() {
    m_insert = {};
    m_update = {};
    m_overlaps = {};
    m_devices.clear();
    m_committed.clear();
}

bool RawStore::add(std::int64_t deviceRowId, std::int64_t sessionId, const core::SampleBlock& b, Outcome* out,
                   std::string* error) {
    *out = {};
    Device& d = m_devices[deviceRowId];
    const std::uint64_t end = b.firstSample + b.count;
    if (d.stored.have && b.firstSample > d.stored.end) {
        const std::uint64_t missing = b.firstSample - d.stored.end;
        core::Event gap;
        gap.tNs =
            b.startTimeNs - static_cast<std::int64_t>(static_cast<double>(missing) * 1e9 / b.sampleRate());
        gap.kind = "gap";
        gap.firstSample = d.stored.end;
        gap.samples = missing;
        gap.detail = b.indexInferred ? "inferred" : "detected";
        if (!m_events->insert(deviceRowId, sessionId, gap, error))
            return false;
    }
    if (!d.stored.have || b.firstSample >= d.stored.end) {
        if (!append(deviceRowId, sessionId, d, b, 0, b.count, error))
            return false;
        out->stored = b.count;
    } else {
        // The block may repeat samples stored in this session (a re-delivery): only its new samples are kept.
        std::vector<std::pair<std::uint64_t, std::uint64_t>> covered;
        if (!writeRun(deviceRowId, d, error) ||
            !storedRanges(deviceRowId, sessionId, d.stored, b.firstSample, end, &covered, error))
            return false;
        covered.emplace_back(end, end); // sentinel: the tail after the last stored range
        std::uint64_t pos = b.firstSample;
        for (const auto& [first, last] : covered) {
            const std::uint64_t stop = std::min(first, end);
            if (stop > pos) {
                const auto offset = static_cast<std::uint32_t>(pos - b.firstSample);
                const auto n = static_cast<std::uint32_t>(stop - pos);
                if (!append(deviceRowId, sessionId, d, b, offset, n, error))
                    return false;
                out->stored += n;
            }
            pos = std::max(pos, last);
            if (pos >= end)
                break;
        }
        out->duplicates = b.count - out->stored;
    }
    d.stored.have = true;
    d.stored.end = std::max(d.stored.end, end);
    return true;
}

bool RawStore::append(std::int64_t deviceRowId, std::int64_t sessionId, Device& d, const core::SampleBlock& b,
                      std::uint32_t offset, std::uint32_t n, std::string* error) {
    Run& r = d.run;
    const int axes = b.axisCount();
    const std::uint64_t first = b.firstSample + offset;
    const auto values = [&](std::uint64_t samples) { return samples * static_cast<std::uint64_t>(axes); };
    const bool continues =
        !r.empty() && first == r.first + r.count && axes == r.axes && b.sampleRate() == r.rate &&
        r.sessionId == sessionId && values(r.count + n) <= kRowValues &&
        (r.rowId < 0 || values(r.count) < kRowValues / 2); // a written row grows while small
    if (!r.empty() && !continues) {
        if (!writeRun(deviceRowId, d, error))
            return false;
        r.reset(); // the next samples start a new row
    }
    if (r.empty()) {
        r.sessionId = sessionId;
        r.first = first;
        r.count = 0;
        r.axes = axes;
        r.rate = b.sampleRate();
        r.axis.resize(static_cast<std::size_t>(axes));
        for (auto& v : r.axis)
            v.clear(); // keeps the capacity: no allocation per row
    }
    for (int a = 0; a < axes; ++a) {
        const auto src = b.axis(a).subspan(offset, n);
        auto& dst = r.axis[static_cast<std::size_t>(a)];
        dst.insert(dst.end(), src.begin(), src.end());
    }
    r.parts.push_back({n, static_cast<std::int64_t>(b.sequence), b.startTimeNs, offset});
    r.count += n;
    r.dirty = true;
    return true;
}

bool RawStore::writeRun(std::int64_t deviceRowId, Device& d, std::string* error) {
    Run& r = d.run;
    if (!r.dirty)
        return true;
    m_planar.clear();
    for (const auto& v : r.axis)
        m_planar.insert(m_planar.end(), v.begin(), v.end());
    const int fmt = m_codec.encode(m_planar, &m_blob);
    const RawPart& first = r.parts.front();
    const RawPart& last = r.parts.back();
    const std::int64_t tNs = timeOf(first.startTimeNs, first.offset, r.rate);
    const std::int64_t endNs =
        last.startTimeNs +
        static_cast<std::int64_t>(std::llround(static_cast<double>(last.offset + last.count) * 1e9 / r.rate));
    const bool single = r.parts.size() == 1 && first.offset == 0;
    if (!single)
        RawCodec::encodeParts(r.parts, first.sequence, tNs, &m_parts);
    Statement& st = r.rowId < 0 ? m_insert : m_update;
    st.reset();
    if (r.rowId < 0) {
        st.bind(1, deviceRowId)
            .bind(2, r.sessionId)
            .bind(3, first.sequence)
            .bind(4, static_cast<std::int64_t>(r.first))
            .bind(5, tNs)
            .bind(6, endNs)
            .bind(7, static_cast<std::int64_t>(r.count))
            .bind(8, static_cast<std::int64_t>(r.axes))
            .bind(9, static_cast<std::int64_t>(fmt))
            .bindBlob(10, m_blob)
            .bind(11, static_cast<std::int64_t>(r.parts.size()));
        if (!single)
            st.bindBlob(12, m_parts);
    } else { // the row grows: same key and start, more samples
        st.bind(1, endNs)
            .bind(2, static_cast<std::int64_t>(r.count))
            .bind(3, static_cast<std::int64_t>(fmt))
            .bindBlob(4, m_blob)
            .bind(5, static_cast<std::int64_t>(r.parts.size()));
        if (!single)
            st.bindBlob(6, m_parts);
        st.bind(7, r.rowId);
    }
    if (st.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    if (r.rowId >= 0 && sqlite3_changes(m_db) == 0) {
        r.rowId = -1; // retention deleted the row meanwhile: write it anew
        return writeRun(deviceRowId, d, error);
    }
    if (r.rowId < 0)
        r.rowId = sqlite3_last_insert_rowid(m_db);
    r.dirty = false;
    d.stored.maxRowCount = std::max(d.stored.maxRowCount, r.count);
    return true;
}

bool RawStore::storedRanges(std::int64_t deviceRowId, std::int64_t sessionId, const Stored& s,
                            std::uint64_t from, std::uint64_t to,
                            std::vector<std::pair<std::uint64_t, std::uint64_t>>* out, std::string* error) {
    out->clear();
    // A row starting before from - maxRowCount cannot reach from.
    const std::uint64_t lowest = from > s.maxRowCount ? from - s.maxRowCount : 0;
    m_overlaps.reset();
    m_overlaps.bind(1, deviceRowId)
        .bind(2, sessionId)
        .bind(3, static_cast<std::int64_t>(lowest))
        .bind(4, static_cast<std::int64_t>(to));
    std::string err;
    while (m_overlaps.fetch(&err)) {
        const auto first = static_cast<std::uint64_t>(m_overlaps.int64(0));
        const auto end = first + static_cast<std::uint64_t>(m_overlaps.int64(1));
        if (end > from)
            out->emplace_back(first, end);
    }
    m_overlaps.reset();
    if (!err.empty()) {
        *error = err;
        return false;
    }
    return true;
}

bool RawStore::flush(std::string* error) {
    for (auto& [row, d] : m_devices)
        if (!writeRun(row, d, error))
            return false;
    return true;
}

void RawStore::committed() {
    m_committed.clear();
    for (const auto& [row, d] : m_devices)
        m_committed[row] = d.stored;
}

void RawStore::rolledBack() {
    for (auto& [row, d] : m_devices) {
        d.run.reset(); // lost with the transaction (counted as write_error by the writer), its row too
        const auto it = m_committed.find(row);
        d.stored = it == m_committed.end() ? Stored{} : it->second;
    }
}

} // namespace vibra::storage
