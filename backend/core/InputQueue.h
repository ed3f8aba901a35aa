#pragma once

#include "core/SampleBlock.h"
#include "core/SpscRing.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>

namespace vibra::core {

/// A device's source -> DSP queue: an SPSC ring of blocks bounded twice, by blocks and by samples, plus a
/// wake hook that tells the scheduler the consumer has work.
///
/// Bounds: at most maxBlocks blocks and at most maxSamples samples per axis queued (the sample bound is what
/// caps memory: a device at 16 kHz with the default one second of budget holds at most 16000 x axes floats
/// here, whatever its block size). A push that would exceed either bound is refused (the caller counts it).
/// The sample budget can be raised once the rate is known (setSampleBudget, producer thread).
///
/// Threads: one producer (tryPush/hasRoom/setSampleBudget), one consumer (tryPop); size queries anywhere.
/// The wake hook is set before the producer starts and called on the producer's thread after each push.
class InputQueue {
public:
    static constexpr std::size_t kDefaultBlocks = 256;
    static constexpr std::uint64_t kMinSampleBudget = 4 * kMaxBlockSamples; ///< always fits a few big blocks

    explicit InputQueue(std::size_t maxBlocks = kDefaultBlocks, std::uint64_t maxSamples = kMinSampleBudget)
        : m_ring(maxBlocks)
        , m_budget(std::max(maxSamples, kMinSampleBudget)) {}

    /// Before the producer starts: called after every successful push (e.g. to schedule the consumer).
    void setWake(std::function<void()> wake) { m_wake = std::move(wake); }

    /// Producer: true when a block of `samples` samples per axis would be accepted now.
    bool hasRoom(std::uint32_t samples) const {
        return m_ring.size() < m_ring.capacity() &&
               m_queued.load(std::memory_order_acquire) + samples <= m_budget.load(std::memory_order_relaxed);
    }

    /// Producer: queues the block or returns false (nothing stored) when a bound would be exceeded.
    bool tryPush(SampleBlockPtr block) {
        const std::uint32_t n = block->count;
        if (m_queued.load(std::memory_order_acquire) + n > m_budget.load(std::memory_order_relaxed))
            return false;
        if (!m_ring.tryPush(std::move(block)))
            return false;
        m_queued.fetch_add(n, std::memory_order_acq_rel);
        if (m_wake)
            m_wake();
        return true;
    }

    /// Consumer.
    bool tryPop(SampleBlockPtr& out) {
        if (!m_ring.tryPop(out))
            return false;
        m_queued.fetch_sub(out->count, std::memory_order_acq_rel);
        return true;
    }

    /// Producer (or owner before start): budget in samples per axis, e.g. one second at the device's rate.
    void setSampleBudget(std::uint64_t samples) {
        m_budget.store(std::max(samples, kMinSampleBudget), std::memory_order_relaxed);
    }

    std::size_t size() const { return m_ring.size(); }
    bool empty() const { return m_ring.empty(); }
    std::size_t capacity() const { return m_ring.capacity(); }
    std::uint64_t queuedSamples() const { return m_queued.load(std::memory_order_relaxed); }
    std::uint64_t sampleBudget() const { return m_budget.load(std::memory_order_relaxed); }

private:
    SpscRing<SampleBlockPtr> m_ring;
    std::atomic<std::uint64_t> m_queued{0}; ///< pushed - popped samples; producer adds, consumer subtracts
    std::atomic<std::uint64_t> m_budget;    ///< written by the producer, read by the producer
    std::function<void()> m_wake;           ///< set before start, then called by the producer only
};

} // namespace vibra::core
