#pragma once

#include "redis/Backoff.h"
#include "redis/RedisUrl.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vibra::pipeline {
class ChannelCore;
}

namespace vibra::redis {

class Client;
struct Value;

/// A read-only live view of the device streams StreamPublishers write (`vibrascope --source
/// redis://HOST:PORT/PREFIX`): plain `XREAD`, no consumer group, no acknowledgement, nothing written to
/// Redis. Durable storage uses StreamConsumer (`--consume`) instead.
///
///  - discovery: `TIME`, then `SCAN … MATCH PREFIX:{dev:<match>} TYPE stream` at start and every
///    Options::discoverMs. A stream found at start is read from that moment on (like `XREAD … $`); one found
///    later (a device that started publishing since) from the previous scan's Redis time, at most
///    Options::catchUpMs back, so a new device is seen from its first entries;
///  - reading: one `XREAD COUNT n BLOCK ms STREAMS k1 k2 … id1 id2 …` over every watched stream, then from
///    the last id seen per stream: a reconnect (exponential back-off, Options::backoffMinMs…backoffMaxMs)
///    resumes where it stopped, so entries added meanwhile are not skipped; entries Redis no longer has
///    (trimmed, or lost by a broker without persistence) show up as a gap in the first-sample index, which
///    the device's BlockOutlet counts (gapsDetected, samplesMissing): never joined silently;
///  - decoding: BlockEntry; the device id is the stream's, rate/axes/unit come from each entry (a change
///    starts a new stream in the engine). A new publisher session (the edge restarted and counts from 0
///    again) continues after what was seen, plus the samples its time stamps say are missing. Entries that
///    cannot be decoded (or name another device) are counted (Stats::undecodable, lastUndecodable) and
///    skipped;
///  - into the engine: a device's first entry asks the owner for a channel (DeviceRequest, called on the
///    watcher thread; the owner answers with provide(), null = refused: the stream is no longer read); the
///    watcher is the single producer of that core's outlet. Decoded blocks wait in a hold until the channel
///    exists and its input queue has room: at most Options::maxHeldPerDevice per device (full: the oldest is
///    dropped, counted Stats::overflow, and the engine sees the gap: a live view stays live instead of
///    falling behind) and Options::maxHeld over all devices (full: reading pauses until the engine takes
///    blocks);
///  - at most Options::maxDevices streams are watched; more are counted (Stats::overCap) and ignored.
///
/// Threads: start/stop/provide/release on any thread (the owner's); one watcher thread owns the connection
/// and every per-stream state and is the only producer of its devices' outlets (m_deliverMutex makes
/// release() synchronous: once it returns nothing more is delivered to that device). stats()/streams() on
/// any thread.
class StreamWatcher {
public:
    struct Options {
        RedisUrl url;
        std::string match = "*"; ///< device id glob: which device streams to watch
        int blockMs = 200;       ///< XREAD BLOCK
        std::size_t count = 64;  ///< entries per stream per read
        std::size_t maxDevices = 256;
        std::size_t maxHeld = 2048;        ///< decoded blocks waiting, over all devices (full: pause reading)
        std::size_t maxHeldPerDevice = 32; ///< per device (full: drop the oldest, counted overflow)
        int discoverMs = 2000;
        int catchUpMs = 5000; ///< how far back a stream found later is read from
        int timeoutMs = 2000;
        int backoffMinMs = 100;
        int backoffMaxMs = 5000;
        /// From the URL's query: match, max_devices, count, db. False with a message naming what is wrong.
        static bool fromUrl(const RedisUrl& url, Options* out, std::string* error);
    };
    using DeviceRequest = std::function<void(const std::string& deviceId)>;

    struct StreamStats {
        std::string key;
        std::string device;
        std::uint64_t entries = 0;     ///< decoded entries
        std::uint64_t samples = 0;     ///< samples per axis delivered into the engine
        std::uint64_t undecodable = 0; ///< entries skipped (bad payload, other device)
        std::uint64_t overflow = 0;    ///< entries dropped from a full per-device hold
        double rate = 0;               ///< of the newest entry
        std::string lastId;            ///< the position: last entry id seen
        bool refused = false;          ///< the owner gave no channel: not read
        bool released = false;         ///< the owner removed the device: not read
    };
    struct Stats {
        bool connected = false;
        std::uint64_t connects = 0; ///< successful connections (1 + reconnects)
        std::uint64_t scans = 0;    ///< completed discovery scans
        std::uint64_t streams = 0;  ///< streams watched (refused and released included)
        std::uint64_t overCap = 0;  ///< device streams seen in the last scan beyond Options::maxDevices
        std::uint64_t entries = 0, samples = 0, undecodable = 0, overflow = 0;
        std::string lastError;       ///< the last connection or command problem
        std::string lastUndecodable; ///< "KEY ID: reason" of the last undecodable entry
    };

    StreamWatcher(Options options, DeviceRequest request);
    ~StreamWatcher();
    StreamWatcher(const StreamWatcher&) = delete;
    StreamWatcher& operator=(const StreamWatcher&) = delete;

    /// The channel core for a requested device (null: refused).
    void provide(const std::string& deviceId, std::shared_ptr<pipeline::ChannelCore> core);
    /// The owner removes the device: nothing is delivered to it once this returns, and its stream is no
    /// longer read.
    void release(const std::string& deviceId);
    /// Starts the watcher thread (Redis need not be up: it connects with back-off).
    void start();
    /// Stops reading and joins (at most about Options::blockMs + timeoutMs).
    void stop();

    Stats stats() const;
    std::vector<StreamStats> streams() const;
    const Options& options() const { return m_options; }

private:
    struct Stream;

    void run();
    bool ensureConnected();
    void lost(const std::string& what);
    void setError(const std::string& what);
    void discover();
    void adoptProvided();
    void readNew();
    void accept(Stream& s, const std::string& id, const Value& fields);
    void undecodable(Stream& s, const std::string& id, const std::string& reason);
    void deliverAll();
    void publishStats(const Stream& s);
    void pause(int ms);

    Options m_options;
    DeviceRequest m_request;

    mutable std::mutex m_mutex; // guards m_provided, m_streamStats, m_lastError, m_lastUndecodable
    std::map<std::string, std::shared_ptr<pipeline::ChannelCore>> m_provided;
    std::map<std::string, StreamStats> m_streamStats;
    std::string m_lastError, m_lastUndecodable;
    std::condition_variable m_wake;
    std::mutex m_deliverMutex;        // held while delivering; guards m_released
    std::set<std::string> m_released; ///< devices the owner removed
    std::atomic<bool> m_stop{false}, m_connected{false};
    std::atomic<std::uint64_t> m_connects{0}, m_scans{0}, m_overCap{0}, m_entries{0}, m_samples{0},
        m_undecodable{0}, m_overflow{0};

    // watcher thread only
    std::unique_ptr<Client> m_client;
    std::map<std::string, std::unique_ptr<Stream>> m_streams; ///< by key
    std::size_t m_held = 0;                                   ///< blocks held over all streams
    Backoff m_backoff;
    std::int64_t m_nextDiscoverNs = 0, m_retryReadNs = 0;
    long long m_prevScanMs = -1; ///< Redis TIME (ms) of the previous scan; -1 before the first

    std::thread m_thread;
};

} // namespace vibra::redis
