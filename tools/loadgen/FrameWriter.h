#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vibra::loadgen {

/// What one generated frame carries (int16 samples, unit g).
struct FrameSpec {
    std::uint16_t device = 0;
    std::uint8_t axes = 3;
    std::uint32_t sequence = 0;
    std::uint16_t count = 0; ///< samples per axis
    std::uint64_t firstSample = 0;
    std::int64_t t0Ns = 0;
    bool t0Utc = true;
    double rateHz = 0.0;
    float scale = 1.0f;
};

/// Writes Vibrascope frames (docs/protocol.md) straight into a caller's buffer, without the per-value
/// double conversion of decode::FrameCodec::encode (the load generator writes ~60 000 frames/s). The
/// bytes are identical to FrameCodec::encode's (tst_loadgen_units checks it). Pure functions, any thread.
class FrameWriter {
public:
    /// Bytes of a binary frame: 44-byte header + count*axes*2 + 4-byte CRC-32C.
    static std::size_t frameBytes(int count, int axes);
    /// Writes the frame for spec and count*axes interleaved int16 samples to dst (frameBytes() long).
    static void write(const FrameSpec& spec, const std::int16_t* interleaved, std::uint8_t* dst);
    /// CRC-32C of data: the SSE4.2 instruction where the CPU has it, else decode::crc32c.
    static std::uint32_t crc32c(const std::uint8_t* data, std::size_t n);
    /// The JSON block form of the same frame (decode::JsonBlock::encode, base64 "data").
    static std::string json(const FrameSpec& spec, const std::int16_t* interleaved);
};

} // namespace vibra::loadgen
