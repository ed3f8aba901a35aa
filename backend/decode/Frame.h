#pragma once

#include "core/Unit.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace vibra::decode {

/// Sample encoding inside a frame. Values on the wire are little-endian, interleaved by sample
/// (x0 y0 z0 x1 y1 z1 ...); physical value = raw * scale.
enum class SampleFormat : std::uint8_t { Int16 = 1, Int32 = 2, Float32 = 3 };

constexpr std::size_t sampleFormatSize(SampleFormat f) {
    return f == SampleFormat::Int16 ? 2 : 4;
}
constexpr std::string_view sampleFormatName(SampleFormat f) {
    return f == SampleFormat::Int16 ? "i16" : f == SampleFormat::Int32 ? "i32" : "f32";
}

/// The fixed 44-byte header of a Vibrascope frame (docs/protocol.md has the byte table).
struct FrameHeader {
    std::uint8_t version = 1;
    std::uint8_t type = 1;  ///< 1 = samples (the only type of version 1)
    std::uint8_t flags = 0; ///< bit 0: t0Ns is UTC (else device clock / unknown)
    core::Unit unit = core::Unit::G;
    std::uint16_t device = 0;
    std::uint8_t axes = 3;
    SampleFormat format = SampleFormat::Int16;
    std::uint32_t sequence = 0;
    std::uint16_t count = 0; ///< samples per axis
    std::uint64_t firstSample = 0;
    std::int64_t t0Ns = 0;
    double rateHz = 0.0;
    float scale = 1.0f;

    bool t0IsUtc() const { return (flags & kFlagT0Utc) != 0; }
    std::size_t payloadBytes() const { return std::size_t{count} * axes * sampleFormatSize(format); }

    static constexpr std::uint8_t kVersion = 1;
    static constexpr std::uint8_t kTypeSamples = 1;
    static constexpr std::uint8_t kFlagT0Utc = 0x01;
};

/// A validated frame with its samples converted to physical units, planar (axis a at a*count).
struct DecodedFrame {
    FrameHeader header;
    std::vector<float> planar;
};

enum class FrameError {
    None,
    TooShort,      ///< fewer bytes than header + CRC
    TooLong,       ///< more than kMaxFrameBytes
    Crc,           ///< CRC-32C mismatch
    BadVersion,    ///< unknown version or type
    BadField,      ///< axes, format, unit, rate, scale or count out of range
    LengthMismatch ///< count * axes * size does not match the bytes present
};

std::string_view frameErrorName(FrameError e);

/// Binary frame codec. Pure functions, any thread.
class FrameCodec {
public:
    static constexpr std::size_t kHeaderBytes = 44;
    static constexpr std::size_t kCrcBytes = 4;
    static constexpr std::size_t kMaxPayloadBytes = 65536;
    static constexpr std::size_t kMaxFrameBytes = kHeaderBytes + kMaxPayloadBytes + kCrcBytes;
    static constexpr double kMaxRateHz = 10e6;

    /// Validates bytes (one frame, COBS already removed) and fills out. out.planar is reused.
    static FrameError decode(std::span<const std::uint8_t> bytes, DecodedFrame& out);
    /// Encodes header + interleaved raw values (counts for integer formats, rounded and saturated) and
    /// appends header, payload and CRC to out. header.count must equal raw.size() / axes.
    static void encode(const FrameHeader& header, std::span<const double> interleavedRaw,
                       std::vector<std::uint8_t>& out);
    /// Validates header fields (not the length). Used by the JSON form too.
    static FrameError checkHeader(const FrameHeader& h);
    /// Converts a little-endian interleaved payload to planar physical values (payload size must match).
    static void payloadToPlanar(const FrameHeader& h, std::span<const std::uint8_t> payload,
                                std::vector<float>& out);
};

} // namespace vibra::decode
