#pragma once

#include "core/DeviceCounters.h"
#include "core/DeviceInfo.h"
#include "core/DropReason.h"
#include "core/SampleBlock.h"
#include "decode/CsvLayout.h"
#include "decode/DecoderStats.h"
#include "decode/Frame.h"
#include "decode/FrameStream.h"
#include "decode/InputFormat.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vibra::decode {

/// Kind of a whole message (WebSocket).
enum class MessageKind { Binary, Text };

/// What became of one message (message transports): the ingest server acknowledges from it.
struct MessageResult {
    enum class Status { Accepted, Duplicate, Rejected };
    Status status = Status::Rejected;
    core::DropReason reason = core::DropReason::Malformed; ///< Rejected: Malformed or Crc
    std::string error;                                     ///< Rejected: why, for the sender
    /// The decoded frame header (Accepted / Duplicate frames and JSON blocks; nullptr otherwise). Valid until
    /// the next call.
    const FrameHeader* header = nullptr;
};

/// The one decode path of every transport: turns the bytes (serial, file) or messages (WebSocket client,
/// ingest server) of one device into SampleBlocks with sample indices, and counts what it rejects.
///
/// Transport and parsing are separate (like PlotJuggler's parser factory): a source reads its transport and
/// feeds the decoder; create() picks the decoder for the source's format:
///   bytes:    Frame -> COBS frames (FrameByteDecoder), Csv -> text lines (TextLineDecoder),
///             Auto -> detects which from the first bytes and says so (AutoByteDecoder);
///   messages: MessageDecoder (binary frames, JSON blocks, SensorServer events, as the format allows).
///
/// Accounting: account() adds what changed since its previous call to the device's counters, the same way
/// for every transport: rejected units as dropped frames by reason (malformed, crc, duplicate: their samples
/// were never received, so received = stored + dropped still balances), bytes, and the rate gauges. Blocks go
/// to core::BlockOutlet, which counts samples, frames (blocks) and gaps.
///
/// Threads: owned by the thread that feeds it (the source's I/O thread, the ingest server's thread).
class StreamDecoder {
public:
    using Blocks = std::vector<core::MutableBlockPtr>;
    enum class Transport { Bytes, Messages };

    struct Config {
        InputFormat format = InputFormat::Auto;
        Transport transport = Transport::Bytes;
        core::DeviceInfo base; ///< id, sourceUri, unit of text lines / SensorServer values
        bool unitExplicit =
            false;           ///< base.unit was configured: a CSV header's unit suffix does not change it
        CsvConfig csv;       ///< text lines
        double rateHz = 0.0; ///< text lines and SensorServer: configured rate; 0 = from time stamps
        FrameStream::Policy sequencePolicy = FrameStream::Policy::Rebase; ///< frames
        bool startsAtBoundary =
            false; ///< the first byte starts a unit (file); else it may be mid-unit (port)
        std::uint32_t maxBlockSamples = 4096;
    };

    /// The decoder for config.format and config.transport (Csv on messages, Json or SensorServer on bytes: a
    /// MessageDecoder / TextLineDecoder that rejects what it cannot read; the source URIs prevent that).
    static std::unique_ptr<StreamDecoder> create(const Config& config);

    virtual ~StreamDecoder() = default;

    /// Byte transports: the next bytes of the stream; appends finished blocks to out.
    void feed(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out);
    /// Message transports: one whole message; appends finished blocks to out.
    MessageResult feedMessage(std::span<const std::uint8_t> message, MessageKind kind, std::int64_t hostNowNs,
                              Blocks& out);
    /// Message transports: a frame already decoded and validated by the caller (the HTTP ingest route checks
    /// a whole request before anything is accepted); it goes through the same sequence checks and accounting
    /// as a message (bytes: header + payload).
    MessageResult feedFrame(const DecodedFrame& frame, std::int64_t hostNowNs, Blocks& out);
    /// Closes blocks still open (decoders that assemble single samples); call after each read or on a timer.
    void flush(Blocks& out);
    /// End of a finite input: parses what is left and places held samples. False when the input could not
    /// be decoded at all (see fatalError()).
    bool finish(Blocks& out);
    /// A live input stops (the source is stopped): places the samples held for rate estimation; a partial
    /// unit is discarded.
    void close(Blocks& out);
    /// The transport dropped (unplug, disconnect): a unit in progress is lost.
    virtual void transportLost() {}
    /// The transport is back; call before feeding its first bytes. downtimeSeconds: host time from the last
    /// bytes before the loss to these (untimed text lines turn it into an inferred gap). The next bytes may
    /// start mid-unit unless markBoundary() says otherwise.
    virtual void transportResumed(double downtimeSeconds) { (void)downtimeSeconds; }
    /// The next bytes start at a unit boundary (the transport saw silence before them): keep the first line.
    virtual void markBoundary() {}
    /// The input starts over from its beginning (file loop): indices continue without a gap.
    virtual void rewind() {}

    /// "frame", "csv", "auto" while undecided, ...
    virtual std::string formatName() const = 0;
    /// The current stream (nullptr before the first block).
    virtual std::shared_ptr<const core::DeviceInfo> device() const = 0;
    const DecoderStats& stats() const { return m_stats; }
    /// Set when this input cannot be decoded as configured (a configured column does not exist, no rate for
    /// untimed lines, a megabyte without one sample): finite sources fail with it.
    const std::string& fatalError() const { return m_fatal; }
    /// Events for the user since the last call (format detected, layout, rate estimated or changed, ...).
    std::vector<std::string> takeNotices();
    /// The reason of the most recent rejection (for logs), empty when nothing was rejected.
    virtual std::string lastRejection() const { return {}; }
    /// Why nothing decodes, in words (for a source that received bytes but no samples for a while).
    std::string diagnose() const;
    /// Adds what changed since the previous call to the device's counters (see the class comment).
    void account(core::DeviceCounters& counters);

    /// Bytes after which an input in which nothing was recognised (no sample, no other device's row) is
    /// given up (finite sources).
    static constexpr std::uint64_t kGiveUpBytes = 1u << 20;

protected:
    virtual void onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out);
    virtual MessageResult onMessage(std::span<const std::uint8_t> message, MessageKind kind,
                                    std::int64_t hostNowNs, Blocks& out);
    virtual MessageResult onFrame(const DecodedFrame& frame, std::int64_t hostNowNs, Blocks& out);
    virtual void onFlush(Blocks& out) { (void)out; }
    virtual void onClose(Blocks& out) { onFlush(out); }
    virtual bool onFinish(Blocks& out) {
        onFlush(out);
        return true;
    }
    /// Format-specific explanation for diagnose(); empty for the generic one.
    virtual std::string explain() const { return {}; }
    /// The live stats of a decoder that delegates (auto) are its delegate's.
    virtual void refreshStats() {}

    void notice(std::string text);
    void setFatal(std::string text) {
        if (m_fatal.empty())
            m_fatal = std::move(text);
    }

    DecoderStats m_stats;
    // what the bytes looked like (for diagnose); a decoder that delegates may stop profiling
    bool m_profileBytes = true;
    std::uint64_t m_zeroBytes = 0;
    std::uint64_t m_textBytes = 0; ///< printable ASCII, tab, CR, LF
    std::uint64_t m_lineBreaks = 0;

private:
    void countSamples(const Blocks& out, std::size_t from);
    void checkGiveUp();

    std::string m_fatal;
    std::vector<std::string> m_notices;
    DecoderStats m_accounted;
};

} // namespace vibra::decode
