#include "service/HttpConnection.h"

#include "service/HttpServer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QUrl>

namespace vibra::service {

namespace {
constexpr qint64 kChunkBytes = 64 * 1024;
constexpr qint64 kWriteHighWater = 256 * 1024; ///< unsent bytes before a stream waits for the socket
} // namespace

HttpResponse HttpResponse::error(int status, const QString& message, const QString& parameter) {
    QJsonObject o;
    o[QStringLiteral("error")] = message;
    if (!parameter.isEmpty())
        o[QStringLiteral("parameter")] = parameter;
    return json(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QByteArray HttpResponse::reasonPhrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

HttpConnection::HttpConnection(HttpServer& server, QTcpSocket* socket)
    : m_server(server)
    , m_socket(socket)
    , m_parser(server.options().head) {
    m_socket->setParent(this);
    m_socket->setReadBufferSize(std::max(server.options().readBufferBytes,
                                         static_cast<qint64>(server.options().head.maxHeadBytes) + 1));
    m_request.peer = m_socket->peerAddress().toString();
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_state = State::Closing;
        m_timer.stop();
        m_server.forget(this);
        deleteLater();
    });
    m_timer.start(m_server.options().idleTimeoutMs);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::abort() {
    m_state = State::Closing;
    m_timer.stop();
    m_socket->abort();
}

void HttpConnection::closeSoon() {
    m_state = State::Closing;
    m_timer.stop();
    m_socket->disconnectFromHost(); // after pending writes
    // A peer that never reads must not keep the socket: abort after the idle timeout.
    QTimer::singleShot(m_server.options().idleTimeoutMs, m_socket, [s = m_socket] { s->abort(); });
}

void HttpConnection::onReadyRead() {
    const auto& opt = m_server.options();
    while (m_state == State::Idle || m_state == State::Head || m_state == State::Body) {
        if (m_state == State::Body) {
            const qint64 take = std::min(m_bodyRemaining, m_socket->bytesAvailable());
            if (take <= 0)
                return;
            m_request.body += m_socket->read(take);
            m_bodyRemaining -= take;
            if (m_bodyRemaining > 0)
                return;
            finishRequest();
            return;
        }
        if (m_socket->bytesAvailable() <= 0)
            return;
        if (m_state == State::Idle) {
            m_state = State::Head;
            m_parser.reset();
            m_timer.start(opt.headTimeoutMs); // the whole head must arrive within this (slowloris)
        }
        const QByteArray buffered = m_socket->peek(static_cast<qint64>(opt.head.maxHeadBytes) + 1);
        const auto r =
            m_parser.scan(std::string_view(buffered.constData(), static_cast<std::size_t>(buffered.size())));
        if (r == HttpHeadParser::Result::NeedMore)
            return;
        if (r == HttpHeadParser::Result::Error) {
            const int status = m_parser.errorStatus();
            (status == 431 ? m_server.m_stats.oversizedHeads : m_server.m_stats.badRequests)
                .fetch_add(1, std::memory_order_relaxed);
            refuse(status, QString::fromStdString(m_parser.errorText()));
            return;
        }
        const auto& head = m_parser.head();
        m_request = HttpRequest{};
        m_request.peer = m_socket->peerAddress().toString();
        m_request.method = QByteArray::fromStdString(head.method);
        m_request.target = QByteArray::fromStdString(head.target);
        m_request.versionMinor = head.versionMinor;
        for (const auto& [k, v] : head.headers)
            m_request.headers.append(qMakePair(QByteArray::fromStdString(k), QByteArray::fromStdString(v)));
        const QUrl url(QString::fromUtf8(m_request.target), QUrl::StrictMode);
        if (!url.isValid()) {
            m_server.m_stats.badRequests.fetch_add(1, std::memory_order_relaxed);
            refuse(400, QStringLiteral("malformed request target"));
            return;
        }
        m_request.path = url.path(QUrl::FullyDecoded);
        m_request.query = QUrlQuery(url);
        if (m_request.method == "GET" && m_request.header("upgrade").toLower() == "websocket" &&
            opt.upgradePaths.contains(m_request.path)) {
            // Hand the socket over with the handshake still unread.
            m_timer.stop();
            m_state = State::Closing;
            m_socket->disconnect(this);
            m_socket->setReadBufferSize(0);
            QTcpSocket* s = m_socket;
            m_socket = nullptr;
            s->setParent(nullptr);
            m_server.upgrade(this, s, m_request);
            deleteLater();
            return;
        }
        m_socket->read(static_cast<qint64>(m_parser.headBytes()));
        if (m_request.hasHeader("transfer-encoding")) {
            m_server.m_stats.badRequests.fetch_add(1, std::memory_order_relaxed);
            refuse(411, QStringLiteral("chunked request bodies are not accepted: send Content-Length"));
            return;
        }
        qint64 length = 0;
        if (m_request.hasHeader("content-length")) {
            bool ok = false;
            length = m_request.header("content-length").toLongLong(&ok);
            if (!ok || length < 0) {
                m_server.m_stats.badRequests.fetch_add(1, std::memory_order_relaxed);
                refuse(400, QStringLiteral("malformed Content-Length"));
                return;
            }
        }
        if (length > opt.maxBodyBytes) {
            m_server.m_stats.oversizedBodies.fetch_add(1, std::memory_order_relaxed);
            refuse(413, QStringLiteral("request body larger than %1 bytes").arg(opt.maxBodyBytes));
            return;
        }
        startBody(head, length);
    }
}

void HttpConnection::startBody(const HttpHeadParser::Head& /*head*/, qint64 length) {
    m_bodyRemaining = length;
    if (length == 0) {
        finishRequest();
        return;
    }
    m_request.body.reserve(static_cast<qsizetype>(length));
    m_state = State::Body;
    m_timer.start(m_server.options().bodyTimeoutMs);
}

void HttpConnection::finishRequest() {
    m_timer.stop();
    m_state = State::Busy;
    const QByteArray conn = m_request.header("connection").toLower();
    m_closeAfter = conn.contains("close") || (m_request.versionMinor == 0 && !conn.contains("keep-alive"));
    m_servingId = ++m_nextId;
    m_server.m_stats.requests.fetch_add(1, std::memory_order_relaxed);
    m_server.dispatch(this, std::move(m_request), m_servingId);
}

void HttpConnection::refuse(int status, const QString& why) {
    m_timer.stop();
    m_closeAfter = true;
    m_state = State::Busy;
    m_servingId = ++m_nextId;
    respond(m_servingId, HttpResponse::error(status, why));
}

void HttpConnection::onTimeout() {
    switch (m_state) {
    case State::Idle:
        m_server.m_stats.idleClosed.fetch_add(1, std::memory_order_relaxed);
        closeSoon();
        break;
    case State::Head:
        m_server.m_stats.headTimeouts.fetch_add(1, std::memory_order_relaxed);
        refuse(408, QStringLiteral("request head not received in time"));
        break;
    case State::Body:
        m_server.m_stats.bodyTimeouts.fetch_add(1, std::memory_order_relaxed);
        refuse(408, QStringLiteral("request body not received in time"));
        break;
    default:
        break;
    }
}

void HttpConnection::writeHead(const HttpResponse& r, bool chunked, qint64 length) {
    QByteArray h;
    h.reserve(256);
    h += "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + HttpResponse::reasonPhrase(r.status) + "\r\n";
    h += "Content-Type: " + r.contentType + "\r\n";
    if (chunked)
        h += "Transfer-Encoding: chunked\r\n";
    else
        h += "Content-Length: " + QByteArray::number(length) + "\r\n";
    for (const auto& [k, v] : r.headers)
        h += k + ": " + v + "\r\n";
    h += "Cache-Control: no-store\r\n";
    h += m_closeAfter ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
    m_socket->write(h);
}

void HttpConnection::respond(std::uint64_t id, HttpResponse response) {
    if (id != m_servingId || m_state != State::Busy || !m_socket)
        return;
    if (response.close)
        m_closeAfter = true;
    if (response.stream) {
        writeHead(response, true, 0);
        m_stream = std::move(response.stream);
        m_state = State::Streaming;
        pumpStream();
        return;
    }
    writeHead(response, false, response.body.size());
    m_socket->write(response.body);
    responseDone();
}

void HttpConnection::pumpStream() {
    while (m_state == State::Streaming && m_socket->bytesToWrite() < kWriteHighWater) {
        const QByteArray chunk = m_stream->read(kChunkBytes);
        if (chunk.isEmpty()) { // end of the stream (a file: streams are finite, random-access devices)
            m_socket->write("0\r\n\r\n");
            m_stream.reset();
            responseDone();
            return;
        }
        m_socket->write(QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n");
    }
}

void HttpConnection::onBytesWritten() {
    if (m_state == State::Streaming)
        pumpStream();
}

void HttpConnection::responseDone() {
    if (m_closeAfter) {
        closeSoon();
        return;
    }
    m_state = State::Idle;
    m_timer.start(m_server.options().idleTimeoutMs);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

} // namespace vibra::service
