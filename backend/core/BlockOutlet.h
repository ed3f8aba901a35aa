#pragma once

#include "core/DeviceCounters.h"
#include "core/SampleBlock.h"
#include "core/SpscRing.h"

#include <chrono>
#include <cstdint>
#include <thread>

namespace vibra::core {

/// The producer end of a device's source -> DSP ring, handed to a Source.
///
/// Threads: used only by the source's I/O thread (the ring's single producer). It keeps the stream's
/// continuity state, so every block of a device must pass through the same outlet.
///
/// deliver() does the accounting every source would otherwise repeat:
///  - samplesReceived += count for every block offered;
///  - a block whose firstSample skips ahead of the previous block's end is a gap: gapsDetected (or
///    gapsInferred when block.indexInferred) += 1 and samplesMissing += the skipped samples;
///  - a block that starts before the expected index overlaps data already delivered: it is dropped as
///    Duplicate (decoders must rebase indices when a device restarts its count);
///  - a full ring drops the block (drop-newest) and counts RingOverflow, unless the caller asked for
///    backpressure, in which case deliver() waits for space (file replay, unpaced simulator).
class BlockOutlet {
public:
    enum class Policy { DropWhenFull, WaitWhenFull };

    BlockOutlet(SpscRing<SampleBlockPtr>& ring, DeviceCounters& counters)
        : m_ring(ring)
        , m_counters(counters) {}

    /// Returns true when the block entered the ring. With WaitWhenFull, waits until there is space or
    /// cancelled() turns true (then the block is dropped as RingOverflow and false is returned).
    template <typename CancelFn> bool deliver(SampleBlockPtr block, Policy policy, CancelFn cancelled) {
        const std::uint32_t n = block->count;
        m_counters.samplesReceived.fetch_add(n, std::memory_order_relaxed);
        m_counters.frames.fetch_add(1, std::memory_order_relaxed);
        if (m_started) {
            if (block->firstSample > m_nextSample) {
                const auto missing = block->firstSample - m_nextSample;
                (block->indexInferred ? m_counters.gapsInferred : m_counters.gapsDetected)
                    .fetch_add(1, std::memory_order_relaxed);
                m_counters.samplesMissing.fetch_add(missing, std::memory_order_relaxed);
            } else if (block->firstSample < m_nextSample) {
                m_counters.addDropped(DropReason::Duplicate, n, 1);
                return false;
            }
        }
        m_started = true;
        m_nextSample = block->firstSample + n;
        while (!m_ring.tryPush(block)) {
            if (policy == Policy::DropWhenFull || cancelled()) {
                m_counters.addDropped(DropReason::RingOverflow, n, 1);
                return false;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        return true;
    }

    bool deliver(SampleBlockPtr block, Policy policy = Policy::DropWhenFull) {
        return deliver(std::move(block), policy, [] { return false; });
    }

    /// Next expected sample index (0 before the first block).
    std::uint64_t nextSample() const { return m_nextSample; }
    DeviceCounters& counters() { return m_counters; }
    std::size_t freeSlots() const { return m_ring.capacity() - m_ring.size(); }

private:
    SpscRing<SampleBlockPtr>& m_ring;
    DeviceCounters& m_counters;
    // I/O thread only
    bool m_started = false;
    std::uint64_t m_nextSample = 0;
};

} // namespace vibra::core
