#include "pipeline/IngestBridge.h"

#include "io/PassiveSource.h"
#include "pipeline/Pipeline.h"

#include <algorithm>

namespace vibra::pipeline {

IngestBridge::IngestBridge(Pipeline& pipeline, io::IngestServer::Options options, ChannelHook onNewChannel,
                           QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_onNewChannel(std::move(onNewChannel))
    , m_server(std::make_unique<io::IngestServer>(
          std::move(options), [this](const QString& id, const QString& uri) { return provide(id, uri); })) {
    connect(&pipeline, &Pipeline::aboutToRemove, this, [this](const QString& id) {
        // The server must stop using the outlet before the channel (its ring and counters) goes away.
        const auto it =
            std::find_if(m_cores.begin(), m_cores.end(), [&](const auto& o) { return o.first == id; });
        if (it == m_cores.end())
            return;
        m_server->forgetDevice(id);
        m_cores.erase(it);
    });
}

IngestBridge::~IngestBridge() {
    close();
}

bool IngestBridge::listen(QString* error) {
    return m_server->listen(error);
}

void IngestBridge::close() {
    if (m_server)
        m_server->close();
}

core::BlockOutlet* IngestBridge::provide(const QString& deviceId, const QString& uri) {
    QString err;
    auto* ch = m_pipeline.addSource(
        std::make_unique<io::PassiveSource>(deviceId, uri, QStringLiteral("fed by the ingest server")), &err);
    if (!ch) {
        qWarning("ingest: device '%s' refused: %s", qPrintable(deviceId), qPrintable(err));
        return nullptr;
    }
    if (m_onNewChannel)
        m_onNewChannel(ch);
    ch->start();
    m_cores.emplace_back(deviceId, ch->core());
    emit deviceConnected(deviceId);
    return &ch->core()->outlet();
}

bool IngestBridge::parseListen(const QString& spec, const QString& token, io::IngestServer::Options* out,
                               QString* error) {
    const auto colon = static_cast<int>(spec.lastIndexOf(QLatin1Char(':')));
    bool portOk = false;
    const int port = colon > 0 ? spec.mid(colon + 1).toInt(&portOk) : 0;
    QString host = spec.left(std::max(colon, 0));
    host.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    const QHostAddress address =
        host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    if (colon <= 0 || !portOk || port < 1 || port > 65535 || address.isNull()) {
        *error =
            QStringLiteral("--listen must be HOST:PORT with an IP address, e.g. 127.0.0.1:8765, got '%1'")
                .arg(spec);
        return false;
    }
    if (token.isEmpty() && !address.isLoopback()) {
        *error = QStringLiteral("--listen on a non-loopback address needs --token (or VIBRASCOPE_TOKEN)");
        return false;
    }
    out->address = address;
    out->port = static_cast<quint16>(port);
    out->token = token;
    return true;
}

} // namespace vibra::pipeline
