#pragma once

#include "dsp/SeverityTable.h"
#include "pipeline/ChannelCore.h"
#include "service/DisplayFrame.h"
#include "service/TokenSet.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace vibra::pipeline {
class Pipeline;
}

namespace vibra::service {

class PrometheusText;

/// The browser view's live feed: WebSocket `/stream?view=display[&device=ID][&hz=N]` on the HTTP port.
///
///  - With device=ID: binary display frames of that device (DisplayFrame: min/max envelope, decimated
///    spectrum, interpolated peaks, summary) at most `hz` per second (1..30, default 10), plus a text summary
///    message every 500 ms. Without a device: text summaries of every device (the devices page).
///  - Display snapshots come from the engine's SnapshotSlot: a display watch (ChannelCore::watch) is held
///    for a device only while some connection shows it, so an unwatched recorder computes no display DSP.
///    Each snapshot is encoded once and the same bytes go to every connection that shows the device.
///  - Bounded fan-out: at most maxClients connections (beyond: closed with 1013, counted); a connection
///    whose unsent bytes exceed queueBytes loses frames (newest wins, counted) instead of queueing them.
///  - Auth: read or control token as `?token=` (browsers cannot set headers on a WebSocket) or a bearer
///    header; a wrong or missing one closes with 4401 (counted). Nothing configured: open (loopback only).
///
/// Summary message: {"type":"summary","t_ns":"...","devices":[{device, state, rate_hz, samples_per_s,
/// received, dropped, last_sample_age_s, rms, velocity_rms_mm_s, zone, alarms:[...], ...}],
/// "events":[recent engine events of the shown devices]}.
///
/// Threads: owner thread (the HTTP server's): the sockets, the timer and every method; stats() atomics may
/// be read anywhere. Reads engine state only through snapshots, lastSecond() and counters, so a slow browser
/// never stalls acquisition or DSP.
class DisplayStream : public QObject {
    Q_OBJECT
public:
    struct Options {
        TokenSet tokens;
        int maxClients = 64;
        qint64 queueBytes = 1 << 20; ///< unsent bytes per connection before frames are dropped
        int maxHz = 30;
        DisplayFrame::Options frame;
        int summaryIntervalMs = 500;
        std::size_t recentEvents = 20;                                ///< kept per device for the page
        dsp::SeverityTable severity = dsp::SeverityTable::defaults(); ///< zone limits for the gauge
    };
    struct Stats {
        std::atomic<std::uint64_t> accepted{0};
        std::atomic<std::uint64_t> refusedBusy{0};
        std::atomic<std::uint64_t> unauthorized{0};
        std::atomic<std::uint64_t> badRequests{0};
        std::atomic<std::uint64_t> framesSent{0};
        std::atomic<std::uint64_t> framesDropped{0}; ///< not sent: the connection's queue was full
        std::atomic<std::uint64_t> bytesSent{0};
        std::atomic<std::uint64_t> encoded{0}; ///< snapshots encoded (once each, whatever the clients)
        std::atomic<int> clients{0};
        std::atomic<int> watchedDevices{0};
    };

    DisplayStream(pipeline::Pipeline& pipeline, Options options, QObject* parent = nullptr);
    ~DisplayStream() override;

    /// Takes a socket whose WebSocket handshake has not been read yet.
    void handleUpgrade(QTcpSocket* socket);
    /// Closes every connection and releases every watch.
    void close();
    /// Tokens replaced (SIGHUP reload); connections already open stay.
    void setTokens(const TokenSet& tokens) { m_options.tokens = tokens; }
    const Stats& stats() const { return m_stats; }
    void metrics(PrometheusText& t) const;

private:
    struct Client {
        QString device; ///< empty: every device (summaries only)
        int intervalMs = 100;
        std::map<QString, std::pair<std::uint64_t, std::int64_t>> sent; ///< device -> (seq, ms) last sent
    };
    struct Encoded {
        std::uint64_t seq = 0;
        QByteArray bytes;
    };
    struct DeviceLive {
        std::map<std::string, QString> activeAlarms; ///< rule + axis -> detail
        std::deque<QJsonObject> recent;              ///< newest last
    };
    void onNewConnection();
    void onDisconnected(QWebSocket* ws);
    void tick();
    void pollEvents();
    void reconcileWatches();
    void sendFrames(std::int64_t nowMs);
    void sendSummaries();
    QJsonObject summaryOf(const QString& deviceId) const;
    bool send(QWebSocket* ws, const QByteArray& data, bool binary);

    pipeline::Pipeline& m_pipeline;
    Options m_options;
    Stats m_stats;
    QWebSocketServer* m_server = nullptr;
    QTimer m_timer;
    QHash<QWebSocket*, Client> m_clients;
    std::map<QString, pipeline::ChannelCore::Watch> m_watches;
    std::map<QString, Encoded> m_encoded;
    std::map<QString, DeviceLive> m_live;
    std::uint64_t m_eventSeq = 0;
    std::int64_t m_lastSummaryMs = 0;
};

} // namespace vibra::service
