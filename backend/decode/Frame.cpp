#include "decode/Frame.h"

#include "decode/Crc32c.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace vibra::decode {

namespace {

template <typename T> T readLe(const std::uint8_t* p) {
    static_assert(std::endian::native == std::endian::little, "big-endian hosts need byte swapping here");
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

template <typename T> void writeLe(std::vector<std::uint8_t>& out, T v) {
    std::uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.insert(out.end(), b, b + sizeof(T));
}

template <typename I> I saturate(double v) {
    const double r = std::nearbyint(v);
    if (!(r >= static_cast<double>(std::numeric_limits<I>::min())))
        return std::numeric_limits<I>::min();
    if (r >= static_cast<double>(std::numeric_limits<I>::max()))
        return std::numeric_limits<I>::max();
    return static_cast<I>(r);
}

} // namespace

std::string_view frameErrorName(FrameError e) {
    switch (e) {
    case FrameError::None:
        return "ok";
    case FrameError::TooShort:
        return "frame too short";
    case FrameError::TooLong:
        return "frame too long";
    case FrameError::Crc:
        return "CRC-32C mismatch";
    case FrameError::BadVersion:
        return "unknown version or type";
    case FrameError::BadField:
        return "header field out of range";
    case FrameError::LengthMismatch:
        return "length does not match sample count";
    }
    return "?";
}

FrameError FrameCodec::checkHeader(const FrameHeader& h) {
    if (h.version != FrameHeader::kVersion || h.type != FrameHeader::kTypeSamples)
        return FrameError::BadVersion;
    if (h.axes < 1 || h.axes > 3 || h.count == 0)
        return FrameError::BadField;
    if (h.format != SampleFormat::Int16 && h.format != SampleFormat::Int32 &&
        h.format != SampleFormat::Float32)
        return FrameError::BadField;
    if (!(h.rateHz > 0.0 && h.rateHz <= kMaxRateHz) || !std::isfinite(h.scale) || h.scale == 0.0f)
        return FrameError::BadField;
    if (h.payloadBytes() > kMaxPayloadBytes)
        return FrameError::LengthMismatch;
    return FrameError::None;
}

FrameError FrameCodec::decode(std::span<const std::uint8_t> bytes, DecodedFrame& out) {
    if (bytes.size() < kHeaderBytes + kCrcBytes)
        return FrameError::TooShort;
    if (bytes.size() > kMaxFrameBytes)
        return FrameError::TooLong;
    const std::size_t body = bytes.size() - kCrcBytes;
    const std::uint32_t want = readLe<std::uint32_t>(bytes.data() + body);
    if (crc32c(bytes.first(body)) != want)
        return FrameError::Crc;
    const std::uint8_t* p = bytes.data();
    FrameHeader& h = out.header;
    h.version = p[0];
    h.type = p[1];
    h.flags = p[2];
    const std::uint8_t unit = p[3];
    h.device = readLe<std::uint16_t>(p + 4);
    h.axes = p[6];
    h.format = static_cast<SampleFormat>(p[7]);
    h.sequence = readLe<std::uint32_t>(p + 8);
    h.count = readLe<std::uint16_t>(p + 12);
    h.firstSample = readLe<std::uint64_t>(p + 16);
    h.t0Ns = readLe<std::int64_t>(p + 24);
    h.rateHz = readLe<double>(p + 32);
    h.scale = readLe<float>(p + 40);
    if (h.version != FrameHeader::kVersion || h.type != FrameHeader::kTypeSamples)
        return FrameError::BadVersion;
    if (unit > 1)
        return FrameError::BadField;
    h.unit = unit == 0 ? core::Unit::G : core::Unit::MetersPerSecond2;
    if (const FrameError e = checkHeader(h); e != FrameError::None)
        return e;
    if (h.payloadBytes() != body - kHeaderBytes)
        return FrameError::LengthMismatch;
    payloadToPlanar(h, bytes.subspan(kHeaderBytes, h.payloadBytes()), out.planar);
    return FrameError::None;
}

void FrameCodec::payloadToPlanar(const FrameHeader& h, std::span<const std::uint8_t> payload,
                                 std::vector<float>& out) {
    const std::size_t n = h.count;
    const std::size_t axes = h.axes;
    out.resize(n * axes);
    const double scale = h.scale;
    // One tight loop per format and axis (no per-sample switch): interleaved payload -> planar floats, each
    // value converted as double(v) * scale, the arithmetic the format defines.
    const auto deinterleave = [&]<typename T>(T) {
        const std::size_t stride = axes * sizeof(T);
        for (std::size_t a = 0; a < axes; ++a) {
            const std::uint8_t* src = payload.data() + a * sizeof(T);
            float* dst = out.data() + a * n;
            for (std::size_t i = 0; i < n; ++i, src += stride)
                dst[i] = static_cast<float>(static_cast<double>(readLe<T>(src)) * scale);
        }
    };
    switch (h.format) {
    case SampleFormat::Int16:
        deinterleave(std::int16_t{});
        break;
    case SampleFormat::Int32:
        deinterleave(std::int32_t{});
        break;
    default:
        deinterleave(float{});
        break;
    }
}

void FrameCodec::encode(const FrameHeader& h, std::span<const double> raw, std::vector<std::uint8_t>& out) {
    const std::size_t start = out.size();
    out.push_back(h.version);
    out.push_back(h.type);
    out.push_back(h.flags);
    out.push_back(h.unit == core::Unit::G ? 0 : 1);
    writeLe<std::uint16_t>(out, h.device);
    out.push_back(h.axes);
    out.push_back(static_cast<std::uint8_t>(h.format));
    writeLe<std::uint32_t>(out, h.sequence);
    writeLe<std::uint16_t>(out, h.count);
    writeLe<std::uint16_t>(out, 0);
    writeLe<std::uint64_t>(out, h.firstSample);
    writeLe<std::int64_t>(out, h.t0Ns);
    writeLe<double>(out, h.rateHz);
    writeLe<float>(out, h.scale);
    const std::size_t values = std::size_t{h.count} * h.axes;
    for (std::size_t i = 0; i < values; ++i) {
        const double v = i < raw.size() ? raw[i] : 0.0;
        switch (h.format) {
        case SampleFormat::Int16:
            writeLe<std::int16_t>(out, saturate<std::int16_t>(v));
            break;
        case SampleFormat::Int32:
            writeLe<std::int32_t>(out, saturate<std::int32_t>(v));
            break;
        default:
            writeLe<float>(out, static_cast<float>(v));
            break;
        }
    }
    const std::uint32_t crc = crc32c(std::span<const std::uint8_t>(out).subspan(start));
    writeLe<std::uint32_t>(out, crc);
}

} // namespace vibra::decode
