#pragma once

#include "decode/BlockAssembler.h"
#include "decode/Cobs.h"
#include "decode/CsvLineParser.h"
#include "decode/Frame.h"
#include "decode/FrameStream.h"
#include "io/CsvSourceOptions.h"
#include "io/RateLimitedLog.h"
#include "io/Source.h"

#include <QElapsedTimer>
#include <QSerialPort>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>

namespace vibra::io {

/// A serial port (USB CDC-ACM, UART, pty): serial:///dev/ttyACM0?baud=921600&format=csv|frame&id=...
/// (+ CsvSourceOptions for csv; databits=8, parity=none|even|odd, stopbits=1|2).
///
/// format=frame: COBS-framed Vibrascope frames (docs/protocol.md); sample indices come from the device, so
/// a gap across an unplug is *detected* exactly. format=csv: text lines; the first (partial) line after every
/// open is dropped; without a time column the gap across an unplug is *inferred* from the downtime.
/// Unplug / read error: the port is closed and reopened by path every 100..500 ms (backoff) until it is back,
/// so a replugged device resumes within about 0.5 s; counters.reconnects counts successful reopens.
///
/// Threads: everything runs on the source's I/O thread (the QSerialPort lives there).
class SerialSource : public Source {
    Q_OBJECT
public:
    enum class Format { Csv, Frame };
    struct Options {
        QString path;
        qint32 baud = 921600;
        QSerialPort::DataBits dataBits = QSerialPort::Data8;
        QSerialPort::Parity parity = QSerialPort::NoParity;
        QSerialPort::StopBits stopBits = QSerialPort::OneStop;
        Format format = Format::Frame;
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

    /// Any thread: partial frames discarded to resynchronise at a delimiter (frame format), including the
    /// one found when the port is opened mid-stream. Garbage and CRC failures are counted in the outlet.
    std::uint64_t resyncs() const { return m_resyncs.load(std::memory_order_relaxed); }

    static constexpr int kMinRetryMs = 100;
    static constexpr int kMaxRetryMs = 500;

private:
    static std::unique_ptr<SerialSource> parse(SourceUri& uri, QString* error);
    void tryOpen();
    void onReadyRead();
    void onError(QSerialPort::SerialPortError error);
    void lost(const QString& why);
    void handleCsv(std::span<const char> bytes);
    void handleFrames(std::span<const std::uint8_t> bytes);
    void deliver(std::vector<core::MutableBlockPtr>& blocks);
    void countDecoderStats();

    const Options m_opt;
    std::atomic<std::uint64_t> m_resyncs{0}; // written by the I/O thread
    // I/O thread only
    core::BlockOutlet* m_outlet = nullptr;
    QSerialPort* m_port = nullptr;
    QTimer m_retry;
    int m_retryMs = kMinRetryMs;
    bool m_running = false;
    bool m_everOpened = false;
    bool m_reconnecting = false;
    QElapsedTimer m_clock;
    qint64 m_lastDataMs = -1;   // m_clock time of the last bytes before a loss
    bool m_pendingSkip = false; // csv: apply the downtime as an inferred gap at the next row
    std::optional<decode::CsvLineParser> m_csv;
    std::optional<decode::BlockAssembler> m_assembler;
    std::optional<decode::CobsStreamDecoder> m_cobs;
    std::optional<decode::FrameStream> m_frames;
    decode::CobsStreamDecoder::Stats m_cobsSeen;
    decode::DecodedFrame m_frame;
    std::vector<core::MutableBlockPtr> m_blocks;
    RateLimitedLog m_log;
};

} // namespace vibra::io
