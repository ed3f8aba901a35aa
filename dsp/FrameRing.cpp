#include "dsp/FrameRing.h"

#include "dsp/SampleSanitizer.h"

namespace vibra::dsp {

std::size_t FrameRing::push(std::span<const float> samples, const std::function<void()>& onFrame) {
    const std::size_t n = m_ring.size();
    std::size_t frames = 0;
    std::size_t pos = 0;
    while (pos < samples.size()) {
        // Samples still needed before the next frame: fill the ring first, then one hop per frame.
        const std::size_t needed = m_filled < n ? n - m_filled : m_hop - m_sinceFrame;
        const std::size_t take = std::min(needed, samples.size() - pos);
        std::size_t copied = 0;
        while (copied < take) {
            const std::size_t chunk = std::min(take - copied, n - m_writePos);
            m_nonFinite += copySanitized(samples.data() + pos + copied, chunk, m_ring.data() + m_writePos);
            m_writePos = (m_writePos + chunk) % n;
            copied += chunk;
        }
        pos += take;
        if (m_filled < n)
            m_filled += take;
        else
            m_sinceFrame += take;
        if (take == needed) { // the ring just filled, or a hop has passed since the last frame
            onFrame();
            m_sinceFrame = 0;
            ++frames;
        }
    }
    return frames;
}

} // namespace vibra::dsp
