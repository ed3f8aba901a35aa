#pragma once

#include "pipeline/FeatureTap.h"
#include "pipeline/TapFeed.h"
#include "redis/Backoff.h"
#include "redis/RedisUrl.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vibra::redis {

class Client;

/// Publishes every processed block of every device to Redis Streams (`record|serve --publish redis://…`):
/// one stream per device (StreamKeys::device), one entry per block (BlockEntry), `XADD key MAXLEN ~ maxLen *`
/// pipelined in batches of up to Options::batch commands.
///
/// Devices arrive as pipeline::TapFeeds (like the Parquet sink's), before or after start(): a device that
/// appears later is published from its first tapped block. Blocks go from the taps into a bounded outbound
/// buffer (Options::bufferBlocks over all devices); when it is full (Redis down for longer than the buffer
/// covers) new blocks are dropped and counted (droppedOverflow) instead of growing memory.
///
/// Delivery: an entry leaves the buffer when Redis has answered its XADD. On an I/O error the connection is
/// closed and re-opened with exponential back-off (Options::backoffMinMs..backoffMaxMs); after every connect,
/// before sending, the publisher reads the last entry of each device stream (`XREVRANGE key + - COUNT 1`) and
/// drops from the buffer what Redis already holds (same session, seq <= the last one): an XADD whose reply
/// was lost is not sent twice, and nothing still buffered is skipped. The producer key is (dev, session,
/// seq): session is this publisher's start time (UTC ns), seq counts a device's entries without holes. A
/// transient error reply (LOADING after a restart, BUSY, TRYAGAIN, MASTERDOWN, CLUSTERDOWN, READONLY) keeps
/// the entry buffered and is handled like an I/O error (reconnect, resync, resend). Any other error reply
/// (OOM, WRONGTYPE) drops that entry, counted as rejected (retrying it later would reorder the stream).
///
/// Features mode (Options::mode, `?mode=features`, for thin links): instead of raw blocks, each device's
/// completed 1 s rollups and events (pipeline::FeatureTap) go to its features stream
/// (StreamKeys::features), one FeatureEntry each, with the same buffer, resync and producer key; samples are
/// then those the rollups cover, and events are counted apart (eventsOffered = eventsPublished +
/// eventsDropped).
///
/// Accounting per device (samples per axis): received (offered to the tap) = published +
/// dropped{tap_overflow, overflow, rejected, unpublished}; unpublished is what was still buffered when stop()
/// gave up (Options::stopFlushMs without a working connection).
///
/// Threads: start/stop on the owner thread; addFeed on any thread (mutex hand-over). One publisher thread
/// owns the connection, the buffer and every per-device state; it is the consumer of the tap rings.
/// accounting() and status() from any thread (relaxed atomics; exact after stop()).
class StreamPublisher {
public:
    enum class Mode { Raw, Features };
    struct Options {
        RedisUrl url;
        Mode mode = Mode::Raw;           ///< raw blocks, or 1 s rollups and events (`mode=features`)
        std::int64_t maxLen = 100'000;   ///< XADD MAXLEN ~ per device stream (entries); 0 = never trim
        std::size_t bufferBlocks = 4096; ///< outbound buffer over all devices
        std::size_t batch = 256;         ///< XADDs per pipelined round trip
        int timeoutMs = 2000;            ///< connect and command timeout
        int backoffMinMs = 100;
        int backoffMaxMs = 5000;
        int stopFlushMs = 5000;    ///< at stop, keep trying this long to publish what is buffered
        std::uint64_t session = 0; ///< 0: the UTC ns of construction
        /// From the URL's query: mode, maxlen, buffer, batch (validated). False with a message.
        static bool fromUrl(const RedisUrl& url, Options* out, std::string* error);
    };
    struct DeviceAccounting {
        std::string name;
        std::uint64_t received = 0;           ///< samples per axis offered to the tap
        std::uint64_t published = 0;          ///< in entries Redis acknowledged
        std::uint64_t entries = 0;            ///< entries Redis acknowledged
        std::uint64_t droppedTapOverflow = 0; ///< refused by the full tap ring (DSP thread)
        std::uint64_t droppedOverflow = 0;    ///< refused by the full outbound buffer
        std::uint64_t droppedRejected = 0;    ///< XADD answered with an error
        std::uint64_t droppedUnpublished = 0; ///< still buffered when stop() gave up
        std::uint64_t eventsOffered = 0;      ///< features mode: events offered to the tap
        std::uint64_t eventsPublished = 0;    ///< ... in entries Redis acknowledged
        std::uint64_t eventsDropped = 0;      ///< ... lost for any of the reasons above
        std::uint64_t dropped() const {
            return droppedTapOverflow + droppedOverflow + droppedRejected + droppedUnpublished;
        }
        bool balanced() const {
            return received == published + dropped() && eventsOffered == eventsPublished + eventsDropped;
        }
    };
    struct Status {
        bool connected = false;
        std::uint64_t connects = 0;      ///< successful connections (1 + reconnects)
        std::uint64_t buffered = 0;      ///< blocks waiting in the outbound buffer
        std::uint64_t resyncSkipped = 0; ///< entries found already in Redis after a reconnect (not re-sent)
        std::string lastError;
    };

    explicit StreamPublisher(Options options);
    ~StreamPublisher();
    StreamPublisher(const StreamPublisher&) = delete;
    StreamPublisher& operator=(const StreamPublisher&) = delete;

    void addFeed(pipeline::TapFeedPtr feed);
    /// Features mode: a device's rollups and events (any thread, like addFeed).
    void addFeatureFeed(pipeline::FeatureTapPtr feed);
    /// Starts the publisher thread (Redis need not be up yet: it connects with back-off).
    void start();
    /// Drains every tap, publishes what is buffered (for up to Options::stopFlushMs), joins.
    void stop();

    std::vector<DeviceAccounting> accounting() const;
    Status status() const;
    std::uint64_t session() const { return m_options.session; }
    const Options& options() const { return m_options; }

private:
    struct Device;
    struct Pending;

    void run();
    void adoptFeeds();
    bool pull(Device& d);
    bool pullFeatures(Device& d);
    Device& deviceFor(const std::string& id);
    void drop(Device& d, const Pending& p, std::atomic<std::uint64_t>& samples);
    void retire(Device& d);
    bool connect();
    bool resync(Device& d);
    bool publishBatch();
    void setError(const std::string& message);
    std::size_t buffered() const;

    Options m_options;

    mutable std::mutex m_mutex; // guards m_devices (structure), m_incoming, m_lastError
    std::condition_variable m_wake;
    std::vector<std::unique_ptr<Device>> m_devices;
    std::vector<pipeline::TapFeedPtr> m_incoming;
    std::vector<pipeline::FeatureTapPtr> m_incomingFeatures;
    std::string m_lastError;
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_connected{false};
    std::atomic<std::uint64_t> m_connects{0};
    std::atomic<std::uint64_t> m_buffered{0};
    std::atomic<std::uint64_t> m_resyncSkipped{0};

    // publisher thread only
    std::unique_ptr<Client> m_client;
    Backoff m_backoff;

    // owner thread only
    std::thread m_thread;
};

} // namespace vibra::redis
