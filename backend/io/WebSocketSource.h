#pragma once

#include "decode/InputFormat.h"
#include "io/DecoderPump.h"
#include "io/Source.h"
#include "io/SourceUri.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

#include <memory>

namespace vibra::io {

/// WebSocket client: ws://host:port/path?format=auto|frame|json|sensorserver (or wss://). Connects to a
/// Vibrascope relay (/stream?device=ID), a device speaking docs/protocol.md, or an Android SensorServer
/// (ws://phone:8080/sensor/connect?type=android.sensor.accelerometer).
///
/// Our parameters: format (default auto), id (device name; default host:port), rate (SensorServer: Hz;
/// default: estimated continuously from the time stamps), unit (SensorServer values, default m/s2), token
/// (sent as "Authorization: Bearer"), maxmsg (bytes, default 1 MiB). Every other query parameter is passed on
/// to the server unchanged (SensorServer's type=, the relay's device=).
///
/// Decoding is decode::MessageDecoder's (through DecoderPump): binary messages are frames; text messages are
/// JSON blocks or SensorServer events (per-sample time stamps in ns, no sequence number: indices inferred,
/// gaps flagged inferred, the rate and its jitter estimated continuously). Malformed messages are counted and
/// skipped; the connection stays. A message above maxmsg makes Qt close the connection (1009); it is counted
/// as malformed and the client reconnects. Reconnect: exponential backoff 0.2 s .. 5 s, counters.reconnects.
/// Messages that arrive but decode to nothing for 5 s are explained in the state message.
///
/// Threads: everything on the source's I/O thread (the QWebSocket lives there).
class WebSocketSource : public Source {
    Q_OBJECT
public:
    struct Options {
        QUrl url; ///< with our parameters removed
        decode::InputFormat format = decode::InputFormat::Auto;
        double rateHz = 0.0;
        core::Unit sensorUnit = core::Unit::MetersPerSecond2;
        QString token;
        qint64 maxMessageBytes = 1 << 20;
    };

    static std::unique_ptr<WebSocketSource> create(const QString& uri, QString* error);
    static std::unique_ptr<Source> fromUri(SourceUri& uri, QString* error);

    WebSocketSource(QString deviceId, QString uri, Options options);
    ~WebSocketSource() override;

    void start(core::BlockOutlet* outlet) override;
    void stop() override;

    static constexpr int kMinBackoffMs = 200;
    static constexpr int kMaxBackoffMs = 5000;
    /// Readable text for SensorServer's close codes (4001..4009) and the standard ones.
    static QString closeCodeText(int code);

private:
    static std::unique_ptr<WebSocketSource> parse(SourceUri& uri, QString* error);
    void connectNow();
    void onConnected();
    void onDisconnected();
    void onMessage(std::span<const std::uint8_t> message, decode::MessageKind kind);
    void onTimer();

    const Options m_opt;
    // I/O thread only
    core::BlockOutlet* m_outlet = nullptr;
    QWebSocket* m_socket = nullptr;
    QTimer m_retry;
    QTimer m_flush;
    QElapsedTimer m_clock;
    qint64 m_lastWatchMs = 0;
    int m_backoffMs = kMinBackoffMs;
    bool m_running = false;
    bool m_everConnected = false;
    DecoderPump m_pump;
};

} // namespace vibra::io
