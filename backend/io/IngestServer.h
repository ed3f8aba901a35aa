#pragma once

#include "core/BlockOutlet.h"
#include "decode/Frame.h"
#include "io/DecoderPump.h"
#include "io/RateLimitedLog.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace vibra::io {

/// Embedded WebSocket ingest + relay server (docs/protocol.md, "WebSocket ingest and relay").
///
///  - /ingest?device=NAME: devices push binary frames or JSON blocks; each is decoded by the device's
///    decode::StreamDecoder (the same decode path as every source, through DecoderPump, so rejects are
///    counted the same way), delivered to the device's outlet and acknowledged cumulatively ({"ack":seq});
///    a frame at or below the stored sequence is a duplicate (idempotent resume). On connect the server
///    sends the current {"ack":seq} (-1 = none); errors are {"error":"...","seq":N}. Every reply is written
///    by nlohmann-json, so any error text is valid JSON.
///  - /stream?device=NAME: dashboards receive every stored block of NAME as a binary float32 frame; each
///    subscriber has a bounded send queue (bytes), a slow one loses blocks (counted in stats()).
///  - Auth: "Authorization: Bearer <token>" or ?token=; a wrong/missing token closes with 4401 (counted).
///  - Limits: message size (larger: closed with 1009, counted), connections (beyond: 1013), devices.
///
/// Devices appear dynamically: the first valid frame of an unknown device calls the OutletProvider (on the
/// server's thread) which returns the device's BlockOutlet, or nullptr to refuse the device. The outlet must
/// stay valid until the server is closed or destroyed, and the server's thread must be its only producer
/// (the server delivers with DropWhenFull; the outlet accounts gaps, duplicates and overflow).
///
/// Threads: create the server, then move it to its own I/O QThread and call listen()/close() there (or keep
/// it on one thread). Every method except stats() and port() must run on that thread; stats() is atomics.
class IngestServer : public QObject {
    Q_OBJECT
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 8765;                   ///< 0 = any free port (see port())
        QString token;                         ///< empty = no authentication (only sensible on loopback)
        qint64 maxMessageBytes = 1 << 20;      ///< per WebSocket message
        int maxConnections = 1256;             ///< devices + subscribers (beyond: closed with 1013, counted)
        int maxDevices = 1000;                 ///< distinct devices (beyond: refused, counted)
        qint64 subscriberQueueBytes = 4 << 20; ///< unsent bytes per subscriber before blocks are dropped
        /// Threads serving connections (pipeline::IngestBridge): 1 = one server on the owner's thread; N > 1
        /// = N shard servers on their own threads behind an IngestAcceptor, each device on one shard.
        int threads = 1;
    };
    /// Called on the server thread for a new device. sourceUri is e.g. "ws-ingest://127.0.0.1:8765/a".
    using OutletProvider =
        std::function<core::BlockOutlet*(const QString& deviceId, const QString& sourceUri)>;

    struct Stats {
        std::atomic<std::uint64_t> connections{0};      ///< accepted (authorized) connections
        std::atomic<std::uint64_t> unauthorized{0};     ///< refused: wrong or missing token
        std::atomic<std::uint64_t> refusedBusy{0};      ///< refused: too many connections / devices
        std::atomic<std::uint64_t> badRequests{0};      ///< unknown path or bad device name
        std::atomic<std::uint64_t> oversized{0};        ///< messages above maxMessageBytes
        std::atomic<std::uint64_t> rejectedNoDevice{0}; ///< invalid messages before a device was known
        std::atomic<std::uint64_t> subscriberDrops{0};  ///< blocks not sent to slow subscribers
        std::atomic<std::uint64_t> relayed{0};          ///< blocks sent to subscribers
        // gauges, shared by the shards of one server (Options::maxConnections / maxDevices hold over all)
        std::atomic<int> openConnections{0}; ///< connections open now
        std::atomic<int> openDevices{0};     ///< devices known now
    };

    /// shared: the statistics (and connection/device gauges the limits apply to) of a sharded server, one
    /// object for every shard; null: this server's own.
    IngestServer(Options options, OutletProvider provider, std::shared_ptr<Stats> shared = nullptr,
                 QObject* parent = nullptr);
    ~IngestServer() override;

    /// Starts listening. Returns false and sets *error (e.g. address in use).
    bool listen(QString* error);
    /// Instead of listen(): serve connections that another server accepted and hands over with
    /// handleUpgrade() (`vibrascope serve` runs /ingest and /stream on its HTTP port this way).
    void startWithoutListening(quint16 reportedPort);
    /// Replaces the token new connections must present (configuration reload); open ones stay.
    void setToken(const QString& token) { m_opt.token = token; }
    /// Takes ownership of a socket whose WebSocket handshake request has not been read yet.
    void handleUpgrade(QTcpSocket* socket);

    /// Result of submit().
    enum class SubmitResult { Accepted, Duplicate, QueueFull, Refused };
    /// Server thread: delivers a decoded block for deviceName exactly as if it had arrived on /ingest
    /// (same device state, sequence check and outlet), for the HTTP ingest route. QueueFull: the device's
    /// input queue has no room, nothing was consumed (the caller retries later); Duplicate: seq at or below
    /// the stored one (nothing delivered); *ack is the device's stored sequence afterwards.
    SubmitResult submit(const QString& deviceName, const decode::DecodedFrame& frame, std::int64_t* ack);
    /// Closes every connection and stops listening; outlets are no longer used afterwards.
    void close();
    /// Server thread: drops a device (closes its ingest connections, never uses its outlet again). A device
    /// that connects again later is created anew through the provider. For owners that remove channels.
    void forgetDevice(const QString& deviceId);
    /// Port actually bound (any thread after listen()).
    quint16 port() const { return m_port.load(); }
    const Stats& stats() const { return *m_stats; }
    static bool validDeviceName(const QString& name);

signals:
    /// A device was created (after the provider returned its outlet).
    void deviceAppeared(const QString& deviceId);

private:
    struct Device {
        explicit Device(const QString& name)
            : id(name)
            , pump(QStringLiteral("ingest %1:").arg(name)) {}
        QString id;
        core::BlockOutlet* outlet = nullptr;
        DecoderPump pump;
        qint64 ack = -1; ///< highest stored sequence
    };
    struct Connection {
        enum class Kind { Ingest, Stream } kind = Kind::Ingest;
        QString deviceName; ///< from ?device= (may be empty for ingest until the first frame)
    };

    void onNewConnection();
    void onMessage(QWebSocket* ws, const QByteArray& message, decode::MessageKind kind);
    void onDisconnected(QWebSocket* ws);
    /// Opens a connection slot against the shared limit; false (nothing taken) when it is reached.
    bool takeConnectionSlot();
    void eraseConnection(QHash<QWebSocket*, Connection>::iterator it);
    Device* deviceFor(QWebSocket* ws, std::span<const std::uint8_t> message, decode::MessageKind kind,
                      std::string* error);
    Device* deviceNamed(const QString& name, std::string* error);
    void relay(const Device& dev, const core::SampleBlock& block, const decode::FrameHeader& h);
    static void sendAck(QWebSocket* ws, qint64 seq);
    static void sendError(QWebSocket* ws, const std::string& why, qint64 seq = -1);
    QString tokenOf(QWebSocket* ws) const;

    Options m_opt; ///< token changes by setToken(); the rest is fixed
    const OutletProvider m_provider;
    const std::shared_ptr<Stats> m_stats;
    std::atomic<quint16> m_port{0};
    // server thread only
    QWebSocketServer* m_server = nullptr;
    QHash<QWebSocket*, Connection> m_conns;
    QHash<QString, std::shared_ptr<Device>> m_devices;
    QHash<QString, QList<QWebSocket*>> m_subscribers; ///< by device name (the device may not exist yet)
    RateLimitedLog m_log;
};

} // namespace vibra::io
