#pragma once

#include "io/IngestServer.h"
#include "pipeline/ChannelCore.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

class QThread;

namespace vibra::io {
class IngestAcceptor;
}

namespace vibra::pipeline {

class Pipeline;
class DeviceChannel;

/// Connects the WebSocket ingest server to a Pipeline: every device that pushes to /ingest becomes a
/// DeviceChannel (with a PassiveSource) that the server feeds through the channel core's outlet; removing
/// the channel from the pipeline makes the server forget the device first. Used by `record --listen`, the
/// dashboard's --listen and `serve`.
///
/// With Options::threads == 1 the one server runs on the owner's thread. With N > 1 (record --listen
/// --ingest-threads N) an io::IngestAcceptor on the owner's thread accepts connections and hands each to one
/// of N shard servers, each on its own QThread, chosen by the device name (so a device and its subscribers
/// always meet the same shard, the single producer of its outlet); the shards share one Stats (and the
/// connection and device limits). Only listen() serves shards; `serve` hands upgrades to server() and uses
/// one thread.
///
/// Threads: owner thread (the pipeline's) for every method. A shard asks for a new device's channel on the
/// owner thread and waits for the answer (a std::future); removing a device tells its shard to forget it
/// (queued) and keeps the channel core, whose outlet the shard may still be feeding, alive until the shard
/// has done so. close() waits for the shard threads while it keeps answering their requests (with refusals).
class IngestBridge : public QObject {
    Q_OBJECT
public:
    using ChannelHook = std::function<void(DeviceChannel*)>;

    /// onNewChannel is called for each new device channel before it starts (attach recording there).
    IngestBridge(Pipeline& pipeline, io::IngestServer::Options options, ChannelHook onNewChannel,
                 QObject* parent = nullptr);
    ~IngestBridge() override;

    bool listen(QString* error);
    /// Stops accepting and feeding; call before stopping the pipeline.
    void close();
    const io::IngestServer::Stats& stats() const { return *m_stats; }
    quint16 port() const;
    /// The (first) server, for `serve` (which hands it WebSocket upgrades from its HTTP port and submits
    /// HTTP-ingested blocks through it; see IngestServer::startWithoutListening / submit).
    io::IngestServer& server() { return *m_shards.front()->server; }
    /// Number of threads serving connections (Options::threads).
    int threads() const { return static_cast<int>(m_shards.size()); }

    /// Parses "HOST:PORT" (IPv4, [IPv6] or localhost) into options with the given token. A non-loopback
    /// address without a token is refused. Returns false with a message.
    static bool parseListen(const QString& spec, const QString& token, io::IngestServer::Options* out,
                            QString* error);

signals:
    void deviceConnected(const QString& deviceId);

private:
    /// Hand-offs between threads go through mutex-protected lists (a queued call only says "look"), so
    /// ThreadSanitizer sees what orders them (Qt's own event queue locks are invisible to it).
    struct Shard {
        std::unique_ptr<io::IngestServer> server;
        std::unique_ptr<QThread> thread; ///< null: the server runs on the owner thread
        std::mutex mutex;
        std::vector<qintptr> fds;                                ///< accepted, to be served
        std::vector<std::pair<QString, ChannelCorePtr>> forgets; ///< devices to forget (core held)
    };
    struct Request {
        int shard = 0;
        QString deviceId, uri;
        std::promise<core::BlockOutlet*> answer;
    };
    struct Fed {
        QString id;
        ChannelCorePtr core;
        int shard = 0;
    };
    /// Called by shard `shard` on its thread (or the owner's, unsharded).
    core::BlockOutlet* provide(int shard, const QString& deviceId, const QString& uri);
    core::BlockOutlet* provideHere(int shard, const QString& deviceId, const QString& uri);
    void onAboutToRemove(const QString& id);
    void handOff(int shard, qintptr fd);
    static void serveShardQueue(Shard& shard); ///< on the shard's thread
    void answerRequests();                     ///< on the owner thread

    Pipeline& m_pipeline;
    ChannelHook m_onNewChannel;
    io::IngestServer::Options m_options;
    std::shared_ptr<io::IngestServer::Stats> m_stats;
    std::vector<std::unique_ptr<Shard>> m_shards;
    std::mutex m_requestMutex;
    std::vector<std::shared_ptr<Request>> m_requests; ///< new devices asked for by shard threads
    io::IngestAcceptor* m_acceptor = nullptr;
    std::atomic<bool> m_closing{false};
    quint16 m_port = 0; ///< the acceptor's port (sharded)
    /// The cores whose outlets the servers feed: held here so an outlet outlives its server's use of it.
    std::vector<Fed> m_cores;
};

} // namespace vibra::pipeline
