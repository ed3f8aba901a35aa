#include "io/IngestAcceptor.h"

#include <QSocketNotifier>
#include <QUrl>
#include <QUrlQuery>

#include <array>
#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace vibra::io {

namespace {
constexpr int kRetryMs = 5; ///< a request line that is not complete yet is looked at again after this
} // namespace

IngestAcceptor::IngestAcceptor(int shards, int maxPending, HandOff handOff, QObject* parent)
    : QTcpServer(parent)
    , m_shards(std::max(1, shards))
    , m_maxPending(std::max(1, maxPending))
    , m_handOff(std::move(handOff))
    , m_log(QStringLiteral("ingest server:")) {
    m_clock.start();
    m_sweep.setInterval(1000);
    connect(&m_sweep, &QTimer::timeout, this, &IngestAcceptor::sweep);
    m_sweep.start();
}

IngestAcceptor::~IngestAcceptor() {
    const auto fds = m_pending.keys();
    for (qintptr fd : fds)
        finish(fd, -1);
}

int IngestAcceptor::shardOf(const QString& deviceName, int shards) {
    if (shards <= 1 || deviceName.isEmpty())
        return 0;
    std::uint32_t h = 2166136261U;
    for (const char c : deviceName.toUtf8()) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 16777619U;
    }
    return static_cast<int>(h % static_cast<std::uint32_t>(shards));
}

QString IngestAcceptor::deviceOfRequestLine(const QByteArray& line) {
    // "GET /ingest?device=NAME&token=T HTTP/1.1"
    const auto parts = line.split(' ');
    if (parts.size() < 3)
        return {};
    const QUrl url(QString::fromLatin1(parts[1]));
    return QUrlQuery(url).queryItemValue(QStringLiteral("device"), QUrl::FullyDecoded);
}

void IngestAcceptor::incomingConnection(qintptr fd) {
    if (m_pending.size() >= m_maxPending) {
        m_refused.fetch_add(1, std::memory_order_relaxed);
        m_log.warn(QStringLiteral("refused a connection: %1 handshakes pending").arg(m_pending.size()));
        ::close(static_cast<int>(fd));
        return;
    }
    auto* n = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(n, &QSocketNotifier::activated, this, [this, fd] { onReadable(fd); });
    m_pending.insert(fd, Pending{n, m_clock.elapsed()});
}

void IngestAcceptor::onReadable(qintptr fd) {
    const auto it = m_pending.find(fd);
    if (it == m_pending.end())
        return;
    std::array<char, kMaxRequestLine> buf{};
    const ssize_t got = ::recv(static_cast<int>(fd), buf.data(), buf.size(), MSG_PEEK | MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        finish(fd, -1); // the peer left (or the socket failed) before its request line
        return;
    }
    if (got < 0)
        return;
    const QByteArray peeked = QByteArray::fromRawData(buf.data(), static_cast<qsizetype>(got));
    const auto eol = peeked.indexOf("\r\n");
    if (eol < 0 && got < kMaxRequestLine) {
        // Not a whole line yet. The data stays in the kernel (peeked, not read), so a level-triggered
        // notifier would fire at once again: look again shortly instead.
        it->notifier->setEnabled(false);
        QTimer::singleShot(kRetryMs, this, [this, fd] {
            if (const auto p = m_pending.find(fd); p != m_pending.end())
                p->notifier->setEnabled(true);
        });
        return;
    }
    // A line longer than kMaxRequestLine goes to shard 0 whole: its WebSocket server refuses it.
    const QString device = eol < 0 ? QString() : deviceOfRequestLine(peeked.left(eol));
    finish(fd, shardOf(device, m_shards));
}

void IngestAcceptor::finish(qintptr fd, int shard) {
    const auto it = m_pending.find(fd);
    if (it == m_pending.end())
        return;
    it->notifier->setEnabled(false);
    it->notifier->deleteLater();
    m_pending.erase(it);
    if (shard < 0)
        ::close(static_cast<int>(fd));
    else
        m_handOff(shard, fd);
}

void IngestAcceptor::sweep() {
    const qint64 now = m_clock.elapsed();
    QList<qintptr> late;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        if (now - it->sinceMs > kHandshakeMs)
            late.append(it.key());
    for (qintptr fd : late) {
        m_timedOut.fetch_add(1, std::memory_order_relaxed);
        m_log.warn(QStringLiteral("closed a connection that sent no request line within %1 s")
                       .arg(kHandshakeMs / 1000));
        finish(fd, -1);
    }
}

} // namespace vibra::io
