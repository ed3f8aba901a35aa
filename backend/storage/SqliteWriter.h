#pragma once

#include "core/LatencyHistogram.h"
#include "pipeline/StoreFeed.h"
#include "storage/Checkpointer.h"
#include "storage/Database.h"
#include "storage/DeviceCatalog.h"
#include "storage/EventStore.h"
#include "storage/PublishLedger.h"
#include "storage/RawStore.h"
#include "storage/RelayLedger.h"
#include "storage/Retention.h"
#include "storage/RollupStore.h"
#include "storage/SessionAccounting.h"
#include "storage/SessionLock.h"
#include "storage/SessionRecovery.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vibra::storage {

/// The one writer of a history database: drains every attached device's store feed on its own thread and
/// commits batched transactions at most commitIntervalMs apart (default 250 ms, so well under 1 s of data is
/// in flight). This class owns the thread, the feeds and the transaction; the work inside a transaction is
/// done by one class per job, all on the writer thread:
///
///   RollupStore        1 s rows (merged when the second exists), 1 min / 1 h folding, device_latest
///   RawStore           raw blocks (storeRaw), duplicates, gap events
///   RelayLedger        raw blocks (and relayed rollups/events) received through Redis: stored once per
///                      (device, origin, seq)
///   PublishLedger      an edge's Redis publisher accounting (publish_device)
///   EventStore         the event table (the devices' events, gaps, recoveries)
///   DeviceCatalog      the device table
///   SessionAccounting  the session row and its per-device accounting, in the same transaction as the data
///   SessionRecovery    closes sessions an unclean shutdown left open (before the new session starts)
///   Checkpointer       WAL checkpoints after commits (replaces SQLite's auto-checkpoint)
///   Retention          deletes what is due, one small batch after a commit
///
/// Accounting: without raw storage a sample counts as stored when its 1 s rollup is committed; with storeRaw,
/// when its raw block is committed (rollups are derived data then and do not count). Each device's
/// session_device row is the sum of StoreFeed::sessionCounters() over its feeds (closed ones included).
///
/// Threads: start()/stop() on the owner thread, attach() on any thread; the connection, the job classes and
/// every "writer thread only" member belong to the writer thread. Counters: adds samplesStored (on commit),
/// DropReason::Duplicate (raw samples already stored) and DropReason::WriteError (when the database refuses a
/// write; the writer then keeps draining and counting so the accounting still balances, and failed() turns
/// true).
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
        /// An edge's Redis publisher accounting (`--publish`), written to publish_device with the session
        /// accounting in every transaction; called on the writer thread. Empty: none.
        std::function<std::vector<PublishCounts>()> publishAccounting;
    };
    /// What start() found about the previous run.
    using Recovery = SessionRecovery::Report;

    explicit SqliteWriter(Options options);
    ~SqliteWriter();
    SqliteWriter(const SqliteWriter&) = delete;
    SqliteWriter& operator=(const SqliteWriter&) = delete;

    /// Opens (creating or migrating) the database on the writer thread and starts a session. Returns
    /// false with a clear message when the file cannot be used; nothing is left behind then.
    bool start(std::string* error);
    /// Final drain of every feed (closed or not) and commit with the final accounting, closes the session
    /// cleanly, checkpoints, joins. Call after the producers have stopped (their last items are in the
    /// rings).
    void stop();

    /// Any thread: begin draining a device's store feed (picked up by the next transaction). The writer
    /// keeps the shared feed; once the producer has closed it, the writer drains it completely, writes the
    /// device's final accounting in that transaction and lets go of it. Nothing waits. The same device may be
    /// attached again later (a new feed, e.g. a device removed and added back): its session_device row then
    /// holds the sum over its feeds, each counted once. Attaching the same feed twice has no effect.
    void attach(pipeline::StoreFeedPtr feed);
    /// Any thread: run the next transaction now instead of at the end of the commit interval (e.g. after a
    /// producer closed its feed and wants it released promptly). Returns at once; nothing waits.
    void requestCommit();

    bool failed() const { return m_failed.load(std::memory_order_acquire); }
    std::string errorMessage() const;
    std::uint64_t commits() const { return m_commits.load(std::memory_order_relaxed); }
    std::int64_t sessionId() const { return m_sessionId.load(std::memory_order_relaxed); }
    std::uint64_t checkpoints() const { return m_checkpointer.count(); }
    std::uint64_t retentionDeleted() const { return m_retentionDeleted.load(std::memory_order_relaxed); }
    /// Time from BEGIN to a successful COMMIT of each transaction (written by the writer thread; any thread
    /// reads). For `serve`'s /metrics (vibrascope_db_commit_duration_seconds).
    const core::LatencyHistogram& commitLatency() const { return m_commitLatency; }
    /// Valid after a successful start().
    const Recovery& recovery() const { return m_recovery; }
    const std::string& path() const { return m_options.path; }

    static constexpr std::size_t kMaxDeferredEvents = 256; ///< per device, waiting for its first data

private:
    /// Writer thread: one device of this session, whatever feeds it arrived through.
    struct DeviceState {
        std::string id;
        std::string sourceUri;
        std::int64_t rowId = -1;                    ///< device table row, once its first data was written
        core::CounterSnapshot closedFeeds;          ///< sum of the session counters of its closed feeds
        std::vector<core::EventPtr> deferredEvents; ///< events that arrived before the device row existed
    };
    /// Writer thread: one attached feed and what the current transaction took from it.
    struct FeedState {
        pipeline::StoreFeedPtr feed;
        DeviceState* device = nullptr;
        bool closing = false;         ///< closed before this transaction drained it: complete afterwards
        std::uint64_t pending = 0;    ///< samples counted as stored if the transaction commits
        std::uint64_t records = 0;    ///< items behind `pending` (for write_error's frame count)
        std::uint64_t duplicates = 0; ///< raw samples already stored
        std::uint64_t duplicateBlocks = 0;
        std::uint64_t alreadyStored = 0; ///< relayed samples the relay ledger already holds
        std::uint64_t alreadyStoredBlocks = 0;
        std::uint64_t unwritable = 0; ///< samples of items without a device description (write_error)
    };

    void run(std::promise<std::string>* opened);
    bool openDatabase(std::string* error);
    /// One transaction: everything queued now plus the session accounting. final closes the session.
    void cycle(bool final);
    void adoptNewFeeds();
    /// Takes everything queued in f into the open transaction (ok = the transaction is still good); returns
    /// whether it still is.
    bool drain(FeedState& f, bool ok, std::string* error);
    bool writeItem(DeviceState& dev, const pipeline::StoreItem& item, RawStore::Outcome* raw,
                   std::string* error);
    bool ensureDevice(DeviceState& d, const core::DeviceInfo& info, std::string* error);
    bool writeEvent(DeviceState& d, const core::EventPtr& e, std::string* error);
    bool writeOrphanEvents(DeviceState& d, std::string* error);
    bool writeAccounting(std::string* error);
    void finishCycle(bool committed);
    void closeAfterFailure();
    void afterCommit();
    void setError(const std::string& message);

    const Options m_options;

    // owner thread + writer thread, guarded by m_mutex
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<pipeline::StoreFeedPtr> m_incoming; ///< attached, not yet taken by the writer thread
    bool m_stopRequested = false;
    bool m_commitRequested = false;
    std::string m_error;

    // any thread
    std::atomic<bool> m_failed{false};
    std::atomic<std::uint64_t> m_commits{0};
    std::atomic<std::int64_t> m_sessionId{-1};
    std::atomic<std::uint64_t> m_retentionDeleted{0};
    core::LatencyHistogram m_commitLatency;
    Recovery m_recovery; ///< written by the writer thread before start() returns, then read-only

    // owner thread only
    std::thread m_thread;

    // writer thread only (m_checkpointer's count() is read anywhere)
    Database m_db;
    DeviceCatalog m_catalog;
    EventStore m_events;
    RollupStore m_rollups;
    RawStore m_raw;
    RelayLedger m_relay;
    PublishLedger m_publish;
    SessionAccounting m_session;
    SessionLock m_sessionLock; ///< marks m_session live for other writer processes
    Checkpointer m_checkpointer;
    Retention m_retention;
    std::vector<FeedState> m_feeds;                                ///< feeds being drained
    std::map<std::string, std::unique_ptr<DeviceState>> m_devices; ///< by device id, for the session
};

} // namespace vibra::storage
