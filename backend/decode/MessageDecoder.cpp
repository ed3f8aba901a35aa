#include "decode/MessageDecoder.h"

#include "decode/JsonBlock.h"
#include "decode/SensorServerMessage.h"

#include <nlohmann/json.hpp>

namespace vibra::decode {

namespace {
BlockAssembler::Config sensorConfig(const StreamDecoder::Config& c) {
    BlockAssembler::Config a;
    a.rateHz = c.rateHz;
    a.maxBlockSamples = c.maxBlockSamples;
    a.dropNonAdvancing = true; // ns time stamps: a repeated one is a resent event
    return a;
}
std::string_view asText(std::span<const std::uint8_t> m) {
    return {reinterpret_cast<const char*>(m.data()), m.size()};
}
} // namespace

MessageDecoder::MessageDecoder(const Config& config)
    : m_cfg(config)
    , m_frames(config.base, config.sequencePolicy)
    , m_assembler(config.base, sensorConfig(config)) {}

std::shared_ptr<const core::DeviceInfo> MessageDecoder::device() const {
    return m_lastWasSensor ? m_assembler.device() : m_frames.device();
}

bool MessageDecoder::peekDeviceField(std::span<const std::uint8_t> message, MessageKind kind,
                                     std::uint16_t& device, std::string* error) {
    DecodedFrame f;
    if (kind == MessageKind::Binary) {
        const FrameError e = FrameCodec::decode(message, f);
        if (e != FrameError::None) {
            if (error)
                *error = std::string(frameErrorName(e));
            return false;
        }
    } else if (!JsonBlock::decode(asText(message), f, error)) {
        return false;
    }
    device = f.header.device;
    return true;
}

MessageResult MessageDecoder::reject(core::DropReason reason, std::string why) {
    ++(reason == core::DropReason::Crc ? m_crc : m_malformed);
    m_lastError = why;
    MessageResult r;
    r.status = MessageResult::Status::Rejected;
    r.reason = reason;
    r.error = std::move(why);
    return r;
}

MessageResult MessageDecoder::onMessage(std::span<const std::uint8_t> message, MessageKind kind,
                                        std::int64_t hostNowNs, Blocks& out) {
    const InputFormat f = m_cfg.format;
    if (kind == MessageKind::Binary) {
        if (f != InputFormat::Auto && f != InputFormat::Frame)
            return reject(core::DropReason::Malformed, "a binary message, but format=" + formatName());
        const FrameError e = FrameCodec::decode(message, m_frame);
        if (e != FrameError::None)
            return reject(e == FrameError::Crc ? core::DropReason::Crc : core::DropReason::Malformed,
                          std::string(frameErrorName(e)));
        return acceptFrame(hostNowNs, out);
    }
    if (f == InputFormat::Csv)
        return reject(core::DropReason::Malformed, "text lines are read from byte streams, not messages");
    nlohmann::json doc;
    std::string err;
    if (!parseJson(asText(message), doc, &err))
        return reject(core::DropReason::Malformed, "invalid JSON: " + err);
    const bool sensor =
        f == InputFormat::SensorServer || (f == InputFormat::Auto && SensorServerMessage::looksLike(doc));
    if (sensor)
        return sensorEvent(doc, out, hostNowNs);
    if (f == InputFormat::SensorServer)
        return reject(core::DropReason::Malformed, "not a SensorServer event");
    if (!JsonBlock::decodeDocument(doc, m_frame, &err))
        return reject(core::DropReason::Malformed, err);
    return acceptFrame(hostNowNs, out);
}

MessageResult MessageDecoder::onFrame(const DecodedFrame& frame, std::int64_t hostNowNs, Blocks& out) {
    if (m_cfg.format == InputFormat::SensorServer)
        return reject(core::DropReason::Malformed, "a frame, but format=sensorserver");
    m_frame = frame;
    return acceptFrame(hostNowNs, out);
}

MessageResult MessageDecoder::acceptFrame(std::int64_t hostNowNs, Blocks& out) {
    MessageResult r;
    r.header = &m_frame.header;
    const auto restarts = m_frames.stats().restarts;
    auto block = m_frames.accept(m_frame, hostNowNs);
    if (m_frames.stats().restarts != restarts)
        notice("the device restarted its frame sequence: indices continue after the last sample");
    if (!block) {
        r.status = MessageResult::Status::Duplicate;
        return r;
    }
    m_lastWasSensor = false;
    ++m_accepted;
    out.push_back(std::move(block));
    r.status = MessageResult::Status::Accepted;
    return r;
}

MessageResult MessageDecoder::sensorEvent(const nlohmann::json& doc, Blocks& out, std::int64_t hostNowNs) {
    SensorServerMessage m;
    std::string err;
    if (!SensorServerMessage::parseDocument(doc, m, &err))
        return reject(core::DropReason::Malformed, err);
    if (m_sensorAxes == 0) {
        m_sensorAxes = m.axes;
        m_sensorType = m.type;
        static const std::vector<std::string> kNames{"x", "y", "z"};
        m_assembler.setLayout(std::vector<std::string>(kNames.begin(), kNames.begin() + m.axes),
                              m_cfg.base.unit);
        if (!m.type.empty())
            notice("SensorServer: reading '" + m.type + "' events");
    } else if (m.type != m_sensorType) {
        ++m_otherSensor;
        MessageResult r;
        r.status = MessageResult::Status::Accepted; // not an error: another sensor on the same connection
        return r;
    } else if (m.axes != m_sensorAxes) {
        return reject(core::DropReason::Malformed, "a SensorServer event with " + std::to_string(m.axes) +
                                                       " values, expected " + std::to_string(m_sensorAxes));
    }
    const std::uint64_t dups = m_assembler.duplicates();
    BlockAssembler::Row row;
    row.time = static_cast<double>(m.timestampNs) * 1e-9; // ns since boot; double keeps ~1 us for decades
    for (int a = 0; a < m.axes; ++a)
        row.values[static_cast<std::size_t>(a)] = static_cast<float>(m.values[static_cast<std::size_t>(a)]);
    if (!m_assembler.add(row, hostNowNs))
        return reject(core::DropReason::Malformed, m_assembler.error());
    m_lastWasSensor = true;
    MessageResult r;
    if (m_assembler.duplicates() != dups) {
        r.status = MessageResult::Status::Duplicate;
        return r;
    }
    ++m_accepted;
    m_assembler.take(out, false);
    r.status = MessageResult::Status::Accepted;
    return r;
}

bool MessageDecoder::onFinish(Blocks& out) {
    const bool ok = m_assembler.finish();
    m_assembler.take(out, true);
    return ok || m_sensorAxes == 0;
}

void MessageDecoder::refreshStats() {
    m_stats.units = m_accepted;
    m_stats.malformed = m_malformed;
    m_stats.crc = m_crc;
    m_stats.duplicates = m_frames.stats().duplicates + m_assembler.duplicates();
    m_stats.skipped = m_otherSensor;
    m_stats.restarts = m_frames.stats().restarts + m_assembler.timing().stats().restarts;
    m_stats.rateChanges = m_assembler.timing().stats().rateChanges;
    if (m_assembler.timed()) {
        m_stats.rateHz = m_assembler.timing().estimatedRateHz();
        m_stats.jitterSeconds = m_assembler.timing().jitterSeconds();
    }
    for (auto& n : m_assembler.timingForNotices().takeNotices())
        notice(std::move(n));
}

std::string MessageDecoder::explain() const {
    if (m_malformed + m_crc > 0 && m_accepted == 0)
        return std::to_string(m_malformed + m_crc) + " message(s) rejected, the last: " + m_lastError;
    if (m_accepted > 0 && m_stats.samples == 0 && m_lastWasSensor)
        return "estimating the rate from the SensorServer time stamps";
    return {};
}

void MessageDecoder::onClose(Blocks& out) {
    m_assembler.finish();
    m_assembler.take(out, true);
}

} // namespace vibra::decode
