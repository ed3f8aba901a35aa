#include "io/WebSocketSource.h"

#include "core/Clock.h"

#include <QDebug>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace vibra::io {

std::unique_ptr<WebSocketSource> WebSocketSource::create(const QString& text, QString* error) {
    SourceUri uri(text);
    if (!uri.isValid()) {
        if (error)
            *error = uri.error();
        return nullptr;
    }
    return parse(uri, error);
}

std::unique_ptr<Source> WebSocketSource::fromUri(SourceUri& uri, QString* error) {
    return parse(uri, error);
}

std::unique_ptr<WebSocketSource> WebSocketSource::parse(SourceUri& uri, QString* error) {
    Options o;
    const QString scheme = uri.scheme();
    if (scheme != QLatin1String("ws") && scheme != QLatin1String("wss"))
        uri.fail(QStringLiteral("%1: not a ws:// or wss:// URI").arg(uri.text()));
    if (uri.host().isEmpty())
        uri.fail(QStringLiteral("%1: no host (expected ws://host:port/path)").arg(uri.text()));
    const QString format = uri.choice(QStringLiteral("format"), QStringLiteral("auto"),
                                      {QStringLiteral("auto"), QStringLiteral("frame"),
                                       QStringLiteral("json"), QStringLiteral("sensorserver")});
    decode::parseInputFormat(format.toStdString(), o.format);
    o.rateHz = uri.number(QStringLiteral("rate"), 0.0, 0.0, 10e6);
    const QString unit = uri.choice(QStringLiteral("unit"), QStringLiteral("m/s2"),
                                    {QStringLiteral("g"), QStringLiteral("m/s2"), QStringLiteral("mps2")});
    o.sensorUnit = unit == QLatin1String("g") ? core::Unit::G : core::Unit::MetersPerSecond2;
    o.token = uri.string(QStringLiteral("token"));
    o.maxMessageBytes = uri.integer(QStringLiteral("maxmsg"), 1 << 20, 1024, 64 << 20);
    const QString id =
        uri.string(QStringLiteral("id"), QStringLiteral("%1:%2").arg(uri.host()).arg(uri.port(80)));
    // Everything else belongs to the server.
    static const QStringList kOurs = {QStringLiteral("format"), QStringLiteral("rate"),
                                      QStringLiteral("unit"),   QStringLiteral("token"),
                                      QStringLiteral("maxmsg"), QStringLiteral("id")};
    QUrl url = uri.url();
    QUrlQuery in(url), out;
    for (const auto& [k, v] : in.queryItems(QUrl::FullyDecoded)) {
        if (!kOurs.contains(k)) {
            out.addQueryItem(k, v);
            uri.string(k); // passed through: not unknown
        }
    }
    url.setQuery(out.isEmpty() ? QString() : out.query(QUrl::FullyEncoded));
    o.url = url;
    if (!uri.finish()) {
        if (error)
            *error = uri.error();
        return nullptr;
    }
    return std::make_unique<WebSocketSource>(id, uri.text(), std::move(o));
}

WebSocketSource::WebSocketSource(QString deviceId, QString uri, Options options)
    : Source(std::move(deviceId), std::move(uri))
    , m_opt(std::move(options))
    , m_retry(this)
    , m_flush(this)
    , m_pump(QStringLiteral("ws %1:").arg(m_opt.url.toDisplayString())) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &WebSocketSource::connectNow);
    m_flush.setInterval(20);
    connect(&m_flush, &QTimer::timeout, this, &WebSocketSource::onTimer);
}

WebSocketSource::~WebSocketSource() = default;

QString WebSocketSource::closeCodeText(int code) {
    switch (code) {
    case 1000:
        return QStringLiteral("normal closure");
    case 1001:
        return QStringLiteral("server going away");
    case 1008:
        return QStringLiteral("policy violation");
    case 1009:
        return QStringLiteral("message too big");
    case 1011:
        return QStringLiteral("server error");
    case 1013:
        return QStringLiteral("server busy, try again later");
    case 4001:
        return QStringLiteral("SensorServer: sensor not found on the phone");
    case 4002:
        return QStringLiteral("SensorServer: unsupported request");
    case 4003:
        return QStringLiteral("SensorServer: parameter missing (type=...)");
    case 4004:
        return QStringLiteral("SensorServer: server stopped");
    case 4005:
        return QStringLiteral("SensorServer: closed by the phone user");
    case 4006:
        return QStringLiteral("SensorServer: invalid JSON array in types=");
    case 4007:
        return QStringLiteral("SensorServer: too few sensors in types=");
    case 4008:
        return QStringLiteral("SensorServer: no sensor specified");
    case 4009:
        return QStringLiteral("SensorServer: permission denied on the phone");
    case 4401:
        return QStringLiteral("unauthorized (wrong or missing token)");
    default:
        return QStringLiteral("close code %1").arg(code);
    }
}

void WebSocketSource::start(core::BlockOutlet* outlet) {
    m_outlet = outlet;
    m_running = true;
    decode::StreamDecoder::Config cfg;
    cfg.format = m_opt.format;
    cfg.transport = decode::StreamDecoder::Transport::Messages;
    cfg.base.id = deviceId().toStdString();
    cfg.base.sourceUri = uri().toStdString();
    cfg.base.unit = m_opt.sensorUnit; // SensorServer values; frames carry their own unit
    cfg.rateHz = m_opt.rateHz;
    cfg.sequencePolicy = decode::FrameStream::Policy::Rebase;
    cfg.maxBlockSamples = 256;
    m_pump.start(decode::StreamDecoder::create(cfg), outlet);
    m_clock.start();
    m_flush.start();
    emit stateChanged(State::Connecting, QStringLiteral("connecting to %1").arg(m_opt.url.toDisplayString()));
    connectNow();
}

void WebSocketSource::stop() {
    m_running = false;
    m_retry.stop();
    m_flush.stop();
    if (m_pump.started())
        m_pump.close(); // samples held for the rate estimate are delivered too
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

void WebSocketSource::connectNow() {
    if (!m_running)
        return;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
    }
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingMessageSize(static_cast<quint64>(m_opt.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(static_cast<quint64>(m_opt.maxMessageBytes));
    connect(m_socket, &QWebSocket::connected, this, &WebSocketSource::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &WebSocketSource::onDisconnected);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray& m) {
        onMessage(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(m.constData()),
                                                static_cast<std::size_t>(m.size())),
                  decode::MessageKind::Binary);
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString& m) {
        const QByteArray utf8 = m.toUtf8();
        onMessage(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(utf8.constData()),
                                                static_cast<std::size_t>(utf8.size())),
                  decode::MessageKind::Text);
    });
    QNetworkRequest req(m_opt.url);
    if (!m_opt.token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_opt.token.toUtf8());
    m_socket->open(req);
}

void WebSocketSource::onConnected() {
    if (m_everConnected) {
        m_outlet->counters().reconnects.fetch_add(1, std::memory_order_relaxed);
    }
    m_everConnected = true;
    m_backoffMs = kMinBackoffMs;
    emit stateChanged(State::Live, QStringLiteral("connected to %1").arg(m_opt.url.toDisplayString()));
}

void WebSocketSource::onDisconnected() {
    if (!m_running || !m_socket)
        return;
    const int code = static_cast<int>(m_socket->closeCode());
    const QString reason = m_socket->closeReason();
    const QString err =
        m_socket->error() == QAbstractSocket::UnknownSocketError ? QString() : m_socket->errorString();
    if (code == QWebSocketProtocol::CloseCodeTooMuchData) {
        // rejected by the transport before the decoder saw it: counted the same way (a malformed frame)
        m_outlet->counters().addDropped(core::DropReason::Malformed, 0, 1);
        qWarning().noquote() << QStringLiteral("ws %1:").arg(m_opt.url.toDisplayString())
                             << QStringLiteral("message larger than %1 bytes (maxmsg=): connection closed")
                                    .arg(m_opt.maxMessageBytes);
    }
    m_pump.decoder().transportLost();
    m_pump.flush();
    m_pump.deliver();
    QString why = err.isEmpty() ? closeCodeText(code) : err;
    if (!reason.isEmpty())
        why += QStringLiteral(" (%1)").arg(reason);
    emit stateChanged(
        State::Reconnecting,
        QStringLiteral("%1: %2; retrying in %3 ms").arg(m_opt.url.toDisplayString(), why).arg(m_backoffMs));
    m_retry.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, kMaxBackoffMs);
}

void WebSocketSource::onMessage(std::span<const std::uint8_t> message, decode::MessageKind kind) {
    m_pump.feedMessage(message, kind, core::utcNowNs());
    m_pump.deliver();
    for (const QString& n : m_pump.takeNotices()) // rate estimated or changed, sensor type: say it
        emit stateChanged(State::Live, n);
}

void WebSocketSource::onTimer() {
    // slow SensorServer streams: do not hold a partial block; once a second: the progress watchdog
    m_pump.flush();
    m_pump.deliver();
    const qint64 now = m_clock.elapsed();
    if (now - m_lastWatchMs < 1000 || !m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    m_lastWatchMs = now;
    if (const auto msg = m_pump.checkProgress(now)) {
        qWarning().noquote() << QStringLiteral("ws %1:").arg(m_opt.url.toDisplayString()) << *msg;
        emit stateChanged(State::Live, *msg);
    }
}

} // namespace vibra::io
