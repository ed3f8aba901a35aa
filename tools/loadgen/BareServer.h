#pragma once

#include "decode/Frame.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QString>

class QWebSocket;
class QWebSocketServer;

namespace vibra::loadgen {

/// The benchmark floor: accepts /ingest WebSocket connections exactly like io::IngestServer (same
/// QWebSocketServer, same token rules, the hello {"ack":N}, cumulative {"ack":seq} after every frame,
/// duplicates re-acknowledged) and validates each frame with decode::FrameCodec (CRC-32C and fields) or
/// decode::JsonBlock, checks sequence and sample-index continuity, then discards the data. Comparing a
/// recorder's CPU with this server's in the same run isolates the engine's own cost.
///
/// Threads: lives on the thread that creates it (the main thread of vibra-bare-server).
class BareServer : public QObject {
    Q_OBJECT
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 0;
        QString token;
        int maxConnections = 0; ///< 0 = unlimited
        qint64 maxMessageBytes = 1 << 20;
    };
    struct Counters {
        qint64 frames = 0; ///< stored (new sequence)
        qint64 samples = 0;
        qint64 bytes = 0;
        qint64 duplicates = 0;     ///< sequence at or below the ack: re-acknowledged, not counted as stored
        qint64 seqGaps = 0;        ///< frames missing between the ack and a new sequence
        qint64 sampleGaps = 0;     ///< samples missing (first_sample ahead of the previous frame's end)
        qint64 sampleOverlaps = 0; ///< new frames whose first_sample is behind the previous end
        qint64 connections = 0;
    };
    struct Stats {
        qint64 connections = 0;
        qint64 peakConnections = 0;
        qint64 unauthorized = 0;
        qint64 refusedBusy = 0;
        qint64 badRequests = 0;
        qint64 crcErrors = 0;
        qint64 malformed = 0;
        qint64 oversized = 0;
    };

    explicit BareServer(Options options, QObject* parent = nullptr);
    ~BareServer() override;

    bool listen(QString* error);
    quint16 port() const;
    /// {"devices":{name:{...}, one per line},"total":{...}}
    QByteArray summaryJson() const;

private:
    struct Device {
        Counters c;
        qint64 ack = -1;
        quint64 nextSample = 0;
        bool haveSample = false;
    };
    void onNewConnection();
    void onBinary(QWebSocket* ws, const QByteArray& message);
    void onText(QWebSocket* ws, const QString& message);
    void accept(QWebSocket* ws, const decode::FrameHeader& h, qint64 bytes);
    void reject(QWebSocket* ws, decode::FrameError e, const QString& why);
    QString tokenOf(QWebSocket* ws) const;

    const Options m_opt;
    QWebSocketServer* m_server = nullptr;
    QHash<QWebSocket*, QString> m_conns; ///< device name per ingest connection (may be empty until a frame)
    QHash<QString, Device> m_devices;
    Stats m_stats;
    decode::DecodedFrame m_frame;
};

} // namespace vibra::loadgen
