#pragma once

#include "decode/InputFormat.h"
#include "io/CsvSourceOptions.h"
#include "io/DecoderPump.h"
#include "io/Source.h"

#include <QElapsedTimer>
#include <QSerialPort>
#include <QTimer>

#include <atomic>
#include <memory>

namespace vibra::io {

/// A serial port (USB CDC-ACM, UART, pty): serial:///dev/ttyACM0?baud=921600&format=auto|frame|csv&id=...
/// (+ CsvSourceOptions for auto and csv; databits=8, parity=none|even|odd, stopbits=1|2).
///
/// Decoding is decode::StreamDecoder's (through DecoderPump): format=auto (the default) detects Vibrascope
/// frames or text lines from the first bytes and says which; frame: COBS-framed frames (docs/protocol.md),
/// sample indices from the device, so a gap across an unplug is *detected* exactly; csv: text lines, where a
/// gap across an unplug is *inferred* from the downtime (or placed by a time column).
///
/// First line after opening: if no byte arrived for kSilenceMs after the port opened, the device was silent
/// and its first byte starts a line (or frame): it is kept. Bytes arriving sooner may start mid-line: that
/// first line is dropped (counted as a resync). The same after a reconnect.
/// Inferred gap after a reconnect (untimed text): the downtime is measured on the host's monotonic clock from
/// the last read before the loss to the first read after it (see TextLineDecoder for the formula).
/// Unplug / read error: the port is closed and reopened by path every 100..500 ms (backoff) until it is back,
/// so a replugged device resumes within about 0.5 s; counters.reconnects counts successful reopens.
/// A source that receives bytes but decodes nothing (or receives nothing) for 5 s says why in its state
/// message; one whose input cannot work (no rate for untimed lines, a configured column that does not exist,
/// a megabyte without a sample) fails with the reason.
///
/// Threads: everything runs on the source's I/O thread (the QSerialPort lives there).
class SerialSource : public Source {
    Q_OBJECT
public:
    struct Options {
        QString path;
        qint32 baud = 921600;
        QSerialPort::DataBits dataBits = QSerialPort::Data8;
        QSerialPort::Parity parity = QSerialPort::NoParity;
        QSerialPort::StopBits stopBits = QSerialPort::OneStop;
        decode::InputFormat format = decode::InputFormat::Auto;
        CsvSourceOptions text;
    };

    static std::unique_ptr<SerialSource> create(const QString& uri, QString* error);
    /// SourceFactory entry (scheme table): parses uri, returns nullptr and sets *error on bad parameters.
    static std::unique_ptr<Source> fromUri(SourceUri& uri, QString* error);

    SerialSource(QString deviceId, QString uri, Options options);
    ~SerialSource() override;

    void start(core::BlockOutlet* outlet) override;
    void stop() override;
    bool needsOwnThread() const override { return true; }

    /// Any thread: partial frames or lines discarded after opening or reconnecting.
    std::uint64_t resyncs() const { return m_resyncs.load(std::memory_order_relaxed); }

    static constexpr int kMinRetryMs = 100;
    static constexpr int kMaxRetryMs = 500;
    static constexpr qint64 kSilenceMs = 50;

private:
    static std::unique_ptr<SerialSource> parse(SourceUri& uri, QString* error);
    void tryOpen();
    void onReadyRead();
    void onError(QSerialPort::SerialPortError error);
    void lost(const QString& why);
    void watch();
    void fail(const QString& message);

    const Options m_opt;
    std::atomic<std::uint64_t> m_resyncs{0}; // written by the I/O thread
    // I/O thread only
    core::BlockOutlet* m_outlet = nullptr;
    QSerialPort* m_port = nullptr;
    QTimer m_retry;
    QTimer m_watchdog;
    int m_retryMs = kMinRetryMs;
    bool m_running = false;
    bool m_everOpened = false;
    bool m_reconnecting = false;
    bool m_firstRead = false;     // the next read is the first since the port opened
    bool m_resumePending = false; // tell the decoder the downtime at the first read after a reconnect
    QElapsedTimer m_clock;
    qint64 m_openedMs = 0;
    qint64 m_lastDataMs = -1; // m_clock time of the last read before a loss
    DecoderPump m_pump;
};

} // namespace vibra::io
