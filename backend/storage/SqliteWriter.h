#pragma once

#include "core/DeviceCounters.h"
#include "core/SpscRing.h"
#include "pipeline/RollupRecord.h"
#include "storage/Database.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vibra::storage {

/// The one writer of a history database: drains every device's store ring on its own thread and commits
/// batched transactions at most commitIntervalMs apart (default 500 ms, so at most ~1 s of data is in
/// flight). Keeps the recording session's per-device accounting current in the same transactions.
///
/// Threads: start()/stop()/attach()/detach() on the owner thread; the connection, statements and every
/// "writer thread only" member belong to the writer thread. Counters: adds samplesStored (on commit) and
/// DropReason::WriteError (when the database refuses a write; the writer then keeps draining and
/// counting so the accounting still balances, and failed() turns true).
class SqliteWriter {
public:
    struct Options {
        std::string path;
        Database::Durability durability = Database::Durability::Normal;
        int commitIntervalMs = 500;
        std::string configJson = "{}"; ///< stored with the session
        std::string appVersion;
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
    const std::string& path() const { return m_options.path; }

private:
    struct FeedState {
        Feed feed;
        std::int64_t deviceRowId = -1;
        bool detachRequested = false;
        std::uint64_t detachRequestedAt = 0; ///< m_cycleCount when detach() was called
    };
    void run(std::promise<std::string>* opened);
    bool openDatabase(std::string* error);
    /// One transaction: everything queued now plus the session accounting. final closes the session.
    void cycle(bool final);
    bool ensureDevice(FeedState& f, const core::DeviceInfo& info, std::string* error);
    bool writeRollup(FeedState& f, const pipeline::RollupRecord& r, std::string* error);
    bool writeAccounting(const FeedState& f, std::uint64_t storedAfterCommit, std::string* error);
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

    // owner thread only
    std::thread m_thread;

    // writer thread only
    Database m_db;
    Statement m_insertRollup, m_upsertDevice, m_selectDevice, m_upsertAccounting, m_closeSession;
    Statement m_selectRollup, m_updateRollup;
};

} // namespace vibra::storage
