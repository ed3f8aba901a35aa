#include "io/WebSocketSource.h"

#include "decode/Json.h"
#include "decode/JsonBlock.h"
#include "decode/SensorServerMessage.h"

#include <QDateTime>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace vibra::io {

namespace {
std::int64_t utcNowNs() {
    return QDateTime::currentMSecsSinceEpoch() * 1'000'000;
}
} // namespace

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
    o.format = format == QLatin1String("frame")          ? Format::Frame
               : format == QLatin1String("json")         ? Format::Json
               : format == QLatin1String("sensorserver") ? Format::SensorServer
                                                         : Format::Auto;
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
    , m_log(QStringLiteral("ws %1:").arg(m_opt.url.toDisplayString())) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &WebSocketSource::connectNow);
    m_flush.setInterval(20);
    connect(&m_flush, &QTimer::timeout, this, &WebSocketSource::flushAssembler);
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
    core::DeviceInfo base;
    base.id = deviceId().toStdString();
    base.sourceUri = uri().toStdString();
    m_frames.emplace(base, decode::FrameStream::Policy::Rebase);
    base.unit = m_opt.sensorUnit;
    decode::BlockAssembler::Config cfg;
    cfg.rateHz = m_opt.rateHz;
    cfg.utcBaseNs = utcNowNs();
    cfg.dropNonAdvancing = true; // ns timestamps: a repeated one is a resent event
    m_assembler.emplace(base, cfg);
    m_flush.start();
    emit stateChanged(State::Connecting, QStringLiteral("connecting to %1").arg(m_opt.url.toDisplayString()));
    connectNow();
}

void WebSocketSource::stop() {
    m_running = false;
    m_retry.stop();
    m_flush.stop();
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
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &WebSocketSource::onBinary);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &WebSocketSource::onText);
    QNetworkRequest req(m_opt.url);
    if (!m_opt.token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + m_opt.token.toUtf8());
    m_socket->open(req);
}

void WebSocketSource::onConnected() {
    if (m_everConnected) {
        m_outlet->counters().reconnects.fetch_add(1, std::memory_order_relaxed);
        m_frames->noteReconnect();
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
        m_outlet->counters().addDropped(core::DropReason::Malformed, 0, 1);
        m_log.warn(
            QStringLiteral("message larger than %1 bytes: connection closed").arg(m_opt.maxMessageBytes));
    }
    flushAssembler();
    QString why = err.isEmpty() ? closeCodeText(code) : err;
    if (!reason.isEmpty())
        why += QStringLiteral(" (%1)").arg(reason);
    emit stateChanged(
        State::Reconnecting,
        QStringLiteral("%1: %2; retrying in %3 ms").arg(m_opt.url.toDisplayString(), why).arg(m_backoffMs));
    m_retry.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, kMaxBackoffMs);
}

void WebSocketSource::malformed(const QString& why) {
    m_outlet->counters().addDropped(core::DropReason::Malformed, 0, 1);
    m_log.warn(QStringLiteral("message rejected: %1").arg(why));
}

void WebSocketSource::acceptFrame(const decode::DecodedFrame& frame) {
    if (auto block = m_frames->accept(frame, utcNowNs()))
        m_outlet->deliver(std::move(block));
    else
        m_outlet->counters().addDropped(core::DropReason::Duplicate, 0, 1);
}

void WebSocketSource::onBinary(const QByteArray& message) {
    m_outlet->counters().bytes.fetch_add(static_cast<std::uint64_t>(message.size()),
                                         std::memory_order_relaxed);
    if (m_opt.format != Format::Auto && m_opt.format != Format::Frame) {
        malformed(QStringLiteral("binary message but format is not frame"));
        return;
    }
    const decode::FrameError e = decode::FrameCodec::decode(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(message.constData()),
                                      static_cast<std::size_t>(message.size())),
        m_frame);
    if (e == decode::FrameError::Crc) {
        m_outlet->counters().addDropped(core::DropReason::Crc, 0, 1);
        m_log.warn(QStringLiteral("frame rejected: CRC-32C mismatch"));
        return;
    }
    if (e != decode::FrameError::None) {
        malformed(QString::fromUtf8(decode::frameErrorName(e).data()));
        return;
    }
    acceptFrame(m_frame);
}

void WebSocketSource::onText(const QString& message) {
    const QByteArray utf8 = message.toUtf8();
    m_outlet->counters().bytes.fetch_add(static_cast<std::uint64_t>(utf8.size()), std::memory_order_relaxed);
    decode::Json doc;
    std::string err;
    if (!decode::Json::parse(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())), doc,
                             &err)) {
        malformed(QStringLiteral("invalid JSON: %1").arg(QString::fromStdString(err)));
        return;
    }
    const bool sensor = m_opt.format == Format::SensorServer ||
                        (m_opt.format == Format::Auto && decode::SensorServerMessage::looksLike(doc));
    if (sensor) {
        decode::SensorServerMessage m;
        if (!decode::SensorServerMessage::parse(doc, m, &err)) {
            malformed(QString::fromStdString(err));
            return;
        }
        if (m_sensorAxes == 0) {
            m_sensorAxes = m.axes;
            static const std::vector<std::string> kNames{"x", "y", "z"};
            m_assembler->setAxisNames(std::vector<std::string>(kNames.begin(), kNames.begin() + m.axes));
        } else if (m.axes != m_sensorAxes) {
            malformed(QStringLiteral("SensorServer event with %1 values, expected %2")
                          .arg(m.axes)
                          .arg(m_sensorAxes));
            return;
        }
        const float v[3] = {static_cast<float>(m.values[0]), static_cast<float>(m.values[1]),
                            static_cast<float>(m.values[2])};
        // ns since boot -> s; double keeps ~1 us resolution for centuries of uptime
        const std::uint64_t dups = m_assembler->duplicates();
        if (!m_assembler->add(static_cast<double>(m.timestampNs) * 1e-9,
                              std::span<const float>(v, static_cast<std::size_t>(m.axes))))
            malformed(QString::fromStdString(m_assembler->error()));
        if (m_assembler->duplicates() != dups)
            m_outlet->counters().addDropped(core::DropReason::Duplicate, 0, 1);
        if (m_assembler->nextIndex() % 256 == 0)
            flushAssembler();
        return;
    }
    if (m_opt.format == Format::Frame) {
        malformed(QStringLiteral("text message but format=frame"));
        return;
    }
    if (!decode::JsonBlock::decode(doc, m_frame, &err)) {
        malformed(QString::fromStdString(err));
        return;
    }
    acceptFrame(m_frame);
}

void WebSocketSource::flushAssembler() {
    if (!m_assembler)
        return;
    m_assembler->take(m_blocks, true);
    for (auto& b : m_blocks)
        m_outlet->deliver(std::move(b));
    m_blocks.clear();
}

} // namespace vibra::io
