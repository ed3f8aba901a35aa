#pragma once

#include "decode/Cobs.h"
#include "decode/FrameStream.h"
#include "decode/StreamDecoder.h"

#include <optional>

namespace vibra::decode {

/// Vibrascope frames on a byte stream (format=frame): 0x00-delimited COBS pieces -> FrameCodec ->
/// FrameStream.
///
/// A piece that is not valid COBS, is longer than a frame can be, or whose frame fails validation is
/// malformed (CRC failures: crc); the bytes before the first delimiter after opening (or after a loss) are a
/// resync, not an error. Sample indices come from the frames, so gaps are detected exactly; a sequence that
/// goes back after a reconnect is a device restart and is rebased (policy Rebase), or a duplicate (policy
/// Duplicate).
///
/// Threads: owned by one thread.
class FrameByteDecoder : public StreamDecoder {
public:
    explicit FrameByteDecoder(const Config& config);

    std::string lastRejection() const override;
    std::string formatName() const override { return "frame"; }
    std::shared_ptr<const core::DeviceInfo> device() const override { return m_frames.device(); }
    void transportLost() override;
    void markBoundary() override;
    void rewind() override;

protected:
    void onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) override;
    std::string explain() const override;
    void refreshStats() override;

private:
    CobsStreamDecoder m_cobs;
    FrameStream m_frames;
    DecodedFrame m_frame;
    std::uint64_t m_accepted = 0;
    std::uint64_t m_frameErrors = 0; // malformed frames (not CRC)
    std::uint64_t m_crcErrors = 0;
    FrameError m_lastError = FrameError::None;
    std::string m_lastRejection;
    CobsStreamDecoder::Stats m_cobsErrorsSeen;
};

} // namespace vibra::decode
