#pragma once

#include "core/DeviceCounters.h"
#include "core/LatencyHistogram.h"
#include "pipeline/StoreFeed.h"
#include "storage/Database.h"
#include "storage/RawCodec.h"
#include "storage/Retention.h"
#include "storage/RollupStats.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

namespace vibra::storage {

/// The one writer of a history database: drains every device's store ring on its own thread and commits
/// batched transactions at most commitIntervalMs apart (default 250 ms, so well under 1 s of data is in
/// flight). Keeps the recording session's per-device accounting current in the same transactions.
///
/// What it writes per transaction: 1 s rollups (a second that exists already is merged exactly), the
/// 1 min and 1 h rollups folded incrementally from each new 1 s run (in-memory accumulators of the open
/// buckets, loaded from the table when a bucket is met the first time), device_latest (only when newer),
/// raw blocks (zstd, keyed by device, session, first sample) with gap events, the devices' events
/// (StoreItem::event: alarms and the like, into the event table), and the accounting.
/// After the commit: a PASSIVE WAL checkpoint when the WAL passed checkpointPages or checkpointIntervalMs
/// elapsed (the WAL hook replaces SQLite's auto-checkpoint, so checkpoints run only here), and one
/// retention batch when retention is configured.
///
/// Accounting: without raw storage a sample counts as stored when its 1 s rollup is committed; with
/// storeRaw, when its raw block is committed (rollups are derived data then and do not count).
///
/// Threads: start()/stop() on the owner thread, attach() on any thread; the connection, statements and every
/// "writer thread only" member belong to the writer thread. Counters: adds samplesStored (on commit),
/// DropReason::Duplicate (a raw block whose key exists) and DropReason::WriteError (when the database
/// refuses a write; the writer then keeps draining and counting so the accounting still balances, and
/// failed() turns true).
class SqliteWriter {
public:
    struct Options {
        std::string path;
        Database::Durability durability = Database::Durability::Normal;
        int commitIntervalMs = 250;
        std::string configJson = "{}"; ///< stored with the session
        std::string appVersion;
        bool storeRaw = false;            ///< raw blocks arrive and define "stored"
        RetentionPolicy retention;        ///< none by default
        int retentionBatchRows = 2000;    ///< rows per table per retention transaction
        int checkpointPages = 1000;       ///< PASSIVE checkpoint when the WAL has this many pages
        int checkpointIntervalMs = 10000; ///< ... or this long after the last one
        std::int64_t maxPageCount = 0;    ///< testing: PRAGMA max_page_count (simulates a full disk)
    };
    /// What start() found about the previous run.
    struct Recovery {
        bool unclean = false;               ///< a previous session never closed (crash, kill -9, power loss)
        std::string quickCheck;             ///< PRAGMA quick_check result ("ok") when unclean
        std::vector<std::int64_t> sessions; ///< the sessions closed by this recovery
        std::int64_t lostAfterNs = 0;       ///< newest committed data time of those sessions
    };
    explicit SqliteWriter(Options options);
    ~SqliteWriter();

    /// Opens (creating or migrating) the database on the writer thread and starts a session. Returns
    /// false with a clear message when the file cannot be used; nothing is left behind then.
    bool start(std::string* error);
    /// Final drain and commit, closes the session cleanly, checkpoints, joins. Call after the DSP workers
    /// have stopped (so their last partial second is in the rings).
    void stop();

    /// Any thread: begin draining a device's store feed (picked up by the next transaction). The writer
    /// keeps the shared feed; once the producer has closed it, the writer drains it completely, writes the
    /// device's final accounting in that transaction and lets go of it. Nothing waits. The same device may be
    /// attached again later (a new feed, e.g. a device removed and added back): its session_device row then
    /// holds the sum over its feeds, each counted once. Attaching the same feed twice has no effect.
    void attach(pipeline::StoreFeedPtr feed);

    bool failed() const { return m_failed.load(std::memory_order_acquire); }
    std::string errorMessage() const;
    std::uint64_t commits() const { return m_commits.load(std::memory_order_relaxed); }
    std::int64_t sessionId() const { return m_sessionId.load(std::memory_order_relaxed); }
    std::uint64_t checkpoints() const { return m_checkpoints.load(std::memory_order_relaxed); }
    std::uint64_t retentionDeleted() const { return m_retentionDeleted.load(std::memory_order_relaxed); }
    /// Time from BEGIN to a successful COMMIT of each transaction (written by the writer thread; any thread
    /// reads). For `serve`'s /metrics (vibrascope_db_commit_duration_seconds).
    const core::LatencyHistogram& commitLatency() const { return m_commitLatency; }
    /// Valid after a successful start().
    const Recovery& recovery() const { return m_recovery; }
    const std::string& path() const { return m_options.path; }

private:
    /// Writer thread: one device of this session, whatever feeds it arrived through.
    struct DeviceState {
        std::string id;
        std::string sourceUri;
        std::int64_t deviceRowId = -1;
        bool haveRaw = false;              ///< rawEnd is valid
        std::uint64_t rawEnd = 0;          ///< first sample after the last raw block
        core::CounterSnapshot closedFeeds; ///< sum of the final counters of its feeds that were closed
        std::vector<core::EventPtr> deferredEvents; ///< events that arrived before the device row existed
    };
    static constexpr std::size_t kMaxDeferredEvents = 256;
    /// Writer thread: one attached feed.
    struct FeedState {
        pipeline::StoreFeedPtr feed;
        DeviceState* device = nullptr;
    };
    struct Agg {
        std::int64_t tNs = 0;
        RollupStats stats;
    };
    void run(std::promise<std::string>* opened);
    bool openDatabase(std::string* error);
    /// One transaction: everything queued now plus the session accounting. final closes the session.
    void cycle(bool final);
    void adoptNewFeeds();
    bool ensureDevice(DeviceState& d, const core::DeviceInfo& info, std::string* error);
    bool writeRollup(DeviceState& d, const pipeline::RollupRecord& r, std::string* error);
    bool writeEvent(DeviceState& d, const core::EventPtr& e, std::string* error);
    bool writeOrphanEvents(DeviceState& d, std::string* error);
    bool insertEvent(std::optional<std::int64_t> deviceRowId, const core::Event& e,
                     std::string_view detailPrefix, std::string* error);
    bool foldInto(int level, std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& inc,
                  std::string* error);
    bool writeLatest(std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& s,
                     std::string* error);
    /// Returns false on a database error; *duplicate when the key existed (nothing written).
    bool writeRaw(DeviceState& d, const core::SampleBlock& b, bool* duplicate, std::string* error);
    bool recover(std::string* error);
    void afterCommit();
    bool writeAccounting(const DeviceState& d, const core::CounterSnapshot& c, std::string* error);
    void setError(const std::string& message);

    const Options m_options;

    // owner thread + writer thread, guarded by m_mutex
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<pipeline::StoreFeedPtr> m_incoming; ///< attached, not yet taken by the writer thread
    bool m_stopRequested = false;
    std::string m_error;

    // any thread
    std::atomic<bool> m_failed{false};
    std::atomic<std::uint64_t> m_commits{0};
    std::atomic<std::int64_t> m_sessionId{-1};
    std::atomic<std::uint64_t> m_checkpoints{0};
    std::atomic<std::uint64_t> m_retentionDeleted{0};
    core::LatencyHistogram m_commitLatency;
    Recovery m_recovery; ///< written by the writer thread before start() returns, then read-only

    // owner thread only
    std::thread m_thread;

    // writer thread only
    Database m_db;
    Statement m_insertRollup, m_upsertDevice, m_selectDevice, m_upsertAccounting, m_closeSession;
    Statement m_selectRollup, m_updateRollup;
    Statement m_selectAgg[2], m_replaceAgg[2]; ///< [0] rollup_1m, [1] rollup_1h
    Statement m_upsertLatest, m_insertRaw, m_insertEvent;
    std::vector<FeedState> m_feeds;                                ///< feeds being drained
    std::map<std::string, std::unique_ptr<DeviceState>> m_devices; ///< by device id, for the session
    RawCodec m_codec;
    std::vector<std::uint8_t> m_blob;
    std::map<std::tuple<std::int64_t, int, int>, Agg> m_aggs; ///< (device, axis, level) -> open bucket
    int m_walPages = 0;                                       ///< set by the WAL hook after each commit
    std::chrono::steady_clock::time_point m_lastCheckpoint{};
    std::chrono::steady_clock::time_point m_lastRetention{};
    bool m_retentionMore = false;
};

} // namespace vibra::storage
