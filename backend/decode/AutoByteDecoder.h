#pragma once

#include "decode/FrameByteDecoder.h"
#include "decode/TextLineDecoder.h"

#include <memory>

namespace vibra::decode {

/// format=auto on a byte stream: feeds the same bytes to a frame decoder and a text-line decoder until one
/// of them recognises its format, then keeps that one (with everything it saw) and says what it chose:
///  - frames win with their first valid frame (CRC-32C checked: chance cannot produce one);
///  - text wins with two data lines while no frame was found and at least 95 % of the bytes are text (binary
///    frames are mostly not).
/// Until then nothing is delivered and nothing is counted as rejected (both trials are bounded: each decoder
/// bounds its memory). An input that is neither after kGiveUpBytes (or at its end) is judged by its bytes
/// (text if at least 90 % text bytes, else frames), so that decoder's rejects are counted and its diagnosis
/// given, and it is given up like any other (fatalError()).
///
/// Threads: owned by one thread.
class AutoByteDecoder : public StreamDecoder {
public:
    explicit AutoByteDecoder(const Config& config);

    std::string lastRejection() const override {
        return m_chosen ? m_chosen->lastRejection() : std::string();
    }
    std::string formatName() const override;
    std::shared_ptr<const core::DeviceInfo> device() const override;
    void transportLost() override;
    void transportResumed(double downtimeSeconds) override;
    void markBoundary() override;
    void rewind() override;
    /// The chosen decoder (nullptr while undecided).
    StreamDecoder* chosen() const { return m_chosen; }

protected:
    void onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) override;
    void onClose(Blocks& out) override;
    void onFlush(Blocks& out) override;
    bool onFinish(Blocks& out) override;
    std::string explain() const override;
    void refreshStats() override;

private:
    void choose(StreamDecoder* winner, Blocks& out, const char* why);

    std::unique_ptr<FrameByteDecoder> m_frames;
    std::unique_ptr<TextLineDecoder> m_text;
    StreamDecoder* m_chosen = nullptr;
    Blocks m_frameBlocks; // trial output
    Blocks m_textBlocks;
};

} // namespace vibra::decode
