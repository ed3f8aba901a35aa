#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vibra::decode {

/// Consistent Overhead Byte Stuffing (Cheshire & Baker): removes every 0x00 from a buffer so 0x00 can delimit
/// frames on a byte stream. Worst-case overhead 1 + floor(n / 254) bytes. Pure functions, any thread.
class Cobs {
public:
    /// Appends the COBS encoding of data to out (no delimiter).
    static void encode(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& out);
    /// Decodes one frame (without its delimiter) into out (cleared first). Returns false on a 0x00 inside
    /// the frame or a code byte that points past the end.
    static bool decode(std::span<const std::uint8_t> encoded, std::vector<std::uint8_t>& out);
    static std::size_t maxEncodedSize(std::size_t n) { return n + n / 254 + 1; }
};

/// Splits a byte stream at 0x00 delimiters and COBS-decodes each piece, with bounded memory.
///
/// Threads: owned by one thread (the source's I/O thread or a fuzzer).
/// Resync: a piece longer than the configured maximum is discarded up to the next delimiter (oversized +1);
/// a piece that does not decode counts as decodeErrors +1. Empty pieces (back-to-back delimiters) are idle
/// fill and ignored. With startSynced = false the bytes before the first delimiter are discarded and counted
/// as one resync (opening a port mid-stream lands inside a frame).
class CobsStreamDecoder {
public:
    struct Stats {
        std::uint64_t frames = 0;       ///< pieces decoded successfully
        std::uint64_t decodeErrors = 0; ///< pieces with invalid COBS
        std::uint64_t oversized = 0;    ///< pieces longer than the maximum, discarded
        std::uint64_t resyncs = 0;      ///< partial pieces discarded at start or after reset()
    };

    explicit CobsStreamDecoder(std::size_t maxDecodedFrame, bool startSynced = false);

    /// Feeds bytes; calls onFrame(std::span<const std::uint8_t> decoded) for every complete valid piece.
    template <typename OnFrame> void feed(std::span<const std::uint8_t> bytes, OnFrame&& onFrame) {
        for (std::uint8_t b : bytes) {
            if (b != 0) {
                if (m_state == State::SkippingPartial) {
                    m_skippedAny = true;
                } else if (m_state == State::Collecting) {
                    if (m_buf.size() >= m_maxEncoded) {
                        m_state = State::SkippingOversized;
                        m_buf.clear();
                    } else {
                        m_buf.push_back(b);
                    }
                }
                continue;
            }
            // delimiter
            if (m_state == State::SkippingPartial) {
                m_stats.resyncs += m_skippedAny ? 1 : 0;
                m_skippedAny = false;
            } else if (m_state == State::SkippingOversized) {
                ++m_stats.oversized;
            } else if (!m_buf.empty()) {
                if (Cobs::decode(m_buf, m_decoded)) {
                    ++m_stats.frames;
                    onFrame(std::span<const std::uint8_t>(m_decoded));
                } else {
                    ++m_stats.decodeErrors;
                }
            }
            m_buf.clear();
            m_state = State::Collecting;
        }
    }

    /// Forgets a partial piece; the next bytes are treated as mid-frame until a delimiter (reconnect).
    void reset();
    /// The next byte starts a frame (the transport saw silence before it); only when nothing is buffered.
    void markBoundary() {
        if (m_state == State::SkippingPartial && !m_skippedAny && m_buf.empty())
            m_state = State::Collecting;
    }
    const Stats& stats() const { return m_stats; }
    /// Bytes currently buffered (always <= the encoded maximum).
    std::size_t buffered() const { return m_buf.size(); }

private:
    enum class State { Collecting, SkippingPartial, SkippingOversized };
    const std::size_t m_maxEncoded;
    State m_state;
    bool m_skippedAny = false;
    std::vector<std::uint8_t> m_buf;
    std::vector<std::uint8_t> m_decoded;
    Stats m_stats;
};

} // namespace vibra::decode
