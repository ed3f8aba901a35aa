#include "pipeline/IngestBridge.h"

#include "io/IngestAcceptor.h"
#include "io/PassiveSource.h"
#include "pipeline/Pipeline.h"

#include <QCoreApplication>
#include <QTcpSocket>
#include <QThread>

#include <algorithm>
#include <future>
#include <unistd.h>

namespace vibra::pipeline {

namespace {
constexpr int kMaxThreads = 64;
} // namespace

IngestBridge::IngestBridge(Pipeline& pipeline, io::IngestServer::Options options, ChannelHook onNewChannel,
                           QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_onNewChannel(std::move(onNewChannel))
    , m_options(std::move(options))
    , m_stats(std::make_shared<io::IngestServer::Stats>()) {
    const int n = std::clamp(m_options.threads, 1, kMaxThreads);
    for (int k = 0; k < n; ++k) {
        auto s = std::make_unique<Shard>();
        s->server = std::make_unique<io::IngestServer>(
            m_options, [this, k](const QString& id, const QString& uri) { return provide(k, id, uri); },
            m_stats);
        if (n > 1) {
            s->thread = std::make_unique<QThread>();
            s->thread->setObjectName(QStringLiteral("ingest-%1").arg(k));
            s->server->moveToThread(s->thread.get());
            s->thread->start();
        }
        m_shards.push_back(std::move(s));
    }
    connect(&pipeline, &Pipeline::aboutToRemove, this, &IngestBridge::onAboutToRemove);
}

IngestBridge::~IngestBridge() {
    close();
}

quint16 IngestBridge::port() const {
    if (m_acceptor)
        return m_port;
    return m_shards.front()->server ? m_shards.front()->server->port() : m_port;
}

bool IngestBridge::listen(QString* error) {
    if (m_shards.size() == 1 || m_closing.load())
        return m_shards.front()->server && m_shards.front()->server->listen(error);
    if (m_acceptor)
        return true;
    m_acceptor = new io::IngestAcceptor(
        static_cast<int>(m_shards.size()), m_options.maxConnections,
        [this](int shard, qintptr fd) { handOff(shard, fd); }, this);
    m_acceptor->setMaxPendingConnections(m_options.maxConnections);
    if (!m_acceptor->listen(m_options.address, m_options.port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_options.address.toString())
                         .arg(m_options.port)
                         .arg(m_acceptor->errorString());
        delete m_acceptor;
        m_acceptor = nullptr;
        return false;
    }
    m_port = m_acceptor->serverPort();
    for (auto& s : m_shards) {
        io::IngestServer* server = s->server.get();
        const quint16 port = m_port;
        QMetaObject::invokeMethod(
            server, [server, port] { server->startWithoutListening(port); }, Qt::BlockingQueuedConnection);
    }
    return true;
}

void IngestBridge::handOff(int shard, qintptr fd) {
    Shard& s = *m_shards[static_cast<std::size_t>(shard)];
    io::IngestServer* server = s.server.get();
    if (!server) {
        ::close(static_cast<int>(fd));
        return;
    }
    {
        std::lock_guard lock(s.mutex);
        s.fds.push_back(fd);
    }
    QMetaObject::invokeMethod(
        server, [&s] { serveShardQueue(s); }, Qt::QueuedConnection);
}

void IngestBridge::serveShardQueue(Shard& shard) {
    std::vector<qintptr> fds;
    std::vector<std::pair<QString, ChannelCorePtr>> forgets;
    io::IngestServer* server = nullptr;
    {
        std::lock_guard lock(shard.mutex);
        fds.swap(shard.fds);
        forgets.swap(shard.forgets);
        server = shard.server.get();
    }
    for (const auto& [id, core] : forgets)
        if (server)
            server->forgetDevice(id); // the core (held here) goes after this
    for (qintptr fd : fds) {
        if (!server) {
            ::close(static_cast<int>(fd));
            continue;
        }
        auto* socket = new QTcpSocket(server);
        if (!socket->setSocketDescriptor(fd)) {
            ::close(static_cast<int>(fd));
            delete socket;
            continue;
        }
        server->handleUpgrade(socket);
    }
}

void IngestBridge::close() {
    m_closing.store(true);
    if (m_acceptor) {
        m_acceptor->close();
        delete m_acceptor;
        m_acceptor = nullptr;
    }
    for (auto& s : m_shards) {
        if (!s->thread) {
            if (s->server)
                s->server->close();
            continue;
        }
        io::IngestServer* server = nullptr;
        {
            std::lock_guard lock(s->mutex);
            server = s->server.release();
        }
        if (server) {
            // closed and destroyed on its own thread (its sockets live there)
            QMetaObject::invokeMethod(
                server,
                [server] {
                    server->close();
                    delete server;
                },
                Qt::QueuedConnection);
        }
        s->thread->quit();
    }
    for (auto& s : m_shards) {
        if (!s->thread)
            continue;
        // A shard may be waiting in provide() for this thread: keep answering (refusals, m_closing) until
        // every shard thread has ended.
        while (!s->thread->wait(10))
            answerRequests();
        std::lock_guard lock(s->mutex);
        for (qintptr fd : s->fds)
            ::close(static_cast<int>(fd));
        s->fds.clear();
        s->forgets.clear();
    }
    answerRequests();
}

core::BlockOutlet* IngestBridge::provide(int shard, const QString& deviceId, const QString& uri) {
    if (QThread::currentThread() == thread())
        return provideHere(shard, deviceId, uri);
    if (m_closing.load())
        return nullptr;
    // A shard thread: channels are made on the owner thread; wait for the answer there.
    auto request = std::make_shared<Request>();
    request->shard = shard;
    request->deviceId = deviceId;
    request->uri = uri;
    auto answer = request->answer.get_future();
    {
        std::lock_guard lock(m_requestMutex);
        m_requests.push_back(std::move(request));
    }
    QMetaObject::invokeMethod(this, &IngestBridge::answerRequests, Qt::QueuedConnection);
    return answer.get();
}

void IngestBridge::answerRequests() {
    std::vector<std::shared_ptr<Request>> requests;
    {
        std::lock_guard lock(m_requestMutex);
        requests.swap(m_requests);
    }
    for (auto& r : requests)
        r->answer.set_value(provideHere(r->shard, r->deviceId, r->uri));
}

core::BlockOutlet* IngestBridge::provideHere(int shard, const QString& deviceId, const QString& uri) {
    if (m_closing.load())
        return nullptr;
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
    m_cores.push_back({deviceId, ch->core(), shard});
    emit deviceConnected(deviceId);
    return &ch->core()->outlet();
}

void IngestBridge::onAboutToRemove(const QString& id) {
    // The server must stop using the outlet before the channel's core (its queue and counters) goes away.
    const auto it = std::find_if(m_cores.begin(), m_cores.end(), [&](const Fed& f) { return f.id == id; });
    if (it == m_cores.end())
        return;
    Fed fed = std::move(*it);
    m_cores.erase(it);
    Shard& shard = *m_shards[static_cast<std::size_t>(fed.shard)];
    if (!shard.thread) {
        if (shard.server)
            shard.server->forgetDevice(id);
        return;
    }
    // Another thread feeds it: the core stays alive (held in the list) until that thread has forgotten it.
    io::IngestServer* server = nullptr;
    {
        std::lock_guard lock(shard.mutex);
        server = shard.server.get();
        if (server)
            shard.forgets.emplace_back(id, std::move(fed.core));
    }
    if (server)
        QMetaObject::invokeMethod(
            server, [&shard] { serveShardQueue(shard); }, Qt::QueuedConnection);
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
