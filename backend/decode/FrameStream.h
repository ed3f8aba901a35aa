#pragma once

#include "core/DeviceInfo.h"
#include "core/SampleBlock.h"
#include "decode/Frame.h"

#include <cstdint>
#include <memory>

namespace vibra::decode {

/// Turns validated frames of one device into SampleBlocks: keeps the DeviceInfo (a new one when rate,
/// axes or unit change), maps the device's sample index to UTC and checks the frame sequence.
///
/// Sequence rules: seq > last + 1 counts missing frames (the sample gap itself is counted by the outlet
/// from firstSample). seq <= last is either a duplicate (resent after a reconnect; policy Duplicate, used by
/// the ingest server) or a device restart (policy Rebase, used by serial: sample indices are shifted so
/// they continue after the last delivered sample, and restarts is incremented).
/// UTC: frames flagged t0-is-UTC use t0_ns; otherwise the host clock at the stream's first frame.
///
/// Threads: owned by one thread (the one that delivers into the device's outlet).
class FrameStream {
public:
    enum class Policy { Rebase, Duplicate };
    struct Stats {
        std::uint64_t missingFrames = 0; ///< frames skipped by sequence number
        std::uint64_t duplicates = 0;    ///< frames with an already seen sequence (Duplicate policy)
        std::uint64_t restarts = 0;      ///< sequence restarts rebased (Rebase policy)
        std::uint64_t formatChanges = 0; ///< rate / axes / unit changes
    };

    FrameStream(core::DeviceInfo base, Policy policy);

    /// Returns the block, or nullptr for a duplicate (counted in stats). hostNowNs: UTC ns now.
    core::MutableBlockPtr accept(const DecodedFrame& frame, std::int64_t hostNowNs);

    /// Highest sequence accepted so far (valid when hasSequence()).
    std::uint32_t lastSequence() const { return m_lastSeq; }
    bool hasSequence() const { return m_started; }
    const Stats& stats() const { return m_stats; }
    std::shared_ptr<const core::DeviceInfo> device() const { return m_device; }
    /// After a transport reconnect (serial): the next frame may legitimately restart its sequence.
    void noteReconnect() { m_reconnected = true; }

private:
    core::DeviceInfo m_base;
    const Policy m_policy;
    std::shared_ptr<const core::DeviceInfo> m_device;
    bool m_started = false;
    bool m_reconnected = false;
    std::uint32_t m_lastSeq = 0;
    std::int64_t m_offset = 0;    // added to device sample indices (Rebase)
    std::uint64_t m_nextOut = 0;  // next output index if contiguous
    std::int64_t m_utcBaseNs = 0; // UTC ns of output index 0
    std::uint64_t m_blockSeq = 0;
    Stats m_stats;
};

} // namespace vibra::decode
