#include "BareServer.h"

#include "decode/JsonBlock.h"

#include <QRegularExpression>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

namespace vibra::loadgen {

namespace {
constexpr auto kUnauthorized = static_cast<QWebSocketProtocol::CloseCode>(4401);
constexpr auto kTryAgainLater = static_cast<QWebSocketProtocol::CloseCode>(1013);

bool validDeviceName(const QString& name) {
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_.:-]{1,64}$"));
    return re.match(name).hasMatch();
}

void sendAck(QWebSocket* ws, qint64 ack) {
    ws->sendTextMessage(QStringLiteral("{\"ack\":%1}").arg(ack));
}
} // namespace

BareServer::BareServer(Options options, QObject* parent)
    : QObject(parent)
    , m_opt(std::move(options)) {}

BareServer::~BareServer() {
    for (QWebSocket* ws : m_conns.keys()) {
        ws->disconnect(this);
        ws->abort();
    }
}

bool BareServer::listen(QString* error) {
    m_server =
        new QWebSocketServer(QStringLiteral("vibra-bare-server"), QWebSocketServer::NonSecureMode, this);
    m_server->setMaxPendingConnections(1024);
    if (!m_server->listen(m_opt.address, m_opt.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_opt.address.toString())
                     .arg(m_opt.port)
                     .arg(m_server->errorString());
        return false;
    }
    connect(m_server, &QWebSocketServer::newConnection, this, &BareServer::onNewConnection);
    return true;
}

quint16 BareServer::port() const {
    return m_server ? m_server->serverPort() : 0;
}

QString BareServer::tokenOf(QWebSocket* ws) const {
    const QByteArray auth = ws->request().rawHeader("Authorization");
    if (auth.startsWith("Bearer "))
        return QString::fromUtf8(auth.mid(7).trimmed());
    return QUrlQuery(ws->requestUrl()).queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
}

void BareServer::onNewConnection() {
    while (QWebSocket* ws = m_server->nextPendingConnection()) {
        ws->setParent(this);
        connect(ws, &QWebSocket::disconnected, this, [this, ws] {
            if (ws->closeCode() == QWebSocketProtocol::CloseCodeTooMuchData)
                ++m_stats.oversized;
            m_conns.remove(ws);
            ws->deleteLater();
        });
        if (!m_opt.token.isEmpty() && tokenOf(ws) != m_opt.token) {
            ++m_stats.unauthorized;
            ws->close(kUnauthorized, QStringLiteral("unauthorized"));
            continue;
        }
        if (m_opt.maxConnections > 0 && m_conns.size() >= m_opt.maxConnections) {
            ++m_stats.refusedBusy;
            ws->close(kTryAgainLater, QStringLiteral("too many connections"));
            continue;
        }
        const QString name =
            QUrlQuery(ws->requestUrl()).queryItemValue(QStringLiteral("device"), QUrl::FullyDecoded);
        if (ws->requestUrl().path() != QLatin1String("/ingest") ||
            (!name.isEmpty() && !validDeviceName(name))) {
            ++m_stats.badRequests;
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated,
                      QStringLiteral("use /ingest?device=NAME (1-64 letters, digits or -_.:)"));
            continue;
        }
        ws->setMaxAllowedIncomingMessageSize(static_cast<quint64>(m_opt.maxMessageBytes));
        ws->setMaxAllowedIncomingFrameSize(static_cast<quint64>(m_opt.maxMessageBytes));
        m_conns.insert(ws, name);
        ++m_stats.connections;
        m_stats.peakConnections = std::max<qint64>(m_stats.peakConnections, m_conns.size());
        connect(ws, &QWebSocket::binaryMessageReceived, this,
                [this, ws](const QByteArray& m) { onBinary(ws, m); });
        connect(ws, &QWebSocket::textMessageReceived, this, [this, ws](const QString& m) { onText(ws, m); });
        qint64 ack = -1;
        if (!name.isEmpty()) {
            Device& d = m_devices[name]; // created on its first connection
            ack = d.ack;
            ++d.c.connections;
        }
        sendAck(ws, ack);
    }
}

void BareServer::reject(QWebSocket* ws, decode::FrameError e, const QString& why) {
    if (e == decode::FrameError::Crc)
        ++m_stats.crcErrors;
    else
        ++m_stats.malformed;
    ws->sendTextMessage(QStringLiteral("{\"error\":\"%1\"}").arg(QString(why).replace('"', '\'')));
}

void BareServer::onBinary(QWebSocket* ws, const QByteArray& message) {
    const decode::FrameError e = decode::FrameCodec::decode(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(message.constData()),
                                      static_cast<std::size_t>(message.size())),
        m_frame);
    if (e != decode::FrameError::None) {
        reject(ws, e, QString::fromUtf8(decode::frameErrorName(e).data()));
        return;
    }
    accept(ws, m_frame.header, message.size());
}

void BareServer::onText(QWebSocket* ws, const QString& message) {
    const QByteArray utf8 = message.toUtf8();
    std::string err;
    if (!decode::JsonBlock::decode(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())),
                                   m_frame, &err)) {
        reject(ws, decode::FrameError::BadField, QString::fromStdString(err));
        return;
    }
    accept(ws, m_frame.header, utf8.size());
}

void BareServer::accept(QWebSocket* ws, const decode::FrameHeader& h, qint64 bytes) {
    auto conn = m_conns.find(ws);
    if (conn == m_conns.end())
        return;
    if (conn->isEmpty())
        *conn = QStringLiteral("dev%1").arg(h.device);
    auto it = m_devices.find(*conn);
    if (it == m_devices.end()) {
        it = m_devices.insert(*conn, Device{});
        it->c.connections = 1;
    }
    Device& d = *it;
    const qint64 seq = h.sequence;
    if (seq <= d.ack) {
        ++d.c.duplicates;
        sendAck(ws, d.ack);
        return;
    }
    if (seq > d.ack + 1)
        d.c.seqGaps += seq - d.ack - 1;
    if (d.haveSample && h.firstSample > d.nextSample)
        d.c.sampleGaps += static_cast<qint64>(h.firstSample - d.nextSample);
    else if (d.haveSample && h.firstSample < d.nextSample)
        ++d.c.sampleOverlaps;
    d.nextSample = h.firstSample + h.count;
    d.haveSample = true;
    ++d.c.frames;
    d.c.samples += h.count;
    d.c.bytes += bytes;
    d.ack = seq;
    sendAck(ws, seq);
}

QByteArray BareServer::summaryJson() const {
    auto counters = [](const Counters& c) {
        return QStringLiteral("{\"frames\":%1,\"samples\":%2,\"bytes\":%3,\"duplicates\":%4,\"seq_gaps\":%5,"
                              "\"sample_gaps\":%6,\"sample_overlaps\":%7,\"connections\":%8}")
            .arg(c.frames)
            .arg(c.samples)
            .arg(c.bytes)
            .arg(c.duplicates)
            .arg(c.seqGaps)
            .arg(c.sampleGaps)
            .arg(c.sampleOverlaps)
            .arg(c.connections);
    };
    QStringList names = m_devices.keys();
    names.sort();
    Counters total;
    QString out = QStringLiteral("{\"devices\":{\n");
    for (int i = 0; i < names.size(); ++i) {
        const Counters& c = m_devices.value(names[i]).c;
        total.frames += c.frames;
        total.samples += c.samples;
        total.bytes += c.bytes;
        total.duplicates += c.duplicates;
        total.seqGaps += c.seqGaps;
        total.sampleGaps += c.sampleGaps;
        total.sampleOverlaps += c.sampleOverlaps;
        total.connections += c.connections;
        out += QStringLiteral("\"%1\":%2%3\n").arg(names[i], counters(c), i + 1 < names.size() ? "," : "");
    }
    QString t = counters(total);
    t.chop(1);
    t += QStringLiteral(
             ",\"devices\":%1,\"accepted_connections\":%2,\"peak_connections\":%3,\"unauthorized\":%4,"
             "\"refused_busy\":%5,\"bad_requests\":%6,\"crc_errors\":%7,\"malformed\":%8,"
             "\"oversized\":%9}")
             .arg(m_devices.size())
             .arg(m_stats.connections)
             .arg(m_stats.peakConnections)
             .arg(m_stats.unauthorized)
             .arg(m_stats.refusedBusy)
             .arg(m_stats.badRequests)
             .arg(m_stats.crcErrors)
             .arg(m_stats.malformed)
             .arg(m_stats.oversized);
    out += QStringLiteral("},\n\"total\":%1}\n").arg(t);
    return out.toUtf8();
}

} // namespace vibra::loadgen
