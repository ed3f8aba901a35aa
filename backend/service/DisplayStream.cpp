#include "service/DisplayStream.h"

#include "core/Clock.h"
#include "pipeline/Pipeline.h"
#include "service/JsonViews.h"
#include "service/PrometheusText.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

#include <set>

namespace vibra::service {

namespace {
constexpr auto kUnauthorized = static_cast<QWebSocketProtocol::CloseCode>(4401);
constexpr auto kTryLater = static_cast<QWebSocketProtocol::CloseCode>(1013);
constexpr int kTickMs = 20;
constexpr std::size_t kEventsPerTick = 1000;

std::int64_t nowMs() {
    return core::monotonicNs() / 1'000'000;
}

QJsonObject eventJson(const core::Event& e) {
    QJsonObject o;
    o[QStringLiteral("device")] = QString::fromStdString(e.deviceId);
    o[QStringLiteral("t")] = JsonViews::isoTime(e.tNs);
    o[QStringLiteral("type")] = QString::fromStdString(e.kind);
    if (!e.state.empty())
        o[QStringLiteral("state")] = QString::fromStdString(e.state);
    if (!e.rule.empty())
        o[QStringLiteral("rule")] = QString::fromStdString(e.rule);
    o[QStringLiteral("detail")] = QString::fromStdString(e.detail);
    return o;
}
} // namespace

DisplayStream::DisplayStream(pipeline::Pipeline& pipeline, Options options, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_options(std::move(options)) {
    m_server = new QWebSocketServer(QStringLiteral("vibrascope"), QWebSocketServer::NonSecureMode, this);
    connect(m_server, &QWebSocketServer::newConnection, this, &DisplayStream::onNewConnection);
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &DisplayStream::tick);
}

DisplayStream::~DisplayStream() {
    close();
}

void DisplayStream::handleUpgrade(QTcpSocket* socket) {
    if (!m_server) {
        socket->deleteLater();
        return;
    }
    m_server->handleConnection(socket);
}

void DisplayStream::close() {
    m_timer.stop();
    const auto clients = m_clients.keys();
    m_clients.clear();
    for (QWebSocket* ws : clients) {
        ws->disconnect(this);
        ws->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server stopping"));
        ws->deleteLater();
    }
    m_watches.clear();
    m_encoded.clear();
    m_stats.clients.store(0, std::memory_order_relaxed);
    m_stats.watchedDevices.store(0, std::memory_order_relaxed);
}

void DisplayStream::onNewConnection() {
    while (m_server->hasPendingConnections()) {
        QWebSocket* ws = m_server->nextPendingConnection();
        if (!ws)
            break;
        const QUrlQuery q(ws->requestUrl());
        QByteArray auth = ws->request().rawHeader("Authorization");
        if (q.hasQueryItem(QStringLiteral("token")))
            auth = "Bearer " + q.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8();
        if (m_options.tokens.accessOf(auth) == TokenSet::Access::None) {
            m_stats.unauthorized.fetch_add(1, std::memory_order_relaxed);
            ws->close(kUnauthorized, QStringLiteral("unauthorized"));
            ws->deleteLater();
            continue;
        }
        if (m_clients.size() >= m_options.maxClients) {
            m_stats.refusedBusy.fetch_add(1, std::memory_order_relaxed);
            ws->close(kTryLater, QStringLiteral("too many viewers"));
            ws->deleteLater();
            continue;
        }
        Client c;
        c.device = q.queryItemValue(QStringLiteral("device"), QUrl::FullyDecoded);
        bool ok = true;
        const int hz =
            q.hasQueryItem(QStringLiteral("hz")) ? q.queryItemValue(QStringLiteral("hz")).toInt(&ok) : 10;
        if (!ok || hz < 1 || hz > m_options.maxHz || c.device.size() > 64) {
            m_stats.badRequests.fetch_add(1, std::memory_order_relaxed);
            ws->close(QWebSocketProtocol::CloseCodePolicyViolated,
                      QStringLiteral("bad parameter: hz must be 1..%1").arg(m_options.maxHz));
            ws->deleteLater();
            continue;
        }
        c.intervalMs = 1000 / hz;
        m_clients.insert(ws, c);
        m_stats.accepted.fetch_add(1, std::memory_order_relaxed);
        m_stats.clients.store(static_cast<int>(m_clients.size()), std::memory_order_relaxed);
        connect(ws, &QWebSocket::disconnected, this, [this, ws] { onDisconnected(ws); });
        // Incoming messages are not part of the protocol: ignored (a browser may send pings).
        if (!m_timer.isActive())
            m_timer.start();
        m_lastSummaryMs = 0; // the new viewer gets a summary at the next tick
    }
    reconcileWatches();
}

void DisplayStream::onDisconnected(QWebSocket* ws) {
    m_clients.remove(ws);
    ws->deleteLater();
    m_stats.clients.store(static_cast<int>(m_clients.size()), std::memory_order_relaxed);
    reconcileWatches();
}

void DisplayStream::tick() {
    pollEvents();
    reconcileWatches();
    if (m_clients.isEmpty()) {
        m_timer.stop();
        return;
    }
    const std::int64_t now = nowMs();
    sendFrames(now);
    if (now - m_lastSummaryMs >= m_options.summaryIntervalMs) {
        m_lastSummaryMs = now;
        sendSummaries();
    }
}

void DisplayStream::pollEvents() {
    const auto batch = m_pipeline.events().since(m_eventSeq, kEventsPerTick);
    m_eventSeq = batch.last;
    for (const auto& entry : batch.entries) {
        const core::Event& e = *entry.event;
        if (e.deviceId.empty())
            continue;
        auto& live = m_live[QString::fromStdString(e.deviceId)];
        if (e.kind == "alarm") {
            const std::string key = e.rule + '|' + e.axisName;
            if (e.state == "raised")
                live.activeAlarms[key] = QString::fromStdString(e.detail);
            else if (e.state == "cleared")
                live.activeAlarms.erase(key);
        }
        live.recent.push_back(eventJson(e));
        while (live.recent.size() > m_options.recentEvents)
            live.recent.pop_front();
    }
    // Forget devices that are gone (bounded by the live devices).
    for (auto it = m_live.begin(); it != m_live.end();)
        it = m_pipeline.find(it->first) ? std::next(it) : m_live.erase(it);
}

void DisplayStream::reconcileWatches() {
    std::set<QString> wanted;
    for (const Client& c : std::as_const(m_clients))
        if (!c.device.isEmpty())
            wanted.insert(c.device);
    for (auto it = m_watches.begin(); it != m_watches.end();) {
        if (!wanted.count(it->first) || !m_pipeline.find(it->first)) {
            m_encoded.erase(it->first);
            it = m_watches.erase(it);
        } else {
            ++it;
        }
    }
    for (const QString& id : wanted)
        if (!m_watches.count(id))
            if (auto* ch = m_pipeline.find(id))
                m_watches.emplace(id, ch->watch(true));
    m_stats.watchedDevices.store(static_cast<int>(m_watches.size()), std::memory_order_relaxed);
}

void DisplayStream::sendFrames(std::int64_t now) {
    for (auto& [id, watch] : m_watches) {
        auto* ch = m_pipeline.find(id);
        const auto snap = ch ? ch->snapshot() : nullptr;
        if (!snap || !snap->display)
            continue;
        auto& enc = m_encoded[id];
        if (enc.seq == snap->sequence)
            continue;
        enc.bytes = DisplayFrame::encode(*snap, summaryOf(id), m_options.frame);
        enc.seq = snap->sequence;
        m_stats.encoded.fetch_add(1, std::memory_order_relaxed);
    }
    for (auto it = m_clients.begin(); it != m_clients.end(); ++it) {
        Client& c = it.value();
        if (c.device.isEmpty())
            continue;
        const auto e = m_encoded.find(c.device);
        if (e == m_encoded.end() || e->second.bytes.isEmpty())
            continue;
        auto& [seq, at] = c.sent[c.device];
        if (seq == e->second.seq || now - at < c.intervalMs)
            continue;
        seq = e->second.seq;
        at = now;
        send(it.key(), e->second.bytes, true);
    }
}

void DisplayStream::sendSummaries() {
    QJsonArray all;
    std::map<QString, QJsonObject> byId;
    for (const auto& ch : m_pipeline.channels()) {
        QJsonObject s = summaryOf(ch->deviceId());
        byId[ch->deviceId()] = s;
        all.append(s);
    }
    const QString t = QString::number(core::utcNowNs());
    QByteArray allMessage;
    for (auto it = m_clients.begin(); it != m_clients.end(); ++it) {
        const Client& c = it.value();
        QJsonObject msg;
        msg[QStringLiteral("type")] = QStringLiteral("summary");
        msg[QStringLiteral("t_ns")] = t;
        if (c.device.isEmpty()) {
            if (allMessage.isEmpty()) {
                msg[QStringLiteral("devices")] = all;
                allMessage = QJsonDocument(msg).toJson(QJsonDocument::Compact);
            }
            send(it.key(), allMessage, false);
            continue;
        }
        QJsonArray one;
        if (const auto s = byId.find(c.device); s != byId.end())
            one.append(s->second);
        msg[QStringLiteral("devices")] = one;
        QJsonArray events;
        if (const auto live = m_live.find(c.device); live != m_live.end())
            for (const auto& e : live->second.recent)
                events.append(e);
        msg[QStringLiteral("events")] = events;
        send(it.key(), QJsonDocument(msg).toJson(QJsonDocument::Compact), false);
    }
}

QJsonObject DisplayStream::summaryOf(const QString& deviceId) const {
    QJsonObject o;
    o[QStringLiteral("device")] = deviceId;
    auto* ch = m_pipeline.find(deviceId);
    if (!ch)
        return o;
    o[QStringLiteral("state")] = io::Source::stateName(ch->state());
    const auto c = ch->counters().snapshot();
    o[QStringLiteral("received")] = static_cast<qint64>(c.samplesReceived);
    o[QStringLiteral("dropped")] = static_cast<qint64>(c.droppedTotal());
    o[QStringLiteral("gaps")] = static_cast<qint64>(c.gapsDetected + c.gapsInferred);
    QJsonArray alarms;
    if (const auto live = m_live.find(deviceId); live != m_live.end())
        for (const auto& [key, detail] : live->second.activeAlarms)
            alarms.append(detail);
    o[QStringLiteral("alarms")] = alarms;
    const auto last = ch->core()->lastSecond();
    if (!last)
        return o;
    const auto s = JsonViews::summarize(*last);
    if (last->device) {
        o[QStringLiteral("rate_hz")] = last->device->sampleRate;
        o[QStringLiteral("unit")] =
            last->device->unit == core::Unit::G ? QStringLiteral("g") : QStringLiteral("m/s2");
    }
    o[QStringLiteral("t")] = JsonViews::isoTime(last->bucketStartNs);
    o[QStringLiteral("samples_per_s")] = static_cast<qint64>(last->samples);
    o[QStringLiteral("last_sample_age_s")] =
        static_cast<double>(core::utcNowNs() - last->bucketStartNs - core::kSecondNs) / 1e9;
    o[QStringLiteral("rms")] = JsonViews::number(s.rms);
    o[QStringLiteral("velocity_rms_mm_s")] = JsonViews::number(s.velocity);
    o[QStringLiteral("zone")] = s.zone >= 0 ? QJsonValue(QString(QChar('A' + s.zone))) : QJsonValue();
    const auto settings = ch->settings();
    if (const auto* preset = m_options.severity.find(settings.severityPreset)) {
        o[QStringLiteral("severity_preset")] = QString::fromStdString(preset->id);
        o[QStringLiteral("zone_limits_mm_s")] = QJsonArray{preset->abMmS, preset->bcMmS, preset->cdMmS};
    }
    return o;
}

bool DisplayStream::send(QWebSocket* ws, const QByteArray& data, bool binary) {
    if (ws->bytesToWrite() > m_options.queueBytes) {
        m_stats.framesDropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    if (binary)
        ws->sendBinaryMessage(data);
    else
        ws->sendTextMessage(QString::fromUtf8(data));
    m_stats.framesSent.fetch_add(1, std::memory_order_relaxed);
    m_stats.bytesSent.fetch_add(static_cast<std::uint64_t>(data.size()), std::memory_order_relaxed);
    return true;
}

void DisplayStream::metrics(PrometheusText& t) const {
    t.family("vibrascope_viewer_connections", "gauge", "Browser view WebSocket connections open.");
    t.sample("vibrascope_viewer_connections", m_stats.clients.load(std::memory_order_relaxed));
    t.family("vibrascope_viewer_connections_max", "gauge", "Browser view connections allowed.");
    t.sample("vibrascope_viewer_connections_max", m_options.maxClients);
    t.family("vibrascope_viewer_watched_devices", "gauge",
             "Devices whose display DSP runs because a browser shows them.");
    t.sample("vibrascope_viewer_watched_devices", m_stats.watchedDevices.load(std::memory_order_relaxed));
    t.family("vibrascope_viewer_refused_total", "counter", "Browser view connections refused.");
    const std::pair<const char*, const std::atomic<std::uint64_t>*> refused[] = {
        {"unauthorized", &m_stats.unauthorized},
        {"too_many_viewers", &m_stats.refusedBusy},
        {"bad_request", &m_stats.badRequests}};
    for (const auto& [reason, v] : refused)
        t.sample("vibrascope_viewer_refused_total", {{QStringLiteral("reason"), QLatin1String(reason)}},
                 static_cast<double>(v->load(std::memory_order_relaxed)));
    t.family("vibrascope_viewer_frames_total", "counter",
             "Browser view messages: sent, or dropped because the connection's send queue was full.");
    t.sample("vibrascope_viewer_frames_total", {{QStringLiteral("result"), QStringLiteral("sent")}},
             static_cast<double>(m_stats.framesSent.load(std::memory_order_relaxed)));
    t.sample("vibrascope_viewer_frames_total", {{QStringLiteral("result"), QStringLiteral("dropped")}},
             static_cast<double>(m_stats.framesDropped.load(std::memory_order_relaxed)));
    t.family("vibrascope_viewer_sent_bytes_total", "counter", "Bytes sent to browser views.");
    t.sample("vibrascope_viewer_sent_bytes_total",
             static_cast<double>(m_stats.bytesSent.load(std::memory_order_relaxed)));
    t.family("vibrascope_viewer_snapshots_encoded_total", "counter",
             "Display snapshots encoded (once each, whatever the number of viewers).");
    t.sample("vibrascope_viewer_snapshots_encoded_total",
             static_cast<double>(m_stats.encoded.load(std::memory_order_relaxed)));
    t.family("vibrascope_viewer_send_queue_limit_bytes", "gauge",
             "Unsent bytes per browser connection before frames are dropped.");
    t.sample("vibrascope_viewer_send_queue_limit_bytes", static_cast<double>(m_options.queueBytes));
}

} // namespace vibra::service
