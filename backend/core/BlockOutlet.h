#pragma once

#include "core/DeviceCounters.h"
#include "core/InputQueue.h"
#include "core/SampleBlock.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

namespace vibra::core {

/// The producer end of a device's source -> DSP queue, handed to a Source (or to the ingest server).
///
/// Continuity is computed here, once, for every transport: deliver() stamps each block with gapBefore (the
/// samples skipped since the previous delivered block) before it becomes immutable, and DSP, SQLite and
/// Parquet read that field instead of re-deriving it. deliver() also does the accounting every source
/// would otherwise repeat:
///  - samplesReceived += count and frames += 1 for every block offered;
///  - a block whose firstSample skips ahead of the previous block's end is a gap: gapsDetected (or
///    gapsInferred when block.indexInferred) += 1, samplesMissing += the skipped samples;
///  - a block that starts before the expected index overlaps data already delivered: it is dropped as
///    Duplicate (decoders must rebase indices when a device restarts its count);
///  - a full queue refuses the block (drop-newest) and counts RingOverflow. Sources that can wait (file
///    replay, unpaced simulator) must ask hasRoom() first and retry later instead of offering the block:
///    deliver() never blocks, because sources share I/O threads.
///
/// Threads: used only by the producing thread (the source's I/O thread or the ingest server's thread). It
/// keeps the stream's continuity state, so every block of a device must pass through the same outlet.
class BlockOutlet {
public:
    BlockOutlet(InputQueue& queue, DeviceCounters& counters)
        : m_queue(queue)
        , m_counters(counters) {}

    /// Returns true when the block entered the queue.
    bool deliver(std::shared_ptr<SampleBlock> block) {
        const std::uint32_t n = block->count;
        m_counters.samplesReceived.fetch_add(n, std::memory_order_relaxed);
        m_counters.frames.fetch_add(1, std::memory_order_relaxed);
        if (!m_sized && block->device && block->device->sampleRate > 0) {
            // One second of data (or a few blocks, whichever is larger) may wait for the DSP pool.
            // (never below what the queue's owner configured).
            m_queue.setSampleBudget(std::max(
                m_queue.sampleBudget(), static_cast<std::uint64_t>(std::ceil(block->device->sampleRate))));
            m_sized = true;
        }
        block->gapBefore = 0;
        if (m_started) {
            if (block->firstSample > m_nextSample) {
                const auto missing = block->firstSample - m_nextSample;
                (block->indexInferred ? m_counters.gapsInferred : m_counters.gapsDetected)
                    .fetch_add(1, std::memory_order_relaxed);
                m_counters.samplesMissing.fetch_add(missing, std::memory_order_relaxed);
                block->gapBefore = missing;
            } else if (block->firstSample < m_nextSample) {
                m_counters.addDropped(DropReason::Duplicate, n, 1);
                return false;
            }
        }
        m_started = true;
        m_nextSample = block->firstSample + n;
        if (!m_queue.tryPush(std::move(block))) {
            m_counters.addDropped(DropReason::RingOverflow, n, 1);
            return false;
        }
        return true;
    }

    /// True when a block of this many samples per axis would be accepted now (for sources that wait).
    bool hasRoom(std::uint32_t samples) const { return m_queue.hasRoom(samples); }
    /// Next expected sample index (0 before the first block).
    std::uint64_t nextSample() const { return m_nextSample; }
    DeviceCounters& counters() { return m_counters; }

private:
    InputQueue& m_queue;
    DeviceCounters& m_counters;
    // producing thread only
    bool m_started = false;
    bool m_sized = false;
    std::uint64_t m_nextSample = 0;
};

} // namespace vibra::core
