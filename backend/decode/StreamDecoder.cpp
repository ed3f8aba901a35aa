#include "decode/StreamDecoder.h"

#include "decode/AutoByteDecoder.h"
#include "decode/FrameByteDecoder.h"
#include "decode/MessageDecoder.h"
#include "decode/TextLineDecoder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vibra::decode {

std::unique_ptr<StreamDecoder> StreamDecoder::create(const Config& config) {
    if (config.transport == Transport::Messages)
        return std::make_unique<MessageDecoder>(config);
    switch (config.format) {
    case InputFormat::Frame:
        return std::make_unique<FrameByteDecoder>(config);
    case InputFormat::Auto:
        return std::make_unique<AutoByteDecoder>(config);
    case InputFormat::Csv:
    case InputFormat::Json:
    case InputFormat::SensorServer:
        break;
    }
    return std::make_unique<TextLineDecoder>(config);
}

void StreamDecoder::feed(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) {
    m_stats.bytes += bytes.size();
    if (m_profileBytes) {
        for (std::uint8_t b : bytes) {
            m_zeroBytes += b == 0;
            m_textBytes += (b >= 0x20 && b < 0x7F) || b == '\t' || b == '\r' || b == '\n';
            m_lineBreaks += b == '\n';
        }
    }
    const std::size_t before = out.size();
    onBytes(bytes, hostNowNs, out);
    refreshStats();
    countSamples(out, before);
    checkGiveUp();
}

MessageResult StreamDecoder::feedMessage(std::span<const std::uint8_t> message, MessageKind kind,
                                         std::int64_t hostNowNs, Blocks& out) {
    m_stats.bytes += message.size();
    const std::size_t before = out.size();
    MessageResult r = onMessage(message, kind, hostNowNs, out);
    refreshStats();
    countSamples(out, before);
    return r;
}

MessageResult StreamDecoder::feedFrame(const DecodedFrame& frame, std::int64_t hostNowNs, Blocks& out) {
    m_stats.bytes += FrameCodec::kHeaderBytes + frame.header.payloadBytes() + FrameCodec::kCrcBytes;
    const std::size_t before = out.size();
    MessageResult r = onFrame(frame, hostNowNs, out);
    refreshStats();
    countSamples(out, before);
    return r;
}

MessageResult StreamDecoder::onFrame(const DecodedFrame&, std::int64_t, Blocks&) {
    ++m_stats.malformed;
    MessageResult r;
    r.error = "format=" + formatName() + " does not take decoded frames";
    return r;
}

void StreamDecoder::flush(Blocks& out) {
    const std::size_t before = out.size();
    onFlush(out);
    refreshStats();
    countSamples(out, before);
}

void StreamDecoder::close(Blocks& out) {
    const std::size_t before = out.size();
    onClose(out);
    refreshStats();
    countSamples(out, before);
}

bool StreamDecoder::finish(Blocks& out) {
    const std::size_t before = out.size();
    const bool ok = onFinish(out);
    refreshStats();
    countSamples(out, before);
    if (m_stats.samples == 0 && m_fatal.empty()) {
        if (m_stats.bytes == 0)
            setFatal("the input is empty");
        else
            setFatal("no sample in " + std::to_string(m_stats.bytes) + " bytes: " + diagnose());
    }
    return ok && m_fatal.empty();
}

void StreamDecoder::onBytes(std::span<const std::uint8_t>, std::int64_t, Blocks&) {
    ++m_stats.malformed;
    setFatal("format=" + formatName() + " is for message transports, not byte streams");
}

MessageResult StreamDecoder::onMessage(std::span<const std::uint8_t>, MessageKind, std::int64_t, Blocks&) {
    ++m_stats.malformed;
    MessageResult r;
    r.error = "format=" + formatName() + " is for byte streams, not messages";
    return r;
}

void StreamDecoder::countSamples(const Blocks& out, std::size_t from) {
    for (std::size_t i = from; i < out.size(); ++i)
        m_stats.samples += out[i]->count;
}

void StreamDecoder::checkGiveUp() {
    // rows of other devices are data too (an export of several devices): only nothing recognised gives up
    if (m_stats.units + m_stats.skipped == 0 && m_stats.bytes >= kGiveUpBytes && m_fatal.empty())
        setFatal("no sample in the first " + std::to_string(m_stats.bytes >> 10) + " KiB: " + diagnose());
}

void StreamDecoder::notice(std::string text) {
    if (m_notices.size() < 64)
        m_notices.push_back(std::move(text));
}

std::vector<std::string> StreamDecoder::takeNotices() {
    std::vector<std::string> out;
    out.swap(m_notices);
    return out;
}

std::string StreamDecoder::diagnose() const {
    std::string why = explain();
    if (!why.empty())
        return why;
    const auto n = m_stats.bytes;
    if (n == 0)
        return "no data";
    if (m_zeroBytes == n)
        return "every byte is zero (0x00): this is not device output or a recording";
    if (m_textBytes < n * 7 / 10)
        return "mostly binary bytes that are not Vibrascope frames: wrong baud rate, or another protocol?";
    if (m_lineBreaks == 0)
        return "text without a single line break";
    return "text lines, but none could be read";
}

void StreamDecoder::account(core::DeviceCounters& c) {
    const DecoderStats& s = m_stats;
    DecoderStats& a = m_accounted;
    if (s.bytes > a.bytes)
        c.bytes.fetch_add(s.bytes - a.bytes, std::memory_order_relaxed);
    if (s.malformed > a.malformed)
        c.addDropped(core::DropReason::Malformed, 0, s.malformed - a.malformed);
    if (s.crc > a.crc)
        c.addDropped(core::DropReason::Crc, 0, s.crc - a.crc);
    if (s.duplicates > a.duplicates)
        c.addDropped(core::DropReason::Duplicate, 0, s.duplicates - a.duplicates);
    if (s.rateChanges > a.rateChanges)
        c.rateChanges.fetch_add(s.rateChanges - a.rateChanges, std::memory_order_relaxed);
    if (s.rateHz != a.rateHz)
        c.rateEstimateMilliHz.store(
            static_cast<std::uint64_t>(std::llround(std::clamp(s.rateHz, 0.0, 1e12) * 1e3)),
            std::memory_order_relaxed);
    if (s.jitterSeconds != a.jitterSeconds)
        c.timestampJitterNs.store(
            static_cast<std::uint64_t>(std::llround(std::clamp(s.jitterSeconds, 0.0, 1e9) * 1e9)),
            std::memory_order_relaxed);
    a = s;
}

} // namespace vibra::decode
