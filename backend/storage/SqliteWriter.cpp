#include "storage/SqliteWriter.h"

#include <chrono>
#include <cmath>
#include <future>
#include <sstream>

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

void SqliteWriter::attach(const Feed& feed) {
    {
        std::lock_guard lock(m_mutex);
        FeedState s;
        s.feed = feed;
        m_feeds.push_back(std::move(s));
    }
    m_cv.notify_all();
}

void SqliteWriter::detach(const std::string& deviceId) {
    std::unique_lock lock(m_mutex);
    bool found = false;
    for (auto& f : m_feeds)
        if (f.feed.deviceId == deviceId && !f.detachRequested) {
            f.detachRequested = true;
            f.detachRequestedAt = m_cycleCount;
            found = true;
        }
    if (!found || !m_thread.joinable())
        return;
    const auto target = m_cycleCount + 2; // a full cycle that started after the request
    m_cv.notify_all();
    m_cv.wait(lock, [&] { return m_cycleCount >= target || m_stopRequested; });
}

bool SqliteWriter::openDatabase(std::string* error) {
    if (!m_db.open(m_options.path, Database::Mode::Create, error, m_options.durability))
        return false;
    sqlite3* db = m_db.handle();
    m_insertRollup =
        Statement(db, "INSERT INTO rollup_1s(device_id, axis, t_ns, n, min, max, mean, rms, peak, "
                      "kurtosis, gaps) VALUES(?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
    m_selectRollup = Statement(db, "SELECT n, min, max, mean, rms, kurtosis, gaps FROM rollup_1s "
                                   "WHERE device_id=? AND axis=? AND t_ns=?");
    m_updateRollup =
        Statement(db, "UPDATE rollup_1s SET n=?, min=?, max=?, mean=?, rms=?, peak=?, kurtosis=?, "
                      "gaps=? WHERE device_id=? AND axis=? AND t_ns=?");
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
    for (const Statement* s : {&m_insertRollup, &m_selectRollup, &m_updateRollup, &m_upsertDevice,
                               &m_selectDevice, &m_upsertAccounting, &m_closeSession})
        if (!s->isValid()) {
            *error = "cannot prepare statements on '" + m_options.path + "': " + s->error();
            return false;
        }
    Statement session(db, "INSERT INTO session(started_ns, config_json, app_version) VALUES(?,?,?)");
    session.bind(1, nowNs()).bind(2, m_options.configJson).bind(3, m_options.appVersion);
    if (session.step() != SQLITE_DONE) {
        *error = "cannot start a session in '" + m_options.path + "': " + sqlite3_errmsg(db);
        return false;
    }
    m_sessionId.store(sqlite3_last_insert_rowid(db), std::memory_order_relaxed);
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
            m_cv.wait_for(lock, interval, [&] {
                if (m_stopRequested)
                    return true;
                for (const auto& f : m_feeds)
                    if (f.detachRequested)
                        return true;
                return false;
            });
            stopNow = m_stopRequested;
        }
        cycle(stopNow);
        if (stopNow)
            break;
    }
    m_db.exec("PRAGMA wal_checkpoint(TRUNCATE)", nullptr);
    m_insertRollup = {};
    m_selectRollup = {};
    m_updateRollup = {};
    m_upsertDevice = {};
    m_selectDevice = {};
    m_upsertAccounting = {};
    m_closeSession = {};
    m_db.close();
}

bool SqliteWriter::ensureDevice(FeedState& f, const core::DeviceInfo& info, std::string* error) {
    if (f.deviceRowId >= 0)
        return true;
    m_upsertDevice.reset();
    m_upsertDevice.bind(1, f.feed.deviceId)
        .bind(2, info.sampleRate)
        .bind(3, static_cast<std::int64_t>(info.axisCount()))
        .bind(4, joinNames(info.axisNames))
        .bind(5, core::unitName(info.unit))
        .bind(6, info.sourceUri.empty() ? f.feed.sourceUri : info.sourceUri);
    if (m_upsertDevice.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    m_selectDevice.reset();
    m_selectDevice.bind(1, f.feed.deviceId);
    if (m_selectDevice.step() != SQLITE_ROW) {
        *error = sqlite3_errmsg(m_db.handle());
        return false;
    }
    f.deviceRowId = m_selectDevice.int64(0);
    return true;
}

bool SqliteWriter::writeRollup(FeedState& f, const pipeline::RollupRecord& r, std::string* error) {
    if (!r.device || !ensureDevice(f, *r.device, error))
        return !r.device ? true : false;
    for (std::size_t a = 0; a < r.axes.size(); ++a) {
        const auto& m = r.axes[a];
        m_insertRollup.reset();
        m_insertRollup.bind(1, f.deviceRowId)
            .bind(2, static_cast<std::int64_t>(a))
            .bind(3, r.bucketStartNs)
            .bind(4, static_cast<std::int64_t>(m.count))
            .bind(5, m.min)
            .bind(6, m.max)
            .bind(7, m.mean)
            .bind(8, m.rms)
            .bind(9, m.peak)
            .bind(10, m.kurtosis)
            .bind(11, static_cast<std::int64_t>(r.gaps));
        if (m_insertRollup.step() != SQLITE_DONE) {
            *error = sqlite3_errmsg(m_db.handle());
            return false;
        }
        if (sqlite3_changes(m_db.handle()) > 0)
            continue;
        // The same second exists already (a restart inside one second): merge the two disjoint runs.
        m_selectRollup.reset();
        m_selectRollup.bind(1, f.deviceRowId).bind(2, static_cast<std::int64_t>(a)).bind(3, r.bucketStartNs);
        if (m_selectRollup.step() != SQLITE_ROW) {
            *error = sqlite3_errmsg(m_db.handle());
            return false;
        }
        const double n1 = static_cast<double>(m_selectRollup.int64(0)), n2 = static_cast<double>(m.count);
        const double n = n1 + n2;
        const double mean1 = m_selectRollup.real(3), mean2 = m.mean;
        const double mean = (n1 * mean1 + n2 * mean2) / n;
        const double m2 = n1 * std::pow(m_selectRollup.real(4), 2) + n2 * m.rms * m.rms +
                          (mean2 - mean1) * (mean2 - mean1) * n1 * n2 / n;
        const double mn = std::min(m_selectRollup.real(1), m.min),
                     mx = std::max(m_selectRollup.real(2), m.max);
        const double kurt = (n1 * m_selectRollup.real(5) + n2 * m.kurtosis) / n; // approximation, see docs
        m_updateRollup.reset();
        m_updateRollup.bind(1, static_cast<std::int64_t>(n))
            .bind(2, mn)
            .bind(3, mx)
            .bind(4, mean)
            .bind(5, std::sqrt(m2 / n))
            .bind(6, std::max(mx - mean, mean - mn))
            .bind(7, kurt)
            .bind(8, m_selectRollup.int64(6) + r.gaps + 1)
            .bind(9, f.deviceRowId)
            .bind(10, static_cast<std::int64_t>(a))
            .bind(11, r.bucketStartNs);
        if (m_updateRollup.step() != SQLITE_DONE) {
            *error = sqlite3_errmsg(m_db.handle());
            return false;
        }
    }
    return true;
}

bool SqliteWriter::writeAccounting(const FeedState& f, std::uint64_t storedAfterCommit, std::string* error) {
    if (f.deviceRowId < 0)
        return true; // no data yet: the device row appears with its first rollup
    const auto c = f.feed.counters->snapshot();
    m_upsertAccounting.reset();
    m_upsertAccounting.bind(1, m_sessionId.load(std::memory_order_relaxed))
        .bind(2, f.deviceRowId)
        .bind(3, static_cast<std::int64_t>(c.samplesReceived))
        .bind(4, static_cast<std::int64_t>(storedAfterCommit))
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

void SqliteWriter::cycle(bool final) {
    std::vector<FeedState*> feeds;
    std::uint64_t cycleNumber = 0;
    {
        std::lock_guard lock(m_mutex);
        cycleNumber = m_cycleCount;
        for (auto& f : m_feeds)
            feeds.push_back(&f); // m_feeds only grows between cycles; erasure happens below under the lock
    }
    std::vector<std::uint64_t> pending(feeds.size(), 0);
    std::vector<std::uint64_t> records(feeds.size(), 0);
    const bool healthy = !failed();
    std::string error;
    bool ok = healthy && m_db.exec("BEGIN IMMEDIATE", &error);
    for (std::size_t i = 0; i < feeds.size(); ++i) {
        pipeline::StoreItemPtr item;
        while (feeds[i]->feed.ring->tryPop(item)) {
            if (!item->rollup)
                continue;
            pending[i] += item->rollup->samples;
            ++records[i];
            if (ok && !writeRollup(*feeds[i], *item->rollup, &error))
                ok = false;
        }
    }
    if (ok) {
        for (std::size_t i = 0; i < feeds.size(); ++i) {
            const auto stored =
                feeds[i]->feed.counters->samplesStored.load(std::memory_order_relaxed) + pending[i];
            if (!writeAccounting(*feeds[i], stored, &error)) {
                ok = false;
                break;
            }
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
        for (std::size_t i = 0; i < feeds.size(); ++i)
            feeds[i]->feed.counters->samplesStored.fetch_add(pending[i], std::memory_order_relaxed);
        m_commits.fetch_add(1, std::memory_order_relaxed);
    } else {
        if (healthy) {
            m_db.exec("ROLLBACK", nullptr);
            setError("writing to '" + m_options.path + "' failed: " + error);
        }
        for (std::size_t i = 0; i < feeds.size(); ++i)
            feeds[i]->feed.counters->addDropped(core::DropReason::WriteError, pending[i], records[i]);
    }
    {
        std::lock_guard lock(m_mutex);
        // Only feeds whose detach was requested before this cycle began were drained completely.
        std::erase_if(m_feeds, [&](const FeedState& f) {
            return f.detachRequested && f.detachRequestedAt < cycleNumber;
        });
        ++m_cycleCount;
    }
    m_cv.notify_all();
}

} // namespace vibra::storage
