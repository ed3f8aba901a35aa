#include "decode/FrameByteDecoder.h"

namespace vibra::decode {

FrameByteDecoder::FrameByteDecoder(const Config& config)
    : m_cobs(FrameCodec::kMaxFrameBytes, config.startsAtBoundary)
    , m_frames(config.base, config.sequencePolicy) {}

void FrameByteDecoder::onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) {
    m_cobs.feed(bytes, [&](std::span<const std::uint8_t> piece) {
        const FrameError e = FrameCodec::decode(piece, m_frame);
        if (e != FrameError::None) {
            ++(e == FrameError::Crc ? m_crcErrors : m_frameErrors);
            m_lastError = e;
            m_lastRejection = "frame rejected: " + std::string(frameErrorName(e));
            return;
        }
        const auto restarts = m_frames.stats().restarts;
        if (auto block = m_frames.accept(m_frame, hostNowNs)) {
            ++m_accepted;
            out.push_back(std::move(block));
        }
        if (m_frames.stats().restarts != restarts)
            notice("the device restarted its frame sequence: indices continue after the last sample");
    });
}

void FrameByteDecoder::transportLost() {
    m_cobs.reset();
    m_frames.noteReconnect();
}

void FrameByteDecoder::markBoundary() {
    m_cobs.markBoundary();
}

std::string FrameByteDecoder::lastRejection() const {
    return m_lastRejection;
}

void FrameByteDecoder::rewind() {
    m_cobs.reset();
    m_cobs.markBoundary();
    m_frames.noteReconnect(); // the sequence starts over: rebased, indices continue
}

void FrameByteDecoder::refreshStats() {
    const auto& c = m_cobs.stats();
    if (c.decodeErrors != m_cobsErrorsSeen.decodeErrors)
        m_lastRejection = "a piece between 0x00 delimiters is not valid COBS";
    if (c.oversized != m_cobsErrorsSeen.oversized)
        m_lastRejection = "no 0x00 delimiter within the longest possible frame";
    m_cobsErrorsSeen = c;
    m_stats.units = m_accepted;
    m_stats.malformed = c.decodeErrors + c.oversized + m_frameErrors;
    m_stats.oversized = c.oversized;
    m_stats.crc = m_crcErrors;
    m_stats.resyncs = c.resyncs;
    const auto& f = m_frames.stats();
    m_stats.duplicates = f.duplicates;
    m_stats.restarts = f.restarts;
}

std::string FrameByteDecoder::explain() const {
    const std::uint64_t n = m_stats.bytes;
    if (n == 0)
        return {};
    if (m_zeroBytes == n)
        return "every byte is zero (0x00): no frame in it";
    if (m_crcErrors + m_frameErrors > 0 && m_accepted == 0)
        return std::to_string(m_crcErrors) + " frame(s) failed their CRC and " +
               std::to_string(m_frameErrors) + " were invalid (" + std::string(frameErrorName(m_lastError)) +
               "): wrong baud rate or a noisy line?";
    if (m_textBytes >= n * 9 / 10 && m_lineBreaks > 0)
        return "the device sends text lines, not frames: try format=csv (or format=auto)";
    if (m_zeroBytes == 0)
        return "no frame delimiter (0x00) at all: not Vibrascope frames (try format=auto or csv) or wrong "
               "baud "
               "rate";
    if (m_cobs.stats().decodeErrors + m_cobs.stats().oversized > 0)
        return "the pieces between 0x00 delimiters are not valid COBS frames: wrong baud rate or another "
               "protocol?";
    return {};
}

} // namespace vibra::decode
