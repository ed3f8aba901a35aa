#pragma once

#include "service/HttpHeadParser.h"
#include "service/HttpMessage.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

class QTcpServer;
class QTcpSocket;

namespace vibra::service {

class HttpConnection;

/// Answers one request, now or later (after a query ran on a worker). Copyable; send() at most once; does
/// nothing when the connection has gone meanwhile. Owner thread only.
class HttpResponder {
public:
    HttpResponder() = default;
    HttpResponder(HttpConnection* connection, std::uint64_t requestId);
    void send(HttpResponse response) const;
    bool connected() const;
    /// A copy whose send() first calls observer(status) (metrics), then sends.
    HttpResponder observed(std::function<void(int status)> observer) const;

private:
    QPointer<HttpConnection> m_connection;
    std::uint64_t m_requestId = 0;
    std::shared_ptr<const std::function<void(int)>> m_observer;
};

/// The HTTP/1.1 server of `vibrascope serve`: the only place that touches sockets for HTTP. A thin,
/// hand-written adapter on QTcpServer (QSslServer with TLS) instead of QHttpServer 6.4, because 6.4 buffers
/// whole bodies without limits and gives no hook for the framing, so the limits below would need a second
/// parser anyway (docs/service.md, "Why not QHttpServer").
///
/// Enforced per connection, each refusal counted in stats():
///  - at most maxConnections open (beyond: 503 and close);
///  - the request head (line + fields) within head.maxHeadBytes (431) and within headTimeoutMs of its first
///    byte (slowloris: 408 and close);
///  - a body only with Content-Length (chunked request bodies: 411), at most maxBodyBytes (413 and close,
///    before reading it), received within bodyTimeoutMs;
///  - idle keep-alive connections closed after idleTimeoutMs;
///  - each socket buffers at most readBufferBytes unread (TCP pushes back on the client).
/// Requests on one connection are answered in order, one at a time.
/// WebSocket upgrades (GET with "Upgrade: websocket") for a path in upgradePaths are handed, unread, to the
/// upgrade handler (e.g. QWebSocketServer::handleConnection) before anything is consumed.
///
/// Threads: the owner thread (the one that calls listen()) runs every socket and calls every handler.
class HttpServer : public QObject {
    Q_OBJECT
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 8080; ///< 0 = any free port (see port())
        HttpHeadParser::Limits head;
        qint64 maxBodyBytes = 8 << 20;
        int maxConnections = 256;
        int headTimeoutMs = 10000;
        int bodyTimeoutMs = 30000;
        int idleTimeoutMs = 30000;
        qint64 readBufferBytes = 64 * 1024;
        QString tlsCertFile; ///< both set: HTTPS (and wss://)
        QString tlsKeyFile;
        QStringList upgradePaths; ///< e.g. /ingest, /stream
    };
    using Handler = std::function<void(HttpRequest&& request, HttpResponder responder)>;
    /// Gets the socket with the handshake unread and the parsed request head (to route by path and query).
    using UpgradeHandler = std::function<void(QTcpSocket* socket, const HttpRequest& head)>;

    struct Stats {
        std::atomic<std::uint64_t> accepted{0}; ///< connections taken
        std::atomic<std::uint64_t> open{0};     ///< connections open now
        std::atomic<std::uint64_t> requests{0}; ///< complete requests handed to the handler
        std::atomic<std::uint64_t> refusedConnections{0};
        std::atomic<std::uint64_t> headTimeouts{0}; ///< slowloris: head not complete in time
        std::atomic<std::uint64_t> bodyTimeouts{0};
        std::atomic<std::uint64_t> idleClosed{0};
        std::atomic<std::uint64_t> oversizedHeads{0};  ///< 431
        std::atomic<std::uint64_t> oversizedBodies{0}; ///< 413
        std::atomic<std::uint64_t> badRequests{0};     ///< 400, 411, 505 from the framing
        std::atomic<std::uint64_t> upgrades{0};        ///< WebSocket connections handed over
        std::atomic<std::uint64_t> tlsErrors{0};
    };

    HttpServer(Options options, Handler handler, UpgradeHandler upgrade, QObject* parent = nullptr);
    ~HttpServer() override;

    bool listen(QString* error);
    /// Stops accepting and closes every connection.
    void close();
    quint16 port() const { return m_port; }
    bool isTls() const { return !m_options.tlsCertFile.isEmpty(); }
    const Stats& stats() const { return m_stats; }
    const Options& options() const { return m_options; }

private:
    friend class HttpConnection;
    void onPending();
    void dispatch(HttpConnection* c, HttpRequest&& request, std::uint64_t id);
    void upgrade(HttpConnection* c, QTcpSocket* socket, const HttpRequest& head);
    void forget(HttpConnection* c);

    const Options m_options;
    const Handler m_handler;
    const UpgradeHandler m_upgrade;
    Stats m_stats;
    QTcpServer* m_server = nullptr;
    quint16 m_port = 0;
    QSet<HttpConnection*> m_connections;
};

} // namespace vibra::service
