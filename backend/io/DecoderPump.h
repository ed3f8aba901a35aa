#pragma once

#include "core/BlockOutlet.h"
#include "decode/StreamDecoder.h"
#include "io/RateLimitedLog.h"

#include <QString>

#include <memory>
#include <optional>

namespace vibra::io {

/// The glue between a source's transport and its decode::StreamDecoder, written once for every source
/// (serial, file replay, WebSocket client, ingest server): feeds bytes or messages, collects the blocks,
/// delivers them into the device's outlet (real-time sources) or hands them out (sources that wait), accounts
/// the decoder's rejects, bytes and rate gauges into the device's counters (StreamDecoder::account), and logs
/// the decoder's notices (format detected, layout, rate estimated or changed) and rejections with running
/// totals.
///
/// checkProgress() is the "why is nothing arriving" watchdog: called about once a second, it returns a state
/// message when bytes arrive but nothing decodes for kQuietMs ("2.1 kB received in 5 s but no valid frame:
/// ..."), when nothing arrives at all for kQuietMs, and when samples flow again after either.
///
/// Threads: owned by the source's I/O thread (or the ingest server's thread).
class DecoderPump {
public:
    static constexpr qint64 kQuietMs = 5000;

    explicit DecoderPump(QString logPrefix);

    void start(std::unique_ptr<decode::StreamDecoder> decoder, core::BlockOutlet* outlet);
    bool started() const { return m_decoder != nullptr; }
    decode::StreamDecoder& decoder() { return *m_decoder; }
    const decode::StreamDecoder& decoder() const { return *m_decoder; }

    /// Feeds transport bytes; blocks are kept until deliver() or takeBlocks(). Closes open blocks (flush).
    void feed(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs);
    /// Feeds one message; blocks as for feed().
    decode::MessageResult feedMessage(std::span<const std::uint8_t> message, decode::MessageKind kind,
                                      std::int64_t hostNowNs);
    /// Feeds a frame the caller decoded and validated (HTTP ingest); blocks as for feed().
    decode::MessageResult feedFrame(const decode::DecodedFrame& frame, std::int64_t hostNowNs);
    /// Closes blocks still open (slow sample-at-a-time streams: call on a timer).
    void flush();
    /// End of a finite input (see StreamDecoder::finish).
    bool finish();
    /// A live source stops: held samples are placed and delivered, totals logged.
    void close();
    /// Real-time sources: every collected block into the outlet (a full queue drops and counts).
    void deliver();
    /// Sources that wait: the collected blocks, in order.
    std::vector<core::MutableBlockPtr>& blocks() { return m_blocks; }
    /// Accounts the decoder into the counters and logs its notices (done by feed/flush/finish too).
    void publish();
    /// Logs the final reject totals if the rate-limited log has not shown them yet (at the end of a source).
    void logTotals();
    /// The decoder's notices since the last call (already logged), for the source's state message.
    QStringList takeNotices();

    /// About once a second: a state message when progress changed (see the class comment), else nothing.
    std::optional<QString> checkProgress(qint64 nowMs);
    /// One line about the stream: "csv, 3 axes (x, y, z), 500.01 Hz estimated, jitter 0.3 ms".
    QString describe() const;
    /// Human-readable byte count: "2.1 kB".
    static QString bytesText(std::uint64_t n);

private:
    std::unique_ptr<decode::StreamDecoder> m_decoder;
    core::BlockOutlet* m_outlet = nullptr;
    std::vector<core::MutableBlockPtr> m_blocks;
    RateLimitedLog m_log;
    QString m_prefix;
    decode::DecoderStats m_logged; // totals already reported in the log
    QStringList m_notices;         // for takeNotices(), bounded
    // progress watchdog
    qint64 m_lastCheckMs = -1;
    qint64 m_lastSamplesMs = 0;
    qint64 m_lastBytesMs = 0;
    std::uint64_t m_samplesSeen = 0;
    std::uint64_t m_bytesSeen = 0;
    std::uint64_t m_bytesAtLastSample = 0;
    enum class Warned { None, Undecodable, Silent } m_warned = Warned::None;
};

} // namespace vibra::io
