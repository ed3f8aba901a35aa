#include "FrameWriter.h"

#include "decode/Crc32c.h"
#include "decode/Frame.h"
#include "decode/JsonBlock.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace vibra::loadgen {

namespace {

template <typename T> std::uint8_t* putLe(std::uint8_t* p, T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(p, &value, sizeof(T));
    if constexpr (std::endian::native == std::endian::big)
        std::reverse(p, p + sizeof(T));
    return p + sizeof(T);
}

#if defined(__x86_64__)
/// CRC-32C with the SSE4.2 instruction (8 bytes per step); same polynomial, init and final XOR as
/// decode::crc32c (tst_loadgen_units compares the two).
__attribute__((target("sse4.2"))) std::uint32_t crc32cSse42(const std::uint8_t* p, std::size_t n) {
    std::uint64_t c = 0xFFFFFFFFu;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
    }
    auto c32 = static_cast<std::uint32_t>(c);
    for (; n > 0; ++p, --n)
        c32 = __builtin_ia32_crc32qi(c32, *p);
    return c32 ^ 0xFFFFFFFFu;
}
#endif

decode::FrameHeader headerOf(const FrameSpec& s) {
    decode::FrameHeader h;
    h.flags = s.t0Utc ? decode::FrameHeader::kFlagT0Utc : 0;
    h.unit = core::Unit::G;
    h.device = s.device;
    h.axes = s.axes;
    h.format = decode::SampleFormat::Int16;
    h.sequence = s.sequence;
    h.count = s.count;
    h.firstSample = s.firstSample;
    h.t0Ns = s.t0Ns;
    h.rateHz = s.rateHz;
    h.scale = s.scale;
    return h;
}

} // namespace

std::size_t FrameWriter::frameBytes(int count, int axes) {
    return decode::FrameCodec::kHeaderBytes +
           static_cast<std::size_t>(count) * static_cast<std::size_t>(axes) * 2 +
           decode::FrameCodec::kCrcBytes;
}

void FrameWriter::write(const FrameSpec& s, const std::int16_t* interleaved, std::uint8_t* dst) {
    std::uint8_t* p = dst;
    *p++ = decode::FrameHeader::kVersion;
    *p++ = decode::FrameHeader::kTypeSamples;
    *p++ = s.t0Utc ? decode::FrameHeader::kFlagT0Utc : 0;
    *p++ = 0; // unit g
    p = putLe<std::uint16_t>(p, s.device);
    *p++ = s.axes;
    *p++ = static_cast<std::uint8_t>(decode::SampleFormat::Int16);
    p = putLe<std::uint32_t>(p, s.sequence);
    p = putLe<std::uint16_t>(p, s.count);
    p = putLe<std::uint16_t>(p, 0);
    p = putLe<std::uint64_t>(p, s.firstSample);
    p = putLe<std::int64_t>(p, s.t0Ns);
    p = putLe<double>(p, s.rateHz);
    p = putLe<float>(p, s.scale);
    const std::size_t values = std::size_t{s.count} * s.axes;
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(p, interleaved, values * 2);
        p += values * 2;
    } else {
        for (std::size_t i = 0; i < values; ++i)
            p = putLe<std::int16_t>(p, interleaved[i]);
    }
    putLe<std::uint32_t>(p, crc32c(dst, static_cast<std::size_t>(p - dst)));
}

std::uint32_t FrameWriter::crc32c(const std::uint8_t* data, std::size_t n) {
#if defined(__x86_64__)
    static const bool haveSse42 = __builtin_cpu_supports("sse4.2");
    if (haveSse42)
        return crc32cSse42(data, n);
#endif
    return decode::crc32c(std::span<const std::uint8_t>(data, n));
}

std::string FrameWriter::json(const FrameSpec& s, const std::int16_t* interleaved) {
    const std::size_t values = std::size_t{s.count} * s.axes;
    std::vector<double> raw(interleaved, interleaved + values);
    return decode::JsonBlock::encode(headerOf(s), raw);
}

} // namespace vibra::loadgen
