#include "storage/SqliteWriter.h"

#include "core/Clock.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <sstream>
#include <string_view>

namespace vibra::storage {

namespace {
std::int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty())
            out += ',';
        out += n;
    }
    return out;
}

std::string droppedJson(const core::CounterSnapshot& c) {
    std::ostringstream o;
    o << '{';
    bool first = true;
    for (std::size_t i = 0; i < core::kDropReasonCount; ++i) {
        if (c.samplesDropped[i] == 0)
            continue;
        o << (first ? "" : ",") << '"' << core::dropReasonName(static_cast<core::DropReason>(i))
          << "\":" << c.samplesDropped[i];
        first = false;
    }
    o << '}';
    return o.str();
}

void addCounters(core::CounterSnapshot& sum, const core::CounterSnapshot& c) {
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
}
} // namespace

SqliteWriter::SqliteWriter(Options options)
    : m_options(std::move(options)) {}

SqliteWriter::~SqliteWriter() {
    stop();
}

std::string SqliteWriter::errorMessage() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

void SqliteWriter::setError(const std::string& message) {
    {
        std::lock_guard lock(m_mutex);
        if (m_error.empty())
            m_error = message;
    }
    m_failed.store(true, std::memory_order_release);
}

bool SqliteWriter::start(std::string* error) {
    if (m_thread.joinable())
        return true;
    std::promise<std::string> opened;
    auto result = opened.get_future();
    m_thread = std::thread([this, &opened] { run(&opened); });
    const std::string err = result.get();
    if (!err.empty()) {
        m_thread.join();
        *error = err;
        return false;
    }
    return true;
}

void SqliteWriter::stop() {
    if (!m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopRequested = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void SqliteWriter::attach(pipeline::StoreFeedPtr feed) {
    if (!feed)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_incoming.push_back(std::move(feed));
    }
    m_cv.notify_all();
}

namespace {
int walHook(void* ctx, sqlite3*, const char*, int pages) {
    *static_cast<int*>(ctx) = pages;
    return SQLITE_OK;
}

const char* const kAggTables[2] = {"rollup_1m", "rollup_1h"};
const std::int64_t kAggBucketNs[2] = {60'000'000'000LL, 3'600'000'000'000LL};

std::int64_t floorTo(std::int64_t t, std::int64_t len) {
    std::int64_t q = t / len;
    if (t % len != 0 && t < 0)
        --q;
    return q * len;
}

void bindOptional(Statement& st, int index, const std::optional<double>& v) {
    if (v)
        st.bind(index, *v);
    else
        st.bindNull(index);
}

void bindOptional(Statement& st, int index, const std::optional<int>& v) {
    if (v)
        st.bind(index, static_cast<std::int64_t>(*v));
    else
        st.bindNull(index);
}
} // namespace

bool SqliteWriter::openDatabase(std::string* error) {
    if (!m_db.open(m_options.path, Database::Mode::Create, error, m_options.durability))
        return false;
    sqlite3* db = m_db.handle();
    if (m_options.maxPageCount > 0)
        m_db.exec(("PRAGMA max_page_count=" + std::to_string(m_options.maxPageCount)).c_str(), nullptr);
    // Checkpoints run on this thread after commits (see afterCommit); the hook replaces auto-checkpoint.
    sqlite3_wal_hook(db, &walHook, &m_walPages);
    m_insertRollup =
        Statement(db, "INSERT INTO rollup_1s(device_id, axis, t_ns, n, min, max, mean, rms, peak, "
                      "kurtosis, gaps, crest, velocity_rms, zone) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                      "ON CONFLICT DO NOTHING");
    m_selectRollup =
        Statement(db, "SELECT n, min, max, mean, rms, peak, crest, kurtosis, velocity_rms, zone, gaps "
                      "FROM rollup_1s WHERE device_id=? AND axis=? AND t_ns=?");
    m_updateRollup =
        Statement(db, "UPDATE rollup_1s SET n=?, min=?, max=?, mean=?, rms=?, peak=?, kurtosis=?, "
                      "gaps=?, crest=?, velocity_rms=?, zone=? WHERE device_id=? AND axis=? AND t_ns=?");
    for (int l = 0; l < 2; ++l) {
        const std::string t = kAggTables[l];
        m_selectAgg[l] =
            Statement(db, "SELECT n, min, max, mean, rms, peak, crest, kurtosis, velocity_rms, zone, "
                          "gaps FROM " +
                              t + " WHERE device_id=? AND axis=? AND t_ns=?");
        m_replaceAgg[l] =
            Statement(db, "INSERT OR REPLACE INTO " + t +
                              "(device_id, axis, t_ns, n, min, max, mean, rms, peak, crest, "
                              "kurtosis, velocity_rms, zone, gaps) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
    m_upsertLatest = Statement(
        db,
        "INSERT INTO device_latest(device_id, axis, t_ns, n, min, max, mean, rms, peak, crest, velocity_rms, "
        "zone) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(device_id, axis) DO UPDATE SET "
        "t_ns=excluded.t_ns, "
        "n=excluded.n, min=excluded.min, max=excluded.max, mean=excluded.mean, rms=excluded.rms, "
        "peak=excluded.peak, crest=excluded.crest, velocity_rms=excluded.velocity_rms, zone=excluded.zone "
        "WHERE excluded.t_ns >= device_latest.t_ns");
    m_insertRaw =
        Statement(db, "INSERT OR IGNORE INTO raw_block(device_id, session_id, seq, first_sample, t_ns, "
                      "end_ns, n, axes, fmt, data) VALUES(?,?,?,?,?,?,?,?,?,?)");
    m_insertEvent = Statement(
        db, "INSERT INTO event(device_id, session_id, t_ns, kind, first_sample, samples, "
            "detail, state, rule, metric, axis, value, threshold) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    m_upsertDevice =
        Statement(db, "INSERT INTO device(name, rate_hz, axes, axis_names, unit, source_uri) "
                      "VALUES(?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET rate_hz=excluded.rate_hz, "
                      "axes=excluded.axes, axis_names=excluded.axis_names, unit=excluded.unit, "
                      "source_uri=excluded.source_uri");
    m_selectDevice = Statement(db, "SELECT id FROM device WHERE name=?");
    m_upsertAccounting = Statement(
        db,
        "INSERT INTO session_device(session_id, device_id, received, stored, dropped_total, dropped_json, "
        "gaps_detected, gaps_inferred, samples_missing, reconnects, bytes, frames) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(session_id, device_id) DO UPDATE SET received=excluded.received, "
        "stored=excluded.stored, "
        "dropped_total=excluded.dropped_total, dropped_json=excluded.dropped_json, "
        "gaps_detected=excluded.gaps_detected, gaps_inferred=excluded.gaps_inferred, "
        "samples_missing=excluded.samples_missing, reconnects=excluded.reconnects, bytes=excluded.bytes, "
        "frames=excluded.frames");
    m_closeSession = Statement(db, "UPDATE session SET stopped_ns=?, clean=1 WHERE id=?");
    for (const Statement* s :
         {&m_insertRollup, &m_selectRollup, &m_updateRollup, &m_selectAgg[0], &m_selectAgg[1],
          &m_replaceAgg[0], &m_replaceAgg[1], &m_upsertLatest, &m_insertRaw, &m_insertEvent, &m_upsertDevice,
          &m_selectDevice, &m_upsertAccounting, &m_closeSession})
        if (!s->isValid()) {
            *error = "cannot prepare statements on '" + m_options.path + "': " + s->error();
            return false;
        }
    if (!recover(error))
        return false;
    Statement session(db, "INSERT INTO session(started_ns, config_json, app_version) VALUES(?,?,?)");
    session.bind(1, nowNs()).bind(2, m_options.configJson).bind(3, m_options.appVersion);
    if (session.step() != SQLITE_DONE) {
        *error = "cannot start a session in '" + m_options.path + "': " + sqlite3_errmsg(db);
        return false;
    }
    m_sessionId.store(sqlite3_last_insert_rowid(db), std::memory_order_relaxed);
    m_lastCheckpoint = m_lastRetention = std::chrono::steady_clock::now();
    return true;
}

bool SqliteWriter::recover(std::string* error) {
    m_recovery = {};
    if (!m_db.recoveredUncleanSession())
        return true;
    m_recovery.unclean = true;
    m_recovery.quickCheck = m_db.quickCheckResult();
    sqlite3* db = m_db.handle();
    // Close every session that never stopped at the time of its newest committed data, with an event.
    Statement open(db, "SELECT id, started_ns FROM session WHERE stopped_ns IS NULL ORDER BY id");
    std::vector<std::pair<std::int64_t, std::int64_t>> sessions;
    while (open.step() == SQLITE_ROW)
        sessions.emplace_back(open.int64(0), open.int64(1));
    std::string err;
    if (!m_db.exec("BEGIN IMMEDIATE", &err)) {
        *error = "cannot recover '" + m_options.path + "': " + err;
        return false;
    }
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        const auto [id, started] = sessions[i];
        const std::int64_t nextStart =
            i + 1 < sessions.size() ? sessions[i + 1].second : std::numeric_limits<std::int64_t>::max();
        Statement last(
            db, "SELECT max(v) FROM (SELECT max(end_ns) AS v FROM raw_block WHERE session_id=?1 "
                "UNION ALL SELECT max(t_ns) + 1000000000 FROM rollup_1s WHERE t_ns >= ?2 AND t_ns < ?3)");
        last.bind(1, id).bind(2, floorTo(started, 1'000'000'000LL)).bind(3, nextStart);
        std::int64_t lastNs = started;
        if (last.step() == SQLITE_ROW && !last.isNull(0))
            lastNs = std::max(started, last.int64(0));
        Statement close(db, "UPDATE session SET stopped_ns=?, clean=0 WHERE id=?");
        close.bind(1, lastNs).bind(2, id);
        m_insertEvent.reset();
        m_insertEvent.bindNull(1).bind(2, id).bind(3, lastNs).bind(4, std::string_view("unclean_shutdown"));
        m_insertEvent.bindNull(5).bindNull(6).bind(7, "quick_check: " + m_recovery.quickCheck);
        if (close.step() != SQLITE_DONE || m_insertEvent.step() != SQLITE_DONE) {
            *error = std::string("cannot record the recovery: ") + sqlite3_errmsg(db);
            m_db.exec("ROLLBACK", nullptr);
            return false;
        }
        m_recovery.sessions.push_back(id);
        m_recovery.lostAfterNs = std::max(m_recovery.lostAfterNs, lastNs);
    }
    if (!m_db.exec("COMMIT", &err)) {
        *error = "cannot recover '" + m_options.path + "': " + err;
        return false;
    }
    return true;
}

void SqliteWriter::run(std::promise<std::string>* opened) {
    std::string error;
    if (!openDatabase(&error)) {
        m_db.close();
        opened->set_value(error);
        return;
    }
    opened->set_value({});
    const auto interval = std::chrono::milliseconds(m_options.commitIntervalMs);
    for (;;) {
        bool stopNow = false;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait_for(lock, interval, [&] { return m_stopRequested; });
            stopNow = m_stopRequested;
        }
        cycle(stopNow);
        if (!failed())
            afterCommit();
        if (stopNow)
            break;
    }
    if (!failed())
        m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)", nullptr);
    m_insertRollup = {};
    m_selectRollup = {};
    m_updateRollup = {};
    for (int l = 0; l < 2; ++l) {
        m_selectAgg[l] = {};
        m_replaceAgg[l] = {};
    }
    m_upsertLatest = {};
    m_insertRaw = {};
    m_insertEvent = {};
    m_upsertDevice = {};
    m_selectDevice = {};
    m_upsertAccounting = {};
    m_closeSession = {};
    m_db.close();
    m_feeds.clear(); // releases the feeds: their producers may be gone already
}

void SqliteWriter::afterCommit() {
    const auto now = std::chrono::steady_clock::now();
    if (m_walPages > 0 &&
        (m_walPages >= m_options.checkpointPages ||
         now - m_lastCheckpoint >= std::chrono::milliseconds(m_options.checkpointIntervalMs))) {
        int log = 0, done = 0;
        if (sqlite3_wal_checkpoint_v2(m_db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
            SQLITE_OK) {
            m_checkpoints.fetch_add(1, std::memory_order_relaxed);
            m_walPages = log - done;
        }
        m_lastCheckpoint = now;
    }
    if (!m_options.retention.enabled())
        return;
    if (!m_retentionMore && now - m_lastRetention < std::chrono::seconds(2))
        return;
    m_lastRetention = now;
    Retention::Result r;
    std::string error;
    if (!Retention::applyBatch(m_db.handle(), nowNs(), m_options.retention, m_options.retentionBatchRows, &r,
                               &error)) {
        setError("retention on '" + m_options.path + "' failed: " + error);
        return;
    }
    m_retentionMore = r.more;
    m_retentionDeleted.fetch_add(r.rawBlocks + r.rollupRows + r.events, std::memory_order_relaxed);
    if (r.rollupRows > 0)
        m_aggs.clear(); // a deleted open bucket must not be resurrected from memory
}

bool SqliteWriter::ensureDevice(DeviceState& d, const core::DeviceInfo& info, std::string* error) {
    if (d.deviceRowId >= 0)
        return true;
    m_upsertDevice.reset();
    m_upsertDevice.bind(1, d.id)
        .bind(2, info.sampleRate)
        .bind(3, static_cast<std::int64_t>(info.axisCount()))
        .bind(4, joinNames(info.axisNames))
        .bind(5, core::unitName(info.unit))
        .bind(6, info.sourceUri.empty() ? d.sourceUri : info.sourceUri);
    if (m_upsertDevice.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    m_selectDevice.reset();
    m_selectDevice.bind(1, d.id);
    if (m_selectDevice.step() != SQLITE_ROW) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    d.deviceRowId = m_selectDevice.int64(0);
    m_selectDevice.reset(); // an unfinished SELECT would hold a read snapshot and block checkpoints
    for (const auto& e : d.deferredEvents)
        if (!insertEvent(d.deviceRowId, *e, {}, error))
            return false;
    d.deferredEvents.clear();
    return true;
}

bool SqliteWriter::insertEvent(std::optional<std::int64_t> deviceRowId, const core::Event& e,
                               std::string_view detailPrefix, std::string* error) {
    Statement& st = m_insertEvent;
    st.reset();
    if (deviceRowId)
        st.bind(1, *deviceRowId);
    st.bind(2, m_sessionId.load(std::memory_order_relaxed)).bind(3, e.tNs).bind(4, e.kind);
    if (e.samples > 0) {
        st.bind(5, static_cast<std::int64_t>(e.firstSample)).bind(6, static_cast<std::int64_t>(e.samples));
    }
    if (!e.detail.empty() || !detailPrefix.empty())
        st.bind(7, std::string(detailPrefix) + e.detail);
    if (!e.state.empty())
        st.bind(8, e.state);
    if (!e.rule.empty())
        st.bind(9, e.rule);
    if (!e.metric.empty())
        st.bind(10, e.metric);
    if (e.axis >= 0)
        st.bind(11, static_cast<std::int64_t>(e.axis));
    if (std::isfinite(e.value))
        st.bind(12, e.value);
    if (std::isfinite(e.threshold))
        st.bind(13, e.threshold);
    if (st.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    return true;
}

bool SqliteWriter::writeEvent(DeviceState& d, const core::EventPtr& e, std::string* error) {
    if (d.deviceRowId >= 0)
        return insertEvent(d.deviceRowId, *e, {}, error);
    // The device row is written with its first data (it needs rate, axes, unit). It may exist from an
    // earlier session; otherwise the event waits for that first data (bounded).
    m_selectDevice.reset();
    m_selectDevice.bind(1, d.id);
    const int rc = m_selectDevice.step();
    const std::int64_t known = rc == SQLITE_ROW ? m_selectDevice.int64(0) : -1;
    m_selectDevice.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    if (known >= 0)
        return insertEvent(known, *e, {}, error);
    if (d.deferredEvents.size() < kMaxDeferredEvents) {
        d.deferredEvents.push_back(e);
        return true;
    }
    return insertEvent(std::nullopt, *e, "device '" + d.id + "': ", error);
}

bool SqliteWriter::writeOrphanEvents(DeviceState& d, std::string* error) {
    // The device never delivered data in this session: keep its events, naming it in the detail.
    for (const auto& e : d.deferredEvents)
        if (!insertEvent(std::nullopt, *e, "device '" + d.id + "': ", error))
            return false;
    d.deferredEvents.clear();
    return true;
}

bool SqliteWriter::writeRollup(DeviceState& f, const pipeline::RollupRecord& r, std::string* error) {
    if (!r.device)
        return true;
    if (!ensureDevice(f, *r.device, error))
        return false;
    for (std::size_t a = 0; a < r.axes.size(); ++a) {
        const auto axis = static_cast<std::int64_t>(a);
        RollupStats inc = RollupStats::fromMoments(r.axes[a], r.gaps);
        if (a < r.velocityRmsMmS.size() && std::isfinite(r.velocityRmsMmS[a])) {
            inc.velocityRms = r.velocityRmsMmS[a];
            inc.velocityN = inc.n;
        }
        if (r.zone != dsp::SeverityZone::Unknown)
            inc.zone = static_cast<int>(r.zone); // the device's zone (worst axis), on every axis row
        m_insertRollup.reset();
        m_insertRollup.bind(1, f.deviceRowId)
            .bind(2, axis)
            .bind(3, r.bucketStartNs)
            .bind(4, static_cast<std::int64_t>(inc.n))
            .bind(5, inc.min)
            .bind(6, inc.max)
            .bind(7, inc.mean)
            .bind(8, inc.rms)
            .bind(9, inc.peak)
            .bind(10, inc.kurtosis)
            .bind(11, static_cast<std::int64_t>(inc.gaps))
            .bind(12, inc.crest);
        bindOptional(m_insertRollup, 13, inc.velocityRms);
        bindOptional(m_insertRollup, 14, inc.zone);
        if (m_insertRollup.step() != SQLITE_DONE) {
            *error = sqlite3_errmsg(m_db.handle());
            return false;
        }
        RollupStats row = inc;
        if (sqlite3_changes(m_db.handle()) == 0) {
            // The same second exists already (a restart inside one second): merge the two disjoint runs;
            // the seam counts as a gap.
            m_selectRollup.reset();
            m_selectRollup.bind(1, f.deviceRowId).bind(2, axis).bind(3, r.bucketStartNs);
            if (m_selectRollup.step() != SQLITE_ROW) {
                *error = sqlite3_errmsg(m_db.handle());
                return false;
            }
            RollupStats old;
            old.n = static_cast<std::uint64_t>(m_selectRollup.int64(0));
            old.min = m_selectRollup.real(1);
            old.max = m_selectRollup.real(2);
            old.mean = m_selectRollup.real(3);
            old.rms = m_selectRollup.real(4);
            old.peak = m_selectRollup.real(5);
            old.crest = m_selectRollup.real(6);
            old.kurtosis = m_selectRollup.real(7);
            if (!m_selectRollup.isNull(8))
                old.velocityRms = m_selectRollup.real(8);
            if (!m_selectRollup.isNull(9))
                old.zone = static_cast<int>(m_selectRollup.int64(9));
            old.gaps = static_cast<std::uint64_t>(m_selectRollup.int64(10));
            m_selectRollup.reset();
            inc.gaps += 1;
            row = RollupStats::merge(old, inc);
            m_updateRollup.reset();
            m_updateRollup.bind(1, static_cast<std::int64_t>(row.n))
                .bind(2, row.min)
                .bind(3, row.max)
                .bind(4, row.mean)
                .bind(5, row.rms)
                .bind(6, row.peak)
                .bind(7, row.kurtosis)
                .bind(8, static_cast<std::int64_t>(row.gaps))
                .bind(9, row.crest);
            bindOptional(m_updateRollup, 10, row.velocityRms);
            bindOptional(m_updateRollup, 11, row.zone);
            m_updateRollup.bind(12, f.deviceRowId).bind(13, axis).bind(14, r.bucketStartNs);
            if (m_updateRollup.step() != SQLITE_DONE) {
                *error = sqlite3_errmsg(m_db.handle());
                return false;
            }
        }
        for (int level = 0; level < 2; ++level)
            if (!foldInto(level, f.deviceRowId, static_cast<int>(a), r.bucketStartNs, inc, error))
                return false;
        if (!writeLatest(f.deviceRowId, static_cast<int>(a), r.bucketStartNs, row, error))
            return false;
    }
    return true;
}

bool SqliteWriter::foldInto(int level, std::int64_t deviceRowId, int axis, std::int64_t tNs,
                            const RollupStats& inc, std::string* error) {
    const std::int64_t bucket = floorTo(tNs, kAggBucketNs[level]);
    auto& agg = m_aggs[{deviceRowId, axis, level}];
    RollupStats merged;
    if (agg.stats.n > 0 && agg.tNs == bucket) {
        merged = RollupStats::merge(agg.stats, inc);
    } else {
        // First time this bucket is met by this writer: it may hold data of an earlier session.
        Statement& sel = m_selectAgg[level];
        sel.reset();
        sel.bind(1, deviceRowId).bind(2, static_cast<std::int64_t>(axis)).bind(3, bucket);
        const int rc = sel.step();
        if (rc == SQLITE_ROW) {
            RollupStats old;
            old.n = static_cast<std::uint64_t>(sel.int64(0));
            old.min = sel.real(1);
            old.max = sel.real(2);
            old.mean = sel.real(3);
            old.rms = sel.real(4);
            old.peak = sel.real(5);
            old.crest = sel.real(6);
            old.kurtosis = sel.real(7);
            if (!sel.isNull(8))
                old.velocityRms = sel.real(8);
            if (!sel.isNull(9))
                old.zone = static_cast<int>(sel.int64(9));
            old.gaps = static_cast<std::uint64_t>(sel.int64(10));
            sel.reset();
            merged = RollupStats::merge(old, inc);
        } else if (rc == SQLITE_DONE) {
            merged = inc;
        } else {
            *error = sqlite3_errmsg(m_db.handle());
            return false;
        }
    }
    Statement& rep = m_replaceAgg[level];
    rep.reset();
    rep.bind(1, deviceRowId)
        .bind(2, static_cast<std::int64_t>(axis))
        .bind(3, bucket)
        .bind(4, static_cast<std::int64_t>(merged.n))
        .bind(5, merged.min)
        .bind(6, merged.max)
        .bind(7, merged.mean)
        .bind(8, merged.rms)
        .bind(9, merged.peak)
        .bind(10, merged.crest)
        .bind(11, merged.kurtosis);
    bindOptional(rep, 12, merged.velocityRms);
    bindOptional(rep, 13, merged.zone);
    rep.bind(14, static_cast<std::int64_t>(merged.gaps));
    if (rep.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    agg.tNs = bucket;
    agg.stats = merged;
    return true;
}

bool SqliteWriter::writeLatest(std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& s,
                               std::string* error) {
    m_upsertLatest.reset();
    m_upsertLatest.bind(1, deviceRowId)
        .bind(2, static_cast<std::int64_t>(axis))
        .bind(3, tNs)
        .bind(4, static_cast<std::int64_t>(s.n))
        .bind(5, s.min)
        .bind(6, s.max)
        .bind(7, s.mean)
        .bind(8, s.rms)
        .bind(9, s.peak)
        .bind(10, s.crest);
    bindOptional(m_upsertLatest, 11, s.velocityRms);
    bindOptional(m_upsertLatest, 12, s.zone);
    if (m_upsertLatest.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    return true;
}

bool SqliteWriter::writeRaw(DeviceState& f, const core::SampleBlock& b, bool* duplicate, std::string* error) {
    *duplicate = false;
    if (!b.device || !ensureDevice(f, *b.device, error))
        return !b.device;
    const std::int64_t session = m_sessionId.load(std::memory_order_relaxed);
    if (f.haveRaw && b.firstSample > f.rawEnd) {
        const std::uint64_t missing = b.firstSample - f.rawEnd;
        m_insertEvent.reset();
        m_insertEvent.bind(1, f.deviceRowId)
            .bind(2, session)
            .bind(3, b.startTimeNs -
                         static_cast<std::int64_t>(static_cast<double>(missing) * 1e9 / b.sampleRate()))
            .bind(4, std::string_view("gap"))
            .bind(5, static_cast<std::int64_t>(f.rawEnd))
            .bind(6, static_cast<std::int64_t>(missing))
            .bind(7, std::string_view(b.indexInferred ? "inferred" : "detected"));
        if (m_insertEvent.step() != SQLITE_DONE) {
            *error = sqlite3_errmsg(m_db.handle());
            return false;
        }
    }
    const int fmt = m_codec.encode(b.data, &m_blob);
    m_insertRaw.reset();
    m_insertRaw.bind(1, f.deviceRowId)
        .bind(2, session)
        .bind(3, static_cast<std::int64_t>(b.sequence))
        .bind(4, static_cast<std::int64_t>(b.firstSample))
        .bind(5, b.startTimeNs)
        .bind(6, b.startTimeNs + static_cast<std::int64_t>(
                                     std::llround(static_cast<double>(b.count) * 1e9 / b.sampleRate())))
        .bind(7, static_cast<std::int64_t>(b.count))
        .bind(8, static_cast<std::int64_t>(b.axisCount()))
        .bind(9, static_cast<std::int64_t>(fmt))
        .bindBlob(10, m_blob);
    if (m_insertRaw.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    *duplicate = sqlite3_changes(m_db.handle()) == 0;
    if (!*duplicate) {
        f.haveRaw = true;
        f.rawEnd = std::max(f.rawEnd, b.firstSample + b.count);
    }
    return true;
}

bool SqliteWriter::writeAccounting(const DeviceState& d, const core::CounterSnapshot& c, std::string* error) {
    if (d.deviceRowId < 0)
        return true; // no data yet: the device row appears with its first rollup
    m_upsertAccounting.reset();
    m_upsertAccounting.bind(1, m_sessionId.load(std::memory_order_relaxed))
        .bind(2, d.deviceRowId)
        .bind(3, static_cast<std::int64_t>(c.samplesReceived))
        .bind(4, static_cast<std::int64_t>(c.samplesStored))
        .bind(5, static_cast<std::int64_t>(c.droppedTotal()))
        .bind(6, droppedJson(c))
        .bind(7, static_cast<std::int64_t>(c.gapsDetected))
        .bind(8, static_cast<std::int64_t>(c.gapsInferred))
        .bind(9, static_cast<std::int64_t>(c.samplesMissing))
        .bind(10, static_cast<std::int64_t>(c.reconnects))
        .bind(11, static_cast<std::int64_t>(c.bytes))
        .bind(12, static_cast<std::int64_t>(c.frames));
    if (m_upsertAccounting.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    return true;
}

void SqliteWriter::adoptNewFeeds() {
    std::vector<pipeline::StoreFeedPtr> incoming;
    {
        std::lock_guard lock(m_mutex);
        incoming.swap(m_incoming);
    }
    for (auto& feed : incoming) {
        if (std::any_of(m_feeds.begin(), m_feeds.end(), [&](const FeedState& f) { return f.feed == feed; }))
            continue;
        auto& dev = m_devices[feed->deviceId];
        if (!dev) {
            dev = std::make_unique<DeviceState>();
            dev->id = feed->deviceId;
            dev->sourceUri = feed->sourceUri;
        }
        m_feeds.push_back({std::move(feed), dev.get()});
    }
}

void SqliteWriter::cycle(bool final) {
    adoptNewFeeds();
    const std::size_t n = m_feeds.size();
    // Read before draining: a feed closed now has pushed everything it ever will, so this drain empties it.
    std::vector<char> closing(n, 0);
    for (std::size_t i = 0; i < n; ++i)
        closing[i] = m_feeds[i].feed->closed() ? 1 : 0;
    std::vector<std::uint64_t> pending(n, 0), records(n, 0), duplicates(n, 0), duplicateBlocks(n, 0);
    const bool healthy = !failed();
    std::string error;
    const std::int64_t beganNs = core::monotonicNs();
    bool ok = healthy && m_db.exec("BEGIN IMMEDIATE", &error);
    for (std::size_t i = 0; i < n; ++i) {
        DeviceState& dev = *m_feeds[i].device;
        pipeline::StoreItemPtr item;
        while (m_feeds[i].feed->ring.tryPop(item)) {
            if (item->rollup) {
                if (!m_options.storeRaw) {
                    pending[i] += item->rollup->samples;
                    ++records[i];
                }
                if (ok && !writeRollup(dev, *item->rollup, &error))
                    ok = false;
            }
            if (item->event && ok && !writeEvent(dev, item->event, &error))
                ok = false;
            if (item->raw) {
                bool duplicate = false;
                if (ok && !writeRaw(dev, *item->raw, &duplicate, &error))
                    ok = false;
                if (!m_options.storeRaw)
                    continue;
                if (ok && duplicate) {
                    duplicates[i] += item->raw->count;
                    ++duplicateBlocks[i];
                } else {
                    pending[i] += item->raw->count;
                    ++records[i];
                }
            }
        }
    }
    for (std::size_t i = 0; i < n && ok; ++i) {
        DeviceState& dev = *m_feeds[i].device;
        if ((final || closing[i]) && !dev.deferredEvents.empty() && !writeOrphanEvents(dev, &error))
            ok = false;
    }
    if (ok) {
        // One accounting row per device: its closed feeds plus its live ones, as they stand after this
        // commit.
        std::map<DeviceState*, core::CounterSnapshot> sums;
        for (std::size_t i = 0; i < n; ++i) {
            auto c = m_feeds[i].feed->sessionCounters(); // this feed's share of the device counters
            c.samplesStored += pending[i];
            c.samplesDropped[static_cast<std::size_t>(core::DropReason::Duplicate)] += duplicates[i];
            auto [it, fresh] = sums.try_emplace(m_feeds[i].device, m_feeds[i].device->closedFeeds);
            addCounters(it->second, c);
        }
        for (const auto& [dev, c] : sums)
            if (!writeAccounting(*dev, c, &error)) {
                ok = false;
                break;
            }
    }
    if (ok && final) {
        m_closeSession.reset();
        m_closeSession.bind(1, nowNs()).bind(2, m_sessionId.load(std::memory_order_relaxed));
        if (m_closeSession.step() != SQLITE_DONE) {
            error = sqlite3_errmsg(m_db.handle());
            ok = false;
        }
    }
    if (ok && !m_db.exec("COMMIT", &error))
        ok = false;
    if (ok) {
        for (std::size_t i = 0; i < n; ++i) {
            auto& counters = *m_feeds[i].feed->counters;
            counters.samplesStored.fetch_add(pending[i], std::memory_order_relaxed);
            if (duplicates[i])
                counters.addDropped(core::DropReason::Duplicate, duplicates[i], duplicateBlocks[i]);
        }
        m_commitLatency.observe(core::monotonicNs() - beganNs);
        m_commits.fetch_add(1, std::memory_order_relaxed);
    } else {
        if (healthy) {
            m_db.exec("ROLLBACK", nullptr);
            setError("writing to '" + m_options.path + "' failed: " + error);
        }
        m_aggs.clear(); // the rolled-back transaction may have advanced them
        for (std::size_t i = 0; i < n; ++i)
            m_feeds[i].feed->counters->addDropped(core::DropReason::WriteError, pending[i] + duplicates[i],
                                                  records[i] + duplicateBlocks[i]);
    }
    // Closed feeds are complete now: keep their final counters for the device's later accounting, let go.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (closing[i]) {
            addCounters(m_feeds[i].device->closedFeeds, m_feeds[i].feed->sessionCounters());
            continue;
        }
        if (kept != i)
            m_feeds[kept] = std::move(m_feeds[i]);
        ++kept;
    }
    m_feeds.resize(kept);
}

} // namespace vibra::storage
