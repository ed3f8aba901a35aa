#include "decode/FrameStream.h"

#include "decode/TimeMath.h"

#include <cmath>

namespace vibra::decode {

FrameStream::FrameStream(core::DeviceInfo base, Policy policy)
    : m_base(std::move(base))
    , m_policy(policy) {}

core::MutableBlockPtr FrameStream::accept(const DecodedFrame& f, std::int64_t hostNowNs) {
    const FrameHeader& h = f.header;
    if (m_started) {
        if (h.sequence <= m_lastSeq) {
            const bool restart =
                m_policy == Policy::Rebase && (h.sequence < m_lastSeq || m_reconnected) &&
                static_cast<std::int64_t>(h.firstSample) + m_offset < static_cast<std::int64_t>(m_nextOut);
            if (!restart) {
                ++m_stats.duplicates;
                return nullptr;
            }
            ++m_stats.restarts;
            m_offset = static_cast<std::int64_t>(m_nextOut) - static_cast<std::int64_t>(h.firstSample);
        } else if (h.sequence > m_lastSeq + 1) {
            m_stats.missingFrames += h.sequence - m_lastSeq - 1;
        }
    }
    m_reconnected = false;
    const bool changed = !m_device || m_device->sampleRate != h.rateHz || m_device->axisCount() != h.axes ||
                         m_device->unit != h.unit;
    const std::uint64_t first =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(h.firstSample) + m_offset);
    if (changed) {
        if (m_device)
            ++m_stats.formatChanges;
        auto info = std::make_shared<core::DeviceInfo>(m_base);
        info->sampleRate = h.rateHz;
        info->unit = h.unit;
        static const char* const kNames[] = {"x", "y", "z"};
        info->axisNames.assign(kNames, kNames + h.axes);
        m_device = std::move(info);
        const std::int64_t sinceIndex0 = toNs(static_cast<double>(first) * 1e9 / h.rateHz);
        m_utcBaseNs = addNs(h.t0IsUtc() ? h.t0Ns : hostNowNs, -sinceIndex0);
    }
    m_started = true;
    m_lastSeq = h.sequence;
    auto block = std::make_shared<core::SampleBlock>();
    block->device = m_device;
    block->sequence = m_blockSeq++;
    block->firstSample = first;
    block->count = h.count;
    block->startTimeNs = addNs(m_utcBaseNs, toNs(static_cast<double>(first) * 1e9 / h.rateHz));
    block->data = f.planar;
    m_nextOut = first + h.count;
    return block;
}

} // namespace vibra::decode
