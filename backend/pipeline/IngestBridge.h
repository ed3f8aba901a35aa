#pragma once

#include "io/IngestServer.h"
#include "pipeline/ChannelCore.h"

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

namespace vibra::pipeline {

class Pipeline;
class DeviceChannel;

/// Connects the WebSocket ingest server to a Pipeline: every device that pushes to /ingest becomes a
/// DeviceChannel (with a PassiveSource) that the server feeds through the channel core's outlet; removing
/// the channel from the pipeline makes the server forget the device first. Used by `record --listen` and
/// by the dashboard's --listen.
///
/// Threads: owner thread only (the pipeline's). The server runs on this thread too, so channel creation in
/// the provider needs no cross-thread hand-off; its per-message work is parsing and one ring push.
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
    const io::IngestServer::Stats& stats() const { return m_server->stats(); }
    quint16 port() const { return m_server->port(); }
    /// The server itself, for `serve` (which hands it WebSocket upgrades from its HTTP port and submits
    /// HTTP-ingested blocks through it; see IngestServer::startWithoutListening / submit).
    io::IngestServer& server() { return *m_server; }

    /// Parses "HOST:PORT" (IPv4, [IPv6] or localhost) into options with the given token. A non-loopback
    /// address without a token is refused. Returns false with a message.
    static bool parseListen(const QString& spec, const QString& token, io::IngestServer::Options* out,
                            QString* error);

signals:
    void deviceConnected(const QString& deviceId);

private:
    core::BlockOutlet* provide(const QString& deviceId, const QString& uri);

    Pipeline& m_pipeline;
    ChannelHook m_onNewChannel;
    /// The cores whose outlets the server feeds: held here so an outlet outlives the server's use of it.
    std::vector<std::pair<QString, ChannelCorePtr>> m_cores;
    std::unique_ptr<io::IngestServer> m_server;
};

} // namespace vibra::pipeline
