#pragma once

#include "pipeline/StoreFeed.h"
#include "redis/StreamConsumer.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace vibra::redis {

class Client;
struct Value;

/// The central side of features publishing (`--publish …?mode=features` at the edge, `--consume` here):
/// reads every device's features stream (`PREFIX:{dev:ID}:features`, StreamKeys::features) through the same
/// consumer group as the raw streams and hands the 1 s rollups and events straight to the database writer
/// (there are no samples to process): one pipeline::StoreFeed per device, whose items carry the producer key
/// (StoreItem::relayDevice/relaySeq), so the writer stores each entry once (storage::RelayLedger, origin
/// `SESSION:features`) and folds the rollups into 1 min / 1 h like local ones.
///
///  - discovery: `SCAN … MATCH PREFIX:{dev:<match>}:features TYPE stream` every Options::discoverMs,
///    `XGROUP CREATE key G 0 MKSTREAM`;
///  - its own pending entries first (`XREADGROUP … 0`), then new ones (`>`, BLOCK over every stream);
///  - a decoded entry waits in a bounded hold (Options::maxHeld over all streams; reading pauses when full)
///    until its device's feed has room;
///  - acknowledgement after the commit: an entry pushed into a feed when the writer had committed c
///    transactions is held by every transaction that starts later, so it is XACKed once the writer has
///    committed c + 2 (Sink::commits); nothing is acked after a write failure (Sink::failed), and finish()
///    acks what the writer's final commit holds;
///  - janitor every Options::janitorMs: `XAUTOCLAIM` of entries idle longer than Options::claimIdleMs (a dead
///    consumer's); entries that cannot be decoded go to the dead-letter stream `PREFIX:dead:G` with the
///    reason and are acked.
/// Accounting: each feed's counters receive the rollups' samples (received = processed); the writer adds
/// stored or already_stored (a re-delivered entry), so the central session_device row balances.
///
/// Threads: start/requestStop/finish on the owner thread; one consumer thread owns the connection and every
/// stream state and is the single producer of its feeds. The Sink callbacks are called on that thread.
/// stats() any thread.
class FeatureConsumer {
public:
    struct Sink {
        std::function<void(pipeline::StoreFeedPtr)> attach; ///< give a new feed to the writer
        std::function<std::uint64_t()> commits;             ///< transactions committed so far
        std::function<bool()> failed;                       ///< the writer failed (nothing commits any more)
    };
    struct Stats {
        bool connected = false;
        std::uint64_t streams = 0, rollups = 0, events = 0, samples = 0, acked = 0, deadLettered = 0,
                      claimed = 0;
        std::string lastError;
    };

    FeatureConsumer(StreamConsumer::Options options, Sink sink);
    ~FeatureConsumer();
    FeatureConsumer(const FeatureConsumer&) = delete;
    FeatureConsumer& operator=(const FeatureConsumer&) = delete;

    void start();
    /// Stop reading; the feeds are closed (their last items are in the rings) when this returns (bounded).
    void requestStop();
    /// After the writer's final commit: ack what it holds (when it did not fail), then join (bounded by
    /// Options::finishMs).
    void finish();

    Stats stats() const;

private:
    struct Stream;
    struct Entry;

    void run();
    bool ensureConnected();
    void discover();
    void readBacklog(Stream& s);
    void readNew();
    void handleEntries(Stream& s, const Value& entries);
    void accept(Stream& s, const std::string& id, const Value& fields);
    void deadLetter(Stream& s, const std::string& id, const Value& fields, const std::string& reason);
    void push(Stream& s);
    void ack(Stream& s, bool all);
    void janitor();
    void closeFeeds();
    void lost(const std::string& what);
    std::size_t held() const;

    StreamConsumer::Options m_options;
    Sink m_sink;

    mutable std::mutex m_mutex; // guards m_stats.lastError, m_feedsClosed
    std::condition_variable m_cv;
    Stats m_statsShared;
    bool m_feedsClosed = false;
    std::atomic<bool> m_stopReading{false}, m_finish{false};

    // consumer thread only
    std::unique_ptr<Client> m_client;
    std::map<std::string, std::unique_ptr<Stream>> m_streams; ///< by key
    Backoff m_backoff;
    std::int64_t m_nextDiscoverNs = 0, m_nextJanitorNs = 0;

    std::thread m_thread;
};

} // namespace vibra::redis
