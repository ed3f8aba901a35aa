#pragma once

#include "io/RateLimitedLog.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QTcpServer>
#include <QTimer>

#include <atomic>
#include <cstdint>
#include <functional>

class QSocketNotifier;

namespace vibra::io {

/// The listening socket of a sharded ingest server (IngestServer::Options::threads > 1): accepts TCP
/// connections and hands each, unread, to the shard that owns its device, so a device (and every
/// /stream subscriber of it) is always served by the same shard thread, the single producer of its outlet.
///
/// The device comes from the WebSocket handshake's request line (`GET /ingest?device=NAME …`), peeked from
/// the kernel's buffer without consuming it (recv MSG_PEEK): the shard's QWebSocketServer then reads the
/// whole handshake itself. Connections without ?device= (named later by their frames' dev field) and
/// requests that are not WebSocket paths go to shard 0, which answers them as a single server would.
/// A peer that sends no complete request line within kHandshakeMs is closed (counted in timedOut()); at
/// most maxPending connections wait for their request line (beyond: closed, counted in refused()).
///
/// Threads: lives on the thread that calls listen() (the owner's); the hand-off callback runs there too
/// and must pass the descriptor on to the shard's thread (it owns it from then on).
class IngestAcceptor : public QTcpServer {
    Q_OBJECT
public:
    /// Takes ownership of the socket descriptor `fd`, to be served by shard `shard`.
    using HandOff = std::function<void(int shard, qintptr fd)>;
    static constexpr int kHandshakeMs = 10000;
    static constexpr int kMaxRequestLine = 4096;

    IngestAcceptor(int shards, int maxPending, HandOff handOff, QObject* parent = nullptr);
    ~IngestAcceptor() override;

    /// Shard (0..shards-1) for a device name: a stable hash (FNV-1a of the UTF-8 name), the same for a
    /// device's ingest connection, its reconnects and its /stream subscribers.
    static int shardOf(const QString& deviceName, int shards);
    /// The device named by a request line's ?device= (percent-decoded), empty when there is none.
    static QString deviceOfRequestLine(const QByteArray& line);

    std::uint64_t timedOut() const { return m_timedOut.load(std::memory_order_relaxed); }
    std::uint64_t refused() const { return m_refused.load(std::memory_order_relaxed); }

protected:
    void incomingConnection(qintptr fd) override;

private:
    struct Pending {
        QSocketNotifier* notifier = nullptr;
        qint64 sinceMs = 0;
    };
    void onReadable(qintptr fd);
    void finish(qintptr fd, int shard); ///< shard < 0: close the descriptor
    void sweep();

    const int m_shards;
    const int m_maxPending;
    const HandOff m_handOff;
    QHash<qintptr, Pending> m_pending;
    QTimer m_sweep;
    QElapsedTimer m_clock;
    std::atomic<std::uint64_t> m_timedOut{0};
    std::atomic<std::uint64_t> m_refused{0};
    RateLimitedLog m_log;
};

} // namespace vibra::io
