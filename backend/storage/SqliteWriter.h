#pragma once

#include "core/DeviceCounters.h"
#include "core/SpscRing.h"
#include "pipeline/RollupRecord.h"
#include "storage/Database.h"
#include "storage/RawCodec.h"
#include "storage/Retention.h"
#include "storage/RollupStats.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <string>
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
/// raw blocks (zstd, keyed by device, session, first sample) with gap events, and the accounting.
/// After the commit: a PASSIVE WAL checkpoint when the WAL passed checkpointPages or checkpointIntervalMs
/// elapsed (the WAL hook replaces SQLite's auto-checkpoint, so checkpoints run only here), and one
/// retention batch when retention is configured.
///
/// Accounting: without raw storage a sample counts as stored when its 1 s rollup is committed; with
/// storeRaw, when its raw block is committed (rollups are derived data then and do not count).
///
/// Threads: start()/stop()/attach()/detach() on the owner thread; the connection, statements and every
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
    /// A device's store ring and counters, identified by device name.
    struct Feed {
        std::string deviceId;
        std::string sourceUri;
        core::SpscRing<pipeline::StoreItemPtr>* ring = nullptr;
        core::DeviceCounters* counters = nullptr;
    };

    explicit SqliteWriter(Options options);
    ~SqliteWriter();

    /// Opens (creating or migrating) the database on the writer thread and starts a session. Returns
    /// false with a clear message when the file cannot be used; nothing is left behind then.
    bool start(std::string* error);
    /// Final drain and commit, closes the session cleanly, checkpoints, joins. Call after the DSP workers
    /// have stopped (so their last partial second is in the rings).
    void stop();

    /// Owner thread: begin / end draining a device. detach() returns after everything queued for that
    /// device was committed (or counted as a write error).
    void attach(const Feed& feed);
    void detach(const std::string& deviceId);

    bool failed() const { return m_failed.load(std::memory_order_acquire); }
    std::string errorMessage() const;
    std::uint64_t commits() const { return m_commits.load(std::memory_order_relaxed); }
    std::int64_t sessionId() const { return m_sessionId.load(std::memory_order_relaxed); }
    std::uint64_t checkpoints() const { return m_checkpoints.load(std::memory_order_relaxed); }
    std::uint64_t retentionDeleted() const { return m_retentionDeleted.load(std::memory_order_relaxed); }
    /// Valid after a successful start().
    const Recovery& recovery() const { return m_recovery; }
    const std::string& path() const { return m_options.path; }

private:
    struct FeedState {
        Feed feed;
        std::int64_t deviceRowId = -1;
        bool detachRequested = false;
        std::uint64_t detachRequestedAt = 0; ///< m_cycleCount when detach() was called
        bool haveRaw = false;                ///< writer thread: rawEnd is valid
        std::uint64_t rawEnd = 0;            ///< writer thread: first sample after the last raw block
    };
    struct Agg {
        std::int64_t tNs = 0;
        RollupStats stats;
    };
    void run(std::promise<std::string>* opened);
    bool openDatabase(std::string* error);
    /// One transaction: everything queued now plus the session accounting. final closes the session.
    void cycle(bool final);
    bool ensureDevice(FeedState& f, const core::DeviceInfo& info, std::string* error);
    bool writeRollup(FeedState& f, const pipeline::RollupRecord& r, std::string* error);
    bool foldInto(int level, std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& inc,
                  std::string* error);
    bool writeLatest(std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& s,
                     std::string* error);
    /// Returns false on a database error; *duplicate when the key existed (nothing written).
    bool writeRaw(FeedState& f, const core::SampleBlock& b, bool* duplicate, std::string* error);
    bool recover(std::string* error);
    void afterCommit();
    bool writeAccounting(const FeedState& f, std::uint64_t storedAfterCommit,
                         std::uint64_t duplicatesAfterCommit, std::string* error);
    void setError(const std::string& message);

    const Options m_options;

    // owner thread + writer thread, guarded by m_mutex
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::list<FeedState> m_feeds; ///< list: the writer keeps pointers across attach()
    bool m_stopRequested = false;
    std::uint64_t m_cycleCount = 0; ///< completed cycles (detach waits for one more)
    std::string m_error;

    // any thread
    std::atomic<bool> m_failed{false};
    std::atomic<std::uint64_t> m_commits{0};
    std::atomic<std::int64_t> m_sessionId{-1};
    std::atomic<std::uint64_t> m_checkpoints{0};
    std::atomic<std::uint64_t> m_retentionDeleted{0};
    Recovery m_recovery; ///< written by the writer thread before start() returns, then read-only

    // owner thread only
    std::thread m_thread;

    // writer thread only
    Database m_db;
    Statement m_insertRollup, m_upsertDevice, m_selectDevice, m_upsertAccounting, m_closeSession;
    Statement m_selectRollup, m_updateRollup;
    Statement m_selectAgg[2], m_replaceAgg[2]; ///< [0] rollup_1m, [1] rollup_1h
    Statement m_upsertLatest, m_insertRaw, m_insertEvent;
    RawCodec m_codec;
    std::vector<std::uint8_t> m_blob;
    std::map<std::tuple<std::int64_t, int, int>, Agg> m_aggs; ///< (device, axis, level) -> open bucket
    int m_walPages = 0;                                       ///< set by the WAL hook after each commit
    std::chrono::steady_clock::time_point m_lastCheckpoint{};
    std::chrono::steady_clock::time_point m_lastRetention{};
    bool m_retentionMore = false;
};

} // namespace vibra::storage
