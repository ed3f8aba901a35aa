#include "io/IngestServer.h"

#include "core/Clock.h"
#include "decode/MessageDecoder.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

#include <nlohmann/json.hpp>

namespace vibra::io {

namespace {
constexpr auto kUnauthorized = static_cast<QWebSocketProtocol::CloseCode>(4401);

std::span<const std::uint8_t> bytesOf(const QByteArray& a) {
    return {reinterpret_cast<const std::uint8_t*>(a.constData()), static_cast<std::size_t>(a.size())};
}
} // namespace

IngestServer::IngestServer(Options options, OutletProvider provider, std::shared_ptr<Stats> shared,
                           QObject* parent)
    : QObject(parent)
    , m_opt(std::move(options))
    , m_provider(std::move(provider))
    , m_stats(shared ? std::move(shared) : std::make_shared<Stats>())
    , m_log(QStringLiteral("ingest server:")) {}

IngestServer::~IngestServer() {
    close();
}

bool IngestServer::validDeviceName(const QString& name) {
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_.:-]{1,64}$"));
    return re.match(name).hasMatch();
}

bool IngestServer::listen(QString* error) {
    if (m_server)
        return true;
    m_server = new QWebSocketServer(QStringLiteral("vibrascope"), QWebSocketServer::NonSecureMode, this);
    m_server->setMaxPendingConnections(m_opt.maxConnections);
    if (!m_server->listen(m_opt.address, m_opt.port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_opt.address.toString())
                         .arg(m_opt.port)
                         .arg(m_server->errorString());
        delete m_server;
        m_server = nullptr;
        return false;
    }
    m_port.store(m_server->serverPort());
    connect(m_server, &QWebSocketServer::newConnection, this, &IngestServer::onNewConnection);
    return true;
}

void IngestServer::startWithoutListening(quint16 reportedPort) {
    if (m_server)
        return;
    m_server = new QWebSocketServer(QStringLiteral("vibrascope"), QWebSocketServer::NonSecureMode, this);
    m_port.store(reportedPort);
    connect(m_server, &QWebSocketServer::newConnection, this, &IngestServer::onNewConnection);
}

void IngestServer::handleUpgrade(QTcpSocket* socket) {
    if (!m_server) {
        socket->deleteLater();
        return;
    }
    m_server->handleConnection(socket);
}

IngestServer::SubmitResult IngestServer::submit(const QString& deviceName, const decode::DecodedFrame& frame,
                                                std::int64_t* ack) {
    std::string error;
    Device* dev = deviceNamed(deviceName, &error);
    if (!dev) {
        m_stats->rejectedNoDevice.fetch_add(1, std::memory_order_relaxed);
        return SubmitResult::Refused;
    }
    *ack = dev->ack;
    if (static_cast<std::int64_t>(frame.header.sequence) > dev->ack &&
        !dev->outlet->hasRoom(frame.header.count))
        return SubmitResult::QueueFull; // the producer is this thread: room now means deliver() succeeds
    // the same decoder as /ingest: sequence, duplicates and accounting in one place
    const decode::MessageResult r = dev->pump.feedFrame(frame, core::utcNowNs());
    if (r.status == decode::MessageResult::Status::Duplicate)
        return SubmitResult::Duplicate;
    dev->ack = static_cast<std::int64_t>(frame.header.sequence);
    *ack = dev->ack;
    for (const auto& block : dev->pump.blocks())
        relay(*dev, *block, frame.header);
    dev->pump.deliver();
    return SubmitResult::Accepted;
}

void IngestServer::close() {
    const auto sockets = m_conns.keys();
    for (QWebSocket* ws : sockets) {
        ws->disconnect(this);
        ws->abort();
        ws->deleteLater();
    }
    m_stats->openConnections.fetch_sub(static_cast<int>(m_conns.size()), std::memory_order_relaxed);
    m_conns.clear();
    m_subscribers.clear();
    m_stats->openDevices.fetch_sub(static_cast<int>(m_devices.size()), std::memory_order_relaxed);
    m_devices.clear();
    if (m_server) {
        m_server->close();
        m_server->deleteLater();
        m_server = nullptr;
    }
}

QString IngestServer::tokenOf(QWebSocket* ws) const {
    const QByteArray auth = ws->request().rawHeader("Authorization");
    if (auth.startsWith("Bearer "))
        return QString::fromUtf8(auth.mid(7).trimmed());
    return QUrlQuery(ws->requestUrl()).queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
}

void IngestServer::forgetDevice(const QString& deviceId) {
    for (auto it = m_conns.begin(); it != m_conns.end();) {
        if (it->kind == Connection::Kind::Ingest && it->deviceName == deviceId) {
            QWebSocket* ws = it.key();
            ws->disconnect(this);
            ws->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("device removed"));
            ws->deleteLater();
            m_stats->openConnections.fetch_sub(1, std::memory_order_relaxed);
            it = m_conns.erase(it);
        } else {
            ++it;
        }
    }
    if (m_devices.remove(deviceId) > 0)
        m_stats->openDevices.fetch_sub(1, std::memory_order_relaxed);
}

bool IngestServer::takeConnectionSlot() {
    if (m_stats->openConnections.fetch_add(1, std::memory_order_relaxed) < m_opt.maxConnections)
        return true;
    m_stats->openConnections.fetch_sub(1, std::memory_order_relaxed);
    return false;
}

void IngestServer::eraseConnection(QHash<QWebSocket*, Connection>::iterator it) {
    m_stats->openConnections.fetch_sub(1, std::memory_order_relaxed);
    m_conns.erase(it);
}

void IngestServer::onNewConnection() {
    while (QWebSocket* ws = m_server->nextPendingConnection()) {
        ws->setParent(this);
        connect(ws, &QWebSocket::disconnected, this, [this, ws] { onDisconnected(ws); });
        if (!m_opt.token.isEmpty() && tokenOf(ws) != m_opt.token) {
            m_stats->unauthorized.fetch_add(1, std::memory_order_relaxed);
            const QString name = QUrlQuery(ws->requestUrl()).queryItemValue(QStringLiteral("device"));
            if (auto it = m_devices.find(name); it != m_devices.end() && (*it)->outlet)
                (*it)->outlet->counters().addDropped(core::DropReason::Unauthorized, 0, 1);
            m_log.warn(
                QStringLiteral("refused %1: wrong or missing token").arg(ws->peerAddress().toString()));
            ws->close(kUnauthorized, QStringLiteral("unauthorized"));
            continue;
        }
        if (!takeConnectionSlot()) {
            m_stats->refusedBusy.fetch_add(1, std::memory_order_relaxed);
            m_log.warn(QStringLiteral("refused %1: %2 connections open")
                           .arg(ws->peerAddress().toString())
                           .arg(m_stats->openConnections.load(std::memory_order_relaxed)));
            ws->close(static_cast<QWebSocketProtocol::CloseCode>(1013),
                      QStringLiteral("too many connections"));
            continue;
        }
        const QString path = ws->requestUrl().path();
        const QString name =
            QUrlQuery(ws->requestUrl()).queryItemValue(QStringLiteral("device"), QUrl::FullyDecoded);
        Connection c;
        if (path == QLatin1String("/ingest")) {
            c.kind = Connection::Kind::Ingest;
        } else if (path == QLatin1String("/stream")) {
            c.kind = Connection::Kind::Stream;
        } else {
            m_stats->badRequests.fetch_add(1, std::memory_order_relaxed);
            m_stats->openConnections.fetch_sub(1, std::memory_order_relaxed);
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated,
                      QStringLiteral("unknown path (use /ingest or /stream)"));
            continue;
        }
        if ((!name.isEmpty() || c.kind == Connection::Kind::Stream) && !validDeviceName(name)) {
            m_stats->badRequests.fetch_add(1, std::memory_order_relaxed);
            m_stats->openConnections.fetch_sub(1, std::memory_order_relaxed);
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated,
                      QStringLiteral("device= must be 1-64 letters, digits or -_.:"));
            continue;
        }
        c.deviceName = name;
        ws->setMaxAllowedIncomingMessageSize(static_cast<quint64>(m_opt.maxMessageBytes));
        ws->setMaxAllowedIncomingFrameSize(static_cast<quint64>(m_opt.maxMessageBytes));
        m_conns.insert(ws, c);
        m_stats->connections.fetch_add(1, std::memory_order_relaxed);
        if (c.kind == Connection::Kind::Stream) {
            m_subscribers[name].append(ws);
            continue;
        }
        connect(ws, &QWebSocket::binaryMessageReceived, this,
                [this, ws](const QByteArray& m) { onMessage(ws, m, decode::MessageKind::Binary); });
        connect(ws, &QWebSocket::textMessageReceived, this,
                [this, ws](const QString& m) { onMessage(ws, m.toUtf8(), decode::MessageKind::Text); });
        qint64 ack = -1;
        if (auto it = m_devices.find(name); !name.isEmpty() && it != m_devices.end())
            ack = (*it)->ack;
        sendAck(ws, ack);
    }
}

void IngestServer::onDisconnected(QWebSocket* ws) {
    if (ws->closeCode() == QWebSocketProtocol::CloseCodeTooMuchData) {
        m_stats->oversized.fetch_add(1, std::memory_order_relaxed);
        const auto it = m_conns.find(ws);
        if (it != m_conns.end()) {
            if (auto d = m_devices.find(it->deviceName); d != m_devices.end() && (*d)->outlet)
                (*d)->outlet->counters().addDropped(core::DropReason::Malformed, 0, 1);
        }
        m_log.warn(QStringLiteral("closed %1: message larger than %2 bytes")
                       .arg(ws->peerAddress().toString())
                       .arg(m_opt.maxMessageBytes));
    }
    const auto it = m_conns.find(ws);
    if (it != m_conns.end()) {
        if (it->kind == Connection::Kind::Stream) {
            auto& list = m_subscribers[it->deviceName];
            list.removeAll(ws);
            if (list.isEmpty())
                m_subscribers.remove(it->deviceName);
        }
        eraseConnection(it);
    }
    ws->deleteLater();
}

void IngestServer::sendAck(QWebSocket* ws, qint64 seq) {
    ws->sendTextMessage(QString::fromStdString(nlohmann::json{{"ack", seq}}.dump()));
}

void IngestServer::sendError(QWebSocket* ws, const std::string& why, qint64 seq) {
    nlohmann::json msg{{"error", why}};
    if (seq >= 0)
        msg["seq"] = seq;
    // replace: an error text quoting invalid UTF-8 from the sender must not make the reply invalid
    ws->sendTextMessage(
        QString::fromStdString(msg.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

IngestServer::Device* IngestServer::deviceFor(QWebSocket* ws, std::span<const std::uint8_t> message,
                                              decode::MessageKind kind, std::string* error) {
    auto cit = m_conns.find(ws);
    if (cit == m_conns.end())
        return nullptr;
    if (!cit->deviceName.isEmpty())
        if (auto it = m_devices.find(cit->deviceName); it != m_devices.end())
            return it->get();
    // A device appears with its first valid message (named by ?device= or by the message's device field).
    std::uint16_t devField = 0;
    if (!decode::MessageDecoder::peekDeviceField(message, kind, devField, error))
        return nullptr;
    if (cit->deviceName.isEmpty())
        cit->deviceName = QStringLiteral("dev%1").arg(devField);
    return deviceNamed(cit->deviceName, error);
}

IngestServer::Device* IngestServer::deviceNamed(const QString& name, std::string* error) {
    if (auto it = m_devices.find(name); it != m_devices.end())
        return it->get();
    if (m_stats->openDevices.fetch_add(1, std::memory_order_relaxed) >= m_opt.maxDevices) {
        m_stats->openDevices.fetch_sub(1, std::memory_order_relaxed);
        m_stats->refusedBusy.fetch_add(1, std::memory_order_relaxed);
        *error = "device refused (limit reached or not accepted)";
        return nullptr;
    }
    const QString uri =
        QStringLiteral("ws-ingest://%1:%2/%3").arg(m_opt.address.toString()).arg(port()).arg(name);
    core::BlockOutlet* outlet = m_provider ? m_provider(name, uri) : nullptr;
    if (!outlet) {
        m_stats->openDevices.fetch_sub(1, std::memory_order_relaxed);
        *error = "device refused (limit reached or not accepted)";
        return nullptr;
    }
    auto dev = std::make_shared<Device>(name);
    dev->outlet = outlet;
    decode::StreamDecoder::Config cfg;
    cfg.format = decode::InputFormat::Frame; // binary frames and JSON blocks
    cfg.transport = decode::StreamDecoder::Transport::Messages;
    cfg.base.id = name.toStdString();
    cfg.base.sourceUri = uri.toStdString();
    cfg.sequencePolicy = decode::FrameStream::Policy::Duplicate;
    dev->pump.start(decode::StreamDecoder::create(cfg), outlet);
    m_devices.insert(name, dev);
    emit deviceAppeared(name);
    return dev.get();
}

void IngestServer::onMessage(QWebSocket* ws, const QByteArray& message, decode::MessageKind kind) {
    std::string error;
    Device* dev = deviceFor(ws, bytesOf(message), kind, &error);
    if (!dev) {
        m_stats->rejectedNoDevice.fetch_add(1, std::memory_order_relaxed);
        m_log.warn(QStringLiteral("%1: message rejected: %2")
                       .arg(ws->peerAddress().toString(), QString::fromStdString(error)));
        sendError(ws, error);
        return;
    }
    const decode::MessageResult r = dev->pump.feedMessage(bytesOf(message), kind, core::utcNowNs());
    switch (r.status) {
    case decode::MessageResult::Status::Rejected:
        m_log.warn(QStringLiteral("%1: message rejected: %2").arg(dev->id, QString::fromStdString(r.error)));
        sendError(ws, r.error, r.header ? static_cast<qint64>(r.header->sequence) : -1);
        return;
    case decode::MessageResult::Status::Duplicate:
        sendAck(ws, dev->ack);
        return;
    case decode::MessageResult::Status::Accepted:
        break;
    }
    dev->ack = r.header ? static_cast<qint64>(r.header->sequence) : dev->ack;
    sendAck(ws, dev->ack);
    for (const auto& block : dev->pump.blocks())
        if (r.header)
            relay(*dev, *block, *r.header);
    dev->pump.deliver();
}

void IngestServer::relay(const Device& dev, const core::SampleBlock& block, const decode::FrameHeader& h) {
    const auto it = m_subscribers.find(dev.id);
    if (it == m_subscribers.end() || it->isEmpty())
        return;
    // Subscribers get float32 physical values with scale 1, whatever the device sent.
    decode::FrameHeader out = h;
    out.format = decode::SampleFormat::Float32;
    out.scale = 1.0f;
    out.firstSample = block.firstSample;
    const std::size_t n = block.count;
    const std::size_t axes = static_cast<std::size_t>(block.axisCount());
    std::vector<double> interleaved(n * axes);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t a = 0; a < axes; ++a)
            interleaved[i * axes + a] = block.data[a * n + i];
    std::vector<std::uint8_t> bytes;
    decode::FrameCodec::encode(out, interleaved, bytes);
    const QByteArray msg(reinterpret_cast<const char*>(bytes.data()), static_cast<qsizetype>(bytes.size()));
    for (QWebSocket* s : *it) {
        if (s->bytesToWrite() + msg.size() > m_opt.subscriberQueueBytes) {
            m_stats->subscriberDrops.fetch_add(1, std::memory_order_relaxed);
            m_log.warn(QStringLiteral("subscriber %1 of %2 too slow: block dropped")
                           .arg(s->peerAddress().toString(), dev.id));
            continue;
        }
        s->sendBinaryMessage(msg);
        m_stats->relayed.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace vibra::io
