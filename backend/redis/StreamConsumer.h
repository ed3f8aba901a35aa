#pragma once

#include "core/DeviceInfo.h"
#include "redis/Backoff.h"
#include "redis/DeviceLeases.h"
#include "redis/RedisUrl.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vibra::pipeline {
class ChannelCore;
}

namespace vibra::redis {

class Client;
struct Value;

/// The central side (`record|serve … --consume redis://HOST:PORT/PREFIX?group=G&consumer=C`): reads the
/// device streams of StreamPublishers through a consumer group and delivers their blocks into the engine like
/// any other source; each entry is acknowledged only after the database transaction that holds its samples
/// has committed (at-least-once from Redis, exactly-once in the database through the relay ledger: raw blocks
/// are unique by (device, upstream session, seq), see storage::RelayLedger).
///
///  - discovery: `SCAN … MATCH PREFIX:{dev:<match>} TYPE stream` at start and every Options::discoverMs;
///    `XGROUP CREATE key G 0 MKSTREAM` (BUSYGROUP = already there);
///  - per stream, its own pending entries first (`XREADGROUP … STREAMS key 0`, after a restart), then new
///  ones
///    (`>`, BLOCK Options::blockMs over every stream at once);
///  - a device's first entry asks the owner for a channel (DeviceRequest, called on the consumer thread; the
///    owner answers with provide()); until then, and while the device's input queue is full, its blocks wait
///    in a bounded hold (Options::maxHeld blocks over all streams: reading pauses when it is full);
///  - acknowledgement: a device's samples are accounted once the writer has committed them (stored, or found
///    already stored: DeviceCounters samplesStored + dropped{duplicate}); entries whose samples are all
///    accounted are XACKed (pipelined, on a second connection);
///  - janitor every Options::janitorMs: `XAUTOCLAIM` entries idle longer than Options::claimIdleMs from other
///    consumers of the group (a dead consumer's entries), re-read from the own PEL; entries delivered more
///    than Options::maxDeliveries times and entries that cannot be decoded go to the dead-letter stream
///    `PREFIX:dead:G` with the reason and are acked;
///  - an entry older than what was already delivered for its device (a reclaimed one) is left pending and
///    counted `deferred`: the next start reads it first, in order;
///  - device ownership (Options::leaseMs > 0, the default): consumers of one group share the *devices*, never
///    the entries of one device. A consumer reads only the streams whose lease it holds (DeviceLeases:
///    `SET PREFIX:lease:{dev:ID}:G C NX PX leaseMs`, renewed every leaseMs/3). Every leaseMs/3 it also sends
///    a membership heartbeat and aims at its fair share ceil(streams / members): it takes free leases up to
///    it and gives extras back cleanly (stops reading the stream, delivers what it holds, waits until the
///    committed entries are acked, at most leaseMs, then deletes the lease). Taking a lease, it first claims
///    every entry still pending in the group for that stream (`XAUTOCLAIM … 0 … JUSTID`: the previous owner
///    died or gave it back; storage is idempotent) and reads its own pending entries, in order, before new
///    ones. A renewal that finds the lease taken (this consumer stalled longer than leaseMs) stops reading
///    the stream at once. A dead consumer's devices move within leaseMs + leaseMs/3. A clean stop deletes
///    the leases and leaves the membership, so the others take over at their next tick. leaseMs = 0: every
///    matched stream is read (one consumer per device by `match=` globs, as before leases);
///  - statistics: lag and pending per stream (`XINFO GROUPS`) every second.
///
/// Threads: start/requestStop/finish and provide on any thread; one consumer thread owns both connections
/// and every per-stream state, and is the single producer of its devices' outlets. stats()/streams() any
/// thread.
class StreamConsumer {
public:
    struct Options {
        RedisUrl url;
        std::string group = "vibrascope";
        std::string consumer;    ///< default: host name
        std::string match = "*"; ///< device id glob: which device streams this consumer reads
        int blockMs = 200;       ///< XREADGROUP BLOCK
        std::size_t count = 128; ///< entries per stream per read
        std::size_t maxHeld = 4096;
        int discoverMs = 2000;
        int janitorMs = 5000;
        int claimIdleMs = 30000;
        int maxDeliveries = 5;
        int timeoutMs = 2000;
        int finishMs = 5000; ///< finish(): how long to wait for the last commits to be acked
        int leaseMs = 10000; ///< device lease time (failover time of a dead consumer); 0: no leases
        /// From the URL's query: group, consumer, match, claim_idle_ms, max_deliveries, count, lease_ms.
        static bool fromUrl(const RedisUrl& url, Options* out, std::string* error);
    };
    using DeviceRequest = std::function<void(const std::string& deviceId, const std::string& uri)>;
    /// Whether the block (device, upstream session, seq) is stored already (the relay ledger); consumer
    /// thread.
    using StoredCheck =
        std::function<bool(const std::string& deviceId, const std::string& origin, std::uint64_t seq)>;

    struct StreamStats {
        std::string key;
        std::string device;
        std::uint64_t entries = 0;       ///< entries delivered into the engine
        std::uint64_t samples = 0;       ///< samples per axis delivered
        std::uint64_t acked = 0;         ///< entries acknowledged
        std::uint64_t deadLettered = 0;  ///< entries moved to the dead-letter stream
        std::uint64_t deferred = 0;      ///< out-of-order entries left pending
        std::uint64_t alreadyStored = 0; ///< re-delivered entries found stored: acked, not delivered again
        bool owned = false;              ///< this consumer holds the device's lease (reads the stream)
        long long lag = -1;              ///< XINFO GROUPS lag (-1: unknown)
        long long pending = -1;          ///< XINFO GROUPS pending of the group
    };
    struct Stats {
        bool connected = false;
        std::uint64_t connects = 0;
        std::uint64_t streams = 0;
        std::uint64_t entries = 0, acked = 0, deadLettered = 0, claimed = 0, trimmedPending = 0;
        std::uint64_t owned =
            0; ///< streams whose lease this consumer holds (all read streams without leases)
        std::uint64_t members = 0; ///< live consumers of the group sharing the match glob (0: no leases)
        std::uint64_t leasesTaken = 0, leasesReleased = 0, leasesLost = 0;
        long long lag = 0, pending = 0; ///< sums over streams with known values
        std::string lastError;
    };

    StreamConsumer(Options options, DeviceRequest request);
    ~StreamConsumer();
    StreamConsumer(const StreamConsumer&) = delete;
    StreamConsumer& operator=(const StreamConsumer&) = delete;

    /// Any thread: the channel core for a requested device (null: refused; its entries stay pending).
    void provide(const std::string& deviceId, std::shared_ptr<pipeline::ChannelCore> core);
    /// Before start(): entries that arrive before a device's first delivered block (own pending entries after
    /// a restart, a dead owner's claimed ones) and are found stored are acknowledged without passing the
    /// engine again, counted received + dropped{already_stored}: their samples are not folded into a 1 s
    /// rollup a second time. (Later ones are delivered as before: skipping them would look like a gap.)
    void setStoredCheck(StoredCheck check) { m_storedCheck = std::move(check); }
    void start();
    /// Stop reading and delivering (acks continue until finish()).
    void requestStop();
    /// After the writer's final commit: ack what it holds (bounded by Options::finishMs), then join.
    void finish();

    Stats stats() const;
    std::vector<StreamStats> streams() const;
    const Options& options() const { return m_options; }

private:
    struct Stream;
    struct Entry;

    void run();
    bool ensureConnected();
    void discover();
    void adoptProvided();
    void readBacklog(Stream& s);
    void readNew();
    void handleEntries(Stream& s, const Value& entries);
    void accept(Stream& s, const std::string& id, const Value& fields);
    void deadLetter(Stream& s, const std::string& id, const Value* fields, const std::string& reason,
                    long long deliveries);
    void deliverHeld(Stream& s);
    void ackCommitted(Stream& s);
    void janitor();
    bool dropOverDelivered(Stream& s, const std::string& idle);
    void leases(std::int64_t now);
    bool takeOver(Stream& s);
    void giveBack(Stream& s, bool lostLease);
    void releaseAll();
    void refreshStats();
    void lost(const std::string& what);
    std::size_t held() const;
    void publishStats(const Stream& s);

    Options m_options;
    DeviceRequest m_request;
    StoredCheck m_storedCheck;

    mutable std::mutex m_mutex; // guards m_provided, m_stats, m_streamStats, m_lastError
    std::map<std::string, std::shared_ptr<pipeline::ChannelCore>> m_provided;
    std::map<std::string, StreamStats> m_streamStats;
    std::string m_lastError;
    std::atomic<bool> m_stopReading{false}, m_finish{false}, m_connected{false};
    std::atomic<std::uint64_t> m_connects{0}, m_claimed{0}, m_trimmed{0};
    std::atomic<std::uint64_t> m_members{0}, m_taken{0}, m_released{0}, m_lost{0};
    std::condition_variable m_wake;

    // consumer thread only
    std::unique_ptr<Client> m_read, m_ctl;
    std::map<std::string, std::unique_ptr<Stream>> m_streams; ///< by key
    Backoff m_backoff;
    std::int64_t m_nextDiscoverNs = 0, m_nextJanitorNs = 0, m_nextStatsNs = 0;
    std::int64_t m_nextLeaseNs = 0;
    DeviceLeases m_leases;

    std::thread m_thread;
};

} // namespace vibra::redis
