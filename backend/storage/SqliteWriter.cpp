#include "storage/SqliteWriter.h"

#include "core/Clock.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace vibra::storage {

SqliteWriter::SqliteWriter(Options options)
    : m_options(std::move(options))
    , m_checkpointer(m_options.checkpointPages, m_options.checkpointIntervalMs)
    , m_retention(m_options.retention, m_options.retentionBatchRows) {}

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

void SqliteWriter::requestCommit() {
    {
        std::lock_guard lock(m_mutex);
        m_commitRequested = true;
    }
    m_cv.notify_all();
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

bool SqliteWriter::openDatabase(std::string* error) {
    if (!m_db.open(m_options.path, Database::Mode::Create, error, m_options.durability))
        return false;
    sqlite3* db = m_db.handle();
    if (m_options.maxPageCount > 0)
        m_db.exec(("PRAGMA max_page_count=" + std::to_string(m_options.maxPageCount)).c_str(), nullptr);
    m_checkpointer.install(db);
    std::string err;
    if (!m_catalog.prepare(db, &err) || !m_events.prepare(db, &err) || !m_rollups.prepare(db, &err) ||
        !m_raw.prepare(db, &m_events, &err) || !m_relay.prepare(db, &err) || !m_publish.prepare(db, &err) ||
        !m_session.prepare(db, &err)) {
        *error = "cannot prepare statements on '" + m_options.path + "': " + err;
        return false;
    }
    if (!SessionRecovery::run(m_db, m_events, &m_recovery, error))
        return false;
    // The session row and its live mark (SessionLock) in one transaction: another writer process opening the
    // database never sees this session without the mark, so it does not close it as crashed.
    if (!m_db.exec("BEGIN IMMEDIATE", &err) ||
        !m_session.begin(core::utcNowNs(), m_options.configJson, m_options.appVersion, &err)) {
        m_db.exec("ROLLBACK", nullptr);
        *error = "cannot start a session in '" + m_options.path + "': " + err;
        return false;
    }
    std::string lockErr;
    if (!m_sessionLock.hold(m_db.path(), m_session.sessionId(), &lockErr))
        std::fprintf(stderr,
                     "vibrascope: %s (another writer on this database would take this session for a "
                     "crashed one)\n",
                     lockErr.c_str());
    if (!m_db.exec("COMMIT", &err)) {
        *error = "cannot start a session in '" + m_options.path + "': " + err;
        return false;
    }
    m_sessionId.store(m_session.sessionId(), std::memory_order_relaxed);
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
            m_cv.wait_for(lock, interval, [&] { return m_stopRequested || m_commitRequested; });
            stopNow = m_stopRequested;
            m_commitRequested = false;
        }
        cycle(stopNow);
        if (!failed())
            afterCommit();
        if (stopNow)
            break;
    }
    if (!failed())
        m_checkpointer.truncate(m_db.handle());
    m_catalog.finalize();
    m_events.finalize();
    m_rollups.finalize();
    m_raw.finalize();
    m_relay.finalize();
    m_publish.finalize();
    m_session.finalize();
    m_db.close();
    m_feeds.clear(); // releases the feeds: their producers may be gone already
}

void SqliteWriter::afterCommit() {
    sqlite3* db = m_db.handle();
    m_checkpointer.afterCommit(db);
    Retention::Result r;
    std::string error;
    if (!m_retention.runIfDue(db, core::utcNowNs(), &r, &error)) {
        setError("retention on '" + m_options.path + "' failed: " + error);
        return;
    }
    m_retentionDeleted.fetch_add(r.rawBlocks + r.rollupRows + r.events + r.relayRows,
                                 std::memory_order_relaxed);
    if (r.rollupRows > 0)
        m_rollups.forgetOpenBuckets(); // a deleted open bucket must not be resurrected from memory
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
        FeedState f;
        f.feed = std::move(feed);
        f.device = dev.get();
        m_feeds.push_back(std::move(f));
    }
}

bool SqliteWriter::ensureDevice(DeviceState& d, const core::DeviceInfo& info, std::string* error) {
    if (d.rowId >= 0)
        return true;
    if (!m_catalog.upsert(d.id, info, d.sourceUri, &d.rowId, error))
        return false;
    for (const auto& e : d.deferredEvents)
        if (!m_events.insert(d.rowId, m_session.sessionId(), *e, error))
            return false;
    d.deferredEvents.clear();
    return true;
}

bool SqliteWriter::writeEvent(DeviceState& d, const core::EventPtr& e, std::string* error) {
    if (d.rowId >= 0)
        return m_events.insert(d.rowId, m_session.sessionId(), *e, error);
    // The device row is written with the device's first data (it needs rate, axes, unit). It may exist from
    // an earlier session; otherwise the event waits for that first data (bounded).
    std::int64_t known = -1;
    if (!m_catalog.find(d.id, &known, error))
        return false;
    if (known >= 0)
        return m_events.insert(known, m_session.sessionId(), *e, error);
    if (d.deferredEvents.size() < kMaxDeferredEvents) {
        d.deferredEvents.push_back(e);
        return true;
    }
    core::Event named = *e;
    named.detail = "device '" + d.id + "': " + e->detail;
    return m_events.insert(std::nullopt, m_session.sessionId(), named, error);
}

bool SqliteWriter::writeOrphanEvents(DeviceState& d, std::string* error) {
    // The device never delivered data in this session: keep its events, naming it in the detail.
    for (const auto& e : d.deferredEvents) {
        core::Event named = *e;
        named.detail = "device '" + d.id + "': " + e->detail;
        if (!m_events.insert(std::nullopt, m_session.sessionId(), named, error))
            return false;
    }
    d.deferredEvents.clear();
    return true;
}

bool SqliteWriter::writeItem(DeviceState& dev, const pipeline::StoreItem& item, RawStore::Outcome* raw,
                             std::string* error) {
    if (item.relayDevice) { // a relayed rollup or event: stored once per producer key
        if (!ensureDevice(dev, *item.relayDevice, error))
            return false;
        bool fresh = false;
        const std::uint64_t samples = item.rollup ? item.rollup->samples : 0;
        const std::int64_t tNs = item.rollup ? item.rollup->bucketStartNs : item.event ? item.event->tNs : 0;
        if (!m_relay.claim(dev.rowId, item.relayDevice->origin, item.relaySeq, m_session.sessionId(), samples,
                           tNs, &fresh, error))
            return false;
        if (!fresh) {
            raw->alreadyStored = samples;
            raw->relayDuplicate = true;
            return true;
        }
    }
    if (item.event && !writeEvent(dev, item.event, error))
        return false;
    if (item.rollup && item.rollup->device &&
        (!ensureDevice(dev, *item.rollup->device, error) || !m_rollups.write(dev.rowId, *item.rollup, error)))
        return false;
    if (!item.raw || !item.raw->device)
        return true;
    if (!ensureDevice(dev, *item.raw->device, error))
        return false;
    if (!item.raw->device->origin.empty()) { // relayed (Redis): stored once per producer key
        bool fresh = false;
        if (!m_relay.claim(dev.rowId, item.raw->device->origin, item.raw->sequence, m_session.sessionId(),
                           item.raw->count, item.raw->startTimeNs, &fresh, error))
            return false;
        if (!fresh) {
            raw->stored = 0;
            raw->alreadyStored = item.raw->count;
            return true;
        }
    }
    return m_raw.add(dev.rowId, m_session.sessionId(), *item.raw, raw, error);
}

bool SqliteWriter::drain(FeedState& f, bool ok, std::string* error) {
    // Every sample taken from the ring is accounted exactly once: pending (stored on commit, write_error if
    // the transaction fails), duplicate (raw samples already stored), or unwritable (an item without a device
    // description: write_error).
    pipeline::StoreItemPtr item;
    while (f.feed->ring.tryPop(item)) {
        RawStore::Outcome raw;
        if (ok && !writeItem(*f.device, *item, &raw, error))
            ok = false;
        if (item->relayDevice && raw.relayDuplicate) {
            f.alreadyStored += raw.alreadyStored;
            ++f.alreadyStoredBlocks;
            continue;
        }
        if (item->rollup && (!m_options.storeRaw || item->relayDevice)) {
            if (item->rollup->device) {
                f.pending += item->rollup->samples;
                ++f.records;
            } else {
                f.unwritable += item->rollup->samples;
            }
        }
        if (item->raw && m_options.storeRaw) {
            const std::uint64_t n = item->raw->count;
            if (!ok) {
                f.pending += n; // lost with the transaction
                ++f.records;
            } else if (!item->raw->device) {
                f.unwritable += n;
            } else {
                f.pending += raw.stored;
                f.duplicates += raw.duplicates;
                f.alreadyStored += raw.alreadyStored;
                if (raw.alreadyStored > 0)
                    ++f.alreadyStoredBlocks;
                else
                    ++(raw.stored > 0 ? f.records : f.duplicateBlocks);
            }
        }
    }
    return ok;
}

bool SqliteWriter::writeAccounting(std::string* error) {
    // One row per device: its closed feeds plus its live ones, as they will stand after this commit.
    std::map<DeviceState*, core::CounterSnapshot> sums;
    for (const auto& [id, dev] : m_devices)
        sums.emplace(dev.get(), dev->closedFeeds);
    constexpr auto kDuplicate = static_cast<std::size_t>(core::DropReason::Duplicate);
    constexpr auto kWriteError = static_cast<std::size_t>(core::DropReason::WriteError);
    constexpr auto kAlreadyStored = static_cast<std::size_t>(core::DropReason::AlreadyStored);
    for (const auto& f : m_feeds) {
        auto c = f.feed->sessionCounters(); // this feed's share of the device counters
        c.samplesStored += f.pending;
        c.samplesDropped[kDuplicate] += f.duplicates;
        c.framesDropped[kDuplicate] += f.duplicateBlocks;
        c.samplesDropped[kAlreadyStored] += f.alreadyStored;
        c.framesDropped[kAlreadyStored] += f.alreadyStoredBlocks;
        c.samplesDropped[kWriteError] += f.unwritable;
        SessionAccounting::add(sums[f.device], c);
    }
    for (const auto& [dev, c] : sums)
        if (dev->rowId >= 0 && !m_session.write(dev->rowId, c, error)) // no row yet: no data yet
            return false;
    if (m_options.publishAccounting)
        for (const auto& p : m_options.publishAccounting()) {
            const auto it = m_devices.find(p.device);
            if (it != m_devices.end() && it->second->rowId >= 0 &&
                !m_publish.write(m_session.sessionId(), it->second->rowId, p, error))
                return false;
        }
    return true;
}

void SqliteWriter::closeAfterFailure() {
    // The data transactions failed (disk full, I/O error): try to leave the session row closed with its final
    // accounting (write_error included), not clean, in one small transaction that adds no data; then the
    // error itself as an event. Either may fail too (no space at all): the next open then recovers it.
    std::string err;
    if (!m_db.exec("BEGIN IMMEDIATE", &err))
        return;
    if (!writeAccounting(&err) || !m_session.close(core::utcNowNs(), false, &err) ||
        !m_db.exec("COMMIT", &err)) {
        m_db.exec("ROLLBACK", nullptr);
        return;
    }
    core::Event e;
    e.tNs = core::utcNowNs();
    e.kind = "write_error";
    e.detail = errorMessage();
    if (!m_db.exec("BEGIN IMMEDIATE", &err))
        return;
    if (!m_events.insert(std::nullopt, m_session.sessionId(), e, &err) || !m_db.exec("COMMIT", &err))
        m_db.exec("ROLLBACK", nullptr);
}

void SqliteWriter::cycle(bool final) {
    adoptNewFeeds();
    // Read before draining: a feed closed now has pushed everything it ever will, so this drain empties it.
    for (auto& f : m_feeds) {
        f.closing = f.feed->closed();
        f.pending = f.records = f.duplicates = f.duplicateBlocks = f.unwritable = 0;
        f.alreadyStored = f.alreadyStoredBlocks = 0;
    }
    const bool healthy = !failed();
    std::string error;
    const std::int64_t beganNs = core::monotonicNs();
    bool ok = healthy && m_db.exec("BEGIN IMMEDIATE", &error);
    for (auto& f : m_feeds)
        ok = drain(f, ok, &error);
    ok = ok && m_raw.flush(&error);
    for (auto& f : m_feeds)
        if (ok && (final || f.closing) && !f.device->deferredEvents.empty() &&
            !writeOrphanEvents(*f.device, &error))
            ok = false;
    ok = ok && writeAccounting(&error);
    ok = ok && (!final || m_session.close(core::utcNowNs(), true, &error));
    ok = ok && m_db.exec("COMMIT", &error);
    if (ok)
        m_commitLatency.observe(core::monotonicNs() - beganNs);
    if (!ok && healthy) {
        m_db.exec("ROLLBACK", nullptr);
        setError("writing to '" + m_options.path + "' failed: " + error);
    }
    finishCycle(ok);
    if (final && !ok)
        closeAfterFailure();
}

void SqliteWriter::finishCycle(bool committed) {
    if (committed) {
        for (auto& f : m_feeds) {
            auto& counters = *f.feed->counters;
            counters.samplesStored.fetch_add(f.pending, std::memory_order_relaxed);
            if (f.duplicates)
                counters.addDropped(core::DropReason::Duplicate, f.duplicates, f.duplicateBlocks);
            if (f.alreadyStored)
                counters.addDropped(core::DropReason::AlreadyStored, f.alreadyStored, f.alreadyStoredBlocks);
        }
        m_raw.committed();
        m_commits.fetch_add(1, std::memory_order_relaxed);
    } else {
        m_rollups.forgetOpenBuckets(); // the rolled-back transaction may have advanced them
        m_raw.rolledBack();
        for (auto& f : m_feeds)
            f.feed->counters->addDropped(core::DropReason::WriteError,
                                         f.pending + f.duplicates + f.alreadyStored,
                                         f.records + f.duplicateBlocks + f.alreadyStoredBlocks);
    }
    for (auto& f : m_feeds)
        if (f.unwritable)
            f.feed->counters->addDropped(core::DropReason::WriteError, f.unwritable, 0);
    // Closed feeds are complete now: keep their final counters for the device's later accounting, let go.
    std::erase_if(m_feeds, [](FeedState& f) {
        if (f.closing)
            SessionAccounting::add(f.device->closedFeeds, f.feed->sessionCounters());
        return f.closing;
    });
    for (auto& f : m_feeds) { // in the counters now
        f.pending = f.records = f.duplicates = f.duplicateBlocks = f.unwritable = 0;
        f.alreadyStored = f.alreadyStoredBlocks = 0;
    }
}

} // namespace vibra::storage
