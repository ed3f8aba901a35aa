#pragma once

#include "decode/BlockAssembler.h"
#include "decode/FrameStream.h"
#include "decode/StreamDecoder.h"

#include <nlohmann/json_fwd.hpp>

#include <optional>

namespace vibra::decode {

/// Whole messages (WebSocket client sources and the ingest server): binary messages are frames, text
/// messages are JSON blocks or Android SensorServer events, as the format allows:
///   auto: all three (text by shape), frame: binary frames and JSON blocks (the frame protocol in both
///   forms), json: JSON blocks, sensorserver: SensorServer events.
///
/// Frames and JSON blocks go through one FrameStream (sequence policy from the config: Rebase for clients,
/// Duplicate for the ingest server, whose acknowledgements come from the result). SensorServer events carry
/// only a time stamp: BlockAssembler places them (the rate is estimated continuously unless configured) and
/// drops resent events (a repeated time stamp) as duplicates. On a multi-sensor connection the first event's
/// "type" is read and other sensors' events are skipped.
///
/// Threads: owned by one thread.
class MessageDecoder : public StreamDecoder {
public:
    explicit MessageDecoder(const Config& config);

    std::string lastRejection() const override { return m_lastError; }
    std::string formatName() const override { return std::string(inputFormatName(m_cfg.format)); }
    std::shared_ptr<const core::DeviceInfo> device() const override;
    void transportLost() override { m_frames.noteReconnect(); }

    /// The device field of a valid frame or JSON block (to name a device before its decoder exists); false
    /// and *error when the message is not one.
    static bool peekDeviceField(std::span<const std::uint8_t> message, MessageKind kind,
                                std::uint16_t& device, std::string* error);

protected:
    MessageResult onMessage(std::span<const std::uint8_t> message, MessageKind kind, std::int64_t hostNowNs,
                            Blocks& out) override;
    MessageResult onFrame(const DecodedFrame& frame, std::int64_t hostNowNs, Blocks& out) override;
    void onClose(Blocks& out) override;
    void onFlush(Blocks& out) override { m_assembler.take(out, true); }
    bool onFinish(Blocks& out) override;
    std::string explain() const override;
    void refreshStats() override;

private:
    MessageResult acceptFrame(std::int64_t hostNowNs, Blocks& out);
    MessageResult sensorEvent(const nlohmann::json& doc, Blocks& out, std::int64_t hostNowNs);
    MessageResult reject(core::DropReason reason, std::string why);

    Config m_cfg;
    FrameStream m_frames;
    BlockAssembler m_assembler;
    DecodedFrame m_frame;
    bool m_lastWasSensor = false;
    int m_sensorAxes = 0;
    std::string m_sensorType;
    std::uint64_t m_accepted = 0;
    std::uint64_t m_malformed = 0;
    std::uint64_t m_crc = 0;
    std::uint64_t m_otherSensor = 0;
    std::string m_lastError;
};

} // namespace vibra::decode
