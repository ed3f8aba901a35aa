#include "decode/AutoByteDecoder.h"

namespace vibra::decode {

AutoByteDecoder::AutoByteDecoder(const Config& config)
    : m_frames(std::make_unique<FrameByteDecoder>(config))
    , m_text(std::make_unique<TextLineDecoder>(config)) {}

std::string AutoByteDecoder::formatName() const {
    return m_chosen ? m_chosen->formatName() : "auto";
}

std::shared_ptr<const core::DeviceInfo> AutoByteDecoder::device() const {
    return m_chosen ? m_chosen->device() : nullptr;
}

void AutoByteDecoder::onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) {
    if (m_chosen) {
        m_chosen->feed(bytes, hostNowNs, out);
        return;
    }
    m_frames->feed(bytes, hostNowNs, m_frameBlocks);
    m_text->feed(bytes, hostNowNs, m_textBlocks);
    if (m_frames->stats().units > 0)
        choose(m_frames.get(), out, "format=auto: Vibrascope frames detected");
    else if (m_text->parser().stats().rows >= 2 && m_textBytes * 20 >= m_stats.bytes * 19)
        choose(m_text.get(), out, "format=auto: text lines detected");
    else if (m_stats.bytes >= kGiveUpBytes) // nothing recognised: judge by the bytes, so rejects are counted
        choose(m_textBytes * 10 >= m_stats.bytes * 9 ? static_cast<StreamDecoder*>(m_text.get())
                                                     : m_frames.get(),
               out, "format=auto: neither frames nor text lines recognised");
}

void AutoByteDecoder::choose(StreamDecoder* winner, Blocks& out, const char* why) {
    m_chosen = winner;
    Blocks& blocks = winner == m_frames.get() ? m_frameBlocks : m_textBlocks;
    for (auto& b : blocks)
        out.push_back(std::move(b));
    m_frameBlocks.clear();
    m_textBlocks.clear();
    notice(why);
    m_profileBytes = false; // the chosen decoder profiles its bytes itself
    if (winner == m_frames.get())
        m_text.reset();
    else
        m_frames.reset();
}

void AutoByteDecoder::onFlush(Blocks& out) {
    if (m_chosen)
        m_chosen->flush(out);
}

bool AutoByteDecoder::onFinish(Blocks& out) {
    if (!m_chosen) {
        // a short input: whichever recognised anything
        if (m_frames->stats().units > 0)
            choose(m_frames.get(), out, "format=auto: Vibrascope frames detected");
        else if (m_text->parser().stats().rows > 0 || m_text->parser().layoutKnown())
            choose(m_text.get(), out, "format=auto: text lines detected");
        else if (m_stats.bytes > 0)
            choose(m_textBytes * 10 >= m_stats.bytes * 9 ? static_cast<StreamDecoder*>(m_text.get())
                                                         : m_frames.get(),
                   out, "format=auto: neither frames nor text lines recognised");
        else
            return false;
    }
    return m_chosen->finish(out);
}

void AutoByteDecoder::transportLost() {
    if (m_chosen) {
        m_chosen->transportLost();
        return;
    }
    m_frames->transportLost();
    m_text->transportLost();
}

void AutoByteDecoder::transportResumed(double downtimeSeconds) {
    if (m_chosen) {
        m_chosen->transportResumed(downtimeSeconds);
        return;
    }
    m_frames->transportResumed(downtimeSeconds);
    m_text->transportResumed(downtimeSeconds);
}

void AutoByteDecoder::markBoundary() {
    if (m_chosen) {
        m_chosen->markBoundary();
        return;
    }
    m_frames->markBoundary();
    m_text->markBoundary();
}

void AutoByteDecoder::rewind() {
    if (m_chosen)
        m_chosen->rewind();
}

void AutoByteDecoder::refreshStats() {
    const std::uint64_t bytes = m_stats.bytes, samples = m_stats.samples;
    const StreamDecoder* src = m_chosen ? m_chosen : nullptr;
    if (src) {
        m_stats = src->stats();
        for (auto& n : m_chosen->takeNotices())
            notice(std::move(n));
        if (!m_chosen->fatalError().empty())
            setFatal(m_chosen->fatalError());
    } else {
        // undecided: nothing is lost yet; what was skipped is told by diagnose()
        m_stats = DecoderStats{};
    }
    m_stats.bytes = bytes;
    m_stats.samples = samples;
}

std::string AutoByteDecoder::explain() const {
    if (m_chosen)
        return m_chosen->diagnose();
    const std::uint64_t n = m_stats.bytes;
    if (n > 0 && m_zeroBytes == n)
        return "every byte is zero (0x00): neither frames nor text";
    if (m_text->parser().stats().oversized > 0 && m_lineBreaks == 0 && m_textBytes * 10 >= n * 9)
        return "text without a line break (a line longer than maxline=)";
    if (m_textBytes * 10 >= n * 9)
        return "text, but no line of numbers yet: " + m_text->diagnose();
    return "neither Vibrascope frames nor text lines (wrong baud rate?): " + m_frames->diagnose();
}

void AutoByteDecoder::onClose(Blocks& out) {
    if (m_chosen)
        m_chosen->close(out);
}

} // namespace vibra::decode
