#include "service/HttpServer.h"

#include "service/HttpConnection.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace vibra::service {

HttpResponder::HttpResponder(HttpConnection* connection, std::uint64_t requestId)
    : m_connection(connection)
    , m_requestId(requestId) {}

void HttpResponder::send(HttpResponse response) const {
    if (m_observer)
        (*m_observer)(response.status);
    if (m_connection)
        m_connection->respond(m_requestId, std::move(response));
}

HttpResponder HttpResponder::observed(std::function<void(int)> observer) const {
    HttpResponder r = *this;
    r.m_observer = std::make_shared<const std::function<void(int)>>(std::move(observer));
    return r;
}

bool HttpResponder::connected() const {
    return !m_connection.isNull();
}

HttpServer::HttpServer(Options options, Handler handler, UpgradeHandler upgrade, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_handler(std::move(handler))
    , m_upgrade(std::move(upgrade)) {}

HttpServer::~HttpServer() {
    close();
}

bool HttpServer::listen(QString* error) {
    if (m_server)
        return true;
    if (isTls()) {
        QFile certFile(m_options.tlsCertFile);
        QFile keyFile(m_options.tlsKeyFile);
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read the TLS certificate or key (%1, %2)")
                         .arg(m_options.tlsCertFile, m_options.tlsKeyFile);
            return false;
        }
        const auto certs = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (certs.isEmpty() || key.isNull()) {
            *error = QStringLiteral("the TLS certificate or key is not valid PEM (%1, %2)")
                         .arg(m_options.tlsCertFile, m_options.tlsKeyFile);
            return false;
        }
        auto* ssl = new QSslServer(this);
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setLocalCertificate(certs.first());
        if (certs.size() > 1)
            conf.setLocalCertificateChain(certs);
        conf.setPrivateKey(key);
        conf.setPeerVerifyMode(QSslSocket::VerifyNone);
        ssl->setSslConfiguration(conf);
        connect(ssl, &QSslServer::errorOccurred, this,
                [this](QSslSocket*, QAbstractSocket::SocketError) { m_stats.tlsErrors.fetch_add(1); });
        connect(ssl, &QSslServer::handshakeInterruptedOnError, this,
                [this](QSslSocket*, const QSslError&) { m_stats.tlsErrors.fetch_add(1); });
        m_server = ssl;
    } else {
        m_server = new QTcpServer(this);
    }
    m_server->setMaxPendingConnections(64);
    if (!m_server->listen(m_options.address, m_options.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_options.address.toString())
                     .arg(m_options.port)
                     .arg(m_server->errorString());
        delete m_server;
        m_server = nullptr;
        return false;
    }
    m_port = m_server->serverPort();
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::onPending);
    return true;
}

void HttpServer::close() {
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
    }
    const auto conns = m_connections;
    for (HttpConnection* c : conns)
        c->abort();
    m_connections.clear();
}

void HttpServer::onPending() {
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket* s = m_server->nextPendingConnection();
        if (!s)
            break;
        m_stats.accepted.fetch_add(1, std::memory_order_relaxed);
        if (m_connections.size() >= m_options.maxConnections) {
            m_stats.refusedConnections.fetch_add(1, std::memory_order_relaxed);
            const QByteArray body = "{\"error\":\"too many connections\"}";
            s->write(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
                QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            s->disconnectFromHost();
            connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            QTimer::singleShot(1000, s, [s] { s->abort(); });
            continue;
        }
        auto* c = new HttpConnection(*this, s);
        c->setParent(this);
        m_connections.insert(c);
        m_stats.open.store(static_cast<std::uint64_t>(m_connections.size()), std::memory_order_relaxed);
    }
}

void HttpServer::dispatch(HttpConnection* c, HttpRequest&& request, std::uint64_t id) {
    m_handler(std::move(request), HttpResponder(c, id));
}

void HttpServer::upgrade(HttpConnection* c, QTcpSocket* socket, const HttpRequest& head) {
    forget(c);
    m_stats.upgrades.fetch_add(1, std::memory_order_relaxed);
    if (m_upgrade)
        m_upgrade(socket, head);
    else
        socket->deleteLater();
}

void HttpServer::forget(HttpConnection* c) {
    m_connections.remove(c);
    m_stats.open.store(static_cast<std::uint64_t>(m_connections.size()), std::memory_order_relaxed);
}

} // namespace vibra::service
