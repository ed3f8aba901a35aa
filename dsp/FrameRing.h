// Sliding frames over a stream: keeps the last `frameLength` samples in a circular buffer and signals every
// complete frame, the first after frameLength samples and then one every `hop` samples, whatever the sizes of
// the pushed blocks (so the results of its users are identical for any block boundaries). Non-finite input
// samples are replaced by 0 and counted. Shared by SpectrumAnalyzer (frames) and EnvelopeAnalyzer (blocks).
// Threading: single-threaded object.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace vibra::dsp {

class FrameRing {
public:
    FrameRing(std::size_t frameLength, std::size_t hop)
        : m_ring(frameLength, 0.0f)
        , m_hop(hop) {}

    /// Consumes `samples`; calls onFrame() each time a frame is complete (once per frame, so the indirect
    /// call costs nothing next to the frame's FFT). Returns the number of frames.
    std::size_t push(std::span<const float> samples, const std::function<void()>& onFrame);

    /// The current frame, oldest sample first, is older() followed by newer().
    std::span<const float> older() const { return {m_ring.data() + m_writePos, m_ring.size() - m_writePos}; }
    std::span<const float> newer() const { return {m_ring.data(), m_writePos}; }
    void copyFrameTo(float* out) const {
        const auto a = older(), b = newer();
        std::copy(a.begin(), a.end(), out);
        std::copy(b.begin(), b.end(), out + a.size());
    }

    /// Forgets the buffered samples (the non-finite count is kept: it counts since construction).
    void reset() {
        std::fill(m_ring.begin(), m_ring.end(), 0.0f);
        m_writePos = 0;
        m_filled = 0;
        m_sinceFrame = 0;
    }
    std::uint64_t nonFiniteSamples() const { return m_nonFinite; }
    std::size_t frameLength() const { return m_ring.size(); }
    std::size_t hop() const { return m_hop; }

private:
    std::vector<float> m_ring;
    std::size_t m_hop;
    std::size_t m_writePos = 0;   ///< next write position = oldest sample once full
    std::size_t m_filled = 0;     ///< valid samples (<= frameLength)
    std::size_t m_sinceFrame = 0; ///< samples since the last frame
    std::uint64_t m_nonFinite = 0;
};

} // namespace vibra::dsp
