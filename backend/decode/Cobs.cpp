#include "decode/Cobs.h"

namespace vibra::decode {

void Cobs::encode(std::span<const std::uint8_t> data, std::vector<std::uint8_t>& out) {
    std::size_t codeIndex = out.size();
    out.push_back(0); // placeholder for the first code byte
    std::uint8_t code = 1;
    for (std::uint8_t b : data) {
        if (b == 0) {
            out[codeIndex] = code;
            codeIndex = out.size();
            out.push_back(0);
            code = 1;
            continue;
        }
        out.push_back(b);
        if (++code == 0xFF) {
            out[codeIndex] = code;
            codeIndex = out.size();
            out.push_back(0);
            code = 1;
        }
    }
    out[codeIndex] = code;
}

bool Cobs::decode(std::span<const std::uint8_t> encoded, std::vector<std::uint8_t>& out) {
    out.clear();
    std::size_t i = 0;
    const std::size_t n = encoded.size();
    while (i < n) {
        const std::uint8_t code = encoded[i++];
        if (code == 0)
            return false;
        const std::size_t run = code - 1u;
        if (run > n - i)
            return false;
        for (std::size_t k = 0; k < run; ++k) {
            if (encoded[i + k] == 0)
                return false;
            out.push_back(encoded[i + k]);
        }
        i += run;
        if (code != 0xFF && i < n)
            out.push_back(0);
    }
    return true;
}

CobsStreamDecoder::CobsStreamDecoder(std::size_t maxDecodedFrame, bool startSynced)
    : m_maxEncoded(Cobs::maxEncodedSize(maxDecodedFrame))
    , m_state(startSynced ? State::Collecting : State::SkippingPartial) {
    m_buf.reserve(m_maxEncoded);
    m_decoded.reserve(maxDecodedFrame);
}

void CobsStreamDecoder::reset() {
    m_buf.clear();
    m_skippedAny = false;
    m_state = State::SkippingPartial;
}

} // namespace vibra::decode
